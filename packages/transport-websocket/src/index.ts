export { RFC6455_DEFLATE_FORMAT, RFC6455_FORMAT } from './format';
export { OPCODE, encodeFrame } from './frame';
export type { SelectProtocol, WebSocketOptions } from './options';
export { websocketTransport } from './transport';
