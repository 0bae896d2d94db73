import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exactNearest } from '#core/search/exactSearch';
import { neighboursOf } from '#core/search/neighbours';
import { buildOutputIndex, expansionSearchFor, indexInfoPath, indexState, OutputIndex } from '#core/search/outputIndex';
import { readRunRecord } from '#core/runRecord';
import type { OutputFormat } from '#shared/engine';
import { outputIndexInfoSchema } from '#shared/outputIndex';
import { tempDir } from '../support/files';
import { clusteredVectors, writeVectorOutput, type VectorRow } from '../support/vectorOutputs';

const dir = await tempDir();
const DIMENSIONS = 384;

/** `count` rows of clustered vectors, every 10th input line skipped (so lines and rows differ). */
function clusteredRows(count: number, seed: number): VectorRow[] {
  const vectors = clusteredVectors(count, DIMENSIONS, 30, seed);
  return Array.from({ length: count }, (_, row) => ({
    line: row + 1 + Math.floor(row / 9),
    text: `text of row ${row}`,
    embedding: vectors.slice(row * DIMENSIONS, (row + 1) * DIMENSIONS),
  }));
}

async function output(name: string, format: OutputFormat, rows: readonly VectorRow[]): Promise<string> {
  const path = join(dir, `${name}.${format}`);
  await writeVectorOutput(path, format, rows);
  return path;
}

describe('the index of an output', () => {
  it('finds at least 95% of the 10 nearest rows that exact search finds, on 3,000 clustered rows', async () => {
    const rows = clusteredRows(3000, 11);
    const path = await output('recall', 'npy', rows);
    const progress: number[] = [];

    const info = await buildOutputIndex(path, { onProgress: ({ rowsDone }) => progress.push(rowsDone) });

    expect(info).toMatchObject({
      rows: 3000,
      dimensions: DIMENSIONS,
      metric: 'cos',
      quantization: 'f16',
      expansionSearch: 64,
    });
    expect(progress.at(-1)).toBe(3000);
    const state = await indexState(path);
    expect(state.state).toBe('fresh');
    if (state.state !== 'fresh') return;
    const index = await OutputIndex.open(path, state.info);
    const record = await readRunRecord(path);
    let found = 0;
    const queries = rows.filter((_, i) => i % 60 === 0);
    for (const query of queries) {
      const exact = await exactNearest(path, record, query.embedding, 10);
      const approximate = new Set(index.search(query.embedding, 10).map((match) => rows[match.place]?.line));
      found += exact.filter((hit) => approximate.has(hit.line)).length;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
  });

  it('writes the index and its description together, checked by the schema, and leaves nothing when cancelled', async () => {
    const path = await output('staged', 'jsonl', clusteredRows(1500, 12));
    const abort = new AbortController();

    const cancelled = await buildOutputIndex(path, {
      signal: abort.signal,
      onProgress: ({ rowsDone }) => rowsDone > 0 && abort.abort(),
    }).catch((error: unknown) => error);

    expect(cancelled).toMatchObject({
      code: 'CANCELLED',
      message: `The index of ${path} was cancelled before it was built.`,
    });
    expect((await readdir(dir)).filter((name) => name.startsWith('staged.jsonl.index'))).toEqual([]);
    expect(await indexState(path)).toEqual({ state: 'missing' });

    await buildOutputIndex(path);
    expect((await readdir(dir)).filter((name) => name.startsWith('staged.jsonl.index')).sort()).toEqual([
      'staged.jsonl.index',
      'staged.jsonl.index.json',
    ]);
    const info = outputIndexInfoSchema.parse(JSON.parse(await readFile(indexInfoPath(path), 'utf8')));
    expect(info.indexSize).toBeGreaterThan(1500 * DIMENSIONS * 2);
  });

  it('is stale once its output changes, and search then reads every row and says so', async () => {
    const rows = clusteredRows(500, 13);
    const path = await output('stale', 'parquet', rows);
    await buildOutputIndex(path);
    const fresh = await neighboursOf({ output: path, row: { line: 5 }, top: 5 });

    // The same rows, the 2nd of them moved to the 5th's place: an output written again.
    const changed = rows.map((row, i) => (i === 1 ? { ...row, embedding: rows[4]?.embedding ?? row.embedding } : row));
    await writeVectorOutput(path, 'parquet', changed);
    const notices: string[] = [];

    expect((await indexState(path)).state).toBe('stale');
    const exact = await neighboursOf({
      output: path,
      row: { line: 5 },
      top: 5,
      onNotice: (text) => notices.push(text),
    });

    expect(notices).toEqual([
      `${path} has changed since its index was built: its index is not used, every row is read instead. Build the index again to use it.`,
    ]);
    expect(exact[0]).toMatchObject({ line: 2, text: 'text of row 1' });
    expect(exact[0]?.score).toBeCloseTo(1, 5);
    expect(fresh.map((hit) => hit.line)).not.toContain(5);
  });

  it('weighs more candidates when searching a larger index: twice for each doubling of the rows past 125,000', () => {
    expect([1, 100_000, 125_000, 125_001, 250_000, 1_000_000, 10_000_000].map(expansionSearchFor)).toEqual([
      64, 64, 64, 128, 128, 512, 1024,
    ]);
  });

  it('is stale when an earlier version built it (keyed by line, not by row), and says so', async () => {
    const path = await output('older', 'jsonl', clusteredRows(50, 17));
    await buildOutputIndex(path);
    const info = JSON.parse(await readFile(indexInfoPath(path), 'utf8')) as Record<string, unknown>;
    await writeFile(indexInfoPath(path), JSON.stringify({ ...info, version: 1 }));

    expect(await indexState(path)).toEqual({
      state: 'stale',
      reason: `${indexInfoPath(path)} was built by an earlier version of Embedding Studio`,
    });
  });
});
