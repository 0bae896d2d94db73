import { stat } from 'node:fs/promises';
import { BatchProcessor, type BatchConfig } from './batchProcessor';
import { cancelledError, EmbedJobError, EmbeddingError, errorMessage } from './errors';
import { checkWritableOutput } from './files';
import type { EmbedJobSummary, ModelInfo, OutputFormat, BatchStats, ProgressInfo, SkippedLine } from '../shared/engine';
import { checkInputFile, type InputOptions } from './input';
import { EmbeddingModel, type ModelOptions } from './model';
import { createOutputWriter, outputFormatFor, outputPathsFor, type OutputWriter } from './output/outputWriter';
import { SkipLog } from './output/skipLog';
import type { PauseGate } from './pauseGate';
import { stagingPath } from './output/stagedFile';

export interface EmbedJobOptions {
  /** A model file to load (and dispose of afterwards), or a model already loaded by the caller. */
  model: string | EmbeddingModel;
  modelOptions?: ModelOptions;
  input: string;
  inputOptions?: InputOptions;
  output: string;
  format?: OutputFormat;
  overwrite?: boolean;
  batch?: Partial<Omit<BatchConfig, 'onProgress'>>;
  signal?: AbortSignal;
  /** Lets the caller pause the run between texts and resume it. */
  pause?: PauseGate;
  onProgress?: (progress: ProgressInfo) => void;
  onSkip?: (skipped: SkippedLine) => void;
  /** Called once the model is loaded, before the first line is read. */
  onModel?: (model: ModelInfo) => void;
}

/**
 * The checks a run starts with, before anything expensive: the input is a readable UTF-8 file, the output format is
 * known, and the output files can be written. Returns the output format.
 */
export async function checkJobFiles(options: Pick<EmbedJobOptions, 'input' | 'output' | 'format' | 'overwrite'>): Promise<OutputFormat> {
  await checkInputFile(options.input);
  const format = outputFormatFor(options.output, options.format);
  await checkWritableOutput(outputPathsFor(options.output, format), options.overwrite ?? false);
  return format;
}

/**
 * Embeds one file into one output, the way both front ends run it: cheap checks first, then the model, then the
 * batches streamed to staged files that are renamed into place only when the whole input is done. A cancelled run
 * leaves nothing behind; a failed one keeps what it finished under `.partial` names.
 */
export async function runEmbedJob(options: EmbedJobOptions): Promise<EmbedJobSummary> {
  const format = await checkJobFiles(options);
  const ownsModel = typeof options.model === 'string';
  const model = typeof options.model === 'string' ? await EmbeddingModel.load(options.model, { ...options.modelOptions, signal: options.signal }) : options.model;
  try {
    options.onModel?.(model.info);
    const processor = new BatchProcessor(model, { ...options.batch, onProgress: options.onProgress });
    const writer = await createOutputWriter(options.output, format, model.info);
    let skipLog: SkipLog;
    try {
      skipLog = await SkipLog.create(options.output);
    } catch (error) {
      await writer.abort();
      throw error;
    }
    try {
      await processor.processFileStreaming(
        options.input,
        async ({ results, skipped }) => {
          await writer.write(results);
          await skipLog.write(skipped);
        },
        { signal: options.signal, pause: options.pause, input: options.inputOptions, onSkip: options.onSkip },
      );
      await writer.finish();
      await skipLog.finish();
    } catch (error) {
      throw await stopped(error, options.signal, writer, skipLog, processor.stats());
    }
    const stats = processor.stats();
    return {
      input: options.input,
      format,
      outputs: writer.paths,
      skipLog: skipLog.path,
      outputBytes: await totalSize(writer.paths),
      model: model.info,
      stats,
    };
  } finally {
    if (ownsModel) await model.dispose();
  }
}

async function stopped(
  error: unknown,
  signal: AbortSignal | undefined,
  writer: OutputWriter,
  skipLog: SkipLog,
  stats: BatchStats,
): Promise<unknown> {
  if (signal?.aborted || (error instanceof EmbeddingError && error.code === 'CANCELLED')) {
    await Promise.all([writer.abort(), skipLog.abort()]);
    return cancelledError();
  }
  const cause = error instanceof EmbeddingError ? error : runFailure(error);
  try {
    await Promise.all([writer.keepPartial(), skipLog.keepPartial()]);
  } catch {
    await Promise.all([writer.abort(), skipLog.abort()]);
    return new EmbedJobError(cause, [], stats);
  }
  return new EmbedJobError(cause, [...writer.paths, skipLog.path].map(stagingPath), stats);
}

function runFailure(error: unknown): EmbeddingError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC') {
    return new EmbeddingError('OUTPUT_UNWRITABLE', 'The disk is full: the output could not be written.', 'Free some space or choose an --output on another disk.', { cause: error });
  }
  return new EmbeddingError('RUN_FAILED', `The run failed: ${errorMessage(error)}`, undefined, { cause: error });
}

async function totalSize(paths: string[]): Promise<number> {
  const sizes = await Promise.all(paths.map(async (path) => (await stat(path)).size));
  return sizes.reduce((sum, size) => sum + size, 0);
}
