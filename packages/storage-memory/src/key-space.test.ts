import { describe, expect, it } from 'vitest';
import { createKeySpace } from './key-space';

/** A key space on a clock the test moves by hand, so TTL arithmetic is exact. */
const setup = (maxKeysPerClient = 100) => {
  const clock = { now: 1_000, expiring: 0 };
  const space = createKeySpace({ maxKeysPerClient, now: () => clock.now, onExpiring: () => clock.expiring++ });
  return { space, clock };
};

describe('createKeySpace', () => {
  it('expires a key exactly at its deadline, not a millisecond before', () => {
    const { space, clock } = setup();
    space.set('c', 'k', 'v', 1_000);
    clock.now += 400;
    expect(space.ttl('c', 'k')).toBe(600);
    clock.now += 599;
    expect(space.get('c', 'k')).toBe('v');
    expect(space.ttl('c', 'k')).toBe(1);
    clock.now += 1;
    expect(space.get('c', 'k')).toBeUndefined();
    expect(space.size()).toBe(0);
  });

  it('rounds the time left up, so a live key never reports 0', () => {
    const { space, clock } = setup();
    space.set('c', 'k', 'v', 10);
    clock.now += 9.75;
    expect(space.ttl('c', 'k')).toBe(1);
  });

  it('tells the storage whenever a key gets a TTL, and only then', () => {
    const { space, clock } = setup();
    space.set('c', 'plain', 1);
    space.incr('c', 'n', 1);
    expect(clock.expiring).toBe(0);
    space.set('c', 'a', 1, 50);
    space.expire('c', 'plain', 50);
    expect(clock.expiring).toBe(2);
  });

  it('deletes a key on expire with a deadline already passed, as Redis PEXPIRE', () => {
    const { space } = setup();
    space.set('c', 'k', 1);
    expect(space.expire('c', 'k', 0)).toBe(true);
    expect(space.ttl('c', 'k')).toBe(-2);
    expect(space.expire('c', 'k', -5)).toBe(false);
  });

  it.each([0, -1, Number.POSITIVE_INFINITY])('rejects set with ttlMs %s as a RangeError', (ttlMs) => {
    const { space } = setup();
    expect(() => space.set('c', 'k', 1, ttlMs)).toThrow(RangeError);
    expect(space.size()).toBe(0);
  });

  it('rejects a ttlMs that is not a number as a TypeError', () => {
    const { space } = setup();
    expect(() => space.set('c', 'k', 1, Number.NaN)).toThrow(TypeError);
    expect(() => space.expire('c', 'k', '5' as unknown as number)).toThrow(TypeError);
  });

  it('keeps the TTL through incr, as Redis INCRBY', () => {
    const { space, clock } = setup();
    space.set('c', 'n', 1, 1_000);
    expect(space.incr('c', 'n', 2)).toBe(3);
    expect(space.ttl('c', 'n')).toBe(1_000);
    clock.now += 1_000;
    expect(space.get('c', 'n')).toBeUndefined();
  });

  it.each([['5'], [1.5], [{ n: 1 }], [null], [2 ** 60]])('rejects incr of %j as a TypeError', (value) => {
    const { space } = setup();
    space.set('c', 'k', value);
    expect(() => space.incr('c', 'k', 1)).toThrow(new TypeError('incr: the value of "k" is not an integer'));
  });

  it('rejects an incr step that is not an integer, and one past the safe integer range', () => {
    const { space } = setup();
    expect(() => space.incr('c', 'k', 0.5)).toThrow(TypeError);
    space.set('c', 'k', Number.MAX_SAFE_INTEGER);
    expect(() => space.incr('c', 'k', 1)).toThrow(RangeError);
    expect(space.get('c', 'k')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('returns a copy, so changing a value read changes nothing stored', () => {
    const { space } = setup();
    space.set('c', 'k', { list: [1] });
    (space.get('c', 'k') as { list: number[] }).list.push(2);
    expect(space.get('c', 'k')).toEqual({ list: [1] });
  });

  it('refuses undefined, functions, symbols, bigints and objects structuredClone cannot copy', () => {
    const { space } = setup();
    for (const value of [undefined, () => 1, Symbol('s'), 1n, { f: () => 1 }]) {
      expect(() => space.set('c', 'k', value)).toThrow(TypeError);
    }
    expect(space.size()).toBe(0);
  });

  it('refuses a new key past maxKeysPerClient but lets existing keys change', () => {
    const { space } = setup(2);
    space.set('c', 'a', 1);
    space.incr('c', 'b', 1);
    expect(() => space.set('c', 'c', 1)).toThrow(RangeError);
    expect(() => space.set('c', 'c', 1)).toThrow(/^maxKeysPerClient exceeded: 2$/);
    expect(() => space.incr('c', 'c', 1)).toThrow(expect.objectContaining({ limit: 'maxKeysPerClient', max: 2 }));
    space.set('c', 'a', 'changed');
    expect(space.incr('c', 'b', 1)).toBe(2);
    space.set('other', 'c', 1);
    expect(space.keys('c', '*')).toEqual(['a', 'b']);
  });

  it('does not count expired keys against maxKeysPerClient', () => {
    const { space, clock } = setup(2);
    space.set('c', 'a', 1, 10);
    space.set('c', 'b', 1, 10);
    clock.now += 10;
    space.set('c', 'c', 1);
    expect(space.keys('c', '*')).toEqual(['c']);
  });

  it('drops expired entries on keys() and keeps no empty client behind', () => {
    const { space, clock } = setup();
    space.set('c', 'a', 1, 10);
    space.set('c', 'b', 1);
    clock.now += 10;
    expect(space.keys('c', '*')).toEqual(['b']);
    expect(space.size()).toBe(1);
    expect(space.del('c', 'b')).toBe(true);
    expect(space.size()).toBe(0);
  });

  it('sweeps expired entries of every client and says whether TTLs remain', () => {
    const { space, clock } = setup();
    space.set('c1', 'a', 1, 10);
    space.set('c2', 'b', 1, 20);
    space.set('c2', 'c', 1);
    clock.now += 10;
    expect(space.sweep()).toBe(true);
    expect(space.size()).toBe(2);
    clock.now += 10;
    expect(space.sweep()).toBe(false);
    expect(space.size()).toBe(1);
  });

  it('forgets one client on drop and everyone on clear', () => {
    const { space } = setup();
    space.set('c1', 'a', 1);
    space.set('c2', 'a', 1);
    space.drop('c1');
    expect(space.get('c1', 'a')).toBeUndefined();
    expect(space.get('c2', 'a')).toBe(1);
    space.clear();
    expect(space.size()).toBe(0);
  });
});
