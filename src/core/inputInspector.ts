import { stat } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { FileInputInfo } from '#shared/contract';
import type { InputFormat } from '#shared/engine';
import { countLines, inputFormatFor, isSkipped, readInput } from './input';
import type { EmbeddingModel } from './model';

export const PREVIEW_RECORDS = 8;
export const PREVIEW_CHARS = 300;
/** Token lengths are measured on at most this many texts ... */
export const SAMPLE_TEXTS = 2000;
/** ... and at most this much text, so a file of huge lines is not tokenized for seconds. */
const SAMPLE_CHARS = 4 << 20;
/** Tokenizing blocks the thread: hand it back this often so a UI process stays responsive. */
const TEXTS_PER_TURN = 100;

export interface InspectOptions {
  format: InputFormat | null;
  field: string | null;
}

/**
 * Describes an input file without embedding it: its size and line count, its first records as they will be read, and
 * (given a model) how long its texts are in tokens, from a bounded sample at the start. Streams; never holds the file.
 */
export async function inspectInput(
  path: string,
  options: InspectOptions,
  model: EmbeddingModel | null,
): Promise<FileInputInfo> {
  const lines = await countLines(path);
  const { size } = await stat(path);
  const format = inputFormatFor(path, options.format ?? undefined);
  const preview: FileInputInfo['preview'] = [];
  const lengths: number[] = [];
  let overContext = 0;
  let sampledChars = 0;

  for await (const record of readInput(path, { format, field: options.field ?? undefined })) {
    if (preview.length < PREVIEW_RECORDS) {
      preview.push(isSkipped(record) ? record : { line: record.line, text: shorten(record.text) });
    }
    if (model && !isSkipped(record) && lengths.length < SAMPLE_TEXTS && sampledChars < SAMPLE_CHARS) {
      const measured = model.measure(record.text);
      lengths.push(measured.tokens);
      if (!measured.fits) overContext += 1;
      sampledChars += record.text.length;
      if (lengths.length % TEXTS_PER_TURN === 0) await nextTurn();
    }
    const sampling = model !== null && lengths.length < SAMPLE_TEXTS && sampledChars < SAMPLE_CHARS;
    if (preview.length >= PREVIEW_RECORDS && !sampling) break;
  }

  return {
    kind: 'file',
    path,
    sizeBytes: size,
    lines,
    format,
    preview,
    tokens: model ? summarize(lengths, overContext) : null,
  };
}

function shorten(text: string): string {
  if (text.length <= PREVIEW_CHARS) return text;
  let end = PREVIEW_CHARS - 1;
  // Never cut between the two halves of a surrogate pair.
  if (/[\uD800-\uDBFF]/.test(text.charAt(end - 1))) end -= 1;
  return `${text.slice(0, end)}…`;
}

function summarize(lengths: number[], overContext: number): NonNullable<FileInputInfo['tokens']> {
  const sorted = lengths.sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    sampled: sorted.length,
    min: sorted[0] ?? 0,
    median: at(0.5),
    p95: at(0.95),
    max: sorted.at(-1) ?? 0,
    overContext,
  };
}
