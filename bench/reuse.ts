/**
 * `npm run bench:reuse`: what `--reuse` saves when a corpus changes a little. A file of corpus lines is embedded in full
 * (which makes the earlier output), then 1% of its lines are changed and the new file is embedded reusing that output:
 * only the changed lines are embedded, the others' rows are copied. Both runs use a model of bge-small-en-v1.5's shape
 * (random weights, which cost what the real ones do), loaded once; each time is the whole run, from the checks to the
 * files in place (the reusing run's includes indexing the earlier output).
 *
 * Options: --lines N (100000; BENCH_REUSE_LINES sets the default), --changed F (0.01), --format jsonl|npy|parquet
 * (parquet), --threads N (every core), --batch-size N (32).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runEmbedJob } from '#core/embedJob';
import { EmbeddingModel } from '#core/model';
import type { EmbedJobSummary, OutputFormat } from '#shared/engine';
import { corpusLines } from '../test/support/corpus';
import { BGE_SMALL_SHAPE, testModelPath } from '../test/support/testModels';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: process.env.BENCH_REUSE_LINES ?? '100000' },
    changed: { type: 'string', default: '0.01' },
    format: { type: 'string', default: 'parquet' },
    threads: { type: 'string', default: String(availableParallelism()) },
    'batch-size': { type: 'string', default: '32' },
  },
});
const lineCount = Number(values.lines);
const changed = Number(values.changed);
const format = values.format as OutputFormat;
const threads = Number(values.threads);
const batchSize = Number(values['batch-size']);
const work = join(tmpdir(), 'embedding-studio-bench-reuse');
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });

console.log(`Reuse benchmark — ${cpus()[0]?.model ?? 'unknown CPU'}, ${threads} threads, Node ${process.version}`);
const before = corpusLines(lineCount, 20261203, 6, 30);
// Every line has a number of its own, as the lines of a real corpus differ; 1 in 1/changed lines is edited.
const earlierLines = before.map((text, i) => `${i + 1}: ${text}`);
const step = Math.max(1, Math.round(1 / changed));
const nowLines = earlierLines.map((text, i) => (i % step === step - 1 ? `${text} (edited)` : text));
const earlierInput = join(work, 'earlier.txt');
const input = join(work, 'now.txt');
await writeFile(earlierInput, `${earlierLines.join('\n')}\n`);
await writeFile(input, `${nowLines.join('\n')}\n`);
const edited = nowLines.filter((text, i) => text !== earlierLines[i]).length;
console.log(
  `Model: bge-small shape (384 dims, 12 layers, F16, random weights, context 512); input: ${lineCount} lines of ` +
    `6-30 words, ${edited} of them changed (${((100 * edited) / lineCount).toFixed(2)}%); output: ${format}\n`,
);

const model = await EmbeddingModel.load(await testModelPath(BGE_SMALL_SHAPE), {
  threads,
  contextSize: 512,
  gpu: 'cpu',
});

async function timed(run: () => Promise<EmbedJobSummary>): Promise<{ ms: number; summary: EmbedJobSummary }> {
  const start = performance.now();
  const summary = await run();
  return { ms: performance.now() - start, summary };
}

const earlier = join(work, `earlier.${format}`);
const full = await timed(() =>
  runEmbedJob({ model, input: earlierInput, output: earlier, format, batch: { batchSize } }),
);
const reused = await timed(() =>
  runEmbedJob({ model, input, output: join(work, `now.${format}`), format, reuse: earlier, batch: { batchSize } }),
);
await model.dispose();

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mib = (bytes: number): string => `${(bytes / 1048576).toFixed(0)} MiB`;
console.log('| run | lines embedded | rows reused | time | peak memory |');
console.log('|---|---|---|---|---|');
for (const [name, { ms, summary }] of [
  ['full', full],
  ['--reuse', reused],
] as const) {
  const { embedded, reused: copied, peakRssBytes } = summary.stats;
  console.log(`| ${name} | ${embedded - copied} | ${copied} | ${seconds(ms)} | ${mib(peakRssBytes)} |`);
}
const ratio = full.ms / reused.ms;
console.log(
  `\n--reuse is ${ratio.toFixed(1)}x faster than the full run (target: at least 20x at 100,000 lines, 1% changed).`,
);
await rm(work, { recursive: true, force: true });
