import { lstat, stat } from 'node:fs/promises';
import { BatchProcessor, type BatchConfig } from './batchProcessor';
import {
  checkpointPath,
  CheckpointLog,
  completeFinish,
  fileFingerprint,
  identityDifference,
  readCheckpoint,
  runIdentity,
  type Checkpoint,
  type RunIdentity,
  type SavedRun,
} from './checkpoint';
import { advice, cancelledError, EmbedJobError, EmbeddingError, errorMessage } from './errors';
import { checkNotInFolder, checkNotInput, checkWritableOutput, treeSize } from './files';
import { DEFAULT_GLOB, documentFiles, documentListing } from './documents/documentFiles';
import { checkDocumentFolder, DocumentReader, isFolder } from './documents/documentReader';
import {
  outputDimension,
  type BatchStats,
  type EmbedJobSummary,
  type LongTextPolicy,
  type ModelInfo,
  type OutputFormat,
  type Precision,
  type ProgressInfo,
  type SkippedLine,
} from '#shared/engine';
import { formatCount, plural, rankedSkipReasons } from '#shared/format';
import type { Calibration } from '#shared/runRecord';
import { checkInputFile, InputReader, type InputOptions, type RecordSource } from './input';
import { EmbeddingModel, type ModelOptions } from './model';
import { sourcesPath } from './output/npyWriter';
import { createOutputWriter, outputFormatFor, outputPathsFor, sizeOf } from './output/outputFormats';
import { rowKindOf, type RowKind } from './output/outputWriter';
import { checkPrecision, VectorCodec } from './output/precision';
import { QuantizingWriter } from './output/quantizingWriter';
import { ReuseSource } from './reuse';
import { SkipLog, skipLogPath } from './output/skipLog';
import type { PauseGate } from './pauseGate';
import { moveIntoPlace, sizeKey, StagedFile, stagingPath } from './output/stagedFile';
import { runRecordOf, runRecordPath, runRecordText } from './runRecord';

export interface EmbedJobOptions {
  /** A model file to load (and dispose of afterwards), or a model already loaded by the caller. */
  model: string | EmbeddingModel;
  modelOptions?: ModelOptions;
  /** A file of texts, or a folder of documents (cut into chunks, the long-text policy chunk). */
  input: string;
  inputOptions?: InputOptions;
  output: string;
  format?: OutputFormat;
  /** The numbers the vectors are stored as (default float32). */
  precision?: Precision;
  /** Start again from the first line, replacing the output and any unfinished run of it. */
  overwrite?: boolean;
  /** Continue the unfinished run of this output from its checkpoint where there is one; else start from the first line. */
  resume?: boolean;
  /**
   * An earlier, finished output of the same model and options (any format, a shard's or a merged one): the lines whose
   * text it has a row for get that row, copied; only the others are embedded.
   */
  reuse?: string;
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

/** What `checkJobFiles` found: the output format, the unfinished run to resume, and whether side files may be replaced. */
export interface CheckedFiles {
  format: OutputFormat;
  saved: Checkpoint | null;
  replace: boolean;
}

/**
 * The checks a run starts with, before anything expensive: the input is a readable UTF-8 file, the output format is
 * known, no output file is the input, the output files can be written, and an unfinished run of the same output is
 * neither lost nor ignored. A run that was stopped while giving its finished files their final names is completed
 * here. Returns the output format, that unfinished run's checkpoint where the run resumes it, and whether files found
 * at the side paths may be replaced (`replace`: they are an earlier run's of this output, or `overwrite` says so).
 */
export async function checkJobFiles(
  options: Pick<EmbedJobOptions, 'input' | 'inputOptions' | 'output' | 'format' | 'overwrite' | 'resume'> & {
    onLong?: LongTextPolicy;
  },
): Promise<CheckedFiles> {
  const documents = await isFolder(options.input);
  if (documents) {
    checkDocumentOptions(options.inputOptions, options.onLong);
    await checkDocumentFolder(options.input, options.inputOptions);
  } else {
    if (options.inputOptions?.glob !== undefined) {
      throw new EmbeddingError(
        'BAD_OPTION',
        `A glob chooses the documents of a folder, and ${options.input} is a file.`,
        advice('Give a folder as the input, or leave the glob out.'),
      );
    }
    if (!(await checkInputFile(options.input))) throw emptyInput(options.input);
  }
  const format = outputFormatFor(options.output, options.format);
  const finals = outputPathsFor(options.output, format, documents ? 'chunk' : options.onLong, documents);
  const files = { finals, sides: [...finals.map(stagingPath), checkpointPath(options.output)] };
  if (documents) await checkNotInFolder(options.input, [...files.finals, ...files.sides]);
  else await checkNotInput(options.input, [...files.finals, ...files.sides]);
  const overwrite = options.overwrite ?? false;
  let run = await readCheckpoint(options.output).catch((error: unknown): SavedRun => {
    // With --overwrite, a checkpoint that cannot be read is replaced like any other.
    if (overwrite && error instanceof EmbeddingError && error.code === 'CHECKPOINT_INVALID')
      return { state: 'started' };
    throw error;
  });
  if (run.state === 'finished') {
    await completeFinish(options.output, run).catch((error: unknown) => {
      throw finishFailed(error);
    });
    if (!overwrite) {
      throw new EmbeddingError(
        'OUTPUT_EXISTS',
        `${options.output} is complete: its run had done every line and was stopped while giving the files their final names, which is done now.`,
        { kind: 'embedAgain' },
      );
    }
    run = { state: 'none' };
  }
  await checkWritableOutput(files, { overwrite, own: run.state !== 'none' });
  const saved = run.state === 'unfinished' ? run.checkpoint : null;
  if (saved && !options.resume && !overwrite) {
    throw new EmbeddingError(
      'OUTPUT_EXISTS',
      `An unfinished run of ${options.output} is saved, done up to line ${saved.mark.lastLine} of ${saved.identity.input.path}.`,
      { kind: 'resumeOrStartOver' },
    );
  }
  return { format, saved: options.resume ? saved : null, replace: overwrite || run.state !== 'none' };
}

/**
 * Embeds one file into one output, the way both front ends run it: cheap checks first, then the model, then the
 * batches streamed to staged files that are renamed into place only when the whole input is done. After every batch
 * the staged files are flushed to the disk and a checkpoint records how far they go, so a run that failed, was killed
 * or lost its power resumes where it stopped. A cancelled run leaves nothing behind unless `keepOnCancel` and a
 * checkpoint was made. `checked`: what `checkJobFiles` gave for these options, where the caller has just made the
 * checks itself (they are not made twice).
 */
export async function runEmbedJob(options: EmbedJobOptions, checked?: CheckedFiles): Promise<EmbedJobSummary> {
  const documents = await isFolder(options.input);
  const asked = typeof options.model === 'string' ? options.modelOptions?.onLong : options.model.info.onLong;
  // Documents are always cut into chunks.
  const onLong = documents ? (asked ?? 'chunk') : asked;
  const { format, saved, replace } = checked ?? (await checkJobFiles({ ...options, onLong }));
  const ownsModel = typeof options.model === 'string';
  const model =
    typeof options.model === 'string'
      ? await EmbeddingModel.load(options.model, {
          ...options.modelOptions,
          ...(onLong ? { onLong } : {}),
          signal: options.signal,
        })
      : options.model;
  let reader: RecordSource | null = null;
  let reuse: ReuseSource | null = null;
  try {
    if (documents) checkDocumentOptions(options.inputOptions, model.info.onLong);
    const precision = options.precision ?? 'float32';
    checkPrecision(precision, outputDimension(model.info));
    const identity = await runIdentity(options.input, options.inputOptions ?? {}, model.info, format, precision);
    if (options.reuse) {
      reuse = await ReuseSource.open(options.reuse, identity, options.signal);
      if (saved) checkReusedRanges(saved, reuse, options.output);
    }
    reader = documents
      ? await DocumentReader.open(options.input, options.inputOptions, options.signal, identity.input.size)
      : await InputReader.open(options.input, options.inputOptions, options.signal);
    if (saved) await checkResumable(saved, identity, reader, options);
    options.onModel?.(model.info, saved?.mark.lastLine ?? 0);
    const processor = new BatchProcessor(model, { ...options.batch, onProgress: options.onProgress });
    const files = await openFiles(options.output, format, model.info, identity, saved, replace, reuse?.calibration);
    const { writer, skipLog, checkpoint } = files;
    const watch = documents ? null : new InputWatch(options.input, identity);
    let lastLine = saved?.mark.lastLine ?? 0;
    let markedLine = saved ? lastLine : null;
    try {
      await processor.processReaderStreaming(
        reader,
        async ({ results, skipped, mark }) => {
          await writer.write(results);
          await skipLog.write(skipped);
          lastLine = Math.max(lastLine, mark ?? 0);
          const [written] = await Promise.all([writer.checkpoint(), skipLog.sync()]);
          if (written) {
            const sizes = { ...written.sizes, [sizeKey(skipLog.path)]: skipLog.size };
            const cursor = processor.chunkCursor();
            await checkpoint.mark({
              lastLine,
              sizes,
              counts: processor.doneCounts(),
              ...(written.added?.length ? { added: written.added } : {}),
              ...(written.calibration ? { calibration: written.calibration } : {}),
              ...(cursor ? { cursor } : {}),
            });
            markedLine = lastLine;
          }
          await watch?.check(lastLine);
        },
        {
          signal: options.signal,
          pause: options.pause,
          onSkip: options.onSkip,
          ...(saved ? { carryOver: saved.mark.counts } : {}),
          ...(saved?.mark.cursor ? { cursor: saved.mark.cursor } : {}),
          ...(reuse ? { reuse } : {}),
        },
      );
      if (!processor.stats().embedded) throw await embeddedNothing(options.input, files, processor.stats());
      await processor.writing(async () => {
        await writer.release();
        const inputFingerprint = documents
          ? await checkFolderUnchanged(options.input, identity)
          : await fileFingerprint(options.input, identity.input.size);
        const record = runRecordOf(
          options.input,
          inputFingerprint,
          identity,
          model.info,
          processor.stats(),
          writer.codec.calibration,
          processor.doneCounts().rows,
          options.reuse ?? null,
        );
        await writer.complete(record);
        await skipLog.complete();
        if (documents && format === 'npy') files.sources = await writeSources(options.output, identity, replace);
        files.record = await StagedFile.create(runRecordPath(options.output), replace);
        await files.record.append(runRecordText(record));
        await files.record.complete();
        await checkpoint.finishing(finalPaths(files));
      });
    } catch (error) {
      if (error instanceof EmbedJobError && error.code === 'NOTHING_EMBEDDED') throw error;
      throw await stopped(error, options, files, processor.stats(), markedLine);
    }
    await processor.writing(() => putInPlace(finalPaths(files), checkpoint));
    const stats = processor.stats();
    return {
      input: options.input,
      format,
      outputs: writer.paths,
      skipLog: skipLog.path,
      runRecord: runRecordPath(options.output),
      outputBytes: await totalSize(writer.paths),
      outputDimension: outputDimension(model.info),
      precision,
      resumedAfterLine: saved?.mark.lastLine ?? 0,
      shard: identity.input.shard,
      ...(format === 'lance' ? { tableIndex: writer.tableIndex } : {}),
      ...(identity.input.documents ? { documents: identity.input.documents.files } : {}),
      reusedFrom: options.reuse ?? null,
      model: model.info,
      stats,
    };
  } finally {
    await reader?.close();
    await reuse?.close();
    if (ownsModel) await model.dispose();
  }
}

interface JobFiles {
  writer: QuantizingWriter;
  skipLog: SkipLog;
  checkpoint: CheckpointLog;
  /** A folder's .npy list of documents, staged once every document is done. */
  sources?: StagedFile;
  /** The run record, staged once every line is done. */
  record?: StagedFile;
}

/** The files the run writes batch by batch, under their final names: the output's files, then the skip log. */
function streamedPaths({ writer, skipLog }: JobFiles): string[] {
  return [...writer.paths, skipLog.path];
}

/** Every file the run makes, under its final name: the streamed ones, then those written at the end. */
function finalPaths(files: JobFiles): string[] {
  const { sources, record } = files;
  return [...streamedPaths(files), ...(sources ? [sources.finalPath] : []), ...(record ? [record.finalPath] : [])];
}

/**
 * Refuses what a folder of documents cannot be read with: a shard (a folder's texts are not numbered lines), or a
 * long-text policy other than chunk.
 */
function checkDocumentOptions(inputOptions: InputOptions | undefined, onLong: LongTextPolicy | undefined): void {
  if (inputOptions?.shard) {
    throw new EmbeddingError(
      'BAD_OPTION',
      'A folder of documents is embedded whole: it has no shards.',
      advice('Embed the folder without a shard, or split it into folders.'),
    );
  }
  if (onLong !== undefined && onLong !== 'chunk') {
    throw new EmbeddingError(
      'BAD_OPTION',
      `The documents of a folder are always cut into chunks: the long-text policy must be chunk, not ${onLong}.`,
      { kind: 'fixOption', option: 'onLong', example: 'chunk' },
    );
  }
}

/**
 * The listing hash of a folder's documents at the end of its run, refused (INPUT_CHANGED) where it is not the one the
 * run started with: the output would be a mix of two folders.
 */
async function checkFolderUnchanged(folder: string, identity: RunIdentity): Promise<string> {
  const documents = identity.input.documents;
  const now = await documentListing(folder, documents?.glob ?? DEFAULT_GLOB);
  if (now.hash !== documents?.hash) {
    throw new EmbeddingError(
      'INPUT_CHANGED',
      `The documents of ${folder} changed during the run (${plural(documents?.files ?? 0, 'document')} at the start, ${plural(now.files, 'document')} now, or one of them changed).`,
      advice('Leave the folder as it is while it is embedded, and embed it again.'),
    );
  }
  return now.hash;
}

/**
 * `<name>.sources.jsonl` of a folder's .npy output: `{"line": n, "source": path}` for each document in order (those
 * skipped too), which the rows' `line` numbers. Written from a second walk of the folder, a document at a time.
 */
async function writeSources(output: string, identity: RunIdentity, replace: boolean): Promise<StagedFile> {
  const file = await StagedFile.create(sourcesPath(output), replace);
  try {
    let line = 0;
    let text = '';
    for await (const { source } of documentFiles(identity.input.path, identity.input.documents?.glob)) {
      line += 1;
      text += `${JSON.stringify({ line, source })}\n`;
      if (text.length >= 1 << 16) {
        await file.append(text);
        text = '';
      }
    }
    await file.append(text);
    await file.complete();
    return file;
  } catch (error) {
    await file.abort();
    throw error;
  }
}

/**
 * Refuses an unfinished run that cannot continue as the run now asked for, before any file is touched; the reader is
 * left past the lines it did.
 */
async function checkResumable(
  saved: Checkpoint,
  identity: RunIdentity,
  reader: RecordSource,
  options: EmbedJobOptions,
): Promise<void> {
  const { output, input } = options;
  const difference = identityDifference(saved.identity, identity);
  if (difference) {
    throw new EmbeddingError('RESUME_REFUSED', `The unfinished run of ${output} cannot be resumed: ${difference}.`, {
      kind: 'resumeWithSameSettings',
    });
  }
  const lines = await reader.skip(saved.mark.lastLine);
  if (lines < saved.mark.lastLine && identity.input.documents) {
    throw new EmbeddingError(
      'RESUME_REFUSED',
      `The unfinished run of ${output} cannot be resumed: its checkpoint says it is done up to text ${formatCount(saved.mark.lastLine)}, but the documents of ${input} hold ${formatCount(lines)}.`,
      { kind: 'startOver' },
    );
  }
  if (lines < saved.mark.lastLine) {
    throw new EmbeddingError(
      'RESUME_REFUSED',
      `The unfinished run of ${output} cannot be resumed: its checkpoint says it is done up to line ${formatCount(saved.mark.lastLine)}, but ${input} has ${plural(lines, 'line')}.`,
      { kind: 'startOver' },
    );
  }
}

/**
 * An unfinished int8 or uint8 run scaled its rows by ranges: an earlier output it now reuses must have been scaled by
 * the same, or its rows' numbers would mean something else than the others'.
 */
function checkReusedRanges(saved: Checkpoint, reuse: ReuseSource, output: string): void {
  if (!saved.calibration || JSON.stringify(saved.calibration) === JSON.stringify(reuse.calibration)) return;
  throw new EmbeddingError(
    'REUSE_REFUSED',
    `${reuse.output} cannot be reused by the unfinished run of ${output}: it scaled its ${saved.identity.precision} values by other ranges than that run's rows.`,
    { kind: 'reuseMatchingOutput' },
  );
}

/**
 * The output, skip log and checkpoint: new ones (the checkpoint first, so that files left by a run killed at once are
 * known to be its own), or those of the unfinished run being resumed, cut back to its checkpoint. `replace`: files
 * found at their names may be removed first. `reusedRanges`: int8's and uint8's ranges of the earlier output whose rows
 * the run reuses, which it scales its own rows by (the first checkpoint carries them, for a resumed run).
 */
async function openFiles(
  output: string,
  format: OutputFormat,
  model: ModelInfo,
  identity: RunIdentity,
  saved: Checkpoint | null,
  replace: boolean,
  reusedRanges: Calibration | null = null,
): Promise<JobFiles> {
  const codec = new VectorCodec(identity.precision, outputDimension(model), saved?.calibration ?? reusedRanges);
  if (saved) {
    const resume = { sizes: saved.mark.sizes, added: saved.added };
    const writer = new QuantizingWriter(
      await createOutputWriter(output, format, writtenRows(model, identity), codec, false, resume),
      codec,
    );
    let skipLog: SkipLog | null = null;
    try {
      skipLog = await SkipLog.reopen(output, sizeOf(resume, skipLogPath(output)));
      return { writer, skipLog, checkpoint: await CheckpointLog.reopen(output, identity, saved) };
    } catch (error) {
      // A resumed run's files are kept, closed, for another try.
      await Promise.all([writer.keepPartial(), skipLog?.keepPartial()]).catch(() => undefined);
      throw error;
    }
  }
  const checkpoint = await CheckpointLog.create(output, identity, replace);
  let writer: QuantizingWriter | null = null;
  try {
    writer = new QuantizingWriter(
      await createOutputWriter(output, format, writtenRows(model, identity), codec, replace),
      codec,
      reusedRanges !== null,
    );
    return { writer, skipLog: await SkipLog.create(output, replace), checkpoint };
  } catch (error) {
    await Promise.all([writer?.abort(), checkpoint.remove()]);
    throw error;
  }
}

/** What the output writers need to know of the rows besides their vectors: the model's name, what a row is. */
function writtenRows(model: ModelInfo, identity: RunIdentity): { name: string; rows: RowKind } {
  return { name: model.name, rows: rowKindOf(model.onLong, identity.input.documents !== null) };
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
    if (!info) {
      throw new EmbeddingError(
        'INPUT_CHANGED',
        `Input file ${this.path} was deleted during the run, after line ${lastLine}.`,
        { kind: 'restoreInput', lastLine, deleted: true },
      );
    }
    const { size, mtimeMs } = this.identity.input;
    if (info.size !== size || info.mtimeMs !== mtimeMs) {
      throw new EmbeddingError(
        'INPUT_CHANGED',
        `Input file ${this.path} changed during the run, after line ${lastLine} (${size} bytes at the start, ${info.size} now).`,
        { kind: 'restoreInput', lastLine, deleted: false },
      );
    }
  }
}

async function stopped(
  error: unknown,
  options: EmbedJobOptions,
  files: JobFiles,
  stats: BatchStats,
  markedLine: number | null,
): Promise<unknown> {
  const { writer, skipLog, checkpoint } = files;
  const cancelled = options.signal?.aborted || (error instanceof EmbeddingError && error.code === 'CANCELLED');
  // A record claims a finished run: one staged before the run stopped goes, whatever is kept.
  await Promise.all([files.sources?.abort(), files.record?.abort()]);
  if (cancelled && (!options.keepOnCancel || markedLine === null)) {
    await Promise.all([writer.abort(), skipLog.abort(), checkpoint.remove()]);
    return cancelledError();
  }
  const cause = cancelled ? cancelledError() : error instanceof EmbeddingError ? error : runFailure(error);
  await checkpoint.close();
  const partialFiles = streamedPaths(files).map(stagingPath);
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
 * of the same output completes the move (see `checkJobFiles`).
 */
async function putInPlace(finals: string[], checkpoint: CheckpointLog): Promise<void> {
  try {
    await moveIntoPlace(finals);
  } catch (error) {
    await checkpoint.close();
    throw finishFailed(error);
  }
  await checkpoint.remove();
}

function finishFailed(error: unknown): EmbeddingError {
  return new EmbeddingError(
    'OUTPUT_UNWRITABLE',
    `Every line is done, but the finished files could not be given their final names: ${errorMessage(error)}`,
    { kind: 'finishMove' },
    { cause: error },
  );
}

/**
 * A run that read every line and embedded none is no success: it writes no embeddings file, keeps the skip log (which
 * says why each line was skipped; an empty input leaves none) and says why in its error.
 */
async function embeddedNothing(input: string, files: JobFiles, stats: BatchStats): Promise<EmbedJobError> {
  const { writer, skipLog, checkpoint } = files;
  await writer.abort();
  if (stats.lines === 0) {
    // Emptied since the checks.
    await Promise.all([skipLog.abort(), checkpoint.remove()]);
    return new EmbedJobError(emptyInput(input), [], stats, null);
  }
  await skipLog.complete();
  // A run told to replace an earlier output that embeds nothing replaces none of it: its skip log would not tell the
  // lines of the output left beside it, so it stays under its .partial name.
  const replacesNothing = await anyExists(writer.paths);
  const log = replacesNothing ? stagingPath(skipLog.path) : skipLog.path;
  if (!replacesNothing) await moveIntoPlace([skipLog.path]);
  await checkpoint.remove();
  const reasons = rankedSkipReasons(stats.skippedByReason, true);
  const why = reasons.map(([reason, count]) => `${reason} ${formatCount(count)}`).join(', ');
  const error = new EmbeddingError(
    'NOTHING_EMBEDDED',
    `Nothing was embedded: all ${plural(stats.lines, 'line')} of ${input} were skipped (${why}); ${log} gives the reason for each.`,
    { kind: 'fixSkippedLines', reason: reasons[0]?.[0] ?? null },
  );
  return new EmbedJobError(error, [], stats, null);
}

async function anyExists(paths: readonly string[]): Promise<boolean> {
  for (const path of paths) {
    try {
      await lstat(path);
      return true;
    } catch {
      // Not there: look at the next one.
    }
  }
  return false;
}

/** An input with no line is refused before the model loads (and found so at the end if it was emptied meanwhile). */
function emptyInput(input: string): EmbeddingError {
  return new EmbeddingError(
    'NOTHING_EMBEDDED',
    `Nothing was embedded: ${input} is empty.`,
    advice('Choose an input file with one text per line.'),
  );
}

function runFailure(error: unknown): EmbeddingError {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC') {
    return new EmbeddingError(
      'OUTPUT_UNWRITABLE',
      'The disk is full: the output could not be written.',
      { kind: 'freeDiskSpace', folder: 'output' },
      { cause: error },
    );
  }
  return new EmbeddingError('RUN_FAILED', `The run failed: ${errorMessage(error)}`, undefined, { cause: error });
}

async function totalSize(paths: string[]): Promise<number> {
  const sizes = await Promise.all(paths.map(treeSize));
  return sizes.reduce((sum, size) => sum + size, 0);
}
