import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  type Client,
  type CloseReason,
  type Connection,
  type ConnectionEvents,
  type HubPort,
  type OutboundMessage,
  STATE,
  type TickEndListener,
  type Transport,
  type WireFormat,
  atTickEnd,
  rejectSocket,
} from '../src/index';

/**
 * A deliberately tiny real transport for core's own tests: an HTTP upgrade to `lines`, then
 * newline-terminated text both ways. It lets core be tested over real sockets without
 * depending on a transport package.
 */
export function lineFormat(name: string, transform: (text: string) => string = (t) => t): WireFormat<Buffer> & { encodes: number } {
  const format = {
    name,
    encodes: 0,
    encode(message: OutboundMessage): Buffer {
      format.encodes++;
      return Buffer.from(`${transform(message.text ?? message.bytes.toString('hex'))}\n`);
    },
  };
  return format;
}

/**
 * Frames written to every line connection of this test file so far (a fan-out's progress, seen
 * from the hub's side), and how many frames each cork()…uncork() of the hub held.
 */
export const lineWrites = { count: 0, corkedRuns: [] as number[], deferredFlushes: 0 };

class LineConnection implements Connection<Buffer> {
  bufferedBytes = 0;
  client: Client | undefined = undefined;
  readonly heartbeat?: () => void;
  constructor(
    readonly format: WireFormat<Buffer>,
    private readonly socket: Duplex,
    heartbeatLine?: string,
  ) {
    // The hub's heartbeat, made visible to the peer as a line of its own.
    if (heartbeatLine !== undefined) this.heartbeat = () => socket.write(`${heartbeatLine}\n`);
  }
  /** Frames written since cork(), or undefined while not corked. */
  #corked: number | undefined;
  write(frame: Buffer): boolean {
    lineWrites.count++;
    if (this.#corked !== undefined) this.#corked++;
    return this.socket.write(frame);
  }
  cork(): void {
    this.#corked = 0;
    this.socket.cork();
  }
  uncork(): void {
    lineWrites.corkedRuns.push(this.#corked ?? -1);
    this.#corked = undefined;
    this.socket.uncork();
  }
  close(_reason: CloseReason): void {
    this.socket.end();
  }
  terminate(): void {
    this.socket.destroy();
  }
}

/**
 * A line connection that writes as an HTTP session does: it keeps the frames of a tick and writes
 * them once the tick ends (`atTickEnd`), in one write (counted in `lineWrites.deferredFlushes`).
 */
class DeferredLineConnection extends LineConnection implements TickEndListener {
  #held: Buffer[] = [];
  readonly #out: Duplex;
  constructor(format: WireFormat<Buffer>, socket: Duplex) {
    super(format, socket);
    this.#out = socket;
  }
  override write(frame: Buffer): boolean {
    lineWrites.count++;
    if (this.#held.push(frame) === 1) atTickEnd(this);
    return true;
  }
  tickEnded(): void {
    lineWrites.deferredFlushes++;
    this.#out.write(Buffer.concat(this.#held));
    this.#held = [];
  }
}

/**
 * `heartbeatLine`: written to the peer each time the hub's heartbeat visits the connection.
 * `deferWrites`: frames wait for the tick's end, as an HTTP session's do.
 */
export function lineTransport(format: WireFormat<Buffer>, path = '/lines', heartbeatLine?: string, deferWrites = false): Transport {
  return {
    name: 'lines',
    matches: (req: IncomingMessage) => req.url === path,
    handleRequest(_req: IncomingMessage, res: ServerResponse): void {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('lines transport\n');
    },
    handleUpgrade(req: IncomingMessage, socket: Duplex, _head: Buffer, hub: HubPort): void {
      const meta = { transport: 'lines', req, socket, protocol: STATE.PROTO_HTTP };
      void hub.admit(meta).then((refusal) => {
        if (refusal) {
          if (refusal.status === null) socket.destroy();
          else rejectSocket(socket, refusal.status);
          return;
        }
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: lines\r\nConnection: Upgrade\r\n\r\n');
        const connection = deferWrites ? new DeferredLineConnection(format, socket) : new LineConnection(format, socket, heartbeatLine);
        connection.client = hub.attach(connection, meta);
        const events: ConnectionEvents = hub.events;
        let pending = '';
        socket.on('data', (chunk: Buffer) => {
          const lines = (pending + chunk.toString('utf8')).split('\n');
          pending = lines.pop() ?? '';
          for (const line of lines) events.message(connection, line);
        });
        // HTTP server sockets allow half-open connections: end our side when the peer ends theirs.
        socket.on('end', () => socket.end());
        socket.on('close', () => events.closed(connection, { code: 1000, reason: '' }));
        socket.on('error', () => {});
      });
    },
  };
}
