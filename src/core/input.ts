import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { advice, EmbeddingError } from './errors';
import { checkReadableFile } from './files';
import type { InputFormat, SkippedLine } from '#shared/engine';
import { inShard, shardName, shardProblem, type Shard } from '#shared/shard';

export interface InputOptions {
  /** Defaults from the extension: `.jsonl` / `.ndjson` are JSON Lines, everything else plain text. */
  format?: InputFormat;
  /** JSON Lines only: the field holding the text (`text` by default); a dotted path reaches nested objects. */
  field?: string;
  /** Read only the lines of this shard of the file (numbered as in the whole file); default: every line. */
  shard?: Shard;
  /** A folder of documents only: which of its files are read (default: every file of a kind that is read). */
  glob?: string;
}

export interface InputText {
  line: number;
  text: string;
  /** A text of a folder of documents: which document, page or record it is, and where in its text it starts. */
  place?: TextPlace;
}

/** Where a text of a folder of documents is from. */
export interface TextPlace {
  /** The document's path in the folder, '/' separators. */
  source: string;
  /** A PDF's page, a JSON Lines or CSV file's record (1-based); null for a document of one text. */
  page: number | null;
  /** Where the text starts in the page's or document's text, in code points. */
  offset: number;
}

export type InputRecord = InputText | SkippedLine;

export function isSkipped(record: InputRecord): record is SkippedLine {
  return 'reason' in record;
}

/** Lines longer than this are reported as `line-too-large` instead of being held in memory. */
export const MAX_LINE_BYTES = 1 << 20;

const LF = 0x0a;
const CR = 0x0d;
const READ_CHUNK_BYTES = 1 << 20;

export function inputFormatFor(path: string, format?: InputFormat): InputFormat {
  if (format) return format;
  return /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'text';
}

interface RawLine {
  /** The line without its line end, or null for a line over MAX_LINE_BYTES. */
  bytes: Buffer | null;
  /** Where in the file the line ends: the offset just past its newline. */
  end: number;
}

/**
 * Streams the raw lines of a file: LF or CRLF end a line, a UTF-8 byte order mark at the start is dropped, and a last
 * line without a newline still counts. Lines over MAX_LINE_BYTES are yielded as `null` so the caller can report them
 * without ever holding them.
 */
async function* rawLines(path: string, signal?: AbortSignal): AsyncGenerator<RawLine> {
  const stream = createReadStream(path, { highWaterMark: READ_CHUNK_BYTES, signal });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let oversized = false;
  let first = true;
  let read = 0;
  for await (const data of stream as AsyncIterable<Buffer>) {
    let chunk = data;
    read += data.length;
    if (first) {
      first = false;
      chunk = stripBom(path, chunk);
    }
    const offset = read - chunk.length;
    let start = 0;
    for (let end = chunk.indexOf(LF, start); end !== -1; end = chunk.indexOf(LF, start)) {
      const piece = chunk.subarray(start, end);
      start = end + 1;
      if (oversized || pendingBytes + piece.length > MAX_LINE_BYTES + 1) {
        yield { bytes: null, end: offset + start };
      } else {
        const line = pending.length ? Buffer.concat([...pending, piece]) : piece;
        yield { bytes: dropCr(line), end: offset + start };
      }
      pending = [];
      pendingBytes = 0;
      oversized = false;
    }
    if (start < chunk.length && !oversized) {
      const rest = chunk.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > MAX_LINE_BYTES + 1) {
        oversized = true;
        pending = [];
      } else {
        // The stream may reuse nothing, but a copy keeps the 1 MiB chunk from being retained by a short tail.
        pending.push(Buffer.from(rest));
      }
    }
  }
  if (oversized) yield { bytes: null, end: read };
  else if (pendingBytes > 0) yield { bytes: dropCr(Buffer.concat(pending)), end: read };
}

function stripBom(path: string, chunk: Buffer): Buffer {
  if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) return chunk.subarray(3);
  if ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff)) {
    throw new EmbeddingError(
      'INPUT_NOT_UTF8',
      `${path} is UTF-16 encoded; Embedding Studio reads UTF-8.`,
      advice(`Convert it first, for example: iconv -f UTF-16 -t UTF-8 "${path}" > input-utf8.txt`),
    );
  }
  return chunk;
}

/**
 * Checks that the input can be read as UTF-8 lines before anything expensive starts; returns its size less a byte
 * order mark (0: it holds no line).
 */
export async function checkInputFile(path: string): Promise<number> {
  const size = await checkReadableFile(path, 'input');
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(3), 0, 3, 0);
    const head = buffer.subarray(0, bytesRead);
    return size - (head.length - stripBom(path, head).length);
  } finally {
    await handle.close();
  }
}

function dropCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === CR ? line.subarray(0, line.length - 1) : line;
}

/**
 * A record of the input, where in the file its line ends (the offset just past its newline), and `mark`: what a
 * checkpoint says once the record is done (its line; in a folder of documents, how many texts were read).
 */
export interface PlacedRecord {
  record: InputRecord;
  end: number;
  mark: number;
}

/** An input read once, as records, maybe past the records of a run being resumed first (`skip`). */
export interface RecordSource {
  readonly path: string;
  /** How much there is to read, in the unit of `PlacedRecord.end`. */
  readonly size: number;
  /** Where the records start, past those skipped. */
  readonly start: number;
  /** Passes over the records up to `mark` (a checkpoint's), returning the mark reached. */
  skip(mark: number): Promise<number>;
  records(): AsyncGenerator<PlacedRecord>;
  close(): Promise<void>;
}

/**
 * One pass over an input file: the lines of a run being resumed are passed over first (`skip`), then the rest are read
 * as records (`records`), each with where its line ends, so that progress can be told by bytes without counting the
 * lines beforehand.
 */
export class InputReader implements RecordSource {
  private readonly lines: AsyncGenerator<RawLine>;
  private linesRead = 0;
  private passed = 0;

  private constructor(
    readonly path: string,
    /** Bytes in the file when it was opened. */
    readonly size: number,
    private readonly options: InputOptions,
    signal?: AbortSignal,
  ) {
    this.lines = rawLines(path, signal);
  }

  /** Checks that `path` is a readable file; nothing is read before the first line is asked for. */
  static async open(path: string, options: InputOptions = {}, signal?: AbortSignal): Promise<InputReader> {
    if (options.shard) checkShard(options.shard);
    return new InputReader(path, await checkReadableFile(path, 'input'), options, signal);
  }

  /** Where the lines passed over end: the offset in the file the records start from. */
  get start(): number {
    return this.passed;
  }

  /**
   * Passes over the first `lines` lines (done by the run being resumed) without decoding them, before any record is
   * read; returns how many there were, fewer where the file ends first.
   */
  async skip(lines: number): Promise<number> {
    while (this.linesRead < lines) {
      const next = await this.lines.next();
      if (next.done) break;
      this.linesRead += 1;
      this.passed = next.value.end;
    }
    return this.linesRead;
  }

  /**
   * The records of the lines not passed over, in order (of the shard's lines only, where the reader has a shard).
   * Texts are trimmed; whitespace-only lines, invalid UTF-8, NUL bytes and oversized lines become skip records, never
   * errors.
   */
  async *records(): AsyncGenerator<PlacedRecord> {
    const format = inputFormatFor(this.path, this.options.format);
    const field = this.options.field ?? 'text';
    const { shard } = this.options;
    for await (const { bytes, end } of this.lines) {
      this.linesRead += 1;
      if (shard && !inShard(this.linesRead, shard)) continue;
      yield { record: recordOf(this.linesRead, bytes, format, field), end, mark: this.linesRead };
    }
  }

  /** Stops reading (and closes the file) where the records are not read to the end. */
  async close(): Promise<void> {
    await this.lines.return(undefined);
  }
}

/**
 * Reads an input file as a stream of texts and skipped lines, one record per line of the file, in order. The first
 * `afterLine` lines (done by the run being resumed) are passed over without being decoded.
 */
export async function* readInput(
  path: string,
  options: InputOptions = {},
  signal?: AbortSignal,
  afterLine = 0,
): AsyncGenerator<InputRecord> {
  const reader = await InputReader.open(path, options, signal);
  await reader.skip(afterLine);
  for await (const { record } of reader.records()) yield record;
}

/** Refuses a shard that is none of its count's (`BAD_OPTION`). */
export function checkShard(shard: Shard): void {
  const problem = shardProblem(shard);
  if (problem !== null) {
    throw new EmbeddingError(
      'BAD_OPTION',
      `Shard ${shardName(shard)} cannot be read: ${problem}.`,
      advice(`Name a shard from 0 to ${Math.max(shard.count, 1) - 1} of ${shard.count}.`),
    );
  }
}

function recordOf(line: number, bytes: Buffer | null, format: InputFormat, field: string): InputRecord {
  if (bytes === null) return { line, reason: 'line-too-large', detail: `longer than ${MAX_LINE_BYTES} bytes` };
  if (!isUtf8(bytes))
    return {
      line,
      reason: 'invalid-utf8',
      detail: `not valid UTF-8 (first bad byte at column ${firstBadByte(bytes) + 1})`,
    };
  if (bytes.includes(0)) return { line, reason: 'nul-byte', detail: `NUL byte at column ${bytes.indexOf(0) + 1}` };
  const raw = bytes.toString('utf8');
  return format === 'jsonl' ? jsonRecord(line, raw, field) : textRecord(line, raw);
}

function textRecord(line: number, raw: string): InputRecord {
  const text = raw.trim();
  return text ? { line, text } : { line, reason: 'blank' };
}

function jsonRecord(line: number, raw: string, field: string): InputRecord {
  if (!raw.trim()) return { line, reason: 'blank' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    return { line, reason: 'invalid-json', detail: error instanceof Error ? error.message : String(error) };
  }
  const value = lookupField(parsed, field);
  if (value === undefined) return { line, reason: 'missing-field', detail: `no field "${field}"` };
  if (typeof value !== 'string')
    return { line, reason: 'field-not-string', detail: `"${field}" is ${describe(value)}` };
  return textRecord(line, value);
}

function lookupField(value: unknown, field: string): unknown {
  if (!isObject(value)) return undefined;
  if (field in value) return value[field];
  let current: unknown = value;
  for (const part of field.split('.')) {
    if (!isObject(current) || !(part in current)) return undefined;
    current = current[part];
  }
  return current;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** Offset of the first byte that breaks UTF-8's structure (overlongs and surrogates are left to isUtf8). */
function firstBadByte(bytes: Buffer): number {
  let at = 0;
  while (at < bytes.length) {
    const lead = bytes[at] ?? 0;
    const size =
      lead < 0x80
        ? 1
        : lead >= 0xc2 && lead < 0xe0
          ? 2
          : lead >= 0xe0 && lead < 0xf0
            ? 3
            : lead >= 0xf0 && lead < 0xf5
              ? 4
              : 0;
    if (size === 0) return at;
    for (let k = 1; k < size; k += 1) {
      if (((bytes[at + k] ?? 0) & 0xc0) !== 0x80) return at;
    }
    at += size;
  }
  return 0;
}

/** Counts the lines `readInput` will yield, reading the file once at disk speed without decoding it. */
export async function countLines(path: string, signal?: AbortSignal): Promise<number> {
  await checkReadableFile(path, 'input');
  let lines = 0;
  let last = LF;
  let first = true;
  for await (const data of createReadStream(path, {
    highWaterMark: READ_CHUNK_BYTES,
    signal,
  }) as AsyncIterable<Buffer>) {
    const chunk = first ? stripBom(path, data) : data;
    first = false;
    for (let at = chunk.indexOf(LF); at !== -1; at = chunk.indexOf(LF, at + 1)) lines += 1;
    if (chunk.length) last = chunk[chunk.length - 1] ?? LF;
  }
  return last === LF ? lines : lines + 1;
}
