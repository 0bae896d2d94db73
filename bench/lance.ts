/**
 * `npm run bench:lance`: a LanceDB output (`--output corpus.lance`) against a Parquet one, on the same input and model,
 * loaded once: whole runs (embedding, writing, checkpoints and, for LanceDB from LANCE_INDEX_MIN_ROWS rows, its IVF_PQ
 * index), in alternating order, the median of each. The target: LanceDB at 0.95x Parquet's speed or better. The model
 * is TINY by default, whose embedding is fast, so that the writing weighs as much as it can; `--model bge-small` takes
 * one of bge-small-en-v1.5's shape, where the embedding outweighs both.
 *
 * Options: --lines N (20000), --rounds N (3), --threads N (every core), --batch-size N (32), --model tiny|bge-small.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runEmbedJob } from '#core/embedJob';
import { EmbeddingModel } from '#core/model';
import type { EmbedJobSummary } from '#shared/engine';
import { formatBytes } from '#shared/format';
import { LANCE_INDEX_MIN_ROWS } from '#shared/limits';
import { corpusLines } from '../test/support/corpus';
import { BGE_SMALL_SHAPE, testModelPath, TINY } from '../test/support/testModels';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: String(availableParallelism()) },
    'batch-size': { type: 'string', default: '32' },
    model: { type: 'string', default: 'tiny' },
  },
});
const lineCount = Number(values.lines);
const rounds = Number(values.rounds);
const threads = Number(values.threads);
const batchSize = Number(values['batch-size']);
const spec = values.model === 'bge-small' ? BGE_SMALL_SHAPE : TINY;

const folder = await mkdtemp(join(tmpdir(), 'es-bench-lance-'));
try {
  console.log(
    `LanceDB output benchmark — ${cpus()[0]?.model ?? 'unknown CPU'}, ${threads} threads, Node ${process.version}`,
  );
  const input = join(folder, 'input.txt');
  await writeFile(input, corpusLines(lineCount, 20261203, 3, 30).join('\n'));
  const model = await EmbeddingModel.load(await testModelPath(spec), { threads, gpu: 'cpu' });
  console.log(
    `Model: ${spec.name} (${model.info.dimension} dimensions); input: ${lineCount} lines; ${rounds} rounds; ` +
      `LanceDB indexes from ${LANCE_INDEX_MIN_ROWS} rows\n`,
  );
  const runs: Record<'parquet' | 'lance', EmbedJobSummary[]> = { parquet: [], lance: [] };
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 ? (['lance', 'parquet'] as const) : (['parquet', 'lance'] as const);
    for (const format of order) {
      const output = join(folder, `out.${format}`);
      runs[format].push(await runEmbedJob({ model, input, output, overwrite: true, batch: { batchSize } }));
    }
  }
  await model.dispose();

  const median = (numbers: number[]): number => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)] ?? 0;
  const elapsed = (format: 'parquet' | 'lance'): number => median(runs[format].map((run) => run.stats.elapsedMs));
  console.log('| output | median elapsed | rows/s | write (median) | size | index |');
  console.log('|---|---|---|---|---|---|');
  for (const format of ['parquet', 'lance'] as const) {
    const last = runs[format].at(-1);
    const write = median(runs[format].map((run) => run.stats.time.writeMs));
    console.log(
      `| ${format} | ${(elapsed(format) / 1000).toFixed(2)} s | ${((1000 * lineCount) / elapsed(format)).toFixed(0)} | ` +
        `${(write / 1000).toFixed(2)} s | ${formatBytes(last?.outputBytes ?? 0)} | ${last?.tableIndex ?? '-'} |`,
    );
  }
  const ratio = elapsed('parquet') / elapsed('lance');
  console.log(`\nLanceDB at ${ratio.toFixed(2)}x Parquet's speed (target 0.95x): ${ratio >= 0.95 ? 'met' : 'not met'}`);
} finally {
  await rm(folder, { recursive: true, force: true });
}
