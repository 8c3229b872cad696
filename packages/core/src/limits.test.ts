import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, resolveLimits } from './limits';
import { GrapplerError, HandshakeError, LimitExceededError, isGrapplerError } from './errors';

describe('resolveLimits', () => {
  it('starts from the documented defaults', () => {
    expect(resolveLimits()).toEqual({
      maxMessageBytes: 1048576,
      maxBufferedBytes: 4194304,
      highWaterMarkBytes: 65536,
      maxClients: Number.POSITIVE_INFINITY,
      maxBodyBytes: 1048576,
      sessionIdleMs: 60000,
      backlogBytes: 4194304,
      maxChannelsPerClient: 128,
      clusterQueueBytes: 4 << 20,
    });
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true);
  });

  it('merges overrides and accepts Infinity', () => {
    expect(resolveLimits({ maxMessageBytes: 4, maxClients: Number.POSITIVE_INFINITY })).toMatchObject({ maxMessageBytes: 4 });
  });

  it('throws a TypeError for unknown keys and values that are not positive', () => {
    expect(() => resolveLimits({ maxMesageBytes: 4 } as never)).toThrow(/unknown limit "maxMesageBytes"/);
    for (const bad of [0, -1, Number.NaN, '5']) {
      expect(() => resolveLimits({ maxClients: bad as number })).toThrow(TypeError);
    }
  });
});

describe('errors', () => {
  it('carry a code, and limits carry the limit, max and actual', () => {
    const error = new LimitExceededError('maxMessageBytes', 4, 9);
    expect(error).toMatchObject({ code: 'ERR_MESSAGE_TOO_LARGE', limit: 'maxMessageBytes', max: 4, actual: 9 });
    expect(error.message).toBe('maxMessageBytes exceeded: 9 > 4');
    expect(new LimitExceededError('maxBufferedBytes', 8).message).toBe('maxBufferedBytes exceeded: more than 8');
    expect(new HandshakeError('ERR_ORIGIN', 403, 'no')).toMatchObject({ status: 403, name: 'HandshakeError' });
  });

  it('are recognised by name and code, even from another copy of core', () => {
    const foreign = Object.assign(new Error('x'), { name: 'GrapplerError', code: 'ERR_PROTOCOL' });
    expect(isGrapplerError(foreign)).toBe(true);
    expect(isGrapplerError(new GrapplerError('ERR_CLOSED', 'closed'))).toBe(true);
    expect(isGrapplerError(new Error('plain'))).toBe(false);
    expect(isGrapplerError({ name: 'GrapplerError', code: 'ERR_PROTOCOL' })).toBe(false);
  });
});
