import type { RecordBatch, Vector } from 'apache-arrow';
import { cancelledError } from '../errors';
import { openFinishedTable } from './lanceWriter';
import { damaged } from './outputLines';
import { float16Value } from './precision';

/** A batch of a LanceDB output's rows, its columns read out: the ones asked for, `vectors` as their values. */
export interface LanceBatch {
  /** The place in the table of the batch's first row, from 0. */
  first: number;
  count: number;
  columns: Map<string, Vector>;
  /** Every row's numbers one after another (float16 as the values its bits stand for), `size` a row; with `vector`. */
  vectors?: { values: ArrayLike<number>; size: number };
}

/**
 * Streams the rows of a finished LanceDB output batch by batch, in the table's order (the order they were appended,
 * which is line order): LanceDB holds a few batches at a time, whatever the table's size.
 */
export async function* lanceBatches(
  output: string,
  columns: readonly string[],
  signal?: AbortSignal,
): AsyncGenerator<LanceBatch> {
  const { table, close } = await openFinishedTable(output);
  try {
    const names = new Set((await table.schema()).fields.map((field) => field.name));
    const missing = columns.find((name) => !names.has(name));
    if (missing) throw damaged(output, `it has no ${missing} column`);
    let first = 0;
    let last = 0;
    for await (const batch of table.query().select([...columns]) as AsyncIterable<RecordBatch>) {
      if (signal?.aborted) throw cancelledError();
      const read: LanceBatch = { first, count: batch.numRows, columns: new Map() };
      for (const name of columns) {
        const column = batch.getChild(name);
        if (!column) throw damaged(output, `a batch has no ${name} column`);
        read.columns.set(name, column);
      }
      const lines = read.columns.get('line');
      if (lines) {
        for (let i = 0; i < batch.numRows; i += 1) {
          const line = Number(lines.get(i));
          if (line < last) throw damaged(output, `row ${first + i + 1} is out of line order`);
          last = line;
        }
      }
      if (columns.includes('vector')) read.vectors = vectorValues(read.columns.get('vector'));
      yield read;
      first += batch.numRows;
    }
  } finally {
    await close();
  }
}

/** The numbers of a fixed-size list column, row after row. */
function vectorValues(column: Vector | undefined): { values: ArrayLike<number>; size: number } {
  const data = column?.data[0];
  const child = data?.children[0];
  const size = (data?.type as { listSize?: number } | undefined)?.listSize ?? 0;
  if (!data || !child) return { values: new Float32Array(0), size };
  const start = child.offset + data.offset * size;
  const values = (child.values as Float32Array | Uint16Array | Int8Array | Uint8Array).subarray(
    start,
    start + data.length * size,
  );
  // Float16 values arrive as their bits; no other element type a run writes is 16 bits wide.
  return { values: values instanceof Uint16Array ? Float32Array.from(values, float16Value) : values, size };
}

/** A column's values as numbers (int64 ones arrive as bigint). */
export function numbersOf(column: Vector | undefined, count: number): number[] {
  return Array.from({ length: count }, (_, i) => Number(column?.get(i)));
}

/** A column's values as strings. */
export function stringsOf(column: Vector | undefined, count: number): string[] {
  return Array.from({ length: count }, (_, i) => String(column?.get(i)));
}
