import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { runDuplicates } from '../../src/cli/commands/explore';
import { MAP_PREVIEW_CHARS } from '#host/explore';
import { MAX_SHOWN_GROUP_ROWS, requestSchemas } from '#shared/contract';
import { clusteredVectors, writeVectorOutput, type VectorRow } from '../support/vectorOutputs';
import { serviceHarness } from './serviceHarness';

const h = await serviceHarness();
const DIMENSIONS = 16;
const LONG = `a long text ${'of many words '.repeat(20)}`.trim();

/**
 * `rows` rows at lines 1 to `rows`, of distinct texts in 60 loose clusters (no two alike at 0.95), but for the planted
 * duplicates: row 100 is a copy of row 5 (text and vector), row 110 row 20 with a word changed and its vector moved a
 * little.
 */
async function planted(name: string, rows = 120): Promise<string> {
  const vectors = clusteredVectors(rows, DIMENSIONS, 60, 5);
  const written: VectorRow[] = Array.from({ length: rows }, (_, row) => ({
    line: row + 1,
    text: row === 5 ? LONG : `distinct row number ${row}`,
    embedding: vectors.slice(row * DIMENSIONS, (row + 1) * DIMENSIONS),
  }));
  const copy = (to: number, from: number, text: string, nudge: number): void => {
    const source = written[from];
    if (!source) throw new Error('too few rows');
    written[to] = {
      line: to + 1,
      text,
      embedding: source.embedding.map((value, i) => value + (i % 3 === 0 ? nudge : 0)),
    };
  };
  if (rows > 110) {
    copy(100, 5, LONG, 0);
    copy(110, 20, 'distinct row number 20, changed', 0.02);
  }
  const path = join(h.dir, `${name}.jsonl`);
  await writeVectorOutput(path, 'jsonl', written);
  return path;
}

const exists = (path: string): Promise<boolean> =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('the index in the host', () => {
  it('says an output has no index, builds it with progress events, then says it is fresh', async () => {
    const output = await planted('indexed');
    expect((await h.ok('explore:open', { output })).index).toEqual({ state: 'missing' });
    const since = h.events.length;

    const state = await h.ok('explore:index', { output });

    expect(state).toEqual({ state: 'fresh', rows: 120, builtAt: expect.any(String) as string });
    const progress = h.of('explore:indexProgress', since).map(({ payload }) => payload);
    expect(progress[0]).toEqual({ output, done: 0, total: 120 });
    expect(progress.at(-1)).toEqual({ output, done: 120, total: 120 });
    expect((await h.ok('explore:open', { output })).index).toEqual(state);
    expect(await exists(`${output}.index`)).toBe(true);
  });

  it('says why an index is stale once its output has been written again', async () => {
    const output = await planted('rewritten');
    await h.ok('explore:index', { output });
    await planted('rewritten', 60);

    expect((await h.ok('explore:open', { output })).index).toEqual({
      state: 'stale',
      reason: `${output} has changed since its index was built`,
    });
  });

  it('stops a build on explore:cancel, leaving no index', async () => {
    const output = await planted('cancelled-index', 20_000);
    const reply = h.service.handle('explore:index', { output });
    await h.waitFor('explore:indexProgress', (progress) => progress.output === output && progress.done > 0);

    expect(await h.ok('explore:cancel', {})).toBeNull();

    expect(await reply).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect((await h.ok('explore:open', { output })).index).toEqual({ state: 'missing' });
    expect(await exists(`${output}.index`)).toBe(false);
  });
});

describe('duplicates in the host', () => {
  it('counts the planted groups and shows their rows’ lines and texts, with progress events', async () => {
    const output = await planted('duplicates');
    const since = h.events.length;

    const found = await h.ok('explore:duplicates', { output, threshold: 0.95 });

    expect(found).toEqual({
      output,
      threshold: 0.95,
      groups: 2,
      exactGroups: 1,
      rowsInGroups: 4,
      rowsToKeep: 118,
      shown: [
        {
          size: 2,
          minScore: 1,
          exact: true,
          rows: [5, 100].map((place) => ({
            place,
            line: place + 1,
            text: `${Array.from(LONG)
              .slice(0, MAP_PREVIEW_CHARS - 1)
              .join('')}…`,
          })),
        },
        {
          size: 2,
          minScore: expect.any(Number) as number,
          exact: false,
          rows: [
            { place: 20, line: 21, text: 'distinct row number 20' },
            { place: 110, line: 111, text: 'distinct row number 20, changed' },
          ],
        },
      ],
    });
    expect(found.shown[1]?.minScore).toBeGreaterThanOrEqual(0.95);
    expect(found.shown[1]?.minScore).toBeLessThan(1);
    const phases = h.of('explore:duplicatesProgress', since).map(({ payload }) => payload.phase);
    expect(new Set(phases)).toEqual(new Set(['index', 'groups']));
    expect(h.of('explore:duplicatesProgress', since).at(-1)?.payload).toEqual({
      output,
      phase: 'groups',
      done: 120,
      total: 120,
    });
  });

  it('exports the groups and the rows to keep as the command line writes them, without finding them again', async () => {
    const output = await planted('exported');
    const groupsFile = join(h.dir, 'groups.jsonl');
    const keepFile = join(h.dir, 'keep.txt');
    await h.ok('explore:duplicates', { output, threshold: 0.95 });
    const since = h.events.length;

    expect(
      await h.ok('explore:exportDuplicates', { output, threshold: 0.95, what: 'groups', path: groupsFile }),
    ).toEqual({ path: groupsFile });
    expect(await h.ok('explore:exportDuplicates', { output, threshold: 0.95, what: 'keep', path: keepFile })).toEqual({
      path: keepFile,
    });
    // No dialogs here (serve mode): a request without a path writes nothing.
    expect(await h.ok('explore:exportDuplicates', { output, threshold: 0.95, what: 'keep', path: null })).toEqual({
      path: null,
    });

    expect(h.of('explore:duplicatesProgress', since)).toEqual([]);
    const groups = (await readFile(groupsFile, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown);
    expect(groups).toEqual([
      { lines: [6, 101], min_score: 1, exact: true },
      { lines: [21, 111], min_score: expect.any(Number) as number, exact: false },
    ]);
    const kept = Array.from({ length: 120 }, (_, row) => row + 1).filter((line) => line !== 101 && line !== 111);
    expect(await readFile(keepFile, 'utf8')).toBe(kept.map((line) => `${line}\n`).join(''));
    const cliGroups = join(h.dir, 'cli-groups.jsonl');
    const cliKeep = join(h.dir, 'cli-keep.txt');
    const printed = vi.spyOn(process.stdout, 'write').mockReturnValue(true);
    try {
      await runDuplicates({ embeddings: output, threshold: 0.95, json: true, groups: cliGroups, keep: cliKeep });
    } finally {
      printed.mockRestore();
    }
    expect(await readFile(groupsFile, 'utf8')).toBe(await readFile(cliGroups, 'utf8'));
    expect(await readFile(keepFile, 'utf8')).toBe(await readFile(cliKeep, 'utf8'));
  });

  it('finds the duplicates again to export them at another threshold', async () => {
    const output = await planted('rethreshold');
    const keepFile = join(h.dir, 'keep-loose.txt');
    await h.ok('explore:duplicates', { output, threshold: 0.95 });
    const since = h.events.length;

    await h.ok('explore:exportDuplicates', { output, threshold: 0.999, what: 'keep', path: keepFile });

    expect(h.of('explore:duplicatesProgress', since).length).toBeGreaterThan(0);
    const kept = Array.from({ length: 120 }, (_, row) => row + 1).filter((line) => line !== 101);
    expect(await readFile(keepFile, 'utf8')).toBe(kept.map((line) => `${line}\n`).join(''));
  });

  it('finds them again to export them once the output has been written again', async () => {
    const output = await planted('rewritten-duplicates');
    const keepFile = join(h.dir, 'keep-rewritten.txt');
    await h.ok('explore:duplicates', { output, threshold: 0.95 });
    await planted('rewritten-duplicates', 60);

    await h.ok('explore:exportDuplicates', { output, threshold: 0.95, what: 'keep', path: keepFile });

    expect(await readFile(keepFile, 'utf8')).toBe(Array.from({ length: 60 }, (_, row) => `${row + 1}\n`).join(''));
  });

  it('runs one long work at a time: building the index stops the duplicates being found', async () => {
    const output = await planted('one-at-a-time', 20_000);
    const finding = h.service.handle('explore:duplicates', { output, threshold: 0.95 });
    await h.waitFor('explore:duplicatesProgress', (progress) => progress.output === output && progress.done > 0);

    const indexed = await h.ok('explore:index', { output });

    expect(await finding).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
    expect(indexed).toMatchObject({ state: 'fresh', rows: 20_000 });
  });

  it('shows at most MAX_SHOWN_GROUP_ROWS rows of a group, counting them all', async () => {
    const output = join(h.dir, 'same.jsonl');
    const vector = clusteredVectors(1, DIMENSIONS, 1, 3);
    await writeVectorOutput(
      output,
      'jsonl',
      Array.from({ length: 30 }, (_, row) => ({ line: row + 1, text: 'the same text', embedding: vector })),
    );

    const found = await h.ok('explore:duplicates', { output, threshold: 0.95 });

    expect(found).toMatchObject({ groups: 1, exactGroups: 1, rowsInGroups: 30, rowsToKeep: 1 });
    expect(found.shown[0]?.size).toBe(30);
    expect(found.shown[0]?.rows.map((row) => row.line)).toEqual(
      Array.from({ length: MAX_SHOWN_GROUP_ROWS }, (_, row) => row + 1),
    );
  });

  it('stops on explore:cancel', async () => {
    const output = await planted('cancelled-duplicates', 20_000);
    const reply = h.service.handle('explore:duplicates', { output, threshold: 0.95 });
    await h.waitFor('explore:duplicatesProgress', (progress) => progress.output === output && progress.done > 0);

    expect(await h.ok('explore:cancel', {})).toBeNull();

    expect(await reply).toMatchObject({ ok: false, error: { code: 'CANCELLED' } });
  });

  it('refuses a threshold out of 0 to 1, and an export of anything but groups or the rows to keep', () => {
    const schema = requestSchemas['explore:duplicates'];
    expect(schema.safeParse({ output: 'out.jsonl', threshold: 1.5 }).success).toBe(false);
    expect(schema.safeParse({ output: 'out.jsonl', threshold: -0.1 }).success).toBe(false);
    expect(schema.safeParse({ output: 'out.jsonl', threshold: 0.9 }).success).toBe(true);
    const exporting = requestSchemas['explore:exportDuplicates'];
    expect(exporting.safeParse({ output: 'o.jsonl', threshold: 0.9, what: 'all', path: 'x' }).success).toBe(false);
    expect(exporting.safeParse({ output: 'o.jsonl', threshold: 0.9, what: 'keep', path: 'x' }).success).toBe(true);
  });
});
