import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OutputFormat } from '#shared/engine';
import { corpusLines } from '../support/corpus';
import { cosine, readJsonl, readNpy, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';
import { runCli } from './runCli';

const dir = await tempDir();
let model: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
});

/** 14,000 lines with blank and invalid ones among them, so the skip log has to resume too. */
const LINES = corpusLines(14_000, 31, 2, 14).map((text, i) =>
  i % 97 === 5 ? '' : i % 1231 === 7 ? '\uFFFE\u0000 nul' : text,
);

interface Row {
  line: number;
  text: string | null;
  vector: number[];
}

async function readRows(format: OutputFormat, path: string): Promise<Row[]> {
  if (format === 'jsonl')
    return (await readJsonl(path)).map((row) => ({ line: row.line, text: row.text, vector: row.embedding }));
  if (format === 'npy') {
    const matrix = await readNpy(path);
    const lines = await readNpy(path.replace(/\.npy$/, '.lines.npy'));
    const columns = matrix.shape[1] ?? 0;
    expect(matrix.shape[0]).toBe(lines.shape[0]);
    return Array.from(lines.data, (line, i) => ({
      line,
      text: null,
      vector: Array.from(matrix.data.subarray(i * columns, (i + 1) * columns)),
    }));
  }
  const table = await parquetReadObjects({ file: await asyncBufferFromFile(path) });
  return table.map((row) => ({ line: Number(row.line), text: row.text as string, vector: row.embedding as number[] }));
}

/** Durable points in a checkpoint: its lines after the identity, leaving out the one that says the files are complete. */
function marks(path: string): number {
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"lastLine"')).length
    : 0;
}

/** A seeded generator, so that a failure can be replayed: the seed is in the test's name. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('embed --resume after kill -9', () => {
  const SEED = 20261129;
  it.for(['jsonl', 'npy', 'parquet'] as const)(
    `gives the same %s output as an uninterrupted run after three SIGKILLs at random points (seed ${SEED})`,
    async (format) => {
      const input = join(dir, `input-${format}.txt`);
      await writeFile(input, LINES.join('\n'));
      const common = ['--model', model, '--input', input, '--threads', '2', '--batch-size', '16'];

      const reference = join(dir, `reference.${format}`);
      const whole = await runCli(['embed', ...common, '--output', reference]);
      expect(whole.code, whole.stderr).toBe(0);

      const output = join(dir, `killed.${format}`);
      const checkpoint = `${output}.checkpoint`;
      const next = random(SEED + format.length);
      let kills = 0;
      for (let attempt = 0; attempt < 10; attempt += 1) {
        // A resumed run starts its checkpoint again with one mark, where it resumes. Parquet checkpoints once per row
        // group of 4,096 rows (three in this input), the others after every batch of 16.
        const target = (marks(checkpoint) > 0 ? 1 : 0) + 1 + (format === 'parquet' ? 0 : Math.floor(next() * 120));
        const delayMs = Math.floor(next() * 40);
        const run = await runCli(['embed', ...common, '--output', output, '--resume'], (child) => {
          const poll = setInterval(() => {
            if (kills < 3 && marks(checkpoint) >= target) {
              clearInterval(poll);
              setTimeout(() => child.kill('SIGKILL'), delayMs);
            }
          }, 5);
          child.on('close', () => clearInterval(poll));
        });
        if (run.code === 0) break;
        expect(run.code, run.stderr).toBeNull();
        kills += 1;
      }
      expect(kills).toBe(3);

      const expected = await readRows(format, reference);
      const actual = await readRows(format, output);
      expect(actual.map(({ line, text }) => ({ line, text }))).toEqual(
        expected.map(({ line, text }) => ({ line, text })),
      );
      expect(Math.min(...actual.map((row, i) => cosine(row.vector, expected[i]?.vector ?? [])))).toBeGreaterThan(
        0.9999,
      );
      expect(await readFile(`${output}.skipped.jsonl`, 'utf8')).toBe(
        await readFile(`${reference}.skipped.jsonl`, 'utf8'),
      );
      expect(
        (await readdir(dir)).filter((name) => name.startsWith('killed.') && /partial|checkpoint/.test(name)),
      ).toEqual([]);
    },
  );
});

describe('embed --on-long chunk --resume after kill -9', () => {
  const SEED = 20261203;
  it(`gives the bytes of an uninterrupted run after SIGKILLs among the chunks of long lines (seed ${SEED})`, async () => {
    // Each line some 5 to 10 chunks of 24 tokens; a batch of 8 chunks takes one or two lines.
    const lines = corpusLines(300, 47, 40, 90).map((text, i) =>
      i % 41 === 3 ? '' : text.replace(/ (\w+) /g, i % 2 ? ' $1. ' : ' $1 '),
    );
    const input = join(dir, 'input-chunks.txt');
    await writeFile(input, lines.join('\n'));
    const common = ['--model', model, '--input', input, '--threads', '2', '--batch-size', '8', '--context-size', '64'];
    const chunking = ['--on-long', 'chunk', '--chunk-tokens', '24', '--chunk-overlap', '4'];

    const reference = join(dir, 'reference-chunks.jsonl');
    const whole = await runCli(['embed', ...common, ...chunking, '--output', reference]);
    expect(whole.code, whole.stderr).toBe(0);

    const output = join(dir, 'killed-chunks.jsonl');
    const checkpoint = `${output}.checkpoint`;
    const next = random(SEED);
    let kills = 0;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const target = (marks(checkpoint) > 0 ? 1 : 0) + 1 + Math.floor(next() * 40);
      const run = await runCli(['embed', ...common, ...chunking, '--output', output, '--resume'], (child) => {
        const poll = setInterval(() => {
          if (kills < 2 && marks(checkpoint) >= target) {
            clearInterval(poll);
            setTimeout(() => child.kill('SIGKILL'), Math.floor(next() * 20));
          }
        }, 5);
        child.on('close', () => clearInterval(poll));
      });
      if (run.code === 0) break;
      expect(run.code, run.stderr).toBeNull();
      kills += 1;
    }
    expect(kills).toBe(2);
    const rows = await readJsonl<{ line: number; chunk: number }>(output);
    expect(new Set(rows.map((row) => row.line)).size).toBeLessThan(rows.filter((row) => row.chunk > 0).length);
    expect(await readFile(output)).toEqual(await readFile(reference));
    expect(await readFile(`${output}.skipped.jsonl`, 'utf8')).toBe(
      await readFile(`${reference}.skipped.jsonl`, 'utf8'),
    );
  });
});
