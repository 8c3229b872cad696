/**
 * A scripted WebSocket peer for unit tests of the links and the client: each `new` is recorded
 * with its URL and protocols, and the test plays the server (open, frames, close) and reads
 * what the client sent. The client's own code runs unchanged on top of it.
 */
import type { WebSocketConstructor, WebSocketLike } from '../src/index';

type Handler = ((event: never) => void) | null;

export class FakeWebSocket implements WebSocketLike {
  /** Every socket made, in order. */
  static readonly made: FakeWebSocket[] = [];
  binaryType = 'blob';
  protocol = '';
  onopen: Handler = null;
  onmessage: Handler = null;
  onclose: Handler = null;
  onerror: Handler = null;
  readonly url: URL;
  readonly protocols: string | string[] | undefined;
  /** The frames the client sent, parsed. */
  readonly sent: unknown[] = [];
  closedWith: number | undefined;

  constructor(url: string, protocols?: string | string[]) {
    this.url = new URL(url);
    this.protocols = protocols;
    FakeWebSocket.made.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(code?: number): void {
    this.closedWith = code;
  }

  /** The server accepts, selecting `protocol`. */
  open(protocol = 'grappler.v1'): void {
    this.protocol = protocol;
    (this.onopen as ((event: unknown) => void) | null)?.({});
  }

  /** The server sends a frame: an object is sent as its JSON text. */
  receive(frame: unknown): void {
    const data = typeof frame === 'string' || frame instanceof ArrayBuffer ? frame : JSON.stringify(frame);
    (this.onmessage as ((event: unknown) => void) | null)?.({ data });
  }

  /** The connection ends: 1006 when cut. */
  drop(code = 1006): void {
    (this.onclose as ((event: unknown) => void) | null)?.({ code, reason: '', wasClean: code !== 1006 });
  }

  /** Forgets the sockets made so far. */
  static reset(): void {
    FakeWebSocket.made.length = 0;
  }
}

export const FakeWebSocketConstructor: WebSocketConstructor = FakeWebSocket;

/** The `n`-th socket made (0-based); throws when there is none yet. */
export function socket(n: number): FakeWebSocket {
  const made = FakeWebSocket.made[n];
  if (!made) throw new Error(`no socket #${n} yet (${FakeWebSocket.made.length} made)`);
  return made;
}

export const helloFrame = (fields: { s: number; resumed: boolean; up?: number; token?: string; id?: string }): unknown => ({
  t: 'hello',
  id: 'client-1',
  token: 'token-1',
  up: 0,
  ...fields,
});
