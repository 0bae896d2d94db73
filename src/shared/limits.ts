/**
 * The bounds of every numeric option, in one place: the command line, serve mode, the request schemas, the form and
 * the engine's own checks all read them from here, so a value that one of them accepts none of the others refuses.
 */
export interface Limit {
  /** The option's name as a message starts with it. */
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Whole numbers only. */
  readonly integer: boolean;
  /** What the number counts, where the label alone does not say it. */
  readonly unit?: string;
  /** A usual value, for hints. */
  readonly example: number;
}

export type LimitName =
  | 'batchSize'
  | 'threads'
  | 'contextSize'
  | 'memoryLimitMb'
  | 'dimensions'
  | 'chunkTokens'
  | 'chunkOverlap'
  | 'port'
  | 'top'
  | 'shards'
  | 'threshold'
  | 'line'
  | 'row'
  | 'chunk'
  | 'page';

export const LIMITS: Readonly<Record<LimitName, Limit>> = {
  // A batch's texts and vectors are held until it is written: 65,536 texts of a 4,096-dimension model are 1 GiB of
  // vectors already, and a larger batch buys no speed, since one decode takes at most 64 texts.
  batchSize: { label: 'Batch size', min: 1, max: 65_536, integer: true, unit: 'texts', example: 32 },
  // llama.cpp runs at most 512 threads (GGML_MAX_N_THREADS); on CPU each thread is also a context of its own.
  threads: { label: 'Threads', min: 1, max: 512, integer: true, example: 4 },
  // 8 leaves a few tokens of text beside the special tokens; a text is one line of at most 1 MiB (MAX_LINE_BYTES) and a
  // token covers at least a byte, so a longer context would never be filled.
  contextSize: { label: 'Context size', min: 8, max: 1_048_576, integer: true, unit: 'tokens', example: 512 },
  // Whole MiB: the resident size it is compared with moves by more than that between checks. 1 stops a run at its first
  // check (which tests rely on); 16 TiB is more memory than any one machine this runs on has, so only typos go over.
  memoryLimitMb: { label: 'Memory limit', min: 1, max: 16_777_216, integer: true, unit: 'MiB', example: 4096 },
  // The first dimensions of each vector a run keeps (Matryoshka). The largest embedding models have a few thousand
  // dimensions; 65,536 only stops typos. The model's own dimension, the real maximum, is checked when the run starts.
  dimensions: { label: 'Dimensions', min: 1, max: 65_536, integer: true, example: 256 },
  // The tokens of a chunk (--on-long chunk and mean), special tokens included: as a context, at least a few tokens of
  // text beside the special tokens; what the loaded context holds, the real maximum, is checked when the run starts.
  chunkTokens: { label: 'Chunk tokens', min: 8, max: 1_048_576, integer: true, unit: 'tokens', example: 512 },
  // Tokens a chunk repeats of the one before; under the chunk's own tokens, which is checked when the run starts.
  chunkOverlap: { label: 'Chunk overlap', min: 0, max: 1_048_575, integer: true, unit: 'tokens', example: 50 },
  // Serve mode's TCP port, its example the default; 0 asks the system for any free one.
  port: { label: 'Port', min: 0, max: 65_535, integer: true, example: 5317 },
  // The results a search keeps, best first: held while the output streams by and printed at once, so a list, not a
  // file; 10,000 is more than anyone reads.
  top: { label: 'Top', min: 1, max: 10_000, integer: true, unit: 'results', example: 10 },
  // The parts a sharded run splits its input into: every shard reads the whole file to find its lines, so beyond a
  // few thousand the reading outweighs the embedding; 65,536 only stops typos.
  shards: { label: 'Shards', min: 1, max: 65_536, integer: true, example: 4 },
  // The cosine similarity from which two rows are near-duplicates. Below 0 they point away from each other.
  threshold: { label: 'Threshold', min: 0, max: 1, integer: false, example: 0.95 },
  // An input line: .npy outputs keep it as a uint32.
  line: { label: 'Line', min: 1, max: 4_294_967_295, integer: true, example: 12 },
  // A row's place in an output, from 0: an output has at most a row for each chunk of each line.
  row: { label: 'Row', min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, example: 0 },
  // A chunk of a line, from 0: a line of at most 1 MiB has fewer chunks than it has bytes.
  chunk: { label: 'Chunk', min: 0, max: 1_048_576, integer: true, example: 0 },
  // A page of a PDF or a record of a JSON Lines or CSV document, from 1; 0 for a document without pages.
  page: { label: 'Page', min: 0, max: 4_294_967_295, integer: true, example: 1 },
};

/** The results a search returns and the similarity from which rows are near-duplicates, unless others are chosen. */
export const EXPLORE_DEFAULTS = { top: 10, threshold: 0.95 } as const;

export function withinLimit(limit: Limit, value: number): boolean {
  return (!limit.integer || Number.isInteger(value)) && value >= limit.min && value <= limit.max;
}

/** What the option takes, e.g. "a whole number of MiB from 1 to 16777216"; `format` writes the bounds. */
export function limitRange(
  limit: Limit,
  { unit = true, format = String }: { unit?: boolean; format?: (value: number) => string } = {},
): string {
  const kind = limit.integer ? 'a whole number' : 'a number';
  return `${kind}${unit && limit.unit ? ` of ${limit.unit}` : ''} from ${format(limit.min)} to ${format(limit.max)}`;
}

/**
 * A LanceDB output of at least this many rows gets an ANN index (IVF_PQ, cosine) when its run finishes: below it, a
 * search that reads every row takes milliseconds, and the index's training wants thousands of rows to go by.
 */
export const LANCE_INDEX_MIN_ROWS = 10_000;
