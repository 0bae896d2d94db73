/**
 * `npm run bench:start`: the command line's fixed cost. The wall time of `--version` (the process start alone) and of
 * a whole `embed` of 20 short lines, whose own embedding time is a few milliseconds, so that what is measured is the
 * start: Node, the modules, the model load. The CLI runs as the `embedding-studio` command does (its bundle) and as
 * it ran before the bundle (`node --import tsx src/cli/index.ts`), beside llama.cpp's `llama-embedding` where
 * `npm run bench` has built it. Rounds interleaved; medians.
 */
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { corpusLines } from '../test/support/corpus';
import { BGE_SMALL_SHAPE, testModelPath, TINY } from '../test/support/testModels';
import { builtLlamaEmbedding } from './llamaEmbedding';
import { median } from './rounds';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    threads: { type: 'string', default: String(availableParallelism()) },
  },
});
const rounds = Number(values.rounds);
const threads = values.threads;
const work = join(tmpdir(), 'embedding-studio-bench-start');
await mkdir(work, { recursive: true });
const input = join(work, 'lines-20.txt');
await writeFile(input, corpusLines(20, 42, 10, 40).join('\n'));

const build = spawnSync(process.execPath, ['scripts/buildCli.mjs', '--if-stale'], { stdio: 'inherit' });
if (build.status !== 0) throw new Error('npm run build:cli failed');
const llamaEmbedding = builtLlamaEmbedding('as shipped');
console.log(
  `Command line start-up — ${cpus()[0]?.model ?? 'unknown CPU'}, ${threads} threads, Node ${process.version}`,
);
if (!llamaEmbedding) console.log('llama-embedding: not built in .cache/ (npm run bench builds it); left out.');

const BUNDLE = [process.execPath, 'bin/embedding-studio.js'];
const TSX = [process.execPath, '--import', 'tsx', 'src/cli/index.ts'];
const models = [
  { name: 'tiny test model', path: await testModelPath(TINY) },
  { name: 'bge-small shape', path: await testModelPath(BGE_SMALL_SHAPE) },
];
const embed = (model: string): string[] => [
  'embed',
  '--model',
  model,
  '--input',
  input,
  '--output',
  join(work, 'out.npy'),
  '--overwrite',
  '--threads',
  threads,
];
const cases: { label: string; command: string[] }[] = [
  { label: '--version, bundle', command: [...BUNDLE, '--version'] },
  { label: '--version, tsx', command: [...TSX, '--version'] },
  { label: '--version, npm run -s cli (bundle up to date)', command: ['npm', 'run', '-s', 'cli', '--', '--version'] },
  ...models.flatMap(({ name, path }) => [
    { label: `embed 20 lines, ${name}, bundle`, command: [...BUNDLE, ...embed(path)] },
    { label: `embed 20 lines, ${name}, tsx`, command: [...TSX, ...embed(path)] },
    ...(llamaEmbedding
      ? [
          {
            label: `embed 20 lines, ${name}, llama-embedding`,
            command: [
              llamaEmbedding,
              '-m',
              path,
              '-f',
              input,
              '-t',
              threads,
              '-b',
              '512',
              '-ngl',
              '0',
              '--embd-output-format',
              'raw',
            ],
          },
        ]
      : []),
  ]),
];

const times = new Map<string, number[]>(cases.map(({ label }) => [label, []]));
for (let round = 1; round <= rounds; round++) {
  for (const { label, command } of cases) {
    const [file, ...args] = command;
    const started = performance.now();
    const { status, stderr } = spawnSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const ms = performance.now() - started;
    if (status !== 0) throw new Error(`${label}: exit ${status}\n${stderr.slice(-2000)}`);
    times.get(label)!.push(ms);
  }
  console.log(`round ${round}/${rounds} done`);
}

console.log(`\nMedians of ${rounds} rounds (wall time, process start to exit):\n`);
const width = Math.max(...cases.map(({ label }) => label.length));
for (const { label } of cases) {
  const all = times.get(label)!;
  console.log(
    `${label.padEnd(width)}  ${median(all).toFixed(0).padStart(6)} ms   (${Math.min(...all).toFixed(0)}-${Math.max(...all).toFixed(0)})`,
  );
}
// Each round runs both ways back to back: the ratio within a round holds better than the medians on a busy machine.
const saved = (prefix: string): string => {
  const bundle = times.get(`${prefix}bundle`)!;
  const tsx = times.get(`${prefix}tsx`)!;
  return `${median(bundle.map((ms, round) => tsx[round] - ms)).toFixed(0)} ms, ${median(bundle.map((ms, round) => tsx[round] / ms)).toFixed(2)}x`;
};
console.log('\nThe bundle against tsx, medians of the per-round differences and ratios:');
console.log(`  --version: ${saved('--version, ').replace('--version, ', '')}`);
for (const { name } of models) console.log(`  embed 20 lines, ${name}: ${saved(`embed 20 lines, ${name}, `)}`);
