/** A chunk of a text, by UTF-16 indices into it (`text.slice(start, end)`). */
export interface ChunkSpan {
  start: number;
  end: number;
}

/** How a chunker measures text with the model's own tokenizer. */
export interface ChunkMeasure {
  /** Tokens a chunk of this text takes as embedded (with the prefix, without the special tokens). */
  embedded(piece: string): number;
  /** Tokens of this text alone, as an overlap counts them. */
  text(piece: string): number;
}

const SPACE = /\s/u;
/** Marks that belong to the character before them: a chunk never starts or ends between the two. */
const JOINED = /^(?:\p{M}|\u200d|\ufe0f|[\u{e0020}-\u{e007f}])$/u;
/** Sentence ends followed by a space, and those of scripts that put none after them. */
const SENTENCE_END = /[.!?;…]/u;
const SENTENCE_END_UNSPACED = /[。！？；]/u;
const CLOSING = /["'”’)\]»」』]/u;

/**
 * Cuts a trimmed, non-empty text into chunks of at most `window` tokens as `measure.embedded` counts them, each
 * repeating the last `overlap` (or fewer) tokens of the one before, as whole words where the text has spaces. A chunk
 * ends at its window's last sentence end, else its last word end, else where the window ends, and always moves on
 * from the one before; it never starts or ends inside a character (a surrogate pair, a combining mark, an emoji
 * sequence). A text that fits is one chunk. A single character over the window is a chunk of its own. `most`: the
 * most chunks to cut, the first ones (a preview).
 */
export function chunkSpans(
  text: string,
  measure: ChunkMeasure,
  window: number,
  overlap: number,
  most = Number.POSITIVE_INFINITY,
): ChunkSpan[] {
  const fits = (start: number, end: number): boolean => measure.embedded(text.slice(start, end)) <= window;
  const spans: ChunkSpan[] = [];
  // Characters a window is first guessed to hold, then as many as the chunk before held.
  let reach = window * 4;
  let start = 0;
  for (;;) {
    const limit = furthestFit(text, start, fits, reach);
    if (limit === text.length) {
      spans.push({ start, end: text.length });
      return spans;
    }
    reach = Math.max(limit - start, 1);
    const end = cutEnd(text, start, limit, measure, overlap);
    spans.push({ start, end });
    if (spans.length >= most) return spans;
    start = nextStart(text, start, end, measure, overlap);
  }
}

/**
 * The furthest character boundary after `start` whose chunk fits (or the first one, where none does): the end of the
 * text where the rest fits. Strides of `reach` characters find a span that does not fit, then it is halved.
 */
function furthestFit(
  text: string,
  start: number,
  fits: (start: number, end: number) => boolean,
  reach: number,
): number {
  let lo = nextBoundary(text, start);
  if (!fits(start, lo)) return lo;
  let hi = Math.min(text.length, start + reach);
  for (let stride = reach; fits(start, hi); stride *= 2) {
    if (hi === text.length) return hi;
    lo = hi;
    hi = Math.min(text.length, hi + stride);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (fits(start, mid)) lo = mid;
    else hi = mid;
  }
  const end = boundaryAtOrBefore(text, lo);
  return end > start ? end : nextBoundary(text, start);
}

/**
 * Where a chunk from `start` that may reach `limit` ends: its last sentence end, else its last word end, where the
 * chunk up to it still holds more than the overlap (so that the next chunk moves on); else `limit`. Spaces before the
 * end are left out of the chunk.
 */
function cutEnd(text: string, start: number, limit: number, measure: ChunkMeasure, overlap: number): number {
  const keeps = (end: number): boolean => end > start && measure.text(text.slice(start, end)) > overlap;
  const sentence = lastSentenceEnd(text, start, limit);
  if (sentence !== null && keeps(sentence)) return sentence;
  const word = lastWordEnd(text, start, limit);
  if (word !== null && keeps(word)) return word;
  return trimmedEnd(text, start, limit);
}

function lastSentenceEnd(text: string, start: number, limit: number): number | null {
  for (let i = limit; i > start; i -= 1) {
    let j = i;
    while (j > start && CLOSING.test(text.charAt(j - 1))) j -= 1;
    const mark = text.charAt(j - 1);
    const spaced = i === text.length || SPACE.test(text.charAt(i));
    if (j > start && ((spaced && SENTENCE_END.test(mark)) || SENTENCE_END_UNSPACED.test(mark))) return i;
  }
  return null;
}

function lastWordEnd(text: string, start: number, limit: number): number | null {
  for (let i = limit; i > start; i -= 1) {
    if ((i === text.length || SPACE.test(text.charAt(i))) && !SPACE.test(text.charAt(i - 1))) return i;
  }
  return null;
}

function trimmedEnd(text: string, start: number, end: number): number {
  let trimmed = end;
  while (trimmed > start + 1 && SPACE.test(text.charAt(trimmed - 1))) trimmed -= 1;
  return trimmed;
}

/**
 * Where the chunk after [start, end) starts: at the earliest word start (any character boundary, in a text without
 * spaces) whose words to `end` take at most `overlap` tokens, after `start` in any case; past the spaces after `end`
 * where there is no overlap.
 */
function nextStart(text: string, start: number, end: number, measure: ChunkMeasure, overlap: number): number {
  let next = end;
  if (overlap > 0) {
    const candidates = overlapStarts(text, start, end);
    let lo = 0;
    let hi = candidates.length;
    // The first candidate whose overlap fits: overlaps only shrink as the start moves on.
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (measure.text(text.slice(candidates[mid] ?? end, end)) <= overlap) hi = mid;
      else lo = mid + 1;
    }
    next = candidates[lo] ?? end;
  }
  while (next < text.length && SPACE.test(text.charAt(next))) next += 1;
  return next;
}

function overlapStarts(text: string, start: number, end: number): number[] {
  const words: number[] = [];
  let spaced = false;
  for (let i = start + 1; i < end; i += 1) {
    if (SPACE.test(text.charAt(i))) spaced = true;
    else if (SPACE.test(text.charAt(i - 1))) words.push(i);
  }
  if (spaced) return words;
  const boundaries: number[] = [];
  for (let i = nextBoundary(text, start); i < end; i = nextBoundary(text, i)) boundaries.push(i);
  return boundaries;
}

/** The character boundary after `index`: past a surrogate pair and the marks joined to it. */
function nextBoundary(text: string, index: number): number {
  let next = index + 1;
  while (next < text.length && !isBoundary(text, next)) next += 1;
  return next;
}

function boundaryAtOrBefore(text: string, index: number): number {
  let at = index;
  while (at > 0 && !isBoundary(text, at)) at -= 1;
  return at;
}

function isBoundary(text: string, index: number): boolean {
  if (index <= 0 || index >= text.length) return true;
  const code = text.charCodeAt(index);
  if (code >= 0xdc00 && code <= 0xdfff && isHighSurrogate(text.charCodeAt(index - 1))) return false;
  const after = text.codePointAt(index) ?? 0;
  return !JOINED.test(String.fromCodePoint(after)) && text.charAt(index - 1) !== '\u200d';
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** The code point offset of a UTF-16 index at a character boundary, as Python indexes a str. */
export function codePointOffset(text: string, index: number): number {
  let offset = 0;
  for (let i = 0; i < index; i += 1) {
    const code = text.charCodeAt(i);
    if (!(code >= 0xdc00 && code <= 0xdfff && i > 0 && isHighSurrogate(text.charCodeAt(i - 1)))) offset += 1;
  }
  return offset;
}
