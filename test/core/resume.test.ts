import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, type ReadStream } from 'node:fs';
import { appendFile, mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runEmbedJob, type EmbedJobOptions } from '#core/embedJob';
import { EmbedJobError } from '#core/errors';
import { EmbeddingModel } from '#core/model';
import { readRunRecord } from '#core/runRecord';
import type { OutputFormat, ProgressInfo } from '#shared/engine';
import { corpusLines } from '../support/corpus';
import { readJsonl, readNpy, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

// Every stream a file is read through, to tell how often a run reads its input.
const streams = vi.hoisted(() => [] as Array<{ path: string; stream: ReadStream }>);
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const createReadStream = (...args: Parameters<typeof fs.createReadStream>): ReadStream => {
    const stream = fs.createReadStream(...args);
    streams.push({ path: String(args[0]), stream });
    return stream;
  };
  return { ...fs, createReadStream };
});
/** The bytes each stream opened on `path` since the last call has read. */
function readsOf(path: string): number[] {
  return streams.splice(0).flatMap((read) => (read.path === path ? [read.stream.bytesRead] : []));
}

const dir = await tempDir();
let model: EmbeddingModel;
beforeAll(async () => {
  model = await EmbeddingModel.load(await testModelPath(TINY), { threads: 2, contextSize: 64 });
});
afterAll(() => model.dispose());

const LINES = corpusLines(2_000, 17, 1, 12).map((text, i) => (i % 50 === 9 ? '' : text));
const EMBEDDED = LINES.flatMap((text, i) => (text ? [i + 1] : []));
const BLANK = LINES.flatMap((text, i) => (text ? [] : [i + 1]));

let runs = 0;
async function setUp(name: string): Promise<{ input: string; output: string }> {
  const folder = join(dir, `${name}-${(runs += 1)}`);
  await mkdir(folder);
  const input = join(folder, 'input.txt');
  await writeFile(input, LINES.join('\n'));
  return { input, output: join(folder, 'out.jsonl') };
}

function job(options: Partial<EmbedJobOptions> & { input: string; output: string }): ReturnType<typeof runEmbedJob> {
  return runEmbedJob({ model, ...options, batch: { batchSize: 16, progressIntervalMs: 0, ...options.batch } });
}

/** Runs the job until `stopAt` lines are done, then stops it as Ctrl-C does; returns the line it can resume after. */
async function stopPartWay(
  files: { input: string; output: string },
  stopAt = 500,
  options: Partial<EmbedJobOptions> = {},
): Promise<number> {
  const abort = new AbortController();
  const error = await job({
    ...files,
    ...options,
    keepOnCancel: true,
    signal: abort.signal,
    onProgress: (progress) => {
      if (progress.linesDone >= stopAt) abort.abort();
    },
  }).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(EmbedJobError);
  const stopped = error as EmbedJobError;
  expect(stopped.code).toBe('CANCELLED');
  expect(stopped.resumeAfterLine).toBeGreaterThanOrEqual(stopAt);
  expect(stopped.resumeAfterLine).toBeLessThan(LINES.length);
  return stopped.resumeAfterLine ?? 0;
}

async function expectComplete(output: string): Promise<void> {
  expect((await readJsonl(output)).map((row) => row.line)).toEqual(EMBEDDED);
  expect((await readJsonl<{ line: number }>(`${output}.skipped.jsonl`)).map((row) => row.line)).toEqual(BLANK);
  const folder = await readdir(join(output, '..'));
  expect(folder.filter((name) => /partial|checkpoint/.test(name))).toEqual([]);
}

async function lineNumbers(format: OutputFormat, path: string): Promise<number[]> {
  if (format === 'jsonl') return (await readJsonl(path)).map((row) => row.line);
  if (format === 'npy') return Array.from((await readNpy(path.replace(/\.npy$/, '.lines.npy'))).data);
  return (await parquetReadObjects({ file: await asyncBufferFromFile(path), columns: ['line'] })).map((row) =>
    Number(row.line),
  );
}

async function sizes(folder: string): Promise<Record<string, number>> {
  const names = await readdir(folder);
  return Object.fromEntries(
    await Promise.all(names.map(async (name) => [name, (await stat(join(folder, name))).size] as const)),
  );
}

describe('resuming an unfinished run', () => {
  it('continues after the last checkpoint, and counts the earlier lines in its totals but not in its speed', async () => {
    const files = await setUp('resume');
    const after = await stopPartWay(files);

    const summary = await job({ ...files, resume: true });

    expect(summary.resumedAfterLine).toBe(after);
    expect(summary.stats).toMatchObject({ lines: LINES.length, embedded: EMBEDDED.length, skipped: BLANK.length });
    expect(summary.stats.textsPerSecond * (summary.stats.elapsedMs / 1000)).toBeCloseTo(
      EMBEDDED.filter((line) => line > after).length,
      0,
    );
    await expectComplete(files.output);
  });

  it('reads the input once per run, from its first line or resumed, telling progress by its bytes', async () => {
    const files = await setUp('once');
    const size = (await stat(files.input)).size;
    const endOf = (line: number): number => Math.min(size, Buffer.byteLength(LINES.slice(0, line).join('\n')) + 1);
    readsOf(files.input);
    const after = await stopPartWay(files, 1_500);
    expect(readsOf(files.input)).toEqual([size]);

    const reports: ProgressInfo[] = [];
    const summary = await job({ ...files, resume: true, onProgress: (progress) => reports.push(progress) });
    expect(summary.resumedAfterLine).toBe(after);
    expect(readsOf(files.input)).toEqual([size]);
    expect(reports[0].fraction).toBeGreaterThan(endOf(after) / size);
    for (const report of reports.slice(0, -1))
      expect(report).toMatchObject({ totalLines: null, fraction: endOf(report.linesDone) / size });
    expect(reports.at(-1)).toMatchObject({
      done: true,
      linesDone: LINES.length,
      totalLines: LINES.length,
      fraction: 1,
    });
    await expectComplete(files.output);

    const again = await setUp('once-again');
    await job(again);
    expect(readsOf(again.input)).toEqual([size]);
  });

  it('starts from the first line when there is nothing to resume', async () => {
    const files = await setUp('nothing');
    const summary = await job({ ...files, resume: true });
    expect(summary.resumedAfterLine).toBe(0);
    await expectComplete(files.output);
  });

  it('refuses a new run over an unfinished one unless told to resume it or start again', async () => {
    const files = await setUp('refuse');
    const after = await stopPartWay(files);
    await expect(job(files)).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: `An unfinished run of ${files.output} is saved, done up to line ${after} of ${files.input}.`,
      remedy: { kind: 'resumeOrStartOver' },
    });
    const summary = await job({ ...files, overwrite: true });
    expect(summary.resumedAfterLine).toBe(0);
    await expectComplete(files.output);
  });

  it('resumes a shard where it stopped, as the same shard only, ending with the rows of a clean run of it', async () => {
    const files = await setUp('shard');
    const shard = { index: 2, count: 3 };
    const after = await stopPartWay(files, 200, { inputOptions: { shard } });
    await expect(
      job({ ...files, resume: true, inputOptions: { shard: { index: 1, count: 3 } } }),
    ).rejects.toMatchObject({
      code: 'RESUME_REFUSED',
      message: `The unfinished run of ${files.output} cannot be resumed: it embedded shard 2/3 of the input, not shard 1/3 of the input.`,
    });
    await expect(job({ ...files, resume: true })).rejects.toMatchObject({
      message: expect.stringMatching(/it embedded shard 2\/3 of the input, not every line of the input\.$/),
    });
    const summary = await job({ ...files, resume: true, inputOptions: { shard } });
    expect(summary.resumedAfterLine).toBe(after);
    expect(summary.shard).toEqual(shard);
    const inShard = (line: number): boolean => (line - 1) % 3 === 2;
    expect((await readJsonl(files.output)).map((row) => row.line)).toEqual(EMBEDDED.filter(inShard));
    expect((await readJsonl<{ line: number }>(`${files.output}.skipped.jsonl`)).map((row) => row.line)).toEqual(
      BLANK.filter(inShard),
    );
    expect((await readRunRecord(files.output)).input.shard).toEqual(shard);
  });

  it('refuses to resume with another prefix, model, long-text policy or input, and leaves the unfinished run as it was', async () => {
    const files = await setUp('mismatch');
    await stopPartWay(files, 500, { model: model.info.path, modelOptions: { threads: 2, contextSize: 64 } });
    const folder = join(files.output, '..');
    const before = await sizes(folder);
    const refused = (reason: RegExp): object => ({
      code: 'RESUME_REFUSED',
      message: expect.stringMatching(reason),
      remedy: { kind: 'resumeWithSameSettings' },
    });

    model.setTextOptions({ prefix: 'query: ' });
    await expect(job({ ...files, resume: true })).rejects.toMatchObject(refused(/its prefix was "", now "query: "\.$/));
    model.setTextOptions({ prefix: '', onLong: 'skip' });
    await expect(job({ ...files, resume: true })).rejects.toMatchObject(
      refused(/its long-text policy was "truncate", now "skip"\.$/),
    );
    model.setTextOptions({ onLong: 'truncate' });
    const other = await testModelPath({ ...TINY, name: 'tiny-cls', pooling: 'cls' });
    await expect(
      job({ ...files, resume: true, model: other, modelOptions: { threads: 2, contextSize: 64 } }),
    ).rejects.toMatchObject(refused(/it used another model file \(tiny-bert, \d+ bytes; now tiny-cls, \d+ bytes\)\.$/));
    await appendFile(files.input, '\none more line');
    await expect(job({ ...files, resume: true })).rejects.toMatchObject(
      refused(/the input file changed since \(\d+ bytes modified .*, now \d+ bytes modified /),
    );
    expect(await sizes(folder)).toEqual({
      ...before,
      'input.txt': (before['input.txt'] ?? 0) + '\none more line'.length,
    });
  });

  it('completes a finished run that was stopped while giving its files their final names, and says the output is there', async () => {
    const files = await setUp('moving');
    const output = files.output.replace(/\.jsonl$/, '.npy');
    const lines = output.replace(/\.npy$/, '.lines.npy');
    // A folder under the second file's final name makes the move fail after the first file, as a kill there would.
    const failed = await job({
      ...files,
      output,
      onProgress: (progress) => {
        if (progress.linesDone === LINES.length) mkdirSync(lines, { recursive: true });
      },
    }).catch((caught: unknown) => caught);
    expect(failed).toMatchObject({
      code: 'OUTPUT_UNWRITABLE',
      message: expect.stringMatching(/^Every line is done, but the finished files could not be given/),
    });
    expect(existsSync(output) && existsSync(`${lines}.partial`) && existsSync(`${output}.checkpoint`)).toBe(true);
    expect(existsSync(`${output}.run.json.partial`) && !existsSync(`${output}.run.json`)).toBe(true);

    await rm(lines, { recursive: true });
    await expect(job({ ...files, output, resume: true })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: `${output} is complete: its run had done every line and was stopped while giving the files their final names, which is done now.`,
      remedy: { kind: 'embedAgain' },
    });
    expect(await lineNumbers('npy', output)).toEqual(EMBEDDED);
    expect((await readNpy(output)).shape).toEqual([EMBEDDED.length, model.info.dimension]);
    expect((await readRunRecord(output)).output).toMatchObject({ format: 'npy', rows: EMBEDDED.length });
    expect((await readJsonl<{ line: number }>(`${output}.skipped.jsonl`)).map((row) => row.line)).toEqual(BLANK);
    expect((await readdir(join(output, '..'))).filter((name) => /partial|checkpoint/.test(name))).toEqual([]);
  });

  it('refuses to resume when a .partial file of the unfinished run is gone', async () => {
    const files = await setUp('gone');
    await stopPartWay(files);
    await rm(`${files.output}.partial`);
    await expect(job({ ...files, resume: true })).rejects.toMatchObject({
      code: 'RESUME_REFUSED',
      message: `The unfinished run cannot be resumed: ${files.output}.partial is missing.`,
      remedy: { kind: 'startOver' },
    });
  });

  it('stops with a clear message when the input is deleted mid-run, and resumes once it is back', async () => {
    const files = await setUp('deleted');
    const away = `${files.input}.moved`;
    const error = await job({
      ...files,
      onProgress: (progress) => {
        if (progress.linesDone >= 300 && progress.linesDone < 400) void rename(files.input, away);
      },
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'INPUT_CHANGED',
      message: expect.stringMatching(
        new RegExp(`^Input file ${files.input} was deleted during the run, after line \\d+\\.$`),
      ),
      remedy: { kind: 'restoreInput', lastLine: expect.any(Number), deleted: true },
    });
    expect((error as EmbedJobError).resumeAfterLine).toBeGreaterThanOrEqual(300);

    await rename(away, files.input);
    await job({ ...files, resume: true });
    await expectComplete(files.output);
  });

  it('stops with a clear message when the input changes mid-run', async () => {
    const files = await setUp('changed');
    let appended = false;
    const error = await job({
      ...files,
      onProgress: (progress) => {
        if (progress.linesDone >= 300 && !appended) {
          appended = true;
          void appendFile(files.input, '\nlate line');
        }
      },
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'INPUT_CHANGED',
      message: expect.stringMatching(/changed during the run, after line \d+ \(\d+ bytes at the start, \d+ now\)\.$/),
      remedy: { kind: 'restoreInput', lastLine: expect.any(Number), deleted: false },
    });
    await expect(stat(`${files.output}.partial`)).resolves.toBeTruthy();
  });
});

describe('a disk that fills up mid-run', () => {
  const mountPoint = join(dir, 'small-disk');
  let mounted = false;
  beforeAll(async () => {
    await mkdir(mountPoint);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=160k', 'tmpfs', mountPoint], { stdio: 'ignore' });
      mounted = true;
    } catch {
      mounted = false;
    }
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', [mountPoint]);
  });

  it.for(['jsonl', 'npy', 'parquet'] as const)(
    'stops with "disk is full", keeps the %s run resumable, and resumes once there is room',
    async (format, { skip }) => {
      skip(!mounted, 'mounting a small tmpfs needs root (CI runs as root)');
      await Promise.all((await readdir(mountPoint)).map((name) => rm(join(mountPoint, name))));
      execFileSync('mount', ['-o', 'remount,size=160k', mountPoint]);
      const input = join(dir, `disk-${format}.txt`);
      const lines = corpusLines(12_000, 23, 4, 12);
      await writeFile(input, lines.join('\n'));
      const output = join(mountPoint, `out.${format}`);

      const error = await job({ input, output }).catch((caught: unknown) => caught);
      expect(error).toMatchObject({
        code: 'OUTPUT_UNWRITABLE',
        message: 'The disk is full: the output could not be written.',
      });
      const after = (error as EmbedJobError).resumeAfterLine ?? 0;
      // Parquet checkpoints once per 4,096-row row group, which may not fit before the disk is full.
      if (format !== 'parquet') expect(after).toBeGreaterThan(0);

      execFileSync('mount', ['-o', 'remount,size=16m', mountPoint]);
      const summary = await job({ input, output, resume: true });
      expect(summary.resumedAfterLine).toBe(after);
      expect(summary.stats).toMatchObject({ lines: lines.length, embedded: lines.length });
      expect((await readdir(mountPoint)).sort()).toEqual(
        [
          `out.${format}`,
          ...(format === 'npy' ? ['out.lines.npy'] : []),
          `out.${format}.skipped.jsonl`,
          `out.${format}.run.json`,
        ].sort(),
      );
      expect(await lineNumbers(format, output)).toEqual(lines.map((_, i) => i + 1));
    },
  );
});
