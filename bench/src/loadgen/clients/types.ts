import type { WireKind } from '../../protocol.js';

/** Where clients report what they receive; one per load generator. */
export interface PayloadSink {
  /** Client `index` received the payload numbered `seq`. */
  payload(index: number, seq: number): void;
  /** The end of one read from the network: the time of the deliveries it held is taken once, here. */
  endOfRead(): void;
}

/** What a client tells its owner about its life. */
export interface ClientLife {
  /** Connected and subscribed: broadcasts sent from now on reach it. */
  ready(): void;
  /** The connection ended (closed by the server, or failed). */
  closed(error?: Error): void;
}

/** One simulated client of some wire format. */
export interface BenchClient {
  readonly kind: WireKind;
  /** Sends a text message to the server (WebSocket formats only: the echo workload). */
  send(text: string): void;
  /** Stops reading from the network (a slow client), and reads again. */
  pause(): void;
  resume(): void;
  destroy(): void;
}

/** How every client module is called. */
export interface ClientSpec {
  index: number;
  host: string;
  port: number;
  sink: PayloadSink;
  life: ClientLife;
}
