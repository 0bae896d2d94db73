import { stat } from 'node:fs/promises';
import { BatchProcessor, type BatchConfig } from './batchProcessor';
import {
  checkStagedFiles,
  CheckpointLog,
  identityDifference,
  MOVE_COMPLETED,
  readCheckpoint,
  runIdentity,
  sizeKey,
  type Checkpoint,
  type RunIdentity,
} from './checkpoint';
import { cancelledError, EmbedJobError, EmbeddingError, errorMessage } from './errors';
import { checkWritableOutput } from './files';
import type { EmbedJobSummary, ModelInfo, OutputFormat, BatchStats, ProgressInfo, SkippedLine } from '../shared/engine';
import { checkInputFile, type InputOptions } from './input';
import { EmbeddingModel, type ModelOptions } from './model';
import { createOutputWriter, outputFormatFor, outputPathsFor, sizeOf, type OutputWriter } from './output/outputWriter';
import { SkipLog, skipLogPath } from './output/skipLog';
import type { PauseGate } from './pauseGate';
import { moveIntoPlace, stagingPath } from './output/stagedFile';

export interface EmbedJobOptions {
  /** A model file to load (and dispose of afterwards), or a model already loaded by the caller. */
  model: string | EmbeddingModel;
  modelOptions?: ModelOptions;
  input: string;
  inputOptions?: InputOptions;
  output: string;
  format?: OutputFormat;
  /** Start again from the first line, replacing the output and any unfinished run of it. */
  overwrite?: boolean;
  /** Continue the unfinished run of this output from its checkpoint where there is one; else start from the first line. */
  resume?: boolean;
  /** A cancelled run keeps its files and checkpoint to be resumed (true), or removes them (false, the default). */
  keepOnCancel?: boolean;
  batch?: Partial<Omit<BatchConfig, 'onProgress'>>;
  signal?: AbortSignal;
  /** Lets the caller pause the run between texts and resume it. */
  pause?: PauseGate;
  onProgress?: (progress: ProgressInfo) => void;
  onSkip?: (skipped: SkippedLine) => void;
  /** Called once the model is loaded, before the first line is read; `resumeAfterLine` is 0 for a run from the start. */
  onModel?: (model: ModelInfo, resumeAfterLine: number) => void;
}

/**
 * The checks a run starts with, before anything expensive: the input is a readable UTF-8 file, the output format is
 * known, the output files can be written, and an unfinished run of the same output is neither lost nor ignored.
 * Returns the output format and that unfinished run's checkpoint, where the run resumes it.
 */
export async function checkJobFiles(
  options: Pick<EmbedJobOptions, 'input' | 'output' | 'format' | 'overwrite' | 'resume'>,
): Promise<{ format: OutputFormat; saved: Checkpoint | null }> {
  await checkInputFile(options.input);
  const format = outputFormatFor(options.output, options.format);
  // First, as it completes a finished run that was stopped while moving its files into place.
  const read = await readCheckpoint(options.output);
  if (read === MOVE_COMPLETED && !options.overwrite) {
    throw new EmbeddingError(
      'OUTPUT_EXISTS',
      `${options.output} is complete: its run had done every line and was stopped while giving the files their final names, which is done now.`,
      'Nothing is left to do; pass --overwrite to embed the input again.',
    );
  }
  await checkWritableOutput(outputPathsFor(options.output, format), options.overwrite ?? false);
  const saved = read === MOVE_COMPLETED ? null : read;
  if (saved && !options.resume && !options.overwrite) {
    throw new EmbeddingError(
      'OUTPUT_EXISTS',
      `An unfinished run of ${options.output} is saved, done up to line ${saved.mark.lastLine} of ${saved.identity.input.path}.`,
      'Pass --resume to continue it, or --overwrite to start again from the first line.',
    );
  }
  return { format, saved: options.resume ? saved : null };
}

/**
 * Embeds one file into one output, the way both front ends run it: cheap checks first, then the model, then the
 * batches streamed to staged files that are renamed into place only when the whole input is done. After every batch
 * the staged files are flushed to the disk and a checkpoint records how far they go, so a run that failed, was killed
 * or lost its power resumes where it stopped. A cancelled run leaves nothing behind unless `keepOnCancel` and a
 * checkpoint was made.
 */
export async function runEmbedJob(options: EmbedJobOptions): Promise<EmbedJobSummary> {
  const { format, saved } = await checkJobFiles(options);
  const ownsModel = typeof options.model === 'string';
  const model = typeof options.model === 'string' ? await EmbeddingModel.load(options.model, { ...options.modelOptions, signal: options.signal }) : options.model;
  try {
    const identity = await runIdentity(options.input, options.inputOptions ?? {}, model.info, format);
    if (saved) await checkResumable(saved, identity, options.output, format);
    options.onModel?.(model.info, saved?.mark.lastLine ?? 0);
    const processor = new BatchProcessor(model, { ...options.batch, onProgress: options.onProgress });
    const files = await openFiles(options.output, format, model.info, identity, saved);
    const { writer, skipLog, checkpoint } = files;
    const watch = new InputWatch(options.input, identity);
    let lastLine = saved?.mark.lastLine ?? 0;
    let markedLine = saved ? lastLine : null;
    try {
      await processor.processFileStreaming(
        options.input,
        async ({ results, skipped }) => {
          await writer.write(results);
          await skipLog.write(skipped);
          lastLine = Math.max(lastLine, results.at(-1)?.line ?? 0, skipped.at(-1)?.line ?? 0);
          const [written] = await Promise.all([writer.checkpoint(), skipLog.sync()]);
          if (written) {
            const sizes = { ...written.sizes, [sizeKey(skipLog.path)]: skipLog.size };
            await checkpoint.mark({ lastLine, sizes, counts: processor.doneCounts(), ...(written.added?.length ? { added: written.added } : {}) });
            markedLine = lastLine;
          }
          await watch.check(lastLine);
        },
        {
          signal: options.signal,
          pause: options.pause,
          input: options.inputOptions,
          onSkip: options.onSkip,
          ...(saved ? { resume: { afterLine: saved.mark.lastLine, counts: saved.mark.counts } } : {}),
        },
      );
      await writer.complete();
      await skipLog.complete();
      await checkpoint.finishing(finalPaths(files));
    } catch (error) {
      throw await stopped(error, options, files, processor.stats(), markedLine);
    }
    await putInPlace(finalPaths(files), checkpoint);
    const stats = processor.stats();
    return {
      input: options.input,
      format,
      outputs: writer.paths,
      skipLog: skipLog.path,
      outputBytes: await totalSize(writer.paths),
      resumedAfterLine: saved?.mark.lastLine ?? 0,
      model: model.info,
      stats,
    };
  } finally {
    if (ownsModel) await model.dispose();
  }
}

interface JobFiles {
  writer: OutputWriter;
  skipLog: SkipLog;
  checkpoint: CheckpointLog;
}

/** Every file the run makes, under its final name: the output's files, then the skip log. */
function finalPaths({ writer, skipLog }: JobFiles): string[] {
  return [...writer.paths, skipLog.path];
}

async function checkResumable(saved: Checkpoint, identity: RunIdentity, output: string, format: OutputFormat): Promise<void> {
  const difference = identityDifference(saved.identity, identity);
  if (difference) {
    throw new EmbeddingError(
      'RESUME_REFUSED',
      `The unfinished run of ${output} cannot be resumed: ${difference}.`,
      'Run it again with the same input, model and options, or pass --overwrite instead of --resume to start again.',
    );
  }
  await checkStagedFiles(outputPathsFor(output, format), saved, output);
}

/** The output, skip log and checkpoint: new ones, or those of the unfinished run being resumed, cut back to its checkpoint. */
async function openFiles(output: string, format: OutputFormat, model: ModelInfo, identity: RunIdentity, saved: Checkpoint | null): Promise<JobFiles> {
  const resume = saved ? { sizes: saved.mark.sizes, added: saved.added } : undefined;
  const writer = await createOutputWriter(output, format, model, resume);
  let skipLog: SkipLog | null = null;
  try {
    skipLog = resume ? await SkipLog.reopen(output, sizeOf(resume, skipLogPath(output))) : await SkipLog.create(output);
    const checkpoint = saved ? await CheckpointLog.reopen(output, identity, saved) : await CheckpointLog.create(output, identity);
    return { writer, skipLog, checkpoint };
  } catch (error) {
    // A resumed run's files are left as they were; a new run's are removed.
    if (!saved) await Promise.all([writer.abort(), skipLog?.abort()]);
    throw error;
  }
}

/** Notices the input file being deleted or changed under a run, which would make its output a mix of two files. */
class InputWatch {
  constructor(
    private readonly path: string,
    private readonly identity: RunIdentity,
  ) {}

  async check(lastLine: number): Promise<void> {
    const info = await stat(this.path).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    });
    const kept = `Lines 1-${lastLine} are embedded and kept`;
    if (!info) {
      throw new EmbeddingError(
        'INPUT_CHANGED',
        `Input file ${this.path} was deleted during the run, after line ${lastLine}.`,
        `${kept}: put the file back unchanged and run again with --resume.`,
      );
    }
    const { size, mtimeMs } = this.identity.input;
    if (info.size !== size || info.mtimeMs !== mtimeMs) {
      throw new EmbeddingError(
        'INPUT_CHANGED',
        `Input file ${this.path} changed during the run, after line ${lastLine} (${size} bytes at the start, ${info.size} now).`,
        `${kept}, but may not match the changed file: restore it and run again with --resume, or start again with --overwrite.`,
      );
    }
  }
}

async function stopped(error: unknown, options: EmbedJobOptions, files: JobFiles, stats: BatchStats, markedLine: number | null): Promise<unknown> {
  const { writer, skipLog, checkpoint } = files;
  const cancelled = options.signal?.aborted || (error instanceof EmbeddingError && error.code === 'CANCELLED');
  if (cancelled && (!options.keepOnCancel || markedLine === null)) {
    await Promise.all([writer.abort(), skipLog.abort(), checkpoint.remove()]);
    return cancelledError();
  }
  const cause = cancelled ? cancelledError() : error instanceof EmbeddingError ? error : runFailure(error);
  await checkpoint.close();
  const partialFiles = finalPaths(files).map(stagingPath);
  const kept = await Promise.all([writer.keepPartial(), skipLog.keepPartial()]).then(
    () => true,
    () => false,
  );
  // Files that could not be closed as valid ones (a full disk) still resume: the checkpoint says how far they hold.
  if (kept || markedLine !== null) return new EmbedJobError(cause, partialFiles, stats, markedLine);
  await Promise.all([writer.abort(), skipLog.abort(), checkpoint.remove()]);
  return new EmbedJobError(cause, [], stats, null);
}

/**
 * Every file is complete on the disk and the checkpoint says so: a failure from here on loses nothing, and the next run
 * of the same output completes the move (see `readCheckpoint`).
 */
async function putInPlace(finals: string[], checkpoint: CheckpointLog): Promise<void> {
  try {
    await moveIntoPlace(finals);
  } catch (error) {
    await checkpoint.close();
    throw new EmbeddingError(
      'OUTPUT_UNWRITABLE',
      `Every line is done, but the finished files could not be given their final names: ${errorMessage(error)}`,
      'Mend that and run the same command with --resume: it moves them into place.',
      { cause: error },
    );
  }
  await checkpoint.remove();
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
