import type { OutputFormat } from '../../shared/engine';
import { EmbeddingError } from '../errors';
import type { EmbeddingResult } from '../results';
import { JsonlWriter } from './jsonlWriter';
import { linesPath, NpyWriter } from './npyWriter';
import { ParquetOutputWriter } from './parquetWriter';
import { skipLogPath } from './skipLog';
import { sizeKey } from './stagedFile';

/** A writer's part of a checkpoint: the bytes of each of its staged files, and state a resumed writer needs. */
export interface WriterCheckpoint {
  sizes: Record<string, number>;
  added?: unknown[];
}

/** Where a resumed writer picks up: its part of the last checkpoint, and `added` of every checkpoint so far. */
export interface WriterResume {
  sizes: Record<string, number>;
  added: unknown[];
}

/**
 * Receives results batch by batch, in line order, and streams them to a staged file; `complete` writes what the
 * format ends with and puts it all on the disk, still under the `.partial` name(s) (`moveIntoPlace` gives the final
 * ones), `keepPartial` closes it as a valid file under its `.partial` name (a run that failed),
 * `abort` removes every trace of it (a run that was cancelled).
 */
export interface OutputWriter {
  /** The files this writer produces once finished. */
  readonly paths: string[];
  write(results: readonly EmbeddingResult[]): Promise<void>;
  /**
   * Puts everything written so far on the disk and says how far that is, or returns null while some rows are only in
   * memory (a Parquet row group still filling), so that no checkpoint can vouch for them.
   */
  checkpoint(): Promise<WriterCheckpoint | null>;
  complete(): Promise<void>;
  keepPartial(): Promise<void>;
  abort(): Promise<void>;
}

export function outputFormatFor(path: string, format?: OutputFormat): OutputFormat {
  if (format) return format;
  const extension = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (extension === 'npy' || extension === 'parquet' || extension === 'jsonl') return extension;
  throw new EmbeddingError(
    'BAD_OPTION',
    `Cannot tell the output format from ${path}.`,
    { kind: 'chooseFormat' },
  );
}

/** Every file a run with this output writes: the embeddings (and the .npy line-number sidecar), then the skip log. */
export function outputPathsFor(path: string, format: OutputFormat): string[] {
  return [...(format === 'npy' ? [path, linesPath(path)] : [path]), skipLogPath(path)];
}

export async function createOutputWriter(
  path: string,
  format: OutputFormat,
  model: { dimension: number; name: string },
  replace: boolean,
  resume?: WriterResume,
): Promise<OutputWriter> {
  switch (format) {
    case 'jsonl':
      return resume ? JsonlWriter.reopen(path, sizeOf(resume, path)) : JsonlWriter.create(path, replace);
    case 'npy':
      return NpyWriter.create(path, model.dimension, replace, resume && { matrix: sizeOf(resume, path), lines: sizeOf(resume, linesPath(path)) });
    case 'parquet':
      return ParquetOutputWriter.create(path, model.name, replace, resume && { size: sizeOf(resume, path), rowGroups: resume.added });
  }
}

export function sizeOf(resume: Pick<WriterResume, 'sizes'>, path: string): number {
  const size = resume.sizes[sizeKey(path)];
  if (size === undefined) throw new Error(`the checkpoint has no size for ${path}`);
  return size;
}
