import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusLines } from '../support/corpus';
import { cosine, readJsonl, readNpy, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';
import { runCli } from './runCli';

const dir = await tempDir();
const input = join(dir, 'texts.txt');
/** 41 lines, so the shards differ in size, with blank lines among them that go to the skip logs. */
const LINES = corpusLines(41, 3, 2, 10).map((text, i) => ((i + 1) % 7 === 0 ? '' : text));

interface ParquetRow {
  line: bigint;
  text: string;
  text_hash: string;
  sequence_length: number;
  processing_time_ms: bigint;
  truncated: boolean;
  embedding: number[];
}

/** Lines long enough for several chunks of 24 tokens, among short ones. */
const LONG_LINES = LINES.slice(0, 12).map((text, i) => (i % 3 ? text : LINES.slice(i, i + 12).join(' ')));
const CHUNKING = ['--on-long', 'chunk', '--chunk-tokens', '24', '--chunk-overlap', '4', '--context-size', '64'];

const part = (k: number, format: string, set = 'part'): string => join(dir, `${set}-${k}.${format}`);
const parts = (format: string, set = 'part', count = 4): string[] =>
  Array.from({ length: count }, (_, k) => part(k, format, set));

async function embed(output: string, ...more: string[]): Promise<void> {
  const model = await testModelPath(TINY);
  const result = await runCli([
    'embed',
    '--model',
    model,
    '--input',
    output.includes('chunk') ? join(dir, 'long.txt') : input,
    '--output',
    output,
    '--threads',
    '1',
    ...more,
  ]);
  expect(result.code, result.stderr).toBe(0);
}

async function readParquet(path: string): Promise<ParquetRow[]> {
  return (await parquetReadObjects({ file: await asyncBufferFromFile(path) })) as unknown as ParquetRow[];
}

async function merged(output: string, ...args: string[]): Promise<void> {
  const result = await runCli(['merge', '--output', output, ...args]);
  expect(result.code, result.stderr).toBe(0);
}

/** The merged output has the single run's rows (vectors within float tolerance), skip log and counts. */
async function expectSingleRun(output: string, processingTimes: boolean): Promise<void> {
  const single = await readParquet(join(dir, 'single.parquet'));
  const rows = await readParquet(output);
  expect(rows.map((row) => row.line)).toEqual(single.map((row) => row.line));
  rows.forEach((row, i) => {
    const { embedding, processing_time_ms: singleTime, ...columns } = single[i];
    const { embedding: vector, processing_time_ms: time, ...mergedColumns } = row;
    expect(mergedColumns).toEqual(columns);
    expect(cosine(vector, embedding)).toBeGreaterThan(0.9999);
    expect(typeof singleTime).toBe('bigint');
    if (!processingTimes) expect(time).toBe(0n);
  });
  expect(await readFile(`${output}.skipped.jsonl`, 'utf8')).toBe(
    await readFile(join(dir, 'single.parquet.skipped.jsonl'), 'utf8'),
  );
  const record = JSON.parse(await readFile(`${output}.run.json`, 'utf8')) as {
    input: { shard: unknown };
    output: Record<string, unknown>;
  };
  const singleRecord = JSON.parse(await readFile(join(dir, 'single.parquet.run.json'), 'utf8')) as typeof record;
  expect(record.input.shard).toBeNull();
  expect(record.output).toEqual(singleRecord.output);
}

beforeAll(async () => {
  await writeFile(input, `${LINES.join('\n')}\n`);
  await writeFile(join(dir, 'long.txt'), `${LONG_LINES.join('\n')}\n`);
  await Promise.all([
    embed(join(dir, 'single.parquet')),
    ...[0, 1, 2, 3].flatMap((k) => [
      embed(part(k, 'parquet'), '--shard', `${k}/4`),
      embed(part(k, 'jsonl'), '--shard', `${k}/4`),
    ]),
    ...[0, 1].map((k) => embed(part(k, 'jsonl', 'int8'), '--shard', `${k}/2`, '--precision', 'int8')),
    embed(join(dir, 'int8.jsonl'), '--precision', 'int8'),
    embed(join(dir, 'chunk-single.parquet'), ...CHUNKING),
    ...[0, 1].map((k) => embed(part(k, 'jsonl', 'chunk'), '--shard', `${k}/2`, ...CHUNKING)),
    ...[0, 1].map((k) => embed(part(k, 'npy', 'f16'), '--shard', `${k}/2`, '--precision', 'float16')),
  ]);
});

describe('merge', () => {
  it('merges 4 Parquet shards into the Parquet output a single run writes, with its skip log', async () => {
    const output = join(dir, 'all.parquet');
    await merged(output, ...parts('parquet'));
    await expectSingleRun(output, true);
  });

  it('merges 4 JSON Lines shards into Parquet, processing times 0 as JSON Lines holds none', async () => {
    const output = join(dir, 'from-jsonl.parquet');
    await merged(output, ...parts('jsonl').reverse(), '--input', input);
    await expectSingleRun(output, false);
  });

  it('gives an output that verify passes alone and search finds a line in by its own text', async () => {
    const output = join(dir, 'searched.parquet');
    await merged(output, ...parts('parquet'));
    const verified = await runCli(['verify', output]);
    expect(verified.code, verified.stdout).toBe(0);
    const wanted = LINES.findIndex((text, i) => i > 20 && text) + 1;
    const result = await runCli(['search', '--embeddings', output, '--query', LINES[wanted - 1] ?? '', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const found = JSON.parse(result.stdout) as { results: Array<{ line: number; text: string }> };
    expect(found.results[0]).toMatchObject({ line: wanted, text: LINES[wanted - 1] });
  });

  it('refuses a set with a shard missing (exit 7), listing what is missing, and writes nothing', async () => {
    const before = await readdir(dir);
    const result = await runCli(['merge', '--output', join(dir, 'short.parquet'), ...parts('parquet').slice(0, 3)]);
    expect(result.code).toBe(7);
    expect(result.stdout).toContain('No output of shard 3.');
    expect(result.stdout).toContain('Missing: 10 lines');
    expect(await readdir(dir)).toEqual(before);
  });

  it('refuses int8 shards scaled by ranges of their own (exit 7), and writes nothing', async () => {
    const before = await readdir(dir);
    const result = await runCli(['merge', '--output', join(dir, 'int8.jsonl'), ...parts('jsonl', 'int8', 2)]);
    expect(result.code).toBe(7);
    expect(result.stdout).toContain(
      `${part(1, 'jsonl', 'int8')} scaled its int8 values by other ranges than ${part(0, 'jsonl', 'int8')} (each shard calibrates its own): their numbers cannot be merged.`,
    );
    expect(await readdir(dir)).toEqual(before);
  });

  it('refuses an output that exists unless --overwrite', async () => {
    const output = join(dir, 'twice.parquet');
    await merged(output, ...parts('parquet'));
    const again = await runCli(['merge', '--output', output, ...parts('parquet')]);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(`Output ${output} already exists.`);
    await merged(output, ...parts('parquet'), '--overwrite');
    const ontoPart = await runCli(['merge', '--output', part(0, 'parquet'), ...parts('parquet'), '--overwrite']);
    expect(ontoPart.code).toBe(4);
    expect(ontoPart.stderr).toContain(
      `error: ${part(0, 'parquet')} is one of the parts merged, or one of their files.`,
    );
  });

  it('copies the numbers as the parts stored them: int8 values into Parquet and .npy, float16 bits into .npy', async () => {
    const stored = await readJsonl(join(dir, 'int8.jsonl'));
    await merged(join(dir, 'int8.parquet'), join(dir, 'int8.jsonl'));
    const rows = await readParquet(join(dir, 'int8.parquet'));
    expect(rows.map((row) => [Number(row.line), Array.from(row.embedding)])).toEqual(
      stored.map((row) => [row.line, row.embedding]),
    );
    await merged(join(dir, 'int8.npy'), join(dir, 'int8.jsonl'));
    expect(Array.from((await readNpy(join(dir, 'int8.npy'))).data)).toEqual(stored.flatMap((row) => row.embedding));

    await merged(join(dir, 'f16.npy'), ...parts('npy', 'f16', 2));
    const [even, odd] = await Promise.all(parts('npy', 'f16', 2).map(readNpy));
    const lines = await readNpy(join(dir, 'f16.lines.npy'));
    const byLine = new Map<number, number[]>();
    for (const [k, matrix] of [even, odd].entries()) {
      const partLines = await readNpy(join(dir, `f16-${k}.lines.npy`));
      partLines.data.forEach((line, i) =>
        byLine.set(line, Array.from(matrix?.data.subarray(i * 32, (i + 1) * 32) ?? [])),
      );
    }
    const matrix = await readNpy(join(dir, 'f16.npy'));
    expect(matrix.descr).toBe('<f2');
    expect(Array.from(lines.data)).toEqual([...byLine.keys()].sort((a, b) => a - b));
    expect(Array.from(matrix.data)).toEqual(Array.from(lines.data).flatMap((line) => byLine.get(line) ?? []));
  });

  it('refuses to merge .npy parts into a format with texts (exit 2), saying to merge into .npy', async () => {
    const result = await runCli(['merge', '--output', join(dir, 'f16.parquet'), ...parts('npy', 'f16', 2)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: ${part(0, 'npy', 'f16')} is a .npy matrix, which holds no texts or token counts: its rows cannot become parquet rows.`,
    );
    expect(result.stderr).toContain('hint: Merge .npy parts into a .npy output.');
  });

  it('needs the parts and --output (exit 2)', async () => {
    const noParts = await runCli(['merge', '--output', join(dir, 'none.parquet')]);
    expect(noParts.code).toBe(2);
    expect(noParts.stderr).toContain('error: merge needs the outputs of the shards');
    const noOutput = await runCli(['merge', ...parts('parquet')]);
    expect(noOutput.code).toBe(2);
    expect(noOutput.stderr).toContain('--output');
  });

  it('keeps the chunk columns of --on-long chunk shards from JSON Lines into Parquet', async () => {
    const output = join(dir, 'chunk-all.parquet');
    const verified = await runCli(['verify', ...parts('jsonl', 'chunk', 2)]);
    expect(verified.code, verified.stdout).toBe(0);
    await merged(output, ...parts('jsonl', 'chunk', 2));
    const single = await readParquet(join(dir, 'chunk-single.parquet'));
    const rows = await readParquet(output);
    const where = (row: ParquetRow): unknown[] => {
      const { line, chunk, char_start: start, char_end: end, text } = row as ParquetRow & Record<string, unknown>;
      return [line, chunk, start, end, text];
    };
    expect(single.some((row) => (row as ParquetRow & { chunk: number }).chunk > 0)).toBe(true);
    expect(rows.map(where)).toEqual(single.map(where));
  });

  it('leaves no file when a part turns out unreadable half way (exit 3): nothing final, nothing staged', async () => {
    for (const [k, source] of parts('jsonl').entries()) {
      for (const suffix of ['', '.run.json', '.skipped.jsonl'])
        await copyFile(`${source}${suffix}`, `${part(k, 'jsonl', 'bad')}${suffix}`);
    }
    const damaged = part(3, 'jsonl', 'bad');
    const rows = (await readFile(damaged, 'utf8')).trimEnd().split('\n');
    rows[rows.length - 1] = (rows.at(-1) ?? '').replace(/"embedding":\[[^\]]*\]/, '"embedding":"lost"');
    await writeFile(damaged, `${rows.join('\n')}\n`);
    const before = await readdir(dir);
    const result = await runCli(['merge', '--output', join(dir, 'bad.parquet'), ...parts('jsonl', 'bad')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`error: ${damaged} is not an output a run writes: row ${rows.length} has no line`);
    expect(await readdir(dir)).toEqual(before);
  });
});
