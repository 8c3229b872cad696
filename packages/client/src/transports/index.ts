import type { TransportName } from '../options';
import { longpollLink } from './longpoll';
import { sseLink } from './sse';
import type { LinkFactory } from './types';
import { websocketLink } from './websocket';
import { xhrMultipartLink } from './xhr-multipart';

/** Every transport's link factory, by name. */
export const LINKS: Readonly<Record<TransportName, LinkFactory>> = {
  websocket: websocketLink,
  sse: sseLink,
  'xhr-multipart': xhrMultipartLink,
  longpoll: longpollLink,
};
