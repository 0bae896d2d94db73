import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { ChunkPlace, DocumentPlace } from '#shared/engine';
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
  /** In an output of a folder of documents (but .npy's): the document each row is a chunk of. */
  documents?: DocumentPlace[];
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
  const shape = rowShapeOf(record);
  const blocks =
    record.output.format === 'jsonl'
      ? jsonlBlocks(output, comparable, shape, options)
      : record.output.format === 'parquet'
        ? parquetBlocks(output, comparable, shape, options)
        : record.output.format === 'lance'
          ? lanceBlocks(output, comparable, shape, options)
          : npyBlocks(output, record, comparable, shape);
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
  document?: DocumentPlace;
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
  const shape = rowShapeOf(record);
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
          const where = rowWhere(output, row, shape, (name) => parsed[name]);
          found.set(row - 1, { line: parsed.line, ...where, text: parsed.text });
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
      const columns = ['line', 'text', ...shapeColumns(shape)];
      let rowStart = 0;
      for (const group of metadata.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        const inGroup = places.filter((place) => place >= rowStart && place < rowEnd);
        const from = inGroup[0];
        const to = inGroup[inGroup.length - 1];
        if (from !== undefined && to !== undefined) {
          const rows = await parquetReadObjects({ file, metadata, columns, rowStart: from, rowEnd: to + 1 });
          for (const place of inGroup) {
            const values = (rows[place - from] ?? {}) as Record<string, unknown>;
            const { line, text } = values;
            if ((typeof line !== 'bigint' && typeof line !== 'number') || typeof text !== 'string')
              throw damaged(output, `row ${place + 1} has no line and text`);
            const where = rowWhere(output, place + 1, shape, (name) => values[name]);
            found.set(place, { line: Number(line), ...where, text });
          }
        }
        rowStart = rowEnd;
        if (rowStart > last) break;
      }
      break;
    }
    case 'lance': {
      const columns = ['line', 'text', ...shapeColumns(shape)];
      for await (const { first, count, columns: read } of lanceBatches(output, columns)) {
        const inBatch = places.filter((place) => place >= first && place < first + count);
        if (inBatch.length) {
          const batchLines = numbersOf(read.get('line'), count);
          const texts = stringsOf(read.get('text'), count);
          for (const place of inBatch) {
            const i = place - first;
            const where = rowWhere(output, place + 1, shape, (name): unknown => read.get(name)?.get(i));
            found.set(place, { line: batchLines[i] ?? 0, ...where, text: texts[i] ?? '' });
          }
        }
        if (first + count > last) break;
      }
      break;
    }
    case 'npy': {
      await checkInputUnchanged(output, record);
      const entries = await npySidecarEntries(output, rowKindOf(record.vectors.onLong, shape.documents), places);
      const lines = new Set([...entries.values()].map(([line = 0]) => line));
      const texts = new Map<number, string>();
      const lastLine = Math.max(0, ...lines);
      const { absolutePath, format, field } = record.input;
      for await (const input of readInput(absolutePath, { format, field })) {
        if (lines.has(input.line) && !isSkipped(input)) texts.set(input.line, input.text);
        if (input.line >= lastLine) break;
      }
      for (const [place, entry] of entries) {
        const line = entry[0] ?? 0;
        const text = texts.get(line) ?? '';
        const chunk = shape.chunked ? npyChunk(entry, shape) : undefined;
        found.set(
          place,
          chunk ? { line, chunk, text: [...text].slice(chunk.charStart, chunk.charEnd).join('') } : { line, text },
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
 * The place and vector of the row of one line of the output (in an output of chunks, of that chunk of it; in a folder's,
 * of that page's, 0 for a document without pages), or null where there is no such row (a skipped line, a line past its
 * end, a chunk past its line's last, a page it does not have).
 */
export async function rowOfLine(
  output: string,
  record: RunRecord,
  line: number,
  chunk?: number,
  page?: number,
): Promise<{ place: number; vector: Float32Array } | null> {
  const dimensions = outputDimension(record);
  for await (const block of readOutputRows(output, record)) {
    const at = block.lines.findIndex(
      (found, i) =>
        found === line &&
        (block.chunks === undefined || block.chunks[i]?.index === (chunk ?? 0)) &&
        (block.documents === undefined || (block.documents[i]?.page ?? 0) === (page ?? 0)),
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
  text: string;
  embedding: number[];
  [field: string]: unknown;
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
  shape: RowShape,
  options: OutputRowsOptions,
): AsyncGenerator<RowBlock> {
  const { dimension: dimensions } = comparable;
  const stream = createReadStream(output);
  const rows = createInterface({ input: stream, crlfDelay: Infinity });
  let block = emptyBlock(0, dimensions, JSONL_BLOCK_ROWS, shape, options);
  let row = 0;
  try {
    for await (const text of rows) {
      if (!text) continue;
      row += 1;
      const parsed = parseJsonlRow(output, text, row);
      checkLength(output, `row ${row}`, parsed.embedding.length, comparable);
      comparable.decode(parsed.embedding, 0, block.vectors, block.lines.length * dimensions);
      block.lines.push(parsed.line);
      addWhere(
        block,
        rowWhere(output, row, shape, (name) => parsed[name]),
      );
      block.texts?.push(parsed.text);
      block.hashes?.push(textHashOf(parsed.text));
      if (block.lines.length === JSONL_BLOCK_ROWS) {
        yield block;
        block = emptyBlock(row, dimensions, JSONL_BLOCK_ROWS, shape, options);
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

/** What names a row of an output besides its line: its chunk (policy chunk, a folder's documents), its document. */
interface RowShape {
  chunked: boolean;
  documents: boolean;
}

function rowShapeOf(record: RunRecord): RowShape {
  return { chunked: record.vectors.onLong === 'chunk', documents: Boolean(record.input.documents) };
}

/** The JSON Lines fields, Parquet and LanceDB columns that hold it. */
function shapeColumns(shape: RowShape): string[] {
  return [
    ...(shape.documents ? ['source', 'page'] : []),
    ...(shape.chunked ? ['chunk', 'char_start', 'char_end'] : []),
  ];
}

/** A row's chunk and document, from the values of its fields or columns (`value(name)`). */
function rowWhere(
  output: string,
  row: number,
  shape: RowShape,
  value: (name: string) => unknown,
): { chunk?: ChunkPlace; document?: DocumentPlace } {
  const chunk = shape.chunked
    ? chunkPlace(output, row, value('chunk'), value('char_start'), value('char_end'))
    : undefined;
  if (!shape.documents) return chunk ? { chunk } : {};
  const source = value('source');
  const page = value('page') ?? null;
  if (typeof source !== 'string' || (page !== null && typeof page !== 'number' && typeof page !== 'bigint'))
    throw damaged(output, `row ${row} has no source and page`);
  return { ...(chunk ? { chunk } : {}), document: { source, page: page === null ? null : Number(page) } };
}

function addWhere(block: RowBlock, where: { chunk?: ChunkPlace; document?: DocumentPlace }): void {
  if (where.chunk) block.chunks?.push(where.chunk);
  if (where.document) block.documents?.push(where.document);
}

/** A chunk's place from its .npy sidecar entry: (line, chunk, start, end), or a document's (line, page, chunk, ...). */
function npyChunk(entry: readonly number[], shape: RowShape): ChunkPlace {
  const [index = 0, charStart = 0, charEnd = 0] = entry.slice(shape.documents ? 2 : 1);
  return { index, charStart, charEnd };
}

function emptyBlock(
  first: number,
  dimensions: number,
  rows: number,
  shape: RowShape,
  options: OutputRowsOptions,
): RowBlock {
  return {
    first,
    lines: [],
    ...(shape.chunked ? { chunks: [] } : {}),
    ...(shape.documents ? { documents: [] } : {}),
    vectors: new Float32Array(rows * dimensions),
    ...(options.texts ? { texts: [] } : {}),
    ...(options.hashes ? { hashes: [] } : {}),
  };
}

async function* parquetBlocks(
  output: string,
  comparable: ComparableVectors,
  shape: RowShape,
  options: OutputRowsOptions,
): AsyncGenerator<RowBlock> {
  const { dimension: dimensions } = comparable;
  const file = await asyncBufferFromFile(output);
  const metadata = await parquetMetadataAsync(file);
  const columns = [
    'line',
    'embedding',
    ...shapeColumns(shape),
    ...(options.texts ? ['text'] : []),
    ...(options.hashes ? ['text_hash'] : []),
  ];
  let rowStart = 0;
  // Row group by row group: one is held at a time, never the whole file.
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, columns, rowStart, rowEnd });
    const block = emptyBlock(rowStart, dimensions, rows.length, shape, options);
    rows.forEach((found, i) => {
      const values = found as Record<string, unknown>;
      const { line, text, text_hash: hash, embedding } = values;
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
      addWhere(
        block,
        rowWhere(output, row, shape, (name) => values[name]),
      );
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
  shape: RowShape,
  options: OutputRowsOptions,
): AsyncGenerator<RowBlock> {
  const { dimension: dimensions } = comparable;
  const columns = [
    'line',
    'vector',
    ...shapeColumns(shape),
    ...(options.texts ? ['text'] : []),
    ...(options.hashes ? ['text_hash'] : []),
  ];
  for await (const { first, count, columns: read, vectors } of lanceBatches(output, columns, options.signal)) {
    const block = emptyBlock(first, dimensions, count, shape, options);
    if (vectors) {
      checkLength(output, 'each row', vectors.size, comparable);
      for (let i = 0; i < count; i += 1)
        comparable.decode(vectors.values, i * vectors.size, block.vectors, i * dimensions);
    }
    block.lines.push(...numbersOf(read.get('line'), count));
    for (let i = 0; i < count; i += 1)
      addWhere(
        block,
        rowWhere(output, first + i + 1, shape, (name): unknown => read.get(name)?.get(i)),
      );
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
async function* npyBlocks(
  output: string,
  record: RunRecord,
  comparable: ComparableVectors,
  shape: RowShape,
): AsyncGenerator<RowBlock> {
  const { dimension: dimensions } = comparable;
  const descr = NPY_DESCRS[record.precision.type];
  const rowKind = rowKindOf(record.vectors.onLong, shape.documents);
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
    if (shape.chunked) block.chunks = entries.map((entry) => npyChunk(entry, shape));
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
