/**
 * `npm run bench:soak`: the never-lose-work soak. Embeds 1,000,000 short lines with the tiny test model into JSON
 * Lines, kills the run with SIGKILL at three random points and resumes it each time, then checks the final output line
 * by line (every input line once, in order, with its text; a sample re-embedded in one piece gives the same vectors).
 * Prints lines/s and the peak RSS of the running process as the run passes 10%, 50% and 100%.
 *
 * Options: --lines N (1000000), --batch-size N (32), --seed N (random).
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BatchProcessor } from '#core/batchProcessor';
import { EmbeddingModel } from '#core/model';
import { corpusLines } from '../test/support/corpus';
import { cosine } from '../test/support/files';
import { testModelPath, TINY } from '../test/support/testModels';
import { mib } from './rounds';

const { values } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    'batch-size': { type: 'string', default: '32' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
});
const lineCount = Number(values.lines);
const batchSize = Number(values['batch-size']);
const seed = Number(values.seed);

let state = seed >>> 0;
const random = (): number => {
  state = (state * 1664525 + 1013904223) >>> 0;
  return state / 2 ** 32;
};

const work = join(tmpdir(), 'embedding-studio-soak');
await rm(work, { recursive: true, force: true });
await mkdir(work, { recursive: true });
const model = await testModelPath(TINY);
const input = join(work, 'input.txt');
const lines = corpusLines(lineCount, 99, 1, 8);
await writeFile(input, lines.join('\n'));
const output = join(work, 'output.jsonl');
const killsAt = [random(), random(), random()]
  .map((f) => Math.floor((0.05 + 0.9 * f) * lineCount))
  .sort((a, b) => a - b);
console.log(
  `Soak: ${lineCount} lines, tiny test model, batch size ${batchSize}, jsonl; SIGKILL after lines ${killsAt.join(', ')} (seed ${seed})`,
);

interface Life {
  from: number;
  to: number;
  seconds: number;
  killed: boolean;
}
const lives: Life[] = [];
const rssAt = new Map<number, number>();
const marks = [0.1, 0.5, 1];

/** Runs the job until it ends, or kills it once it has done `killAfter` lines. */
function life(killAfter: number | null): Promise<Life> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/soakWorker.ts', model, input, output, String(batchSize)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const started = performance.now();
    let from: number | null = null;
    let to = 0;
    let peak = 0;
    let killed = false;
    createInterface({ input: child.stdout }).on('line', (text) => {
      const report = JSON.parse(text) as { resumedAfterLine?: number; linesDone?: number; rssBytes?: number };
      if (report.resumedAfterLine !== undefined) from = report.resumedAfterLine;
      if (report.linesDone === undefined || report.rssBytes === undefined) return;
      to = report.linesDone;
      peak = Math.max(peak, report.rssBytes);
      for (const mark of marks) if (!rssAt.has(mark) && to >= mark * lineCount) rssAt.set(mark, peak);
      if (!killed && killAfter !== null && to >= killAfter) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (!killed && code !== 0) reject(new Error(`the run exited with ${code ?? signal}`));
      else resolve({ from: from ?? 0, to, seconds: (performance.now() - started) / 1000, killed });
    });
  });
}

for (const killAfter of [...killsAt, null]) {
  const result = await life(killAfter);
  lives.push(result);
  console.log(
    `  ${result.killed ? 'killed' : 'finished'} at line ${result.to} (resumed after line ${result.from}), ${result.seconds.toFixed(1)} s`,
  );
}

/** Every line once, in order, with its text; returns the rows of a sample of lines for the vector check. */
async function verify(sample: Set<number>): Promise<{ problems: string[]; vectors: Map<number, number[]> }> {
  const problems: string[] = [];
  const vectors = new Map<number, number[]>();
  let expected = 1;
  for await (const text of createInterface({ input: createReadStream(output) })) {
    const row = JSON.parse(text) as { line: number; text: string; embedding: number[] };
    if (row.line !== expected || row.text !== lines[expected - 1]?.trim()) {
      problems.push(`row ${expected}: line ${row.line}, text ${JSON.stringify(row.text)}`);
      if (problems.length > 10) break;
    }
    if (sample.has(row.line)) vectors.set(row.line, row.embedding);
    expected = row.line + 1;
  }
  if (expected - 1 !== lineCount) problems.push(`the output ends at line ${expected - 1}, not ${lineCount}`);
  return { problems, vectors };
}

const sample = new Set(Array.from({ length: 500 }, () => 1 + Math.floor(random() * lineCount)));
const { problems, vectors } = await verify(sample);
const reference = await EmbeddingModel.load(model, { gpu: 'cpu' });
const order = [...sample].sort((a, b) => a - b);
const again = await new BatchProcessor(reference).processTexts(order.map((line) => lines[line - 1] ?? ''));
await reference.dispose();
const least = Math.min(...order.map((line, i) => cosine(vectors.get(line) ?? [], again[i]?.embedding ?? [])));

const seconds = lives.reduce((sum, l) => sum + l.seconds, 0);
console.log(
  `\nLines lost or duplicated: ${problems.length ? problems.join('; ') : 'none'} (every one of ${lineCount} lines checked in order, with its text)`,
);
console.log(`Sample of ${order.length} lines embedded again: least cosine ${least.toFixed(6)}`);
console.log(
  `Throughput: ${(lineCount / seconds).toFixed(0)} lines/s over ${seconds.toFixed(1)} s in ${lives.length} processes (model loads included)`,
);
const [at10, at50, at100] = marks.map((mark) => rssAt.get(mark) ?? 0);
console.log(
  `Peak RSS of the running process at 10%: ${mib(at10 ?? 0)}, 50%: ${mib(at50 ?? 0)}, 100%: ${mib(at100 ?? 0)}; 100% - 10%: ${(((at100 ?? 0) - (at10 ?? 0)) / 1048576).toFixed(1)} MiB (target: within 64 MiB)`,
);
if (problems.length || least < 0.9999) process.exitCode = 1;
