import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A fresh temporary folder, removed after the test file. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'embedding-studio-test-'));
  afterAll(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export interface JsonlRow {
  line: number;
  text: string;
  tokens: number;
  truncated: boolean;
  embedding: number[];
}

export async function readJsonl<T = JsonlRow>(path: string): Promise<T[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as T);
}

/** Parses a .npy file by its header, the way numpy does, and returns its shape and values. */
export async function readNpy(path: string): Promise<{
  descr: string;
  shape: number[];
  data: Float32Array | Uint32Array | Uint16Array | Int8Array | Uint8Array;
}> {
  const bytes = await readFile(path);
  if (bytes.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error(`${path}: not an npy file`);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1] ?? '';
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (/'fortran_order':\s*True/.test(header)) throw new Error('fortran order not expected');
  const offset = 10 + headerLength;
  if (offset % 64 !== 0) throw new Error(`npy data must start 64-byte aligned, starts at ${offset}`);
  const body = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + bytes.length);
  // float16 ('<f2') as its bits.
  const arrays = { '<f4': Float32Array, '<u4': Uint32Array, '<f2': Uint16Array, '|i1': Int8Array, '|u1': Uint8Array };
  const data = Object.hasOwn(arrays, descr) ? new arrays[descr as keyof typeof arrays](body) : null;
  if (!data) throw new Error(`unexpected dtype ${descr}`);
  return { descr, shape, data };
}

export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}
