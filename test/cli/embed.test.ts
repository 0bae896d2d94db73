import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmbedJobSummary } from '#shared/engine';
import { readJsonl, readNpy, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';
import { expectError, runCli } from './runCli';

const dir = await tempDir();
let model: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
});

/** Six lines: four texts (lines 1, 3, 5, 6) and two blank ones. */
const INPUT = ['hello world', '', 'the quick brown fox', '   ', 'emoji 🙂 ok', 'naïve café'].join('\n');
const EMBEDDED_LINES = [1, 3, 5, 6];

function checkpointMarks(path: string): number {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').length - 2 : 0;
}

async function inputFile(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe('embedding-studio embed', () => {
  it('embeds every non-blank line, prints a summary that counts them, and stays quiet on a non-terminal stderr', async () => {
    const input = await inputFile('texts.txt', INPUT);
    const output = join(dir, 'texts.jsonl');

    const result = await runCli(['embed', '--model', model, '--input', input, '--output', output, '--threads', '2']);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const rows = await readJsonl(output);
    expect(rows.map((row) => row.line)).toEqual(EMBEDDED_LINES);
    expect(rows.every((row) => row.embedding.length === TINY.embeddingLength)).toBe(true);
    const skipLog = await readJsonl<{ line: number; reason: string }>(`${output}.skipped.jsonl`);
    expect(skipLog).toEqual([
      { line: 2, reason: 'blank' },
      { line: 4, reason: 'blank' },
    ]);

    expect(result.stdout).toMatch(/^Embedded 4 of 6 lines in /);
    expect(result.stdout).toMatch(/^ {2}lines +6$/m);
    expect(result.stdout).toMatch(/^ {2}embedded +4$/m);
    expect(result.stdout).toMatch(/^ {2}skipped +2 \(blank 2\)$/m);
    expect(result.stdout).toMatch(/^ {2}failed +0$/m);
    expect(result.stdout).toMatch(/^ {2}truncated +0$/m);
    expect(result.stdout).toContain(`${output} (jsonl, `);
    expect(result.stdout).toContain(`${output}.skipped.jsonl (2 lines)`);
    expect(result.stdout).toMatch(new RegExp(`^ {2}run record +${output}\\.run\\.json$`, 'm'));
    expect(result.stdout).toMatch(/^ {2}model +tiny-bert \(bert, 32 dimensions, F32\)$/m);
    expect(result.stdout).toMatch(/^ {2}backend +\w+.*, 2 threads, \d+ contexts?$/m);
  });

  it('prints only one JSON object with --json, and its counts match the files written', async () => {
    const input = await inputFile('json.txt', INPUT);
    const output = join(dir, 'json.npy');

    const result = await runCli([
      'embed',
      '--model',
      model,
      '--input',
      input,
      '--output',
      output,
      '--json',
      '--batch-size',
      '2',
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
    const summary = JSON.parse(result.stdout) as EmbedJobSummary;
    expect(summary).toMatchObject({
      input,
      format: 'npy',
      outputs: [output, join(dir, 'json.lines.npy')],
      skipLog: `${output}.skipped.jsonl`,
      runRecord: `${output}.run.json`,
      model: { name: 'tiny-bert', dimension: TINY.embeddingLength, pooling: 'mean', normalize: 'l2' },
      stats: { lines: 6, embedded: 4, skipped: 2, failed: 0, truncated: 0, skippedByReason: { blank: 2 } },
    });
    const sizes = await Promise.all(summary.outputs.map(async (path) => (await stat(path)).size));
    expect(summary.outputBytes).toBe(sizes[0] + sizes[1]);
    const matrix = await readNpy(output);
    expect(matrix.shape).toEqual([summary.stats.embedded, summary.model.dimension]);
    expect(Array.from((await readNpy(summary.outputs[1])).data)).toEqual(EMBEDDED_LINES);
    expect((await readFile(summary.skipLog, 'utf8')).trimEnd().split('\n')).toHaveLength(summary.stats.skipped);
    expect(JSON.parse(await readFile(summary.runRecord, 'utf8'))).toMatchObject({ output: { format: 'npy', rows: 4 } });
    const { time, elapsedMs } = summary.stats;
    expect(Object.keys(time).sort()).toEqual(['decodeMs', 'idleMs', 'readOutMs', 'tokenizeMs', 'writeMs']);
    const phases = [time.tokenizeMs, time.decodeMs, time.readOutMs, time.writeMs, time.idleMs];
    expect(Math.min(...phases)).toBeGreaterThanOrEqual(0);
    expect(time.decodeMs).toBeGreaterThan(0);
    expect(phases.reduce((sum, ms) => sum + ms, 0)).toBeCloseTo(elapsedMs, 1);
  });

  it('exits 5 naming the line when a text is too long with --on-long fail, says where the partial files are, and --resume finishes the run', async () => {
    const overlong = 'word '.repeat(400).trim();
    const input = await inputFile('long.txt', ['one', 'two', 'three', overlong, 'five'].join('\n'));
    const output = join(dir, 'long.jsonl');

    const result = await runCli([
      'embed',
      '--model',
      model,
      '--input',
      input,
      '--output',
      output,
      '--stop-on-error',
      '--on-long',
      'fail',
    ]);

    expect(result.code, result.stderr).toBe(5);
    expect(result.stdout).toBe('');
    const [error, hint, partial, resume, ...rest] = result.stderr.trimEnd().split('\n');
    expect(error).toMatch(/^error: Line 4 is too long for the model: \d+ tokens, the context holds \d+\.$/);
    expect(hint).toMatch(/^hint: .*--on-long truncate or skip/);
    expect(partial).toBe(
      `partial: 3 lines embedded before the run stopped, kept in ${output}.partial, ${output}.skipped.jsonl.partial`,
    );
    expect(resume).toBe('resume: run the same command with --resume to continue after line 3');
    expect(rest).toEqual([]);
    expect((await readJsonl(`${output}.partial`)).map((row) => row.line)).toEqual([1, 2, 3]);
    expect(existsSync(output)).toBe(false);

    // No text too long came before line 4, so another policy may take over from there.
    const resumed = await runCli([
      'embed',
      '--model',
      model,
      '--input',
      input,
      '--output',
      output,
      '--on-long',
      'skip',
      '--resume',
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^ {2}resumed +after line 3; /m);
    expect((await readJsonl(output)).map((row) => row.line)).toEqual([1, 2, 3, 5]);
    expect(await readJsonl<{ line: number; reason: string }>(`${output}.skipped.jsonl`)).toMatchObject([
      { line: 4, reason: 'too-long' },
    ]);
    expect(await readdir(dir)).not.toContain('long.jsonl.checkpoint');
  });

  it('stops cleanly on Ctrl-C (SIGINT) with exit 130, keeping what is done, and --resume embeds the rest once', async () => {
    const sub = join(dir, 'cancel');
    await mkdir(sub);
    const lines = Array.from({ length: 60_000 }, (_, i) => `line ${i} of a long file about the sea and the mountain`);
    const input = join(sub, 'big.txt');
    await writeFile(input, lines.join('\n'));
    const output = join(sub, 'big.jsonl');
    const args = ['embed', '--model', model, '--input', input, '--output', output];

    const result = await runCli(args, (child) => {
      // The checkpoint's first line is the run's identity; the next ones mark the batches on the disk.
      const poll = setInterval(() => {
        if (checkpointMarks(`${output}.checkpoint`) >= 2) {
          clearInterval(poll);
          child.kill('SIGINT');
        }
      }, 20);
      child.on('close', () => clearInterval(poll));
    });

    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('error: The run was cancelled.');
    expect(result.stderr).toMatch(/^resume: run the same command with --resume to continue after line \d+$/m);
    expect((await readdir(sub)).sort()).toEqual([
      'big.jsonl.checkpoint',
      'big.jsonl.partial',
      'big.jsonl.skipped.jsonl.partial',
      'big.txt',
    ]);

    const again = await runCli(args);
    expectError(
      again,
      4,
      /^error: An unfinished run of .*big\.jsonl is saved, done up to line \d+ of /,
      'Pass --resume to continue it, or --overwrite to start again from the first line.',
    );

    const resumed = await runCli([...args, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((await readJsonl(output)).map((row) => row.line)).toEqual(lines.map((_, i) => i + 1));
    expect((await readdir(sub)).sort()).toEqual([
      'big.jsonl',
      'big.jsonl.run.json',
      'big.jsonl.skipped.jsonl',
      'big.txt',
    ]);
  });
});
