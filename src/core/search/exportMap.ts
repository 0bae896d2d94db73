import { lstat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { SchemaElement } from 'hyparquet';
import { ParquetWriter } from 'hyparquet-writer';
import { DEFAULT_MAP_NEIGHBORS } from '#shared/outputMap';
import { cancelledError, EmbeddingError } from '../errors';
import { streamingByteWriter } from '../output/parquetWriter';
import { moveIntoPlace, StagedFile } from '../output/stagedFile';
import { readRunRecord } from '../runRecord';
import { outputMap, type MapProgress } from './outputMap';
import { freshIndex, OutputIndex } from './outputIndex';
import { readOutputRows } from './outputRows';

export interface ExportMapOptions {
  /** The embeddings file of a finished run (with its `<output>.run.json`). */
  output: string;
  /** The Parquet file to write. */
  target: string;
  /** Nearest rows listed for each row (default 15). */
  neighbors?: number;
  /** Replace `target` if it is there. */
  replace?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: MapProgress | { phase: 'index' | 'neighbors'; done: number; total: number }) => void;
  onNotice?: (message: string) => void;
}

const CHUNK_COLUMNS = ['chunk', 'char_start', 'char_end'] as const;

/** The file's columns: those of an output of chunks say which chunk of its line each row is, as the output does. */
function schemaOf(chunked: boolean): SchemaElement[] {
  const chunkColumns: SchemaElement[] = chunked
    ? CHUNK_COLUMNS.map((name) => ({ name, type: 'INT64', repetition_type: 'REQUIRED' }))
    : [];
  return [
    { name: 'root', num_children: 7 + chunkColumns.length },
    { name: 'line', type: 'INT64', repetition_type: 'REQUIRED' },
    ...chunkColumns,
    ...COLUMNS_AFTER_LINE,
  ];
}

const COLUMNS_AFTER_LINE: SchemaElement[] = [
  { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'projection_x', type: 'FLOAT', repetition_type: 'REQUIRED' },
  { name: 'projection_y', type: 'FLOAT', repetition_type: 'REQUIRED' },
  { name: 'cluster', type: 'INT32', repetition_type: 'REQUIRED' },
  { name: 'cluster_label', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'neighbors', repetition_type: 'REQUIRED', num_children: 2 },
  { name: 'ids', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 'distances', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
];

/**
 * Writes the map of `output` (see outputMap) as a Parquet file Apple's Embedding Atlas opens as it is: one row per row
 * of the output, in its order, with `line` (and in an output of chunks `chunk`, `char_start`, `char_end`), `text`, `projection_x`, `projection_y`, `cluster`, `cluster_label` and
 * `neighbors` {ids, distances}: the nearest rows by the output's index (a fresh one, else one built in memory), their
 * ids zero-based row numbers of this file as Embedding Atlas wants them (the `line` column gives their lines), their
 * cosine distances ascending. Rows are written a block at a time, under a staged name renamed at the end.
 */
export async function exportMap(options: ExportMapOptions): Promise<{ rows: number; clusters: number }> {
  const { output, signal, onProgress } = options;
  const neighbors = options.neighbors ?? DEFAULT_MAP_NEIGHBORS;
  const record = await readRunRecord(output);
  const there = await lstat(options.target).catch(() => null);
  if (there && !there.isFile())
    throw new EmbeddingError('OUTPUT_EXISTS', `${options.target} is there and is not a regular file.`, {
      kind: 'moveAwayOrChooseOutput',
    });
  if (there && !options.replace)
    throw new EmbeddingError('OUTPUT_EXISTS', `Output ${options.target} already exists.`, {
      kind: 'overwriteOrChooseOutput',
    });
  const map = await outputMap(output, { signal, onProgress });
  const chunked = record.vectors.onLong === 'chunk';
  const threads = availableParallelism();
  const index =
    (await freshIndex(output, options.onNotice)) ??
    (
      await OutputIndex.build(output, record, {
        signal,
        threads,
        onProgress: ({ rowsDone, rowsTotal }) => onProgress?.({ phase: 'index', done: rowsDone, total: rowsTotal }),
      })
    ).index;
  const file = await StagedFile.create(options.target, options.replace ?? false);
  try {
    const writer = new ParquetWriter({
      writer: streamingByteWriter(file),
      schema: schemaOf(chunked),
      createdBy: 'embedding-studio',
    });
    for await (const block of readOutputRows(output, record, { signal, texts: true })) {
      if (signal?.aborted) throw cancelledError();
      const found = index.searchMany(block.vectors, neighbors + 1, threads);
      const rows = block.lines.map((line, i) => {
        const row = block.first + i;
        const near = (found[i] ?? []).filter((match) => match.place !== row).slice(0, neighbors);
        const chunk = block.chunks?.[i];
        return {
          line: BigInt(line),
          chunk: [chunk?.index ?? 0, chunk?.charStart ?? 0, chunk?.charEnd ?? 0].map(BigInt),
          text: block.texts?.[i] ?? '',
          x: map.coordinates[row * 2] ?? 0,
          y: map.coordinates[row * 2 + 1] ?? 0,
          cluster: map.clusterIds[row] ?? 0,
          neighbors: {
            ids: near.map((match) => BigInt(match.place)),
            distances: near.map((match) => Math.max(0, 1 - match.score)),
          },
        };
      });
      await writer.write({
        rowGroupSize: rows.length,
        columnData: [
          { name: 'line', data: rows.map((row) => row.line) },
          ...(chunked ? CHUNK_COLUMNS.map((name, k) => ({ name, data: rows.map((row) => row.chunk[k] ?? 0n) })) : []),
          { name: 'text', data: rows.map((row) => row.text) },
          { name: 'projection_x', data: rows.map((row) => row.x) },
          { name: 'projection_y', data: rows.map((row) => row.y) },
          { name: 'cluster', data: rows.map((row) => row.cluster) },
          { name: 'cluster_label', data: rows.map((row) => map.clusters[row.cluster]?.label ?? '') },
          { name: 'neighbors', data: rows.map((row) => row.neighbors) },
        ].map((column) => ({ ...column, offsetIndex: false })),
      });
      onProgress?.({ phase: 'neighbors', done: block.first + block.lines.length, total: map.rows });
    }
    await writer.finish();
    await file.complete();
    await moveIntoPlace([options.target]);
  } catch (error) {
    await file.abort();
    throw error;
  }
  return { rows: map.rows, clusters: map.clusters.length };
}
