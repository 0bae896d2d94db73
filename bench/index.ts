/**
 * `npm run bench`: throughput and memory of the engine against the naive node-llama-cpp loop, on a model of
 * bge-small-en-v1.5's shape, plus memory flatness over input size. Prints medians of interleaved rounds.
 *
 * Options: --rounds N (3), --lines N (2000), --flat-lines N (200000; 0 skips the memory-flatness runs).
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { corpusLines } from '../test/support/corpus';
import { BGE_SMALL_SHAPE, testModelPath, TINY } from '../test/support/testModels';
import type { MeasureRequest, MeasureResult } from './measure';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    lines: { type: 'string', default: '2000' },
    'flat-lines': { type: 'string', default: '200000' },
  },
});
const rounds = Number(values.rounds);
const lineCount = Number(values.lines);
const flatLines = Number(values['flat-lines']);
const threads = availableParallelism();
const work = join(tmpdir(), 'embedding-studio-bench');
await mkdir(work, { recursive: true });

async function measure(request: MeasureRequest): Promise<MeasureResult> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/measure.ts', JSON.stringify(request)], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as MeasureResult;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;

console.log(`Embedding Studio benchmark — ${cpus()[0]?.model ?? 'unknown CPU'}, ${threads} threads, Node ${process.version}`);
const model = await testModelPath(BGE_SMALL_SHAPE);
const input = join(work, `corpus-${lineCount}.txt`);
await writeFile(input, corpusLines(lineCount, 42, 10, 40).join('\n'));
console.log(`Model: bge-small shape (384 dims, 12 layers, F16, random weights); input: ${lineCount} lines of 10-40 words\n`);

const configs: Array<{ label: string; request: MeasureRequest }> = [
  { label: 'naive getEmbeddingFor loop', request: { mode: 'naive', model, input, threads } },
  ...[1, 8, 32, 64].map((batchSize) => ({
    label: `engine, batch size ${batchSize}`,
    request: { mode: 'engine' as const, model, input, output: join(work, `out-${batchSize}.npy`), threads, batchSize },
  })),
];
const results = new Map<string, MeasureResult[]>(configs.map((c) => [c.label, []]));
for (let round = 1; round <= rounds; round += 1) {
  for (const config of configs) {
    const result = await measure(config.request);
    results.get(config.label)?.push(result);
    console.log(`  round ${round}: ${config.label}: ${(result.texts / result.seconds).toFixed(1)} texts/s`);
  }
}

const rows = configs.map(({ label }) => {
  const runs = results.get(label) ?? [];
  return {
    label,
    textsPerSecond: median(runs.map((r) => r.texts / r.seconds)),
    tokensPerSecond: median(runs.map((r) => r.tokens / r.seconds)),
    peakRss: median(runs.map((r) => r.peakRssBytes)),
  };
});
const naiveRate = rows[0]?.textsPerSecond ?? 1;
console.log(`\nMedians of ${rounds} interleaved rounds:`);
console.log('| configuration | texts/s | tokens/s | peak RSS | vs naive |');
console.log('|---|---|---|---|---|');
for (const row of rows) {
  console.log(`| ${row.label} | ${row.textsPerSecond.toFixed(1)} | ${row.tokensPerSecond.toFixed(0)} | ${mib(row.peakRss)} | ${(row.textsPerSecond / naiveRate).toFixed(2)}x |`);
}

if (flatLines > 0) {
  const tiny = await testModelPath(TINY);
  const sizes = [flatLines / 10, flatLines];
  console.log(`\nMemory flatness (tiny test model, batch size 32, short lines):`);
  const peaks: number[] = [];
  for (const size of sizes) {
    const path = join(work, `flat-${size}.txt`);
    await writeFile(path, corpusLines(size, 5, 3, 12).join('\n'));
    const result = await measure({ mode: 'engine', model: tiny, input: path, output: join(work, `flat-${size}.jsonl`), threads, batchSize: 32 });
    peaks.push(result.peakRssBytes);
    console.log(`| ${size} lines | ${(result.texts / result.seconds).toFixed(0)} texts/s | peak RSS ${mib(result.peakRssBytes)} |`);
  }
  console.log(`Peak RSS difference: ${(((peaks[1] ?? 0) - (peaks[0] ?? 0)) / 1048576).toFixed(1)} MiB (target: within 64 MiB)`);
}
