import type { Server as HttpServer } from 'node:http';

/** What the server process needs from every server under test, whatever library is behind it. */
export interface BenchServer {
  /** Not yet listening: the server process binds it to 127.0.0.1 on a free port. */
  readonly httpServer: HttpServer;
  /** Clients connected now, as the library counts them. */
  clients(): number;
  /** Clients that closed since the start (for the slow-client row: cut off by the server, or gone). */
  closedClients(): number;
  /** Sends `text` to every connected client, the way a user of the library would. */
  broadcast(text: string): void;
}
