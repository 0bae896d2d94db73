/**
 * One benchmark measurement, run in a child process of its own so that its peak memory is its own:
 * `tsx bench/measure.ts <json MeasureRequest>` prints one JSON MeasureResult line.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { getLlama } from 'node-llama-cpp';
import { runEmbedJob } from '../src/core/embedJob';

export type MeasureRequest =
  | { mode: 'naive'; model: string; input: string; threads: number }
  | { mode: 'engine'; model: string; input: string; output: string; threads: number; batchSize: number };

export interface MeasureResult {
  texts: number;
  tokens: number;
  seconds: number;
  peakRssBytes: number;
}

/** Peak resident memory of this process: the kernel's high-water mark where there is one, else sampled. */
function peakRss(sampled: number): number {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib) return Number(kib) * 1024;
  } catch {
    // not Linux: the sampled peak stands
  }
  return sampled;
}

async function naive(request: Extract<MeasureRequest, { mode: 'naive' }>): Promise<MeasureResult> {
  const llama = await getLlama({ gpu: false, maxThreads: request.threads, build: 'never' });
  const model = await llama.loadModel({ modelPath: request.model });
  const context = await model.createEmbeddingContext({ contextSize: Math.min(model.trainContextSize, 2048), threads: request.threads });
  const lines = readFileSync(request.input, 'utf8').split('\n').filter((line) => line.trim());
  let tokens = 0;
  const started = performance.now();
  for (const line of lines) {
    const input = model.tokenize(line.trim());
    tokens += context.calculateInputLength(input.slice());
    await context.getEmbeddingFor(input);
  }
  const seconds = (performance.now() - started) / 1000;
  await model.dispose();
  return { texts: lines.length, tokens, seconds, peakRssBytes: 0 };
}

async function engine(request: Extract<MeasureRequest, { mode: 'engine' }>): Promise<MeasureResult> {
  const summary = await runEmbedJob({
    model: request.model,
    modelOptions: { threads: request.threads, gpu: 'cpu' },
    input: request.input,
    output: request.output,
    overwrite: true,
    batch: { batchSize: request.batchSize },
  });
  // Time the embedding itself: model loading is the same for every configuration.
  return { texts: summary.stats.embedded, tokens: summary.stats.tokens, seconds: summary.stats.elapsedMs / 1000, peakRssBytes: 0 };
}

const request = JSON.parse(process.argv[2] ?? '{}') as MeasureRequest;
request.threads ||= availableParallelism();
let sampledPeak = 0;
const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss())), 50);
const result = request.mode === 'naive' ? await naive(request) : await engine(request);
clearInterval(sampler);
process.stdout.write(`${JSON.stringify({ ...result, peakRssBytes: peakRss(sampledPeak) })}\n`);
