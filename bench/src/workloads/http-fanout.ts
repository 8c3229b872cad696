import type { ServerName, WireKind } from '../protocol.js';
import { count, microseconds, perSecond } from './format.js';
import { fanoutContender } from './fanout-run.js';
import type { Contender, Workload } from './types.js';

const contender = (label: string, server: ServerName, kind: WireKind, about: string): Contender =>
  fanoutContender('http', label, server, kind, about);

export const httpFanoutWorkload: Workload = {
  id: 'http',
  title: '(4) HTTP fan-out',
  size: ({ http }) => `${http.clients} clients per transport, ${http.broadcasts} broadcasts of ${http.bytes} bytes.`,
  method:
    'N HTTP clients of one transport, B broadcasts of 64 bytes (one per setImmediate turn, after a warm-up of B/10); deliveries/s = N×B / (last arrival − burst start). Long-poll clients poll again as soon as an answer is in. bare-sse is a reference, not a peer: the least a node:http server does per delivery on a stream (one shared SSE event written to the socket of each stream), what one write per delivery allows on this machine.',
  contenders: [
    contender('grappler-sse', 'grappler', 'sse', "grappler's Server, a GET with Accept: text/event-stream"),
    contender('grappler-xhr-multipart', 'grappler', 'xhr-multipart', "grappler's Server, ?transport=xhr-multipart"),
    contender('grappler-longpoll', 'grappler', 'longpoll', "grappler's Server, ?transport=longpoll"),
    contender('socketio-polling', 'socketio-polling', 'eio-polling', "Socket.IO 4.8.4, transports: ['polling']"),
    contender('sockjs-xhr-streaming', 'sockjs', 'sockjs-xhr-streaming', 'SockJS 0.3.24, xhr-streaming (re-POSTed after each 128 KiB response)'),
    contender('bare-sse', 'bare', 'sse', "a reference: node:http, one SSE event built per broadcast and written to every stream's TCP socket"),
  ],
  columns: [
    { key: 'deliveriesPerSec', label: 'deliveries/s', format: perSecond },
    { key: 'lost', label: 'lost', format: count },
    { key: 'serverUsPerDelivery', label: 'server CPU µs/delivery', format: microseconds },
  ],
  targets: [
    { subject: 'grappler-longpoll', metric: 'deliveriesPerSec', peer: 'socketio-polling', atLeast: 1.0 },
    { subject: 'grappler-sse', metric: 'deliveriesPerSec', peer: 'sockjs-xhr-streaming', atLeast: 2.0 },
    { subject: 'grappler-xhr-multipart', metric: 'deliveriesPerSec', peer: 'sockjs-xhr-streaming', atLeast: 2.0 },
  ],
};
