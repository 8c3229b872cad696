export { LONGPOLL_CONTENT_TYPE, LONGPOLL_FORMAT, type LongpollBatch, renderBatch } from './format';
export { longpollTransport } from './transport';
export type { HttpTransportOptions } from '@grappler/http-session';
