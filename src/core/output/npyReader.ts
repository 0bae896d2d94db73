import { open } from 'node:fs/promises';
import { damaged, npyHeader } from './outputLines';
import { linesPath, npyItemSize, rowsPath, type NpyDescr } from './npyWriter';
import type { RowKind } from './outputWriter';

/** Consecutive rows of a .npy output: the matrix's bytes as stored, and what each row is from its sidecar. */
export interface NpyRows {
  /** The place in the matrix of the first row, from 0. */
  first: number;
  count: number;
  /** Numbers per row. */
  columns: number;
  /** The `count` rows' bytes as stored, in a buffer of their own at offset 0 (a typed array can view it). */
  matrix: Buffer;
  /** Each row's sidecar entry: [line]; policy chunk: [line, chunk, char_start, char_end]; mean: [line, chunks]. */
  entries: number[][];
}

/**
 * Streams a .npy output's matrix (of `descr` values) with its sidecar, `rowsAtOnce(bytes of a row)` rows at a time:
 * `<name>.lines.npy` (uint32 lines), or for the policies chunk and mean `<name>.rows.npy` (int64 entries).
 */
export async function* readNpyRows(
  output: string,
  descr: NpyDescr,
  rowKind: RowKind,
  rowsAtOnce: (rowBytes: number) => number,
): AsyncGenerator<NpyRows> {
  const sidecarPath = rowKind === 'line' ? linesPath(output) : rowsPath(output);
  const entryColumns = rowKind === 'line' ? 1 : rowKind === 'chunk' ? 4 : 2;
  const entryBytes = rowKind === 'line' ? 4 : entryColumns * 8;
  const handle = await open(output, 'r');
  const sidecar = await open(sidecarPath, 'r').catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  try {
    const { shape, start } = await npyHeader(output, handle, descr);
    const { start: sidecarStart } = await npyHeader(sidecarPath, sidecar, rowKind === 'line' ? '<u4' : '<i8');
    const [rows = 0, columns = 0] = shape;
    const rowBytes = columns * npyItemSize(descr);
    const chunkRows = Math.max(1, rowsAtOnce(rowBytes));
    for (let first = 0; first < rows; first += chunkRows) {
      const count = Math.min(chunkRows, rows - first);
      const matrix = Buffer.alloc(count * rowBytes);
      const sidecarBytes = Buffer.alloc(count * entryBytes);
      const [read, entryRead] = await Promise.all([
        handle.read(matrix, 0, matrix.length, start + first * rowBytes),
        sidecar.read(sidecarBytes, 0, sidecarBytes.length, sidecarStart + first * entryBytes),
      ]);
      if (read.bytesRead < matrix.length) throw damaged(output, `it ends before its ${rows} rows`);
      if (entryRead.bytesRead < sidecarBytes.length)
        throw damaged(
          sidecarPath,
          `it has nothing for row ${first + Math.floor(entryRead.bytesRead / entryBytes) + 1}`,
        );
      const entries = Array.from({ length: count }, (_, i) =>
        rowKind === 'line'
          ? [sidecarBytes.readUInt32LE(i * 4)]
          : Array.from({ length: entryColumns }, (_, k) => Number(sidecarBytes.readBigInt64LE(i * entryBytes + 8 * k))),
      );
      yield { first, count, columns, matrix, entries };
    }
  } finally {
    await handle.close();
    await sidecar.close();
  }
}
