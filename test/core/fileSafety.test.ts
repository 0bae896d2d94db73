import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, runIdentity, type RunIdentity } from '#core/checkpoint';
import { runEmbedJob, type EmbedJobOptions } from '#core/embedJob';
import { EmbeddingModel } from '#core/model';
import { readJsonl, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

const dir = await tempDir();
let model: EmbeddingModel;
beforeAll(async () => {
  model = await EmbeddingModel.load(await testModelPath(TINY), { threads: 2, contextSize: 64 });
});
afterAll(() => model.dispose());

const TEXTS = ['first text', 'second text', 'third text'];

let runs = 0;
/** A folder of its own with a three-line input, a victim file outside the run's names, and the output path. */
async function setUp(
  name: string,
  outputName = 'out.jsonl',
): Promise<{ folder: string; input: string; output: string; victim: string }> {
  const folder = join(dir, `${name}-${(runs += 1)}`);
  await mkdir(folder);
  const input = join(folder, 'input.txt');
  await writeFile(input, `${TEXTS.join('\n')}\n`);
  const victim = join(folder, 'victim.txt');
  await writeFile(victim, 'precious');
  // An old modification time, so that a write to it would show.
  await utimes(victim, 1_000_000, 1_000_000);
  return { folder, input, output: join(folder, outputName), victim };
}

function job(options: Partial<EmbedJobOptions> & { input: string; output: string }): ReturnType<typeof runEmbedJob> {
  return runEmbedJob({ model, ...options, batch: { batchSize: 2, progressIntervalMs: 0 } });
}

async function expectUntouched(victim: string): Promise<void> {
  expect(await readFile(victim, 'utf8')).toBe('precious');
  expect((await stat(victim)).mtimeMs).toBe(1_000_000_000);
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

describe('a run touches only files of its own', () => {
  const sidePaths = [
    ['the output', (output: string) => `${output}.partial`],
    ['the skip log', (output: string) => `${output}.skipped.jsonl.partial`],
    ['the checkpoint', (output: string) => `${output}.checkpoint`],
    ['the run record', (output: string) => `${output}.run.json.partial`],
  ] as const;

  it.each(sidePaths)(
    'refuses a link planted at the staged file of %s, with or without overwrite, and never writes through it',
    async (_what, side) => {
      const { input, output, victim } = await setUp('link');
      await symlink(victim, side(output));
      for (const overwrite of [false, true]) {
        await expect(job({ input, output, overwrite })).rejects.toMatchObject({
          code: 'OUTPUT_EXISTS',
          message: expect.stringMatching(
            new RegExp(`^(Output )?${side(output)} is a symbolic link, not a regular file`),
          ),
        });
        await expectUntouched(victim);
        expect(lstatSync(side(output)).isSymbolicLink()).toBe(true);
        expect(existsSync(output)).toBe(false);
      }
    },
  );

  it('refuses a link planted at the .npy line numbers’ staged file and at the final output', async () => {
    const npy = await setUp('npy-link', 'out.npy');
    await symlink(npy.victim, join(npy.folder, 'out.lines.npy.partial'));
    await expect(job({ input: npy.input, output: npy.output, overwrite: true })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
    });
    await expectUntouched(npy.victim);

    const final = await setUp('final-link');
    await symlink(final.victim, final.output);
    await expect(job({ ...final, overwrite: true })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: `Output ${final.output} is a symbolic link, not a regular file: a run only ever replaces regular files.`,
    });
    await expectUntouched(final.victim);
    expect(lstatSync(final.output).isSymbolicLink()).toBe(true);
  });

  it('refuses a side file that is not its own unless told to overwrite, then replaces it with a file of its own', async () => {
    const { input, output } = await setUp('foreign');
    const partial = `${output}.partial`;
    await writeFile(partial, 'my own notes');
    await expect(job({ input, output })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: `${partial} already exists and is not from a run of this output.`,
      remedy: { kind: 'moveAwayOrOverwrite' },
    });
    expect(await readFile(partial, 'utf8')).toBe('my own notes');
    await job({ input, output, overwrite: true });
    expect((await readJsonl(output)).map((row) => row.text)).toEqual(TEXTS);
    expect(existsSync(partial)).toBe(false);
  });

  it('refuses a named pipe at the output even with overwrite, and one given as input or model with its own message', async () => {
    const { folder, input, output } = await setUp('fifo');
    mkfifo(output);
    await expect(job({ input, output, overwrite: true })).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: `Output ${output} is a named pipe (FIFO), not a regular file: a run only ever replaces regular files.`,
    });
    expect(lstatSync(output).isFIFO()).toBe(true);

    const pipe = join(folder, 'pipe.txt');
    mkfifo(pipe);
    await expect(job({ input: pipe, output: join(folder, 'other.jsonl') })).rejects.toMatchObject({
      code: 'NOT_A_FILE',
      message: `Input file ${pipe} is a named pipe (FIFO), not a regular file.`,
      remedy: { kind: 'chooseFile', role: 'input', found: 'other' },
    });
    await expect(EmbeddingModel.load(pipe, { threads: 1 })).rejects.toMatchObject({
      code: 'NOT_A_FILE',
      message: `Model file ${pipe} is a named pipe (FIFO), not a regular file.`,
    });
  });
});

describe('the output is never the input', () => {
  it('refuses the input reached through a linked folder, a hard link, or as a side file, even with overwrite', async () => {
    const { folder, input } = await setUp('same');
    const alias = join(dir, `alias-${runs}`);
    await symlink(folder, alias);
    const before = await readFile(input, 'utf8');
    await expect(
      job({ input, output: join(alias, 'input.txt'), format: 'jsonl', overwrite: true }),
    ).rejects.toMatchObject({
      code: 'OUTPUT_IS_INPUT',
      message: `Output ${join(alias, 'input.txt')} is the input file (the same file on the disk as ${input}).`,
    });
    const hardLink = join(folder, 'linked.jsonl');
    await link(input, hardLink);
    await expect(job({ input, output: hardLink, overwrite: true })).rejects.toMatchObject({ code: 'OUTPUT_IS_INPUT' });
    // The input named as the skip log of the output.
    const skipLogInput = join(folder, 'x.jsonl.skipped.jsonl');
    await writeFile(skipLogInput, before);
    await expect(job({ input: skipLogInput, output: join(alias, 'x.jsonl'), overwrite: true })).rejects.toMatchObject({
      code: 'OUTPUT_IS_INPUT',
      message: expect.stringContaining(`${join(alias, 'x.jsonl.skipped.jsonl')} is the input file`),
    });
    expect(await readFile(input, 'utf8')).toBe(before);
    expect(await readFile(skipLogInput, 'utf8')).toBe(before);
  });
});

describe('a checkpoint is data, not instructions', () => {
  let identity: RunIdentity;
  /** A run's files as a checkpoint describes them: empty staged files, and the checkpoint's lines as given. */
  async function crafted(
    name: string,
    records: () => Array<string | object>,
  ): Promise<{ input: string; output: string; victim: string; folder: string }> {
    const files = await setUp(name);
    identity = await runIdentity(files.input, {}, model.info, 'jsonl');
    await writeFile(`${files.output}.partial`, '');
    await writeFile(`${files.output}.skipped.jsonl.partial`, '');
    const text = records()
      .map((record) => (typeof record === 'string' ? record : JSON.stringify(record)))
      .join('\n');
    await writeFile(`${files.output}.checkpoint`, `${text}\n`);
    return files;
  }
  const counts = { embedded: 0, skipped: 0, failed: 0, truncated: 0, tokens: 0, characters: 0, skippedByReason: {} };
  const mark = (overrides: object = {}): object => ({
    lastLine: 0,
    sizes: { 'out.jsonl': 0, 'out.jsonl.skipped.jsonl': 0 },
    counts,
    ...overrides,
  });
  const head = (): object => ({ version: 1, identity });

  async function expectInvalid(files: { input: string; output: string }, reason: RegExp): Promise<void> {
    const expected = {
      code: 'CHECKPOINT_INVALID',
      message: expect.stringMatching(
        new RegExp(
          `^The checkpoint ${files.output}\\.checkpoint is not one a run of ${files.output} wrote: ${reason.source}`,
        ),
      ),
      remedy: { kind: 'replaceCheckpoint' },
    };
    await expect(readCheckpoint(files.output)).rejects.toMatchObject(expected);
    await expect(job({ ...files, resume: true })).rejects.toMatchObject(expected);
  }

  it('refuses a finishing list that names any file but the output’s own, and moves nothing', async () => {
    const files = await crafted('traversal', () => []);
    await writeFile(join(files.folder, 'victim.txt.partial'), 'planted');
    for (const finishing of [
      ['../victim.txt', 'out.jsonl.skipped.jsonl'],
      ['victim.txt', 'out.jsonl.skipped.jsonl'],
      ['out.jsonl'],
      ['out.jsonl', 'out.jsonl.skipped.jsonl', 'victim.txt'],
    ]) {
      await writeFile(`${files.output}.checkpoint`, `${JSON.stringify(head())}\n${JSON.stringify({ finishing })}\n`);
      await expectInvalid(
        files,
        /line 2 names files other than out\.jsonl, out\.jsonl\.skipped\.jsonl, out\.jsonl\.run\.json\.$/,
      );
    }
    await expectUntouched(files.victim);
    expect(await readFile(join(files.folder, 'victim.txt.partial'), 'utf8')).toBe('planted');
    expect(existsSync(files.output)).toBe(false);
  });

  it('refuses a malformed identity, wrong types, non-numbers and foreign file names in sizes', async () => {
    await expectInvalid(await crafted('bad-json', () => ['{"version":1,"identity":', mark()]), /line 1 is not JSON/);
    const wrongType = await crafted('wrong-type', () => []);
    await writeFile(
      `${wrongType.output}.checkpoint`,
      `${JSON.stringify({ version: 1, identity: { ...identity, input: { ...identity.input, size: '12' } } })}\n`,
    );
    await expectInvalid(wrongType, /its first line is not a run's identity/);
    await writeFile(
      `${wrongType.output}.checkpoint`,
      `${JSON.stringify({ version: 1, identity: { ...identity, input: { ...identity.input, mtimeMs: 1e300 } } })}\n`,
    );
    await expectInvalid(wrongType, /its first line is not a run's identity/);
    await expectInvalid(
      await crafted('nan', () => [
        head(),
        mark({ sizes: { 'out.jsonl': { $number: 'NaN' }, 'out.jsonl.skipped.jsonl': 0 } }),
      ]),
      /line 2 is not a durable point/,
    );
    await expectInvalid(
      await crafted('string', () => [head(), mark({ sizes: { 'out.jsonl': '0', 'out.jsonl.skipped.jsonl': 0 } })]),
      /line 2 is not a durable point/,
    );
    await expectInvalid(
      await crafted('negative', () => [head(), mark({ lastLine: -1 })]),
      /line 2 is not a durable point/,
    );
    await expectInvalid(
      await crafted('foreign-size', () => [head(), mark({ sizes: { 'out.jsonl': 0, '../victim.txt': 0 } })]),
      /line 2 gives sizes of files other than/,
    );
  });

  it('starts over a checkpoint it cannot read when told to overwrite', async () => {
    const files = await crafted('overwrite-bad', () => ['not json at all', mark()]);
    await job({ ...files, overwrite: true });
    expect((await readJsonl(files.output)).map((row) => row.text)).toEqual(TEXTS);
    expect((await readdir(files.folder)).filter((name) => /partial|checkpoint/.test(name))).toEqual([]);
  });

  it('refuses to resume after a line past the end of the input instead of writing an empty output', async () => {
    const files = await crafted('past-end', () => [head(), mark({ lastLine: 1_000_000 })]);
    await expect(job({ ...files, resume: true })).rejects.toMatchObject({
      code: 'RESUME_REFUSED',
      message: `The unfinished run of ${files.output} cannot be resumed: its checkpoint says it is done up to line 1,000,000, but ${files.input} has 3 lines.`,
    });
    expect(existsSync(files.output)).toBe(false);
  });

  it('refuses to resume into a staged file that is a hard link to another file, leaving that file as it was', async () => {
    const files = await crafted('hard-link', () => [
      head(),
      mark({ sizes: { 'out.jsonl': 3, 'out.jsonl.skipped.jsonl': 0 } }),
    ]);
    await rm(`${files.output}.partial`);
    await link(files.victim, `${files.output}.partial`);
    await expect(job({ ...files, resume: true })).rejects.toMatchObject({
      code: 'RESUME_REFUSED',
      message: `The unfinished run cannot be resumed: ${files.output}.partial has other names (hard links), so it is not a file the run made.`,
    });
    await expectUntouched(files.victim);
  });

  it('drops a last record cut short by a crash and resumes from the one before', async () => {
    // The durable point says line 1 is done: its row (marked, to tell it from one embedded again) is kept.
    const row = `${JSON.stringify({ line: 1, text: 'row kept from before', tokens: 1, truncated: false, embedding: [1] })}\n`;
    const done = { ...counts, embedded: 1 };
    const files = await crafted('cut-short', () => [
      head(),
      mark({ lastLine: 1, sizes: { 'out.jsonl': Buffer.byteLength(row), 'out.jsonl.skipped.jsonl': 0 }, counts: done }),
    ]);
    await writeFile(`${files.output}.partial`, row);
    await writeFile(
      `${files.output}.checkpoint`,
      `${await readFile(`${files.output}.checkpoint`, 'utf8')}{"lastLine":2,"siz`,
    );
    const summary = await job({ ...files, resume: true });
    expect(summary.resumedAfterLine).toBe(1);
    expect((await readJsonl(files.output)).map((each) => each.text)).toEqual([
      'row kept from before',
      ...TEXTS.slice(1),
    ]);
  });

  it('replaces the staged files of a run killed before its first durable point without asking', async () => {
    const files = await crafted('killed-early', () => [head()]);
    await writeFile(`${files.output}.partial`, 'half a batch');
    await job(files);
    expect((await readJsonl(files.output)).map((row) => row.text)).toEqual(TEXTS);
  });

  it('reads a finished run’s checkpoint without moving anything; the next run moves the files', async () => {
    const files = await crafted('finished', () => []);
    await writeFile(`${files.output}.partial`, '{"line":1}\n');
    await writeFile(`${files.output}.run.json.partial`, '{}\n');
    const finishing = ['out.jsonl', 'out.jsonl.skipped.jsonl', 'out.jsonl.run.json'];
    await writeFile(`${files.output}.checkpoint`, `${JSON.stringify(head())}\n${JSON.stringify({ finishing })}\n`);
    const before = (await readdir(files.folder)).sort();
    expect(await readCheckpoint(files.output)).toMatchObject({
      state: 'finished',
      finalPaths: [files.output, `${files.output}.skipped.jsonl`, `${files.output}.run.json`],
    });
    expect((await readdir(files.folder)).sort()).toEqual(before);
    await expect(job(files)).rejects.toMatchObject({
      code: 'OUTPUT_EXISTS',
      message: expect.stringContaining('is complete'),
    });
    expect(await readFile(files.output, 'utf8')).toBe('{"line":1}\n');
    expect(await readFile(`${files.output}.run.json`, 'utf8')).toBe('{}\n');
    expect((await readdir(files.folder)).filter((name) => /partial|checkpoint/.test(name))).toEqual([]);
  });

  it('completes a finished run of a version that wrote no run record, whose finishing list has none', async () => {
    const files = await crafted('finished-before', () => []);
    const finishing = ['out.jsonl', 'out.jsonl.skipped.jsonl'];
    await writeFile(`${files.output}.checkpoint`, `${JSON.stringify(head())}\n${JSON.stringify({ finishing })}\n`);
    expect(await readCheckpoint(files.output)).toMatchObject({
      state: 'finished',
      finalPaths: [files.output, `${files.output}.skipped.jsonl`],
    });
    await expect(job(files)).rejects.toMatchObject({ code: 'OUTPUT_EXISTS', remedy: { kind: 'embedAgain' } });
    expect((await readdir(files.folder)).sort()).toEqual([
      'input.txt',
      'out.jsonl',
      'out.jsonl.skipped.jsonl',
      'victim.txt',
    ]);
  });
});
