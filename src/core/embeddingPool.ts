import type { Token } from 'node-llama-cpp';
import type { PhaseClock } from './phaseClock';

/** A text's vector and the milliseconds it spent in a context (waiting for one not counted). */
export interface Embedded {
  vector: Float32Array;
  ms: number;
}

/** What embeds texts on a loaded model: the batched engine or the contexts engine (see Engine in src/shared/engine.ts). */
export interface EmbeddingPool {
  /** Texts it evaluates at once: at least this many must be handed to it together to keep it busy. */
  readonly size: number;
  /** Tokens it adds around every text ([CLS] and [SEP] for BERT models). */
  specialTokenCount(): number;
  /**
   * The vectors of a group of texts' tokens, in the group's order. Which texts share a decode follows from the group
   * alone, never from timing, so that the same group always gives the same bytes: llama.cpp's result for a text depends
   * slightly on the other texts in its decode. The decodes and read-outs are counted on `clock` where one is given.
   */
  embed(texts: ReadonlyArray<readonly Token[]>, clock?: PhaseClock): Array<Promise<Embedded>>;
  dispose(): Promise<void>;
}
