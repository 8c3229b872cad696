import { describe, expect, it } from 'vitest';
import { selectVersion } from './select-version';

describe('selectVersion', () => {
  it('tells RFC 6455, draft-76 and draft-75 apart by their headers', () => {
    expect(selectVersion({ 'sec-websocket-version': '13', 'sec-websocket-key': 'x' })).toBe('rfc6455');
    expect(selectVersion({ 'sec-websocket-version': '8' })).toBe('rfc6455');
    expect(selectVersion({ 'sec-websocket-version': '99' })).toBe('rfc6455');
    expect(selectVersion({ 'sec-websocket-key1': 'a', 'sec-websocket-key2': 'b' })).toBe('draft76');
    expect(selectVersion({ 'sec-websocket-key2': 'b' })).toBe('draft76');
    expect(selectVersion({ upgrade: 'WebSocket', origin: 'http://x' })).toBe('draft75');
  });
});
