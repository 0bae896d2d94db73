import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects, parquetSchema, parquetMetadataAsync } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/files';
import { clusteredVectors, writeVectorOutput } from '../support/vectorOutputs';
import { expectError, runCli } from './runCli';

const dir = await tempDir();

interface MapRow {
  line: bigint;
  text: string;
  projection_x: number;
  projection_y: number;
  cluster: number;
  cluster_label: string;
  neighbors: { ids: bigint[]; distances: number[] };
}

describe('embedding-studio export-map', () => {
  it('writes one row per row with its place, cluster, label and its K nearest rows by row number, nearest first', async () => {
    const vectors = clusteredVectors(300, 32, 6, 4);
    const rows = Array.from({ length: 300 }, (_, row) => ({
      line: row + 1 + Math.floor(row / 10),
      text: `row number ${row}`,
      embedding: vectors.slice(row * 32, (row + 1) * 32),
    }));
    const output = join(dir, 'mapped.parquet');
    await writeVectorOutput(output, 'parquet', rows);
    const target = join(dir, 'map.parquet');

    const result = await runCli([
      'export-map',
      '--embeddings',
      output,
      '--output',
      target,
      '--neighbors',
      '5',
      '--json',
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ output: target, rows: 300, clusters: 12 });
    const file = await asyncBufferFromFile(target);
    const metadata = await parquetMetadataAsync(file);
    expect(parquetSchema(metadata).children.map((column) => column.element.name)).toEqual([
      'line',
      'text',
      'projection_x',
      'projection_y',
      'cluster',
      'cluster_label',
      'neighbors',
    ]);
    const read = (await parquetReadObjects({ file })) as unknown as MapRow[];
    expect(read.map((row) => Number(row.line))).toEqual(rows.map((row) => row.line));
    expect(read.map((row) => row.text)).toEqual(rows.map((row) => row.text));
    for (const [at, row] of read.entries()) {
      expect(Number.isFinite(row.projection_x) && Number.isFinite(row.projection_y)).toBe(true);
      expect(row.cluster_label).not.toBe('');
      expect(row.neighbors.ids).toHaveLength(5);
      expect(row.neighbors.ids.map(Number)).not.toContain(at);
      expect(row.neighbors.distances).toEqual([...row.neighbors.distances].sort((a, b) => a - b));
      // Each id is a row of this file, the distance the cosine distance between the two rows' vectors.
      const [first = 0n] = row.neighbors.ids;
      const a = rows[at]?.embedding ?? new Float32Array();
      const b = rows[Number(first)]?.embedding ?? new Float32Array();
      const cosine = a.reduce((sum, value, i) => sum + value * (b[i] ?? 0), 0);
      expect(row.neighbors.distances[0]).toBeCloseTo(1 - cosine, 2);
    }

    expectError(
      await runCli(['export-map', '--embeddings', output, '--output', target]),
      4,
      `Output ${target} already exists.`,
      'Choose another --output path, or pass --overwrite to replace it.',
    );
  });

  it('needs --embeddings and --output', async () => {
    const output = join(dir, 'none.parquet');
    await writeFile(output, '');
    expectError(
      await runCli(['export-map', '--embeddings', output]),
      2,
      'export-map needs --output',
      'For example: export-map --embeddings embeddings.parquet --output map.parquet',
    );
  });
});
