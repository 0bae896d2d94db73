/**
 * One benchmark measurement, run in a child process of its own so that its peak memory is its own: given one JSON
 * MeasureRequest argument, it prints one JSON MeasureResult line. bench/rounds.ts runs it bundled.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { getLlama } from 'node-llama-cpp';
import { runEmbedJob } from '#core/embedJob';
import type { EngineChoice } from '#core/openPool';
import type { GpuChoice, TimeSplit } from '#shared/engine';

export type MeasureRequest =
  | { mode: 'naive'; model: string; input: string; threads: number; gpu: GpuChoice }
  | {
      mode: 'engine';
      model: string;
      input: string;
      output: string;
      threads: number;
      batchSize: number;
      engine: EngineChoice;
      gpu: GpuChoice;
    }
  | { mode: 'llama-embedding'; executable: string; model: string; input: string; threads: number; batchSize: number };

export interface MeasureResult {
  texts: number;
  tokens: number;
  /** Time spent embedding, model loading not included. */
  seconds: number;
  peakRssBytes: number;
  /** What ran: the engine and node-llama-cpp's binary, or llama-embedding. */
  ran: string;
  /** Where the engine's time went (the engine only): its phases add up to `seconds`. */
  time?: TimeSplit;
}

/** Peak resident memory of a process: the kernel's high-water mark, where there is one. */
function peakRss(pid: number | 'self'): number | null {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kib ? Number(kib) * 1024 : null;
  } catch {
    return null;
  }
}

async function naive(request: Extract<MeasureRequest, { mode: 'naive' }>): Promise<MeasureResult> {
  const llama = await getLlama({
    gpu: request.gpu === 'cpu' ? false : request.gpu,
    maxThreads: request.threads,
    build: 'never',
  });
  const model = await llama.loadModel({ modelPath: request.model });
  const context = await model.createEmbeddingContext({
    contextSize: Math.min(model.trainContextSize, 2048),
    threads: request.threads,
  });
  const lines = readFileSync(request.input, 'utf8')
    .split('\n')
    .filter((line) => line.trim());
  let tokens = 0;
  const started = performance.now();
  for (const line of lines) {
    const input = model.tokenize(line.trim());
    tokens += context.calculateInputLength(input.slice());
    await context.getEmbeddingFor(input);
  }
  const seconds = (performance.now() - started) / 1000;
  await model.dispose();
  return {
    texts: lines.length,
    tokens,
    seconds,
    peakRssBytes: 0,
    ran: `getEmbeddingFor loop, ${llama.buildType}, ${llama.gpu || 'cpu'}`,
  };
}

async function engine(request: Extract<MeasureRequest, { mode: 'engine' }>): Promise<MeasureResult> {
  const summary = await runEmbedJob({
    model: request.model,
    modelOptions: { threads: request.threads, gpu: request.gpu, engine: request.engine },
    input: request.input,
    output: request.output,
    overwrite: true,
    batch: { batchSize: request.batchSize },
  });
  const { stats, model } = summary;
  // Time the embedding itself: model loading is the same for every configuration.
  return {
    texts: stats.embedded,
    tokens: stats.tokens,
    seconds: stats.elapsedMs / 1000,
    peakRssBytes: 0,
    ran: `${model.engine} engine, ${model.buildType}, ${model.backend}`,
    time: stats.time,
  };
}

/**
 * llama.cpp's own tool on the same model, input and threads, packing texts into decodes of up to `batchSize` tokens and
 * printing the vectors (to nowhere). Its time runs from its "system_info" line, printed once the model and context are
 * loaded, to its exit, which leaves out the model loading as the other measurements do; its tokens are the sum of its
 * decodes' and its peak memory is read from /proc while it runs.
 */
async function llamaEmbedding(request: Extract<MeasureRequest, { mode: 'llama-embedding' }>): Promise<MeasureResult> {
  const batch = String(request.batchSize);
  const args = [
    '-m',
    request.model,
    '-f',
    request.input,
    '-t',
    String(request.threads),
    '-c',
    batch,
    '-b',
    batch,
    '-ub',
    batch,
    '-ngl',
    '0',
    '--no-warmup',
    '--embd-output-format',
    'raw',
  ];
  const child = spawn(request.executable, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let loaded = 0;
  child.stderr.on('data', (chunk: Buffer) => {
    log += chunk.toString();
    if (!loaded && log.includes('system_info')) loaded = performance.now();
  });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, peakRss(child.pid ?? 0) ?? 0)), 10);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const seconds = (performance.now() - loaded) / 1000;
  clearInterval(sampler);
  if (code !== 0 || !loaded) throw new Error(`llama-embedding exited with ${code}:\n${log.slice(-2000)}`);
  const tokens = [...log.matchAll(/batch_decode: n_tokens = (\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
  const texts = readFileSync(request.input, 'utf8')
    .split('\n')
    .filter((line) => line.trim()).length;
  return { texts, tokens, seconds, peakRssBytes: peak, ran: 'llama-embedding' };
}

const request = JSON.parse(process.argv[2] ?? '{}') as MeasureRequest;
request.threads ||= availableParallelism();
let sampledPeak = 0;
const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss())), 50);
const result =
  request.mode === 'naive'
    ? await naive(request)
    : request.mode === 'engine'
      ? await engine(request)
      : await llamaEmbedding(request);
clearInterval(sampler);
const peakRssBytes = result.peakRssBytes || (peakRss('self') ?? sampledPeak);
process.stdout.write(`${JSON.stringify({ ...result, peakRssBytes })}\n`);
