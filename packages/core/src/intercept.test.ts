import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { interceptEvent } from './intercept';

describe('interceptEvent', () => {
  it('hides what it claims from the listeners it found and passes them the rest', () => {
    const emitter = new EventEmitter();
    const seen: string[] = [];
    emitter.on('x', (value: string) => seen.push(`a:${value}`));
    const fallback: string[] = [];
    interceptEvent<[string]>(emitter, 'x', (value) => value === 'mine', (value) => fallback.push(value));
    emitter.on('x', (value: string) => seen.push(`later:${value}`));
    emitter.emit('x', 'mine');
    emitter.emit('x', 'theirs');
    // A listener added afterwards is the emitter's own: it sees every event.
    expect(seen).toEqual(['later:mine', 'a:theirs', 'later:theirs']);
    expect(fallback).toEqual([]);
  });

  it('runs the fallback only when nobody else listens', () => {
    const emitter = new EventEmitter();
    const fallback: string[] = [];
    interceptEvent<[string]>(emitter, 'x', () => false, (value) => fallback.push(value));
    emitter.emit('x', 'one');
    const late = (): void => {};
    emitter.on('x', late);
    emitter.emit('x', 'two');
    emitter.removeListener('x', late);
    emitter.emit('x', 'three');
    expect(fallback).toEqual(['one', 'three']);
  });

  it('puts the listeners back first in line, once-listeners still once, when undone', () => {
    const emitter = new EventEmitter();
    const once = (): void => {};
    const plain = (): void => {};
    emitter.once('x', once).on('x', plain);
    const before = emitter.rawListeners('x');
    const undo = interceptEvent(emitter, 'x', () => true, () => {});
    expect(emitter.listeners('x')).toHaveLength(1);
    const later = (): void => {};
    emitter.on('x', later);
    undo();
    undo();
    expect(emitter.rawListeners('x')).toEqual([...before, later]);
    expect(emitter.listeners('x')).toEqual([once, plain, later]);
  });
});
