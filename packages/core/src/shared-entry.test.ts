import { describe, expect, it } from 'vitest';
import type { Client } from './client';
import { controlOf, routeShared, sharedMessage } from './shared-entry';
import type { SharedLogEntry } from './shared-log';

const here = new Map<string, Client>([
  ['alice', { id: 'alice' } as Client],
  ['bob', { id: 'bob' } as Client],
]);
const base = { node: 'node-b', time: 1_700_000_000_000, text: 'hi' };

describe('routeShared', () => {
  it('sends an entry for one client to that client, here or not', () => {
    expect(routeShared({ ...base, to: 'alice' }, here)).toEqual({ to: 'alice', channel: undefined, addressing: {}, except: undefined });
    expect(routeShared({ ...base, to: 'carol' }, here).to).toBe('carol');
  });

  it('reads a target named as both client and channel (hub.to()) as the client when it is here, else the channel', () => {
    expect(routeShared({ ...base, to: 'alice', channel: 'alice' }, here).to).toBe('alice');
    expect(routeShared({ ...base, to: 'room', channel: 'room' }, here)).toEqual({ to: undefined, channel: 'room', addressing: { channel: 'room' }, except: undefined });
  });

  it('fans out to everyone or a channel, less the client `except` names when it is here', () => {
    expect(routeShared(base, here)).toEqual({ to: undefined, channel: undefined, addressing: {}, except: undefined });
    const route = routeShared({ ...base, channel: 'room', except: 'bob' }, here);
    expect(route.addressing).toEqual({ channel: 'room', except: 'bob' });
    expect(route.except).toBe(here.get('bob'));
    expect(routeShared({ ...base, except: 'carol' }, here).except).toBeUndefined();
  });
});

describe('sharedMessage', () => {
  it("carries the entry's payload, time and stamp, and its number and node once it has one", () => {
    const message = sharedMessage({ ...base, seq: 12, sender: { name: 'a' } } as SharedLogEntry, 'room');
    expect(message.text).toBe('hi');
    expect(message.time).toBe(base.time);
    expect(message.seq).toBe(12);
    expect(message.node).toBe('node-b');
    expect(message.channel).toBe('room');
    expect(message.sender).toEqual({ name: 'a' });
    const early = sharedMessage({ ...base, bytes: Uint8Array.from([1, 2]) }, undefined);
    expect(early.binary).toBe(true);
    expect(early.node).toBeUndefined();
  });
});

describe('controlOf', () => {
  it('tells notes between nodes from messages', () => {
    expect(controlOf({ ...base, seq: 1, reply: { t: 'moved' } })).toEqual({ t: 'moved' });
    expect(controlOf({ ...base, seq: 1, reply: { t: 'upstream', first: 3, items: [] } })).toEqual({ t: 'upstream', first: 3, items: [] });
    expect(controlOf({ ...base, seq: 1, reply: { t: 'joined', c: 'room' } })).toBeUndefined();
    expect(controlOf({ ...base, seq: 1 })).toBeUndefined();
  });
});
