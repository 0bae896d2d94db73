import { availableParallelism } from 'node:os';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { kmeans } from 'ml-kmeans';
import { UMAP } from 'umap-js';
import usearch, { MetricKind, ScalarKind } from 'usearch';
import {
  OUTPUT_MAP_VERSION,
  outputMapFileSchema,
  type MapCluster,
  type MapSettings,
  type OutputMapFile,
} from '#shared/outputMap';
import type { RunRecord } from '#shared/runRecord';
import { outputFingerprint } from '../checkpoint';
import { cancelledError, EmbeddingError } from '../errors';
import { damaged } from '../output/outputLines';
import { stagingPath } from '../output/stagedFile';
import { readRunRecord } from '../runRecord';
import { outputDimension, readOutputRows } from './outputRows';

/** `<output>.map.json`: the map of an output's rows, with what it was made from. */
export function mapPath(output: string): string {
  return `${output}.map.json`;
}

/**
 * The 2D map of an output: every row's place and cluster, in the output's order. Memory is that of these arrays (12
 * bytes a row: two float32 coordinates, a uint16 cluster, a uint32 line) plus the sample, whatever the output's size.
 */
export interface OutputMap {
  rows: number;
  /** The input line of each row. */
  lines: Uint32Array;
  /** x, y of each row, one pair after the other. */
  coordinates: Float32Array;
  /** The cluster of each row: an index into `clusters`. */
  clusterIds: Uint16Array;
  clusters: MapCluster[];
  /** Rows laid out by UMAP; the others were placed by their nearest sampled rows. */
  sampled: number;
  settings: MapSettings;
}

export interface MapProgress {
  /** sample: reading the sampled rows; preview: placing every row by PCA; layout: UMAP's epochs; place: every row
   * placed, clustered and its words counted. */
  phase: 'sample' | 'preview' | 'layout' | 'place';
  done: number;
  total: number;
}

export interface OutputMapOptions {
  /** Rows laid out by UMAP (default 10,000). */
  sampleSize?: number;
  /** Default 42. */
  seed?: number;
  /** Clusters wanted; default round(√(rows/2)) between 2 and 30. */
  clusters?: number;
  signal?: AbortSignal;
  onProgress?: (progress: MapProgress) => void;
  /** A first map, by the sample's two principal axes, while UMAP runs (its clusters are not known yet: all 0). */
  onPreview?: (preview: OutputMap) => void;
  threads?: number;
}

export const MAP_DEFAULTS = { sampleSize: 10_000, seed: 42 } as const;
/** Neighbours each sampled row has in UMAP's graph (umap-js's default), and sampled rows a row is placed by. */
const UMAP_NEIGHBOURS = 15;
const PLACE_NEIGHBOURS = 8;
const MAX_CLUSTERS = 30;
const LARGE_SAMPLE = 5000;
/** The words naming a cluster. */
const LABEL_WORDS = 3;

/** Clusters for `rows` rows: round(√(rows/2)), at least 2 (where there are 2 rows) and at most 30. */
export function clusterCount(rows: number): number {
  return Math.max(Math.min(2, rows), Math.min(MAX_CLUSTERS, Math.round(Math.sqrt(rows / 2))));
}

/**
 * The map of `output`: read from `<output>.map.json` where that was made from the output as it is now with the same
 * settings, else made (see makeOutputMap) and written there, staged, so that it is read at once next time.
 */
export async function outputMap(output: string, options: OutputMapOptions = {}): Promise<OutputMap> {
  const settings = mapSettings(options);
  const identity = await outputFingerprint(output);
  const cached = await readCachedMap(output, identity, settings);
  if (cached) return cached;
  const made = await makeOutputMap(output, await readRunRecord(output), options);
  const after = await outputFingerprint(output);
  if (after.size !== identity.size || after.fingerprint !== identity.fingerprint)
    throw new EmbeddingError('INPUT_CHANGED', `${output} changed while its map was made.`, {
      kind: 'advice',
      text: 'Make the map again once the output is finished.',
    });
  await writeCachedMap(output, identity, made);
  return made;
}

function mapSettings(options: OutputMapOptions): MapSettings {
  return {
    sampleSize: options.sampleSize ?? MAP_DEFAULTS.sampleSize,
    seed: options.seed ?? MAP_DEFAULTS.seed,
    clusters: options.clusters ?? null,
  };
}

/** The cached map when it describes the output as it is now and was made with `settings`; null otherwise. */
async function readCachedMap(
  output: string,
  identity: OutputMapFile['output'],
  settings: MapSettings,
): Promise<OutputMap | null> {
  const text = await readFile(mapPath(output), 'utf8').catch(() => null);
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = outputMapFileSchema.safeParse(json);
  if (!parsed.success) return null;
  const file = parsed.data;
  if (
    file.output.size !== identity.size ||
    file.output.fingerprint !== identity.fingerprint ||
    JSON.stringify(file.settings) !== JSON.stringify(settings)
  )
    return null;
  const lines = new Uint32Array(fromBase64(file.lines, 4));
  const coordinates = new Float32Array(fromBase64(file.coordinates, 4));
  const clusterIds = new Uint16Array(fromBase64(file.clusterIds, 2));
  if (lines.length !== file.rows || coordinates.length !== 2 * file.rows || clusterIds.length !== file.rows)
    return null;
  return { rows: file.rows, lines, coordinates, clusterIds, clusters: file.clusters, sampled: file.sampled, settings };
}

/** The bytes of base64 `text` in a buffer of their own (aligned for a typed array of `unit` bytes). */
function fromBase64(text: string, unit: number): ArrayBuffer {
  const bytes = Buffer.from(text, 'base64');
  const copy = new ArrayBuffer(bytes.length - (bytes.length % unit));
  new Uint8Array(copy).set(bytes.subarray(0, copy.byteLength));
  return copy;
}

function toBase64(array: Uint32Array | Float32Array | Uint16Array): string {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64');
}

async function writeCachedMap(output: string, identity: OutputMapFile['output'], map: OutputMap): Promise<void> {
  const file: OutputMapFile = {
    version: OUTPUT_MAP_VERSION,
    builtAt: new Date().toISOString(),
    output: identity,
    settings: map.settings,
    rows: map.rows,
    sampled: map.sampled,
    clusters: map.clusters,
    lines: toBase64(map.lines),
    coordinates: toBase64(map.coordinates),
    clusterIds: toBase64(map.clusterIds),
  };
  const staged = stagingPath(mapPath(output));
  try {
    await rm(staged, { force: true });
    await writeFile(staged, `${JSON.stringify(file)}\n`, { flag: 'wx' });
    await rename(staged, mapPath(output));
  } catch (error) {
    await rm(staged, { force: true });
    throw error;
  }
}

/** mulberry32: numbers in [0, 1) from a seed, the same each time. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
}

/** `count` distinct places among `rows` (Floyd's algorithm: memory for the picks only), in order. */
function samplePlaces(rows: number, count: number, random: () => number): number[] {
  if (count >= rows) return Array.from({ length: rows }, (_, i) => i);
  const picked = new Set<number>();
  for (let j = rows - count; j < rows; j += 1) {
    const t = Math.floor(random() * (j + 1));
    picked.add(picked.has(t) ? j : t);
  }
  return [...picked].sort((a, b) => a - b);
}

/**
 * Makes the map of an output in three passes over its rows, holding one block of them at a time: (1) a seeded sample
 * of at most `sampleSize` rows is read; (2) every row is placed on the sample's two principal axes (the preview);
 * (3) after UMAP has laid out the sample (its k-nearest neighbours found by usearch, not by umap-js's own slower
 * search) and k-means has clustered it, every row not sampled is placed at the similarity-weighted mean of its 8
 * nearest sampled rows, every row joins the cluster of its nearest centroid, and the words of its text are counted for
 * its cluster's label (c-TF-IDF).
 */
export async function makeOutputMap(
  output: string,
  record: RunRecord,
  options: OutputMapOptions = {},
): Promise<OutputMap> {
  const settings = mapSettings(options);
  const { signal, onProgress } = options;
  const threads = options.threads ?? availableParallelism();
  const dimensions = outputDimension(record);
  const rows = record.output.rows;
  const random = seededRandom(settings.seed);
  const places = samplePlaces(rows, settings.sampleSize, random);
  const sampled = places.length;

  // 1. The sample.
  const sample = new Float32Array(sampled * dimensions);
  const lines = new Uint32Array(rows);
  let found = 0;
  let next = 0;
  for await (const block of readOutputRows(output, record, { signal })) {
    for (let i = 0; i < block.lines.length; i += 1) {
      const row = block.first + i;
      if (row < rows) lines[row] = block.lines[i] ?? 0;
      if (places[next] === row) {
        sample.set(block.vectors.subarray(i * dimensions, (i + 1) * dimensions), next * dimensions);
        next += 1;
      }
    }
    found = block.first + block.lines.length;
    onProgress?.({ phase: 'sample', done: found, total: rows });
  }
  if (found !== rows) throw damaged(output, `it has ${found} rows, its run record ${rows}`);

  // 2. The preview: every row on the sample's principal axes.
  const mean = new Float32Array(dimensions);
  for (let s = 0; s < sampled; s += 1)
    for (let d = 0; d < dimensions; d += 1) mean[d] = (mean[d] ?? 0) + (sample[s * dimensions + d] ?? 0) / sampled;
  const axes = principalAxes(sample, sampled, dimensions, mean, random);
  const coordinates = new Float32Array(rows * 2);
  const clusterIds = new Uint16Array(rows);
  if (options.onPreview) {
    for await (const block of readOutputRows(output, record, { signal })) {
      for (let i = 0; i < block.lines.length; i += 1) {
        const [x, y] = project(block.vectors, i * dimensions, dimensions, mean, axes);
        coordinates[(block.first + i) * 2] = x;
        coordinates[(block.first + i) * 2 + 1] = y;
      }
      onProgress?.({ phase: 'preview', done: block.first + block.lines.length, total: rows });
    }
    options.onPreview({ rows, lines, coordinates, clusterIds, clusters: [], sampled, settings });
  }

  // The sample's neighbours by usearch, then UMAP on them.
  const index = new usearch.Index({
    dimensions,
    metric: MetricKind.Cos,
    quantization: ScalarKind.F32,
    connectivity: 16,
    expansion_add: 64,
    expansion_search: 64,
    multi: false,
  });
  // One row a call: rows added together are linked by several threads in whatever order they finish, and the same
  // output must give the same map every time. Each call still reserves `threads` searchers for the searches below.
  for (let s = 0; s < sampled; s += 1)
    index.add(BigUint64Array.of(BigInt(s)), sample.subarray(s * dimensions, (s + 1) * dimensions), threads);
  const layout = await umapLayout(index, sample, sampled, dimensions, random, options);

  // k-means on the sample.
  const k = Math.min(options.clusters ?? clusterCount(rows), sampled);
  const sampleRows = Array.from({ length: sampled }, (_, s) =>
    Array.from(sample.subarray(s * dimensions, (s + 1) * dimensions)),
  );
  const centroids = k
    ? kmeans(sampleRows, k, { seed: settings.seed, initialization: 'kmeans++', maxIterations: 50 }).centroids
    : [];
  const centroidValues = Float32Array.from(centroids.flat());

  // 3. Every row placed, clustered and its words counted.
  const words = centroids.map(() => new Map<string, number>());
  const nearestCentroids = (vectors: Float32Array): number[] => {
    if (!centroids.length) return [];
    // usearch's exact search: SIMD over so few centroids, where JavaScript took most of the last pass.
    const found = usearch.exactSearch(centroidValues, vectors, dimensions, 1, MetricKind.L2sq, threads);
    return Array.from(found.keys, Number);
  };
  const sizes = centroids.map(() => 0);
  next = 0;
  for await (const block of readOutputRows(output, record, { signal, texts: true })) {
    const unplaced: number[] = [];
    const nearest = nearestCentroids(block.vectors);
    for (let i = 0; i < block.lines.length; i += 1) {
      const row = block.first + i;
      if (places[next] === row) {
        coordinates[row * 2] = layout[next * 2] ?? 0;
        coordinates[row * 2 + 1] = layout[next * 2 + 1] ?? 0;
        next += 1;
      } else unplaced.push(i);
      const cluster = nearest[i] ?? 0;
      clusterIds[row] = cluster;
      sizes[cluster] = (sizes[cluster] ?? 0) + 1;
      const counts = words[cluster];
      if (counts) for (const word of tokens(block.texts?.[i] ?? '')) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
    if (unplaced.length && sampled) {
      const vectors = new Float32Array(unplaced.length * dimensions);
      unplaced.forEach((i, at) =>
        vectors.set(block.vectors.subarray(i * dimensions, (i + 1) * dimensions), at * dimensions),
      );
      const near = index.search(rowsOf(vectors, dimensions), Math.min(PLACE_NEIGHBOURS, sampled), threads);
      unplaced.forEach((i, at) => {
        let x = 0;
        let y = 0;
        let total = 0;
        for (let j = 0; j < Number(near.counts[at] ?? 0n); j += 1) {
          const s = Number(near.keys[at * near.k + j] ?? 0n);
          const weight = Math.max(1 - (near.distances[at * near.k + j] ?? 1), 0) + 1e-6;
          x += weight * (layout[s * 2] ?? 0);
          y += weight * (layout[s * 2 + 1] ?? 0);
          total += weight;
        }
        const row = block.first + i;
        coordinates[row * 2] = total ? x / total : 0;
        coordinates[row * 2 + 1] = total ? y / total : 0;
      });
    }
    onProgress?.({ phase: 'place', done: block.first + block.lines.length, total: rows });
  }

  return {
    rows,
    lines,
    coordinates,
    clusterIds,
    clusters: labelClusters(words, sizes, coordinates, clusterIds),
    sampled,
    settings,
  };
}

/** The two leading principal axes of the sample, by power iteration (deflated for the second). */
function principalAxes(
  sample: Float32Array,
  count: number,
  dimensions: number,
  mean: Float32Array,
  random: () => number,
): Float32Array[] {
  const axes: Float32Array[] = [];
  for (let a = 0; a < 2; a += 1) {
    let axis = Float32Array.from({ length: dimensions }, () => random() - 0.5);
    for (let iteration = 0; iteration < 12; iteration += 1) {
      const next = new Float32Array(dimensions);
      for (let s = 0; s < count; s += 1) {
        let dot = 0;
        for (let d = 0; d < dimensions; d += 1)
          dot += ((sample[s * dimensions + d] ?? 0) - (mean[d] ?? 0)) * (axis[d] ?? 0);
        for (let d = 0; d < dimensions; d += 1)
          next[d] = (next[d] ?? 0) + dot * ((sample[s * dimensions + d] ?? 0) - (mean[d] ?? 0));
      }
      for (const previous of axes) {
        let dot = 0;
        for (let d = 0; d < dimensions; d += 1) dot += (next[d] ?? 0) * (previous[d] ?? 0);
        for (let d = 0; d < dimensions; d += 1) next[d] = (next[d] ?? 0) - dot * (previous[d] ?? 0);
      }
      const norm = Math.hypot(...next) || 1;
      axis = next.map((value) => value / norm);
    }
    axes.push(axis);
  }
  return axes;
}

function project(
  vectors: Float32Array,
  at: number,
  dimensions: number,
  mean: Float32Array,
  axes: Float32Array[],
): [number, number] {
  let x = 0;
  let y = 0;
  for (let d = 0; d < dimensions; d += 1) {
    const value = (vectors[at + d] ?? 0) - (mean[d] ?? 0);
    x += value * (axes[0]?.[d] ?? 0);
    y += value * (axes[1]?.[d] ?? 0);
  }
  return [x, y];
}

/** UMAP's layout of the sample (x, y pairs), its neighbours given by `index`; the epochs reported and cancellable. */
async function umapLayout(
  index: InstanceType<typeof usearch.Index>,
  sample: Float32Array,
  count: number,
  dimensions: number,
  random: () => number,
  options: OutputMapOptions,
): Promise<Float32Array> {
  const layout = new Float32Array(count * 2);
  // UMAP needs a few more rows than neighbours: fewer are left on a circle.
  if (count <= UMAP_NEIGHBOURS + 1) {
    for (let s = 0; s < count; s += 1) {
      layout[s * 2] = Math.cos((2 * Math.PI * s) / Math.max(count, 1));
      layout[s * 2 + 1] = Math.sin((2 * Math.PI * s) / Math.max(count, 1));
    }
    return layout;
  }
  const threads = options.threads ?? availableParallelism();
  const near = index.search(rowsOf(sample, dimensions), UMAP_NEIGHBOURS, threads);
  const knnIndices: number[][] = [];
  const knnDistances: number[][] = [];
  for (let s = 0; s < count; s += 1) {
    const ids: number[] = [];
    const distances: number[] = [];
    // A row whose search found fewer than k repeats its farthest one: umap-js wants k each.
    const found = Math.max(1, Number(near.counts[s] ?? 0n));
    for (let j = 0; j < near.k; j += 1) {
      const at = s * near.k + Math.min(j, found - 1);
      ids.push(Number(near.keys[at] ?? BigInt(s)));
      distances.push(Math.max(0, near.distances[at] ?? 1));
    }
    knnIndices.push(ids);
    knnDistances.push(distances);
  }
  // umap-learn's 200 epochs for large data past 5,000 rows (half the time of umap-js's 500 on a 10,000-row sample).
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: UMAP_NEIGHBOURS,
    random,
    ...(count > LARGE_SAMPLE ? { nEpochs: 200 } : {}),
  });
  umap.setPrecomputedKNN(knnIndices, knnDistances);
  // umap-js reads only the rows' count from them once given their neighbours.
  const rows = Array.from({ length: count }, (_, s) => Array.from(sample.subarray(s * dimensions, s * dimensions + 1)));
  const epochs = umap.initializeFit(rows);
  for (let epoch = 0; epoch < epochs;) {
    epoch = umap.step();
    if (epoch % 10 === 0 || epoch === epochs) {
      options.onProgress?.({ phase: 'layout', done: epoch, total: epochs });
      // Lets a cancel arrive between epochs.
      await new Promise((resolve) => setImmediate(resolve));
      if (options.signal?.aborted) throw cancelledError();
    }
  }
  umap.getEmbedding().forEach(([x = 0, y = 0], s) => {
    layout[s * 2] = x;
    layout[s * 2 + 1] = y;
  });
  return layout;
}

/** The rows of `vectors`, `dimensions` values each, as usearch takes a batch. */
function rowsOf(vectors: Float32Array, dimensions: number): Float32Array[] {
  const rows: Float32Array[] = [];
  for (let at = 0; at < vectors.length; at += dimensions) rows.push(vectors.subarray(at, at + dimensions));
  return rows;
}

/** Words too common to name anything. */
const STOP_WORDS = new Set(
  (
    'a an and are as at be but by for from has have he her his i if in into is it its me my no not of on or our she ' +
    'so than that the their them then there these they this to too us was we were what when which who will with ' +
    'you your'
  ).split(' '),
);

/** The lowercase words of a text (letters and digits, from a letter), stop words left out. */
export function tokens(text: string): string[] {
  return (text.toLowerCase().match(/\p{L}[\p{L}\p{N}']*/gu) ?? []).filter(
    (word) => word.length > 1 && !STOP_WORDS.has(word),
  );
}

/**
 * Each cluster named by its most distinctive words by c-TF-IDF: a word's share of its cluster's words, times
 * log(1 + the mean words of a cluster / the word's count in all clusters). The label sits at the mean of its rows.
 */
function labelClusters(
  words: readonly Map<string, number>[],
  sizes: readonly number[],
  coordinates: Float32Array,
  clusterIds: Uint16Array,
): MapCluster[] {
  const totals = new Map<string, number>();
  let all = 0;
  for (const counts of words)
    for (const [word, count] of counts) {
      totals.set(word, (totals.get(word) ?? 0) + count);
      all += count;
    }
  const meanWords = all / Math.max(1, words.length);
  const sums = words.map(() => ({ x: 0, y: 0 }));
  clusterIds.forEach((cluster, row) => {
    const sum = sums[cluster];
    if (!sum) return;
    sum.x += coordinates[row * 2] ?? 0;
    sum.y += coordinates[row * 2 + 1] ?? 0;
  });
  return words.map((counts, id) => {
    const size = [...counts.values()].reduce((sum, count) => sum + count, 0);
    const scored = [...counts].map(([word, count]) => ({
      word,
      score: (count / Math.max(1, size)) * Math.log(1 + meanWords / (totals.get(word) ?? 1)),
    }));
    scored.sort((a, b) => b.score - a.score || (a.word < b.word ? -1 : 1));
    const top = scored.slice(0, LABEL_WORDS).map((entry) => entry.word);
    const rows = sizes[id] ?? 0;
    return {
      id,
      label: top.join(', '),
      words: top,
      rows,
      x: rows ? (sums[id]?.x ?? 0) / rows : 0,
      y: rows ? (sums[id]?.y ?? 0) / rows : 0,
    };
  });
}
