import type { HubPort } from '@grappler/core';
import type { Session } from './session';

const REGISTRIES = new WeakMap<HubPort, Map<string, Session<unknown>>>();

/**
 * The sessions of one hub, shared by all its HTTP transports: a POST finds its session
 * whichever transport's request handler receives it.
 */
export function sessionsOf(hub: HubPort): Map<string, Session<unknown>> {
  let sessions = REGISTRIES.get(hub);
  if (!sessions) {
    sessions = new Map();
    REGISTRIES.set(hub, sessions);
  }
  return sessions;
}
