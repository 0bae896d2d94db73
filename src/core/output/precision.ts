import type { Precision } from '#shared/engine';
import type { Calibration } from '#shared/runRecord';
import { EmbeddingError } from '../errors';

/**
 * int8 and uint8 scale each dimension by its range (min, max) over the run's first this many rows (all of them in a
 * shorter run): enough rows for every dimension's spread, few enough to hold while they are counted.
 */
export const CALIBRATION_ROWS = 1000;

/** A vector as an output stores it: float32 values, float16 bits, or int8 / uint8 values (packed bits for binary). */
export type StoredVector = Float32Array | Uint16Array | Int8Array | Uint8Array;

/** Whether a precision scales by ranges calibrated on the run's first rows. */
export function isCalibrated(precision: Precision): boolean {
  return precision === 'int8' || precision === 'uint8';
}

export function isBinary(precision: Precision): boolean {
  return precision === 'binary' || precision === 'ubinary';
}

/** Values per stored row: the dimension, or a byte per 8 dimensions for binary and ubinary. */
export function storedColumns(precision: Precision, dimension: number): number {
  return isBinary(precision) ? dimension / 8 : dimension;
}

/**
 * Refuses binary and ubinary where the dimension is not a multiple of 8 (a byte holds 8 dimensions, as numpy.packbits
 * packs them): the remedy is fewer dimensions, a multiple of 8.
 */
export function checkPrecision(precision: Precision, dimension: number): void {
  if (!isBinary(precision) || dimension % 8 === 0) return;
  const fewer = Math.max(8, dimension - (dimension % 8));
  throw new EmbeddingError(
    'BAD_OPTION',
    `Precision ${precision} packs 8 dimensions to a byte: ${dimension} dimensions are not a multiple of 8.`,
    { kind: 'fixOption', option: 'dimensions', example: String(fewer) },
  );
}

/** The per-dimension ranges of `vectors` (their first CALIBRATION_ROWS), as sentence-transformers computes them. */
export function calibrate(vectors: readonly Float32Array[]): Calibration {
  const rows = vectors.slice(0, CALIBRATION_ROWS);
  const dimension = rows[0]?.length ?? 0;
  const min = new Array<number>(dimension).fill(Infinity);
  const max = new Array<number>(dimension).fill(-Infinity);
  for (const vector of rows) {
    for (let i = 0; i < dimension; i += 1) {
      const value = vector[i] ?? 0;
      if (value < (min[i] ?? 0)) min[i] = value;
      if (value > (max[i] ?? 0)) max[i] = value;
    }
  }
  return { rows: rows.length, min, max };
}

/**
 * Turns float32 vectors into the stored numbers of a precision, the way sentence-transformers' `quantize_embeddings`
 * does, in float32 arithmetic as numpy does it: int8 = trunc((x - min) / step - 128) and uint8 = trunc((x - min) /
 * step), step = (max - min) / 255, clipped to the type's range (values outside the calibrated range occur after the
 * first rows; a dimension constant over them gets a step of 1); binary and ubinary set a bit where x > 0, 8 to a byte,
 * the first dimension in the highest bit (numpy.packbits), binary storing each byte - 128.
 */
export class VectorCodec {
  private starts: Float32Array | null = null;
  private steps: Float32Array | null = null;

  constructor(
    readonly precision: Precision,
    readonly dimension: number,
    private ranges: Calibration | null = null,
  ) {
    if (ranges) this.setRanges(ranges);
  }

  /** The ranges int8 and uint8 scale by; null until calibrated (and for the other precisions). */
  get calibration(): Calibration | null {
    return this.ranges;
  }

  /** True for int8 and uint8 until their ranges are known. */
  get waiting(): boolean {
    return isCalibrated(this.precision) && this.ranges === null;
  }

  get columns(): number {
    return storedColumns(this.precision, this.dimension);
  }

  setRanges(ranges: Calibration): void {
    this.ranges = ranges;
    this.starts = Float32Array.from(ranges.min);
    this.steps = Float32Array.from(ranges.max, (max, i) => {
      const step = Math.fround(Math.fround(max - (ranges.min[i] ?? 0)) / 255);
      return step === 0 ? 1 : step;
    });
  }

  encode(vector: Float32Array): StoredVector {
    switch (this.precision) {
      case 'float32':
        return vector;
      case 'float16':
        return Uint16Array.from(vector, float16Bits);
      case 'int8':
      case 'uint8':
        return this.scale(vector, this.precision === 'int8');
      case 'binary':
      case 'ubinary':
        return packSigns(vector, this.precision === 'binary');
    }
  }

  /**
   * The value each int8 or uint8 number stands for (`from`: where the row starts in `codes`), from which search measures
   * similarity: the middle of the values that give it. Truncation makes uint8's number q stand for q to q + 1 steps,
   * int8's for q + 128 to q + 129 above 0, q + 127 to q + 128 below 0, and 127 to 129 for 0.
   */
  decodeScaled(codes: ArrayLike<number>, into: Float32Array, from = 0): Float32Array {
    const { starts, steps } = this.scaling();
    const signed = this.precision === 'int8';
    for (let i = 0; i < into.length; i += 1) {
      const code = codes[from + i] ?? 0;
      const middle = signed ? code + 128 + Math.sign(code) * 0.5 : code + 0.5;
      into[i] = (starts[i] ?? 0) + middle * (steps[i] ?? 0);
    }
    return into;
  }

  private scale(vector: Float32Array, signed: boolean): Int8Array | Uint8Array {
    const { starts, steps } = this.scaling();
    const out = signed ? new Int8Array(vector.length) : new Uint8Array(vector.length);
    const [low, high] = signed ? [-128, 127] : [0, 255];
    for (let i = 0; i < vector.length; i += 1) {
      let bucket = Math.fround(Math.fround((vector[i] ?? 0) - (starts[i] ?? 0)) / (steps[i] ?? 1));
      if (signed) bucket = Math.fround(bucket - 128);
      out[i] = Math.min(high, Math.max(low, Math.trunc(bucket))) || 0;
    }
    return out;
  }

  private scaling(): { starts: Float32Array; steps: Float32Array } {
    if (!this.starts || !this.steps) throw new Error(`${this.precision} vectors need their calibration first`);
    return { starts: this.starts, steps: this.steps };
  }
}

/** One bit per dimension, set where the value is above 0, 8 to a byte, first dimension highest (numpy.packbits). */
export function packSigns(vector: Float32Array, signed: boolean): Int8Array | Uint8Array {
  const bytes = new Uint8Array(Math.ceil(vector.length / 8));
  for (let i = 0; i < vector.length; i += 1) {
    if ((vector[i] ?? 0) > 0) bytes[i >> 3] = (bytes[i >> 3] ?? 0) | (0x80 >> (i & 7));
  }
  return signed ? Int8Array.from(bytes, (byte) => byte - 128) : bytes;
}

/** The IEEE half-precision bits of `value`, rounded to nearest, ties to even (overflow gives infinity). */
export function float16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  // 65520 is halfway between the largest half, 65504, and 65536: the tie goes to the even one, infinity.
  if (abs >= 65520) return sign | 0x7c00;
  if (abs < 2 ** -14) return sign | roundHalfEven(abs * 2 ** 24);
  let exponent = Math.floor(Math.log2(abs));
  if (2 ** exponent > abs) exponent -= 1;
  else if (2 ** (exponent + 1) <= abs) exponent += 1;
  // Exact in float64 for any float32 value: its significand has 24 bits.
  const mantissa = roundHalfEven((abs / 2 ** exponent - 1) * 1024);
  // A mantissa that rounds up to 1024 carries into the exponent, which the addition does.
  return sign | (((exponent + 15) << 10) + mantissa);
}

/** The value of IEEE half-precision bits. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const rest = value - floor;
  return rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}

/** The typed array `numbers` are stored as in `precision` (float16 as its bits). */
export function storedVector(precision: Precision, numbers: ArrayLike<number>): StoredVector {
  switch (precision) {
    case 'float32':
      return Float32Array.from(numbers);
    case 'float16':
      return Uint16Array.from(numbers, float16Bits);
    case 'int8':
    case 'binary':
      return Int8Array.from(numbers);
    case 'uint8':
    case 'ubinary':
      return Uint8Array.from(numbers);
  }
}

/** A row's bytes as a .npy matrix stores them (a copy of its own), viewed as the typed array of its precision. */
export function storedOfBytes(precision: Precision, bytes: Uint8Array): StoredVector {
  switch (precision) {
    case 'float32':
      return new Float32Array(bytes.buffer);
    case 'float16':
      return new Uint16Array(bytes.buffer);
    case 'int8':
    case 'binary':
      return new Int8Array(bytes.buffer);
    case 'uint8':
    case 'ubinary':
      return bytes;
  }
}
