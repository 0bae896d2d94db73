import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mapPath, outputMap, tokens } from '#core/search/outputMap';
import type { OutputFormat } from '#shared/engine';
import { tempDir } from '../support/files';
import { random, writeVectorOutput, type VectorRow } from '../support/vectorOutputs';

const dir = await tempDir();
const DIMENSIONS = 64;
/** One planted word per generated cluster, found in every text of it and in no other. */
const WORDS = ['harbour', 'violin', 'glacier', 'pepper', 'comet', 'tractor', 'orchid', 'falcon'];

/** `count` rows in `WORDS.length` generated clusters (their cluster returned beside them), every 7th line skipped. */
function clusteredRows(count: number, seed: number): { rows: VectorRow[]; truth: number[] } {
  const next = random(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  const centres = WORDS.map(() => Array.from({ length: DIMENSIONS }, gauss));
  const truth: number[] = [];
  const rows = Array.from({ length: count }, (_, row) => {
    const cluster = row % WORDS.length;
    truth.push(cluster);
    const embedding = Float32Array.from(centres[cluster] ?? [], (value) => value + 0.5 * gauss());
    const norm = Math.hypot(...embedding);
    return {
      line: row + 1 + Math.floor(row / 6),
      text: `the ${WORDS[cluster]} of item ${row} and some common words`,
      embedding: embedding.map((value) => value / norm),
    };
  });
  return { rows, truth };
}

async function output(name: string, format: OutputFormat, rows: readonly VectorRow[]): Promise<string> {
  const path = join(dir, `${name}.${format}`);
  await writeVectorOutput(path, format, rows);
  return path;
}

/** The adjusted Rand index of two clusterings of the same rows (1: the same partition, about 0: chance). */
function adjustedRand(a: readonly number[], b: ArrayLike<number>): number {
  const pairs = (n: number): number => (n * (n - 1)) / 2;
  const table = new Map<string, number>();
  const rowsA = new Map<number, number>();
  const rowsB = new Map<number, number>();
  a.forEach((x, i) => {
    const y = b[i] ?? -1;
    table.set(`${x},${y}`, (table.get(`${x},${y}`) ?? 0) + 1);
    rowsA.set(x, (rowsA.get(x) ?? 0) + 1);
    rowsB.set(y, (rowsB.get(y) ?? 0) + 1);
  });
  const index = [...table.values()].reduce((sum, n) => sum + pairs(n), 0);
  const sumA = [...rowsA.values()].reduce((sum, n) => sum + pairs(n), 0);
  const sumB = [...rowsB.values()].reduce((sum, n) => sum + pairs(n), 0);
  const expected = (sumA * sumB) / pairs(a.length);
  return (index - expected) / ((sumA + sumB) / 2 - expected);
}

describe('the map of an output', () => {
  it('places every row, the generated clusters apart, found by k-means and named by their planted words', async () => {
    const { rows, truth } = clusteredRows(1200, 5);
    const path = await output('map', 'jsonl', rows);
    const phases = new Set<string>();
    let preview = 0;

    // 300 of the 1,200 rows laid out by UMAP, the others placed by their nearest sampled rows.
    const map = await outputMap(path, {
      sampleSize: 300,
      clusters: WORDS.length,
      onProgress: ({ phase }) => phases.add(phase),
      onPreview: (first) => (preview = first.rows),
    });

    expect(map.rows).toBe(1200);
    expect(map.sampled).toBe(300);
    expect(preview).toBe(1200);
    expect([...phases]).toEqual(['sample', 'preview', 'layout', 'place']);
    expect(Array.from(map.lines)).toEqual(rows.map((row) => row.line));
    expect(map.coordinates.every(Number.isFinite)).toBe(true);
    // The mean distance between rows of one generated cluster is well under that between rows of two.
    let within = 0;
    let withinPairs = 0;
    let between = 0;
    let betweenPairs = 0;
    for (let i = 0; i < 1200; i += 7)
      for (let j = i + 1; j < 1200; j += 5) {
        const distance = Math.hypot(
          (map.coordinates[i * 2] ?? 0) - (map.coordinates[j * 2] ?? 0),
          (map.coordinates[i * 2 + 1] ?? 0) - (map.coordinates[j * 2 + 1] ?? 0),
        );
        if (truth[i] === truth[j]) {
          within += distance;
          withinPairs += 1;
        } else {
          between += distance;
          betweenPairs += 1;
        }
      }
    expect(within / withinPairs).toBeLessThan((0.5 * between) / betweenPairs);
    expect(adjustedRand(truth, map.clusterIds)).toBeGreaterThan(0.9);
    const named = map.clusters.map((cluster) => cluster.words[0]).sort();
    expect(named).toEqual([...WORDS].sort());
    expect(map.clusters.reduce((sum, cluster) => sum + cluster.rows, 0)).toBe(1200);
  });

  it('chooses its clusters from the row count, and is the same map made twice from the same seed', async () => {
    const { rows } = clusteredRows(400, 6);
    const path = await output('seeded', 'parquet', rows);

    const first = await outputMap(path, { sampleSize: 200, threads: 8 });
    await writeFile(mapPath(path), 'not a map');
    const again = await outputMap(path, { sampleSize: 200, threads: 8 });

    expect(first.clusters).toHaveLength(14);
    expect(Array.from(again.coordinates)).toEqual(Array.from(first.coordinates));
    expect(Array.from(again.clusterIds)).toEqual(Array.from(first.clusterIds));
  });

  it('is read from <output>.map.json while the output is unchanged, and made again once it changes', async () => {
    const { rows } = clusteredRows(240, 7);
    const path = await output('cached', 'npy', rows);
    let made = 0;
    const options = { sampleSize: 100, onProgress: () => (made += 1) };

    const first = await outputMap(path, options);
    const written = await readFile(mapPath(path), 'utf8');
    made = 0;
    const cached = await outputMap(path, options);

    expect(made).toBe(0);
    expect(Array.from(cached.coordinates)).toEqual(Array.from(first.coordinates));
    expect(cached.clusters).toEqual(first.clusters);

    await writeVectorOutput(path, 'npy', rows.slice(0, 200));
    const remade = await outputMap(path, options);

    expect(made).toBeGreaterThan(0);
    expect(remade.rows).toBe(200);
    expect(await readFile(mapPath(path), 'utf8')).not.toBe(written);
  });

  it('cuts texts into lowercase words without the commonest ones', () => {
    expect(tokens("The Harbour's boats, and 3 OLD ships: x2 of Zürich")).toEqual([
      "harbour's",
      'boats',
      'old',
      'ships',
      'x2',
      'zürich',
    ]);
  });
});
