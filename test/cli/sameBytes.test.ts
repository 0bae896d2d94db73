import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusLines } from '../support/corpus';
import { tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';
import { runCli } from './runCli';

/** Only the batched engine packs texts into one decode; CI demands it (EMBEDDING_STUDIO_REQUIRE_FAST_PATH=1). */
const BATCHED_REQUIRED = process.env.EMBEDDING_STUDIO_REQUIRE_FAST_PATH === '1';

const dir = await tempDir();
let model: string;
let input: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
  input = join(dir, 'input.txt');
  // Lines of 1 to 40 words, so that how many texts fit in a decode varies from decode to decode.
  await writeFile(input, corpusLines(2_000, 41, 1, 40).join('\n'));
});

const FILES = {
  jsonl: (output: string) => [output],
  npy: (output: string) => [output, output.replace(/\.npy$/, '.lines.npy')],
};

async function embed(
  output: string,
  onStart?: Parameters<typeof runCli>[1],
  resume = false,
): ReturnType<typeof runCli> {
  const args = [
    'embed',
    '--model',
    model,
    '--input',
    input,
    '--output',
    output,
    '--threads',
    '2',
    '--batch-size',
    '32',
  ];
  return runCli(resume ? [...args, '--resume'] : args, onStart);
}

async function expectSameBytes(format: keyof typeof FILES, actual: string, expected: string): Promise<void> {
  const [actualFiles, expectedFiles] = [FILES[format](actual), FILES[format](expected)];
  for (const [i, path] of actualFiles.entries()) {
    const [got, want] = await Promise.all([readFile(path), readFile(expectedFiles[i] ?? '')]);
    expect(got.length, path).toBe(want.length);
    expect(got.equals(want), `${path} differs from ${expectedFiles[i]}`).toBe(true);
  }
}

/** Durable points in a checkpoint: its lines after the identity, leaving out the one that says the files are complete. */
function marks(path: string): number {
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"lastLine"')).length
    : 0;
}

describe('the same input, model and options give the same bytes', () => {
  it.for(['jsonl', 'npy'] as const)('in two runs of the same file, %s', async (format) => {
    const [first, second] = [join(dir, `first.${format}`), join(dir, `second.${format}`)];
    for (const output of [first, second]) {
      const run = await embed(output);
      expect(run.code, run.stderr).toBe(0);
      if (BATCHED_REQUIRED) expect(run.stdout).toContain('batched: many texts per decode');
    }
    await expectSameBytes(format, second, first);
  });

  it.for(['jsonl', 'npy'] as const)(
    'in a run killed (kill -9) part way and resumed, and one that went through, %s',
    async (format) => {
      const [whole, killed] = [join(dir, `whole.${format}`), join(dir, `killed.${format}`)];
      const reference = await embed(whole);
      expect(reference.code, reference.stderr).toBe(0);

      const checkpoint = `${killed}.checkpoint`;
      const stopped = await embed(killed, (child) => {
        const poll = setInterval(() => {
          if (marks(checkpoint) >= 10) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 5);
        child.on('close', () => clearInterval(poll));
      });
      expect(stopped.code, 'killed part way').toBeNull();
      expect(marks(checkpoint)).toBeGreaterThanOrEqual(10);

      const resumed = await embed(killed, undefined, true);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stdout + resumed.stderr).toMatch(/resumed\s+after line/);
      await expectSameBytes(format, killed, whole);
    },
  );
});
