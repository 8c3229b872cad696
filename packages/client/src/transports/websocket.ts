/** WebSocket: the server's URL with http→ws, https→wss; raw text and binary frames. */
import { ClientError } from '../errors';
import type { WebSocketConstructor, WebSocketLike } from '../options';
import type { Link, LinkContext } from './types';

/** The WebSocket URL for a server URL: http→ws, https→wss, the rest unchanged. */
export function webSocketUrl(url: URL): string {
  const ws = new URL(url.href);
  ws.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return ws.href;
}

const noop = (): void => {};

/** The WebSocket link. */
export function websocketLink(context: LinkContext): Link {
  const { handlers } = context;
  const Ctor = context.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  let socket: WebSocketLike | undefined;
  let active = true;
  const fail = (error: ClientError): void => {
    queueMicrotask(() => {
      if (active) handlers.closed({ reason: error.message, wasClean: false }, error, []);
      active = false;
    });
  };
  if (!Ctor) {
    fail(new ClientError('ERR_TRANSPORT_UNAVAILABLE', 'WebSocket is not available; pass options.WebSocket'));
  } else {
    try {
      socket = new Ctor(webSocketUrl(context.url));
      socket.binaryType = 'arraybuffer';
      socket.onopen = () => {
        if (active) handlers.opened();
      };
      socket.onmessage = ((event: { data: unknown }) => {
        if (!active) return;
        const { data } = event;
        handlers.message(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer));
      }) as (event: never) => void;
      socket.onerror = noop; // a close event follows with the details
      socket.onclose = ((event: { code: number; reason: string; wasClean: boolean }) => {
        if (!active) return;
        active = false;
        const info = { code: event.code, reason: event.reason || `closed with ${event.code}`, wasClean: event.wasClean };
        handlers.closed(info, new ClientError('ERR_CONNECT', `the WebSocket closed (${info.code})`), []);
      }) as (event: never) => void;
    } catch (error) {
      fail(new ClientError('ERR_CONNECT', error instanceof Error ? error.message : String(error), { cause: error }));
    }
  }
  return {
    send: (data) => socket?.send(data),
    close() {
      active = false;
      try {
        socket?.close(1000, 'closed by the client');
      } catch {
        /* already closing */
      }
    },
  };
}
