import type { Precision } from '#shared/engine';
import { EmbeddingError } from '../errors';
import type { EmbeddingResult } from '../results';
import type { OutputWriter, RowKind, WriterCheckpoint } from './outputWriter';
import type { VectorCodec } from './precision';
import { sizeKey, StagedFile, writeFully } from './stagedFile';

/** Room for a shape of any row count, so the header can be rewritten in place once the row count is known. */
const HEADER_BYTES = 128;

/** numpy's type of the values of each array: little-endian float32, float16, uint32 and int64, and single bytes. */
export type NpyDescr = '<f4' | '<f2' | '|i1' | '|u1' | '<u4' | '<i8';

/** The dtype of an output's matrix: binary and ubinary are their packed bytes, signed for binary. */
export const NPY_DESCRS: Record<Precision, NpyDescr> = {
  float32: '<f4',
  float16: '<f2',
  int8: '|i1',
  uint8: '|u1',
  binary: '|i1',
  ubinary: '|u1',
};

/** Bytes of one value of a dtype. */
export function npyItemSize(descr: NpyDescr): number {
  return descr === '<i8' ? 8 : descr === '<f4' || descr === '<u4' ? 4 : descr === '<f2' ? 2 : 1;
}

/**
 * One `.npy` array streamed to disk: a fixed-size header written first and patched at the end with the final row
 * count, then raw little-endian rows.
 */
class NpyArray {
  private constructor(
    readonly file: StagedFile,
    private readonly descr: NpyDescr,
    private readonly columns: number | null,
  ) {}

  /** A new array, or with `resumeSize` the staged one of an unfinished run, cut back to that many bytes. */
  static async create(
    path: string,
    descr: NpyDescr,
    columns: number | null,
    replace: boolean,
    resumeSize?: number,
  ): Promise<NpyArray> {
    if (resumeSize !== undefined) {
      const rowBytes = (columns ?? 1) * npyItemSize(descr);
      if (resumeSize < HEADER_BYTES || (resumeSize - HEADER_BYTES) % rowBytes !== 0) {
        throw new EmbeddingError(
          'CHECKPOINT_INVALID',
          `The checkpoint of ${path} gives it a size that is not a whole number of rows (${resumeSize} bytes).`,
          { kind: 'replaceCheckpoint' },
        );
      }
      return new NpyArray(await StagedFile.reopen(path, resumeSize), descr, columns);
    }
    const array = new NpyArray(await StagedFile.create(path, replace), descr, columns);
    await array.file.append(array.header());
    return array;
  }

  get rows(): number {
    return (this.file.size - HEADER_BYTES) / ((this.columns ?? 1) * npyItemSize(this.descr));
  }

  async append(data: Uint8Array): Promise<void> {
    await this.file.append(data);
  }

  async complete(): Promise<void> {
    await writeFully(this.file.handle, this.header(), 0);
    await this.file.complete();
  }

  async keepPartial(): Promise<void> {
    try {
      await writeFully(this.file.handle, this.header(), 0);
    } finally {
      await this.file.keepPartial();
    }
  }

  private header(): Buffer {
    const shape = this.columns === null ? `(${this.rows},)` : `(${this.rows}, ${this.columns})`;
    const dict = `{'descr': '${this.descr}', 'fortran_order': False, 'shape': ${shape}, }`;
    const header = Buffer.alloc(HEADER_BYTES, 0x20);
    header.write('\x93NUMPY', 0, 'latin1');
    header.writeUInt8(1, 6);
    header.writeUInt8(0, 7);
    header.writeUInt16LE(HEADER_BYTES - 10, 8);
    header.write(dict, 10, 'latin1');
    header.writeUInt8(0x0a, HEADER_BYTES - 1);
    return header;
  }
}

/**
 * `.npy`: a matrix of the run's precision (float32, float16, int8, uint8; binary and ubinary as their packed bytes,
 * dimension / 8 of them), one row per row of the output in line order, plus a sidecar saying what each row is: with a
 * row a line, `<name>.lines.npy`, a uint32 vector of the input line of each row; with the policy chunk,
 * `<name>.rows.npy`, an int64 matrix of (line, chunk, char_start, char_end) per row; with mean, `<name>.rows.npy`, an
 * int64 matrix of (line, chunks) per row; for a folder's documents, `<name>.rows.npy`, an int64 matrix of (line, page
 * (0: none), chunk, char_start, char_end) per row, `line` the document's number in `<name>.sources.jsonl` (written
 * by the run at its end, see sourcesPath).
 */
export class NpyWriter implements OutputWriter {
  private constructor(
    private readonly matrix: NpyArray,
    private readonly sidecar: NpyArray,
    private readonly codec: VectorCodec,
    private readonly rows: RowKind,
  ) {}

  /** A new pair of arrays, or with `resume` the staged ones of an unfinished run, cut back to the sizes given. */
  static async create(
    path: string,
    codec: VectorCodec,
    rows: RowKind,
    replace: boolean,
    resume?: { matrix: number; sidecar: number },
  ): Promise<NpyWriter> {
    const matrix = await NpyArray.create(path, NPY_DESCRS[codec.precision], codec.columns, replace, resume?.matrix);
    try {
      const sidecar =
        rows === 'line'
          ? await NpyArray.create(linesPath(path), '<u4', null, replace, resume?.sidecar)
          : await NpyArray.create(rowsPath(path), '<i8', ROWS_COLUMNS[rows], replace, resume?.sidecar);
      return new NpyWriter(matrix, sidecar, codec, rows);
    } catch (error) {
      await matrix.file.abort();
      throw error;
    }
  }

  get paths(): string[] {
    return [this.matrix.file.finalPath, this.sidecar.file.finalPath];
  }

  async write(results: readonly EmbeddingResult[]): Promise<void> {
    const rowBytes = this.codec.columns * npyItemSize(NPY_DESCRS[this.codec.precision]);
    const matrix = new Uint8Array(results.length * rowBytes);
    results.forEach((r, i) => {
      const stored = r.stored ?? this.codec.encode(r.embedding);
      matrix.set(new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength), i * rowBytes);
    });
    await this.matrix.append(matrix);
    await this.sidecar.append(new Uint8Array(this.sidecarRows(results).buffer));
  }

  private sidecarRows(results: readonly EmbeddingResult[]): Uint32Array | BigInt64Array {
    switch (this.rows) {
      case 'line':
        return Uint32Array.from(results, (r) => r.line);
      case 'chunk':
        return BigInt64Array.from(
          results.flatMap((r) => [r.line, r.chunk?.index ?? 0, r.chunk?.charStart ?? 0, r.chunk?.charEnd ?? 0]),
          BigInt,
        );
      case 'mean':
        return BigInt64Array.from(
          results.flatMap((r) => [r.line, r.chunks ?? 1]),
          BigInt,
        );
      case 'document':
        return BigInt64Array.from(
          results.flatMap((r) => [
            r.line,
            r.document?.page ?? 0,
            r.chunk?.index ?? 0,
            r.chunk?.charStart ?? 0,
            r.chunk?.charEnd ?? 0,
          ]),
          BigInt,
        );
    }
  }

  async checkpoint(): Promise<WriterCheckpoint> {
    await Promise.all([this.matrix.file.sync(), this.sidecar.file.sync()]);
    return {
      sizes: {
        [sizeKey(this.matrix.file.finalPath)]: this.matrix.file.size,
        [sizeKey(this.sidecar.file.finalPath)]: this.sidecar.file.size,
      },
    };
  }

  async complete(): Promise<void> {
    await this.matrix.complete();
    await this.sidecar.complete();
  }

  async keepPartial(): Promise<void> {
    await Promise.all([this.matrix.keepPartial(), this.sidecar.keepPartial()]);
  }

  async abort(): Promise<void> {
    await Promise.all([this.matrix.file.abort(), this.sidecar.file.abort()]);
  }
}

const ROWS_COLUMNS: Record<Exclude<RowKind, 'line'>, number> = { chunk: 4, mean: 2, document: 5 };

/**
 * The sidecar of a .npy output, which says what each row is: `<name>.lines.npy` (its uint32 line), or for chunks, means
 * and documents `<name>.rows.npy` (int64 entries of ROWS_COLUMNS values, the line first).
 */
export function npySidecar(npyPath: string, rows: RowKind): { path: string; descr: NpyDescr; columns: number } {
  if (rows === 'line') return { path: linesPath(npyPath), descr: '<u4', columns: 1 };
  return { path: rowsPath(npyPath), descr: '<i8', columns: ROWS_COLUMNS[rows] };
}

/** `embeddings.npy` -> `embeddings.lines.npy`. */
export function linesPath(npyPath: string): string {
  return npyPath.replace(/(\.npy)?$/i, '.lines.npy');
}

/** `embeddings.npy` -> `embeddings.rows.npy`. */
export function rowsPath(npyPath: string): string {
  return npyPath.replace(/(\.npy)?$/i, '.rows.npy');
}

/** `embeddings.npy` -> `embeddings.sources.jsonl`: a folder's documents, `{"line": n, "source": path}` a line. */
export function sourcesPath(npyPath: string): string {
  return npyPath.replace(/(\.npy)?$/i, '.sources.jsonl');
}
