import { open } from 'node:fs/promises';
import { damaged, npyHeader } from './outputLines';
import { npyItemSize, npySidecar, type NpyDescr } from './npyWriter';
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
  /**
   * Each row's sidecar entry: [line]; policy chunk: [line, chunk, char_start, char_end]; mean: [line, chunks]; a
   * folder's documents: [line, page (0 for none), chunk, char_start, char_end].
   */
  entries: number[][];
}

/** A .npy output's sidecar (see npySidecar) with the bytes of each row's entry. */
function sidecarOf(
  output: string,
  rowKind: RowKind,
): { path: string; descr: NpyDescr; columns: number; bytes: number } {
  const sidecar = npySidecar(output, rowKind);
  return { ...sidecar, bytes: sidecar.columns * npyItemSize(sidecar.descr) };
}

function sidecarEntry(bytes: Buffer, at: number, { descr, columns }: { descr: NpyDescr; columns: number }): number[] {
  if (descr === '<u4') return [bytes.readUInt32LE(at)];
  return Array.from({ length: columns }, (_, k) => Number(bytes.readBigInt64LE(at + 8 * k)));
}

/**
 * The sidecar entries (see NpyRows.entries) of the rows at `places` (from 0) of a .npy output, each read where it
 * lies; a place past the sidecar's end has none.
 */
export async function npySidecarEntries(
  output: string,
  rowKind: RowKind,
  places: Iterable<number>,
): Promise<Map<number, number[]>> {
  const sidecar = sidecarOf(output, rowKind);
  const handle = await open(sidecar.path, 'r');
  const found = new Map<number, number[]>();
  try {
    const { shape, start } = await npyHeader(sidecar.path, handle, sidecar.descr);
    const entry = Buffer.alloc(sidecar.bytes);
    for (const place of places) {
      if (place >= (shape[0] ?? 0)) continue;
      const { bytesRead } = await handle.read(entry, 0, sidecar.bytes, start + place * sidecar.bytes);
      if (bytesRead < sidecar.bytes) throw damaged(sidecar.path, `it has nothing for row ${place + 1}`);
      found.set(place, sidecarEntry(entry, 0, sidecar));
    }
  } finally {
    await handle.close();
  }
  return found;
}

/**
 * Streams a .npy output's matrix (of `descr` values) with its sidecar (see sidecarOf), `rowsAtOnce(bytes of a row)`
 * rows at a time.
 */
export async function* readNpyRows(
  output: string,
  descr: NpyDescr,
  rowKind: RowKind,
  rowsAtOnce: (rowBytes: number) => number,
): AsyncGenerator<NpyRows> {
  const sidecarLayout = sidecarOf(output, rowKind);
  const { path: sidecarPath, descr: sidecarDescr, bytes: entryBytes } = sidecarLayout;
  const handle = await open(output, 'r');
  const sidecar = await open(sidecarPath, 'r').catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  try {
    const { shape, start } = await npyHeader(output, handle, descr);
    const { start: sidecarStart } = await npyHeader(sidecarPath, sidecar, sidecarDescr);
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
        sidecarEntry(sidecarBytes, i * entryBytes, sidecarLayout),
      );
      yield { first, count, columns, matrix, entries };
    }
  } finally {
    await handle.close();
    await sidecar.close();
  }
}
