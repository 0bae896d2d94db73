import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';
import { expectError, runCli } from './runCli';

const dir = await tempDir();
let model: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
});

function embed(input: string, output: string, ...extra: string[]): ReturnType<typeof runCli> {
  return runCli(['embed', '--model', model, '--input', input, '--output', output, '--threads', '2', ...extra]);
}

describe('embed that embeds nothing (exit 5)', () => {
  it('says why every line was skipped, keeps the skip log and writes no embeddings', async () => {
    const input = join(dir, 'blank.txt');
    await writeFile(input, '\n   \n\t\n');
    const output = join(dir, 'blank.jsonl');
    const result = await embed(input, output);
    expectError(
      result,
      5,
      `Nothing was embedded: all 3 lines of ${input} were skipped (blank 3); ${output}.skipped.jsonl gives the reason for each.`,
      'Check that --input is the file you meant, one text per line.',
    );
    expect(result.stdout).toBe('');
    expect(existsSync(output)).toBe(false);
    expect(
      (await readJsonl<{ line: number; reason: string }>(`${output}.skipped.jsonl`)).map((row) => row.reason),
    ).toEqual(['blank', 'blank', 'blank']);

    const json = await embed(input, join(dir, 'blank-json.jsonl'), '--json');
    expect(json.code).toBe(5);
    expect(JSON.parse(json.stdout)).toMatchObject({
      error: { code: 'NOTHING_EMBEDDED', exitCode: 5, stats: { lines: 3, embedded: 0, skipped: 3 } },
    });
  });

  it('says an empty input is empty, leaving no file behind', async () => {
    const input = join(dir, 'empty.txt');
    await writeFile(input, '');
    const output = join(dir, 'empty.jsonl');
    expectError(
      await embed(input, output),
      5,
      `Nothing was embedded: ${input} is empty.`,
      'Choose an input file with one text per line.',
    );
    expect(existsSync(`${output}.skipped.jsonl`)).toBe(false);
  });
});

describe('embed refuses outputs that are not its own (exit 4) and inputs that are not files (exit 3)', () => {
  it('refuses an output that is the input through a linked folder, even with --overwrite', async () => {
    const folder = join(dir, 'real');
    await mkdir(folder);
    const input = join(folder, 'notes.jsonl');
    await writeFile(input, '{"text":"keep me"}\n');
    const alias = join(dir, 'alias');
    await symlink(folder, alias);
    const output = join(alias, 'notes.jsonl');
    expectError(
      await embed(input, output, '--overwrite'),
      4,
      `Output ${output} is the input file (the same file on the disk as ${input}).`,
      'Choose another --output path: the input is read while the output is written.',
    );
    expect(await readFile(input, 'utf8')).toBe('{"text":"keep me"}\n');
  });

  it('refuses a checkpoint it cannot read, naming it, and says to start over', async () => {
    const input = join(dir, 'texts.txt');
    await writeFile(input, 'one\ntwo\n');
    const output = join(dir, 'crafted.jsonl');
    await writeFile(`${output}.checkpoint`, '{"version":1,"identity":\n');
    expectError(
      await embed(input, output, '--resume'),
      4,
      `The checkpoint ${output}.checkpoint is not one a run of ${output} wrote: line 1 is not JSON.`,
      'Its unfinished run cannot be resumed: start again with --overwrite, which replaces it, or move the file away.',
    );
  });

  it('refuses a named pipe given as input with a message of its own', async () => {
    const pipe = join(dir, 'pipe.txt');
    execFileSync('mkfifo', [pipe]);
    expectError(
      await embed(pipe, join(dir, 'pipe.jsonl')),
      3,
      `Input file ${pipe} is a named pipe (FIFO), not a regular file.`,
      'Pass the path of a regular file with --input.',
    );
  });
});
