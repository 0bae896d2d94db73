import type { LlamaEmbeddingContext, LlamaModel, Token } from 'node-llama-cpp';
import type { Embedded, EmbeddingPool } from './embeddingPool';
import { PhaseClock } from './phaseClock';

/**
 * The contexts engine: the embedding contexts of one model, each evaluating one text at a time; `embed` runs each text
 * on the next free context, so as many texts are evaluated at once as there are contexts. A text is always decoded
 * alone, so its vector does not depend on which context takes it or when.
 */
export class ContextPool implements EmbeddingPool {
  private readonly free: LlamaEmbeddingContext[];
  private readonly waiting: Array<(context: LlamaEmbeddingContext) => void> = [];

  private constructor(private readonly contexts: LlamaEmbeddingContext[]) {
    this.free = [...contexts];
  }

  static async create(
    model: LlamaModel,
    count: number,
    options: { contextSize: number; threads: number },
  ): Promise<ContextPool> {
    const contexts: LlamaEmbeddingContext[] = [];
    try {
      for (let i = 0; i < count; i += 1) {
        contexts.push(
          await model.createEmbeddingContext({
            contextSize: options.contextSize,
            batchSize: options.contextSize,
            threads: options.threads,
          }),
        );
      }
    } catch (error) {
      await Promise.all(contexts.map((context) => context.dispose()));
      throw error;
    }
    return new ContextPool(contexts);
  }

  get size(): number {
    return this.contexts.length;
  }

  /** Tokens the contexts add around every text ([CLS] and [SEP] for BERT models). */
  specialTokenCount(): number {
    const context = this.contexts[0];
    if (!context) return 0;
    const probe = context.model.tokenize('a');
    return context.calculateInputLength(probe.slice()) - probe.length;
  }

  embed(texts: ReadonlyArray<readonly Token[]>, clock = new PhaseClock()): Array<Promise<Embedded>> {
    return texts.map((tokens) => this.embedOne(tokens, clock));
  }

  /**
   * node-llama-cpp copies the vector out into a JavaScript array as part of `getEmbeddingFor`, which counts as decode;
   * read-out is the copy from that array into the result.
   */
  private async embedOne(tokens: readonly Token[], clock: PhaseClock): Promise<Embedded> {
    const context =
      this.free.pop() ?? (await new Promise<LlamaEmbeddingContext>((resolve) => this.waiting.push(resolve)));
    const started = performance.now();
    try {
      // getEmbeddingFor adds the special tokens to the array it is given, so it gets a copy.
      const { vector } = await clock.decoding(() => context.getEmbeddingFor(tokens.slice()));
      return { vector: clock.time('readOut', () => Float32Array.from(vector)), ms: performance.now() - started };
    } finally {
      const next = this.waiting.shift();
      if (next) next(context);
      else this.free.push(context);
    }
  }

  async dispose(): Promise<void> {
    await Promise.all(this.contexts.map((context) => context.dispose()));
  }
}
