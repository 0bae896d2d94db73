import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileFingerprint, runIdentity } from '#core/checkpoint';
import { runEmbedJob, type EmbedJobOptions } from '#core/embedJob';
import { EmbedJobError } from '#core/errors';
import { EmbeddingModel } from '#core/model';
import { readRunRecord, runRecordPath } from '#core/runRecord';
import type { OutputFormat } from '#shared/engine';
import type { RunRecord } from '#shared/runRecord';
import { version } from '../../package.json';
import { corpusLines } from '../support/corpus';
import { readJsonl, readNpy, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

const dir = await tempDir();
let model: EmbeddingModel;
beforeAll(async () => {
  model = await EmbeddingModel.load(await testModelPath(TINY), { threads: 2, contextSize: 64 });
});
afterAll(() => model.dispose());
afterEach(() => model.setTextOptions({ prefix: '', normalize: 'l2', onLong: 'truncate' }));

const FORMATS = ['jsonl', 'npy', 'parquet'] as const;
/** Enough lines for a Parquet run to checkpoint a row group (4,096 rows) before it is stopped. */
const LINES = corpusLines(5_000, 29, 1, 8).map((text, i) => (i % 50 === 9 ? '' : text));
const ROWS = LINES.filter((text) => text.length > 0).length;

let runs = 0;
async function setUp(name: string, format: OutputFormat): Promise<{ folder: string; input: string; output: string }> {
  const folder = join(dir, `${name}-${(runs += 1)}`);
  await mkdir(folder);
  const input = join(folder, 'input.txt');
  await writeFile(input, LINES.join('\n'));
  return { folder, input, output: join(folder, `out.${format}`) };
}

function job(options: Partial<EmbedJobOptions> & { input: string; output: string }): ReturnType<typeof runEmbedJob> {
  return runEmbedJob({ model, ...options, batch: { batchSize: 64, progressIntervalMs: 0, ...options.batch } });
}

/** Runs the job until `stopAt` lines are done, then stops it as Ctrl-C does, keeping its files to resume. */
async function stopPartWay(files: { input: string; output: string }, stopAt: number): Promise<void> {
  const abort = new AbortController();
  const error = await job({
    ...files,
    keepOnCancel: true,
    signal: abort.signal,
    onProgress: (progress) => {
      if (progress.linesDone >= stopAt) abort.abort();
    },
  }).catch((caught: unknown) => caught);
  expect(error).toMatchObject({ code: 'CANCELLED', resumeAfterLine: expect.any(Number) });
  expect((error as EmbedJobError).resumeAfterLine).toBeGreaterThan(0);
}

async function rowsIn(format: OutputFormat, path: string): Promise<number> {
  if (format === 'jsonl') return (await readJsonl(path)).length;
  if (format === 'npy') return (await readNpy(path)).shape[0] ?? 0;
  return (await parquetReadObjects({ file: await asyncBufferFromFile(path), columns: ['line'] })).length;
}

/** A record without its one timing field, which differs between any two runs. */
function untimed(record: RunRecord): Omit<RunRecord, 'finishedAt'> {
  const { finishedAt: _finishedAt, ...rest } = record;
  return rest;
}

describe('the run record beside every output', () => {
  it.for(FORMATS)(
    'a finished %s run records what made it in <output>.run.json, which reads back as it was written',
    async (format) => {
      const files = await setUp('finished', format);
      const given = relative(process.cwd(), files.input);
      model.setTextOptions({ prefix: 'passage: ', normalize: 'none' });
      const started = Date.now();
      const summary = await job({ input: given, output: files.output });
      const record = await readRunRecord(files.output);

      const text = await readFile(runRecordPath(files.output), 'utf8');
      expect(JSON.parse(text)).toEqual(record);
      const identity = await runIdentity(files.input, {}, model.info, format);
      const input = await stat(files.input);
      expect(record).toEqual({
        version: 1,
        app: { name: 'embedding-studio', version },
        finishedAt: expect.any(String),
        model: {
          file: basename(model.info.path),
          path: model.info.path,
          name: 'tiny-bert',
          size: model.info.fileSize,
          fingerprint: identity.model.fingerprint,
        },
        vectors: {
          dimension: 32,
          dimensions: null,
          pooling: 'mean',
          contextSize: 64,
          normalize: 'none',
          prefix: 'passage: ',
          onLong: 'truncate',
          chunkTokens: null,
          chunkOverlap: null,
        },
        precision: { type: 'float32', calibration: null },
        input: {
          path: given,
          absolutePath: files.input,
          size: input.size,
          mtimeMs: input.mtimeMs,
          fingerprint: await fileFingerprint(files.input, input.size),
          format: 'text',
          field: 'text',
          shard: null,
          documents: null,
        },
        reused: null,
        output: { format, rows: ROWS, lines: LINES.length, skipped: LINES.length - ROWS, failed: 0, truncated: 0 },
      });
      expect(await rowsIn(format, files.output)).toBe(ROWS);
      expect(summary.stats.embedded).toBe(ROWS);
      expect(Date.parse(record.finishedAt)).toBeGreaterThanOrEqual(started);
      expect(Date.parse(record.finishedAt)).toBeLessThanOrEqual(Date.now());
      if (format === 'parquet') {
        const metadata = await parquetMetadataAsync(await asyncBufferFromFile(files.output));
        expect(metadata.key_value_metadata).toEqual([
          { key: 'embedding_studio.model', value: 'tiny-bert' },
          { key: 'embedding_studio.run', value: text },
        ]);
      }
    },
  );

  it.for(FORMATS)(
    'a resumed %s run ends with the record of a run that was never stopped, but for its time',
    async (format) => {
      const clean = await setUp('clean', format);
      await job(clean);
      const resumed = { input: clean.input, output: join(clean.folder, `resumed.${format}`) };
      await stopPartWay(resumed, format === 'parquet' ? 4_600 : 1_500);
      expect(existsSync(runRecordPath(resumed.output))).toBe(false);

      const summary = await job({ ...resumed, resume: true });
      expect(summary.resumedAfterLine).toBeGreaterThan(0);
      const record = await readRunRecord(resumed.output);
      expect(untimed(record)).toEqual(untimed(await readRunRecord(clean.output)));
      expect(record.output.rows).toBe(await rowsIn(format, resumed.output));
      if (format === 'parquet') {
        const metadata = await parquetMetadataAsync(await asyncBufferFromFile(resumed.output));
        expect(metadata.key_value_metadata?.find((kv) => kv.key === 'embedding_studio.run')?.value).toBe(
          await readFile(runRecordPath(resumed.output), 'utf8'),
        );
      }
    },
  );

  it('is refused when left by another run, like any output file, and replaced by a run told to overwrite', async () => {
    const files = await setUp('overwrite', 'jsonl');
    await job(files);
    expect((await readRunRecord(files.output)).vectors.prefix).toBe('');
    // The output and skip log moved away: the record left behind is not this output's.
    await rm(files.output);
    await rm(`${files.output}.skipped.jsonl`);
    await expect(job(files)).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: `Output ${files.output}.run.json already exists.`,
      remedy: { kind: 'overwriteOrChooseOutput' },
    });

    model.setTextOptions({ prefix: 'query: ' });
    await job({ ...files, overwrite: true });
    expect((await readRunRecord(files.output)).vectors.prefix).toBe('query: ');
    expect((await readdir(files.folder)).sort()).toEqual([
      'input.txt',
      'out.jsonl',
      'out.jsonl.run.json',
      'out.jsonl.skipped.jsonl',
    ]);
  });

  it('is left by no run that was cancelled or failed, only by the run that finishes it', async () => {
    const cancelled = await setUp('cancelled', 'npy');
    const abort = new AbortController();
    await expect(
      job({ ...cancelled, signal: abort.signal, onProgress: (p) => p.linesDone > 500 && abort.abort() }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(await readdir(cancelled.folder)).toEqual(['input.txt']);

    const kept = await setUp('kept', 'npy');
    await stopPartWay(kept, 500);
    expect((await readdir(kept.folder)).filter((name) => name.includes('run.json'))).toEqual([]);
    await job({ ...kept, resume: true });
    expect((await readRunRecord(kept.output)).output.rows).toBe(ROWS);

    const failed = await setUp('failed', 'jsonl');
    await writeFile(failed.input, `${LINES.slice(0, 300).join('\n')}\n${'the of and '.repeat(300)}\nlast line`);
    model.setTextOptions({ onLong: 'fail' });
    const error = await job(failed).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'TEXT_TOO_LONG',
      partialFiles: [`${failed.output}.partial`, `${failed.output}.skipped.jsonl.partial`],
    });
    expect((await readdir(failed.folder)).filter((name) => name.includes('run.json'))).toEqual([]);
    model.setTextOptions({ onLong: 'truncate' });
    await job({ ...failed, resume: true });
    expect((await readRunRecord(failed.output)).output).toMatchObject({ lines: 302, truncated: 1, failed: 0 });
    expect((await readRunRecord(failed.output)).vectors.onLong).toBe('truncate');
  });

  it('refuses a run.json that is missing, not JSON or not a run record, saying which and what to do', async () => {
    const files = await setUp('damaged', 'jsonl');
    const path = runRecordPath(files.output);
    const refused = (reason: string): object => ({
      code: 'RUN_RECORD_INVALID',
      message: expect.stringMatching(
        new RegExp(
          `^${`${files.output} has no usable run record: ${path} ${reason}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
        ),
      ),
      remedy: { kind: 'embedOutputAgain' },
    });
    await expect(readRunRecord(files.output)).rejects.toMatchObject(
      refused('does not exist (a run writes it when it has done every line).'),
    );

    await job(files);
    const record = JSON.parse(await readFile(path, 'utf8')) as RunRecord;
    await writeFile(path, '{"version": 1, "model": ');
    await expect(readRunRecord(files.output)).rejects.toMatchObject(refused('is not JSON.'));
    const damaged: Array<[object, string]> = [
      [{ ...record, output: { ...record.output, rows: -1 } }, 'output.rows'],
      [{ ...record, version: 2 }, 'version'],
      [{ ...record, model: { ...record.model, fingerprint: 'abc' } }, 'model.fingerprint'],
      [{ ...record, extra: true }, 'extra'],
    ];
    for (const [json, field] of damaged) {
      await writeFile(path, JSON.stringify(json));
      const error = await readRunRecord(files.output).catch((caught: unknown) => caught);
      expect(error).toMatchObject(refused('is not a run record ('));
      expect((error as Error).message).toContain(field);
    }
  });
});
