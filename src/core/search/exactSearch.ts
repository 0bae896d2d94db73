import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { GpuChoice } from '#shared/engine';
import type { RunRecord } from '#shared/runRecord';
import { fileFingerprint } from '../checkpoint';
import { EmbeddingError, errorMessage } from '../errors';
import { checkReadableFile } from '../files';
import { isSkipped, readInput } from '../input';
import { EmbeddingModel, type ModelOptions } from '../model';
import { linesPath, rowsPath } from '../output/npyWriter';
import { rowKindOf, type RowKind } from '../output/outputWriter';
import { readRunRecord } from '../runRecord';

/**
 * One row found: its input line (and in an output of the policy chunk, which chunk of it), its cosine similarity to
 * the query, and its text (the chunk's).
 */
export interface SearchHit {
  line: number;
  chunk?: number;
  score: number;
  text: string;
}

export interface SearchOptions {
  /** The embeddings file of a finished run (with its `<output>.run.json`). */
  output: string;
  query: string;
  /** How many rows to return, best first. */
  top: number;
  /** Put before the query, as the run's prefix was before every text (retrieval models have a query prefix). */
  queryPrefix?: string;
  /** The model file to embed the query with; default: the one the run recorded. It must be that model. */
  model?: string;
  /** Where to look for the run's model by its file name when it is no longer where the run recorded it. */
  modelsDir?: string;
  gpu?: GpuChoice;
  threads?: number;
  probe?: ModelOptions['probe'];
  onNotice?: ModelOptions['onNotice'];
}

/** Rows of a .npy matrix read at a time: about 4 MiB, whatever the dimension. */
const NPY_CHUNK_BYTES = 4 << 20;

/**
 * Exact search: embeds the query with the model and vector options of the run that made `output`, streams every row
 * of the output once keeping only the `top` best, then reads the texts of those rows (from the output, or from the
 * input for .npy, which holds none).
 */
export async function searchOutput(options: SearchOptions): Promise<SearchHit[]> {
  const { output } = options;
  const record = await readRunRecord(output);
  // .npy holds no texts: they are read from the input, which is checked before anything is embedded or read.
  if (record.output.format === 'npy') await checkInputUnchanged(output, record);
  const modelPath = await checkQueryModel(output, record, options.model, options.modelsDir);
  const query = await embedQuery(modelPath, record, options);
  const best = new TopRows(options.top);
  const chunked = record.vectors.onLong === 'chunk';
  switch (record.output.format) {
    case 'jsonl':
      await scanJsonl(output, query, best);
      break;
    case 'parquet':
      await scanParquet(output, query, best, chunked);
      break;
    case 'npy':
      await scanNpy(output, query, best, rowKindOf(record.vectors.onLong));
      await readInputTexts(record, best.rows);
      break;
  }
  return best.rows.map(({ line, chunk, score, text }) => ({
    line,
    ...(chunk === undefined ? {} : { chunk }),
    score,
    text: text ?? '',
  }));
}

/**
 * The model file to embed queries with: `given`, else the file the run recorded. Either must be the model that made
 * the output (its size and fingerprint as the record has them), or the query lands somewhere else than the rows.
 */
export async function checkQueryModel(
  output: string,
  record: RunRecord,
  given?: string,
  modelsDir?: string,
): Promise<string> {
  const recorded = record.model;
  let path = given ?? recorded.path;
  let size: number;
  try {
    size = await checkReadableFile(path, 'model');
  } catch (error) {
    if (given !== undefined) throw error;
    const inFolder = modelsDir === undefined ? null : join(modelsDir, recorded.file);
    const folderSize = inFolder === null ? null : await readableSize(inFolder);
    if (inFolder === null || folderSize === null) {
      const elsewhere = modelsDir === undefined ? '' : ` Nor is ${recorded.file} in the models folder ${modelsDir}.`;
      throw new EmbeddingError(
        'FILE_NOT_FOUND',
        `The model that made ${output} is not there any more: ${errorMessage(error)}${elsewhere}`,
        { kind: 'chooseRunModel', file: recorded.file },
        { cause: error },
      );
    }
    path = inFolder;
    size = folderSize;
  }
  const differences: string[] = [];
  if (size !== recorded.size) differences.push(`it has ${size} bytes where that one has ${recorded.size}`);
  else {
    const fingerprint = await fileFingerprint(path, size);
    if (fingerprint !== recorded.fingerprint)
      differences.push(
        `its content differs (fingerprint ${fingerprint.slice(0, 12)}…, that one ${recorded.fingerprint.slice(0, 12)}…)`,
      );
  }
  if (differences.length) {
    throw new EmbeddingError(
      'MODEL_MISMATCH',
      `${path} is not the model that made ${output}, ${recorded.file} (${recorded.name}): ${differences.join('; ')}.`,
      { kind: 'chooseRunModel', file: recorded.file },
    );
  }
  return path;
}

async function readableSize(path: string): Promise<number | null> {
  try {
    return await checkReadableFile(path, 'model');
  } catch {
    return null;
  }
}

async function embedQuery(modelPath: string, record: RunRecord, options: SearchOptions): Promise<Float32Array> {
  const { vectors } = record;
  const model = await EmbeddingModel.load(modelPath, {
    gpu: options.gpu,
    threads: options.threads,
    probe: options.probe,
    onNotice: options.onNotice,
    contextSize: vectors.contextSize,
    normalize: vectors.normalize,
    dimensions: vectors.dimensions,
    prefix: options.queryPrefix ?? '',
    onLong: 'truncate',
  });
  try {
    const prepared = model.prepare(options.query, 1);
    if (!prepared.ok) {
      throw new EmbeddingError('BAD_OPTION', `The query cannot be embedded: ${prepared.detail}.`, {
        kind: 'advice',
        text: 'Search for a text with words in it.',
      });
    }
    return (await model.embed(prepared.tokens)).vector;
  } finally {
    await model.dispose();
  }
}

interface FoundRow {
  line: number;
  /** With the policy chunk: the chunk, and where it is in its line's text (code points), for a text read from the input. */
  chunk?: number;
  span?: { start: number; end: number };
  score: number;
  /** The output's text of the row, where the output holds it. */
  text?: string;
  /** The row's place in the output (.npy: the row of the matrix). */
  row: number;
}

/** The `size` best rows seen so far, best first; a row that ties the worst kept one does not replace it. */
class TopRows {
  readonly rows: FoundRow[] = [];
  constructor(private readonly size: number) {}

  /** Whether a row of this score would be kept: lets a reader skip decoding the text of one that would not. */
  wants(score: number): boolean {
    return this.rows.length < this.size || score > (this.rows[this.rows.length - 1]?.score ?? -Infinity);
  }

  add(found: FoundRow): void {
    if (!this.wants(found.score)) return;
    let at = this.rows.length;
    while (at > 0 && (this.rows[at - 1]?.score ?? Infinity) < found.score) at -= 1;
    this.rows.splice(at, 0, found);
    if (this.rows.length > this.size) this.rows.pop();
  }
}

/** Cosine similarity of `query` (with its norm) and one row; a row of zeros scores 0. */
function cosine(query: Float32Array, queryNorm: number, row: ArrayLike<number>, from = 0): number {
  let dot = 0;
  let norm = 0;
  for (let i = 0; i < query.length; i += 1) {
    const value = row[from + i] ?? 0;
    dot += (query[i] ?? 0) * value;
    norm += value * value;
  }
  return norm === 0 || queryNorm === 0 ? 0 : dot / (Math.sqrt(norm) * queryNorm);
}

function normOf(vector: Float32Array): number {
  let sum = 0;
  for (const value of vector) sum += value * value;
  return Math.sqrt(sum);
}

function damaged(output: string, what: string): EmbeddingError {
  return new EmbeddingError('FILE_UNREADABLE', `${output} is not an output a run writes: ${what}.`, {
    kind: 'embedOutputAgain',
  });
}

function checkLength(output: string, where: string, length: number, query: Float32Array): void {
  if (length !== query.length)
    throw damaged(output, `${where} has ${length} dimensions, its run's vectors ${query.length}`);
}

async function scanJsonl(output: string, query: Float32Array, best: TopRows): Promise<void> {
  const queryNorm = normOf(query);
  const lines = createInterface({ input: createReadStream(output), crlfDelay: Infinity });
  let row = 0;
  for await (const text of lines) {
    if (!text) continue;
    row += 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw damaged(output, `row ${row} is not JSON`);
    }
    if (!isJsonlRow(parsed)) throw damaged(output, `row ${row} has no line, text and embedding`);
    checkLength(output, `row ${row}`, parsed.embedding.length, query);
    const score = cosine(query, queryNorm, parsed.embedding);
    const chunk = typeof parsed.chunk === 'number' ? { chunk: parsed.chunk } : {};
    best.add({ line: parsed.line, ...chunk, score, text: parsed.text, row });
  }
}

function isJsonlRow(value: unknown): value is { line: number; chunk?: unknown; text: string; embedding: number[] } {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  return typeof row.line === 'number' && typeof row.text === 'string' && Array.isArray(row.embedding);
}

async function scanParquet(output: string, query: Float32Array, best: TopRows, chunked: boolean): Promise<void> {
  const queryNorm = normOf(query);
  const file = await asyncBufferFromFile(output);
  const metadata = await parquetMetadataAsync(file);
  let rowStart = 0;
  // Row group by row group: one is held at a time, never the whole file.
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({
      file,
      metadata,
      columns: chunked ? ['line', 'chunk', 'text', 'embedding'] : ['line', 'text', 'embedding'],
      rowStart,
      rowEnd,
    });
    rows.forEach((found, i) => {
      const { line, chunk, text, embedding } = found as {
        line: unknown;
        chunk?: unknown;
        text: unknown;
        embedding: unknown;
      };
      const row = rowStart + i + 1;
      if ((typeof line !== 'bigint' && typeof line !== 'number') || typeof text !== 'string' || !isNumbers(embedding))
        throw damaged(output, `row ${row} has no line, text and embedding`);
      if (chunked && typeof chunk !== 'number') throw damaged(output, `row ${row} has no chunk`);
      checkLength(output, `row ${row}`, embedding.length, query);
      const score = cosine(query, queryNorm, embedding);
      best.add({ line: Number(line), ...(chunked ? { chunk: Number(chunk) } : {}), score, text, row });
    });
    rowStart = rowEnd;
  }
}

function isNumbers(value: unknown): value is ArrayLike<number> {
  return Array.isArray(value) || value instanceof Float32Array || value instanceof Float64Array;
}

/** The shape of a .npy array of `descr` values, and where its data starts. */
async function npyHeader(
  path: string,
  handle: Awaited<ReturnType<typeof open>>,
  descr: '<f4' | '<u4' | '<i8',
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
    throw damaged(path, `its values are not ${NPY_TYPES[descr]} rows`);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(text)?.[1] ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean)
    .map(Number);
  return { shape, start };
}

const NPY_TYPES = { '<f4': 'float32', '<u4': 'uint32', '<i8': 'int64' } as const;

/**
 * Streams the matrix a few MiB at a time, then reads the input line of each row kept from `<name>.lines.npy` (or
 * `<name>.rows.npy`, with its chunk and place in the line).
 */
async function scanNpy(output: string, query: Float32Array, best: TopRows, rowKind: RowKind): Promise<void> {
  const queryNorm = normOf(query);
  const handle = await open(output, 'r');
  try {
    const { shape, start } = await npyHeader(output, handle, '<f4');
    const [rows = 0, columns = 0] = shape;
    checkLength(output, 'each row', columns, query);
    const chunkRows = Math.max(1, Math.floor(NPY_CHUNK_BYTES / (columns * 4)));
    // Buffer.alloc gives a buffer of its own at offset 0, so a Float32Array can view it.
    const buffer = Buffer.alloc(chunkRows * columns * 4);
    const values = new Float32Array(buffer.buffer, buffer.byteOffset, chunkRows * columns);
    for (let first = 0; first < rows; first += chunkRows) {
      const count = Math.min(chunkRows, rows - first);
      const bytes = count * columns * 4;
      const { bytesRead } = await handle.read(buffer, 0, bytes, start + first * columns * 4);
      if (bytesRead < bytes) throw damaged(output, `it ends before its ${rows} rows`);
      for (let i = 0; i < count; i += 1) {
        best.add({ line: 0, score: cosine(query, queryNorm, values, i * columns), row: first + i });
      }
    }
  } finally {
    await handle.close();
  }
  if (rowKind === 'line') await readNpyLines(output, best);
  else await readNpyRows(output, best, rowKind === 'chunk' ? 4 : 2);
}

async function readNpyLines(output: string, best: TopRows): Promise<void> {
  const lines = linesPath(output);
  const linesHandle = await open(lines, 'r');
  try {
    const { start } = await npyHeader(lines, linesHandle, '<u4');
    const value = Buffer.alloc(4);
    for (const found of best.rows) {
      const { bytesRead } = await linesHandle.read(value, 0, 4, start + found.row * 4);
      if (bytesRead < 4) throw damaged(lines, `it has no line for row ${found.row + 1}`);
      found.line = value.readUInt32LE(0);
    }
  } finally {
    await linesHandle.close();
  }
}

/** Reads (line, chunk, char_start, char_end) or (line, chunks) of each row kept from `<name>.rows.npy`. */
async function readNpyRows(output: string, best: TopRows, columns: number): Promise<void> {
  const path = rowsPath(output);
  const handle = await open(path, 'r');
  try {
    const { start } = await npyHeader(path, handle, '<i8');
    const value = Buffer.alloc(columns * 8);
    for (const found of best.rows) {
      const { bytesRead } = await handle.read(value, 0, value.length, start + found.row * value.length);
      if (bytesRead < value.length) throw damaged(path, `it has nothing for row ${found.row + 1}`);
      found.line = Number(value.readBigInt64LE(0));
      if (columns === 4) {
        found.chunk = Number(value.readBigInt64LE(8));
        found.span = { start: Number(value.readBigInt64LE(16)), end: Number(value.readBigInt64LE(24)) };
      }
    }
  } finally {
    await handle.close();
  }
}

/** Refuses an input changed since the run (size, modification time): its lines may no longer be the rows' texts. */
async function checkInputUnchanged(output: string, record: RunRecord): Promise<void> {
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

/**
 * Reads the texts of the rows found from the run's input, streamed up to the last line wanted: a chunk's is its
 * part of the line, by the code points its row gives.
 */
async function readInputTexts(record: RunRecord, found: readonly FoundRow[]): Promise<void> {
  const { absolutePath, format, field } = record.input;
  const byLine = new Map<number, FoundRow[]>();
  for (const row of found) byLine.set(row.line, [...(byLine.get(row.line) ?? []), row]);
  let left = byLine.size;
  if (!left) return;
  for await (const input of readInput(absolutePath, { format, field })) {
    const rows = byLine.get(input.line);
    if (rows && !isSkipped(input)) {
      const codePoints = rows.some((row) => row.span) ? [...input.text] : [];
      for (const row of rows)
        row.text = row.span ? codePoints.slice(row.span.start, row.span.end).join('') : input.text;
      left -= 1;
      if (!left) break;
    }
  }
}
