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
