/**
 * `npm run bench:gpu`: the batched engine against the contexts engine and the naive node-llama-cpp loop on an NVIDIA
 * GPU, on a model of bge-large-en-v1.5's shape. Where the CUDA toolkit is there it first builds node-llama-cpp with CUDA
 * and the project's patch (`npm run build:engine -- --gpu cuda`, minutes the first time); where there is no GPU or no
 * toolkit it says so and exits 0. Not part of the tests.
 *
 * Options: --rounds N (3), --lines N (5000).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Engine } from '#shared/engine';
import { corpusLines } from '../test/support/corpus';
import { BGE_LARGE_SHAPE, testModelPath } from '../test/support/testModels';
import type { MeasureRequest } from './measure';
import { printMedians, runRounds, type BenchConfig } from './rounds';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, lines: { type: 'string', default: '5000' } },
});
const rounds = Number(values.rounds);
const lineCount = Number(values.lines);

const gpus = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
if (gpus.status !== 0 || !gpus.stdout.trim()) {
  console.log('bench:gpu: no NVIDIA GPU here (nvidia-smi finds none); nothing to measure.');
  process.exit(0);
}
// The toolkit is often installed without being on PATH.
const cudaBin = ['/usr/local/cuda/bin', process.env.CUDA_PATH ? join(process.env.CUDA_PATH, 'bin') : ''].filter(
  (dir) => dir && existsSync(dir),
);
process.env.PATH = [process.env.PATH ?? '', ...cudaBin].join(delimiter);
if (spawnSync('nvcc', ['--version']).status !== 0) {
  console.log(`bench:gpu: ${gpus.stdout.trim()}, but no CUDA toolkit (nvcc) to build with; nothing to measure.`);
  process.exit(0);
}
console.log(`bench:gpu: ${gpus.stdout.trim()}`);
const built = spawnSync(process.execPath, ['scripts/buildEngine.mjs', '--gpu', 'cuda'], { stdio: 'inherit' });
if (built.status !== 0) {
  console.log('bench:gpu: the CUDA build failed; nothing to measure.');
  process.exit(0);
}

const work = join(tmpdir(), 'embedding-studio-bench');
await mkdir(work, { recursive: true });
const model = await testModelPath(BGE_LARGE_SHAPE);
const input = join(work, `gpu-corpus-${lineCount}.txt`);
await writeFile(input, corpusLines(lineCount, 43, 10, 120).join('\n'));
console.log(
  `Model: bge-large shape (1024 dims, 24 layers, F16, random weights); input: ${lineCount} lines of 10-120 words\n`,
);

const threads = availableParallelism();
const engine = (kind: Engine): MeasureRequest => ({
  mode: 'engine',
  engine: kind,
  gpu: 'cuda',
  model,
  input,
  output: join(work, `gpu-out-${kind}.npy`),
  threads,
  batchSize: 256,
});
const NAIVE = 'naive getEmbeddingFor loop';
const configs: BenchConfig[] = [
  { label: NAIVE, request: { mode: 'naive', gpu: 'cuda', model, input, threads } },
  { label: 'fallback: contexts engine', request: engine('contexts') },
  { label: 'fast path: batched engine', request: engine('batched') },
];
printMedians(configs, await runRounds(configs, rounds), rounds, NAIVE);
