import { createHash } from 'node:crypto';
import type { StoredVector } from './output/precision';
import type { ChunkPlace, DocumentPlace } from '#shared/engine';

/** `textHash` of a text: its MD5, hex (Parquet's `text_hash` column). */
export function textHashOf(text: string): string {
  return createHash('md5').update(text).digest('hex');
}

/** One embedded input line. Produced by the BatchProcessor, consumed by the output writers. */
export interface EmbeddingResult {
  /** 1-based line number in the input file (for `processTexts`, the 1-based position in the array). */
  line: number;
  /** The text as embedded: the trimmed line, without the prefix. */
  text: string;
  /** MD5 of `text`, hex: equal texts have equal hashes, so duplicates can be found. */
  textHash: string;
  /** Tokens the model evaluated for this text, special tokens ([CLS], [SEP]) and the prefix included. */
  tokens: number;
  /** True when the text was longer than the context and only its head was embedded. */
  truncated: boolean;
  /** Time from handing the text to a context to getting its vector back. */
  processingTimeMs: number;
  embedding: Float32Array;
  /** The numbers as an output already stored them (a merge of outputs): written as they are, `embedding` unused. */
  stored?: StoredVector;
  /** With the policy chunk, the row is one chunk of the line (`text` is the chunk's). */
  chunk?: ChunkPlace;
  /** With the policy mean: the chunks the row's vector is the token-weighted mean of. */
  chunks?: number;
  /** A chunk of a folder's document (`line` is the document's number): where it comes from. */
  document?: DocumentPlace;
}
