import { afterEach, describe, expect, it } from 'vitest';
import { FakeWebSocket, FakeWebSocketConstructor, socket } from '../../test/fake-websocket';
import type { ClientError } from '../errors';
import { START, type StreamPosition } from '../framed';
import { resolveClientOptions } from '../options';
import { createUpstream } from '../upstream';
import type { CloseInfo, LinkContext } from './types';
import { webSocketUrl, websocketLink } from './websocket';

interface Seen {
  frames: string[];
  closed: [CloseInfo, ClientError | undefined][];
}

function start(position: StreamPosition = START): Seen & { link: ReturnType<typeof websocketLink> } {
  const seen: Seen = { frames: [], closed: [] };
  const context: LinkContext = {
    name: 'websocket',
    url: new URL('http://127.0.0.1:8080/live?room=a'),
    options: resolveClientOptions({ WebSocket: FakeWebSocketConstructor }),
    position: () => position,
    upstream: createUpstream(),
    handlers: {
      frame: (text) => seen.frames.push(text),
      error() {},
      closed: (info, error) => seen.closed.push([info, error]),
    },
  };
  return { ...seen, link: websocketLink(context) };
}

afterEach(() => FakeWebSocket.reset());

describe('webSocketUrl', () => {
  it('maps http to ws and https to wss, keeping the path and query, and adds parameters', () => {
    expect(webSocketUrl(new URL('http://h:1/live?x=1'))).toBe('ws://h:1/live?x=1');
    expect(webSocketUrl(new URL('https://h/live'), { resume: 't', seq: 4 })).toBe('wss://h/live?resume=t&seq=4');
  });
});

describe('websocketLink', () => {
  it('asks for grappler.v1, and resumes with the token and cursor once it has them', () => {
    start();
    start({ cursor: 17, token: 'tok', id: 'c' });
    expect(socket(0).protocols).toBe('grappler.v1');
    expect(socket(0).url.search).toBe('?room=a');
    expect(socket(1).url.search).toBe('?room=a&resume=tok&seq=17');
  });

  it('hands every text frame to the client, and sends messages as {"u","d"}', () => {
    const { frames, link } = start();
    socket(0).open();
    socket(0).receive('{"s":1,"d":"x"}');
    link.send({ u: 3, data: 'hi' });
    expect(frames).toEqual(['{"s":1,"d":"x"}']);
    expect(socket(0).sent).toEqual([{ u: 3, d: 'hi' }]);
  });

  it('fails with ERR_PROTOCOL when the server does not select grappler.v1', () => {
    const { closed } = start();
    socket(0).open('');
    expect(closed.map(([, error]) => error?.code)).toEqual(['ERR_PROTOCOL']);
    expect(socket(0).closedWith).toBe(1000);
  });

  it('fails with ERR_PROTOCOL on a binary frame', () => {
    const { closed, frames } = start();
    socket(0).open();
    socket(0).receive(new ArrayBuffer(2));
    expect(frames).toEqual([]);
    expect(closed.map(([, error]) => error?.code)).toEqual(['ERR_PROTOCOL']);
  });

  it('reports a drop once with its code, and nothing after close()', () => {
    const first = start();
    socket(0).open();
    socket(0).drop(1006);
    socket(0).drop(1006);
    expect(first.closed.map(([info]) => info)).toEqual([{ code: 1006, reason: 'closed with 1006', wasClean: false }]);
    const second = start();
    socket(1).open();
    second.link.close();
    socket(1).receive('{"s":1,"d":"late"}');
    socket(1).drop(1000);
    expect(second.frames).toEqual([]);
    expect(second.closed).toEqual([]);
  });
});
