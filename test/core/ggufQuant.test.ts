import { describe, expect, it } from 'vitest';
import { encodeGguf, quantizeQ4_0, quantizeQ8_0, toFloat16Bits } from '../support/gguf';

/** The value of IEEE binary16 bits. */
function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mant = bits & 0x3ff;
  return sign * (exp === 0 ? mant * 2 ** -24 : (1 + mant / 1024) * 2 ** (exp - 15));
}

/** What llama.cpp's dequantize_row_q8_0 gives back: d * q. */
function dequantizeQ8_0(bytes: Uint8Array): Float32Array {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array((bytes.length / 34) * 32);
  for (let block = 0; block < bytes.length / 34; block++) {
    const d = fromFloat16Bits(view.readUInt16LE(block * 34));
    for (let j = 0; j < 32; j++) out[block * 32 + j] = d * view.readInt8(block * 34 + 2 + j);
  }
  return out;
}

/** dequantize_row_q4_0: d * (q - 8), value j in byte j's low nibble and value j + 16 in its high one. */
function dequantizeQ4_0(bytes: Uint8Array): Float32Array {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array((bytes.length / 18) * 32);
  for (let block = 0; block < bytes.length / 18; block++) {
    const d = fromFloat16Bits(view.readUInt16LE(block * 18));
    for (let j = 0; j < 16; j++) {
      const byte = view.readUInt8(block * 18 + 2 + j);
      out[block * 32 + j] = d * ((byte & 0x0f) - 8);
      out[block * 32 + j + 16] = d * ((byte >> 4) - 8);
    }
  }
  return out;
}

const ramp = Float32Array.from({ length: 64 }, (_, i) => (i - 20) / 10);

describe('the GGUF writer’s quantizers (llama.cpp’s reference ones)', () => {
  it('Q8_0: a block is an f16 scale amax/127 and 32 int8 values round(x / d), halves away from zero', () => {
    const bytes = Buffer.from(quantizeQ8_0(ramp));
    expect(bytes.length).toBe(2 * 34);
    // First block: -2.0 ... 1.1, amax 2, so d = 2/127 and -2.0 is -127.
    expect(bytes.readUInt16LE(0)).toBe(toFloat16Bits(2 / 127));
    expect(bytes.readInt8(2)).toBe(-127);
    expect(bytes.readInt8(2 + 20)).toBe(0);
    const halves = quantizeQ8_0(
      Float32Array.from({ length: 32 }, (_, i) => (i === 0 ? 127 : i === 1 ? 2.5 : i === 2 ? -2.5 : 0)),
    );
    expect([...new Int8Array(halves.buffer, halves.byteOffset + 2, 3)]).toEqual([127, 3, -3]);
    const back = dequantizeQ8_0(bytes);
    for (let i = 0; i < ramp.length; i++)
      expect(Math.abs((back[i] ?? 0) - (ramp[i] ?? 0))).toBeLessThan(4.4 / 127 / 2 + 1e-3);
  });

  it('Q4_0: d = max / -8 with max the value of largest magnitude, nibbles min(15, trunc(x / d + 8.5)), low nibbles first', () => {
    const bytes = Buffer.from(quantizeQ4_0(ramp));
    expect(bytes.length).toBe(2 * 18);
    // First block: largest magnitude -2.0, so d = -2.0 / -8 = 0.25, and -2.0 maps to trunc(-8 + 8.5) = 0.
    expect(bytes.readUInt16LE(0)).toBe(toFloat16Bits(0.25));
    expect(bytes.readUInt8(2) & 0x0f).toBe(0);
    // Value 16 (-0.4) is in byte 0's high nibble: -0.4 / 0.25 + 8.5 = 6.9, so 6.
    expect(bytes.readUInt8(2) >> 4).toBe(6);
    // The value of largest magnitude with the other sign saturates at 15.
    const saturated = quantizeQ4_0(Float32Array.from({ length: 32 }, (_, i) => (i === 0 ? -1 : i === 1 ? 1 : 0)));
    expect(saturated[2] & 0x0f).toBe(0);
    expect(saturated[3] & 0x0f).toBe(15);
    const back = dequantizeQ4_0(bytes);
    for (let i = 0; i < ramp.length; i++)
      expect(Math.abs((back[i] ?? 0) - (ramp[i] ?? 0))).toBeLessThanOrEqual(4.3 / 8 / 2 + 1e-3);
  });

  it('lays quantized tensors out as blocks and refuses rows that are not whole blocks', () => {
    const file = (a: 'F32' | 'Q8_0', b: 'F32' | 'Q4_0'): Buffer =>
      encodeGguf({}, [
        { name: 'a', shape: [32, 2], type: a, data: ramp },
        { name: 'b', shape: [64], type: b, data: ramp },
      ]);
    // The same header either way; a's 2 blocks of 34 bytes take 96 bytes with padding instead of 256, b's 2 blocks of
    // 18 bytes 64 instead of 256.
    expect(file('F32', 'F32').length - file('Q8_0', 'Q4_0').length).toBe(256 - 96 + 256 - 64);
    expect(file('Q8_0', 'Q4_0').subarray(-64, -64 + 36)).toEqual(Buffer.from(quantizeQ4_0(ramp)));
    expect(() => encodeGguf({}, [{ name: 'c', shape: [48, 1], type: 'Q8_0', data: new Float32Array(48) }])).toThrow(
      /multiple of 32/,
    );
  });
});
