import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import {
  chunksTexts,
  chunkWindowOf,
  INPUT_FORMATS,
  LONG_TEXT_POLICIES,
  NORMALIZATIONS,
  OUTPUT_FORMATS,
  PRECISIONS,
  type InputFormat,
  type ModelInfo,
  type OutputFormat,
  type Pooling,
  type Precision,
  type SkipReason,
  type TextOptions,
} from '#shared/engine';
import { calibrationSchema, type Calibration } from '#shared/runRecord';
import { plural } from '#shared/format';
import { shardName, type Shard } from '#shared/shard';
import { DEFAULT_GLOB, documentListing } from './documents/documentFiles';
import { isFolder } from './documents/documentReader';
import { EmbeddingError } from './errors';
import { fileKind } from './files';
import { inputFormatFor, type InputOptions } from './input';
import { outputPathsFor, streamedPathsFor } from './output/outputFormats';
import { isCalibrated } from './output/precision';
import { createExclusive, ignoreMissing, moveIntoPlace, sizeKey, writeFully } from './output/stagedFile';

/**
 * What a run's vectors and rows depend on. A run resumes only where all of it is unchanged: the same input file (size
 * and modification time), the same model file, and every option that changes a row.
 */
export interface RunIdentity {
  /** `shard`: the part of the input the run embeds, null for all of it. */
  input: {
    path: string;
    size: number;
    mtimeMs: number;
    format: InputFormat;
    field: string;
    shard: Shard | null;
    /** A folder of documents (`size`: their bytes, `mtimeMs`: the latest of their times), null for a file. */
    documents: DocumentsIdentity | null;
  };
  model: { name: string; size: number; fingerprint: string };
  vectors: Omit<TextOptions, 'chunkTokens' | 'chunkOverlap'> & {
    dimension: number;
    pooling: Pooling;
    contextSize: number;
    /** The chunks of the policies chunk and mean (defaults resolved), null with the others. */
    chunkTokens: number | null;
    chunkOverlap: number | null;
  };
  format: OutputFormat;
  precision: Precision;
}

/** Which documents a folder's run reads: those `glob` matches, `files` of them, `hash` their listing's. */
export interface DocumentsIdentity {
  glob: string;
  files: number;
  hash: string;
}

/**
 * Where the chunks of a folder's document stand after the texts done: the next chunk of the document `line` (its
 * page `page`) is numbered `next`, where its text goes on in the next section.
 */
export interface ChunkCursor {
  line: number;
  page: number | null;
  next: number;
}

/** Totals of the lines done so far, carried over into the stats of a resumed run. */
export interface DoneCounts {
  embedded: number;
  /** Of the lines embedded, those whose rows were copied from an earlier output (see ReuseSource). */
  reused: number;
  /** Rows written: the lines embedded, or with the policy chunk their chunks. */
  rows: number;
  skipped: number;
  failed: number;
  truncated: number;
  tokens: number;
  characters: number;
  skippedByReason: Partial<Record<SkipReason, number>>;
}

/** One durable point: every line up to `lastLine` is in the output files, which were exactly `sizes` bytes long. */
export interface CheckpointMark {
  lastLine: number;
  /** Bytes of each staged file, keyed by its final file name; for a LanceDB table, the version of it that holds them. */
  sizes: Record<string, number>;
  counts: DoneCounts;
  /** Format-specific state added since the previous mark (Parquet: the row groups written, for the footer). */
  added?: unknown[];
  /** int8's and uint8's ranges, in the first mark after they were calibrated. */
  calibration?: Calibration;
  /** A folder's run: where the chunks of the last document done stand. */
  cursor?: ChunkCursor;
}

export interface Checkpoint {
  identity: RunIdentity;
  mark: CheckpointMark;
  /** `added` of every mark up to this one, in order. */
  added: unknown[];
  /** The ranges int8 and uint8 rows were scaled by (a mark up to this one carries them); null for other precisions. */
  calibration: Calibration | null;
}

const VERSION = 1;

/** `<output>.checkpoint`: one JSON record per line, the run's identity first, then one line per durable point. */
export function checkpointPath(outputPath: string): string {
  return `${outputPath}.checkpoint`;
}

/** The identity of the run about to start. Reads the model file's first and last MiB for its fingerprint. */
export async function runIdentity(
  inputPath: string,
  inputOptions: InputOptions,
  model: ModelInfo,
  format: OutputFormat,
  precision: Precision = 'float32',
): Promise<RunIdentity> {
  const glob = inputOptions.glob ?? DEFAULT_GLOB;
  const listing = (await isFolder(inputPath)) ? await documentListing(inputPath, glob) : null;
  const input = listing ? { size: listing.bytes, mtimeMs: listing.mtimeMs } : await stat(inputPath);
  const window = chunkWindowOf(model);
  return {
    input: {
      path: resolve(inputPath),
      size: input.size,
      mtimeMs: input.mtimeMs,
      format: inputFormatFor(inputPath, inputOptions.format),
      field: inputOptions.field ?? 'text',
      shard: inputOptions.shard ?? null,
      documents: listing && { glob, files: listing.files, hash: listing.hash },
    },
    model: { name: model.name, size: model.fileSize, fingerprint: await fileFingerprint(model.path, model.fileSize) },
    vectors: {
      dimension: model.dimension,
      pooling: model.pooling,
      contextSize: model.contextSize,
      normalize: model.normalize,
      prefix: model.prefix,
      onLong: model.onLong,
      dimensions: model.dimensions,
      chunkTokens: window?.tokens ?? null,
      chunkOverlap: window?.overlap ?? null,
    },
    format,
    precision,
  };
}

/** SHA-256 of the file's first and last MiB: a model file's identity, read in milliseconds whatever its size. */
export async function fileFingerprint(path: string, size: number): Promise<string> {
  const span = Math.min(size, 1 << 20);
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    const buffer = Buffer.alloc(span);
    await handle.read(buffer, 0, span, 0);
    hash.update(buffer);
    await handle.read(buffer, 0, span, size - span);
    hash.update(buffer);
    return hash.digest('hex');
  } finally {
    await handle.close();
  }
}

/**
 * An output's size and fingerprint, to tell when it changed: a file's bytes and `fileFingerprint`, or for a LanceDB
 * table (a folder) the bytes of its files and the SHA-256 of their names and sizes: a table changes by adding files.
 */
export async function outputFingerprint(output: string): Promise<{ size: number; fingerprint: string }> {
  const info = await stat(output);
  if (!info.isDirectory()) return { size: info.size, fingerprint: await fileFingerprint(output, info.size) };
  const hash = createHash('sha256');
  let size = 0;
  for (const name of (await readdir(output, { recursive: true })).sort()) {
    const file = await lstat(join(output, name));
    if (!file.isFile()) continue;
    size += file.size;
    hash.update(`${name}\0${file.size}\n`);
  }
  return { size, fingerprint: hash.digest('hex') };
}

const nonNegativeInteger = z.number().int().nonnegative();
const positiveInteger = z.number().int().positive();
const SKIP_REASON_NAMES: Record<SkipReason, true> = {
  blank: true,
  'invalid-utf8': true,
  'nul-byte': true,
  'line-too-large': true,
  'invalid-json': true,
  'missing-field': true,
  'field-not-string': true,
  'too-long': true,
  'no-tokens': true,
  failed: true,
  binary: true,
  encrypted: true,
  'no-text': true,
  unreadable: true,
  unsupported: true,
};

const documentsSchema = z.strictObject({
  glob: z.string(),
  files: nonNegativeInteger,
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});

const identityRecordSchema = z.strictObject({
  version: z.literal(VERSION),
  identity: z.strictObject({
    input: z.strictObject({
      path: z.string().min(1),
      size: nonNegativeInteger,
      // Within what a Date can hold: a refused resume names the time.
      mtimeMs: z.number().min(-8.64e15).max(8.64e15),
      format: z.enum(INPUT_FORMATS),
      field: z.string(),
      // Absent from the checkpoints of runs made before shards: they read every line.
      shard: z.strictObject({ index: nonNegativeInteger, count: positiveInteger }).nullable().default(null),
      // Absent from the checkpoints of runs made before folders of documents: they read a file.
      documents: documentsSchema.nullable().default(null),
    }),
    model: z.strictObject({
      name: z.string(),
      size: nonNegativeInteger,
      fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    }),
    vectors: z.strictObject({
      dimension: positiveInteger,
      pooling: z.enum(['mean', 'cls', 'last']),
      contextSize: positiveInteger,
      normalize: z.enum(NORMALIZATIONS),
      prefix: z.string(),
      onLong: z.enum(LONG_TEXT_POLICIES),
      // Absent from the checkpoints of runs made before the option: they kept every dimension.
      dimensions: positiveInteger.nullable().default(null),
      // Absent from the checkpoints of runs made before the policies chunk and mean.
      chunkTokens: positiveInteger.nullable().default(null),
      chunkOverlap: nonNegativeInteger.nullable().default(null),
    }),
    format: z.enum(OUTPUT_FORMATS),
    // Absent from the checkpoints of runs made before the option: they wrote float32.
    precision: z.enum(PRECISIONS).default('float32'),
  }),
});

/** What the footer of a Parquet file needs of each row group; the rest of it is passed through as written. */
const rowGroupSchema = z.looseObject({
  columns: z.array(z.looseObject({})),
  total_byte_size: z.bigint(),
  num_rows: z.bigint(),
});

const markSchema = z.strictObject({
  lastLine: nonNegativeInteger,
  sizes: z.record(z.string(), nonNegativeInteger),
  counts: z
    .strictObject({
      embedded: nonNegativeInteger,
      // Absent from the checkpoints of runs that reused no earlier output.
      reused: nonNegativeInteger.default(0),
      // Absent from the checkpoints of runs made before the policy chunk: a row a line.
      rows: nonNegativeInteger.optional(),
      skipped: nonNegativeInteger,
      failed: nonNegativeInteger,
      truncated: nonNegativeInteger,
      tokens: nonNegativeInteger,
      characters: nonNegativeInteger,
      skippedByReason: z.partialRecord(
        z.enum(Object.keys(SKIP_REASON_NAMES) as [SkipReason, ...SkipReason[]]),
        nonNegativeInteger,
      ),
    })
    .transform((counts) => ({ ...counts, rows: counts.rows ?? counts.embedded })),
  added: z.array(rowGroupSchema).optional(),
  calibration: calibrationSchema.optional(),
  cursor: z
    .strictObject({ line: positiveInteger, page: positiveInteger.nullable(), next: nonNegativeInteger })
    .optional(),
});

const finishingSchema = z.strictObject({ finishing: z.array(z.string()) });

/**
 * What `readCheckpoint` found at an output:
 * - `none`: no checkpoint;
 * - `started`: a run of this output that made no durable point yet (killed in its first batch): its files are its own,
 *   and nothing of them is worth keeping;
 * - `unfinished`: a run that can be resumed from `checkpoint`;
 * - `finished`: a run that completed every file and was stopped while giving them their final names
 *   (`completeFinish` does the rest).
 */
export type SavedRun =
  | { state: 'none' }
  | { state: 'started' }
  | { state: 'unfinished'; checkpoint: Checkpoint }
  | { state: 'finished'; identity: RunIdentity; finalPaths: string[] };

/**
 * Reads and validates the checkpoint of `outputPath` without changing any file. A checkpoint is data, never
 * instructions: one that does not hold exactly what a run of this output writes is refused (CHECKPOINT_INVALID),
 * whatever it asks for. A last record cut short (a crash while it was appended) is dropped.
 */
export async function readCheckpoint(outputPath: string): Promise<SavedRun> {
  const path = checkpointPath(outputPath);
  const text = await readOwnFile(path);
  if (text === null) return { state: 'none' };
  const invalid = (reason: string): EmbeddingError =>
    new EmbeddingError(
      'CHECKPOINT_INVALID',
      `The checkpoint ${path} is not one a run of ${outputPath} wrote: ${reason}.`,
      { kind: 'replaceCheckpoint' },
    );
  const records = text.split('\n').slice(0, -1);
  const [first, ...rest] = records.map((line, index) => {
    try {
      return JSON.parse(line, revive) as unknown;
    } catch {
      throw invalid(`line ${index + 1} is not JSON`);
    }
  });
  if (first === undefined) return { state: 'started' };
  const identityRecord = identityRecordSchema.safeParse(first);
  if (!identityRecord.success)
    throw invalid(
      `its first line is not a run's identity (${z.prettifyError(identityRecord.error).replace(/\s+/g, ' ')})`,
    );
  const identity = identityRecord.data.identity;
  const documents = identity.input.documents !== null;
  const names = outputPathsFor(outputPath, identity.format, identity.vectors.onLong, documents).map(sizeKey);
  const streamed = streamedPathsFor(outputPath, identity.format, identity.vectors.onLong).map(sizeKey);
  let mark: CheckpointMark | null = null;
  const added: unknown[] = [];
  let calibration: Calibration | null = null;
  const scaled = isCalibrated(identity.precision);
  const dimension = identity.vectors.dimensions ?? identity.vectors.dimension;
  for (const [index, record] of rest.entries()) {
    const line = index + 2;
    const finishing = finishingSchema.safeParse(record);
    if (finishing.success) {
      if (line !== records.length) throw invalid(`line ${line} says the run was finishing, but more follows`);
      // A run of a version that wrote no run record lists the other files.
      const listed = [names, streamed].find((files) => sameNames(finishing.data.finishing, files));
      if (!listed) throw invalid(`line ${line} names files other than ${names.join(', ')}`);
      return { state: 'finished', identity, finalPaths: listed.map((name) => join(dirname(outputPath), name)) };
    }
    const parsed = markSchema.safeParse(record);
    if (!parsed.success)
      throw invalid(`line ${line} is not a durable point (${z.prettifyError(parsed.error).replace(/\s+/g, ' ')})`);
    if (!sameNames(Object.keys(parsed.data.sizes), streamed))
      throw invalid(`line ${line} gives sizes of files other than ${streamed.join(', ')}`);
    if (parsed.data.added?.length && identity.format !== 'parquet')
      throw invalid(`line ${line} adds row groups to ${identity.format} output`);
    const ranges = parsed.data.calibration;
    if (ranges) {
      if (!scaled) throw invalid(`line ${line} gives ranges to ${identity.precision} vectors`);
      if (ranges.min.length !== dimension || ranges.max.length !== dimension)
        throw invalid(`line ${line} gives ranges of other than ${dimension} dimensions`);
      calibration ??= ranges;
    }
    if (scaled && !calibration)
      throw invalid(`line ${line} is a durable point of ${identity.precision} rows without ranges`);
    mark = parsed.data;
    added.push(...(parsed.data.added ?? []));
  }
  return mark ? { state: 'unfinished', checkpoint: { identity, mark, added, calibration } } : { state: 'started' };
}

function sameNames(given: readonly string[], expected: readonly string[]): boolean {
  return given.length === expected.length && expected.every((name) => given.includes(name));
}

/** The text of a regular file, read without following a link; null where there is no file. */
async function readOwnFile(path: string): Promise<string | null> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    if (code === 'ELOOP') throw notRegular(path, 'a symbolic link');
    throw new EmbeddingError(
      'OUTPUT_UNWRITABLE',
      `${path} cannot be read (${code ?? 'error'}).`,
      { kind: 'chooseOutput', why: 'checkpointUnreadable' },
      {
        cause: error,
      },
    );
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notRegular(path, fileKind(info));
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

function notRegular(path: string, kind: string): EmbeddingError {
  return new EmbeddingError('OUTPUT_EXISTS', `${path} is ${kind}, not a regular file.`, {
    kind: 'moveAwayOrChooseOutput',
  });
}

/**
 * Completes a run that `readCheckpoint` found `finished`: gives its files their final names and removes its checkpoint.
 * Only a run starting does this, never a query.
 */
export async function completeFinish(
  outputPath: string,
  finished: Extract<SavedRun, { state: 'finished' }>,
): Promise<void> {
  await moveIntoPlace(finished.finalPaths);
  await rm(checkpointPath(outputPath), { force: true });
}

/**
 * Why an unfinished run cannot continue as the run now asked for, or null where it can. Names the first difference
 * found, in words, with the values before and now.
 */
export function identityDifference(saved: RunIdentity, now: RunIdentity): string | null {
  if (saved.input.path !== now.input.path) return `it read ${saved.input.path}, not ${now.input.path}`;
  const documents = documentsDifference(saved.input.documents, now.input.documents);
  if (documents) return documents;
  if (saved.input.size !== now.input.size || saved.input.mtimeMs !== now.input.mtimeMs) {
    return `the input file changed since (${saved.input.size} bytes modified ${new Date(saved.input.mtimeMs).toISOString()}, now ${now.input.size} bytes modified ${new Date(now.input.mtimeMs).toISOString()})`;
  }
  if (saved.input.format !== now.input.format || saved.input.field !== now.input.field) {
    return `it read the input as ${describeInput(saved.input)}, not ${describeInput(now.input)}`;
  }
  if (describeShard(saved.input.shard) !== describeShard(now.input.shard)) {
    return `it embedded ${describeShard(saved.input.shard)}, not ${describeShard(now.input.shard)}`;
  }
  if (saved.model.size !== now.model.size || saved.model.fingerprint !== now.model.fingerprint) {
    return `it used another model file (${saved.model.name}, ${saved.model.size} bytes; now ${now.model.name}, ${now.model.size} bytes)`;
  }
  if (saved.format !== now.format) return `it wrote ${saved.format}, not ${now.format}`;
  if (saved.precision !== now.precision) return `it stored ${saved.precision} vectors, not ${now.precision}`;
  return vectorsDifference(saved.vectors, now.vectors, true);
}

/**
 * The first option that shapes the vectors in which two runs differ, in words (`its normalization was "l2", now
 * "none"`), or null. `resuming`: a run that stopped at a text too long (policy fail) continues with any policy that
 * writes a row a line.
 */
export function vectorsDifference(
  saved: RunIdentity['vectors'],
  now: RunIdentity['vectors'],
  resuming = false,
): string | null {
  for (const key of Object.keys(VECTOR_OPTION_NAMES) as Array<keyof RunIdentity['vectors']>) {
    // A run that stops at texts too long met none before: any policy that writes a row a line gives the lines done so
    // far the same rows.
    if (resuming && key === 'onLong' && saved.onLong === 'fail' && !chunksTexts(now.onLong)) continue;
    if (saved[key] !== now[key]) {
      return `its ${VECTOR_OPTION_NAMES[key]} was ${describeVectorOption(key, saved)}, now ${describeVectorOption(key, now)}`;
    }
  }
  return null;
}

const VECTOR_OPTION_NAMES: Record<keyof RunIdentity['vectors'], string> = {
  dimension: 'dimension',
  pooling: 'pooling',
  contextSize: 'context size',
  normalize: 'normalization',
  prefix: 'prefix',
  onLong: 'long-text policy',
  dimensions: 'number of dimensions kept',
  chunkTokens: 'chunk tokens',
  chunkOverlap: 'chunk overlap',
};

function describeVectorOption(key: keyof RunIdentity['vectors'], vectors: RunIdentity['vectors']): string {
  const value = vectors[key];
  if (value === null && (key === 'chunkTokens' || key === 'chunkOverlap')) return 'none (no chunks)';
  return key === 'dimensions' && value === null ? 'all' : JSON.stringify(value);
}

function documentsDifference(saved: DocumentsIdentity | null, now: DocumentsIdentity | null): string | null {
  if (!saved || !now)
    return saved === now ? null : `it read ${saved ? 'a folder' : 'a file'}, not ${now ? 'a folder' : 'a file'}`;
  if (saved.glob !== now.glob) return `it read the documents "${saved.glob}" matches, not those "${now.glob}" matches`;
  if (saved.hash !== now.hash)
    return `the folder's documents changed since (${plural(saved.files, 'document')} then, ${plural(now.files, 'document')} now, or one of them changed)`;
  return null;
}

function describeShard(shard: Shard | null): string {
  return shard ? `shard ${shardName(shard)} of the input` : 'every line of the input';
}

function describeInput(input: RunIdentity['input']): string {
  return input.format === 'jsonl' ? `JSON Lines (field "${input.field}")` : 'plain text';
}

/** The checkpoint file of a run in progress: each durable point appended and flushed to the disk. */
export class CheckpointLog {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private size: number,
  ) {}

  /**
   * Starts a new checkpoint for `outputPath`, created as a new file (never through a link); `replace` allows removing
   * an earlier one first.
   */
  static async create(outputPath: string, identity: RunIdentity, replace: boolean): Promise<CheckpointLog> {
    const path = checkpointPath(outputPath);
    if (replace) await unlink(path).catch((error: unknown) => ignoreMissing(error));
    const log = new CheckpointLog(path, await createExclusive(path), 0);
    try {
      await log.append({ version: VERSION, identity });
    } catch (error) {
      await log.remove();
      throw error;
    }
    return log;
  }

  /**
   * Continues the checkpoint of a resumed run: written anew (under a temporary name, then renamed) with the identity of
   * the run now starting and the last durable point, which drops a record a crash cut short.
   */
  static async reopen(outputPath: string, identity: RunIdentity, checkpoint: Checkpoint): Promise<CheckpointLog> {
    const path = checkpointPath(outputPath);
    const fresh = `${path}.${randomBytes(6).toString('hex')}.new`;
    const log = new CheckpointLog(path, await createExclusive(fresh), 0);
    try {
      await log.append({ version: VERSION, identity });
      const { calibration } = checkpoint;
      await log.append({ ...checkpoint.mark, added: checkpoint.added, ...(calibration ? { calibration } : {}) });
      await rename(fresh, path);
    } catch (error) {
      await log.close();
      await rm(fresh, { force: true });
      throw error;
    }
    return log;
  }

  async mark(mark: CheckpointMark): Promise<void> {
    await this.append(mark);
  }

  /** Every file is complete under its staged name and about to be moved into place: from here on the run is done. */
  async finishing(finalPaths: readonly string[]): Promise<void> {
    await this.append({ finishing: finalPaths.map(sizeKey) });
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  /** The run finished (or was cancelled): nothing is left to resume. */
  async remove(): Promise<void> {
    await this.close();
    await rm(this.path, { force: true });
  }

  private async append(record: object): Promise<void> {
    const bytes = Buffer.from(`${JSON.stringify(record, tag)}\n`);
    await writeFully(this.handle, bytes, this.size);
    this.size += bytes.length;
    await this.handle.datasync();
  }
}

/** JSON has no bigint, byte array or non-finite number; Parquet's row group metadata has all three. */
function tag(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (typeof value === 'number' && !Number.isFinite(value)) return { $number: String(value) };
  return value;
}

function revive(_key: string, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const entries = Object.entries(value);
  if (entries.length !== 1) return value;
  const [name, content] = entries[0] as [string, unknown];
  if (typeof content !== 'string') return value;
  if (name === '$bigint') return BigInt(content);
  if (name === '$bytes') return new Uint8Array(Buffer.from(content, 'base64'));
  if (name === '$number') return Number(content);
  return value;
}
