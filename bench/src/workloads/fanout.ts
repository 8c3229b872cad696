import type { ServerName, WireKind } from '../protocol.js';
import { count, microseconds, perSecond } from './format.js';
import { fanoutContender } from './fanout-run.js';
import type { Contender, Workload } from './types.js';

const contender = (label: string, server: ServerName, kind: WireKind, about: string): Contender =>
  fanoutContender('fanout', label, server, kind, about);

export const fanoutWorkload: Workload = {
  id: 'fanout',
  title: '(1) WebSocket fan-out',
  size: ({ fanout }) => `${fanout.clients} clients, ${fanout.broadcasts} broadcasts of ${fanout.bytes} bytes.`,
  method:
    'N WebSocket clients, B broadcasts of a 64-byte payload from the server (one per setImmediate turn, after a warm-up burst of B/10); deliveries/s = N×B / (last arrival − burst start).',
  contenders: [
    contender('grappler', 'grappler', 'ws', "grappler's Server, defaults, raw WebSocket clients"),
    contender('ws-preframed', 'ws-preframed', 'ws', 'ws 8.18.3, one frame built per broadcast and written to every socket'),
    contender('ws-loop', 'ws-loop', 'ws', 'ws 8.18.3, ws.send() for each client'),
    contender('socketio-ws', 'socketio-ws', 'eio-ws', "Socket.IO 4.8.4, transports: ['websocket'], io.emit()"),
  ],
  columns: [
    { key: 'deliveriesPerSec', label: 'deliveries/s', format: perSecond },
    { key: 'lost', label: 'lost', format: count },
    { key: 'serverUsPerDelivery', label: 'server CPU µs/delivery', format: microseconds },
  ],
  targets: [
    { subject: 'grappler', metric: 'deliveriesPerSec', peer: 'ws-preframed', atLeast: 1.0 },
    { subject: 'grappler', metric: 'deliveriesPerSec', peer: 'socketio-ws', atLeast: 1.6 },
  ],
};
