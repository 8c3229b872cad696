import type { WireKind } from '../../protocol.js';
import { engineIoPollingClient } from './engineio-polling.js';
import { engineIoWebSocketClient } from './engineio-websocket.js';
import { longpollClient } from './longpoll.js';
import { rawWebSocketClient } from './raw-websocket.js';
import { sockjsXhrStreamingClient } from './sockjs-xhr-streaming.js';
import { sseClient, xhrMultipartClient } from './streaming.js';
import type { BenchClient, ClientSpec } from './types.js';

/** One client implementation per wire format, the same whichever server is behind it. */
export const CLIENTS: Record<WireKind, (spec: ClientSpec) => BenchClient> = {
  ws: rawWebSocketClient,
  'eio-ws': engineIoWebSocketClient,
  'eio-polling': engineIoPollingClient,
  'sockjs-xhr-streaming': sockjsXhrStreamingClient,
  sse: sseClient,
  'xhr-multipart': xhrMultipartClient,
  longpoll: longpollClient,
};
