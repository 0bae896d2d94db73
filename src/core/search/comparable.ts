import type { RunRecord } from '#shared/runRecord';
import { isBinary, storedColumns, VectorCodec } from '../output/precision';
import { damaged } from '../output/outputLines';

/**
 * Rows and queries compared in one space, whatever precision the run stored its vectors in: float32 and float16 rows as
 * their values; int8 and uint8 rows as the values their steps stand for (the run's ranges), the query scaled the same
 * way; binary and ubinary rows as their signs (+1 where the bit is set, -1 where not), the query as its float values,
 * as sentence-transformers rescores binary rows (two rows compare as their signs: 1 - 2 x the share of bits that
 * differ).
 */
export class ComparableVectors {
  /** Numbers each row stores: the dimension, or a byte per 8 dimensions for binary and ubinary. */
  readonly columns: number;
  private readonly codec: VectorCodec | null;
  private readonly scratch: Float32Array;

  constructor(
    output: string,
    private readonly precision: RunRecord['precision'],
    /** The dimension of the vectors compared. */
    readonly dimension: number,
  ) {
    const { type, calibration } = precision;
    this.columns = storedColumns(type, dimension);
    this.scratch = new Float32Array(dimension);
    if (type !== 'int8' && type !== 'uint8') {
      this.codec = null;
      return;
    }
    if (!calibration || calibration.min.length !== dimension || calibration.max.length !== dimension)
      throw damaged(output, `its run record has no ranges of its ${dimension} dimensions for its ${type} rows`);
    this.codec = new VectorCodec(type, dimension, calibration);
  }

  /** Writes the comparable vector of the stored row that starts at `from` in `stored` into `into` at `at`. */
  decode(stored: ArrayLike<number>, from: number, into: Float32Array, at: number): void {
    const { type } = this.precision;
    if (this.codec) {
      into.set(this.codec.decodeScaled(stored, this.scratch, from), at);
    } else if (isBinary(type)) {
      const offset = type === 'binary' ? 128 : 0;
      for (let i = 0; i < this.dimension; i += 1) {
        const byte = ((stored[from + (i >> 3)] ?? 0) + offset) & 0xff;
        into[at + i] = byte & (0x80 >> (i & 7)) ? 1 : -1;
      }
    } else {
      for (let i = 0; i < this.dimension; i += 1) into[at + i] = stored[from + i] ?? 0;
    }
  }

  /** The query as the rows are compared with it: scaled by the run's ranges as they were (int8, uint8). */
  query(vector: Float32Array): Float32Array {
    const into = new Float32Array(this.dimension);
    if (this.codec) return this.codec.decodeScaled(this.codec.encode(vector), into);
    into.set(vector);
    return into;
  }
}
