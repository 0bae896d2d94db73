import type { Token } from 'node-llama-cpp';
import type { ChunkCursor, DoneCounts } from './checkpoint';
import { cancelledError, EmbeddingError, errorMessage } from './errors';
import { chunksTexts, type BatchStats, type LongTextPolicy, type ProgressInfo, type SkippedLine } from '#shared/engine';
import {
  InputReader,
  isSkipped,
  type InputOptions,
  type InputRecord,
  type PlacedRecord,
  type RecordSource,
  type TextPlace,
} from './input';
import { checkLimit } from './limits';
import { l2Normalize, type EmbeddingModel, type TextChunk } from './model';
import { definedOnly } from './objects';
import type { PauseGate } from './pauseGate';
import { textHashOf, type EmbeddingResult } from './results';
import type { ReuseSource } from './reuse';
import { StatsTracker } from './stats';

export interface BatchConfig {
  /**
   * Texts per batch. A batch is taken from the input together, spread over all of the model's contexts, and handed to
   * the output in one piece; the next batch is already being embedded while one is written. Which texts share a decode
   * is planned per batch, so the same input and batch size give the same bytes on every run, and a run resumed after a
   * batch (as every checkpoint is) gives those of a run that went through.
   */
  batchSize: number;
  /** On an embedding failure, log the line as failed and go on (true), or stop the run (false). */
  continueOnError: boolean;
  /** Least time between two progress reports. */
  progressIntervalMs: number;
  /** Stop the run cleanly when the process's resident memory exceeds this many MiB. */
  memoryLimitMb: number | null;
  onProgress?: (progress: ProgressInfo) => void;
}

export const DEFAULT_BATCH_CONFIG: BatchConfig = {
  batchSize: 32,
  continueOnError: true,
  progressIntervalMs: 250,
  memoryLimitMb: null,
};

export interface ProcessOptions {
  signal?: AbortSignal;
  /** While paused, no new text is read; the batches already under way are finished and delivered first. */
  pause?: PauseGate;
  /** Every line that is not embedded, in line order. */
  onSkip?: (skipped: SkippedLine) => void;
}

export interface FileProcessOptions extends ProcessOptions {
  input?: InputOptions;
}

export interface ReaderProcessOptions extends ProcessOptions {
  /** The totals of the run being resumed (whose lines the reader has passed over): they count in the stats. */
  carryOver?: DoneCounts;
  /** A folder's run being resumed: where the chunks of the last document it did stand. */
  cursor?: ChunkCursor;
  /** An earlier output of the same model and options: a text it has a row for is not embedded, its row is copied. */
  reuse?: ReuseSource;
}

/**
 * Lines whose rows are copied from an earlier output that a batch takes at most, besides its texts to embed: the rows
 * held stay few, and a run that embeds few texts still checkpoints as it goes.
 */
const REUSED_LINES_PER_BATCH = 1024;

/**
 * The results and skipped lines of consecutive input lines, in line order; `mark`: what a checkpoint says once they
 * are written (see PlacedRecord), null where the batch settled no record.
 */
export interface Batch {
  results: EmbeddingResult[];
  skipped: SkippedLine[];
  mark: number | null;
}

/** What became of one text: its vector, or the error the model gave. */
type Outcome = { ok: true; vector: Float32Array; ms: number } | { ok: false; error: unknown };

/** What the model embeds of a line: its text (or its head), or one of its chunks (policies chunk and mean). */
interface Piece {
  tokens: readonly Token[];
  tokenCount: number;
  chunk: TextChunk | null;
}

/**
 * `end`: how far into the input the entry's line reaches, in the unit progress is told in (bytes of a file, or lines).
 * A line's pieces are in one batch: its rows are written, and checkpointed, together.
 */
type Entry = { end: number; mark: number } & (
  | { kind: 'skip'; skipped: SkippedLine }
  /** `hash`: the text's MD5, where looking for it among reused rows made it already. */
  | { kind: 'text'; line: number; text: string; truncated: boolean; pieces: Piece[]; place?: TextPlace; hash?: string }
  /**
   * A text (of MD5 `hash`) the earlier output has a row for, at `place`; `measured`: its tokens and truncation, where
   * that output does not hold them (the text was tokenized for them).
   */
  | {
      kind: 'reused';
      line: number;
      text: string;
      hash: string;
      source: ReuseSource;
      place: number;
      measured: { tokens: number; truncated: boolean } | null;
    }
  | { kind: 'fatal'; error: unknown }
);

/** How much input there is to do, in the unit progress is told in, and where this run starts in it. */
interface Extent {
  total: number | null;
  start: number;
  /** The input's line count where it is known before the run (a list of texts). */
  lines: number | null;
}

interface PendingBatch {
  entries: Entry[];
  texts: number;
  reused: number;
  started: number;
}

/** A complete batch handed to the model: what becomes of each of its texts, in order. */
interface DispatchedBatch extends PendingBatch {
  outcomes: Array<Promise<Outcome>>;
}

/**
 * Streams texts through an embedding model in batches: results come out in input order, memory stays bounded by a
 * few batches whatever the input size, and every input line ends up either embedded or reported as skipped.
 */
export class BatchProcessor {
  readonly config: BatchConfig;
  private readonly tracker = new StatsTracker();
  private cursor: ChunkCursor | null = null;

  constructor(
    readonly model: EmbeddingModel,
    config: Partial<BatchConfig> = {},
  ) {
    this.config = { ...DEFAULT_BATCH_CONFIG, ...definedOnly(config) };
    const { batchSize, progressIntervalMs, memoryLimitMb } = this.config;
    checkLimit('batchSize', batchSize);
    if (!(progressIntervalMs >= 0)) {
      throw new EmbeddingError(
        'BAD_OPTION',
        `Progress interval must be 0 or more milliseconds, not ${progressIntervalMs}.`,
      );
    }
    if (memoryLimitMb !== null) checkLimit('memoryLimitMb', memoryLimitMb);
  }

  stats(): BatchStats {
    return this.tracker.stats();
  }

  resetStats(): void {
    this.tracker.reset();
  }

  /** The totals of the lines done so far, for a checkpoint. */
  doneCounts(): DoneCounts {
    return this.tracker.counts();
  }

  /** Where the chunks of the last document done stand (a folder's run), for a checkpoint. */
  chunkCursor(): ChunkCursor | null {
    return this.cursor;
  }

  /** Embeds one batch of texts; `line` in each result is the text's 1-based position in `texts`. */
  async processBatch(texts: readonly string[], options: ProcessOptions = {}): Promise<EmbeddingResult[]> {
    return this.processTexts(texts, options);
  }

  /** Embeds any number of texts batch by batch and returns all results, in order. */
  async processTexts(texts: Iterable<string>, options: ProcessOptions = {}): Promise<EmbeddingResult[]> {
    const all: EmbeddingResult[] = [];
    const total = Array.isArray(texts) ? texts.length : null;
    for await (const batch of this.batches(recordsOf(texts), { total, start: 0, lines: total }, options)) {
      all.push(...batch.results);
      for (const skipped of batch.skipped) options.onSkip?.(skipped);
    }
    return all;
  }

  /** Streams the results of a file, in line order; skipped lines go to `options.onSkip`. */
  async *processFile(path: string, options: FileProcessOptions = {}): AsyncGenerator<EmbeddingResult> {
    const reader = await InputReader.open(path, options.input, options.signal);
    try {
      for await (const batch of this.readerBatches(reader, options)) {
        for (const skipped of batch.skipped) options.onSkip?.(skipped);
        yield* batch.results;
      }
    } finally {
      await reader.close();
    }
  }

  /** Hands each finished batch of a file to `onBatch` (awaited before the batch after next is taken) and returns the run's stats. */
  async processFileStreaming(
    path: string,
    onBatch: (batch: Batch) => void | Promise<void>,
    options: FileProcessOptions = {},
  ): Promise<BatchStats> {
    const reader = await InputReader.open(path, options.input, options.signal);
    try {
      return await this.processReaderStreaming(reader, onBatch, options);
    } finally {
      await reader.close();
    }
  }

  /**
   * `processFileStreaming` on an input the caller has opened, and maybe read past a resumed run's lines: the file is
   * read once, and progress is told by its bytes (its size is known, its line count only at its end).
   */
  async processReaderStreaming(
    reader: RecordSource,
    onBatch: (batch: Batch) => void | Promise<void>,
    options: ReaderProcessOptions = {},
  ): Promise<BatchStats> {
    for await (const batch of this.readerBatches(reader, options)) {
      for (const skipped of batch.skipped) options.onSkip?.(skipped);
      await this.writing(async () => onBatch(batch));
    }
    return this.stats();
  }

  /** Runs output work of the run (a streamed batch is handed over this way), counted as write time in the stats. */
  writing<T>(work: () => Promise<T>): Promise<T> {
    return this.tracker.clock.writing(work);
  }

  private readerBatches(reader: RecordSource, options: ReaderProcessOptions): AsyncGenerator<Batch> {
    if (options.carryOver) this.tracker.carryOver(options.carryOver);
    this.cursor = options.cursor ?? null;
    return this.batches(reader.records(), { total: reader.size, start: reader.start, lines: null }, options);
  }

  /**
   * The pipeline: reads records, tokenizes, dispatches texts to the model's contexts as soon as they are read, and
   * settles batches strictly in order. Enough batches stay in flight to keep every context busy.
   */
  private async *batches(
    records: AsyncIterable<PlacedRecord>,
    extent: Extent,
    options: ReaderProcessOptions,
  ): AsyncGenerator<Batch> {
    const { batchSize } = this.config;
    const policy = this.model.info.onLong;
    const window = Math.max(2, Math.ceil((2 * this.model.pool.size) / batchSize));
    const pending: DispatchedBatch[] = [];
    let current = newPendingBatch();
    let lastProgress = 0;
    this.tracker.startAt(extent.start);
    const report = (done: boolean, force = done): void => {
      const now = performance.now();
      if (!this.config.onProgress || (!force && now - lastProgress < this.config.progressIntervalMs)) return;
      const progress = this.tracker.progress(extent.total, done ? this.tracker.stats().lines : extent.lines, done);
      lastProgress = performance.now();
      this.config.onProgress(progress);
    };
    const settleOldest = async (): Promise<{ batch: Batch; stop: unknown }> => {
      const batch = pending.shift();
      if (!batch) throw new Error('no batch pending');
      const settled = await this.settle(batch);
      report(false);
      return settled;
    };

    try {
      for await (const { record, end, mark } of records) {
        if (options.signal?.aborted) throw cancelledError();
        if (options.pause?.paused) {
          if (current.entries.length) pending.push(this.dispatch(current));
          current = newPendingBatch();
          while (pending.length) yield* this.deliver(await settleOldest());
          report(false, true);
          this.tracker.pause();
          await options.pause.whileNotPaused(options.signal);
          this.tracker.resume();
        }
        const entry = this.entryFor(record, end, mark, policy, options.reuse);
        current.entries.push(entry);
        if (entry.kind === 'text') current.texts += entry.pieces.length;
        if (entry.kind === 'reused') current.reused += 1;
        if (entry.kind === 'fatal') break;
        if (current.texts >= batchSize || current.reused >= REUSED_LINES_PER_BATCH) {
          pending.push(this.dispatch(current));
          current = newPendingBatch();
          while (pending.length >= window) yield* this.deliver(await settleOldest());
        }
      }
      if (current.entries.length) pending.push(this.dispatch(current));
      while (pending.length) {
        if (options.signal?.aborted) throw cancelledError();
        yield* this.deliver(await settleOldest());
      }
      report(true);
    } finally {
      // Contexts must not be left mid-evaluation when the run stops early (error, cancel, consumer gone).
      await Promise.all(pending.flatMap((batch) => batch.outcomes));
    }
  }

  /** Yields a settled batch, then stops the run if the batch ended in an error or memory is over the limit. */
  private *deliver({ batch, stop }: { batch: Batch; stop: unknown }): Generator<Batch> {
    yield batch;
    // The batch's error passed on as it was caught: the rule takes unknown narrowed by `!== null` ({}) for a non-Error.
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    if (stop !== null) throw stop;
    this.checkMemory();
  }

  private entryFor(record: InputRecord, end: number, mark: number, policy: LongTextPolicy, reuse?: ReuseSource): Entry {
    if (isSkipped(record)) return { kind: 'skip', skipped: record, end, mark };
    const hash = reuse ? textHashOf(record.text) : '';
    const place = reuse ? reuse.find(hash) : -1;
    const reused = { kind: 'reused', line: record.line, text: record.text, hash, place, end, mark } as const;
    if (reuse && place >= 0 && reuse.holdsTokens) return { ...reused, source: reuse, measured: null };
    let pieces: Piece[];
    let truncated = false;
    try {
      const prepared = this.tracker.clock.time('tokenize', () =>
        chunksTexts(policy) ? this.model.chunk(record.text) : this.model.prepare(record.text, record.line),
      );
      if (!prepared.ok) {
        const skipped = { line: record.line, reason: prepared.reason, detail: prepared.detail, ...placeOf(record) };
        return { kind: 'skip', skipped, end, mark };
      }
      if ('chunks' in prepared) {
        pieces = prepared.chunks.map((chunk) => ({ tokens: chunk.tokens, tokenCount: chunk.tokenCount, chunk }));
      } else {
        pieces = [{ tokens: prepared.tokens, tokenCount: prepared.tokenCount, chunk: null }];
        truncated = prepared.truncated;
      }
    } catch (error) {
      return { kind: 'fatal', error, end, mark };
    }
    if (reuse && place >= 0) {
      const tokens = pieces.reduce((sum, piece) => sum + piece.tokenCount, 0);
      return { ...reused, source: reuse, measured: { tokens, truncated } };
    }
    const where = record.place ? { place: record.place } : {};
    const known = reuse ? { hash } : {};
    return { kind: 'text', line: record.line, text: record.text, truncated, pieces, end, mark, ...where, ...known };
  }

  /** Hands a complete batch's texts to the model as one group. */
  private dispatch(batch: PendingBatch): DispatchedBatch {
    const tokens = batch.entries.flatMap((entry) =>
      entry.kind === 'text' ? entry.pieces.map((piece) => piece.tokens) : [],
    );
    const outcomes = this.model.embedGroup(tokens, this.tracker.clock).map((embedded) =>
      embedded.then(
        (value): Outcome => ({ ok: true, ...value }),
        (error: unknown): Outcome => ({ ok: false, error }),
      ),
    );
    return { ...batch, outcomes };
  }

  /**
   * Waits for a batch's vectors and turns its entries into results and skips. A fatal entry, or a failure with
   * continueOnError off, ends the batch there: what came before it is kept, and the error is returned as `stop`.
   */
  private async settle(batch: DispatchedBatch): Promise<{ batch: Batch; stop: unknown }> {
    const results: EmbeddingResult[] = [];
    const skipped: SkippedLine[] = [];
    let stop: unknown = null;
    let texts = 0;
    let reached: number | null = null;
    let mark: number | null = null;
    const lines = { embedded: 0, reused: 0, tokens: 0, characters: 0, truncated: 0 };
    for (const entry of batch.entries) {
      if (entry.kind === 'skip') {
        skipped.push(entry.skipped);
        reached = entry.end;
        mark = entry.mark;
        continue;
      }
      if (entry.kind === 'reused') {
        const row = await reusedRow(entry);
        results.push(row);
        lines.embedded += 1;
        lines.reused += 1;
        lines.tokens += row.tokens;
        lines.characters += entry.text.length;
        if (row.truncated) lines.truncated += 1;
        reached = entry.end;
        mark = entry.mark;
        continue;
      }
      if (entry.kind === 'fatal') {
        stop = entry.error;
        break;
      }
      const outcomes: Outcome[] = [];
      while (outcomes.length < entry.pieces.length) {
        const outcome = await batch.outcomes[texts++];
        if (!outcome) throw new Error('a batch has more texts than outcomes');
        outcomes.push(outcome);
      }
      const failure = outcomes.find((outcome): outcome is Extract<Outcome, { ok: false }> => !outcome.ok);
      if (!failure) {
        results.push(
          ...this.rowsOf(
            entry,
            outcomes.flatMap((outcome) => (outcome.ok ? [outcome] : [])),
          ),
        );
        lines.embedded += 1;
        lines.tokens += entry.pieces.reduce((sum, piece) => sum + piece.tokenCount, 0);
        lines.characters += entry.text.length;
        if (entry.truncated) lines.truncated += 1;
      } else if (this.config.continueOnError) {
        skipped.push({
          line: entry.line,
          reason: 'failed',
          detail: errorMessage(failure.error),
          ...(entry.place ? placeOf(entry) : {}),
        });
      } else {
        stop = new EmbeddingError(
          'EMBEDDING_FAILED',
          `Line ${entry.line} could not be embedded: ${errorMessage(failure.error)}`,
          { kind: 'skipFailedLines' },
          { cause: failure.error },
        );
        break;
      }
      reached = entry.end;
      mark = entry.mark;
    }
    this.tracker.record({
      ...lines,
      rows: results.length,
      skipped,
      ms: performance.now() - batch.started,
      reached,
    });
    return { batch: { results, skipped, mark }, stop };
  }

  /**
   * A line's rows: its vector; with the policy chunk, a row a chunk; with mean, the mean of its chunks' vectors
   * weighted by their tokens, normalized as each vector is.
   */
  private rowsOf(
    entry: Extract<Entry, { kind: 'text' }>,
    outcomes: Array<{ vector: Float32Array; ms: number }>,
  ): EmbeddingResult[] {
    const { place } = entry;
    const first = place ? this.nextChunks(entry.line, place.page, entry.pieces.length) : 0;
    const offset = place?.offset ?? 0;
    const rows = entry.pieces.map((piece, index): EmbeddingResult => {
      const text = piece.chunk?.text ?? entry.text;
      const outcome = outcomes[index] ?? { vector: new Float32Array(0), ms: 0 };
      const chunk = piece.chunk && {
        index: first + index,
        charStart: offset + piece.chunk.charStart,
        charEnd: offset + piece.chunk.charEnd,
      };
      return {
        line: entry.line,
        text,
        textHash: piece.chunk || entry.hash === undefined ? textHashOf(text) : entry.hash,
        tokens: piece.tokenCount,
        truncated: entry.truncated,
        processingTimeMs: outcome.ms,
        embedding: outcome.vector,
        ...(chunk ? { chunk } : {}),
        ...(place ? { document: { source: place.source, page: place.page } } : {}),
      };
    });
    if (this.model.info.onLong !== 'mean') return rows;
    const embedding = weightedMean(rows);
    if (this.model.info.normalize === 'l2') l2Normalize(embedding);
    return [
      {
        line: entry.line,
        text: entry.text,
        textHash: entry.hash ?? textHashOf(entry.text),
        tokens: rows.reduce((sum, row) => sum + row.tokens, 0),
        truncated: false,
        processingTimeMs: Math.max(...rows.map((row) => row.processingTimeMs)),
        embedding,
        chunks: rows.length,
      },
    ];
  }

  /**
   * The number of the first of `count` chunks of a document's page (a document's, `page` null), and the cursor moved
   * past them: a section goes on from the chunks of the one before it.
   */
  private nextChunks(line: number, page: number | null, count: number): number {
    const cursor = this.cursor;
    const first = cursor && cursor.line === line && cursor.page === page ? cursor.next : 0;
    this.cursor = { line, page, next: first + count };
    return first;
  }

  private checkMemory(): void {
    const limit = this.config.memoryLimitMb;
    if (limit === null) return;
    const rss = this.tracker.samplePeak();
    if (rss > limit * 1024 * 1024) {
      throw new EmbeddingError(
        'MEMORY_LIMIT',
        `The process uses ${Math.round(rss / 1048576)} MiB, over the memory limit of ${limit} MiB; the run was stopped.`,
        { kind: 'useLessMemory' },
      );
    }
  }
}

/** A skip entry's `source` and `page`: those of a folder's text, none for a line. */
function placeOf(record: { place?: TextPlace }): Pick<SkippedLine, 'source' | 'page'> {
  return record.place ? { source: record.place.source, page: record.place.page } : {};
}

/** The mean of the rows' vectors, each weighted by its tokens. */
function weightedMean(rows: readonly EmbeddingResult[]): Float32Array {
  const mean = new Float64Array(rows[0]?.embedding.length ?? 0);
  let weights = 0;
  for (const { embedding, tokens } of rows) {
    for (let i = 0; i < mean.length; i += 1) mean[i] = (mean[i] ?? 0) + (embedding[i] ?? 0) * tokens;
    weights += tokens;
  }
  return Float32Array.from(mean, (sum) => sum / weights);
}

function newPendingBatch(): PendingBatch {
  return { entries: [], texts: 0, reused: 0, started: performance.now() };
}

const NO_VECTOR = new Float32Array(0);

/** A line's row copied from the earlier output: its numbers as stored there, its text and line this input's. */
async function reusedRow(entry: Extract<Entry, { kind: 'reused' }>): Promise<EmbeddingResult> {
  const row = await entry.source.row(entry.place);
  return {
    line: entry.line,
    text: entry.text,
    textHash: entry.hash,
    tokens: entry.measured?.tokens ?? row.tokens ?? 0,
    truncated: entry.measured?.truncated ?? row.truncated ?? false,
    processingTimeMs: row.processingTimeMs,
    embedding: NO_VECTOR,
    stored: row.stored,
    ...(row.chunks === undefined ? {} : { chunks: row.chunks }),
  };
}

/** Progress over a list of texts is told in texts: each ends where its line number says. */
async function* recordsOf(texts: Iterable<string>): AsyncGenerator<PlacedRecord> {
  let line = 0;
  for (const raw of texts) {
    line += 1;
    const text = raw.trim();
    yield { record: text ? { line, text } : { line, reason: 'blank' }, end: line, mark: line };
  }
}
