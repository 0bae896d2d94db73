/**
 * `npm run bench:precision`: the disk size of each --precision and its search recall@10 against exact float32 search,
 * on a generated set: unit vectors of bge-small's dimension around topic centres, with the common offset real
 * embeddings have, spread along a few shared directions of meaning. The rows go through the output writers (int8 and uint8 calibrated on the first 1,000 of them), the
 * queries through the search's own scoring. Not part of the tests.
 *
 * Options: --rows N (10000), --queries N (200), --dimension N (384).
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createOutputWriter } from '#core/output/outputFormats';
import { float16Value, VectorCodec } from '#core/output/precision';
import { QuantizingWriter } from '#core/output/quantizingWriter';
import type { EmbeddingResult } from '#core/results';
import { ComparableVectors } from '#core/search/comparable';
import { cosine, normOf } from '#core/search/exactSearch';
import { formatBytes } from '#shared/format';
import { PRECISIONS, type OutputFormat, type Precision } from '#shared/engine';
import { corpusLines } from '../test/support/corpus';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000' },
    queries: { type: 'string', default: '200' },
    dimension: { type: 'string', default: '384' },
  },
});
const ROWS = Number(values.rows);
const QUERIES = Number(values.queries);
const DIMENSION = Number(values.dimension);
const TOPICS = 200;
const TOP = 10;

/** A seeded generator of standard normal numbers (Box-Muller), so every run measures the same set. */
function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return (state + 0.5) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

function unit(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm);
  return vector.map((value) => value / norm);
}

const next = normals(20261203);
// Each row: the common offset, its topic's centre, a point of a 16-dimensional space of meanings shared by every topic
// (so that neighbours are near by degrees, not all alike), and a little noise of its own.
const LATENT = 16;
const offset = Float32Array.from({ length: DIMENSION }, () => next() * 0.5);
const centres = Array.from({ length: TOPICS }, () => Float32Array.from({ length: DIMENSION }, () => next() * 0.7));
const axes = Array.from({ length: LATENT }, () => Float32Array.from({ length: DIMENSION }, () => next() * 0.5));
function point(centre: Float32Array, meaning: Float32Array, noise: number): Float32Array {
  const vector = Float32Array.from(centre, (value, i) => value + (offset[i] ?? 0) + next() * noise);
  axes.forEach((axis, k) => axis.forEach((value, i) => (vector[i] = (vector[i] ?? 0) + value * (meaning[k] ?? 0))));
  return unit(vector);
}
const meanings = Array.from({ length: ROWS }, () => Float32Array.from({ length: LATENT }, () => next()));
const rows = meanings.map((meaning, i) => point(centres[i % TOPICS] ?? offset, meaning, 0.3));
// A query means much what a row means, in the row's topic.
const queries = Array.from({ length: QUERIES }, (_, q) => {
  const row = (q * 7919) % ROWS;
  const meaning = Float32Array.from(meanings[row] ?? [], (value) => value + next() * 0.3);
  return point(centres[row % TOPICS] ?? offset, meaning, 0.3);
});
const texts = corpusLines(ROWS, 5, 3, 12);

function results(): EmbeddingResult[] {
  return rows.map((embedding, i) => ({
    line: i + 1,
    text: texts[i] ?? '',
    textHash: '0'.repeat(32),
    tokens: 8,
    truncated: false,
    processingTimeMs: 1,
    embedding,
  }));
}

/** Writes the rows in `format` and `precision` (as a run's .partial files) and returns their size and ranges. */
async function write(
  folder: string,
  format: OutputFormat,
  precision: Precision,
): Promise<{ bytes: number; codec: VectorCodec }> {
  const codec = new VectorCodec(precision, DIMENSION);
  const path = join(folder, `${precision}.${format}`);
  const writer = new QuantizingWriter(
    await createOutputWriter(path, format, { name: 'generated', rows: 'line' }, codec, true),
    codec,
  );
  const all = results();
  for (let at = 0; at < all.length; at += 256) await writer.write(all.slice(at, at + 256));
  await writer.release();
  await writer.keepPartial();
  const bytes = (await stat(`${path}.partial`)).size;
  return { bytes, codec };
}

/** The rows best for each query, as the search ranks the stored rows. */
function topRows(precision: Precision, codec: VectorCodec): number[][] {
  // float16 as its values, which every reader (and the search) gives back.
  const stored = rows.map((row) => {
    const encoded = codec.encode(row);
    return encoded instanceof Uint16Array ? Float32Array.from(encoded, float16Value) : encoded;
  });
  const comparable = new ComparableVectors('generated', { type: precision, calibration: codec.calibration }, DIMENSION);
  const decoded = stored.map((row) => {
    const vector = new Float32Array(DIMENSION);
    comparable.decode(row, 0, vector, 0);
    return vector;
  });
  return queries.map((raw) => {
    const query = comparable.query(raw);
    const norm = normOf(query);
    const scored = decoded.map((row, index) => ({ index, score: cosine(query, norm, row, 0) }));
    scored.sort((a, b) => b.score - a.score || a.index - b.index);
    return scored.slice(0, TOP).map((row) => row.index);
  });
}

const folder = await mkdtemp(join(tmpdir(), 'es-bench-precision-'));
try {
  console.log(
    `${ROWS} generated rows of ${DIMENSION} dimensions (${TOPICS} topics), ${QUERIES} queries; recall@${TOP} against exact float32 search\n`,
  );
  console.log('precision  .npy        .parquet    .jsonl      recall@10');
  let exact: number[][] = [];
  for (const precision of PRECISIONS) {
    const sizes: number[] = [];
    let codec: VectorCodec | null = null;
    for (const format of ['npy', 'parquet', 'jsonl'] as const) {
      const written = await write(folder, format, precision);
      sizes.push(written.bytes);
      codec = written.codec;
    }
    if (!codec) throw new Error('no output written');
    const found = topRows(precision, codec);
    if (precision === 'float32') exact = found;
    let hits = 0;
    found.forEach((top, q) => {
      const wanted = new Set(exact[q]);
      hits += top.filter((index) => wanted.has(index)).length;
    });
    const recall = hits / (QUERIES * TOP);
    console.log(
      `${precision.padEnd(10)} ${sizes.map((size) => formatBytes(size).padEnd(11)).join(' ')} ${recall.toFixed(3)}`,
    );
  }
} finally {
  await rm(folder, { recursive: true, force: true });
}
