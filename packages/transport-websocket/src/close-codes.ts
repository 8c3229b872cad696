import type { GrapplerErrorCode } from '@grappler/core';

/**
 * The close code reported for an error. The drafts have no close codes on the wire; grappler
 * reports RFC 6455's for every version so that applications see one vocabulary.
 */
export const CLOSE_CODE: Readonly<Partial<Record<GrapplerErrorCode, number>>> = Object.freeze({
  ERR_MESSAGE_TOO_LARGE: 1009,
  ERR_PROTOCOL: 1002,
  ERR_BUFFER_FULL: 1008,
  ERR_HEARTBEAT_TIMEOUT: 1006,
});

/** Normal closure, and "went away" when the peer simply disconnected. */
export const NORMAL_CLOSURE = 1000;
export const ABNORMAL_CLOSURE = 1006;
