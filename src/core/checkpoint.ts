import { createHash } from 'node:crypto';
import { open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { InputFormat, ModelInfo, OutputFormat, Pooling, SkipReason, TextOptions } from '../shared/engine';
import { EmbeddingError } from './errors';
import { inputFormatFor, type InputOptions } from './input';
import { moveIntoPlace, stagingPath, writeFully } from './output/stagedFile';

/**
 * What a run's vectors and rows depend on. A run resumes only where all of it is unchanged: the same input file (size
 * and modification time), the same model file, and every option that changes a row.
 */
export interface RunIdentity {
  input: { path: string; size: number; mtimeMs: number; format: InputFormat; field: string };
  model: { name: string; size: number; fingerprint: string };
  vectors: TextOptions & { dimension: number; pooling: Pooling; contextSize: number };
  format: OutputFormat;
}

/** Totals of the lines done so far, carried over into the stats of a resumed run. */
export interface DoneCounts {
  embedded: number;
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
  /** Bytes of each staged file, keyed by its final file name. */
  sizes: Record<string, number>;
  counts: DoneCounts;
  /** Format-specific state added since the previous mark (Parquet: the row groups written, for the footer). */
  added?: unknown[];
}

export interface Checkpoint {
  identity: RunIdentity;
  mark: CheckpointMark;
  /** `added` of every mark up to this one, in order. */
  added: unknown[];
}

const VERSION = 1;

/** `<output>.checkpoint`: one JSON record per line, the run's identity first, then one line per durable point. */
function checkpointPath(outputPath: string): string {
  return `${outputPath}.checkpoint`;
}

/** The identity of the run about to start. Reads the model file's first and last MiB for its fingerprint. */
export async function runIdentity(inputPath: string, inputOptions: InputOptions, model: ModelInfo, format: OutputFormat): Promise<RunIdentity> {
  const input = await stat(inputPath);
  return {
    input: {
      path: resolve(inputPath),
      size: input.size,
      mtimeMs: input.mtimeMs,
      format: inputFormatFor(inputPath, inputOptions.format),
      field: inputOptions.field ?? 'text',
    },
    model: { name: model.name, size: model.fileSize, fingerprint: await fileFingerprint(model.path, model.fileSize) },
    vectors: {
      dimension: model.dimension,
      pooling: model.pooling,
      contextSize: model.contextSize,
      normalize: model.normalize,
      prefix: model.prefix,
      onLong: model.onLong,
    },
    format,
  };
}

async function fileFingerprint(path: string, size: number): Promise<string> {
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

/** What `readCheckpoint` answers for a run that had completed every file and was stopped while moving them into place. */
export const MOVE_COMPLETED = 'move completed';

/**
 * The saved checkpoint of an unfinished run of `outputPath`, or null where there is none with a durable point. A run
 * that had completed every file and was stopped while moving them into place is not unfinished: its move is completed
 * here, its checkpoint removed, and the answer is MOVE_COMPLETED.
 */
export async function readCheckpoint(outputPath: string): Promise<Checkpoint | typeof MOVE_COMPLETED | null> {
  let text: string;
  try {
    text = await readFile(checkpointPath(outputPath), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw error;
  }
  let identity: RunIdentity | null = null;
  let mark: CheckpointMark | null = null;
  const added: unknown[] = [];
  let at = 0;
  for (let end = text.indexOf('\n'); end !== -1; at = end + 1, end = text.indexOf('\n', at)) {
    let record: unknown;
    try {
      record = JSON.parse(text.slice(at, end), revive);
    } catch {
      break;
    }
    if (identity === null) {
      if (!isIdentityRecord(record)) break;
      identity = record.identity;
    } else if (isFinishingRecord(record)) {
      await moveIntoPlace(record.finishing.map((name) => join(dirname(outputPath), name)));
      await rm(checkpointPath(outputPath), { force: true });
      return MOVE_COMPLETED;
    } else {
      const next = record as CheckpointMark;
      mark = next;
      added.push(...(next.added ?? []));
    }
  }
  return identity && mark ? { identity, mark, added } : null;
}

function isFinishingRecord(record: unknown): record is { finishing: string[] } {
  return typeof record === 'object' && record !== null && Array.isArray((record as { finishing?: unknown }).finishing);
}

function isIdentityRecord(record: unknown): record is { version: number; identity: RunIdentity } {
  return typeof record === 'object' && record !== null && (record as { version?: unknown }).version === VERSION && 'identity' in record;
}

/**
 * Why an unfinished run cannot continue as the run now asked for, or null where it can. Names the first difference
 * found, in words, with the values before and now.
 */
export function identityDifference(saved: RunIdentity, now: RunIdentity): string | null {
  if (saved.input.path !== now.input.path) return `it read ${saved.input.path}, not ${now.input.path}`;
  if (saved.input.size !== now.input.size || saved.input.mtimeMs !== now.input.mtimeMs) {
    return `the input file changed since (${saved.input.size} bytes modified ${new Date(saved.input.mtimeMs).toISOString()}, now ${now.input.size} bytes modified ${new Date(now.input.mtimeMs).toISOString()})`;
  }
  if (saved.input.format !== now.input.format || saved.input.field !== now.input.field) {
    return `it read the input as ${describeInput(saved.input)}, not ${describeInput(now.input)}`;
  }
  if (saved.model.size !== now.model.size || saved.model.fingerprint !== now.model.fingerprint) {
    return `it used another model file (${saved.model.name}, ${saved.model.size} bytes; now ${now.model.name}, ${now.model.size} bytes)`;
  }
  if (saved.format !== now.format) return `it wrote ${saved.format}, not ${now.format}`;
  for (const key of Object.keys(saved.vectors) as Array<keyof RunIdentity['vectors']>) {
    // A run that stops at texts too long met none before: any policy gives the lines done so far the same rows.
    if (key === 'onLong' && saved.vectors.onLong === 'fail') continue;
    if (saved.vectors[key] !== now.vectors[key]) {
      return `its ${VECTOR_OPTION_NAMES[key]} was ${JSON.stringify(saved.vectors[key])}, now ${JSON.stringify(now.vectors[key])}`;
    }
  }
  return null;
}

const VECTOR_OPTION_NAMES: Record<keyof RunIdentity['vectors'], string> = {
  dimension: 'dimension',
  pooling: 'pooling',
  contextSize: 'context size (--context-size)',
  normalize: 'normalization (--normalize)',
  prefix: 'prefix (--prefix)',
  onLong: 'long-text policy (--on-long)',
};

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

  /** Starts a new checkpoint for `outputPath`, replacing any earlier one. */
  static async create(outputPath: string, identity: RunIdentity): Promise<CheckpointLog> {
    const path = checkpointPath(outputPath);
    const log = new CheckpointLog(path, await open(path, 'w'), 0);
    await log.append({ version: VERSION, identity });
    return log;
  }

  /**
   * Continues the checkpoint of a resumed run: written anew (under a temporary name, then renamed) with the identity of
   * the run now starting and the last durable point, which drops a record a crash cut short.
   */
  static async reopen(outputPath: string, identity: RunIdentity, checkpoint: Checkpoint): Promise<CheckpointLog> {
    const path = checkpointPath(outputPath);
    const fresh = `${path}.new`;
    const log = new CheckpointLog(path, await open(fresh, 'w'), 0);
    try {
      await log.append({ version: VERSION, identity });
      await log.append({ ...checkpoint.mark, added: checkpoint.added });
      await rename(fresh, path);
    } catch (error) {
      await log.close();
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

/** The key of a staged file in a mark's `sizes`. */
export function sizeKey(finalPath: string): string {
  return basename(finalPath);
}

/** Checks that every staged file an unfinished run left is there and holds at least what its checkpoint recorded. */
export async function checkStagedFiles(paths: readonly string[], checkpoint: Checkpoint, outputPath: string): Promise<void> {
  for (const path of paths) {
    const recorded = checkpoint.mark.sizes[sizeKey(path)];
    const actual = await stat(stagingPath(path)).then(
      (info) => info.size,
      () => null,
    );
    if (recorded === undefined || actual === null || actual < recorded) {
      throw new EmbeddingError(
        'RESUME_REFUSED',
        `The unfinished run of ${outputPath} cannot be resumed: ${stagingPath(path)} is ${actual === null ? 'missing' : 'shorter than its checkpoint says'}.`,
        'Start again with --overwrite.',
      );
    }
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
