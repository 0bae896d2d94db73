import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runEmbedJob, type EmbedJobOptions } from '#core/embedJob';
import { EmbedJobError, EmbeddingError } from '#core/errors';
import { EmbeddingModel, type TextChunk } from '#core/model';
import { readRunRecord } from '#core/runRecord';
import type { OutputFormat } from '#shared/engine';
import { corpusLines } from '../support/corpus';
import { cosine, readJsonl, readNpy, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

const dir = await tempDir();
let model: EmbeddingModel;
beforeAll(async () => {
  model = await EmbeddingModel.load(await testModelPath(TINY), { threads: 2, contextSize: 128 });
});
afterAll(() => model.dispose());
afterEach(() => model.setTextOptions({ onLong: 'truncate', chunkTokens: null, chunkOverlap: null, prefix: '' }));

/** Sentences of corpus words, so that chunks can end at sentence ends. */
function longText(words: number, seed: number): string {
  return corpusLines(Math.ceil(words / 8), seed, 5, 11)
    .map((sentence) => `${sentence}.`)
    .join(' ');
}

/** The text's tokens, uncut: the one chunk of a window that holds it all. */
function allTokens(text: string): readonly number[] {
  model.setTextOptions({ onLong: 'chunk', chunkTokens: 127, chunkOverlap: 0 });
  const chunked = model.chunk(text);
  if (!chunked.ok || chunked.chunks.length !== 1) throw new Error('the text does not fit one chunk');
  return chunked.chunks[0]?.tokens ?? [];
}

function chunksOf(text: string, chunkTokens: number, chunkOverlap: number): TextChunk[] {
  model.setTextOptions({ onLong: 'chunk', chunkTokens, chunkOverlap });
  const chunked = model.chunk(text);
  if (!chunked.ok) throw new Error(chunked.detail);
  return chunked.chunks;
}

/** `text[start:end]` as Python slices a str: by code points. */
function slice(text: string, start: number, end: number): string {
  return [...text].slice(start, end).join('');
}

describe('cutting a long text into chunks', () => {
  it('covers every token, each chunk within the window and repeating at most the overlap of the one before', () => {
    const text = longText(70, 3);
    const whole = allTokens(text);
    expect(whole.length).toBeGreaterThan(60);
    const chunks = chunksOf(text, 24, 5);
    expect(chunks.length).toBeGreaterThan(3);

    let covered = 0;
    let overlaps = 0;
    for (const [index, chunk] of chunks.entries()) {
      // The model's two special tokens ([CLS], [SEP]) count in the window.
      expect(chunk.tokenCount).toBe(chunk.tokens.length + 2);
      expect(chunk.tokenCount).toBeLessThanOrEqual(24);
      // Each chunk is a run of the text's own tokens, starting within the overlap before where the last one ended.
      const from = whole.indexOf(chunk.tokens[0] ?? -1, Math.max(0, covered - 5));
      const repeated = covered - from;
      if (index === 0) expect(from).toBe(0);
      else expect(repeated).toBeGreaterThanOrEqual(0);
      expect(repeated).toBeLessThanOrEqual(5);
      expect(whole.slice(from, from + chunk.tokens.length)).toEqual(chunk.tokens);
      overlaps += repeated;
      covered = from + chunk.tokens.length;
    }
    expect(covered).toBe(whole.length);
    expect(overlaps).toBeGreaterThan(0);
  });

  it('ends chunks at sentence ends where the window holds one, else at word ends', () => {
    const chunks = chunksOf(longText(80, 5), 40, 4);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.text).toMatch(/\.$/);
    const words = chunksOf(corpusLines(1, 9, 120, 120)[0] ?? '', 24, 3);
    expect(words.length).toBeGreaterThan(3);
    for (const chunk of words) expect(chunk.text).toMatch(/^\S(.*\S)?$/);
  });

  it('gives offsets in code points that slice back to each chunk, with emoji, CJK and combining marks', () => {
    const pieces = [
      'naïve café',
      'cafe\u0301 re\u0301sume\u0301',
      '👩‍👩‍👧 family 🎉',
      '東京は大きい都市です。',
      'the city reads books',
    ];
    const text = Array.from({ length: 12 }, (_, i) => pieces[i % pieces.length]).join(' ');
    for (const [tokens, overlap] of [
      [12, 3],
      [16, 0],
      [9, 1],
    ] as const) {
      const chunks = chunksOf(text, tokens, overlap);
      expect(chunks.length).toBeGreaterThan(2);
      for (const chunk of chunks) {
        expect(slice(text, chunk.charStart, chunk.charEnd)).toBe(chunk.text);
        // Never inside a character: no chunk starts with a mark or a joiner, or ends on half a surrogate pair.
        expect(chunk.text).not.toMatch(/^[\p{M}\u200d]/u);
        expect(chunk.text).not.toMatch(/[\u200d\ud800-\udbff]$/u);
        expect(chunk.tokenCount).toBeLessThanOrEqual(tokens);
      }
      expect(chunks[0]?.charStart).toBe(0);
      expect(chunks.at(-1)?.charEnd).toBe([...text].length);
    }
  });

  it('keeps a text that fits as one chunk, with the tokens a truncating run gives it', () => {
    const text = 'the quick brown fox';
    const chunks = chunksOf(text, 64, 6);
    const prepared = model.prepare(text, 1);
    expect(chunks).toEqual([
      {
        tokens: prepared.ok ? prepared.tokens : [],
        tokenCount: prepared.ok ? prepared.tokenCount : 0,
        text,
        charStart: 0,
        charEnd: text.length,
      },
    ]);
  });

  it('refuses an overlap that leaves a chunk no text of its own, and chunks larger than the context holds', () => {
    const refused = (options: Parameters<EmbeddingModel['setTextOptions']>[0]): unknown => {
      try {
        model.setTextOptions(options);
        return null;
      } catch (error) {
        return error;
      }
    };
    const overlap = refused({ onLong: 'chunk', chunkTokens: 24, chunkOverlap: 22 });
    expect(overlap).toBeInstanceOf(EmbeddingError);
    expect(overlap).toMatchObject({
      code: 'BAD_OPTION',
      remedy: { kind: 'fixOption', option: 'chunkOverlap', example: '2' },
    });
    expect((overlap as Error).message).toMatch(/less than the 22 tokens of text a chunk of 24 holds/);
    expect(refused({ onLong: 'mean', chunkTokens: 24, chunkOverlap: 21 })).toBeNull();
    expect(refused({ onLong: 'mean', chunkTokens: 128 })).toMatchObject({
      code: 'BAD_OPTION',
      remedy: { kind: 'fixOption', option: 'chunkTokens', example: '127' },
    });
  });
});

const LONG_LINES = [
  longText(60, 11),
  '',
  'a short line',
  longText(90, 12),
  '👩‍👩‍👧 東京は大きい都市です。 ' + longText(40, 13),
  ...corpusLines(30, 14, 2, 30),
];

let runs = 0;
async function setUp(
  name: string,
  format: OutputFormat,
  lines = LONG_LINES,
): Promise<{ input: string; output: string }> {
  const folder = join(dir, `${name}-${(runs += 1)}`);
  await mkdir(folder);
  const input = join(folder, 'input.txt');
  await writeFile(input, lines.join('\n'));
  return { input, output: join(folder, `out.${format}`) };
}

/** Runs the job with chunks of 24 tokens overlapping by `chunkOverlap`. */
function job(
  options: Partial<EmbedJobOptions> & { input: string; output: string },
  onLong: 'chunk' | 'mean' = 'chunk',
  chunkOverlap = 4,
): ReturnType<typeof runEmbedJob> {
  model.setTextOptions({ onLong, chunkTokens: 24, chunkOverlap });
  return runEmbedJob({ model, ...options, batch: { batchSize: 4, progressIntervalMs: 0, ...options.batch } });
}

interface ChunkRow {
  line: number;
  chunk: number;
  char_start: number;
  char_end: number;
  text: string;
  tokens: number;
  embedding: number[];
}

interface MeanRow {
  line: number;
  chunks: number;
  text: string;
  tokens: number;
  embedding: number[];
}

/** An int64 .npy matrix (the rows sidecar): its shape and values. */
async function readInt64Npy(path: string): Promise<{ descr: string; shape: number[]; rows: number[][] }> {
  const bytes = await readFile(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const shape = (/'shape': \((\d+), (\d+)\)/.exec(header) ?? []).slice(1).map(Number);
  const values = Array.from(new BigInt64Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength)), Number);
  const width = shape[1] ?? 1;
  const rows = Array.from({ length: shape[0] ?? 0 }, (_, i) => values.slice(i * width, (i + 1) * width));
  return { descr: /'descr': '([^']+)'/.exec(header)?.[1] ?? '', shape, rows };
}

describe('a run with --on-long chunk or mean', () => {
  it('writes a row a chunk in (line, chunk) order, saying where each is in its line, the same bytes every run', async () => {
    const files = await setUp('chunk', 'jsonl');
    const summary = await job(files);
    const rows = await readJsonl<ChunkRow>(files.output);
    const texts = LONG_LINES.map((line) => line.trim());
    expect(rows.map((row) => [row.line, row.chunk])).toEqual(
      [...rows].sort((a, b) => a.line - b.line || a.chunk - b.chunk).map((row) => [row.line, row.chunk]),
    );
    for (const row of rows) expect(slice(texts[row.line - 1] ?? '', row.char_start, row.char_end)).toBe(row.text);
    const perLine = (line: number): number => rows.filter((row) => row.line === line).length;
    expect(perLine(1)).toBeGreaterThan(2);
    expect(perLine(3)).toBe(1);
    expect(rows.find((row) => row.line === 3)).toMatchObject({ chunk: 0, char_start: 0, char_end: 12 });
    expect(summary.stats).toMatchObject({ lines: LONG_LINES.length, embedded: LONG_LINES.length - 1 });
    const record = await readRunRecord(files.output);
    expect(record.vectors).toMatchObject({ onLong: 'chunk', chunkTokens: 24, chunkOverlap: 4 });
    expect(record.output.rows).toBe(rows.length);

    const again = await setUp('chunk-again', 'jsonl');
    await job(again);
    expect(await readFile(again.output)).toEqual(await readFile(files.output));
  });

  it('writes the mean of the chunk rows weighted by their tokens, normalized, with the chunks it averages', async () => {
    const chunked = await setUp('mean-chunks', 'jsonl');
    await job(chunked);
    const chunkRows = await readJsonl<ChunkRow>(chunked.output);
    const averaged = await setUp('mean', 'jsonl');
    await job(averaged, 'mean');
    const meanRows = await readJsonl<MeanRow>(averaged.output);

    expect(meanRows.map((row) => row.line)).toEqual([...new Set(chunkRows.map((row) => row.line))]);
    for (const row of meanRows) {
      const parts = chunkRows.filter((chunk) => chunk.line === row.line);
      expect(row.chunks).toBe(parts.length);
      expect(row.text).toBe(LONG_LINES[row.line - 1]?.trim());
      expect(row.tokens).toBe(parts.reduce((sum, part) => sum + part.tokens, 0));
      const mean = row.embedding.map((_, i) =>
        parts.reduce((sum, part) => sum + (part.embedding[i] ?? 0) * part.tokens, 0),
      );
      expect(cosine(row.embedding, mean)).toBeGreaterThan(0.9999);
      expect(Math.hypot(...row.embedding)).toBeCloseTo(1, 5);
    }
    expect(meanRows.some((row) => row.chunks > 2)).toBe(true);
  });

  it('carries the chunk columns in .npy (a rows sidecar) and Parquet, equal to the JSON Lines rows', async () => {
    const jsonl = await setUp('formats-jsonl', 'jsonl');
    await job(jsonl);
    const expected = (await readJsonl<ChunkRow>(jsonl.output)).map((row) => [
      row.line,
      row.chunk,
      row.char_start,
      row.char_end,
    ]);

    const npy = await setUp('formats-npy', 'npy');
    const summary = await job(npy);
    const sidecar = npy.output.replace(/\.npy$/, '.rows.npy');
    expect(summary.outputs).toEqual([npy.output, sidecar]);
    expect(await readInt64Npy(sidecar)).toEqual({ descr: '<i8', shape: [expected.length, 4], rows: expected });
    expect((await readNpy(npy.output)).shape).toEqual([expected.length, 32]);
    expect((await readdir(join(npy.output, '..'))).filter((name) => name.includes('lines'))).toEqual([]);

    const parquet = await setUp('formats-parquet', 'parquet');
    await job(parquet);
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(parquet.output) });
    expect(rows.map((row) => [row.line, row.chunk, row.char_start, row.char_end].map(Number))).toEqual(expected);

    const mean = await setUp('formats-mean', 'npy');
    await job(mean, 'mean');
    const means = await readInt64Npy(mean.output.replace(/\.npy$/, '.rows.npy'));
    expect(means.shape).toEqual([LONG_LINES.length - 1, 2]);
    expect(means.rows.slice(0, 3)).toEqual([
      [1, expected.filter(([line]) => line === 1).length],
      [3, 1],
      [4, expected.filter(([line]) => line === 4).length],
    ]);
  });

  it('resumed after a stop in the middle of long lines, gives the output of a run that went through', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => longText(30 + (i % 4) * 20, 100 + i));
    for (const format of ['jsonl', 'npy'] as const) {
      const clean = await setUp(`clean-${format}`, format, lines);
      await job(clean);

      const files = await setUp(`stopped-${format}`, format, lines);
      const abort = new AbortController();
      const error = await job({
        ...files,
        keepOnCancel: true,
        signal: abort.signal,
        onProgress: (progress) => {
          if (progress.linesDone >= 13) abort.abort();
        },
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EmbedJobError);
      const after = (error as EmbedJobError).resumeAfterLine ?? 0;
      expect(after).toBeGreaterThanOrEqual(13);
      expect(after).toBeLessThan(lines.length);

      // Another overlap is another output: refused, naming it.
      await expect(job({ ...files, resume: true }, 'chunk', 3)).rejects.toThrow(/chunk overlap was 4, now 3/);
      const summary = await job({ ...files, resume: true });
      expect(summary.resumedAfterLine).toBe(after);
      for (const path of [...summary.outputs, summary.skipLog])
        expect(await readFile(path)).toEqual(
          await readFile(path.replace(dirname(files.output), dirname(clean.output))),
        );
      const record = await readRunRecord(files.output);
      expect(record.output.rows).toBe((await readRunRecord(clean.output)).output.rows);
    }
  });
});
