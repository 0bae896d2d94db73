import type { EmbeddingResult } from '../results';
import type { OutputWriter } from './outputWriter';
import { StagedFile } from './stagedFile';

/** Room for a shape of any row count, so the header can be rewritten in place once the row count is known. */
const HEADER_BYTES = 128;

/**
 * One `.npy` array streamed to disk: a fixed-size header written first and patched at the end with the final row
 * count, then raw little-endian rows.
 */
class NpyArray {
  private rows = 0;
  private constructor(
    readonly file: StagedFile,
    private readonly descr: '<f4' | '<u4',
    private readonly columns: number | null,
  ) {}

  static async create(path: string, descr: '<f4' | '<u4', columns: number | null): Promise<NpyArray> {
    const array = new NpyArray(await StagedFile.create(path), descr, columns);
    await array.file.handle.write(array.header(), 0, HEADER_BYTES, 0);
    return array;
  }

  async append(data: Uint8Array, rows: number): Promise<void> {
    await this.file.handle.write(data, 0, data.length, HEADER_BYTES + this.byteLength());
    this.rows += rows;
  }

  async finish(keepPartial = false): Promise<void> {
    await this.file.handle.write(this.header(), 0, HEADER_BYTES, 0);
    await (keepPartial ? this.file.keepPartial() : this.file.finish());
  }

  private byteLength(): number {
    return this.rows * (this.columns ?? 1) * 4;
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
 * `.npy`: a float32 matrix, one row per embedded line in line order, plus `<name>.lines.npy`, a uint32 vector giving
 * the input line number of each row.
 */
export class NpyWriter implements OutputWriter {
  private constructor(
    private readonly matrix: NpyArray,
    private readonly lines: NpyArray,
    private readonly dimension: number,
  ) {}

  static async create(path: string, dimension: number): Promise<NpyWriter> {
    const matrix = await NpyArray.create(path, '<f4', dimension);
    try {
      return new NpyWriter(matrix, await NpyArray.create(linesPath(path), '<u4', null), dimension);
    } catch (error) {
      await matrix.file.abort();
      throw error;
    }
  }

  get paths(): string[] {
    return [this.matrix.file.finalPath, this.lines.file.finalPath];
  }

  async write(results: readonly EmbeddingResult[]): Promise<void> {
    const vectors = new Float32Array(results.length * this.dimension);
    const lines = new Uint32Array(results.length);
    results.forEach((r, i) => {
      vectors.set(r.embedding, i * this.dimension);
      lines[i] = r.line;
    });
    await this.matrix.append(new Uint8Array(vectors.buffer), results.length);
    await this.lines.append(new Uint8Array(lines.buffer), results.length);
  }

  async finish(): Promise<void> {
    await this.matrix.finish();
    await this.lines.finish();
  }

  async keepPartial(): Promise<void> {
    await this.matrix.finish(true);
    await this.lines.finish(true);
  }

  async abort(): Promise<void> {
    await Promise.all([this.matrix.file.abort(), this.lines.file.abort()]);
  }
}

/** `embeddings.npy` -> `embeddings.lines.npy`. */
export function linesPath(npyPath: string): string {
  return npyPath.replace(/(\.npy)?$/i, '.lines.npy');
}
