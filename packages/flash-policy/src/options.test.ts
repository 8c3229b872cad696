import { describe, expect, it } from 'vitest';
import { FLASH_POLICY_DEFAULTS, resolveFlashPolicyOptions } from './options';
import { encodePolicy } from './render-policy';

describe('resolveFlashPolicyOptions', () => {
  it('defaults to every domain, every port, a 10 s timeout', () => {
    const resolved = resolveFlashPolicyOptions();
    expect(resolved.policy).toEqual(encodePolicy([{ domain: '*', toPorts: '*' }]));
    expect(resolved.timeoutMs).toBe(10_000);
    expect(FLASH_POLICY_DEFAULTS).toEqual({ origins: '*:*', toPorts: '*', timeoutMs: 10_000 });
    expect(() => resolved.log('ignored', 1)).not.toThrow();
  });

  it('derives entries from origins and toPorts', () => {
    const { policy } = resolveFlashPolicyOptions({ origins: ['a.example:8080', '*.b.example'], toPorts: '8080' });
    expect(policy).toEqual(
      encodePolicy([
        { domain: 'a.example', toPorts: '8080' },
        { domain: '*.b.example', toPorts: '8080' },
      ]),
    );
  });

  it('lets explicit allow win over origins and toPorts', () => {
    const allow = [{ domain: 'only.example', toPorts: '843' }];
    const { policy } = resolveFlashPolicyOptions({ origins: 'other.example', toPorts: '1', allow, siteControl: 'none' });
    expect(policy).toEqual(encodePolicy(allow, { siteControl: 'none' }));
  });

  it('refuses bad entries and timeouts at construction, not per connection', () => {
    expect(() => resolveFlashPolicyOptions({ allow: [{ domain: '', toPorts: '*' }] })).toThrow(TypeError);
    expect(() => resolveFlashPolicyOptions({ toPorts: 'all' })).toThrow(/toPorts/);
    for (const timeoutMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => resolveFlashPolicyOptions({ timeoutMs })).toThrow(/timeoutMs/);
    }
  });

  it('passes the logger through', () => {
    const seen: [string, number][] = [];
    resolveFlashPolicyOptions({ logger: (message, level) => seen.push([message, level]) }).log('hi', 2);
    expect(seen).toEqual([['hi', 2]]);
  });
});
