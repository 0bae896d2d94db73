import { copyFile, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusLines } from '../support/corpus';
import { cosine, readJsonl, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';
import { embedArgs, expectError, runCli } from './runCli';

const dir = await tempDir();
let model: string;
const input = join(dir, 'texts.txt');
/** 61 lines, so the shards differ in size, with blank lines among them that go to the skip logs. */
const LINES = corpusLines(61, 3, 2, 10).map((text, i) => ((i + 1) % 9 === 0 ? '' : text));

interface Report {
  ok: boolean;
  lines: number;
  missing: Array<[number, number]>;
  missingLines: number;
  twice: Array<[number, number]>;
  twiceLines: number;
  missingShards: number[];
  doubledShards: number[];
  parts: Array<{ output: string; shard: { index: number; count: number }; rows: number; skipped: number }>;
}

const part = (k: number): string => join(dir, `part-${k}.jsonl`);

beforeAll(async () => {
  model = await testModelPath(TINY);
  await writeFile(input, `${LINES.join('\n')}\n`);
  const runs = [0, 1, 2, 3].map((k) =>
    runCli(['embed', '--model', model, '--input', input, '--output', part(k), '--shard', `${k}/4`, '--threads', '1']),
  );
  runs.push(
    runCli(['embed', '--model', model, '--input', input, '--output', join(dir, 'all.jsonl'), '--threads', '1']),
  );
  for (const result of await Promise.all(runs)) expect(result.code, result.stderr).toBe(0);
});

describe('sharded runs', () => {
  it('embed each line in exactly one of 4 shard processes run side by side, as the single run embeds it', async () => {
    const single = await readJsonl(join(dir, 'all.jsonl'));
    const shards = (await Promise.all([0, 1, 2, 3].map((k) => readJsonl(part(k))))).flat();
    expect(shards.map((row) => row.line).sort((a, b) => a - b)).toEqual(single.map((row) => row.line));
    const byLine = new Map(shards.map((row) => [row.line, row]));
    for (const row of single) {
      const sharded = byLine.get(row.line);
      expect(sharded?.text).toBe(row.text);
      expect(cosine(sharded?.embedding ?? [], row.embedding)).toBeGreaterThan(0.9999);
    }
    const first = await readJsonl(part(1));
    expect(first.every((row) => (row.line - 1) % 4 === 1)).toBe(true);
    const skipped = await readJsonl<{ line: number; reason: string }>(`${part(1)}.skipped.jsonl`);
    expect(skipped).toEqual([
      { line: 18, reason: 'blank' },
      { line: 54, reason: 'blank' },
    ]);
  });

  it('say which shard a part is in its run record, with the input identity', async () => {
    const record = JSON.parse(await readFile(`${part(3)}.run.json`, 'utf8')) as {
      input: Record<string, unknown>;
      output: Record<string, number>;
    };
    expect(record.input.shard).toEqual({ index: 3, count: 4 });
    expect(record.input.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(record.output.lines).toBe(15);
  });

  it('verify the set: exit 0 with every line once, counting the input where it is given', async () => {
    const outputs = [0, 1, 2, 3].map(part);
    const result = await runCli(['verify', ...outputs, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as Report;
    expect(report).toMatchObject({ ok: true, lines: 61, missingLines: 0, twiceLines: 0 });
    expect(report.parts.map((p) => [p.shard.index, p.rows + p.skipped])).toEqual([
      [0, 16],
      [1, 15],
      [2, 15],
      [3, 15],
    ]);
    const withInput = await runCli(['verify', ...outputs, '--input', input]);
    expect(withInput.code, withInput.stderr).toBe(0);
    expect(withInput.stdout).toContain('Every one of the 61 lines of');
  });

  it.for(['chunk', 'mean'] as const)(
    'verify .npy parts of --on-long %s, whose rows are in <name>.rows.npy: exit 0 with every line once',
    async (onLong) => {
      const long = [...LINES.slice(0, 20), LINES.slice(20, 40).join(' ')].join('\n');
      const longInput = join(dir, `long-${onLong}.txt`);
      await writeFile(longInput, `${long}\n`);
      const chunking = ['--on-long', onLong, '--chunk-tokens', '16', '--context-size', '64', '--threads', '1'];
      const parts = [0, 1].map((k) => join(dir, `${onLong}-part-${k}.npy`));
      for (const [k, output] of parts.entries()) {
        const made = await runCli(embedArgs(model, longInput, output, '--shard', `${k}/2`, ...chunking));
        expect(made.code, made.stderr).toBe(0);
      }

      const result = await runCli(['verify', ...parts, '--input', longInput, '--json']);

      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(JSON.parse(result.stdout) as Report).toMatchObject({
        ok: true,
        lines: 21,
        missingLines: 0,
        twiceLines: 0,
      });
    },
  );

  it('verify a missing shard and a doubled one: exit 7, naming the shard and the lines', async () => {
    const missing = await runCli(['verify', part(0), part(1), part(3), '--input', input, '--json']);
    expect(missing.code).toBe(7);
    const report = JSON.parse(missing.stdout) as Report;
    expect(report.missingShards).toEqual([2]);
    expect(report.missingLines).toBe(15);
    expect(report.missing[0]).toEqual([3, 3]);

    const copy = join(dir, 'copy-of-1.jsonl');
    await copyFile(part(1), copy);
    await copyFile(`${part(1)}.run.json`, `${copy}.run.json`);
    await copyFile(`${part(1)}.skipped.jsonl`, `${copy}.skipped.jsonl`);
    const doubled = await runCli(['verify', part(0), part(1), part(2), part(3), copy]);
    expect(doubled.code).toBe(7);
    expect(doubled.stdout).toContain('More than one output of shard 1.');
    expect(doubled.stdout).toMatch(/Twice: 15 lines \(2, 6, 10,/);
  });

  it('verify a part that is unfinished or of another input as a problem, and refuses another input file', async () => {
    const unfinished = join(dir, 'unfinished.jsonl');
    await copyFile(part(2), unfinished);
    const result = await runCli(['verify', part(0), part(1), unfinished, part(3)]);
    expect(result.code).toBe(7);
    expect(result.stdout).toContain(`${unfinished} is not a finished output:`);
    expect(result.stdout).toContain('No output of shard 2.');

    const other = join(dir, 'other.txt');
    await writeFile(other, 'another text\n');
    expectError(await runCli(['verify', part(0), '--input', other]), 5, new RegExp(`${other} is not the input`));
    await rm(unfinished);
  });

  it('refuses a shard that does not exist before loading anything', async () => {
    const args = ['embed', '--model', model, '--input', input, '--output', join(dir, 'x.jsonl')];
    expectError(
      await runCli([...args, '--shard', '4/4']),
      2,
      /no shard 4 of 4/,
      'Try --shard 0/4 for the first of 4 shards.',
    );
    expectError(await runCli([...args, '--shard', 'two']), 2, /it is written K\/N/);
  });
});
