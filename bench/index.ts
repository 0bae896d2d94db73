/**
 * `npm run bench`: throughput and memory of the engine against the naive node-llama-cpp loop and llama.cpp's own
 * llama-embedding, on a model of bge-small-en-v1.5's shape, plus memory flatness over input size. Prints medians of
 * interleaved rounds, each measurement in a process of its own.
 *
 * The same for a mixed-length input (most lines short, some long) on the contexts and batched engines and
 * llama-embedding, and where each engine configuration's time goes (tokenize, decode, read-out, write, idle).
 *
 * Options: --rounds N (3), --lines N (2000), --mixed-lines N (1000; 0 skips the mixed-length runs), --flat-lines N
 * (200000; 0 skips the memory-flatness runs), --threads N (every core).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Engine } from '#shared/engine';
import { corpusLines, mixedLengthLines } from '../test/support/corpus';
import { BGE_SMALL_SHAPE, testModelPath, TINY } from '../test/support/testModels';
import { buildLlamaEmbedding } from './llamaEmbedding';
import type { MeasureRequest, MeasureResult } from './measure';
import {
  measure,
  median,
  mib,
  printMedians,
  printTimeSplits,
  runRounds,
  textsPerSecond,
  type BenchConfig,
  type BenchRow,
} from './rounds';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    lines: { type: 'string', default: '2000' },
    'mixed-lines': { type: 'string', default: '1000' },
    'flat-lines': { type: 'string', default: '200000' },
    threads: { type: 'string', default: String(availableParallelism()) },
  },
});
const rounds = Number(values.rounds);
const lineCount = Number(values.lines);
const mixedLineCount = Number(values['mixed-lines']);
const flatLines = Number(values['flat-lines']);
const threads = Number(values.threads);
const work = join(tmpdir(), 'embedding-studio-bench');
await mkdir(work, { recursive: true });

/**
 * node-llama-cpp looks for a local build in a folder named after the custom cmake options it is given, so an option no
 * build was made with makes it load its prebuilt binary: what runs for a user without `npm run build:engine`.
 */
const PREBUILT_ONLY = { NODE_LLAMA_CPP_CMAKE_OPTION_EMBEDDING_STUDIO_PREBUILT_ONLY: '1' };

console.log(
  `Embedding Studio benchmark — ${cpus()[0]?.model ?? 'unknown CPU'}, ${threads} threads, Node ${process.version}`,
);
const llamaEmbedding = buildLlamaEmbedding('as shipped');
const llamaEmbeddingPatched = buildLlamaEmbedding('patched');
const model = await testModelPath(BGE_SMALL_SHAPE);
const input = join(work, `corpus-${lineCount}.txt`);
await writeFile(input, corpusLines(lineCount, 42, 10, 40).join('\n'));
console.log(
  `Model: bge-small shape (384 dims, 12 layers, F16, random weights); input: ${lineCount} lines of 10-40 words\n`,
);

const engine = (kind: Engine, batchSize: number, from = input): MeasureRequest => ({
  mode: 'engine',
  engine: kind,
  gpu: 'cpu',
  model,
  input: from,
  output: join(work, `out-${basename(from, '.txt')}-${kind}-${batchSize}.npy`),
  threads,
  batchSize,
});
const NAIVE = 'naive getEmbeddingFor loop';
const CONTEXTS = 'contexts engine, local build';
const FAST = 'fast path: batched engine, batch size 32';
const LLAMA_EMBEDDING = 'llama-embedding -b 512';
const LLAMA_EMBEDDING_PATCHED = "llama-embedding -b 512, with the project's llama.cpp patches";
const configs: BenchConfig[] = [
  { label: NAIVE, request: { mode: 'naive', gpu: 'cpu', model, input, threads }, env: PREBUILT_ONLY },
  { label: 'fallback: contexts engine, prebuilt binary', request: engine('contexts', 32), env: PREBUILT_ONLY },
  { label: CONTEXTS, request: engine('contexts', 32) },
  { label: 'fast path: batched engine, batch size 8', request: engine('batched', 8) },
  { label: FAST, request: engine('batched', 32) },
  { label: 'fast path: batched engine, batch size 64', request: engine('batched', 64) },
  ...llamaEmbeddingConfigs(input, [
    { label: LLAMA_EMBEDDING, executable: llamaEmbedding },
    { label: LLAMA_EMBEDDING_PATCHED, executable: llamaEmbeddingPatched },
  ]),
];
const results = await runRounds(configs, rounds);
const rows = printMedians(configs, results, rounds, NAIVE);
compareWithReference(results, rows);
const fastRow = rows.find((row) => row.label === FAST);
const naiveRow = rows.find((row) => row.label === NAIVE);
const patchedRow = rows.find((row) => row.label === LLAMA_EMBEDDING_PATCHED);
if (fastRow && patchedRow) {
  console.log(
    `Fast path / llama-embedding with the same llama.cpp patches: ${(fastRow.textsPerSecond / patchedRow.textsPerSecond).toFixed(2)}x texts/s, ` +
      `${(fastRow.peakRssBytes / patchedRow.peakRssBytes).toFixed(2)}x peak RSS`,
  );
}
if (fastRow && naiveRow)
  console.log(
    `Fast path / naive loop: ${(fastRow.textsPerSecond / naiveRow.textsPerSecond).toFixed(2)}x (target >= 3x)`,
  );
printTimeSplits(configs, results);

if (mixedLineCount > 0) {
  const mixed = join(work, `mixed-${mixedLineCount}.txt`);
  await writeFile(mixed, mixedLengthLines(mixedLineCount, 42).join('\n'));
  console.log(
    `\nMixed lengths: ${mixedLineCount} lines, nine in ten of 10-60 tokens and one in ten of 190-490 tokens ` +
      `(over half of the tokens), same model:`,
  );
  const mixedConfigs: BenchConfig[] = [
    { label: CONTEXTS, request: engine('contexts', 32, mixed) },
    { label: FAST, request: engine('batched', 32, mixed) },
    ...llamaEmbeddingConfigs(mixed, [{ label: LLAMA_EMBEDDING, executable: llamaEmbedding }]),
  ];
  const mixedResults = await runRounds(mixedConfigs, rounds);
  const mixedRows = printMedians(mixedConfigs, mixedResults, rounds, LLAMA_EMBEDDING);
  compareWithReference(mixedResults, mixedRows);
  printTimeSplits(mixedConfigs, mixedResults);
}

if (flatLines > 0) {
  const tiny = await testModelPath(TINY);
  const sizes = [flatLines / 10, flatLines];
  console.log(`\nMemory flatness (tiny test model, batch size 32, short lines):`);
  const peaks: number[] = [];
  for (const size of sizes) {
    const path = join(work, `flat-${size}.txt`);
    await writeFile(path, corpusLines(size, 5, 3, 12).join('\n'));
    const output = join(work, `flat-${size}.jsonl`);
    const result = await measure({
      mode: 'engine',
      engine: 'auto',
      gpu: 'cpu',
      model: tiny,
      input: path,
      output,
      threads,
      batchSize: 32,
    });
    peaks.push(result.peakRssBytes);
    console.log(
      `| ${size} lines | ${result.ran} | ${textsPerSecond(result).toFixed(0)} texts/s | peak RSS ${mib(result.peakRssBytes)} |`,
    );
  }
  console.log(
    `Peak RSS difference: ${(((peaks[1] ?? 0) - (peaks[0] ?? 0)) / 1048576).toFixed(1)} MiB (target: within 64 MiB)`,
  );
}

/** llama-embedding on `from`, each build that there is. */
function llamaEmbeddingConfigs(
  from: string,
  builds: Array<{ label: string; executable: string | null }>,
): BenchConfig[] {
  return builds.flatMap(({ label, executable }) =>
    executable
      ? [{ label, request: { mode: 'llama-embedding', executable, model, input: from, threads, batchSize: 512 } }]
      : [],
  );
}

/** The fast path against llama-embedding as shipped, texts/s and peak RSS. */
function compareWithReference(measured: Map<string, MeasureResult[]>, medians: BenchRow[]): void {
  const fast = measured.get(FAST) ?? [];
  const reference = measured.get(LLAMA_EMBEDDING) ?? [];
  const fastRow = medians.find((row) => row.label === FAST);
  const referenceRow = medians.find((row) => row.label === LLAMA_EMBEDDING);
  if (!fastRow || !referenceRow || fast.length !== reference.length) return;
  const perRound = fast.map((result, i) => textsPerSecond(result) / textsPerSecond(reference[i] ?? result));
  console.log(
    `\nFast path / llama-embedding: ${(fastRow.textsPerSecond / referenceRow.textsPerSecond).toFixed(2)}x texts/s ` +
      `(median of the per-round ratios ${median(perRound).toFixed(2)}x; target >= 1.10x), ` +
      `${(fastRow.peakRssBytes / referenceRow.peakRssBytes).toFixed(2)}x peak RSS (target <= 1.5x)`,
  );
}
