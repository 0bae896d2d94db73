import { existsSync } from 'node:fs';
import { readdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readCheckpoint, runIdentity } from '#core/checkpoint';
import { StudioService } from '#host/studioService';
import type { JobStart, JobState, ReplyError } from '#shared/contract';
import { corpusLines } from '../support/corpus';
import { readJsonl } from '../support/files';
import { bertModelParts, testModelPath, TINY } from '../support/testModels';
import { SOURCE_PROBE_WORKER } from '#core/modelProbe';
import { writeGguf } from '../support/gguf';
import { serviceHarness } from './serviceHarness';

// Counts the checks a start makes: each reads the output's checkpoint once.
vi.mock('#core/checkpoint', async (importOriginal) => {
  const actual = await importOriginal<typeof import('#core/checkpoint')>();
  return { ...actual, readCheckpoint: vi.fn(actual.readCheckpoint) };
});
const checkpointReads = (output: string): number =>
  vi.mocked(readCheckpoint).mock.calls.filter(([path]) => path === output).length;

const h = await serviceHarness();
let modelPath: string;
beforeAll(async () => {
  modelPath = await testModelPath(TINY);
});

function job(input: string, output: string, overrides: Partial<JobStart> = {}): JobStart {
  return {
    input,
    inputFormat: null,
    field: null,
    glob: null,
    output,
    format: null,
    overwrite: false,
    batchSize: 16,
    normalize: 'l2',
    prefix: '',
    onLong: 'truncate',
    chunkTokens: null,
    chunkOverlap: null,
    continueOnError: true,
    memoryLimitMb: null,
    dimensions: null,
    precision: 'float32',
    resume: false,
    reuse: null,
    ...overrides,
  };
}

async function failure(name: string, params: unknown): Promise<ReplyError> {
  const reply = await h.service.handle(name, params);
  if (reply.ok) throw new Error(`${name} succeeded`);
  return reply.error;
}

async function inputFile(name: string, lines: string[]): Promise<string> {
  const path = join(h.dir, name);
  await writeFile(path, lines.join('\n'));
  return path;
}

const loadTiny = () => h.ok('model:load', { path: modelPath, gpu: 'cpu', threads: 2, contextSize: 64 });

describe('StudioService', () => {
  it('refuses to start a job before a model is loaded', async () => {
    const input = await inputFile('early.txt', ['hello world']);
    const error = await failure('job:start', job(input, join(h.dir, 'early.jsonl')));
    expect(error.code).toBe('NO_MODEL');
    expect(error.hint).toMatch(/load/i);
    expect((await h.ok('job:state', {})).status).toBe('idle');
  });

  it('reports a file that is not a GGUF model and stays usable', async () => {
    const fake = await inputFile('fake.gguf', ['this is not a model']);
    const error = await failure('model:load', { path: fake, gpu: 'cpu', threads: 2, contextSize: 64 });
    expect(error).toMatchObject({ code: 'NOT_GGUF' });
    expect(error.message).toContain(fake);
    expect(error.remedy).toBeTruthy();
    expect(await h.ok('model:info', {})).toBeNull();

    const info = await loadTiny();
    expect(info).toMatchObject({ dimension: 32, contextSize: 64, backend: 'cpu' });
    expect(await h.ok('model:info', {})).toMatchObject({ path: modelPath, dimension: 32 });
  });

  it('survives a model file that makes llama.cpp abort, keeping the model it had', async () => {
    await loadTiny();
    const { metadata, tensors } = bertModelParts({ ...TINY, name: 'aborts' });
    const path = join(h.dir, 'aborts.gguf');
    await writeGguf(
      path,
      metadata,
      tensors.map((t) => (t.name === 'blk.0.attn_q.bias' ? { ...t, type: 'F16' } : t)),
    );
    const error = await failure('model:load', { path, gpu: 'cpu', threads: 2, contextSize: 64 });
    expect(error).toMatchObject({
      code: 'MODEL_UNSUPPORTED',
      message: expect.stringContaining('damaged or unsupported'),
    });
    expect(await h.ok('model:info', {})).toMatchObject({ path: modelPath });
  });

  it('runs a job keeping the first dimensions, and refuses more than the model has before writing anything', async () => {
    await loadTiny();
    const input = await inputFile('dims.txt', ['hello world', 'the quick brown fox']);
    const tooMany = join(h.dir, 'dims-33.jsonl');
    expect(await failure('job:start', job(input, tooMany, { dimensions: 33 }))).toMatchObject({
      code: 'BAD_OPTION',
      message: 'Dimensions must be at most 32 with tiny-bert, whose vectors have 32, not 33.',
      remedy: { kind: 'fewerDimensions', max: 32 },
    });
    expect(existsSync(tooMany)).toBe(false);
    expect(existsSync(`${tooMany}.checkpoint`)).toBe(false);

    const output = join(h.dir, 'dims-8.jsonl');
    const started = await h.ok('job:start', job(input, output, { dimensions: 8 }));
    const final = await h.finished(started.jobId);
    expect(final.summary).toMatchObject({ outputDimension: 8, model: { dimension: 32, dimensions: 8 } });
    expect((await readJsonl(output)).map((row) => row.embedding.length)).toEqual([8, 8]);
  });

  it('runs a job storing int8 vectors, and refuses binary ones of 12 dimensions before writing anything', async () => {
    await loadTiny();
    const input = await inputFile('precision.txt', ['hello world', 'the quick brown fox']);
    const packed = join(h.dir, 'binary-12.jsonl');
    expect(await failure('job:start', job(input, packed, { dimensions: 12, precision: 'binary' }))).toMatchObject({
      code: 'BAD_OPTION',
      remedy: { kind: 'fixOption', option: 'dimensions', example: '8' },
    });
    expect(existsSync(`${packed}.checkpoint`)).toBe(false);

    const output = join(h.dir, 'int8.jsonl');
    const started = await h.ok('job:start', job(input, output, { precision: 'int8' }));
    const final = await h.finished(started.jobId);
    expect(final.summary).toMatchObject({ precision: 'int8', outputDimension: 32 });
    const rows = (await readJsonl(output)).map((row) => row.embedding);
    expect(rows.flat().every((value) => Number.isInteger(value) && value >= -128 && value <= 127)).toBe(true);
  });

  it('runs a job that reuses the rows of an earlier output for the texts it has, and refuses one made otherwise', async () => {
    await loadTiny();
    const before = corpusLines(200, 13, 2, 12);
    const earlier = join(h.dir, 'reuse-earlier.jsonl');
    await h.finished((await h.ok('job:start', job(await inputFile('reuse-old.txt', before), earlier))).jobId);
    const now = before.map((text, i) => (i % 10 === 0 ? `${text} and more` : text));
    const input = await inputFile('reuse-new.txt', now);
    const reused = now.filter((text) => before.includes(text)).length;

    const output = join(h.dir, 'reuse.jsonl');
    const final = await h.finished((await h.ok('job:start', job(input, output, { reuse: earlier }))).jobId);
    expect(final.summary).toMatchObject({ reusedFrom: earlier, stats: { lines: 200, embedded: 200, reused } });
    expect(reused).toBeGreaterThan(150);

    expect(await failure('job:start', job(input, join(h.dir, 'reuse-blank.jsonl'), { reuse: ' ' }))).toMatchObject({
      code: 'INVALID_REQUEST',
    });
    const refused = join(h.dir, 'reuse-refused.jsonl');
    const started = await h.ok('job:start', job(input, refused, { reuse: earlier, normalize: 'none' }));
    expect((await h.finished(started.jobId)).error).toMatchObject({
      code: 'REUSE_REFUSED',
      message: expect.stringContaining('its normalization was "l2", this run\'s "none"'),
      remedy: { kind: 'reuseMatchingOutput' },
    });
    expect(existsSync(refused)).toBe(false);
  });

  it('runs a job cutting long texts into chunks, and refuses an overlap as large as a chunk before writing anything', async () => {
    await loadTiny();
    const long = 'the quick brown fox jumps over the lazy dog. '.repeat(12).trim();
    const input = await inputFile('chunks.txt', [long, 'hello world']);
    const refused = join(h.dir, 'chunks-refused.jsonl');
    expect(
      await failure('job:start', job(input, refused, { onLong: 'chunk', chunkTokens: 24, chunkOverlap: 22 })),
    ).toMatchObject({
      code: 'BAD_OPTION',
      remedy: { kind: 'fixOption', option: 'chunkOverlap', example: '2' },
    });
    expect(existsSync(refused)).toBe(false);

    const output = join(h.dir, 'chunks.jsonl');
    const started = await h.ok('job:start', job(input, output, { onLong: 'chunk', chunkTokens: 24, chunkOverlap: 4 }));
    await h.finished(started.jobId);
    const rows = await readJsonl<{ line: number; chunk: number; text: string }>(output);
    expect(rows.filter((row) => row.line === 1).map((row) => row.chunk)).toEqual(
      rows.filter((row) => row.line === 1).map((_, i) => i),
    );
    expect(rows.filter((row) => row.line === 1).length).toBeGreaterThan(3);
    expect(rows.at(-1)).toMatchObject({ line: 2, chunk: 0, text: 'hello world' });
  });

  it('inspects an input, runs a job to the end and reports it through events', async () => {
    const lines = corpusLines(300, 11, 2, 12);
    for (const blank of [10, 50, 120]) lines[blank] = '';
    const input = await inputFile('run.txt', lines);
    const output = join(h.dir, 'run.jsonl');

    const inspected = await h.ok('input:inspect', { path: input, format: null, field: null });
    expect(inspected).toMatchObject({ kind: 'file', path: input, lines: 300, format: 'text' });
    if (inspected.kind !== 'file') throw new Error('a file was inspected as a folder');
    expect(inspected.preview).toHaveLength(8);
    expect(inspected.tokens?.sampled).toBe(297);

    const since = h.events.length;
    const started = await h.ok('job:start', job(input, output));
    expect(started).toMatchObject({ status: 'running', settings: { input, output } });
    const final = await h.finished(started.jobId);

    expect(final.status).toBe('done');
    expect(final.summary).toMatchObject({ outputs: [output], stats: { lines: 300, embedded: 297, skipped: 3 } });
    expect(final.progress).toMatchObject({ done: true, linesDone: 300, totalLines: 300 });
    expect(await readJsonl(output)).toHaveLength(297);
    // The files were checked once, before the reply, and not again when the run began.
    expect(checkpointReads(output)).toBe(1);

    const states = h.of('job:state', since).map((e) => e.payload.status);
    expect(states).toEqual(['running', 'done']);
    const progress = h.of('job:progress', since);
    expect(progress.at(-1)?.payload).toMatchObject({ jobId: started.jobId, done: true, linesDone: 300 });
    expect(h.of('job:metrics', since).length).toBeGreaterThan(0);
    expect(h.of('job:metrics', since)[0]?.payload).toMatchObject({ jobId: started.jobId, vramUsedBytes: null });
    const logged = h.of('job:log', since).flatMap((e) => e.payload.entries);
    expect(logged.map((entry) => [entry.line, entry.reason])).toEqual([
      [11, 'blank'],
      [51, 'blank'],
      [121, 'blank'],
    ]);
    // Vectors never leave the service: no event carries a list of 32 numbers.
    expect(JSON.stringify(h.events.slice(since))).not.toMatch(/\[(-?[\d.e+-]+,){31}/);

    expect(await h.ok('job:state', {})).toEqual(final);
  });

  it('pauses (no progress while paused) and resumes to the end', async () => {
    const input = await inputFile('pause.txt', corpusLines(2500, 5, 2, 10));
    const output = join(h.dir, 'pause.jsonl');
    const since = h.events.length;
    const { jobId } = await h.ok('job:start', job(input, output, { batchSize: 8 }));
    await h.waitFor('job:progress', (p) => p.jobId === jobId && p.linesDone > 0, since);

    expect((await h.ok('job:pause', {})).status).toBe('paused');
    // Batches already under way finish; after that nothing moves.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const held = (await h.ok('job:state', {})).progress?.linesDone;
    const eventsBefore = h.of('job:progress', since).length;
    await new Promise((resolve) => setTimeout(resolve, 500));
    const paused = await h.ok('job:state', {});
    expect(paused.status).toBe('paused');
    expect(paused.progress?.linesDone).toBe(held);
    expect(held).toBeLessThan(2500);
    expect(h.of('job:progress', since).length).toBe(eventsBefore);

    expect((await h.ok('job:resume', {})).status).toBe('running');
    const final = await h.finished(jobId);
    expect(final.status).toBe('done');
    expect(await readJsonl(output)).toHaveLength(2500);
    expect(h.of('job:state', since).map((e) => e.payload.status)).toEqual(['running', 'paused', 'running', 'done']);
  });

  it('refuses a second job and a model change while one runs, and cancelling leaves no output', async () => {
    const input = await inputFile('cancel.txt', corpusLines(2500, 9, 2, 10));
    const output = join(h.dir, 'cancel.jsonl');
    const since = h.events.length;
    const { jobId } = await h.ok('job:start', job(input, output, { batchSize: 8 }));

    expect(await failure('job:start', job(input, join(h.dir, 'other.jsonl')))).toMatchObject({ code: 'BUSY' });
    expect(await failure('model:load', { path: modelPath, gpu: 'cpu', threads: 1, contextSize: 64 })).toMatchObject({
      code: 'BUSY',
    });
    expect(await failure('model:unload', {})).toMatchObject({ code: 'BUSY' });
    expect(h.service.busy).toBe(true);

    await h.waitFor('job:progress', (p) => p.jobId === jobId && p.linesDone > 0, since);
    expect((await h.ok('job:cancel', {})).status).toBe('cancelling');
    const final = await h.finished(jobId);
    expect(final.status).toBe('cancelled');
    expect(final.error).toBeNull();
    expect(h.service.busy).toBe(false);
    expect(h.of('job:state', since).map((e) => e.payload.status)).toEqual(['running', 'cancelling', 'cancelled']);
    const files = await readdir(h.dir);
    expect(files.filter((name) => name.startsWith('cancel.jsonl'))).toEqual([]);
    expect(files).not.toContain('other.jsonl');
  });

  it('cancels a paused job', async () => {
    const input = await inputFile('paused-cancel.txt', corpusLines(2500, 13, 2, 10));
    const output = join(h.dir, 'paused-cancel.jsonl');
    const { jobId } = await h.ok('job:start', job(input, output, { batchSize: 8 }));
    expect((await h.ok('job:pause', {})).status).toBe('paused');
    expect((await h.ok('job:cancel', {})).status).toBe('cancelling');
    expect((await h.finished(jobId)).status).toBe('cancelled');
    expect((await readdir(h.dir)).filter((name) => name.startsWith('paused-cancel.jsonl'))).toEqual([]);
  });

  it('answers a bad output with the request error, before any job starts', async () => {
    const input = await inputFile('exists.txt', ['one', 'two']);
    const output = await inputFile('exists.jsonl', ['already here']);
    const before = await h.ok('job:state', {});
    const error = await failure('job:start', job(input, output));
    // What to do comes as the engine's remedy, for the app to word: no hint worded for the command line.
    expect(error).toEqual({
      code: 'OUTPUT_EXISTS',
      message: `Output ${output} already exists.`,
      remedy: { kind: 'overwriteOrChooseOutput' },
    });
    expect(await h.ok('job:state', {})).toEqual(before);
    expect((await failure('job:start', job(join(h.dir, 'missing.txt'), join(h.dir, 'x.jsonl')))).code).toBe(
      'FILE_NOT_FOUND',
    );
  });

  it('refuses an output that is the input, reached through a linked folder, even with overwrite', async () => {
    const input = await inputFile('same.jsonl', ['{"text":"keep me"}']);
    const alias = join(h.dir, 'alias');
    await symlink(h.dir, alias);
    const error = await failure('job:start', job(input, join(alias, 'same.jsonl'), { overwrite: true }));
    expect(error).toMatchObject({
      code: 'OUTPUT_IS_INPUT',
      message: `Output ${join(alias, 'same.jsonl')} is the input file (the same file on the disk as ${input}).`,
    });
    expect(await readFile(input, 'utf8')).toBe('{"text":"keep me"}');
  });

  it('ends a run that embeds nothing as failed, saying why, with the skip log kept', async () => {
    const input = await inputFile('blanks.txt', ['', '  ', '\t']);
    const output = join(h.dir, 'blanks.jsonl');
    const final = await h.finished((await h.ok('job:start', job(input, output))).jobId);
    expect(final).toMatchObject({
      status: 'failed',
      error: {
        code: 'NOTHING_EMBEDDED',
        message: `Nothing was embedded: all 3 lines of ${input} were skipped (blank 3); ${output}.skipped.jsonl gives the reason for each.`,
      },
      partialStats: { lines: 3, embedded: 0 },
    });
    expect(existsSync(output)).toBe(false);
    expect(await readJsonl(`${output}.skipped.jsonl`)).toHaveLength(3);
  });

  it('ends a job that stops on an error as failed, with its partial files and totals', async () => {
    const lines = corpusLines(100, 3, 2, 8);
    lines[60] = 'the of and '.repeat(100);
    const input = await inputFile('long.txt', lines);
    const output = join(h.dir, 'long.jsonl');
    const { jobId } = await h.ok('job:start', job(input, output, { onLong: 'fail', batchSize: 8 }));
    const final = await h.finished(jobId);
    expect(final.status).toBe('failed');
    expect(final.error).toMatchObject({ code: 'TEXT_TOO_LONG' });
    expect(final.error?.message).toMatch(/Line 61/);
    expect(final.error?.partialFiles).toContain(`${output}.partial`);
    expect(final.partialStats?.embedded).toBeGreaterThan(0);
    expect(final.partialStats?.embedded).toBeLessThan(61);
    expect(existsSync(output)).toBe(false);
  });

  it('unloads the model', async () => {
    expect(await h.ok('model:unload', {})).toBeNull();
    expect(await h.ok('model:info', {})).toBeNull();
    const inspected = await h.ok('input:inspect', { path: join(h.dir, 'run.txt'), format: null, field: null });
    expect(inspected).toMatchObject({ kind: 'file', tokens: null });
  });

  it('remembers the model and the last job settings', async () => {
    const settings = await h.ok('settings:get', {});
    expect(settings).toMatchObject({ modelPath, gpu: 'cpu', threads: 2, contextSize: 64 });
    expect(settings.job).toMatchObject({ output: join(h.dir, 'long.jsonl'), onLong: 'fail' });
  });

  it('describes the machine', async () => {
    const info = await h.ok('system:info', {});
    expect(info.backends.at(-1)).toBe('cpu');
    expect(info.cores).toBeGreaterThan(0);
    expect(info.totalMemoryBytes).toBeGreaterThan(info.freeMemoryBytes);
  });

  it('has no dialogs without a host that provides them', async () => {
    expect(await h.ok('model:pick', {})).toBeNull();
    expect(await h.ok('input:pick', {})).toBeNull();
    expect(await h.ok('input:pickFolder', {})).toBeNull();
    expect(await h.ok('output:pick', { suggestedPath: null })).toBeNull();
    expect((await failure('output:reveal', { path: join(h.dir, 'run.jsonl') })).code).toBe('UNSUPPORTED');
  });

  it('when disposed, stops a running job, cleans up its files and takes no more requests', async () => {
    const other = new StudioService({
      dialogs: null,
      settingsFile: join(h.dir, 'other-settings.json'),
      probeWorker: SOURCE_PROBE_WORKER,
    });
    const states: string[] = [];
    other.subscribe((event, payload) => {
      if (event === 'job:state') states.push((payload as JobState).status);
    });
    await other.handle('model:load', { path: modelPath, gpu: 'cpu', threads: 1, contextSize: 64 });
    const input = await inputFile('dispose.txt', corpusLines(2500, 17, 2, 10));
    // Disposed while the job is still being started: it starts, and is stopped at once.
    const started = other.handle('job:start', job(input, join(h.dir, 'dispose.jsonl')));
    await other.dispose();
    expect((await started).ok).toBe(true);
    expect(other.busy).toBe(false);
    expect(states).toEqual(['running', 'cancelling', 'cancelled']);
    expect((await readdir(h.dir)).filter((name) => name.startsWith('dispose.jsonl'))).toEqual([]);
    expect(await other.handle('model:info', {})).toMatchObject({ ok: false, error: { code: 'BUSY' } });
  });
});

describe('StudioService with an unfinished run', () => {
  /** 300 lines, 2 of them blank; with a memory limit of 1 MiB a run stops after its first batch, keeping it. */
  async function failedRun(
    name: string,
  ): Promise<{ input: string; output: string; lines: string[]; afterLine: number }> {
    const lines = corpusLines(300, 21, 2, 12);
    lines[5] = '';
    lines[150] = '';
    const input = await inputFile(`${name}.txt`, lines);
    const output = join(h.dir, `${name}.jsonl`);
    const failed = await h.finished((await h.ok('job:start', job(input, output, { memoryLimitMb: 1 }))).jobId);
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'MEMORY_LIMIT', partialFiles: expect.arrayContaining([`${output}.partial`]) },
    });
    const afterLine = failed.error?.resumeAfterLine ?? 0;
    expect(afterLine).toBeGreaterThanOrEqual(16);
    expect(afterLine).toBeLessThan(300);
    return { input, output, lines, afterLine };
  }

  it('answers what an unfinished run of an output did, and whether it read the input asked about', async () => {
    await loadTiny();
    const other = await inputFile('unfinished-other.txt', ['another input']);
    expect(await h.ok('output:unfinished', { input: other, output: join(h.dir, 'nothing.jsonl') })).toBeNull();

    const { input, output, afterLine } = await failedRun('unfinished');
    const unfinished = await h.ok('output:unfinished', { input, output });
    expect(unfinished).toEqual({
      input,
      sameInput: true,
      complete: false,
      lastLine: afterLine,
      embedded: expect.any(Number),
      model: TINY.name,
    });
    const embedded = unfinished && !unfinished.complete ? unfinished.embedded : 0;
    expect(embedded).toBeGreaterThan(0);
    expect(embedded).toBeLessThanOrEqual(afterLine);
    // The same file by another spelling of its path.
    expect(await h.ok('output:unfinished', { input: join(h.dir, '.', 'unfinished.txt'), output })).toMatchObject({
      sameInput: true,
    });
    expect(await h.ok('output:unfinished', { input: other, output })).toMatchObject({
      input,
      sameInput: false,
      lastLine: afterLine,
    });
  });

  it('refuses a plain start over an unfinished run, then resumes it to the end with every line once', async () => {
    const { input, output, lines, afterLine } = await failedRun('resumed');
    expect(await failure('job:start', job(input, output))).toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: expect.stringContaining(`line ${afterLine}`),
    });

    const since = h.events.length;
    const started = await h.ok('job:start', job(input, output, { resume: true }));
    expect(started.settings).not.toHaveProperty('resume');
    const final = await h.finished(started.jobId);
    expect(final.status).toBe('done');
    expect(final.summary).toMatchObject({
      resumedAfterLine: afterLine,
      stats: { lines: 300, embedded: 298, skipped: 2 },
    });
    const rows = await readJsonl(output);
    expect(rows.map((row) => row.line)).toEqual(lines.flatMap((text, index) => (text ? [index + 1] : [])));
    expect(h.of('job:log', since).flatMap((e) => e.payload.entries.map((entry) => entry.line))).toEqual([151]);
    expect(await h.ok('output:unfinished', { input, output })).toBeNull();
    expect(existsSync(`${output}.checkpoint`)).toBe(false);
    expect((await h.ok('settings:get', {})).job).not.toHaveProperty('resume');
  });

  it('answers a run stopped while renaming its files as complete without renaming anything; starting renames them', async () => {
    const input = await inputFile('renaming.txt', ['one', 'two']);
    const output = join(h.dir, 'renaming.jsonl');
    await h.finished((await h.ok('job:start', job(input, output))).jobId);
    // As a run stopped right after its last checkpoint line: every file complete, under its staged name.
    const info = await h.ok('model:info', {});
    if (!info) throw new Error('no model loaded');
    const identity = await runIdentity(input, {}, info, 'jsonl');
    for (const path of [output, `${output}.skipped.jsonl`]) await rename(path, `${path}.partial`);
    await writeFile(
      `${output}.checkpoint`,
      `${JSON.stringify({ version: 1, identity })}\n${JSON.stringify({ finishing: ['renaming.jsonl', 'renaming.jsonl.skipped.jsonl'] })}\n`,
    );
    const before = (await readdir(h.dir)).sort();

    expect(await h.ok('output:unfinished', { input, output })).toEqual({
      input,
      sameInput: true,
      complete: true,
      model: TINY.name,
    });
    expect((await readdir(h.dir)).sort()).toEqual(before);

    expect(await failure('job:start', job(input, output, { resume: true }))).toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: expect.stringContaining('is complete'),
    });
    expect(await readJsonl(output)).toHaveLength(2);
    expect(await h.ok('output:unfinished', { input, output })).toBeNull();
  });

  it('starts over from the first line with overwrite, and does not remember that choice', async () => {
    const { input, output, lines } = await failedRun('started-over');
    const final = await h.finished((await h.ok('job:start', job(input, output, { overwrite: true }))).jobId);
    expect(final.summary).toMatchObject({ resumedAfterLine: 0, stats: { lines: 300, embedded: 298 } });
    expect(await readJsonl(output)).toHaveLength(lines.filter(Boolean).length);
    expect(await h.ok('output:unfinished', { input, output })).toBeNull();
    expect((await h.ok('settings:get', {})).job.overwrite).toBeUndefined();
  });

  it('fails a resume whose model differs, naming the difference and keeping the unfinished run', async () => {
    const { input, output, afterLine } = await failedRun('other-model');
    const otherModel = await testModelPath({ ...TINY, name: 'tiny-other', seed: 99 });
    await h.ok('model:load', { path: otherModel, gpu: 'cpu', threads: 2, contextSize: 64 });
    const final = await h.finished((await h.ok('job:start', job(input, output, { resume: true }))).jobId);
    expect(final).toMatchObject({
      status: 'failed',
      error: { code: 'RESUME_REFUSED', message: expect.stringContaining('another model file') },
    });
    expect(await h.ok('output:unfinished', { input, output })).toMatchObject({ sameInput: true, lastLine: afterLine });
    await loadTiny();
  });
});
