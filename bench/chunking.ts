/**
 * `npm run bench:chunking`: what cutting long texts into chunks costs (`--on-long chunk`). Lines of 2,000-5,000 tokens
 * are embedded with chunks of the context (512 tokens, the default overlap) on a model of bge-small-en-v1.5's shape,
 * and once with `--on-long truncate`, which embeds the head of each; the engine's own time split says how long
 * tokenizing and cutting took (`tokenizeMs`, where the chunker runs) against the decodes. Then a folder of Markdown
 * files (paragraphs of corpus sentences) is embedded as documents, and the same texts as a file of one document a line
 * with `--on-long chunk`: the difference of their times is what reading a folder of files adds.
 *
 * Options: --lines N (10), --files N (1000), --threads N (every core), --batch-size N (32).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runEmbedJob } from '#core/embedJob';
import { EmbeddingModel } from '#core/model';
import type { EmbedJobSummary, LongTextPolicy } from '#shared/engine';
import { corpusLines } from '../test/support/corpus';
import { BGE_SMALL_SHAPE, testModelPath } from '../test/support/testModels';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '10' },
    files: { type: 'string', default: '1000' },
    threads: { type: 'string', default: String(availableParallelism()) },
    'batch-size': { type: 'string', default: '32' },
  },
});
const lineCount = Number(values.lines);
const fileCount = Number(values.files);
const threads = Number(values.threads);
const batchSize = Number(values['batch-size']);
const work = join(tmpdir(), 'embedding-studio-bench-chunking');
await mkdir(work, { recursive: true });

/** Lines of sentences of 6-14 corpus words; with the test models' tokenizer, 2,000-5,000 tokens each. */
function longLines(count: number): string[] {
  let state = 20261203;
  return Array.from({ length: count }, (_, i) => {
    state = (state * 1664525 + 1013904223) >>> 0;
    const words = 1_250 + Math.floor((state / 2 ** 32) * 1_800);
    return corpusLines(Math.ceil(words / 10), 1000 + i, 6, 14)
      .map((sentence) => `${sentence}.`)
      .join(' ');
  });
}

console.log(`Chunking benchmark — ${cpus()[0]?.model ?? 'unknown CPU'}, ${threads} threads, Node ${process.version}`);
const modelPath = await testModelPath(BGE_SMALL_SHAPE);
const input = join(work, `long-${lineCount}.txt`);
await writeFile(input, longLines(lineCount).join('\n'));
const model = await EmbeddingModel.load(modelPath, { threads, contextSize: 512, gpu: 'cpu' });
const tokens = longLines(lineCount).map((line) => model.measure(line).tokens);
console.log(
  `Model: bge-small shape (384 dims, 12 layers, F16, random weights, context 512); input: ${lineCount} lines of ` +
    `${Math.min(...tokens)}-${Math.max(...tokens)} tokens (${tokens.reduce((sum, n) => sum + n, 0)} in all)\n`,
);

async function run(onLong: LongTextPolicy): Promise<EmbedJobSummary> {
  const output = join(work, `out-${onLong}.npy`);
  model.setTextOptions({ onLong });
  return runEmbedJob({ model, input, output, overwrite: true, batch: { batchSize } });
}

const ms = (value: number): string => `${value.toFixed(0)} ms`;
const share = (part: number, whole: number): string => `${((100 * part) / whole).toFixed(2)}%`;
console.log('| policy | lines | tokens embedded | elapsed | tokenize (and cut) | decode | tokenize share |');
console.log('|---|---|---|---|---|---|---|');
for (const onLong of ['truncate', 'chunk'] as const) {
  const { stats } = await run(onLong);
  const { tokenizeMs, decodeMs } = stats.time;
  console.log(
    `| ${onLong} | ${stats.embedded} | ${stats.tokens} | ${ms(stats.elapsedMs)} | ${ms(tokenizeMs)} | ` +
      `${ms(decodeMs)} | ${share(tokenizeMs, stats.elapsedMs)} |`,
  );
}

/** Markdown documents of a heading and 2-4 paragraphs of 2-5 corpus sentences each: some 60-300 words. */
function markdownDocuments(count: number): string[] {
  let state = 20261204;
  const next = (below: number): number => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * below);
  };
  return Array.from({ length: count }, (_, i) => {
    const paragraphs = Array.from({ length: 2 + next(3) }, (_, p) =>
      corpusLines(2 + next(4), 5000 + i * 8 + p, 6, 14)
        .map((sentence) => `${sentence}.`)
        .join(' '),
    );
    return `# Note ${i + 1}\n\n${paragraphs.join('\n\n')}\n`;
  });
}

const documents = markdownDocuments(fileCount);
const folder = join(work, `notes-${fileCount}`);
await rm(folder, { recursive: true, force: true });
await mkdir(folder, { recursive: true });
await Promise.all(
  documents.map((text, i) => writeFile(join(folder, `note-${String(i + 1).padStart(5, '0')}.md`), text)),
);
const asLines = join(work, `notes-${fileCount}.txt`);
await writeFile(asLines, documents.map((text) => text.replace(/\s+/g, ' ').trim()).join('\n'));
console.log(`\nA folder of ${fileCount} Markdown files, and the same texts as a file of one document a line:\n`);
console.log('| input | texts | tokens embedded | elapsed | tokenize (and cut) | decode | idle (reading among it) |');
console.log('|---|---|---|---|---|---|---|');
model.setTextOptions({ onLong: 'chunk' });
const runs: Array<{ elapsedMs: number; idleMs: number }> = [];
for (const [name, input] of [
  ['folder', folder],
  ['file', asLines],
] as const) {
  const output = join(work, `out-${name}.npy`);
  const { stats } = await runEmbedJob({ model, input, output, overwrite: true, batch: { batchSize } });
  runs.push({ elapsedMs: stats.elapsedMs, idleMs: stats.time.idleMs });
  console.log(
    `| ${name} | ${stats.lines} | ${stats.tokens} | ${ms(stats.elapsedMs)} | ${ms(stats.time.tokenizeMs)} | ` +
      `${ms(stats.time.decodeMs)} | ${ms(stats.time.idleMs)} |`,
  );
}
const [ofFolder = { elapsedMs: 0, idleMs: 0 }, ofFile = { elapsedMs: 0, idleMs: 0 }] = runs;
console.log(
  `\nReading the folder's files took ${ms(ofFolder.idleMs - ofFile.idleMs)} more than reading the file ` +
    `(${share(ofFolder.idleMs - ofFile.idleMs, ofFile.elapsedMs)} of the file's run); the folder's run took ` +
    `${share(ofFolder.elapsedMs - ofFile.elapsedMs, ofFile.elapsedMs)} longer in all (decodes vary between runs).`,
);
await model.dispose();
