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
import { linesPath, NPY_DESCRS, npyItemSize, type NpyDescr } from '../output/npyWriter';
import { float16Value, packSigns, storedColumns, VectorCodec } from '../output/precision';
import { readRunRecord } from '../runRecord';

/**
 * One row found: its input line, its score (the cosine similarity of the row and the query; int8 and uint8: of the
 * values their steps stand for; binary and ubinary: the share of bits equal to the query's), and its text.
 */
export interface SearchHit {
  line: number;
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
  const query = queryScorer(output, record.precision, await embedQuery(modelPath, record, options));
  const best = new TopRows(options.top);
  switch (record.output.format) {
    case 'jsonl':
      await scanJsonl(output, query, best);
      break;
    case 'parquet':
      await scanParquet(output, query, best);
      break;
    case 'npy':
      await scanNpy(output, record, query, best);
      await readInputTexts(record, best.rows);
      break;
  }
  return best.rows.map(({ line, score, text }) => ({ line, score, text: text ?? '' }));
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

/** The query, as the run's rows store vectors, and how a stored row (`from`: where it starts in `row`) scores. */
export interface QueryScorer {
  /** Numbers per stored row. */
  columns: number;
  score(row: ArrayLike<number>, from?: number): number;
}

/**
 * float32 and float16 rows score by their cosine similarity to the query; int8 and uint8 ones by that of the values
 * their steps stand for, the query scaled by the run's ranges as its rows were; binary and ubinary ones by the share of
 * their bits equal to the query's (1 - hamming distance / dimensions).
 */
export function queryScorer(output: string, precision: RunRecord['precision'], query: Float32Array): QueryScorer {
  const { type, calibration } = precision;
  const dimension = query.length;
  const columns = storedColumns(type, dimension);
  switch (type) {
    case 'float32':
    case 'float16': {
      const norm = normOf(query);
      return { columns, score: (row, from) => cosine(query, norm, row, from) };
    }
    case 'int8':
    case 'uint8': {
      if (!calibration || calibration.min.length !== dimension || calibration.max.length !== dimension)
        throw damaged(output, `its run record has no ranges of its ${dimension} dimensions for its ${type} rows`);
      const codec = new VectorCodec(type, dimension, calibration);
      const scaled = codec.decodeScaled(codec.encode(query), new Float32Array(dimension));
      const norm = normOf(scaled);
      const values = new Float32Array(dimension);
      return { columns, score: (row, from) => cosine(scaled, norm, codec.decodeScaled(row, values, from)) };
    }
    case 'binary':
    case 'ubinary': {
      const bits = packSigns(query, false);
      const offset = type === 'binary' ? 128 : 0;
      return {
        columns,
        score: (row, from = 0) => {
          let differ = 0;
          for (let i = 0; i < bits.length; i += 1)
            differ += bitCount((((row[from + i] ?? 0) + offset) & 0xff) ^ (bits[i] ?? 0));
          return 1 - differ / dimension;
        },
      };
    }
  }
}

function bitCount(byte: number): number {
  let count = 0;
  for (let rest = byte; rest; rest &= rest - 1) count += 1;
  return count;
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

function checkLength(output: string, where: string, length: number, query: QueryScorer): void {
  if (length !== query.columns)
    throw damaged(output, `${where} has ${length} numbers, its run's rows ${query.columns}`);
}

async function scanJsonl(output: string, query: QueryScorer, best: TopRows): Promise<void> {
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
    best.add({ line: parsed.line, score: query.score(parsed.embedding), text: parsed.text, row });
  }
}

function isJsonlRow(value: unknown): value is { line: number; text: string; embedding: number[] } {
  if (typeof value !== 'object' || value === null) return false;
  const row = value as Record<string, unknown>;
  return typeof row.line === 'number' && typeof row.text === 'string' && Array.isArray(row.embedding);
}

async function scanParquet(output: string, query: QueryScorer, best: TopRows): Promise<void> {
  const file = await asyncBufferFromFile(output);
  const metadata = await parquetMetadataAsync(file);
  let rowStart = 0;
  // Row group by row group: one is held at a time, never the whole file.
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({
      file,
      metadata,
      columns: ['line', 'text', 'embedding'],
      rowStart,
      rowEnd,
    });
    rows.forEach((found, i) => {
      const { line, text, embedding } = found as { line: unknown; text: unknown; embedding: unknown };
      const row = rowStart + i + 1;
      if ((typeof line !== 'bigint' && typeof line !== 'number') || typeof text !== 'string' || !isNumbers(embedding))
        throw damaged(output, `row ${row} has no line, text and embedding`);
      checkLength(output, `row ${row}`, embedding.length, query);
      best.add({ line: Number(line), score: query.score(embedding), text, row });
    });
    rowStart = rowEnd;
  }
}

function isNumbers(value: unknown): value is ArrayLike<number> {
  return (
    Array.isArray(value) ||
    value instanceof Float32Array ||
    value instanceof Float64Array ||
    value instanceof Int32Array ||
    value instanceof Int8Array ||
    value instanceof Uint8Array
  );
}

const DESCR_NAMES: Record<NpyDescr, string> = {
  '<f4': 'float32',
  '<f2': 'float16',
  '|i1': 'int8',
  '|u1': 'uint8',
  '<u4': 'uint32',
};

/** The shape of a .npy array of `descr` values, and where its data starts. */
async function npyHeader(
  path: string,
  handle: Awaited<ReturnType<typeof open>>,
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

/** Streams the matrix a few MiB at a time, then reads the input line of each row kept from `<name>.lines.npy`. */
async function scanNpy(output: string, record: RunRecord, query: QueryScorer, best: TopRows): Promise<void> {
  const descr = NPY_DESCRS[record.precision.type];
  const itemSize = npyItemSize(descr);
  const handle = await open(output, 'r');
  try {
    const { shape, start } = await npyHeader(output, handle, descr);
    const [rows = 0, columns = 0] = shape;
    checkLength(output, 'each row', columns, query);
    const rowBytes = columns * itemSize;
    const chunkRows = Math.max(1, Math.floor(NPY_CHUNK_BYTES / rowBytes));
    // Buffer.alloc gives a buffer of its own at offset 0, so a typed array can view it.
    const buffer = Buffer.alloc(chunkRows * rowBytes);
    const values = npyValues(descr, buffer.buffer, chunkRows * columns);
    for (let first = 0; first < rows; first += chunkRows) {
      const count = Math.min(chunkRows, rows - first);
      const bytes = count * rowBytes;
      const { bytesRead } = await handle.read(buffer, 0, bytes, start + first * rowBytes);
      if (bytesRead < bytes) throw damaged(output, `it ends before its ${rows} rows`);
      const numbers = values instanceof Uint16Array ? Float32Array.from(values, float16Value) : values;
      for (let i = 0; i < count; i += 1) {
        best.add({ line: 0, score: query.score(numbers, i * columns), row: first + i });
      }
    }
  } finally {
    await handle.close();
  }
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

/** A view of a .npy chunk's values: float16 as its bits, decoded before scoring. */
function npyValues(descr: NpyDescr, buffer: ArrayBuffer, length: number): ArrayLike<number> {
  switch (descr) {
    case '<f4':
      return new Float32Array(buffer, 0, length);
    case '<f2':
      return new Uint16Array(buffer, 0, length);
    case '|i1':
      return new Int8Array(buffer, 0, length);
    case '|u1':
      return new Uint8Array(buffer, 0, length);
    case '<u4':
      return new Uint32Array(buffer, 0, length);
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

/** Reads the texts of the rows found from the run's input, streamed up to the last line wanted. */
async function readInputTexts(record: RunRecord, found: readonly FoundRow[]): Promise<void> {
  const { absolutePath, format, field } = record.input;
  const byLine = new Map(found.map((row) => [row.line, row]));
  let left = byLine.size;
  if (!left) return;
  for await (const input of readInput(absolutePath, { format, field })) {
    const row = byLine.get(input.line);
    if (row && !isSkipped(input)) {
      row.text = input.text;
      left -= 1;
      if (!left) break;
    }
  }
}
