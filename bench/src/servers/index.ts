import type { ServerConfig } from '../protocol.js';
import type { BenchServer } from './types.js';

/**
 * The server under test named by `config`. Each library is imported only in its own server's
 * process, so that none carries another's modules (their memory is in every baseline).
 */
export async function createBenchServer(config: ServerConfig): Promise<BenchServer> {
  switch (config.name) {
    case 'grappler':
      return (await import('./grappler.js')).grapplerServer(config);
    case 'ws-loop':
      return (await import('./ws-loop.js')).wsLoopServer();
    case 'ws-preframed':
      return (await import('./ws-preframed.js')).wsPreframedServer();
    case 'bare':
      return (await import('./bare.js')).bareServer();
    case 'socketio-ws':
      return (await import('./socketio.js')).socketIoServer(config, 'websocket');
    case 'socketio-polling':
      return (await import('./socketio.js')).socketIoServer(config, 'polling');
    case 'sockjs':
      return (await import('./sockjs.js')).sockjsServer();
  }
}
