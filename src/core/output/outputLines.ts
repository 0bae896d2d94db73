import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { OutputFormat } from '#shared/engine';
import { EmbeddingError } from '../errors';
import { lanceBatches, numbersOf } from './lanceReader';
import { npyItemSize, npySidecar, type NpyDescr } from './npyWriter';
import type { RowKind } from './outputWriter';

/** Sidecar entries of a .npy output read at a time for its lines. */
const NPY_LINES_CHUNK = 1 << 16;

/** An output (or one of its files) that is not as its run writes it. */
export function damaged(output: string, what: string): EmbeddingError {
  return new EmbeddingError('FILE_UNREADABLE', `${output} is not an output a run writes: ${what}.`, {
    kind: 'embedOutputAgain',
  });
}

const DESCR_NAMES: Record<NpyDescr, string> = {
  '<f4': 'float32',
  '<f2': 'float16',
  '|i1': 'int8',
  '|u1': 'uint8',
  '<u4': 'uint32',
  '<i8': 'int64',
};

/** The shape of a .npy array of `descr` values, and where its data starts. */
export async function npyHeader(
  path: string,
  handle: FileHandle,
  descr: NpyDescr,
): Promise<{ shape: number[]; start: number }> {
  const head = Buffer.alloc(12);
  const { bytesRead } = await handle.read(head, 0, 12, 0);
  if (bytesRead < 10 || head.toString('latin1', 0, 6) !== '\x93NUMPY') throw damaged(path, 'it is not a .npy file');
  const major = head.readUInt8(6);
  const length = major === 1 ? head.readUInt16LE(8) : head.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + length;
  const header = Buffer.alloc(length);
  await handle.read(header, 0, length, start - length);
  const text = header.toString('latin1');
  if (!text.includes(`'descr': '${descr}'`) || !text.includes("'fortran_order': False"))
    throw damaged(path, `its values are not ${DESCR_NAMES[descr]} rows`);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(text)?.[1] ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean)
    .map(Number);
  return { shape, start };
}

/**
 * The input line number of every row of an output, in the order of its rows, read without its vectors or texts: the
 * `line` column of Parquet and LanceDB, the sidecar beside a .npy matrix (of `rows`), the `line` field of JSON Lines.
 */
export async function* outputLines(output: string, format: OutputFormat, rows: RowKind): AsyncGenerator<number> {
  switch (format) {
    case 'jsonl':
      yield* jsonlLines(output);
      return;
    case 'parquet':
      yield* parquetLines(output);
      return;
    case 'npy':
      yield* npyLines(output, rows);
      return;
    case 'lance':
      for await (const { count, columns } of lanceBatches(output, ['line']))
        yield* numbersOf(columns.get('line'), count);
      return;
  }
}

/** The line a JSON Lines row of an output or a skip log starts with, as the writers write it; null for another row. */
function leadingLine(text: string): number | null {
  const found = /^\{"line":(\d+)[,}]/.exec(text)?.[1];
  return found === undefined ? null : Number(found);
}

/** Whether a row's embedding as a reader gives it is a list of numbers. */
export function isNumbers(value: unknown): value is ArrayLike<number> {
  return (
    Array.isArray(value) ||
    value instanceof Float32Array ||
    value instanceof Float64Array ||
    value instanceof Int32Array ||
    value instanceof Int8Array ||
    value instanceof Uint8Array
  );
}

/** The entries of a skip log (`<output>.skipped.jsonl`) as written, with their line numbers, in its order. */
export async function* skipLogEntries(path: string): AsyncGenerator<{ line: number; text: string }> {
  let row = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    row += 1;
    if (!text.trim()) continue;
    const line = leadingLine(text);
    if (line === null) throw damaged(path, `row ${row} has no line`);
    yield { line, text };
  }
}

/** The line numbers of a skip log, in its order. */
export async function* skipLogLines(path: string): AsyncGenerator<number> {
  for await (const { line } of skipLogEntries(path)) yield line;
}

async function* jsonlLines(path: string): AsyncGenerator<number> {
  let row = 0;
  for await (const text of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    row += 1;
    if (!text.trim()) continue;
    // Rows start with their line number as the writers write them: the (long) rest is not parsed.
    yield leadingLine(text) ?? lineOf(path, row, text);
  }
}

function lineOf(path: string, row: number, text: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw damaged(path, `row ${row} is not JSON`);
  }
  const line = typeof parsed === 'object' && parsed !== null ? (parsed as { line?: unknown }).line : undefined;
  if (typeof line !== 'number' || !Number.isInteger(line) || line < 1) throw damaged(path, `row ${row} has no line`);
  return line;
}

async function* parquetLines(output: string): AsyncGenerator<number> {
  const file = await asyncBufferFromFile(output);
  const metadata = await parquetMetadataAsync(file);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, columns: ['line'], rowStart, rowEnd });
    for (const [i, { line }] of (rows as Array<{ line: unknown }>).entries()) {
      if (typeof line !== 'bigint' && typeof line !== 'number')
        throw damaged(output, `row ${rowStart + i + 1} has no line`);
      yield Number(line);
    }
    rowStart = rowEnd;
  }
}

/** The line of each row of a .npy output, the first value of its sidecar's entry, read a chunk of entries at a time. */
async function* npyLines(output: string, rows: RowKind): AsyncGenerator<number> {
  const { path, descr, columns } = npySidecar(output, rows);
  const entryBytes = columns * npyItemSize(descr);
  const handle = await open(path, 'r');
  try {
    const { shape, start } = await npyHeader(path, handle, descr);
    const [count = 0] = shape;
    const buffer = Buffer.alloc(NPY_LINES_CHUNK * entryBytes);
    for (let first = 0; first < count; first += NPY_LINES_CHUNK) {
      const entries = Math.min(NPY_LINES_CHUNK, count - first);
      const { bytesRead } = await handle.read(buffer, 0, entries * entryBytes, start + first * entryBytes);
      if (bytesRead < entries * entryBytes) throw damaged(path, `it ends before its ${count} rows`);
      for (let i = 0; i < entries; i += 1)
        yield descr === '<u4' ? buffer.readUInt32LE(i * entryBytes) : Number(buffer.readBigInt64LE(i * entryBytes));
    }
  } finally {
    await handle.close();
  }
}
