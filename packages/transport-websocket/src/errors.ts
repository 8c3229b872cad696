import { GrapplerError, LimitExceededError } from '@grappler/core';

/** What `ws` reports about a peer's bytes, as grappler errors; `ws` itself has already sent the close code. */
export function fromWsError(error: Error & { code?: string }, maxPayload: number): GrapplerError {
  if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return new LimitExceededError('maxMessageBytes', maxPayload);
  return new GrapplerError('ERR_PROTOCOL', error.message, { cause: error });
}
