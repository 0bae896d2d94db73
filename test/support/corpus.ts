const WORDS = (
  'the quick brown fox jumps over a lazy dog while people read books about water time and work in the city ' +
  'every year new models learn to write long sentences from small parts of language so that search can find ' +
  'what you mean and not only what you say'
).split(' ');

/** Deterministic English-like lines of `min` to `max` words, varied enough that their vectors differ. */
export function corpusLines(count: number, seed = 7, min = 3, max = 30): string[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: count }, () => {
    const length = min + Math.floor(next() * (max - min + 1));
    return Array.from({ length }, () => WORDS[Math.floor(next() * WORDS.length)]).join(' ');
  });
}

/**
 * Deterministic lines of mixed lengths, as real corpora have: at random, nine in ten of 7-34 words and one in ten of
 * 150-320 words. With the test models' tokenizer that is 10-60 tokens (a few up to 75) and 190-490 tokens, special
 * tokens included, the long lines holding over half of the tokens.
 */
export function mixedLengthLines(count: number, seed = 7): string[] {
  const short = corpusLines(count, seed, 7, 34);
  const long = corpusLines(Math.ceil(count / 5), seed + 1, 150, 320);
  let state = (seed ^ 0x9e3779b9) >>> 0;
  let nextLong = 0;
  return short.map((line) => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32 < 0.1 ? (long[nextLong++ % long.length] ?? line) : line;
  });
}
