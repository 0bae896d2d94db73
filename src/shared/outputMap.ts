import { z } from 'zod';

export const OUTPUT_MAP_VERSION = 1;

/** Nearest rows an exported map lists for each row where no number is asked for (as Embedding Atlas's UMAP uses). */
export const DEFAULT_MAP_NEIGHBORS = 15;

const count = z.number().int().nonnegative();
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

/** One cluster of a map: its id, its most distinctive words (best first), its rows and where its label goes. */
export const mapClusterSchema = z.strictObject({
  id: count,
  label: z.string(),
  words: z.array(z.string()),
  rows: count,
  x: z.number(),
  y: z.number(),
});

export type MapCluster = z.infer<typeof mapClusterSchema>;

/** How a map is made; a cached map made otherwise is made again. */
export const mapSettingsSchema = z.strictObject({
  /** At most this many rows are laid out by UMAP; the others are placed by their nearest sampled rows. */
  sampleSize: z.number().int().positive(),
  /** The seed of the sample, of UMAP and of k-means: the same output and seed give the same map. */
  seed: z.number().int(),
  /** The clusters asked for; null: chosen from the row count. */
  clusters: z.number().int().positive().nullable(),
});

export type MapSettings = z.infer<typeof mapSettingsSchema>;

/**
 * `<output>.map.json`: the 2D map of an output's rows (the `.map.json` beside the output), with the output it was made
 * from (size and fingerprint, as an index's): a map whose output changed is stale. The rows' input lines (uint32),
 * coordinates (float32 x, y pairs) and cluster ids (uint16) are little-endian arrays in base64.
 */
export const outputMapFileSchema = z.strictObject({
  version: z.literal(OUTPUT_MAP_VERSION),
  builtAt: z.iso.datetime(),
  output: z.strictObject({ size: count, fingerprint: z.string().regex(/^[0-9a-f]{64}$/) }),
  settings: mapSettingsSchema,
  rows: count,
  sampled: count,
  clusters: z.array(mapClusterSchema),
  lines: base64,
  coordinates: base64,
  clusterIds: base64,
});

export type OutputMapFile = z.infer<typeof outputMapFileSchema>;
