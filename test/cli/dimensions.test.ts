import { existsSync } from 'node:fs';
import { copyFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmbedJobSummary } from '#shared/engine';
import { readJsonl, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';
import { expectError, runCli } from './runCli';

const dir = await tempDir();
let model: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
});

async function inputFile(name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, ['hello world', 'the quick brown fox', 'naïve café'].join('\n'));
  return path;
}

const WARNING =
  /^warning: \S+\.gguf is not known to be trained for shorter vectors \(Matryoshka\): its first 8 of 32 dimensions may search much worse than all of them\.$/;

describe('embed --dimensions', () => {
  it('writes the first dimensions, says so in the summary, and warns once for a model not trained for it', async () => {
    const input = await inputFile('warn.txt');
    const output = join(dir, 'warn.jsonl');

    const result = await runCli(['embed', '--model', model, '--input', input, '--output', output, '--dimensions', '8']);

    expect(result.code, result.stderr).toBe(0);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(WARNING);
    const rows = await readJsonl(output);
    expect(rows.map((row) => row.embedding.length)).toEqual([8, 8, 8]);
    expect(result.stdout).toContain(`${output} (jsonl, 8 of 32 dimensions, `);
    expect(result.stdout).toMatch(/^ {2}model +tiny-bert \(bert, 32 dimensions, F32\)$/m);
  });

  it('does not warn for a catalog model trained for it, found by its file name', async () => {
    const marked = join(dir, 'nomic-embed-text-v1.5.Q8_0.gguf');
    await copyFile(model, marked);
    const input = await inputFile('marked.txt');
    const output = join(dir, 'marked.npy');

    const result = await runCli([
      'embed',
      '--model',
      marked,
      '--input',
      input,
      '--output',
      output,
      '--dimensions',
      '8',
      '--json',
    ]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as EmbedJobSummary;
    expect(summary.outputDimension).toBe(8);
    expect(summary.model).toMatchObject({ dimension: 32, dimensions: 8 });
  });

  it('refuses more dimensions than the model has, writing nothing', async () => {
    const input = await inputFile('too-many.txt');
    const output = join(dir, 'too-many.parquet');
    const before = await readdir(dir);

    const result = await runCli([
      'embed',
      '--model',
      model,
      '--input',
      input,
      '--output',
      output,
      '--dimensions',
      '33',
    ]);

    expectError(
      result,
      2,
      'Dimensions must be at most 32 with tiny-bert, whose vectors have 32, not 33.',
      'Pass --dimensions 32 or less, or leave it out to keep them all.',
    );
    expect(existsSync(output)).toBe(false);
    expect(await readdir(dir)).toEqual(before);
  });
});
