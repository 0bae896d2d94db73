import type { LongTextPolicy, TableIndex } from '#shared/engine';
import type { Calibration, RunRecord } from '#shared/runRecord';
import type { EmbeddingResult } from '../results';

/** A writer's part of a checkpoint: the bytes of each of its staged files, and state a resumed writer needs. */
export interface WriterCheckpoint {
  sizes: Record<string, number>;
  added?: unknown[];
  /** int8's and uint8's ranges, in the first checkpoint after they were calibrated: a resumed run scales by them. */
  calibration?: Calibration;
}

/** Where a resumed writer picks up: its part of the last checkpoint, and `added` of every checkpoint so far. */
export interface WriterResume {
  sizes: Record<string, number>;
  added: unknown[];
}

/**
 * Receives results batch by batch, in line order, and streams them to a staged file; `complete` writes what the
 * format ends with (in a format with metadata, the run's record) and puts it all on the disk, still under the
 * `.partial` name(s) (`moveIntoPlace` gives the final ones), `keepPartial` closes it as a valid file under its `.partial` name (a run that failed),
 * `abort` removes every trace of it (a run that was cancelled).
 */
export interface OutputWriter {
  /** The files this writer produces once finished. */
  readonly paths: string[];
  /** LanceDB: the index the table got when it was finished (see `complete`), null for none. */
  readonly tableIndex?: TableIndex | null;
  write(results: readonly EmbeddingResult[]): Promise<void>;
  /**
   * Puts everything written so far on the disk and says how far that is, or returns null while some rows are only in
   * memory (a Parquet row group still filling), so that no checkpoint can vouch for them.
   */
  checkpoint(): Promise<WriterCheckpoint | null>;
  complete(run: RunRecord): Promise<void>;
  keepPartial(): Promise<void>;
  abort(): Promise<void>;
}

/**
 * What a row of the output is: an input line, a chunk of one (policy chunk), the mean of its chunks (mean), or a chunk
 * of a folder's document (`document`).
 */
export type RowKind = 'line' | 'chunk' | 'mean' | 'document';

export function rowKindOf(policy: LongTextPolicy, documents = false): RowKind {
  if (documents) return 'document';
  return policy === 'chunk' || policy === 'mean' ? policy : 'line';
}
