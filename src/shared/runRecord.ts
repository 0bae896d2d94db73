import { z } from 'zod';
import { INPUT_FORMATS, LONG_TEXT_POLICIES, NORMALIZATIONS, OUTPUT_FORMATS, PRECISIONS } from './engine';

export const RUN_RECORD_VERSION = 1;

const count = z.number().int().nonnegative();
const positive = z.number().int().positive();

/**
 * The ranges int8 and uint8 vectors are scaled by: each dimension's least and greatest value over the run's first
 * `rows` rows. A query quantized with them compares with the rows.
 */
export const calibrationSchema = z.strictObject({
  rows: positive,
  min: z.array(z.number()),
  max: z.array(z.number()),
});
export type Calibration = z.infer<typeof calibrationSchema>;

/**
 * `<output>.run.json`: what made a finished output, written by its run beside it whatever the format (and into a
 * Parquet file's metadata). The model, input and vector options are those of the run's checkpoint identity; the counts
 * are the whole run's, a resumed one included. Only `finishedAt` differs between two runs that made the same output.
 */
export const runRecordSchema = z.strictObject({
  version: z.literal(RUN_RECORD_VERSION),
  app: z.strictObject({ name: z.literal('embedding-studio'), version: z.string().min(1) }),
  finishedAt: z.iso.datetime(),
  model: z.strictObject({
    /** The model file's name, and its absolute path when the run ended. */
    file: z.string().min(1),
    path: z.string().min(1),
    /** The name the model gives itself (its GGUF metadata), else its file name without .gguf. */
    name: z.string(),
    size: count,
    /** SHA-256 of the file's first and last MiB, as the checkpoint identity has it. */
    fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  }),
  vectors: z.strictObject({
    /** The model's dimension, and how many of them each row keeps (null: all). */
    dimension: positive,
    dimensions: positive.nullable(),
    pooling: z.enum(['mean', 'cls', 'last']),
    contextSize: positive,
    normalize: z.enum(NORMALIZATIONS),
    prefix: z.string(),
    onLong: z.enum(LONG_TEXT_POLICIES),
    /**
     * With the policies chunk and mean: the tokens of a chunk (special tokens included) and its overlap with the one
     * before; null with the others, and absent from the records of runs made before them.
     */
    chunkTokens: positive.nullable().default(null),
    chunkOverlap: count.nullable().default(null),
  }),
  /** The numbers the vectors are stored as, and int8's and uint8's ranges. Absent before the option: float32. */
  precision: z
    .strictObject({ type: z.enum(PRECISIONS), calibration: calibrationSchema.nullable() })
    .default({ type: 'float32', calibration: null }),
  input: z.strictObject({
    /** As the run was given it, and absolute. */
    path: z.string().min(1),
    absolutePath: z.string().min(1),
    size: count,
    mtimeMs: z.number(),
    /**
     * SHA-256 of the input's first and last MiB, as the model's: with its size, the input's identity wherever it is
     * copied (the shards of one input run on other machines). Absent from the records of runs made before it.
     */
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    format: z.enum(INPUT_FORMATS),
    field: z.string(),
    /** The shard of the input's lines the run embedded (see src/shared/shard.ts); null: every line. */
    shard: z.strictObject({ index: count, count: positive }).nullable().default(null),
    /**
     * A folder of documents: the glob that chose them, how many, and a hash of their paths, sizes and times (`size`:
     * their bytes); null (absent from the records of runs made before folders) for a file.
     */
    documents: z
      .strictObject({ glob: z.string(), files: count, hash: z.string().regex(/^[0-9a-f]{64}$/) })
      .nullable()
      .default(null),
  }),
  /**
   * The earlier output whose rows the run copied for the texts it had embedded, and how many lines it copied them for;
   * null where it reused none. Absent from the records of runs made before it.
   */
  reused: z
    .strictObject({ output: z.string().min(1), lines: count })
    .nullable()
    .default(null),
  output: z.strictObject({
    format: z.enum(OUTPUT_FORMATS),
    /** Rows in the output: the lines embedded, or with the policy chunk their chunks. */
    rows: count,
    /** Input lines, each either a row or a line in the skip log (skipped for its content, or failed). */
    lines: count,
    skipped: count,
    failed: count,
    truncated: count,
  }),
});

export type RunRecord = z.infer<typeof runRecordSchema>;
