import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { RunRecord } from '#shared/runRecord';
import { cancelledError, EmbeddingError } from '../errors';
import { isSkipped, readInput, type InputRecord } from '../input';
import { linesPath } from '../output/npyWriter';
import { damaged, npyHeader } from '../output/outputLines';

/** Consecutive rows of an output, in its order (which is input line order). */
export interface RowBlock {
  /** The place in the output of the block's first row, from 0. */
  first: number;
  /** The input line of each row. */
  lines: number[];
  /** `lines.length` rows of `dimensions` values each, one after the other. */
  vectors: Float32Array;
  /** The text of each row, where they were asked for: read from the output, or from the run's input for .npy. */
  texts?: string[];
  /** The MD5 (hex) of each row's text, where they were asked for (Parquet stores it as `text_hash`). */
  hashes?: string[];
}

export interface OutputRowsOptions {
  /** The texts of the rows (`texts`), their MD5 (`hashes`), or neither (vectors and lines only, the fastest). */
  texts?: boolean;
  hashes?: boolean;
  /** The number of values each row must have; default: the dimension the run recorded. */
  dimensions?: number;
  signal?: AbortSignal;
}

/** Rows of JSON Lines gathered into one block. */
const JSONL_BLOCK_ROWS = 1024;
/** Rows of a .npy matrix read at a time: about 4 MiB, whatever the dimension. */
const NPY_CHUNK_BYTES = 4 << 20;

/** The number of values each row of the run's output has. */
export function outputDimension(record: RunRecord): number {
  return record.vectors.dimensions ?? record.vectors.dimension;
}

/**
 * Streams the rows of a finished output block by block, holding one block at a time whatever the file's size: JSON
 * Lines a thousand rows at a time, Parquet a row group, .npy a few MiB (with its lines from `<name>.lines.npy`).
 */
export async function* readOutputRows(
  output: string,
  record: RunRecord,
  options: OutputRowsOptions = {},
): AsyncGenerator<RowBlock> {
  const dimensions = options.dimensions ?? outputDimension(record);
  const blocks =
    record.output.format === 'jsonl'
      ? jsonlBlocks(output, dimensions, options)
      : record.output.format === 'parquet'
        ? parquetBlocks(output, dimensions, options)
        : npyBlocks(output, dimensions);
  const fromInput = record.output.format === 'npy' && (options.texts || options.hashes);
  if (fromInput) await checkInputUnchanged(output, record);
  const inputTexts = fromInput ? inputTextsByLine(record, options.signal) : null;
  try {
    for await (const block of blocks) {
      if (options.signal?.aborted) throw cancelledError();
      if (inputTexts) {
        const texts: string[] = [];
        for (const line of block.lines) texts.push(await inputTexts.textOf(line));
        if (options.texts) block.texts = texts;
        if (options.hashes) block.hashes = texts.map(md5);
      }
      yield block;
    }
  } finally {
    await inputTexts?.close();
  }
}

/**
 * The texts of the given lines of the output (those that are rows of it), read in one pass that parses only the rows
 * wanted (for .npy, from the run's input).
 */
export async function textsOfLines(
  output: string,
  record: RunRecord,
  wanted: Iterable<number>,
): Promise<Map<number, string>> {
  const lines = new Set(wanted);
  const found = new Map<number, string>();
  if (!lines.size) return found;
  const last = Math.max(...lines);
  switch (record.output.format) {
    case 'jsonl': {
      const stream = createReadStream(output);
      const rows = createInterface({ input: stream, crlfDelay: Infinity });
      let row = 0;
      for await (const text of rows) {
        if (!text) continue;
        row += 1;
        // Each row starts with its line, as the writer puts it: the others are not parsed.
        const line = Number(/^\{"line":(\d+),/.exec(text)?.[1] ?? NaN);
        if (!Number.isNaN(line) && !lines.has(line)) {
          if (line > last) break;
          continue;
        }
        const parsed = parseJsonlRow(output, text, row);
        if (lines.has(parsed.line)) found.set(parsed.line, parsed.text);
        if (parsed.line >= last) break;
      }
      rows.close();
      stream.destroy();
      break;
    }
    case 'parquet': {
      const file = await asyncBufferFromFile(output);
      const metadata = await parquetMetadataAsync(file);
      let rowStart = 0;
      for (const group of metadata.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        const groupLines = await parquetReadObjects({ file, metadata, columns: ['line'], rowStart, rowEnd });
        if (groupLines.some((row) => lines.has(Number((row as { line: unknown }).line)))) {
          const rows = await parquetReadObjects({ file, metadata, columns: ['line', 'text'], rowStart, rowEnd });
          for (const row of rows) {
            const { line, text } = row as { line: unknown; text: unknown };
            if (lines.has(Number(line)) && typeof text === 'string') found.set(Number(line), text);
          }
        }
        rowStart = rowEnd;
        if (found.size === lines.size) break;
      }
      break;
    }
    case 'npy': {
      await checkInputUnchanged(output, record);
      const { absolutePath, format, field } = record.input;
      for await (const input of readInput(absolutePath, { format, field })) {
        if (lines.has(input.line) && !isSkipped(input)) found.set(input.line, input.text);
        if (input.line >= last) break;
      }
      break;
    }
  }
  return found;
}

/** The vector of one line of the output, or null where that line is no row of it (skipped, or past its end). */
export async function vectorOfLine(output: string, record: RunRecord, line: number): Promise<Float32Array | null> {
  const dimensions = outputDimension(record);
  for await (const block of readOutputRows(output, record)) {
    const at = block.lines.indexOf(line);
    if (at >= 0) return block.vectors.slice(at * dimensions, (at + 1) * dimensions);
    if ((block.lines[block.lines.length - 1] ?? 0) > line) return null;
  }
  return null;
}

/** Refuses an input changed since the run (size, modification time): its lines may no longer be the rows' texts. */
export async function checkInputUnchanged(output: string, record: RunRecord): Promise<void> {
  const { absolutePath, size, mtimeMs } = record.input;
  const now = await stat(absolutePath).catch(() => null);
  if (!now || now.size !== size || now.mtimeMs !== mtimeMs) {
    throw new EmbeddingError(
      'INPUT_CHANGED',
      `The input of ${output}, ${absolutePath}, ${now ? 'has changed since the run' : 'is not there any more'}: the texts of its rows are read from it.`,
      { kind: 'advice', text: 'Put the input back as it was when the output was made, or embed it again.' },
    );
  }
}

function md5(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

function checkLength(output: string, where: string, length: number, dimensions: number): void {
  if (length !== dimensions)
    throw damaged(output, `${where} has ${length} dimensions, its run's vectors ${dimensions}`);
}

function parseJsonlRow(output: string, text: string, row: number): { line: number; text: string; embedding: number[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw damaged(output, `row ${row} is not JSON`);
  }
  if (!isJsonlRow(parsed)) throw damaged(output, `row ${row} has no line, text and embedding`);
  return parsed;
}

function isJsonlRow(value: unknown): value is { line: number; text: string; embedding: number[] } {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  return typeof row.line === 'number' && typeof row.text === 'string' && Array.isArray(row.embedding);
}

async function* jsonlBlocks(output: string, dimensions: number, options: OutputRowsOptions): AsyncGenerator<RowBlock> {
  const stream = createReadStream(output);
  const rows = createInterface({ input: stream, crlfDelay: Infinity });
  let block = emptyBlock(0, dimensions, JSONL_BLOCK_ROWS, options);
  let row = 0;
  try {
    for await (const text of rows) {
      if (!text) continue;
      row += 1;
      const parsed = parseJsonlRow(output, text, row);
      checkLength(output, `row ${row}`, parsed.embedding.length, dimensions);
      block.vectors.set(parsed.embedding, block.lines.length * dimensions);
      block.lines.push(parsed.line);
      block.texts?.push(parsed.text);
      block.hashes?.push(md5(parsed.text));
      if (block.lines.length === JSONL_BLOCK_ROWS) {
        yield block;
        block = emptyBlock(row, dimensions, JSONL_BLOCK_ROWS, options);
      }
    }
  } finally {
    rows.close();
    stream.destroy();
  }
  if (block.lines.length) yield { ...block, vectors: block.vectors.subarray(0, block.lines.length * dimensions) };
}

function emptyBlock(first: number, dimensions: number, rows: number, options: OutputRowsOptions): RowBlock {
  return {
    first,
    lines: [],
    vectors: new Float32Array(rows * dimensions),
    ...(options.texts ? { texts: [] } : {}),
    ...(options.hashes ? { hashes: [] } : {}),
  };
}

async function* parquetBlocks(
  output: string,
  dimensions: number,
  options: OutputRowsOptions,
): AsyncGenerator<RowBlock> {
  const file = await asyncBufferFromFile(output);
  const metadata = await parquetMetadataAsync(file);
  const columns = ['line', 'embedding', ...(options.texts ? ['text'] : []), ...(options.hashes ? ['text_hash'] : [])];
  let rowStart = 0;
  // Row group by row group: one is held at a time, never the whole file.
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, columns, rowStart, rowEnd });
    const block = emptyBlock(rowStart, dimensions, rows.length, options);
    rows.forEach((found, i) => {
      const { line, text, text_hash: hash, embedding } = found as Record<string, unknown>;
      const row = rowStart + i + 1;
      if (
        (typeof line !== 'bigint' && typeof line !== 'number') ||
        !isNumbers(embedding) ||
        (options.texts && typeof text !== 'string') ||
        (options.hashes && typeof hash !== 'string')
      )
        throw damaged(output, `row ${row} has no line, text and embedding`);
      checkLength(output, `row ${row}`, embedding.length, dimensions);
      block.vectors.set(embedding, i * dimensions);
      block.lines.push(Number(line));
      if (typeof text === 'string') block.texts?.push(text);
      if (typeof hash === 'string') block.hashes?.push(hash);
    });
    yield block;
    rowStart = rowEnd;
  }
}

function isNumbers(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || value instanceof Float32Array || value instanceof Float64Array;
}

/** The matrix a few MiB at a time, with the input line of each row from `<name>.lines.npy`. */
async function* npyBlocks(output: string, dimensions: number): AsyncGenerator<RowBlock> {
  const lines = linesPath(output);
  const handle = await open(output, 'r');
  const linesHandle = await open(lines, 'r').catch(async (error: unknown) => {
    await handle.close();
    throw error;
  });
  try {
    const { shape, start } = await npyHeader(output, handle, '<f4');
    const { start: linesStart } = await npyHeader(lines, linesHandle, '<u4');
    const [rows = 0, columns = 0] = shape;
    checkLength(output, 'each row', columns, dimensions);
    const chunkRows = Math.max(1, Math.floor(NPY_CHUNK_BYTES / (columns * 4)));
    for (let first = 0; first < rows; first += chunkRows) {
      const count = Math.min(chunkRows, rows - first);
      const bytes = count * columns * 4;
      // Buffer.alloc gives a buffer of its own at offset 0, so a typed array can view it.
      const buffer = Buffer.alloc(bytes);
      const { bytesRead } = await handle.read(buffer, 0, bytes, start + first * columns * 4);
      if (bytesRead < bytes) throw damaged(output, `it ends before its ${rows} rows`);
      const lineBuffer = Buffer.alloc(count * 4);
      const { bytesRead: lineBytes } = await linesHandle.read(lineBuffer, 0, count * 4, linesStart + first * 4);
      if (lineBytes < count * 4)
        throw damaged(lines, `it has no line for row ${first + Math.floor(lineBytes / 4) + 1}`);
      yield {
        first,
        lines: Array.from(new Uint32Array(lineBuffer.buffer, lineBuffer.byteOffset, count)),
        vectors: new Float32Array(buffer.buffer, buffer.byteOffset, count * columns),
      };
    }
  } finally {
    await handle.close();
    await linesHandle.close();
  }
}

/** The run's input read alongside the output's rows (both in line order), for the texts .npy does not hold. */
function inputTextsByLine(
  record: RunRecord,
  signal?: AbortSignal,
): { textOf: (line: number) => Promise<string>; close: () => Promise<unknown> } {
  const { absolutePath, format, field } = record.input;
  const input = readInput(absolutePath, { format, field }, signal);
  // A line read past the one asked for, which a later call may ask for.
  let ahead: InputRecord | null = null;
  return {
    async textOf(line) {
      for (;;) {
        let record = ahead;
        ahead = null;
        if (!record) {
          const next = await input.next();
          if (next.done) return '';
          record = next.value;
        }
        if (record.line === line) return isSkipped(record) ? '' : record.text;
        if (record.line > line) {
          ahead = record;
          return '';
        }
      }
    },
    close: () => input.return(undefined),
  };
}
