import { stat, writeFile } from 'node:fs/promises';
import { createOutputWriter } from '#core/output/outputFormats';
import { VectorCodec } from '#core/output/precision';
import { moveIntoPlace } from '#core/output/stagedFile';
import { textHashOf } from '#core/results';
import { runRecordPath, runRecordText } from '#core/runRecord';
import type { OutputFormat } from '#shared/engine';
import { RUN_RECORD_VERSION, type RunRecord } from '#shared/runRecord';

/** A deterministic generator of numbers in [0, 1). */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    // xorshift32
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

/**
 * `rows` unit vectors of `dimensions` values in `clusters` clusters (a random centre each, plus gaussian noise of
 * `spread` per value), as embeddings of real texts fall, row after row, `blockRows` rows at a time.
 */
export function* clusteredVectorBlocks(
  rows: number,
  dimensions: number,
  clusters: number,
  seed = 1,
  spread = 0.6,
  blockRows = 4096,
): Generator<Float32Array> {
  const next = random(seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dimensions }, gauss));
  for (let first = 0; first < rows; first += blockRows) {
    const count = Math.min(blockRows, rows - first);
    const vectors = new Float32Array(count * dimensions);
    for (let row = 0; row < count; row += 1) {
      const centre = centres[Math.floor(next() * clusters)] ?? new Float32Array(dimensions);
      let norm = 0;
      for (let i = 0; i < dimensions; i += 1) {
        const value = (centre[i] ?? 0) + spread * gauss();
        vectors[row * dimensions + i] = value;
        norm += value * value;
      }
      norm = Math.sqrt(norm);
      for (let i = 0; i < dimensions; i += 1)
        vectors[row * dimensions + i] = (vectors[row * dimensions + i] ?? 0) / norm;
    }
    yield vectors;
  }
}

/** clusteredVectorBlocks' rows in one array. */
export function clusteredVectors(
  rows: number,
  dimensions: number,
  clusters: number,
  seed = 1,
  spread = 0.6,
): Float32Array {
  const vectors = new Float32Array(rows * dimensions);
  let at = 0;
  for (const block of clusteredVectorBlocks(rows, dimensions, clusters, seed, spread)) {
    vectors.set(block, at);
    at += block.length;
  }
  return vectors;
}

export interface VectorRow {
  line: number;
  text: string;
  embedding: Float32Array;
}

/**
 * Writes `rows` (in line order, `dimension` values each) as the finished output of a run, through the run's own
 * writers, with its run record and its input (`<output>.txt`: each row's text at its line, blank lines between), as if
 * a model had embedded them. `rows` may be a generator of blocks, so that an output larger than memory can be written.
 */
export async function writeVectorOutput(
  output: string,
  format: OutputFormat,
  rows: readonly VectorRow[] | Iterable<readonly VectorRow[]>,
  dimension = (rows as readonly VectorRow[])[0]?.embedding.length ?? 1,
): Promise<void> {
  const blocks = Array.isArray(rows) ? [rows as readonly VectorRow[]] : (rows as Iterable<readonly VectorRow[]>);
  const texts: string[] = [];
  let count = 0;
  const writer = await createOutputWriter(
    output,
    format,
    { name: 'synthetic', rows: 'line' },
    new VectorCodec('float32', dimension),
    false,
  );
  for (const block of blocks) {
    for (const row of block) {
      while (texts.length < row.line - 1) texts.push('');
      texts.push(row.text);
    }
    count += block.length;
    await writer.write(
      block.map((row) => ({
        line: row.line,
        text: row.text,
        textHash: textHashOf(row.text),
        tokens: 1,
        truncated: false,
        processingTimeMs: 0,
        embedding: row.embedding,
      })),
    );
  }
  const input = `${output}.txt`;
  await writeFile(input, `${texts.join('\n')}\n`);
  const { size, mtimeMs } = await stat(input);
  const lines = texts.length;
  const record: RunRecord = {
    version: RUN_RECORD_VERSION,
    app: { name: 'embedding-studio', version: '0.0.0' },
    finishedAt: new Date().toISOString(),
    model: {
      file: 'synthetic.gguf',
      path: '/nowhere/synthetic.gguf',
      name: 'synthetic',
      size: 1,
      fingerprint: '0'.repeat(64),
    },
    vectors: {
      dimension,
      dimensions: null,
      pooling: 'mean',
      contextSize: 512,
      normalize: 'l2',
      prefix: '',
      onLong: 'truncate',
      chunkTokens: null,
      chunkOverlap: null,
    },
    precision: { type: 'float32', calibration: null },
    input: {
      path: input,
      absolutePath: input,
      size,
      mtimeMs,
      format: 'text',
      field: 'text',
      shard: null,
      documents: null,
    },
    reused: null,
    output: { format, rows: count, lines, skipped: lines - count, failed: 0, truncated: 0 },
  };
  await writer.complete(record);
  await moveIntoPlace(writer.paths);
  await writeFile(runRecordPath(output), runRecordText(record));
}
