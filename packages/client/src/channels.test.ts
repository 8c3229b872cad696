import { describe, expect, it } from 'vitest';
import { MAX_CHANNEL_NAME_LENGTH, applyReply, checkChannelName } from './channels';
import { ClientError } from './errors';
import { createUpstream, enqueue } from './upstream';

describe('checkChannelName', () => {
  it('takes 1 to 256 characters and throws a TypeError for anything else', () => {
    expect(() => checkChannelName('a')).not.toThrow();
    expect(() => checkChannelName('é'.repeat(MAX_CHANNEL_NAME_LENGTH))).not.toThrow();
    for (const name of ['', 'x'.repeat(MAX_CHANNEL_NAME_LENGTH + 1), undefined, 7, null]) {
      expect(() => checkChannelName(name)).toThrow(TypeError);
    }
  });
});

describe('applyReply', () => {
  it('follows joined and left, with or without ref, and hands back a refusal naming its channel', () => {
    const upstream = createUpstream();
    const joined = new Set<string>();
    expect(applyReply(upstream, joined, { t: 'joined', c: 'a', ref: undefined })).toBeUndefined();
    expect(applyReply(upstream, joined, { t: 'joined', c: 'b', ref: undefined })).toBeUndefined();
    applyReply(upstream, joined, { t: 'left', c: 'a', ref: undefined });
    expect(joined).toEqual(new Set(['b']));
    const refusal = applyReply(upstream, joined, { t: 'error', code: 'ERR_FORBIDDEN', message: 'no spam', c: 'b', ref: undefined });
    expect(refusal).toBeInstanceOf(ClientError);
    expect(refusal).toMatchObject({ code: 'ERR_FORBIDDEN', message: 'no spam', channel: 'b' });
    expect(joined).toEqual(new Set(['b'])); // a refused publish leaves membership alone
  });

  it('takes the channel of a refused join out, and settles the command with the same error', () => {
    const upstream = createUpstream();
    const joined = new Set(['room']);
    let settledWith: ClientError | undefined;
    const settle = (error?: ClientError): void => {
      settledWith = error;
    };
    enqueue(upstream, '', { t: 'join', c: 'room', settle });
    const refusal = applyReply(upstream, joined, { t: 'error', code: 'ERR_TOO_MANY_CHANNELS', message: 'maxChannelsPerClient exceeded', c: 'room', ref: 1 });
    expect(settledWith).toBe(refusal);
    expect(joined).toEqual(new Set());
    expect(upstream.pending).toEqual([]);
  });
});
