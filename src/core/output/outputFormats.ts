import { chunksTexts, OUTPUT_FORMATS, type LongTextPolicy, type OutputFormat } from '#shared/engine';
import { advice, EmbeddingError } from '../errors';
import { JsonlWriter } from './jsonlWriter';
import { LanceOutputWriter } from './lanceWriter';
import { linesPath, NpyWriter, rowsPath, sourcesPath } from './npyWriter';
import type { OutputWriter, RowKind, WriterResume } from './outputWriter';
import { ParquetOutputWriter } from './parquetWriter';
import type { VectorCodec } from './precision';
import { runRecordPath } from '../runRecord';
import { skipLogPath } from './skipLog';
import { sizeKey } from './stagedFile';

/** The format a run writes: the one asked for, else the one the output name's extension says. */
export function outputFormatFor(path: string, format?: OutputFormat): OutputFormat {
  const extension = /\.([a-z]+)$/i.exec(path)?.[1]?.toLowerCase();
  const found = format ?? OUTPUT_FORMATS.find((each) => each === extension);
  if (!found)
    throw new EmbeddingError('BAD_OPTION', `Cannot tell the output format from ${path}.`, { kind: 'chooseFormat' });
  if (found === 'lance') checkTableName(path);
  return found;
}

/**
 * A LanceDB output is a table folder `<name>.lance` in the database folder that holds it, opened by `<name>`, which
 * LanceDB allows only of letters, digits, underscores, hyphens and periods.
 */
function checkTableName(path: string): void {
  const name = /([^/\\]*?)(\.lance)?$/i.exec(path)?.[1] ?? '';
  if (!/\.lance$/i.test(path) || !/^[A-Za-z0-9_.-]+$/.test(name)) {
    throw new EmbeddingError(
      'BAD_OPTION',
      `${path} cannot be a LanceDB table: its name must end in .lance, before it only letters, digits, underscores, hyphens and periods.`,
      advice('Name the output like corpus.lance.'),
    );
  }
}

/**
 * Every file a run with this output writes: the embeddings (and the .npy sidecar saying what each row is), the skip
 * log, then those written at the end: a folder's .npy list of documents, the run record.
 */
export function outputPathsFor(
  path: string,
  format: OutputFormat,
  policy: LongTextPolicy = 'truncate',
  documents = false,
): string[] {
  const sources = documents && format === 'npy' ? [sourcesPath(path)] : [];
  return [...streamedPathsFor(path, format, policy), ...sources, runRecordPath(path)];
}

/** The files a run writes batch by batch, which its checkpoints measure: all but those written at the end. */
export function streamedPathsFor(path: string, format: OutputFormat, policy: LongTextPolicy = 'truncate'): string[] {
  const sidecar = chunksTexts(policy) ? rowsPath(path) : linesPath(path);
  return [...(format === 'npy' ? [path, sidecar] : [path]), skipLogPath(path)];
}

export async function createOutputWriter(
  path: string,
  format: OutputFormat,
  model: { name: string; rows: RowKind },
  codec: VectorCodec,
  replace: boolean,
  resume?: WriterResume,
): Promise<OutputWriter> {
  switch (format) {
    case 'jsonl':
      return resume
        ? JsonlWriter.resume(path, codec, model.rows, sizeOf(resume, path))
        : JsonlWriter.open(path, codec, model.rows, replace);
    case 'npy': {
      const sidecar = model.rows === 'line' ? linesPath(path) : rowsPath(path);
      return NpyWriter.create(
        path,
        codec,
        model.rows,
        replace,
        resume && { matrix: sizeOf(resume, path), sidecar: sizeOf(resume, sidecar) },
      );
    }
    case 'parquet':
      return ParquetOutputWriter.create(
        path,
        model.name,
        codec,
        model.rows,
        replace,
        resume && { size: sizeOf(resume, path), rowGroups: resume.added },
      );
    case 'lance':
      return LanceOutputWriter.create(
        path,
        model.name,
        codec,
        model.rows,
        replace,
        resume && { version: sizeOf(resume, path) },
      );
  }
}

export function sizeOf(resume: Pick<WriterResume, 'sizes'>, path: string): number {
  const size = resume.sizes[sizeKey(path)];
  if (size === undefined) throw new Error(`the checkpoint has no size for ${path}`);
  return size;
}
