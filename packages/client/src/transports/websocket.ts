/**
 * WebSocket: the server's URL with http→ws, https→wss, subprotocol `grappler.v1` (framed mode),
 * `?resume=<token>&seq=<cursor>` once the client has a token. Every text frame is one server
 * frame; upstream messages go as `{"u":n,"d":"text"}`. A server that does not select the
 * subprotocol speaks raw mode: the link fails with ERR_PROTOCOL and the client falls back.
 */
import { ClientError, toClientError } from '../errors';
import { SUBPROTOCOL, resumeQuery } from '../framed';
import type { WebSocketConstructor, WebSocketLike } from '../options';
import { encodeUpstream } from '../upstream';
import type { CloseInfo, Link, LinkContext } from './types';

/** The WebSocket URL for a server URL: http→ws, https→wss, plus `params`. */
export function webSocketUrl(url: URL, params: Record<string, string | number> = {}): string {
  const ws = new URL(url.href);
  ws.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  for (const [key, value] of Object.entries(params)) ws.searchParams.set(key, String(value));
  return ws.href;
}

const noop = (): void => {};

/** The WebSocket link. */
export function websocketLink(context: LinkContext): Link {
  const { handlers } = context;
  const Ctor = context.options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  let socket: WebSocketLike | undefined;
  let active = true;
  const close = (): void => {
    active = false;
    try {
      socket?.close(1000, 'closed by the client');
    } catch {
      /* already closing */
    }
  };
  const end = (info: CloseInfo, error: ClientError): void => {
    if (!active) return;
    close();
    handlers.closed(info, error);
  };
  const fail = (error: ClientError): void => end({ reason: error.message, wasClean: false }, error);
  try {
    if (!Ctor) throw new ClientError('ERR_TRANSPORT_UNAVAILABLE', 'WebSocket is not available; pass options.WebSocket');
    socket = new Ctor(webSocketUrl(context.url, resumeQuery(context.position())), SUBPROTOCOL);
    const ws = socket;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      if (ws.protocol !== SUBPROTOCOL) fail(new ClientError('ERR_PROTOCOL', `the server did not select the ${SUBPROTOCOL} subprotocol (framed mode)`));
    };
    ws.onmessage = ((event: { data: unknown }) => {
      if (!active) return;
      if (typeof event.data === 'string') handlers.frame(event.data);
      else fail(new ClientError('ERR_PROTOCOL', 'a binary frame in framed mode'));
    }) as (event: never) => void;
    ws.onerror = noop; // a close event follows with the details
    ws.onclose = ((event: { code: number; reason: string; wasClean: boolean }) => {
      const info = { code: event.code, reason: event.reason || `closed with ${event.code}`, wasClean: event.wasClean };
      end(info, new ClientError('ERR_CONNECT', `the WebSocket closed (${info.code})`));
    }) as (event: never) => void;
  } catch (error) {
    queueMicrotask(() => fail(toClientError(error)));
  }
  return {
    send(message) {
      try {
        socket?.send(encodeUpstream(message));
      } catch {
        /* closing: the message stays unacknowledged and goes again on the next link */
      }
    },
    close,
  };
}
