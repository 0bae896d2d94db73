import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDuplicates } from '#core/search/duplicates';
import { neighboursOf } from '#core/search/neighbours';
import { buildOutputIndex } from '#core/search/outputIndex';
import type { OutputFormat } from '#shared/engine';
import { tempDir } from '../support/files';
import { clusteredVectors, random, writeVectorOutput, type VectorRow } from '../support/vectorOutputs';

const dir = await tempDir();
const DIMENSIONS = 64;

/** 300 clustered rows at lines 1-330, every 11th line skipped; rows of one cluster are about 0.7 alike. */
function rows(): VectorRow[] {
  const vectors = clusteredVectors(300, DIMENSIONS, 10, 21);
  return Array.from({ length: 300 }, (_, row) => ({
    line: row + 1 + Math.floor(row / 10),
    text: `distinct text number ${row}`,
    embedding: vectors.slice(row * DIMENSIONS, (row + 1) * DIMENSIONS),
  }));
}

/** `vector` moved a little: about 0.98 alike. */
function nudged(vector: Float32Array, seed: number): Float32Array {
  const next = random(seed);
  const moved = vector.map((value) => value + (next() - 0.5) * 0.05);
  const norm = Math.hypot(...moved);
  return moved.map((value) => value / norm);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i += 1) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot / (Math.hypot(...a) * Math.hypot(...b));
}

let outputs = 0;
async function output(format: OutputFormat, written: readonly VectorRow[]): Promise<string> {
  const path = join(dir, `out-${(outputs += 1)}.${format}`);
  await writeVectorOutput(path, format, written);
  return path;
}

describe('neighbours', () => {
  it.for(['jsonl', 'npy', 'parquet'] as const)(
    'are the rows nearest to a row, itself left out, the same with and without the index (%s)',
    async (format) => {
      const written = rows();
      const path = await output(format, written);
      const row = written[40];

      const exact = await neighboursOf({ output: path, row: { line: row?.line ?? 0 }, top: 5 });
      await buildOutputIndex(path);
      const indexed = await neighboursOf({ output: path, row: { line: row?.line ?? 0 }, top: 5 });

      expect(exact).toHaveLength(5);
      expect(exact.map((hit) => hit.line)).not.toContain(row?.line);
      expect(indexed.map((hit) => hit.line)).toEqual(exact.map((hit) => hit.line));
      for (const hit of exact) {
        const other = written.find((candidate) => candidate.line === hit.line);
        expect(hit.text).toBe(other?.text);
        expect(hit.score).toBeCloseTo(
          cosine(row?.embedding ?? new Float32Array(), other?.embedding ?? new Float32Array()),
          4,
        );
      }
    },
  );

  it('refuses a line that is no row of the output, naming the line and the file', async () => {
    const path = await output('jsonl', rows());

    await expect(neighboursOf({ output: path, row: { line: 11 }, top: 5 })).rejects.toMatchObject({
      code: 'LINE_NOT_IN_OUTPUT',
      message: `Line 11 is not a row of ${path}: that line was not embedded (the skip log says why).`,
      remedy: { kind: 'chooseRowLine', last: 329 },
    });
    await expect(neighboursOf({ output: path, row: { line: 400 }, top: 5 })).rejects.toMatchObject({
      code: 'LINE_NOT_IN_OUTPUT',
      message: `Line 400 is not a row of ${path}: its input has 329 lines.`,
    });
  });
});

describe('duplicates', () => {
  it.for([
    ['jsonl', false],
    ['parquet', true],
    ['npy', false],
  ] as const)(
    'groups rows of the same text first, then near-duplicates, and keeps distinct rows apart (%s, index: %s)',
    async ([format, indexed]) => {
      const written = rows();
      const [a, b, c] = [written[3], written[120], written[200]];
      if (!a || !b || !c) throw new Error('too few rows');
      // Row 120 becomes a copy of row 3 (same text, same vector); row 200, row 50 with one word changed.
      written[120] = { ...b, text: a.text, embedding: a.embedding };
      const near = written[50];
      if (!near) throw new Error('too few rows');
      written[200] = { ...c, text: near.text.replace('distinct', 'different'), embedding: nudged(near.embedding, 5) };
      const nearScore = cosine(near.embedding, written[200]?.embedding ?? new Float32Array());
      expect(nearScore).toBeGreaterThan(0.96);
      const path = await output(format, written);
      if (indexed) await buildOutputIndex(path);

      const { groups, keep } = await findDuplicates({ output: path, threshold: 0.95 });

      expect(groups).toEqual([
        { places: [3, 120], lines: [a.line, b.line], minScore: 1, exact: true },
        {
          places: [50, 200],
          lines: [near.line, c.line],
          minScore: expect.closeTo(nearScore, 2) as number,
          exact: false,
        },
      ]);
      expect(keep).toEqual(
        written.filter((row) => row.line !== b.line && row.line !== c.line).map((row) => ({ line: row.line })),
      );
    },
  );

  it('joins rows into one group through each pair at the threshold, its lowest score the weakest pair', async () => {
    const written = rows();
    const first = written[10];
    if (!first) throw new Error('too few rows');
    // A chain: 10 ~ 11 ~ 12, each a nudge of the one before.
    const second = nudged(first.embedding, 7);
    const third = nudged(second, 8);
    written[11] = { ...written[11], embedding: second };
    written[12] = { ...written[12], embedding: third };
    const path = await output('jsonl', written);

    const { groups } = await findDuplicates({ output: path, threshold: 0.95 });

    const weakest = Math.min(cosine(first.embedding, second), cosine(second, third));
    expect(groups).toHaveLength(1);
    expect(groups[0]?.lines).toEqual([written[10]?.line, written[11]?.line, written[12]?.line]);
    expect(groups[0]?.minScore).toBeLessThanOrEqual(weakest + 0.002);
    expect(groups[0]?.minScore).toBeGreaterThanOrEqual(0.95);
  });
});
