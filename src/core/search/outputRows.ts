import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { ChunkPlace } from '#shared/engine';
import type { RunRecord } from '#shared/runRecord';
import { advice, cancelledError, EmbeddingError } from '../errors';
import { isSkipped, readInput } from '../input';
import { NPY_DESCRS, type NpyDescr } from '../output/npyWriter';
import { lanceBatches, numbersOf, stringsOf } from '../output/lanceReader';
import { npySidecarEntries, readNpyRows } from '../output/npyReader';
import { rowKindOf } from '../output/outputWriter';
import { damaged, isNumbers } from '../output/outputLines';
import { textHashOf } from '../results';
import { float16Value } from '../output/precision';
import { ComparableVectors } from './comparable';

/** Consecutive rows of an output, in its order (which is input line order). */
export interface RowBlock {
  /** The place in the output of the block's first row, from 0. */
  first: number;
  /** The input line of each row. */
  lines: number[];
  /** In an output of the long-text policy chunk: the chunk of its line each row is, and where it is in its text. */
  chunks?: ChunkPlace[];
  /**
   * `lines.length` rows of `dimensions` values each, one after the other, as search compares them whatever precision
   * the run stored them in (see ComparableVectors).
   */
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
 * Lines a thousand rows at a time, Parquet a row group, .npy a few MiB (with its lines from `<name>.lines.npy`), a
 * LanceDB table a batch as LanceDB reads it.
 */
export async function* readOutputRows(
  output: string,
  record: RunRecord,
  options: OutputRowsOptions = {},
): AsyncGenerator<RowBlock> {
  const comparable = new ComparableVectors(output, record.precision, options.dimensions ?? outputDimension(record));
  const chunked = record.vectors.onLong === 'chunk';
  const blocks =
    record.output.format === 'jsonl'
      ? jsonlBlocks(output, comparable, chunked, options)
      : record.output.format === 'parquet'
        ? parquetBlocks(output, comparable, chunked, options)
        : record.output.format === 'lance'
          ? lanceBlocks(output, comparable, chunked, options)
          : npyBlocks(output, record, comparable);
  const fromInput = record.output.format === 'npy' && (options.texts || options.hashes);
  if (fromInput) await checkInputUnchanged(output, record);
  const inputTexts = fromInput ? inputTextsByLine(record, options.signal) : null;
  try {
    for await (const block of blocks) {
      if (options.signal?.aborted) throw cancelledError();
      if (inputTexts) {
        const texts: string[] = [];
        for (const [i, line] of block.lines.entries()) texts.push(await inputTexts.textOf(line, block.chunks?.[i]));
        if (options.texts) block.texts = texts;
        if (options.hashes) block.hashes = texts.map(textHashOf);
      }
      yield block;
    }
  } finally {
    await inputTexts?.close();
  }
}

/** A row of an output found by its place in it: its input line, which chunk of it (outputs of chunks), its text. */
export interface PlacedRow {
  line: number;
  chunk?: ChunkPlace;
  text: string;
}

/**
 * The rows at the given places of the output (from 0, in its order; a place past its end has none), read in one pass
 * that parses only the rows wanted: JSON Lines up to the last place asked for, Parquet the row groups holding them,
 * .npy their sidecar entries where they lie, then their texts from the run's input.
 */
export async function rowsAt(
  output: string,
  record: RunRecord,
  wanted: Iterable<number>,
): Promise<Map<number, PlacedRow>> {
  const places = [...new Set(wanted)].sort((a, b) => a - b);
  const found = new Map<number, PlacedRow>();
  const last = places[places.length - 1];
  if (last === undefined) return found;
  const chunked = record.vectors.onLong === 'chunk';
  switch (record.output.format) {
    case 'jsonl': {
      const asked = new Set(places);
      const stream = createReadStream(output);
      const rows = createInterface({ input: stream, crlfDelay: Infinity });
      let row = 0;
      try {
        for await (const text of rows) {
          if (!text) continue;
          row += 1;
          if (!asked.has(row - 1)) continue;
          const parsed = parseJsonlRow(output, text, row);
          found.set(row - 1, {
            line: parsed.line,
            ...(chunked ? { chunk: chunkPlace(output, row, parsed.chunk, parsed.char_start, parsed.char_end) } : {}),
            text: parsed.text,
          });
          if (row - 1 >= last) break;
        }
      } finally {
        rows.close();
        stream.destroy();
      }
      break;
    }
    case 'parquet': {
      const file = await asyncBufferFromFile(output);
      const metadata = await parquetMetadataAsync(file);
      const columns = ['line', 'text', ...(chunked ? ['chunk', 'char_start', 'char_end'] : [])];
      let rowStart = 0;
      for (const group of metadata.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        const inGroup = places.filter((place) => place >= rowStart && place < rowEnd);
        const from = inGroup[0];
        const to = inGroup[inGroup.length - 1];
        if (from !== undefined && to !== undefined) {
          const rows = await parquetReadObjects({ file, metadata, columns, rowStart: from, rowEnd: to + 1 });
          for (const place of inGroup) {
            const {
              line,
              text,
              chunk,
              char_start: start,
              char_end: end,
            } = (rows[place - from] ?? {}) as Record<string, unknown>;
            if ((typeof line !== 'bigint' && typeof line !== 'number') || typeof text !== 'string')
              throw damaged(output, `row ${place + 1} has no line and text`);
            found.set(place, {
              line: Number(line),
              ...(chunked ? { chunk: chunkPlace(output, place + 1, chunk, start, end) } : {}),
              text,
            });
          }
        }
        rowStart = rowEnd;
        if (rowStart > last) break;
      }
      break;
    }
    case 'lance': {
      const columns = ['line', 'text', ...(chunked ? ['chunk', 'char_start', 'char_end'] : [])];
      for await (const { first, count, columns: read } of lanceBatches(output, columns)) {
        const inBatch = places.filter((place) => place >= first && place < first + count);
        if (inBatch.length) {
          const batchLines = numbersOf(read.get('line'), count);
          const texts = stringsOf(read.get('text'), count);
          const [chunks, starts, ends] = chunked
            ? ['chunk', 'char_start', 'char_end'].map((name) => numbersOf(read.get(name), count))
            : [];
          for (const place of inBatch) {
            const i = place - first;
            found.set(place, {
              line: batchLines[i] ?? 0,
              ...(chunked
                ? { chunk: { index: chunks?.[i] ?? 0, charStart: starts?.[i] ?? 0, charEnd: ends?.[i] ?? 0 } }
                : {}),
              text: texts[i] ?? '',
            });
          }
        }
        if (first + count > last) break;
      }
      break;
    }
    case 'npy': {
      await checkInputUnchanged(output, record);
      const entries = await npySidecarEntries(output, rowKindOf(record.vectors.onLong), places);
      const lines = new Set([...entries.values()].map(([line = 0]) => line));
      const texts = new Map<number, string>();
      const lastLine = Math.max(0, ...lines);
      const { absolutePath, format, field } = record.input;
      for await (const input of readInput(absolutePath, { format, field })) {
        if (lines.has(input.line) && !isSkipped(input)) texts.set(input.line, input.text);
        if (input.line >= lastLine) break;
      }
      for (const [place, [line = 0, index = 0, charStart = 0, charEnd = 0]] of entries) {
        const text = texts.get(line) ?? '';
        found.set(
          place,
          chunked
            ? { line, chunk: { index, charStart, charEnd }, text: [...text].slice(charStart, charEnd).join('') }
            : { line, text },
        );
      }
      break;
    }
  }
  return found;
}

/** The vector of the row at `place` (from 0) of the output, or null past its end. */
export async function rowAt(output: string, record: RunRecord, place: number): Promise<Float32Array | null> {
  const dimensions = outputDimension(record);
  for await (const block of readOutputRows(output, record)) {
    const at = place - block.first;
    if (at < block.lines.length) return at >= 0 ? block.vectors.slice(at * dimensions, (at + 1) * dimensions) : null;
  }
  return null;
}

/**
 * The place and vector of the row of one line of the output (in an output of chunks, of that chunk of it), or null
 * where there is no such row (a skipped line, a line past its end, a chunk past its line's last).
 */
export async function rowOfLine(
  output: string,
  record: RunRecord,
  line: number,
  chunk?: number,
): Promise<{ place: number; vector: Float32Array } | null> {
  const dimensions = outputDimension(record);
  for await (const block of readOutputRows(output, record)) {
    const at = block.lines.findIndex(
      (found, i) => found === line && (block.chunks === undefined || block.chunks[i]?.index === (chunk ?? 0)),
    );
    if (at >= 0)
      return { place: block.first + at, vector: block.vectors.slice(at * dimensions, (at + 1) * dimensions) };
    if ((block.lines[block.lines.length - 1] ?? 0) > line) return null;
  }
  return null;
}

/** Refuses an input changed since the run (size, modification time): its lines may no longer be the rows' texts. */
export async function checkInputUnchanged(output: string, record: RunRecord): Promise<void> {
  if (record.input.documents) {
    throw new EmbeddingError(
      'BAD_OPTION',
      `${output} is a .npy output of a folder of documents: it holds no texts, and they are not read back from the documents.`,
      advice("Embed the folder into JSON Lines or Parquet, which hold each chunk's text, to search it."),
    );
  }
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

function checkLength(output: string, where: string, length: number, comparable: ComparableVectors): void {
  if (length !== comparable.columns)
    throw damaged(output, `${where} has ${length} numbers, its run's rows ${comparable.columns}`);
}

interface JsonlRow {
  line: number;
  chunk?: unknown;
  char_start?: unknown;
  char_end?: unknown;
  text: string;
  embedding: number[];
}

function parseJsonlRow(output: string, text: string, row: number): JsonlRow {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw damaged(output, `row ${row} is not JSON`);
  }
  if (!isJsonlRow(parsed)) throw damaged(output, `row ${row} has no line, text and embedding`);
  return parsed;
}

function isJsonlRow(value: unknown): value is JsonlRow {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  return typeof row.line === 'number' && typeof row.text === 'string' && Array.isArray(row.embedding);
}

async function* jsonlBlocks(
  output: string,
  comparable: ComparableVectors,
  chunked: boolean,
  options: OutputRowsOptions,
): AsyncGenerator<RowBlock> {
  const { dimension: dimensions } = comparable;
  const stream = createReadStream(output);
  const rows = createInterface({ input: stream, crlfDelay: Infinity });
  let block = emptyBlock(0, dimensions, JSONL_BLOCK_ROWS, chunked, options);
  let row = 0;
  try {
    for await (const text of rows) {
      if (!text) continue;
      row += 1;
      const parsed = parseJsonlRow(output, text, row);
      checkLength(output, `row ${row}`, parsed.embedding.length, comparable);
      comparable.decode(parsed.embedding, 0, block.vectors, block.lines.length * dimensions);
      block.lines.push(parsed.line);
      if (chunked) block.chunks?.push(chunkPlace(output, row, parsed.chunk, parsed.char_start, parsed.char_end));
      block.texts?.push(parsed.text);
      block.hashes?.push(textHashOf(parsed.text));
      if (block.lines.length === JSONL_BLOCK_ROWS) {
        yield block;
        block = emptyBlock(row, dimensions, JSONL_BLOCK_ROWS, chunked, options);
      }
    }
  } finally {
    rows.close();
    stream.destroy();
  }
  if (block.lines.length) yield { ...block, vectors: block.vectors.subarray(0, block.lines.length * dimensions) };
}

/** A chunk row's place in its line, as JSON Lines and Parquet store it (Parquet's int64 columns read as bigint). */
function chunkPlace(output: string, row: number, index: unknown, charStart: unknown, charEnd: unknown): ChunkPlace {
  const place = [index, charStart, charEnd].map((value) => (typeof value === 'bigint' ? Number(value) : value));
  if (!place.every((value): value is number => typeof value === 'number'))
    throw damaged(output, `row ${row} has no chunk, char_start and char_end`);
  const [chunk = 0, start = 0, end = 0] = place;
  return { index: chunk, charStart: start, charEnd: end };
}

function emptyBlock(
  first: number,
  dimensions: number,
  rows: number,
  chunked: boolean,
  options: OutputRowsOptions,
): RowBlock {
  return {
    first,
    lines: [],
    ...(chunked ? { chunks: [] } : {}),
    vectors: new Float32Array(rows * dimensions),
    ...(options.texts ? { texts: [] } : {}),
    ...(options.hashes ? { hashes: [] } : {}),
  };
}

async function* parquetBlocks(
  output: string,
  comparable: ComparableVectors,
  chunked: boolean,
  options: OutputRowsOptions,
): AsyncGenerator<RowBlock> {
  const { dimension: dimensions } = comparable;
  const file = await asyncBufferFromFile(output);
  const metadata = await parquetMetadataAsync(file);
  const columns = [
    'line',
    'embedding',
    ...(chunked ? ['chunk', 'char_start', 'char_end'] : []),
    ...(options.texts ? ['text'] : []),
    ...(options.hashes ? ['text_hash'] : []),
  ];
  let rowStart = 0;
  // Row group by row group: one is held at a time, never the whole file.
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, columns, rowStart, rowEnd });
    const block = emptyBlock(rowStart, dimensions, rows.length, chunked, options);
    rows.forEach((found, i) => {
      const { line, chunk, char_start: start, char_end: end, text, text_hash: hash } = found as Record<string, unknown>;
      const { embedding } = found as Record<string, unknown>;
      const row = rowStart + i + 1;
      if (
        (typeof line !== 'bigint' && typeof line !== 'number') ||
        !isNumbers(embedding) ||
        (options.texts && typeof text !== 'string') ||
        (options.hashes && typeof hash !== 'string')
      )
        throw damaged(output, `row ${row} has no line, text and embedding`);
      checkLength(output, `row ${row}`, embedding.length, comparable);
      comparable.decode(embedding, 0, block.vectors, i * dimensions);
      block.lines.push(Number(line));
      if (chunked) block.chunks?.push(chunkPlace(output, row, chunk, start, end));
      if (typeof text === 'string') block.texts?.push(text);
      if (typeof hash === 'string') block.hashes?.push(hash);
    });
    yield block;
    rowStart = rowEnd;
  }
}

/** A LanceDB output batch by batch, as LanceDB reads the table. */
async function* lanceBlocks(
  output: string,
  comparable: ComparableVectors,
  chunked: boolean,
  options: OutputRowsOptions,
): AsyncGenerator<RowBlock> {
  const { dimension: dimensions } = comparable;
  const columns = [
    'line',
    'vector',
    ...(chunked ? ['chunk', 'char_start', 'char_end'] : []),
    ...(options.texts ? ['text'] : []),
    ...(options.hashes ? ['text_hash'] : []),
  ];
  for await (const { first, count, columns: read, vectors } of lanceBatches(output, columns, options.signal)) {
    const block = emptyBlock(first, dimensions, count, chunked, options);
    if (vectors) {
      checkLength(output, 'each row', vectors.size, comparable);
      for (let i = 0; i < count; i += 1)
        comparable.decode(vectors.values, i * vectors.size, block.vectors, i * dimensions);
    }
    block.lines.push(...numbersOf(read.get('line'), count));
    if (chunked) {
      const [chunks, starts, ends] = ['chunk', 'char_start', 'char_end'].map((name) =>
        numbersOf(read.get(name), count),
      );
      for (let i = 0; i < count; i += 1)
        block.chunks?.push({ index: chunks?.[i] ?? 0, charStart: starts?.[i] ?? 0, charEnd: ends?.[i] ?? 0 });
    }
    if (options.texts) block.texts?.push(...stringsOf(read.get('text'), count));
    if (options.hashes) block.hashes?.push(...stringsOf(read.get('text_hash'), count));
    yield block;
  }
}

/**
 * The matrix a few MiB at a time, with what each row is from its sidecar: the input line of each row from
 * `<name>.lines.npy`, or (policies chunk and mean) `<name>.rows.npy`'s (line, chunk, char_start, char_end) or
 * (line, chunks).
 */
async function* npyBlocks(output: string, record: RunRecord, comparable: ComparableVectors): AsyncGenerator<RowBlock> {
  const { dimension: dimensions } = comparable;
  const descr = NPY_DESCRS[record.precision.type];
  const rowKind = rowKindOf(record.vectors.onLong);
  let checked = false;
  for await (const { first, count, columns, matrix, entries } of readNpyRows(output, descr, rowKind, (rowBytes) =>
    Math.floor(NPY_CHUNK_BYTES / rowBytes),
  )) {
    if (!checked) checkLength(output, 'each row', columns, comparable);
    checked = true;
    const stored = npyValues(descr, matrix, count * columns);
    const vectors = new Float32Array(count * dimensions);
    for (let i = 0; i < count; i += 1) comparable.decode(stored, i * columns, vectors, i * dimensions);
    const block: RowBlock = { first, lines: entries.map(([line = 0]) => line), vectors };
    if (rowKind === 'chunk') {
      block.chunks = entries.map(([, index = 0, charStart = 0, charEnd = 0]) => ({ index, charStart, charEnd }));
    }
    yield block;
  }
}

/** The numbers of a chunk of a .npy matrix: float16 decoded from its bits. */
function npyValues(descr: NpyDescr, buffer: Buffer, length: number): ArrayLike<number> {
  switch (descr) {
    case '<f4':
      return new Float32Array(buffer.buffer, buffer.byteOffset, length);
    case '<f2':
      return Float32Array.from(new Uint16Array(buffer.buffer, buffer.byteOffset, length), float16Value);
    case '|i1':
      return new Int8Array(buffer.buffer, buffer.byteOffset, length);
    case '|u1':
      return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
    case '<u4':
      return new Uint32Array(buffer.buffer, buffer.byteOffset, length);
    case '<i8':
      return Float64Array.from(new BigInt64Array(buffer.buffer, buffer.byteOffset, length), Number);
  }
}

/**
 * The run's input read alongside the output's rows (both in line order), for the texts .npy does not hold: a chunk's
 * text is its place in the line's text, in code points.
 */
function inputTextsByLine(
  record: RunRecord,
  signal?: AbortSignal,
): { textOf: (line: number, chunk?: ChunkPlace) => Promise<string>; close: () => Promise<unknown> } {
  const { absolutePath, format, field } = record.input;
  const input = readInput(absolutePath, { format, field }, signal);
  // The line last read: the chunks of one line are rows one after another. Its code points are split once, for them.
  let current: { line: number; text: string; codePoints?: string[] } = { line: 0, text: '' };
  return {
    async textOf(line, chunk) {
      while (current.line < line) {
        const next = await input.next();
        if (next.done) return '';
        current = { line: next.value.line, text: isSkipped(next.value) ? '' : next.value.text };
      }
      if (current.line !== line) return '';
      if (!chunk) return current.text;
      current.codePoints ??= [...current.text];
      return current.codePoints.slice(chunk.charStart, chunk.charEnd).join('');
    },
    close: () => input.return(undefined),
  };
}
