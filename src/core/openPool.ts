import type { LlamaModel } from 'node-llama-cpp';
import { BatchedPool } from './batchedPool';
import { ContextPool } from './contextPool';
import type { EmbeddingPool } from './embeddingPool';
import { EmbeddingError } from './errors';
import type { Backend, Engine } from '#shared/engine';

export type EngineChoice = Engine | 'auto';

export interface PoolOptions {
  backend: Backend;
  /** CPU threads in all. */
  threads: number;
  contextSize: number;
  /** `auto`: the batched engine where its self-test passes, else the contexts engine. */
  engine: EngineChoice;
  /** Told each engine before it is set up (and decodes), so a process that dies there can be said to have died in it. */
  onEngine?: (engine: Engine) => void | Promise<void>;
}

/** Texts and tokens per decode of the batched engine: llama-embedding's packing on the CPU (-b 512 gives ~16 texts). */
const CPU_DECODE = { sequences: 16, tokenBudget: 512 };
const GPU_DECODE = { sequences: 64, tokenBudget: 2048 };

/**
 * The engine and contexts a model embeds on. On CPU, one single-threaded context per thread beats one multi-threaded
 * context with either engine (the threads of one decode spend much of it waiting on each other; measured on 2 cores:
 * batched, 2 x 1 thread ~20% faster than 1 x 2 threads); on a GPU two contexts keep it fed.
 */
export async function openPool(
  model: LlamaModel,
  options: PoolOptions,
): Promise<{ pool: EmbeddingPool; engine: Engine; contexts: number }> {
  const { backend, threads, contextSize, engine } = options;
  const contexts = backend === 'cpu' ? threads : 2;
  const threadsPerContext = backend === 'cpu' ? 1 : Math.max(1, Math.floor(threads / contexts));
  if (engine !== 'contexts') {
    await options.onEngine?.('batched');
    const decode = backend === 'cpu' ? CPU_DECODE : GPU_DECODE;
    const opening = BatchedPool.openIfSupported(model, {
      contexts,
      threads: threadsPerContext,
      contextSize,
      ...decode,
    });
    // With `auto`, a batched engine that cannot even be set up (too little memory, say) is no reason to fail.
    const pool = await (engine === 'auto' ? opening.catch(() => null) : opening);
    if (pool) return { pool, engine: 'batched', contexts };
    if (engine === 'batched') {
      throw new EmbeddingError(
        'BAD_OPTION',
        'The batched engine is not available for this model here: it needs node-llama-cpp built on this machine with ' +
          'the project’s patch, and a model without a KV cache (an encoder such as BERT).',
        { kind: 'buildEngine' },
      );
    }
  }
  await options.onEngine?.('contexts');
  return {
    pool: await ContextPool.create(model, contexts, { contextSize, threads: threadsPerContext }),
    engine: 'contexts',
    contexts,
  };
}
