import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmbedJobSummary } from '#shared/engine';
import { corpusLines } from '../support/corpus';
import { readNpy, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';
import { expectError, runCli } from './runCli';

const dir = await tempDir();
let model: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
});

const LINES = corpusLines(3_000, 41, 2, 14);

/** Durable points in a checkpoint: its lines after the identity. */
function marks(path: string): number {
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"lastLine"')).length
    : 0;
}

describe('embed --precision', () => {
  it('writes int8 rows, names the precision in the summary, and after kill -9 --resume gives the same bytes', async () => {
    const input = join(dir, 'input.txt');
    await writeFile(input, LINES.join('\n'));
    const common = ['--model', model, '--input', input, '--threads', '2', '--batch-size', '16', '--precision', 'int8'];

    const reference = join(dir, 'reference.npy');
    const whole = await runCli(['embed', ...common, '--output', reference, '--json']);
    expect(whole.code, whole.stderr).toBe(0);
    expect(JSON.parse(whole.stdout) as EmbedJobSummary).toMatchObject({ precision: 'int8', outputDimension: 32 });
    const text = await runCli(['embed', ...common, '--output', join(dir, 'text.npy')]);
    expect(text.stdout).toContain(`(npy, 32 dimensions, int8, `);
    expect((await readNpy(reference)).descr).toBe('|i1');

    // No checkpoint comes before the first 1,000 rows are calibrated: the kill falls after it, rows scaled already.
    const output = join(dir, 'killed.npy');
    const checkpoint = `${output}.checkpoint`;
    const killed = await runCli(['embed', ...common, '--output', output], (child) => {
      const poll = setInterval(() => {
        if (marks(checkpoint) >= 5) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 5);
      child.on('close', () => clearInterval(poll));
    });
    expect(killed.code, killed.stderr).toBeNull();
    expect(readFileSync(checkpoint, 'utf8')).toContain('"calibration"');
    const resumed = await runCli(['embed', ...common, '--output', output, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(await readFile(output)).toEqual(await readFile(reference));
    expect(await readFile(output.replace(/\.npy$/, '.lines.npy'))).toEqual(
      await readFile(reference.replace(/\.npy$/, '.lines.npy')),
    );
    expect(
      (await readdir(dir)).filter((name) => name.startsWith('killed.') && /partial|checkpoint/.test(name)),
    ).toEqual([]);
  });

  it('refuses binary with dimensions not a multiple of 8 before it loads the model', async () => {
    const input = join(dir, 'few.txt');
    await writeFile(input, 'hello world\n');
    const output = join(dir, 'binary.npy');
    const missing = join(dir, 'no-such-model.gguf');
    const result = await runCli([
      'embed',
      '--model',
      missing,
      '--input',
      input,
      '--output',
      output,
      '--precision',
      'binary',
      '--dimensions',
      '12',
    ]);
    expectError(
      result,
      2,
      'Precision binary packs 8 dimensions to a byte: 12 dimensions are not a multiple of 8.',
      'Pass --dimensions 8.',
    );
    expect(existsSync(output)).toBe(false);
  });

  it('refuses a precision it does not know', async () => {
    const result = await runCli([
      'embed',
      '--model',
      model,
      '--input',
      'a.txt',
      '--output',
      'b.npy',
      '--precision',
      'int4',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--precision/);
  });
});

describe('search of a binary output', () => {
  it('ranks the rows nearest by bits by the query against their signs, the line equal to the query first', async () => {
    const input = join(dir, 'search.txt');
    await writeFile(input, LINES.slice(0, 200).join('\n'));
    const output = join(dir, 'search.parquet');
    const run = await runCli([
      'embed',
      '--model',
      model,
      '--input',
      input,
      '--output',
      output,
      '--precision',
      'ubinary',
    ]);
    expect(run.code, run.stderr).toBe(0);
    const query = LINES[150] ?? '';
    const found = await runCli(['search', '--embeddings', output, '--query', query, '--top', '3', '--json']);
    expect(found.code, found.stderr).toBe(0);
    const { results } = JSON.parse(found.stdout) as { results: Array<{ line: number; score: number; text: string }> };
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ line: 151, text: query });
    // The cosine similarity of the query and a row of +1 and -1: at most that of the query and its own signs.
    const scores = results.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores.every((score) => score > -1 && score < 1)).toBe(true);
  });
});
