import { open, type FileHandle } from 'node:fs/promises';
import {
  asyncBufferFromFile,
  parquetMetadataAsync,
  parquetReadObjects,
  type AsyncBuffer,
  type FileMetaData,
} from 'hyparquet';
import type { Precision } from '#shared/engine';
import type { Calibration, RunRecord } from '#shared/runRecord';
import { vectorsDifference, type RunIdentity } from './checkpoint';
import { cancelledError, EmbeddingError, errorMessage } from './errors';
import { NPY_DESCRS, npyItemSize, rowsPath } from './output/npyWriter';
import { damaged, isNumbers, npyHeader } from './output/outputLines';
import { storedColumns, storedOfBytes, storedVector, type StoredVector } from './output/precision';
import { textHashOf } from './results';
import { readRunRecord } from './runRecord';
import { readOutputRows } from './search/outputRows';

/** What an earlier output stored for a row, to be written again as it is. */
export interface ReusedRow {
  /** Null where the output does not hold them (.npy): the text is tokenized for them. */
  tokens: number | null;
  truncated: boolean | null;
  processingTimeMs: number;
  stored: StoredVector;
  /** With the policy mean: the chunks the row's vector is the mean of. */
  chunks?: number;
}

/** Reads the row at a place of the earlier output. */
interface RowReader {
  row(place: number): Promise<ReusedRow>;
  close(): Promise<void>;
}

/** Bytes of the JSON Lines output read at a time while it is indexed. */
const JSONL_READ_BYTES = 1 << 20;
const EMBEDDING_KEY = Buffer.from(',"embedding":[');

/**
 * The rows of an earlier, finished output of the same model and options, found by their text: a run embeds only the
 * texts the output has no row for, and writes the others' rows as that output stored them (the same numbers, never
 * encoded again). Holds an index of the output's rows by their texts' MD5, sorted, in typed arrays: 20 bytes a row (the
 * hash, 16, and the row's place, 4), 28 for JSON Lines (where the row starts in the file, 8), and about 24 more a row
 * while it is sorted (the hashes in the output's order, and the sort's own copy of the places); never the vectors: a
 * row is read from the file when a line needs it, with the MiB after it (Parquet: with its row group), kept for the
 * rows after it.
 */
export class ReuseSource {
  private constructor(
    /** The earlier output, as given. */
    readonly output: string,
    readonly record: RunRecord,
    /** Each row's MD5 as 4 words, in the order of the hashes; `places` the row of each. */
    private readonly keys: Uint32Array,
    private readonly places: Uint32Array,
    private readonly reader: RowReader,
  ) {}

  /**
   * Checks that `output` is a finished output made as the run of `identity` makes its rows (the same model file, every
   * option that changes a vector, the precision) and indexes its rows; refused (REUSE_REFUSED) saying what differs or
   * what is wrong (no run record, a damaged output, the changed input of a .npy one).
   */
  static async open(output: string, identity: RunIdentity, signal?: AbortSignal): Promise<ReuseSource> {
    const record = await readRunRecord(output).catch((error: unknown) => {
      if (error instanceof EmbeddingError) throw refused(output, error.message.replace(/\.$/, ''), error);
      throw error;
    });
    const difference = reuseDifference(record, identity);
    if (difference) throw refused(output, difference);
    if (record.output.format === 'lance')
      throw refused(output, 'it is a LanceDB table, whose rows are not reused yet (JSON Lines, .npy and Parquet are)');
    const unreadable = (error: unknown): never => {
      // A damaged output, or a .npy one whose input (which holds its texts) changed since.
      if (error instanceof EmbeddingError && error.code === 'CANCELLED') throw error;
      const why = error instanceof EmbeddingError ? error.message.replace(/\.$/, '') : errorMessage(error);
      throw refused(
        output,
        error instanceof EmbeddingError ? why : `its ${record.output.format} file cannot be read (${why})`,
        error,
      );
    };
    const { keys, offsets } = await indexRows(output, record, signal).catch(unreadable);
    const rows = keys.length / 4;
    const order = Uint32Array.from({ length: rows }, (_, i) => i).sort((a, b) => compareKeys(keys, a, keys, b));
    const sorted = new Uint32Array(keys.length);
    order.forEach((row, i) => sorted.set(keys.subarray(row * 4, row * 4 + 4), i * 4));
    const reader = await rowReader(output, record, offsets).catch(unreadable);
    return new ReuseSource(output, record, sorted, order, reader);
  }

  /** int8's and uint8's ranges the earlier rows were scaled by: the run scales its own rows by them. */
  get calibration(): Calibration | null {
    return this.record.precision.calibration;
  }

  /** Whether its rows hold their token counts and truncation (.npy's do not: the texts are tokenized for them). */
  get holdsTokens(): boolean {
    return this.record.output.format !== 'npy';
  }

  /** The row of the output whose text has this MD5 (hex), or -1 where none has. */
  find(textHash: string): number {
    const key = keyOf(textHash);
    let low = 0;
    let high = this.places.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = compareKeys(this.keys, middle, key, 0);
      if (order === 0) return this.places[middle] ?? -1;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  row(place: number): Promise<ReusedRow> {
    return this.reader.row(place);
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

/** Why an earlier output's rows are not those this run would write, in words, or null where they are. */
function reuseDifference(record: RunRecord, identity: RunIdentity): string | null {
  const { model } = identity;
  if (record.model.size !== model.size || record.model.fingerprint !== model.fingerprint) {
    return `it was made with another model file (${record.model.file}, ${record.model.size} bytes; this run's is ${model.name}, ${model.size} bytes)`;
  }
  if (record.vectors.onLong === 'chunk') {
    return "it has a row for each chunk of its long lines, which holds the chunk's text, not its line's: no row can be matched to a line by its text";
  }
  const vectors = vectorsDifference(record.vectors, identity.vectors);
  if (vectors) return vectors.replace(/, now /, ", this run's ");
  if (record.precision.type !== identity.precision) {
    return `it stored ${record.precision.type} vectors, this run stores ${identity.precision}`;
  }
  if (record.precision.type === 'int8' || record.precision.type === 'uint8') {
    if (!record.precision.calibration) return `its run record has no ranges for its ${record.precision.type} vectors`;
  }
  return null;
}

function refused(output: string, why: string, cause?: unknown): EmbeddingError {
  return new EmbeddingError(
    'REUSE_REFUSED',
    `${output} cannot be reused: ${why}.`,
    { kind: 'reuseMatchingOutput' },
    cause === undefined ? undefined : { cause },
  );
}

/** An MD5 in hex as 4 words. */
function keyOf(hash: string): Uint32Array {
  return Uint32Array.of(
    parseInt(hash.slice(0, 8), 16),
    parseInt(hash.slice(8, 16), 16),
    parseInt(hash.slice(16, 24), 16),
    parseInt(hash.slice(24, 32), 16),
  );
}

function compareKeys(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  for (let k = 0; k < 4; k += 1) {
    const x = a[i * 4 + k] ?? 0;
    const y = b[j * 4 + k] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/**
 * The MD5 of each row's text, in the output's order, as 4 words a row; for JSON Lines also where each row starts in
 * the file (and where the last ends). The run record says how many rows there are: an output with other rows is
 * refused as damaged.
 */
async function indexRows(
  output: string,
  record: RunRecord,
  signal?: AbortSignal,
): Promise<{ keys: Uint32Array; offsets: Float64Array | null }> {
  const rows = record.output.rows;
  const keys = new Uint32Array(rows * 4);
  let row = 0;
  const add = (hash: string): void => {
    if (row >= rows) throw damaged(output, `it has more rows than the ${rows} its run record says`);
    if (!/^[0-9a-f]{32}$/.test(hash)) throw damaged(output, `row ${row + 1} has no text hash`);
    keys.set(keyOf(hash), row * 4);
    row += 1;
  };
  let offsets: Float64Array | null = null;
  switch (record.output.format) {
    case 'jsonl':
      offsets = new Float64Array(rows + 1);
      for await (const { hash, start, end } of jsonlHeads(output, signal)) {
        if (row < rows) offsets[row] = start;
        offsets[row + 1] = end;
        add(hash);
      }
      break;
    case 'parquet': {
      const file = await asyncBufferFromFile(output);
      const metadata = await parquetMetadataAsync(file);
      let rowStart = 0;
      for (const group of metadata.row_groups) {
        if (signal?.aborted) throw cancelledError();
        const rowEnd = rowStart + Number(group.num_rows);
        const hashes = await parquetReadObjects({ file, metadata, columns: ['text_hash'], rowStart, rowEnd });
        for (const { text_hash: hash } of hashes as Array<{ text_hash: unknown }>)
          add(typeof hash === 'string' ? hash : '');
        rowStart = rowEnd;
      }
      break;
    }
    case 'npy':
      // A .npy output holds no texts: they are its run's input's, which must be as it was.
      for await (const block of readOutputRows(output, record, { hashes: true, ...(signal ? { signal } : {}) })) {
        for (const hash of block.hashes ?? []) add(hash);
      }
      break;
  }
  if (row < rows) throw damaged(output, `it has ${row} rows, its run record says ${rows}`);
  return { keys, offsets };
}

/**
 * Each row of a JSON Lines output: the hash of its text, read from the row's head (`{"line":…,"text":…,` up to its
 * embedding, which is not parsed), and the bytes it spans in the file.
 */
async function* jsonlHeads(
  output: string,
  signal?: AbortSignal,
): AsyncGenerator<{ hash: string; start: number; end: number }> {
  const handle = await open(output, 'r');
  try {
    let carried = Buffer.alloc(0);
    let carriedAt = 0;
    let position = 0;
    let row = 0;
    const buffer = Buffer.alloc(JSONL_READ_BYTES);
    for (;;) {
      if (signal?.aborted) throw cancelledError();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      const data = carried.length
        ? Buffer.concat([carried, buffer.subarray(0, bytesRead)])
        : buffer.subarray(0, bytesRead);
      const dataAt = carried.length ? carriedAt : position;
      position += bytesRead;
      let from = 0;
      for (let newline = data.indexOf(10); newline >= 0; newline = data.indexOf(10, from)) {
        const line = data.subarray(from, newline);
        if (line.some((byte) => byte > 32)) {
          row += 1;
          yield { hash: textHashOf(headText(output, line, row)), start: dataAt + from, end: dataAt + newline + 1 };
        }
        from = newline + 1;
      }
      carried = Buffer.from(data.subarray(from));
      carriedAt = dataAt + from;
      if (bytesRead === 0) break;
    }
    if (carried.some((byte) => byte > 32)) {
      row += 1;
      yield { hash: textHashOf(headText(output, carried, row)), start: carriedAt, end: carriedAt + carried.length };
    }
  } finally {
    await handle.close();
  }
}

/** The text of a JSON Lines row, from its head alone. */
function headText(output: string, line: Buffer, row: number): string {
  const at = line.indexOf(EMBEDDING_KEY);
  let head: unknown;
  try {
    // Inside a JSON string a quote is escaped: the first `,"embedding":[` is the key's.
    head = at < 0 ? null : JSON.parse(`${line.toString('utf8', 0, at)}}`);
  } catch {
    head = null;
  }
  const text = typeof head === 'object' && head !== null ? (head as { text?: unknown }).text : undefined;
  if (typeof text !== 'string') throw damaged(output, `row ${row} has no line, text and embedding`);
  return text;
}

async function rowReader(output: string, record: RunRecord, offsets: Float64Array | null): Promise<RowReader> {
  const precision = record.precision.type;
  const columns = storedColumns(precision, record.vectors.dimensions ?? record.vectors.dimension);
  switch (record.output.format) {
    case 'jsonl':
      return jsonlReader(output, await open(output, 'r'), offsets ?? new Float64Array(1), precision, columns);
    case 'parquet': {
      const file = await asyncBufferFromFile(output);
      return parquetReader(output, file, await parquetMetadataAsync(file), precision, columns);
    }
    case 'npy':
      return npyReader(output, record, precision, columns);
    case 'lance':
      throw damaged(output, 'its rows are not reused yet');
  }
}

function checkRow(output: string, place: number, embedding: unknown, columns: number): ArrayLike<number> {
  if (!isNumbers(embedding)) throw damaged(output, `row ${place + 1} has no embedding`);
  if (embedding.length !== columns)
    throw damaged(output, `row ${place + 1} has ${embedding.length} numbers, its run's rows ${columns}`);
  return embedding;
}

function jsonlReader(
  output: string,
  handle: FileHandle,
  offsets: Float64Array,
  precision: Precision,
  columns: number,
): RowReader {
  const file = new ReadAhead(handle, offsets[offsets.length - 1] ?? 0);
  return {
    async row(place) {
      const start = offsets[place] ?? 0;
      const bytes = await file.bytes(start, offsets[place + 1] ?? start);
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      } catch {
        throw damaged(output, `row ${place + 1} is not JSON`);
      }
      const { tokens, truncated, embedding, chunks } = parsed;
      if (typeof tokens !== 'number' || typeof truncated !== 'boolean')
        throw damaged(output, `row ${place + 1} has no tokens and truncated`);
      return {
        tokens,
        truncated,
        processingTimeMs: 0,
        stored: storedVector(precision, checkRow(output, place, embedding, columns)),
        ...(typeof chunks === 'number' ? { chunks } : {}),
      };
    },
    close: () => handle.close(),
  };
}

function parquetReader(
  output: string,
  file: AsyncBuffer,
  metadata: FileMetaData,
  precision: Precision,
  columns: number,
): RowReader {
  const starts: number[] = [];
  let total = 0;
  for (const group of metadata.row_groups) {
    starts.push(total);
    total += Number(group.num_rows);
  }
  let held: { group: number; rows: Array<Record<string, unknown>> } | null = null;
  // What a reused row copies: never the texts, which the new input has.
  const names = new Set(metadata.schema.map((element) => element.name));
  const wanted = ['sequence_length', 'processing_time_ms', 'truncated', 'embedding', 'chunks'].filter((name) =>
    names.has(name),
  );
  return {
    async row(place) {
      let group = 0;
      for (let high = starts.length - 1; group < high;) {
        const middle = (group + high + 1) >>> 1;
        if ((starts[middle] ?? 0) <= place) group = middle;
        else high = middle - 1;
      }
      const rowStart = starts[group] ?? 0;
      if (held?.group !== group) {
        const rowEnd = starts[group + 1] ?? total;
        const rows = await parquetReadObjects({ file, metadata, columns: wanted, rowStart, rowEnd });
        held = { group, rows: rows as Array<Record<string, unknown>> };
      }
      const found = held.rows[place - rowStart] ?? {};
      const { sequence_length: tokens, processing_time_ms: time, truncated, embedding, chunks } = found;
      if ((typeof tokens !== 'number' && typeof tokens !== 'bigint') || typeof truncated !== 'boolean')
        throw damaged(output, `row ${place + 1} has no sequence_length and truncated`);
      return {
        tokens: Number(tokens),
        truncated,
        processingTimeMs: Number(time ?? 0),
        stored: storedVector(precision, checkRow(output, place, embedding, columns)),
        ...(chunks === undefined ? {} : { chunks: Number(chunks) }),
      };
    },
    async close() {
      held = null;
      return Promise.resolve();
    },
  };
}

/** A .npy output's row: its bytes, read where the matrix holds them; with the policy mean its chunks from its sidecar. */
async function npyReader(output: string, record: RunRecord, precision: Precision, columns: number): Promise<RowReader> {
  const descr = NPY_DESCRS[precision];
  const rowBytes = columns * npyItemSize(descr);
  const handle = await open(output, 'r');
  const mean = record.vectors.onLong === 'mean';
  let sidecar: { handle: FileHandle } | null = null;
  try {
    const { shape, start } = await npyHeader(output, handle, descr);
    const matrix = new ReadAhead(handle, start + (shape[0] ?? 0) * rowBytes);
    let entries: ReadAhead | null = null;
    let entriesStart = 0;
    if (mean) {
      const sidecarHandle = await open(rowsPath(output), 'r');
      sidecar = { handle: sidecarHandle };
      const header = await npyHeader(rowsPath(output), sidecarHandle, '<i8');
      entriesStart = header.start;
      entries = new ReadAhead(sidecarHandle, header.start + (header.shape[0] ?? 0) * 16);
    }
    return {
      async row(place) {
        const at = start + place * rowBytes;
        const bytes = await matrix.bytes(at, at + rowBytes);
        if (bytes.length < rowBytes) throw damaged(output, `it ends before row ${place + 1}`);
        let chunks: number | undefined;
        if (entries) {
          const entry = await entries.bytes(entriesStart + place * 16, entriesStart + place * 16 + 16);
          if (entry.length < 16) throw damaged(rowsPath(output), `it has nothing for row ${place + 1}`);
          chunks = Number(entry.readBigInt64LE(8));
        }
        return {
          tokens: null,
          truncated: null,
          processingTimeMs: 0,
          // A copy of its own: the row outlives the window it was read in.
          stored: storedOfBytes(precision, Uint8Array.from(bytes)),
          ...(chunks === undefined ? {} : { chunks }),
        };
      },
      async close() {
        await Promise.all([handle.close(), sidecar?.handle.close()]);
      },
    };
  } catch (error) {
    await Promise.all([handle.close(), sidecar?.handle.close()]);
    throw error;
  }
}

/** Bytes a row's read takes from a file at least, for the rows after it: most lines reuse the row after the last. */
const READ_AHEAD_BYTES = 1 << 20;

/** A file read a window at a time: the bytes of a row come from the last window read where it holds them. */
class ReadAhead {
  private window: { start: number; bytes: Buffer } | null = null;

  constructor(
    private readonly handle: FileHandle,
    /** Where the bytes worth reading end. */
    private readonly end: number,
  ) {}

  /**
   * The bytes from `start` to `end` (fewer where the file ends before), viewing the window they are in. A window is read
   * ahead only where the rows asked for go on from the one before (the input in the earlier output's order); a row asked
   * for elsewhere (lines moved, sorted, deduplicated) is read alone.
   */
  async bytes(start: number, end: number): Promise<Buffer> {
    const held = this.window;
    if (held && start >= held.start && end <= held.start + held.bytes.length)
      return held.bytes.subarray(start - held.start, end - held.start);
    const heldEnd = held ? held.start + held.bytes.length : 0;
    const onwards = !held || (start >= heldEnd && start - heldEnd < READ_AHEAD_BYTES);
    const length = onwards ? Math.max(end - start, Math.min(READ_AHEAD_BYTES, this.end - start)) : end - start;
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.handle.read(buffer, 0, length, start);
    this.window = { start, bytes: buffer.subarray(0, bytesRead) };
    return this.window.bytes.subarray(0, Math.min(bytesRead, end - start));
  }
}
