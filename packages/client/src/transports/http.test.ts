import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientError } from '../errors';
import { resolveClientOptions } from '../options';
import { createPoster, numberFor } from './http';
import type { LinkContext, ResumeState } from './types';

interface Post {
  up: string | null;
  session: string | null;
  body: string[];
}

/** Stubs fetch: records each POST and answers with what `answer` returns for it (an Error is thrown). */
function stubFetch(answer: (post: Post, index: number) => number | Error): Post[] {
  const posts: Post[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    const query = new URL(url).searchParams;
    const post = { up: query.get('up'), session: query.get('session'), body: JSON.parse(String(init.body)) as string[] };
    posts.push(post);
    const result = answer(post, posts.length - 1);
    if (result instanceof Error) throw result;
    return new Response(result === 204 ? null : '{"error":"ERR_X"}', { status: result });
  });
  return posts;
}

function context(resume: ResumeState, errors: ClientError[] = []): LinkContext {
  return {
    name: 'sse',
    url: new URL('http://127.0.0.1:1/live'),
    options: resolveClientOptions({ reconnectDelayMs: 2, maxReconnectDelayMs: 2 }),
    resume,
    handlers: { opened() {}, message() {}, error: (error) => errors.push(error), closed() {} },
  };
}

const newResume = (session = 's1'): ResumeState => ({ session, seq: 0, upstream: { session: undefined, next: 1, batches: [] } });

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('createPoster', () => {
  it('numbers messages from 1 per session and sends the first number of each POST as up', async () => {
    const posts = stubFetch(() => 204);
    const resume = newResume();
    const poster = createPoster(context(resume));
    poster.start();
    poster.send('a');
    poster.send('b'); // same tick: same POST
    await vi.waitUntil(() => posts.length === 1);
    poster.send('c');
    await vi.waitUntil(() => posts.length === 2 && resume.upstream.batches.length === 0);
    expect(posts).toEqual([
      { up: '1', session: 's1', body: ['a', 'b'] },
      { up: '3', session: 's1', body: ['c'] },
    ]);
    poster.stop();
  });

  it('retries a failed POST with the same body and up, and sends nothing later before it succeeds', async () => {
    const posts = stubFetch((_post, index) => (index === 0 ? new TypeError('network error') : index === 1 ? 503 : 204));
    const errors: ClientError[] = [];
    const resume = newResume();
    const poster = createPoster(context(resume, errors));
    poster.start();
    poster.send('a');
    await vi.waitUntil(() => posts.length >= 1);
    poster.send('b'); // while 'a' is being retried (or just after): its own batch, after 'a'
    await vi.waitUntil(() => posts.length === 4 && resume.upstream.batches.length === 0);
    expect(posts.map((post) => [post.up, post.body])).toEqual([
      ['1', ['a']],
      ['1', ['a']],
      ['1', ['a']],
      ['2', ['b']],
    ]);
    expect(errors.map((error) => error.code)).toEqual(['ERR_SEND', 'ERR_SEND']);
    expect(errors[0]!.message).toMatch(/retrying/);
    poster.stop();
  });

  it('leaves an aborted batch for the next link of the session, which sends it first with the same numbers', async () => {
    let hold = true;
    const posts = stubFetch(() => 204);
    const resume = newResume();
    const first = createPoster(context(resume));
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      posts.push({ up: new URL(url).searchParams.get('up'), session: 's1', body: JSON.parse(String(init.body)) as string[] });
      return hold
        ? new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))
        : Promise.resolve(new Response(null, { status: 204 }));
    });
    first.start();
    first.send('a');
    first.send('b');
    await vi.waitUntil(() => posts.length === 1);
    first.send('c'); // never POSTed: handed back for the client to queue again
    expect(first.stop()).toEqual(['c']);
    hold = false;
    const second = createPoster(context(resume));
    second.start();
    second.send('c');
    await vi.waitUntil(() => posts.length === 3 && resume.upstream.batches.length === 0);
    expect(posts.map((post) => [post.up, post.body])).toEqual([
      ['1', ['a', 'b']],
      ['1', ['a', 'b']],
      ['3', ['c']],
    ]);
    second.stop();
  });

  it('stops on 404 and keeps the batch; drops a batch refused with another 4xx, with ERR_SEND', async () => {
    const posts = stubFetch((post) => (post.body[0] === 'bad' ? 400 : 404));
    const errors: ClientError[] = [];
    const resume = newResume();
    resume.upstream = { session: 's1', next: 2, batches: [{ up: 1, messages: ['bad'] }] };
    const poster = createPoster(context(resume, errors));
    poster.start();
    poster.send('kept');
    await vi.waitUntil(() => posts.length === 2 && errors.length === 2);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(posts.length).toBe(2); // no retry of a 404
    expect(errors.map((error) => error.code)).toEqual(['ERR_SEND', 'ERR_X']);
    expect(posts.map((post) => post.up)).toEqual(['1', '1']); // the refused batch's number is reused
    expect(resume.upstream.batches).toEqual([{ up: 1, messages: ['kept'] }]);
    poster.stop();
  });
});

describe('numberFor', () => {
  it('renumbers unacknowledged batches from 1 for a new session', () => {
    const upstream = {
      session: 'old',
      next: 8,
      batches: [
        { up: 5, messages: ['a', 'b'] },
        { up: 7, messages: ['c'] },
      ],
    };
    numberFor(upstream, 'old');
    expect(upstream.next).toBe(8);
    numberFor(upstream, 'new');
    expect(upstream).toEqual({
      session: 'new',
      next: 4,
      batches: [
        { up: 1, messages: ['a', 'b'] },
        { up: 3, messages: ['c'] },
      ],
    });
  });
});
