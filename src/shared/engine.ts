import type { Shard } from './shard';

/**
 * The engine's data as it crosses into front ends: option values, model facts, progress and totals. Plain types and
 * constant lists only, so the renderer can use them without Node; src/core builds on them.
 */

export const GPU_CHOICES = ['auto', 'cpu', 'cuda', 'vulkan', 'metal'] as const;
export type GpuChoice = (typeof GPU_CHOICES)[number];
/** node-llama-cpp's choice: CUDA, Vulkan or Metal where it finds one, else the CPU. */
export const DEFAULT_GPU: GpuChoice = 'auto';
export type Backend = Exclude<GpuChoice, 'auto'>;

export const NORMALIZATIONS = ['l2', 'none'] as const;
export type Normalization = (typeof NORMALIZATIONS)[number];

/**
 * What to do with a text longer than the context: embed its head, skip it, stop the run, cut it into chunks that are
 * rows of their own, or embed those chunks and write their token-weighted mean as the line's one row.
 */
export const LONG_TEXT_POLICIES = ['truncate', 'skip', 'fail', 'chunk', 'mean'] as const;
export type LongTextPolicy = (typeof LONG_TEXT_POLICIES)[number];

/**
 * The numbers an output stores, as sentence-transformers' `quantize_embeddings` makes them: float32 as the model gives
 * them, float16 (IEEE half), int8 and uint8 (each dimension scaled by its range over the run's first rows), binary and
 * ubinary (one bit per dimension, set where the value is above 0, packed 8 to a byte; binary stores each byte - 128).
 */
export const PRECISIONS = ['float32', 'float16', 'int8', 'uint8', 'binary', 'ubinary'] as const;
export type Precision = (typeof PRECISIONS)[number];
/**
 * Which chunk of its line a row of the policy chunk is: `index` from 0, and where the chunk's text is in the line's text
 * (after the trim every text gets), in Unicode code points, `[charStart, charEnd)`.
 */
export interface ChunkPlace {
  index: number;
  charStart: number;
  charEnd: number;
}

/**
 * Where a chunk of a folder's document comes from: the document's path in the folder ('/' separators), and its PDF
 * page or JSON Lines / CSV record (1-based; null for other kinds), in whose text the chunk's offsets are.
 */
export interface DocumentPlace {
  source: string;
  page: number | null;
}

/** The policies that cut every text into chunks (a short text is one chunk). */
export function chunksTexts(policy: LongTextPolicy): policy is 'chunk' | 'mean' {
  return policy === 'chunk' || policy === 'mean';
}

export type Pooling = 'mean' | 'cls' | 'last';

/**
 * How texts reach llama.cpp: `batched` packs many texts into each decode (needs the project's patched local build of
 * node-llama-cpp, `npm run build:engine`); `contexts` evaluates one text per decode on each of several contexts.
 */
export type Engine = 'batched' | 'contexts';

/** Which llama.cpp binary node-llama-cpp loaded: one built on this machine, or one of its prebuilt packages. */
export type BuildType = 'localBuild' | 'prebuilt';

/** Largest context allocated unless asked for more: beyond it a model's full training context costs GBs per context. */
export const DEFAULT_MAX_CONTEXT = 2048;

/** How the input file is read: one text per line, or one JSON object per line with the text in a field. */
export const INPUT_FORMATS = ['text', 'jsonl'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** The embeddings file formats Embedding Studio writes. */
export const OUTPUT_FORMATS = ['jsonl', 'npy', 'parquet', 'lance'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Why an input line was not embedded. Every line that is not embedded is reported with one of these. */
export type SkipReason =
  | 'blank'
  | 'invalid-utf8'
  | 'nul-byte'
  | 'line-too-large'
  | 'invalid-json'
  | 'missing-field'
  | 'field-not-string'
  | 'too-long'
  | 'no-tokens'
  | 'failed'
  /** The document kinds of a folder of documents: a file that could not be read as its kind says. */
  | 'binary'
  | 'encrypted'
  | 'no-text'
  | 'unreadable'
  | 'unsupported';

export interface SkippedLine {
  /** 1-based line number in the input file; in a folder of documents, the document's number in its sorted list. */
  line: number;
  reason: SkipReason;
  detail?: string;
  /** In a folder of documents: the document's path in the folder ('/' separators). */
  source?: string;
  /** In a folder of documents: the PDF page, or the record of a JSON Lines or CSV file (1-based); null for others. */
  page?: number | null;
}

/** How texts are turned into model input and vectors into output; can change between runs on one loaded model. */
export interface TextOptions {
  normalize: Normalization;
  /** Prepended to every text before tokenizing, e.g. `search_document: `. */
  prefix: string;
  onLong: LongTextPolicy;
  /** Keep the first this many dimensions of each vector (Matryoshka), normalized after; null: all of them. */
  dimensions: number | null;
  /**
   * With the policies chunk and mean: the tokens of a chunk, special tokens included; absent or null: what the context
   * holds.
   */
  chunkTokens?: number | null;
  /** With the policies chunk and mean: tokens a chunk repeats of the one before; absent or null: a tenth of a chunk. */
  chunkOverlap?: number | null;
}

export interface ModelInfo extends TextOptions {
  path: string;
  name: string;
  fileSize: number;
  architecture: string;
  dimension: number;
  pooling: Pooling;
  trainContextSize: number;
  contextSize: number;
  quantization: string;
  backend: Backend;
  gpuName: string | null;
  gpuLayers: number;
  threads: number;
  contexts: number;
  engine: Engine;
  buildType: BuildType;
  /**
   * What llama.cpp's CPU code in the loaded binary was built to use, as llama.cpp lists it (AVX2, AVX512, AMX_INT8,
   * LLAMAFILE ...): a local build has what this CPU offers less what `npm run build:engine` had to leave out.
   */
  cpuFeatures: string[];
}

/** The dimension of the vectors a run writes: the first `dimensions` of the model's, or all of them. */
export function outputDimension(info: Pick<ModelInfo, 'dimension' | 'dimensions'>): number {
  return info.dimensions ?? info.dimension;
}

/** The chunks a run cuts long texts into, in tokens: their size (special tokens included) and overlap. */
export interface ChunkWindow {
  tokens: number;
  overlap: number;
}

/**
 * The chunks of a run with the policies chunk and mean (null with the others), defaults resolved: chunks of what the
 * context holds (one token less than its size, which llama.cpp keeps free), overlapping by a tenth of that, rounded
 * down.
 */
export function chunkWindowOf(
  info: Pick<ModelInfo, 'onLong' | 'chunkTokens' | 'chunkOverlap' | 'contextSize'>,
): ChunkWindow | null {
  return chunksTexts(info.onLong) ? chunkWindowFor(info) : null;
}

/** The chunks `chunkWindowOf` gives, whatever the policy. */
export function chunkWindowFor(info: Pick<ModelInfo, 'chunkTokens' | 'chunkOverlap' | 'contextSize'>): ChunkWindow {
  const tokens = info.chunkTokens ?? info.contextSize - 1;
  return { tokens, overlap: info.chunkOverlap ?? Math.floor(tokens / 10) };
}

/** Totals of a run (or of everything since the last reset), consistent with what was written. */
export interface BatchStats {
  /** Input lines accounted for: embedded + skipped + failed. */
  lines: number;
  /** Lines with a row (or rows) in the output, those reused from an earlier output included. */
  embedded: number;
  /** Of the lines embedded, those whose rows were copied from an earlier output rather than embedded by this run. */
  reused: number;
  /** Lines not embedded because of their content (blank, invalid, too long ...). */
  skipped: number;
  /** Lines whose embedding failed. */
  failed: number;
  truncated: number;
  skippedByReason: Partial<Record<SkipReason, number>>;
  /** Tokens evaluated for the embedded lines, special tokens included. */
  tokens: number;
  characters: number;
  batches: number;
  /** Time spent running, pauses excluded. */
  elapsedMs: number;
  averageBatchMs: number;
  textsPerSecond: number;
  tokensPerSecond: number;
  averageTokensPerText: number;
  /** Highest resident set size of the whole process seen during the run. */
  peakRssBytes: number;
  /** Where `elapsedMs` went. */
  time: TimeSplit;
}

/**
 * A run's time in milliseconds, split the way the engine's JavaScript thread spent it; the five add up to the run's
 * `elapsedMs`. Work on that thread counts first (tokenizing, copying vectors out, handing batches to the output), then
 * waiting for a decode in flight on any context: llama.cpp decodes on threads of its own meanwhile, so `decodeMs` is
 * the time the run waited on llama.cpp alone.
 */
export interface TimeSplit {
  /** Tokenizing texts and applying the long-text policy. */
  tokenizeMs: number;
  /** Waiting for llama.cpp's decodes, with no other phase under way. */
  decodeMs: number;
  /** Copying the vectors out of llama.cpp. */
  readOutMs: number;
  /**
   * Handing each batch to the output (a job's output file, skip log and checkpoint, flushed to the disk) and, in a
   * job, finishing the files and giving them their final names.
   */
  writeMs: number;
  /** The rest: reading the input, turning vectors into results, and waiting on nothing. */
  idleMs: number;
}

/** A progress report, sent at a bounded rate while a run goes, and once more at its end with `done: true`. */
export interface ProgressInfo {
  linesDone: number;
  /**
   * Lines in the input, where known: from the start for a list of texts; for a file, which is read once, only in the
   * last report (`done`).
   */
  totalLines: number | null;
  /**
   * Share of the input done, from 0 to 1, where known: by bytes for a file (its size is known from the start), by
   * lines for a list of texts.
   */
  fraction: number | null;
  embedded: number;
  skipped: number;
  failed: number;
  tokens: number;
  batches: number;
  elapsedMs: number;
  /** Over the last few seconds. */
  textsPerSecond: number;
  tokensPerSecond: number;
  /** Since the start. */
  averageTextsPerSecond: number;
  averageTokensPerSecond: number;
  etaMs: number | null;
  rssBytes: number;
  heapUsedBytes: number;
  done: boolean;
}

/** What a finished run produced. */
export interface EmbedJobSummary {
  input: string;
  format: OutputFormat;
  /**
   * The embeddings file(s): for .npy, the matrix and its `.lines.npy` line-number sidecar (`.rows.npy` with the
   * policies chunk and mean).
   */
  outputs: string[];
  skipLog: string;
  /** `<output>.run.json`: what made the output. */
  runRecord: string;
  outputBytes: number;
  /** The dimension of the vectors written: the model's (`model.dimension`), or the first `model.dimensions` of it. */
  outputDimension: number;
  /** The numbers the vectors are stored as. */
  precision: Precision;
  /** The line an earlier, unfinished run of this output had reached, continued from here; 0 for a run from the start. */
  resumedAfterLine: number;
  /** The shard of the input's lines the run embedded; null: every line. */
  shard: Shard | null;
  /**
   * A LanceDB output's ANN index on `vector`, or null where it got none (float vectors of LANCE_INDEX_MIN_ROWS rows or
   * more get one); absent for the other formats.
   */
  tableIndex?: TableIndex | null;
  /**
   * A folder of documents: how many it holds. Its stats' lines are then the texts read (a document, a section of a
   * long one, a page, a record), and `resumedAfterLine` counts those.
   */
  documents?: number;
  /** The earlier output whose rows the run reused for texts it had embedded (`stats.reused` lines); null: none. */
  reusedFrom: string | null;
  model: ModelInfo;
  stats: BatchStats;
}

/** The ANN index a LanceDB output gets: IVF_PQ, cosine distance. */
export type TableIndex = 'IVF_PQ';
