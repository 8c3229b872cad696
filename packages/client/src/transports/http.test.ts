import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientError } from '../errors';
import { START } from '../framed';
import { resolveClientOptions } from '../options';
import { type Upstream, createUpstream, enqueue } from '../upstream';
import { createPoster } from './http';
import type { LinkContext } from './types';

interface Post {
  up: string | null;
  session: string | null;
  body: string[];
}

type Answer = number | Error | { status: number; up: number };

/** Stubs fetch: records each POST and answers with what `answer` returns for it (an Error is thrown). */
function stubFetch(answer: (post: Post, index: number, signal: AbortSignal) => Answer | Promise<Answer>): Post[] {
  const posts: Post[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const query = new URL(url).searchParams;
    const post = { up: query.get('up'), session: query.get('session'), body: JSON.parse(String(init.body)) as string[] };
    posts.push(post);
    const result = await answer(post, posts.length - 1, init.signal!);
    if (result instanceof Error) throw result;
    const { status, up } = typeof result === 'number' ? { status: result, up: undefined } : result;
    const headers = up === undefined ? undefined : { 'X-Grappler-Up': String(up) };
    return new Response(status === 204 ? null : '{"error":"ERR_X"}', { status, ...(headers ? { headers } : {}) });
  });
  return posts;
}

function context(upstream: Upstream, errors: ClientError[] = []): LinkContext {
  return {
    name: 'sse',
    url: new URL('http://127.0.0.1:1/live'),
    options: resolveClientOptions({ reconnectDelayMs: 2, maxReconnectDelayMs: 2 }),
    position: () => START,
    upstream,
    handlers: { frame() {}, error: (error) => errors.push(error), closed() {} },
  };
}

const sendAll = (upstream: Upstream, poster: { send(): void }, ...data: string[]): void => {
  for (const d of data) enqueue(upstream, d);
  poster.send();
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('createPoster', () => {
  it('POSTs to the session with the number of the first message as up, and forgets what X-Grappler-Up acknowledges', async () => {
    const posts = stubFetch((post) => ({ status: 204, up: Number(post.up) + post.body.length - 1 }));
    const upstream = createUpstream();
    const poster = createPoster(context(upstream), () => 's1');
    sendAll(upstream, poster, 'a', 'b'); // same tick: same POST
    await vi.waitUntil(() => posts.length === 1);
    sendAll(upstream, poster, 'c');
    await vi.waitUntil(() => posts.length === 2 && upstream.pending.length === 0);
    expect(posts).toEqual([
      { up: '1', session: 's1', body: ['a', 'b'] },
      { up: '3', session: 's1', body: ['c'] },
    ]);
    poster.stop();
  });

  it('keeps what X-Grappler-Up does not acknowledge, and POSTs it again', async () => {
    const posts = stubFetch((_post, index) => ({ status: 204, up: index === 0 ? 1 : 3 }));
    const upstream = createUpstream();
    const poster = createPoster(context(upstream), () => 's1');
    sendAll(upstream, poster, 'a', 'b', 'c');
    await vi.waitUntil(() => posts.length === 2 && upstream.pending.length === 0);
    expect(posts.map((post) => [post.up, post.body])).toEqual([
      ['1', ['a', 'b', 'c']],
      ['2', ['b', 'c']],
    ]);
    poster.stop();
  });

  it('retries a failed POST from the same number, and sends nothing later before it succeeds', async () => {
    const posts = stubFetch((_post, index) => (index === 0 ? new TypeError('network error') : index === 1 ? 503 : 204));
    const errors: ClientError[] = [];
    const upstream = createUpstream();
    const poster = createPoster(context(upstream, errors), () => 's1');
    sendAll(upstream, poster, 'a');
    await vi.waitUntil(() => posts.length >= 1);
    sendAll(upstream, poster, 'b'); // while 'a' is being retried: it goes with it, after it
    await vi.waitUntil(() => upstream.pending.length === 0);
    // 'b' joins the retry or follows it (when it came after the retry left): never before 'a' is acknowledged.
    expect(posts.slice(0, 3).map((post) => [post.up, post.body[0]])).toEqual([
      ['1', 'a'],
      ['1', 'a'],
      ['1', 'a'],
    ]);
    expect(posts.flatMap((post) => post.body).slice(2)).toEqual(['a', 'b']);
    expect(errors.map((error) => error.code)).toEqual(['ERR_SEND', 'ERR_SEND']);
    expect(errors[0]!.message).toMatch(/retrying/);
    poster.stop();
  });

  it('leaves an aborted POST unacknowledged for the next link, which sends it first to its own session', async () => {
    const posts = stubFetch((_post, index, signal) =>
      index === 0
        ? new Promise<Answer>((_resolve, reject) => signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))) // no answer before stop()
        : { status: 204, up: 3 },
    );
    const upstream = createUpstream();
    const first = createPoster(context(upstream), () => 'sse-session');
    sendAll(upstream, first, 'a', 'b');
    await vi.waitUntil(() => posts.length === 1);
    first.stop();
    enqueue(upstream, 'c');
    const second = createPoster(context(upstream), () => 'longpoll-session');
    second.send();
    await vi.waitUntil(() => upstream.pending.length === 0);
    expect(posts).toEqual([
      { up: '1', session: 'sse-session', body: ['a', 'b'] },
      { up: '1', session: 'longpoll-session', body: ['a', 'b', 'c'] },
    ]);
    second.stop();
  });

  it('stops on 404 and keeps the messages; drops those refused with another 4xx, with ERR_SEND, and reuses their numbers', async () => {
    const posts = stubFetch((post) => (post.body[0]!.startsWith('bad') ? 413 : 404));
    const errors: ClientError[] = [];
    const upstream = createUpstream();
    enqueue(upstream, 'bad'.padEnd(70_000, '.')); // alone in its POST: over the batch size with the next
    const poster = createPoster(context(upstream, errors), () => 's1');
    sendAll(upstream, poster, 'kept');
    await vi.waitUntil(() => posts.length === 2 && errors.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(posts.length).toBe(2); // no retry of a 404
    expect(errors.map((error) => error.code)).toEqual(['ERR_SEND', 'ERR_X']);
    expect(posts.map((post) => [post.up, post.body.length])).toEqual([
      ['1', 1],
      ['1', 1],
    ]);
    expect(upstream.pending).toEqual([{ u: 1, data: 'kept' }]);
    poster.stop();
  });

  it('renumbers from where the server is when it answers 400 to a number that skips ahead', async () => {
    const posts = stubFetch((post) => (post.up === '5' ? { status: 400, up: 2 } : { status: 204, up: 4 }));
    const upstream = createUpstream();
    upstream.next = 5;
    const poster = createPoster(context(upstream), () => 's1');
    sendAll(upstream, poster, 'a', 'b');
    await vi.waitUntil(() => upstream.pending.length === 0);
    expect(posts.map((post) => [post.up, post.body])).toEqual([
      ['5', ['a', 'b']],
      ['3', ['a', 'b']],
    ]);
    expect(upstream.next).toBe(5);
    poster.stop();
  });
});
