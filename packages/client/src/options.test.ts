import { describe, expect, it } from 'vitest';
import { CLIENT_DEFAULTS, TRANSPORT_ORDER, resolveClientOptions } from './options';

describe('resolveClientOptions', () => {
  it('fills in the defaults', () => {
    expect(resolveClientOptions()).toEqual({ ...CLIENT_DEFAULTS, transports: TRANSPORT_ORDER, WebSocket: undefined });
  });

  it('refuses unknown transports and negative numbers', () => {
    expect(() => resolveClientOptions({ transports: ['flash' as 'sse'] })).toThrow(/unknown transport/);
    expect(() => resolveClientOptions({ probeTimeoutMs: -1 })).toThrow(/probeTimeoutMs/);
    expect(() => resolveClientOptions({ transports: [] })).toThrow(TypeError);
  });
});
