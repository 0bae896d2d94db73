import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

// Minimal GGUF v3 writer for test fixtures: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
//
// Weights can be stored as F32, F16, Q8_0 or Q4_0. Q8_0 because it is what the model catalog ships and what most users
// run; Q4_0 as the second quantization because it is the simplest 4-bit one and takes other llama.cpp code paths on the
// CPU (4-bit dot products, and weights repacked into interleaved blocks where the CPU has AVX2 or NEON), while a K-quant
// would need super-blocks of 256 values, which the test models' 32-wide rows do not have. Both are written bit for bit
// as llama.cpp's reference quantizers write them (quantize_row_q8_0_ref and quantize_row_q4_0_ref in ggml-quants.c),
// which is what llama-quantize writes without an importance matrix.

export type GgufScalarType =
  'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'u64' | 'i64' | 'f32' | 'f64' | 'bool' | 'string';

export type GgufScalar = number | bigint | boolean | string;

export type GgufValue =
  { type: GgufScalarType; value: GgufScalar } | { type: 'array'; itemType: GgufScalarType; value: GgufScalar[] };

export type GgufTensorType = 'F32' | 'F16' | 'Q8_0' | 'Q4_0';

export interface GgufTensor {
  name: string;
  /** ggml order: ne0 first, i.e. the numpy shape reversed. */
  shape: number[];
  type: GgufTensorType;
  /** A function is called only when the tensor is written, so large models need not sit in memory at once. */
  data: Float32Array | (() => Float32Array);
}

const VALUE_TYPE_IDS: Record<GgufScalarType | 'array', number> = {
  u8: 0,
  i8: 1,
  u16: 2,
  i16: 3,
  u32: 4,
  i32: 5,
  f32: 6,
  bool: 7,
  string: 8,
  array: 9,
  u64: 10,
  i64: 11,
  f64: 12,
};
const TENSOR_TYPE_IDS: Record<GgufTensorType, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 8 };
/** Values per block and bytes per block: quantized types store rows as blocks of 32 values, each with an f16 scale. */
const BLOCK: Record<GgufTensorType, { values: number; bytes: number }> = {
  F32: { values: 1, bytes: 4 },
  F16: { values: 1, bytes: 2 },
  Q8_0: { values: 32, bytes: 2 + 32 },
  Q4_0: { values: 32, bytes: 2 + 16 },
};

function tensorByteLength(tensor: GgufTensor): number {
  const { values, bytes } = BLOCK[tensor.type];
  const rowLength = tensor.shape[0] ?? 1;
  if (rowLength % values !== 0) {
    throw new Error(
      `tensor ${tensor.name}: ${tensor.type} needs rows of a multiple of ${values} values, not ${rowLength}`,
    );
  }
  return (tensor.shape.reduce((a, b) => a * b, 1) / values) * bytes;
}

/** Grows as needed; collects the little-endian header bytes. */
class ByteWriter {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
      this.buf.copy(next, 0, 0, this.length);
      this.buf = next;
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  u32(v: number): void {
    this.scalar('u32', v);
  }
  u64(v: number | bigint): void {
    this.scalar('u64', v);
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }
  string(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.bytes(b);
  }
  zeros(n: number): void {
    this.reserve(n);
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  scalar(type: GgufScalarType, v: GgufScalar): void {
    if (type === 'string') return this.string(String(v));
    if (type === 'bool') return this.bytes(Uint8Array.of(v ? 1 : 0));
    const size = { u8: 1, i8: 1, u16: 2, i16: 2, u32: 4, i32: 4, f32: 4, u64: 8, i64: 8, f64: 8 }[type];
    const at = this.reserve(size);
    const n = Number(v);
    switch (type) {
      case 'u8':
        this.buf.writeUInt8(n, at);
        break;
      case 'i8':
        this.buf.writeInt8(n, at);
        break;
      case 'u16':
        this.buf.writeUInt16LE(n, at);
        break;
      case 'i16':
        this.buf.writeInt16LE(n, at);
        break;
      case 'u32':
        this.buf.writeUInt32LE(n, at);
        break;
      case 'i32':
        this.buf.writeInt32LE(n, at);
        break;
      case 'f32':
        this.buf.writeFloatLE(n, at);
        break;
      case 'f64':
        this.buf.writeDoubleLE(n, at);
        break;
      case 'u64':
        this.buf.writeBigUInt64LE(BigInt(v), at);
        break;
      case 'i64':
        this.buf.writeBigInt64LE(BigInt(v), at);
        break;
    }
  }
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE 754 binary16 bits of `v`, rounded to nearest, ties to even. */
export function toFloat16Bits(v: number): number {
  f32Scratch[0] = v;
  const x = u32Scratch[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  let bits: number;
  let rest: number;
  let half: number;
  if (e > 0) {
    bits = (e << 10) | (mant >>> 13);
    rest = mant & 0x1fff;
    half = 0x1000;
  } else {
    if (e < -10) return sign;
    const shift = 14 - e;
    const full = mant | 0x800000;
    bits = full >>> shift;
    rest = full & ((1 << shift) - 1);
    half = 1 << (shift - 1);
  }
  // A carry out of the mantissa correctly bumps the exponent (up to infinity).
  if (rest > half || (rest === half && bits & 1)) bits++;
  return sign | bits;
}

/** llama.cpp's float-to-f16 conversion of the scale, and the f32 arithmetic of its C code (Math.fround). */
const f32 = Math.fround;

/** C's roundf: halves away from zero. */
const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/** quantize_row_q8_0_ref: per block of 32, d = amax / 127 and q = round(x / d) as int8. */
export function quantizeQ8_0(data: Float32Array): Uint8Array {
  const out = Buffer.alloc((data.length / 32) * 34);
  for (let block = 0; block * 32 < data.length; block++) {
    const x = data.subarray(block * 32, block * 32 + 32);
    let amax = 0;
    for (const v of x) amax = Math.max(amax, Math.abs(v));
    const d = f32(amax / 127);
    const id = d ? f32(1 / d) : 0;
    const at = block * 34;
    out.writeUInt16LE(toFloat16Bits(d), at);
    for (let j = 0; j < 32; j++) out.writeInt8(roundHalfAway(f32((x[j] ?? 0) * id)), at + 2 + j);
  }
  return out;
}

/**
 * quantize_row_q4_0_ref: per block of 32, d = max / -8 where max is the value of largest magnitude (with its sign), and
 * q = min(15, trunc(x / d + 8.5)); byte j holds value j in its low nibble and value j + 16 in its high one.
 */
export function quantizeQ4_0(data: Float32Array): Uint8Array {
  const out = Buffer.alloc((data.length / 32) * 18);
  for (let block = 0; block * 32 < data.length; block++) {
    const x = data.subarray(block * 32, block * 32 + 32);
    let amax = 0;
    let max = 0;
    for (const v of x) {
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = f32(max / -8);
    const id = d ? f32(1 / d) : 0;
    const at = block * 18;
    out.writeUInt16LE(toFloat16Bits(d), at);
    const nibble = (v: number): number => Math.min(15, Math.trunc(f32(f32(v * id) + 8.5)));
    for (let j = 0; j < 16; j++) out.writeUInt8(nibble(x[j] ?? 0) | (nibble(x[j + 16] ?? 0) << 4), at + 2 + j);
  }
  return out;
}

function tensorBytes(tensor: GgufTensor): Uint8Array {
  const data = typeof tensor.data === 'function' ? tensor.data() : tensor.data;
  const expected = tensor.shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw new Error(`tensor ${tensor.name}: ${data.length} values for shape [${tensor.shape.join(', ')}]`);
  }
  tensorByteLength(tensor);
  switch (tensor.type) {
    case 'F32':
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    case 'F16': {
      const out = new Uint16Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = toFloat16Bits(data[i]);
      return new Uint8Array(out.buffer);
    }
    case 'Q8_0':
      return quantizeQ8_0(data);
    case 'Q4_0':
      return quantizeQ4_0(data);
  }
}

const alignUp = (n: number, alignment: number): number => Math.ceil(n / alignment) * alignment;

/**
 * Yields the file piece by piece: the header (KVs and tensor infos, padded), then each tensor's data, padded.
 * `general.alignment` is added to the metadata unless the caller set it.
 */
export function* ggufChunks(
  metadata: Record<string, GgufValue>,
  tensors: GgufTensor[],
  alignment = 32,
): Generator<Uint8Array> {
  if (new Set(tensors.map((t) => t.name)).size !== tensors.length) throw new Error('duplicate tensor names');
  const kvs: Record<string, GgufValue> = { 'general.alignment': { type: 'u32', value: alignment }, ...metadata };

  const w = new ByteWriter();
  w.bytes(Buffer.from('GGUF', 'ascii'));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(Object.keys(kvs).length);
  for (const [key, kv] of Object.entries(kvs)) {
    w.string(key);
    w.u32(VALUE_TYPE_IDS[kv.type]);
    if (kv.type === 'array') {
      w.u32(VALUE_TYPE_IDS[kv.itemType]);
      w.u64(kv.value.length);
      for (const item of kv.value) w.scalar(kv.itemType, item);
    } else {
      w.scalar(kv.type, kv.value);
    }
  }
  let offset = 0;
  for (const t of tensors) {
    w.string(t.name);
    w.u32(t.shape.length);
    for (const dim of t.shape) w.u64(dim);
    w.u32(TENSOR_TYPE_IDS[t.type]);
    w.u64(offset);
    offset = alignUp(offset + tensorByteLength(t), alignment);
  }
  w.zeros(alignUp(w.length, alignment) - w.length);
  yield w.result();

  for (const t of tensors) {
    const bytes = tensorBytes(t);
    yield bytes;
    const pad = alignUp(bytes.length, alignment) - bytes.length;
    if (pad > 0) yield new Uint8Array(pad);
  }
}

export function encodeGguf(metadata: Record<string, GgufValue>, tensors: GgufTensor[], alignment = 32): Buffer {
  return Buffer.concat([...ggufChunks(metadata, tensors, alignment)]);
}

export async function writeGguf(
  path: string,
  metadata: Record<string, GgufValue>,
  tensors: GgufTensor[],
  alignment = 32,
): Promise<void> {
  await pipeline(Readable.from(ggufChunks(metadata, tensors, alignment)), createWriteStream(path));
}
