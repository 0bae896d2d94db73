import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runEmbedJob, type EmbedJobOptions } from '#core/embedJob';
import { EmbedJobError, EmbeddingError } from '#core/errors';
import { EmbeddingModel } from '#core/model';
import { readRunRecord } from '#core/runRecord';
import type { OutputFormat } from '#shared/engine';
import { corpusLines } from '../support/corpus';
import { readJsonl, readNpy, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

const dir = await tempDir();
let model: EmbeddingModel;
beforeAll(async () => {
  model = await EmbeddingModel.load(await testModelPath(TINY), { threads: 2, contextSize: 64 });
});
afterAll(() => model.dispose());
afterEach(() => model.setTextOptions({ normalize: 'l2', dimensions: null }));

const LINES = corpusLines(300, 23, 1, 12);
const KEPT = 8;

let runs = 0;
async function setUp(name: string, format: OutputFormat = 'jsonl'): Promise<{ input: string; output: string }> {
  const folder = join(dir, `${name}-${(runs += 1)}`);
  await mkdir(folder);
  const input = join(folder, 'input.txt');
  await writeFile(input, LINES.join('\n'));
  return { input, output: join(folder, `out.${format}`) };
}

function job(options: Partial<EmbedJobOptions> & { input: string; output: string }): ReturnType<typeof runEmbedJob> {
  return runEmbedJob({ model, ...options, batch: { batchSize: 16, progressIntervalMs: 0, ...options.batch } });
}

/** The vectors of an output, in row order, with each row's length as the file states it. */
async function readVectors(format: OutputFormat, path: string): Promise<{ width: number; rows: number[][] }> {
  if (format === 'jsonl') {
    const rows = (await readJsonl(path)).map((row) => row.embedding);
    return { width: rows[0]?.length ?? 0, rows };
  }
  if (format === 'npy') {
    const { shape, data } = await readNpy(path);
    const [count = 0, width = 0] = shape;
    const rows = Array.from({ length: count }, (_, i) => Array.from(data.subarray(i * width, (i + 1) * width)));
    return { width, rows };
  }
  const table = await parquetReadObjects({ file: await asyncBufferFromFile(path), columns: ['embedding'] });
  const rows = table.map((row) => row.embedding as number[]);
  return { width: rows[0]?.length ?? 0, rows };
}

function l2(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return vector.map((value) => value / norm);
}

/** A run of `name` with every dimension, then one keeping the first KEPT: their vectors. */
async function fullAndCut(name: string, format: OutputFormat): Promise<{ full: number[][]; cut: number[][] }> {
  const fullFiles = await setUp(`${name}-full`, format);
  const full = await job(fullFiles);
  expect(full.outputDimension).toBe(TINY.embeddingLength);
  const cutFiles = await setUp(`${name}-cut`, format);
  model.setTextOptions({ dimensions: KEPT });
  const cut = await job(cutFiles);
  expect(cut.outputDimension).toBe(KEPT);
  expect(cut.model).toMatchObject({ dimension: TINY.embeddingLength, dimensions: KEPT });
  // The run record says what the rows hold, so a reader of the output need not guess.
  expect((await readRunRecord(cutFiles.output)).vectors).toMatchObject({
    dimension: TINY.embeddingLength,
    dimensions: KEPT,
  });
  expect((await readRunRecord(fullFiles.output)).vectors.dimensions).toBeNull();
  const fullVectors = await readVectors(format, fullFiles.output);
  const cutVectors = await readVectors(format, cutFiles.output);
  expect(fullVectors.width).toBe(TINY.embeddingLength);
  expect(cutVectors.width).toBe(KEPT);
  expect(cutVectors.rows.every((row) => row.length === KEPT)).toBe(true);
  expect(cutVectors.rows).toHaveLength(LINES.length);
  return { full: fullVectors.rows, cut: cutVectors.rows };
}

describe('dimensions (Matryoshka)', () => {
  it.for(['jsonl', 'npy', 'parquet'] as const)(
    'writes %s rows that are the first dimensions of the full rows, normalized again',
    async (format) => {
      const { full, cut } = await fullAndCut(`l2-${format}`, format);
      full.forEach((row, i) => {
        const expected = l2(row.slice(0, KEPT));
        const actual = cut[i] ?? [];
        actual.forEach((value, j) => expect(value).toBeCloseTo(expected[j] ?? NaN, 5));
        expect(Math.hypot(...actual)).toBeCloseTo(1, 5);
      });
    },
  );

  it('keeps the first dimensions exactly as they are without normalization', async () => {
    model.setTextOptions({ normalize: 'none' });
    const { full, cut } = await fullAndCut('none', 'npy');
    expect(cut).toEqual(full.map((row) => row.slice(0, KEPT)));
  });

  it('refuses more dimensions than the model has before writing any file', async () => {
    const files = await setUp('too-many');
    const refused = {
      code: 'BAD_OPTION',
      message: `Dimensions must be at most ${TINY.embeddingLength} with tiny-bert, whose vectors have ${TINY.embeddingLength}, not ${TINY.embeddingLength + 1}.`,
      remedy: { kind: 'fewerDimensions', max: TINY.embeddingLength },
    };
    const error = await job({
      ...files,
      model: model.info.path,
      modelOptions: { threads: 1, contextSize: 64, dimensions: TINY.embeddingLength + 1 },
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EmbeddingError);
    expect(error).toMatchObject(refused);
    expect(() => model.setTextOptions({ dimensions: TINY.embeddingLength + 1 })).toThrow(refused.message);
    expect(model.info.dimensions).toBeNull();
    expect(await readdir(join(files.output, '..'))).toEqual(['input.txt']);
  });

  it('refuses to resume with another number of dimensions', async () => {
    const files = await setUp('resume');
    model.setTextOptions({ dimensions: KEPT });
    const abort = new AbortController();
    const stopped = await job({
      ...files,
      keepOnCancel: true,
      signal: abort.signal,
      onProgress: (progress) => {
        if (progress.linesDone >= 100) abort.abort();
      },
    }).catch((caught: unknown) => caught);
    expect(stopped).toBeInstanceOf(EmbedJobError);
    expect((stopped as EmbedJobError).resumeAfterLine).toBeGreaterThan(0);

    const refused = (reason: RegExp): object => ({
      code: 'RESUME_REFUSED',
      message: expect.stringMatching(reason),
      remedy: { kind: 'resumeWithSameSettings' },
    });
    model.setTextOptions({ dimensions: 16 });
    await expect(job({ ...files, resume: true })).rejects.toMatchObject(
      refused(/its number of dimensions kept was 8, now 16\.$/),
    );
    model.setTextOptions({ dimensions: null });
    await expect(job({ ...files, resume: true })).rejects.toMatchObject(
      refused(/its number of dimensions kept was 8, now all\.$/),
    );
    model.setTextOptions({ dimensions: KEPT });
    const summary = await job({ ...files, resume: true });
    expect(summary.resumedAfterLine).toBeGreaterThan(0);
    const { rows } = await readVectors('jsonl', files.output);
    expect(rows).toHaveLength(LINES.length);
    expect(rows.every((row) => row.length === KEPT)).toBe(true);
  });
});
