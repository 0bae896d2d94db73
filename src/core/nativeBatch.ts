import type { LlamaContext, LlamaModel } from 'node-llama-cpp';

/**
 * The native calls of a node-llama-cpp context that the batched engine drives itself. This file is the one place that
 * reaches into node-llama-cpp's internals: the `_embeddings` context option and the `_ctx` addon object, neither of
 * them in its public types (checked against node-llama-cpp 3.21.1, llama/addon/AddonContext.cpp).
 */
export interface NativeBatch {
  /** Starts a batch of at most `tokens` tokens (no more than the context's batch size). */
  initBatch(tokens: number): void;
  /** Adds one text to the batch as `sequence`, its first token at `firstPosition`; `outputIndexes` are the tokens to output. */
  addToBatch(sequence: number, firstPosition: number, tokens: Uint32Array, outputIndexes: Uint32Array): Uint32Array;
  /** Evaluates the batch on a worker thread. */
  decodeBatch(): Promise<void>;
  /**
   * The pooled embedding of `sequence` after the last decode. The sequence argument comes from this project's patch
   * (patches/node-llama-cpp/node-llama-cpp+3.21.1.patch); an unpatched addon ignores it and returns sequence 0's vector.
   */
  getEmbedding(inputLength: number, maxVectorSize: number, sequence: number): Float64Array;
  /** The first position the KV cache holds for `sequence`; -1 when it holds none, or the model has no KV cache. */
  getSequenceKvCacheMinPosition(sequence: number): number;
}

export interface BatchContextOptions {
  contextSize: number;
  sequences: number;
  batchSize: number;
  threads: number;
}

/**
 * An embedding context with room for `sequences` texts of up to `contextSize` tokens each and `batchSize` tokens per
 * decode, and its native calls. Nothing may evaluate on it through node-llama-cpp's own sequences while the native
 * calls are in use: the two would share one batch.
 */
export async function createBatchContext(
  model: LlamaModel,
  options: BatchContextOptions,
): Promise<{ context: LlamaContext; native: NativeBatch }> {
  // A full-size sliding-window cache keeps node-llama-cpp from adding a token to the batch size for sliding-window models.
  const withEmbeddings = { ...options, swaFullCache: true, _embeddings: true };
  const context = await model.createContext(withEmbeddings);
  return { context, native: (context as unknown as { _ctx: NativeBatch })._ctx };
}
