import { afterEach, describe, expect, it, vi } from 'vitest';
import { PhaseClock } from '#core/phaseClock';

let now = 0;
afterEach(() => {
  vi.restoreAllMocks();
});

/** A clock read from `now`, which the test moves on by hand. */
function clock(): PhaseClock {
  now = 1000;
  vi.spyOn(performance, 'now').mockImplementation(() => now);
  return new PhaseClock();
}

/** A promise the test settles itself, standing for a decode or a write under way. */
function pending(): { promise: Promise<void>; settle: () => void } {
  let settle = (): void => undefined;
  const promise = new Promise<void>((resolve) => (settle = resolve));
  return { promise, settle };
}

describe('PhaseClock', () => {
  it('counts decodes on several contexts at once once, and no time with nothing under way', async () => {
    const timer = clock();
    now += 50;
    const first = pending();
    const second = pending();
    const decodes = [timer.decoding(() => first.promise), timer.decoding(() => second.promise)];
    now += 30;
    first.settle();
    await decodes[0];
    now += 20;
    second.settle();
    await decodes[1];
    now += 40;
    expect(timer.counted()).toEqual({ tokenizeMs: 0, decodeMs: 50, readOutMs: 0, writeMs: 0 });
  });

  it('counts work on the thread before a write under way, and a write before a decode in flight', async () => {
    const timer = clock();
    const decode = pending();
    const decoding = timer.decoding(() => decode.promise);
    now += 10;
    timer.time('tokenize', () => (now += 5));
    now += 10;
    const write = pending();
    const writing = timer.writing(() => write.promise);
    now += 20;
    timer.time('readOut', () => (now += 3));
    now += 7;
    write.settle();
    await writing;
    now += 4;
    decode.settle();
    await decoding;
    expect(timer.counted()).toEqual({ tokenizeMs: 5, decodeMs: 24, readOutMs: 3, writeMs: 27 });
  });

  it('counts a phase whose work throws, and starts afresh after reset', () => {
    const timer = clock();
    expect(() =>
      timer.time('tokenize', () => {
        now += 8;
        throw new Error('too long');
      }),
    ).toThrow('too long');
    expect(timer.counted().tokenizeMs).toBe(8);
    timer.reset();
    timer.time('readOut', () => (now += 2));
    expect(timer.counted()).toEqual({ tokenizeMs: 0, decodeMs: 0, readOutMs: 2, writeMs: 0 });
  });
});
