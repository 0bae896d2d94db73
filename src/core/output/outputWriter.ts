import type { OutputFormat } from '../../shared/engine';
import { EmbeddingError } from '../errors';
import type { EmbeddingResult } from '../results';
import { JsonlWriter } from './jsonlWriter';
import { linesPath, NpyWriter } from './npyWriter';
import { ParquetOutputWriter } from './parquetWriter';
import { skipLogPath } from './skipLog';


/**
 * Receives results batch by batch, in line order, and streams them to a staged file; `finish` makes the output appear
 * under its final name(s), `keepPartial` closes it as a valid file under its `.partial` name (a run that failed),
 * `abort` removes every trace of it (a run that was cancelled).
 */
export interface OutputWriter {
  /** The files this writer produces once finished. */
  readonly paths: string[];
  write(results: readonly EmbeddingResult[]): Promise<void>;
  finish(): Promise<void>;
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
    'End the output name in .jsonl, .npy or .parquet, or pass --format jsonl|npy|parquet.',
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
): Promise<OutputWriter> {
  switch (format) {
    case 'jsonl':
      return JsonlWriter.create(path);
    case 'npy':
      return NpyWriter.create(path, model.dimension);
    case 'parquet':
      return ParquetOutputWriter.create(path, model.name);
  }
}
