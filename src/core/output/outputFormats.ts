import type { OutputFormat } from '#shared/engine';
import { EmbeddingError } from '../errors';
import { JsonlWriter } from './jsonlWriter';
import { linesPath, NpyWriter } from './npyWriter';
import type { OutputWriter, WriterResume } from './outputWriter';
import { ParquetOutputWriter } from './parquetWriter';
import type { VectorCodec } from './precision';
import { runRecordPath } from '../runRecord';
import { skipLogPath } from './skipLog';
import { sizeKey } from './stagedFile';

/** The format a run writes: the one asked for, else the one the output name's extension says. */
export function outputFormatFor(path: string, format?: OutputFormat): OutputFormat {
  if (format) return format;
  const extension = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  if (extension === 'npy' || extension === 'parquet' || extension === 'jsonl') return extension;
  throw new EmbeddingError('BAD_OPTION', `Cannot tell the output format from ${path}.`, { kind: 'chooseFormat' });
}

/**
 * Every file a run with this output writes: the embeddings (and the .npy line-number sidecar), the skip log, then the
 * run record.
 */
export function outputPathsFor(path: string, format: OutputFormat): string[] {
  return [...streamedPathsFor(path, format), runRecordPath(path)];
}

/** The files a run writes batch by batch, which its checkpoints measure: all but the run record, written at the end. */
export function streamedPathsFor(path: string, format: OutputFormat): string[] {
  return [...(format === 'npy' ? [path, linesPath(path)] : [path]), skipLogPath(path)];
}

export async function createOutputWriter(
  path: string,
  format: OutputFormat,
  modelName: string,
  codec: VectorCodec,
  replace: boolean,
  resume?: WriterResume,
): Promise<OutputWriter> {
  switch (format) {
    case 'jsonl':
      return resume ? JsonlWriter.resume(path, codec, sizeOf(resume, path)) : JsonlWriter.open(path, codec, replace);
    case 'npy':
      return NpyWriter.create(
        path,
        codec,
        replace,
        resume && { matrix: sizeOf(resume, path), lines: sizeOf(resume, linesPath(path)) },
      );
    case 'parquet':
      return ParquetOutputWriter.create(
        path,
        modelName,
        codec,
        replace,
        resume && { size: sizeOf(resume, path), rowGroups: resume.added },
      );
  }
}

export function sizeOf(resume: Pick<WriterResume, 'sizes'>, path: string): number {
  const size = resume.sizes[sizeKey(path)];
  if (size === undefined) throw new Error(`the checkpoint has no size for ${path}`);
  return size;
}
