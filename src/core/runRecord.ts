import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import type { BatchStats, ModelInfo } from '#shared/engine';
import { RUN_RECORD_VERSION, runRecordSchema, type Calibration, type RunRecord } from '#shared/runRecord';
// Built into each bundle, so it holds wherever the app or the command runs from.
import { version } from '../../package.json';
import type { RunIdentity } from './checkpoint';
import { EmbeddingError } from './errors';

/** `<output>.run.json`: what made the output (see RunRecord), written by its run when every line is done. */
export function runRecordPath(outputPath: string): string {
  return `${outputPath}.run.json`;
}

/**
 * The record of a run that did every line: `stats` and `rows` (the rows written) are the whole run's (a resumed one's
 * include the lines before); `inputFingerprint` is the input's `fileFingerprint`; `calibration`: the ranges its int8
 * or uint8 rows were scaled by; `reusedFrom`: the earlier output whose rows it copied.
 */
export function runRecordOf(
  inputPath: string,
  inputFingerprint: string,
  identity: RunIdentity,
  model: ModelInfo,
  stats: BatchStats,
  calibration: Calibration | null = null,
  rows = stats.embedded,
  reusedFrom: string | null = null,
): RunRecord {
  const { input, vectors } = identity;
  return {
    version: RUN_RECORD_VERSION,
    app: { name: 'embedding-studio', version },
    finishedAt: new Date().toISOString(),
    model: {
      file: basename(model.path),
      path: resolve(model.path),
      name: identity.model.name,
      size: identity.model.size,
      fingerprint: identity.model.fingerprint,
    },
    vectors: { ...vectors },
    precision: { type: identity.precision, calibration },
    input: {
      path: inputPath,
      absolutePath: input.path,
      size: input.size,
      mtimeMs: input.mtimeMs,
      fingerprint: inputFingerprint,
      format: input.format,
      field: input.field,
      shard: input.shard,
      documents: input.documents,
    },
    reused: reusedFrom === null ? null : { output: resolve(reusedFrom), lines: stats.reused },
    output: {
      format: identity.format,
      rows,
      lines: stats.lines,
      skipped: stats.skipped,
      failed: stats.failed,
      truncated: stats.truncated,
    },
  };
}

/** The text of run.json, and of a Parquet file's `embedding_studio.run` metadata. */
export function runRecordText(record: RunRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

/**
 * The record of the finished run that made `outputPath`, read from its run.json and checked whole; refused, saying
 * why, where there is none or it is not one a run writes.
 */
export async function readRunRecord(outputPath: string): Promise<RunRecord> {
  const path = runRecordPath(outputPath);
  const refused = (reason: string, cause?: unknown): EmbeddingError =>
    new EmbeddingError(
      'RUN_RECORD_INVALID',
      `${outputPath} has no usable run record: ${path} ${reason}.`,
      { kind: 'embedOutputAgain' },
      { cause },
    );
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      throw refused('does not exist (a run writes it when it has done every line)', error);
    throw refused(`cannot be read (${code ?? 'error'})`, error);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw refused('is not JSON', error);
  }
  const parsed = runRecordSchema.safeParse(json);
  if (!parsed.success)
    throw refused(`is not a run record (${z.prettifyError(parsed.error).replace(/\s+/g, ' ')})`, parsed.error);
  return parsed.data;
}
