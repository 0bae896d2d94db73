import type { LlamaContext, LlamaModel, Token } from 'node-llama-cpp';
import type { Embedded, EmbeddingPool } from './embeddingPool';
import { modelInputFor } from './modelInput';
import { createBatchContext, type NativeBatch } from './nativeBatch';
import { PhaseClock } from './phaseClock';

export interface BatchedPoolOptions {
  /** Contexts decoding side by side. */
  contexts: number;
  /** Threads of each context. */
  threads: number;
  /** Most texts in one decode; llama.cpp takes at most 256 sequences. */
  sequences: number;
  /** Most tokens in one decode; a single text longer than this (up to the context size) is decoded alone. */
  tokenBudget: number;
  /** Most tokens of one text, special tokens included. */
  contextSize: number;
}

interface Job {
  input: Uint32Array;
  resolve: (embedded: Embedded) => void;
  reject: (error: unknown) => void;
}

/** Texts planned into one decode, and the clock their group's time is counted on. */
interface Decode {
  jobs: Job[];
  clock: PhaseClock;
}

interface Lane {
  context: LlamaContext;
  native: NativeBatch;
}

/** Texts of a group a decode looks through for texts that still fit, beyond the first one left, which it always takes. */
const LOOKAHEAD_PER_SEQUENCE = 4;

/** Least cosine similarity at which a text embedded among others counts as the same vector as embedded alone. */
const SAME_VECTOR = 0.9999;

/**
 * The batched engine: each group of texts handed to `embed` is planned into decodes at once (see `planDecodes`), and
 * each context that is free takes the next planned decode, each text its own sequence, and reads every text's pooled
 * vector straight after it. The plan depends on the group alone, so a text's vector does not depend on timing. It drives
 * node-llama-cpp's native batch calls itself: node-llama-cpp's own batching can split a text over two decodes, and reads
 * only sequence 0.
 */
export class BatchedPool implements EmbeddingPool {
  private readonly queue: Decode[] = [];
  private readonly idle: Lane[];
  private readonly decoding = new Set<Promise<void>>();
  private readonly input: (tokens: readonly Token[]) => Uint32Array;
  private disposed = false;

  private constructor(
    private readonly model: LlamaModel,
    private readonly lanes: Lane[],
    private readonly options: BatchedPoolOptions,
  ) {
    this.idle = [...lanes];
    this.input = modelInputFor(model);
  }

  /** The pool, or null where the self-test says the batched engine would not embed this model right here. */
  static async openIfSupported(model: LlamaModel, options: BatchedPoolOptions): Promise<BatchedPool | null> {
    const probe = await BatchedPool.create(model, { ...options, contexts: 1, sequences: 2 });
    try {
      if (!(await probe.selfTest())) return null;
    } finally {
      await probe.dispose();
    }
    return BatchedPool.create(model, options);
  }

  private static async create(model: LlamaModel, options: BatchedPoolOptions): Promise<BatchedPool> {
    const lanes: Lane[] = [];
    try {
      for (let i = 0; i < options.contexts; i += 1) {
        lanes.push(
          await createBatchContext(model, {
            contextSize: options.contextSize,
            sequences: options.sequences,
            // Encoder models take a whole decode as one ubatch, so the batch must hold the longest text too; and
            // llama.cpp sizes its buffers for an even split of the batch over the sequences (or aborts the process).
            batchSize:
              Math.ceil(Math.max(options.tokenBudget, options.contextSize) / options.sequences) * options.sequences,
            threads: options.threads,
          }),
        );
      }
    } catch (error) {
      await Promise.all(lanes.map((lane) => lane.context.dispose()));
      throw error;
    }
    return new BatchedPool(model, lanes, options);
  }

  get size(): number {
    return this.lanes.length * this.options.sequences;
  }

  specialTokenCount(): number {
    const probe = this.model.tokenize('a');
    return this.input(probe).length - probe.length;
  }

  embed(texts: ReadonlyArray<readonly Token[]>, clock = new PhaseClock()): Array<Promise<Embedded>> {
    if (this.disposed) return texts.map(() => Promise.reject(new Error('The model was unloaded.')));
    const jobs: Job[] = [];
    const embedded = texts.map(
      (tokens) => new Promise<Embedded>((resolve, reject) => jobs.push({ input: this.input(tokens), resolve, reject })),
    );
    for (const decode of planDecodes(
      jobs.map((job) => job.input.length),
      this.options,
    )) {
      this.queue.push({ jobs: decode.map((i) => jobs[i]), clock });
    }
    this.pump();
    return embedded;
  }

  /**
   * The self-test, on a context of two sequences: two texts decoded together must come out as each does alone, which
   * fails on an addon without the per-sequence read-out (the second text gets the first one's vector, or zeros). And the
   * model must keep no KV cache: llama.cpp splits a decode of such a (decoder) model into ubatches of equal-length
   * slices of its texts, and a pooled vector then covers only part of its text; such models use the contexts engine.
   */
  private async selfTest(): Promise<boolean> {
    const lane = this.lanes[0];
    if (!lane) return false;
    const [short, long] = ['water', 'the quick brown fox reads books about the city'].map((text) =>
      this.input(this.model.tokenize(text)),
    );
    if (!short || !long) return false;
    const { native } = lane;
    const [shortAlone] = await decode(native, [short]);
    if (native.getSequenceKvCacheMinPosition(0) >= 0) return false;
    const [longAlone] = await decode(native, [long]);
    const [shortTogether, longTogether] = await decode(native, [short, long]);
    if (!shortAlone || !longAlone || !shortTogether || !longTogether) return false;
    return (
      cosine(shortAlone, longAlone) < SAME_VECTOR &&
      cosine(shortTogether, shortAlone) >= SAME_VECTOR &&
      cosine(longTogether, longAlone) >= SAME_VECTOR
    );
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const job of this.queue.splice(0).flatMap((decode) => decode.jobs))
      job.reject(new Error('The model was unloaded.'));
    await Promise.all(this.decoding);
    await Promise.all(this.lanes.map((lane) => lane.context.dispose()));
  }

  /** Hands the planned decodes, in order, to the free contexts. */
  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const lane = this.idle.pop() as Lane;
      const { jobs, clock } = this.queue.shift() as Decode;
      const decoding = this.run(lane, jobs, clock).finally(() => {
        this.decoding.delete(decoding);
        this.idle.push(lane);
        this.pump();
      });
      this.decoding.add(decoding);
    }
  }

  /** Decodes the texts together; if that fails, one at a time, so that only a text that fails alone is reported failed. */
  private async run(lane: Lane, jobs: Job[], clock: PhaseClock): Promise<void> {
    const started = performance.now();
    let vectors: Float32Array[];
    try {
      vectors = await decode(
        lane.native,
        jobs.map((job) => job.input),
        clock,
      );
    } catch (error) {
      if (jobs.length === 1) jobs[0]?.reject(error);
      else for (const job of jobs) await this.run(lane, [job], clock);
      return;
    }
    const ms = performance.now() - started;
    jobs.forEach((job, i) => {
      const vector = vectors[i];
      if (vector) job.resolve({ vector, ms });
      else job.reject(new Error('llama.cpp returned no vector for the text'));
    });
  }
}

/**
 * The decodes of a group of texts of these token counts, as indexes into the group: the first text left, then the later
 * ones among the next few that still fit, up to the sequence cap and the token budget; a text over the budget alone.
 */
export function planDecodes(
  lengths: readonly number[],
  limits: { sequences: number; tokenBudget: number },
): number[][] {
  const { sequences, tokenBudget } = limits;
  const decodes: number[][] = [];
  let left: number[] = [];
  let next = 0;
  while (left.length > 0 || next < lengths.length) {
    while (left.length < sequences * LOOKAHEAD_PER_SEQUENCE && next < lengths.length) left.push(next++);
    const taken: number[] = [];
    const kept: number[] = [];
    let tokens = 0;
    for (const i of left) {
      const length = lengths[i] ?? 0;
      if (taken.length === 0 || (taken.length < sequences && tokens + length <= tokenBudget)) {
        taken.push(i);
        tokens += length;
      } else {
        kept.push(i);
      }
    }
    decodes.push(taken);
    left = kept;
  }
  return decodes;
}

/** One decode of the inputs, input i as sequence i, and their pooled vectors, read before anything else can use the context. */
async function decode(native: NativeBatch, inputs: Uint32Array[], clock = new PhaseClock()): Promise<Float32Array[]> {
  await clock.decoding(async () => {
    native.initBatch(inputs.reduce((sum, input) => sum + input.length, 0));
    // Pooling needs every token's output; asking for them all spares llama.cpp overriding the request with a warning.
    inputs.forEach((input, sequence) => native.addToBatch(sequence, 0, input, allIndexes(input.length)));
    await native.decodeBatch();
  });
  return clock.time('readOut', () =>
    inputs.map((input, sequence) => Float32Array.from(native.getEmbedding(input.length, 0, sequence))),
  );
}

let indexes = new Uint32Array(0);

/** 0, 1, ... n - 1. */
function allIndexes(n: number): Uint32Array {
  if (indexes.length < n) indexes = Uint32Array.from({ length: Math.max(n, 2 * indexes.length) }, (_, i) => i);
  return indexes.subarray(0, n);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    aa += x * x;
    bb += y * y;
  }
  return a.length === b.length && aa > 0 && bb > 0 ? dot / Math.sqrt(aa * bb) : 0;
}
