import { z } from 'zod';

/** 2: rows keyed by their place in the output (1 keyed them by input line, which a row of a chunk does not name). */
export const OUTPUT_INDEX_VERSION = 2;

/** How an index stores its vectors: f16 halves the memory of f32 and keeps recall; i8 lost too much of it. */
export const INDEX_QUANTIZATIONS = ['f32', 'f16', 'i8'] as const;

const count = z.number().int().nonnegative();
const positive = z.number().int().positive();

/**
 * `<output>.index.json`: what the index beside an output (`<output>.index`, an HNSW graph of its rows by cosine, keyed
 * by each row's place in the output, from 0) was built from and with. An index whose output no longer has this size and fingerprint is stale.
 */
export const outputIndexInfoSchema = z.strictObject({
  version: z.literal(OUTPUT_INDEX_VERSION),
  builtAt: z.iso.datetime(),
  /** The output when the index was built: its size and the SHA-256 of its first and last MiB (as a checkpoint's). */
  output: z.strictObject({ size: count, fingerprint: z.string().regex(/^[0-9a-f]{64}$/) }),
  rows: count,
  dimensions: positive,
  metric: z.literal('cos'),
  quantization: z.enum(INDEX_QUANTIZATIONS),
  /** HNSW's links per node, and the candidates it weighs when adding a row and when searching. */
  connectivity: positive,
  expansionAdd: positive,
  expansionSearch: positive,
  /** The index file's size and fingerprint, which another file (a half-written one, say) would not have. */
  indexSize: count,
  indexFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
});

export type OutputIndexInfo = z.infer<typeof outputIndexInfoSchema>;
