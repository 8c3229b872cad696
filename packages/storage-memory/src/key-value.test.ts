import { describe, expect, it } from 'vitest';
import { createKeySpace } from './key-space';
import { ClientKeyValueStore } from './key-value';

const space = () => createKeySpace({ maxKeysPerClient: 1, now: () => 0, onExpiring: () => undefined });

describe('ClientKeyValueStore', () => {
  it('rejects instead of throwing on bad input', async () => {
    const store = new ClientKeyValueStore('c', space(), () => undefined);
    await store.set('text', 'abc');
    const incr = store.incr('text');
    expect(incr).toBeInstanceOf(Promise);
    await expect(incr).rejects.toThrow(TypeError);
    await expect(store.set('more', 1)).rejects.toThrow('maxKeysPerClient exceeded: 1');
  });

  it('checks that the storage is open before every call', async () => {
    const store = new ClientKeyValueStore('c', space(), () => {
      throw new Error('closed');
    });
    const calls = [store.get('k'), store.set('k', 1), store.del('k'), store.incr('k'), store.expire('k', 1)];
    for (const call of [...calls, store.ttl('k'), store.keys()]) await expect(call).rejects.toThrow('closed');
  });
});
