import type { Token } from 'node-llama-cpp';

/** What embeds texts on a loaded model: the batched engine or the contexts engine (see Engine in src/shared/engine.ts). */
export interface EmbeddingPool {
  /** Texts it evaluates at once: at least this many must be handed to it together to keep it busy. */
  readonly size: number;
  /** Tokens it adds around every text ([CLS] and [SEP] for BERT models). */
  specialTokenCount(): number;
  /** The vector of a text's tokens and the milliseconds the text spent in a context (waiting for one not counted). */
  embed(tokens: readonly Token[]): Promise<{ vector: Float32Array; ms: number }>;
  dispose(): Promise<void>;
}
