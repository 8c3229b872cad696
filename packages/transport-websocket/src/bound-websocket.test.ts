import { describe, expect, it } from 'vitest';
import { BoundWebSocket, type PeerEvents } from './bound-websocket';

function recordingPeer(): PeerEvents & { seen: string[] } {
  const seen: string[] = [];
  return {
    seen,
    received: (data, isBinary) => seen.push(`message ${String(data)} ${isBinary}`),
    ponged: () => seen.push('pong'),
    failed: (error) => seen.push(`error ${error.message}`),
    ended: (code, reason) => seen.push(`close ${code} ${reason.toString()}`),
    closing: () => seen.push('closing'),
  };
}

/** As `ws`'s server makes its sockets, `new WebSocket(null, undefined, options)`: a call its types do not list. */
function serverSideSocket(): BoundWebSocket {
  return Reflect.construct(BoundWebSocket, [null, undefined, {}]) as BoundWebSocket;
}

describe('BoundWebSocket', () => {
  it('keeps no table of events once bound, and hands the four peer events to its connection', () => {
    const ws = serverSideSocket();
    const peer = recordingPeer();
    ws.bindPeer(peer);
    // An empty table is a dictionary-mode object kept for the connection's life.
    expect((ws as unknown as { _events: unknown })._events).toBeUndefined();
    ws.emit('message', Buffer.from('hi'), false);
    ws.emit('pong');
    ws.emit('error', new Error('boom'));
    ws.emit('close', 1000, Buffer.from('bye'));
    expect(peer.seen).toEqual(['message hi false', 'pong', 'error boom', 'close 1000 bye']);
    expect(ws.emit('open')).toBe(false);
    expect(ws.listenerCount('open')).toBe(0);
  });

  it('tells its connection whenever a closing handshake is asked for, before `ws` starts it', () => {
    const ws = serverSideSocket();
    const peer = recordingPeer();
    ws.bindPeer(peer);
    // CLOSED, so that `ws`'s own close() returns at once: this socket has no TCP socket under it.
    (ws as unknown as { _readyState: number })._readyState = BoundWebSocket.CLOSED;
    ws.close(1000);
    expect(peer.seen).toEqual(['closing']);
  });

  it('still takes listeners for other events after that', () => {
    const ws = serverSideSocket();
    ws.bindPeer(recordingPeer());
    const heard: string[] = [];
    ws.on('open', () => heard.push('open'));
    ws.once('upgrade', () => heard.push('upgrade'));
    ws.emit('open');
    ws.emit('upgrade');
    ws.emit('upgrade');
    expect(heard).toEqual(['open', 'upgrade']);
    ws.removeAllListeners();
    expect(ws.eventNames()).toEqual([]);
  });
});
