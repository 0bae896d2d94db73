import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { connect, type Table } from '@lancedb/lancedb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmbedJobSummary, Precision } from '#shared/engine';
import { LANCE_INDEX_MIN_ROWS } from '#shared/limits';
import { float16Bits } from '#core/output/precision';
import { corpusLines } from '../support/corpus';
import { cosine, readJsonl, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';
import { embedArgs, expectError, runCli } from './runCli';

const dir = await tempDir();
let model: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
});

/** Lines with blank ones among them, which are skipped: the rows' line numbers have gaps. */
const LINES = corpusLines(600, 17, 2, 14).map((text, i) => (i % 53 === 4 ? '' : text));

interface LanceRow {
  line: number;
  text: string;
  text_hash: string;
  tokens: number;
  truncated: boolean;
  vector: number[];
}

/** Opens the table as a user does with LanceDB's own client: the folder holding it, and its name. */
async function openTable(path: string): Promise<Table> {
  const db = await connect(dirname(path));
  return db.openTable(basename(path, '.lance'));
}

async function readTable(path: string): Promise<{ rows: LanceRow[]; table: Table }> {
  const table = await openTable(path);
  const rows = (await table.query().toArray()) as Array<Record<string, unknown>>;
  return {
    table,
    rows: rows.map((row) => ({
      line: Number(row.line),
      text: row.text as string,
      text_hash: row.text_hash as string,
      tokens: Number(row.tokens),
      truncated: row.truncated as boolean,
      vector: Array.from(row.vector as ArrayLike<number>),
    })),
  };
}

async function embed(input: string, output: string, ...options: string[]): Promise<EmbedJobSummary> {
  const run = await runCli(embedArgs(model, input, output, '--threads', '2', '--json', ...options));
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as EmbedJobSummary;
}

describe('embed --output corpus.lance', () => {
  it('writes a LanceDB table with the rows, vectors and run record of the JSON Lines run', async () => {
    const input = join(dir, 'input.txt');
    await writeFile(input, LINES.join('\n'));
    await embed(input, join(dir, 'reference.jsonl'));
    const output = join(dir, 'corpus.lance');
    const summary = await embed(input, output);
    expect(summary).toMatchObject({ format: 'lance', outputs: [output], tableIndex: null });
    expect(summary.outputBytes).toBeGreaterThan(LINES.length * 32 * 4 * 0.9);

    const expected = await readJsonl(join(dir, 'reference.jsonl'));
    const { rows, table } = await readTable(output);
    expect(rows.map(({ line, text, tokens, truncated }) => ({ line, text, tokens, truncated }))).toEqual(
      expected.map(({ line, text, tokens, truncated }) => ({ line, text, tokens, truncated })),
    );
    for (const [i, row] of rows.entries()) {
      const reference = expected[i]?.embedding ?? [];
      expect(row.vector).toHaveLength(32);
      expect(Math.max(...row.vector.map((value, j) => Math.abs(value - (reference[j] ?? 0))))).toBeLessThan(1e-6);
    }
    expect(rows[0]?.text_hash).toMatch(/^[0-9a-f]{32}$/);

    const schema = await table.schema();
    expect(schema.fields.map((field) => field.name)).toEqual([
      'line',
      'text',
      'text_hash',
      'tokens',
      'truncated',
      'vector',
    ]);
    expect(schema.metadata.get('embedding_studio.model')).toBe('tiny-bert');
    const record = JSON.parse(schema.fields.at(-1)?.metadata.get('embedding_studio.run') ?? '{}') as Record<
      string,
      unknown
    >;
    expect(record).toEqual(JSON.parse(await readFile(`${output}.run.json`, 'utf8')));
    expect(record.output).toMatchObject({ format: 'lance', rows: expected.length });
    expect(await table.listIndices()).toEqual([]);
    expect((await readdir(dir)).filter((name) => name.includes('partial') || name.endsWith('.checkpoint'))).toEqual([]);

    // search reads the table as it reads the JSON Lines output.
    const query = ['search', '--query', LINES[10] ?? '', '--top', '5'];
    const fromTable = await runCli([...query, '--embeddings', output]);
    const fromJsonl = await runCli([...query, '--embeddings', join(dir, 'reference.jsonl')]);
    expect(fromTable.code, fromTable.stderr).toBe(0);
    expect(fromTable.stdout).toBe(fromJsonl.stdout);
    // index builds its own index of the table (a folder, fingerprinted by its files), which search then asks.
    const indexed = await runCli(['index', '--embeddings', output]);
    expect(indexed.code, indexed.stderr).toBe(0);
    const fromIndex = await runCli([...query, '--embeddings', output]);
    expect(fromIndex.stdout.split('\n')[0]).toBe(fromJsonl.stdout.split('\n')[0]);
  });

  it.for([
    ['float16', 'Float16', 32],
    ['int8', 'Int8', 32],
    ['uint8', 'Uint8', 32],
    ['binary', 'Int8', 4],
    ['ubinary', 'Uint8', 4],
  ] as const)(
    'stores --precision %s as a fixed-size list of %s, the numbers of the JSON Lines run',
    async ([precision, type, size]: readonly [Precision, string, number]) => {
      const input = join(dir, 'input-precision.txt');
      await writeFile(input, LINES.slice(0, 200).join('\n'));
      await embed(input, join(dir, `${precision}.jsonl`), '--precision', precision);
      const output = join(dir, `${precision}.lance`);
      const summary = await embed(input, output, '--precision', precision);
      expect(summary.tableIndex).toBeNull();

      const { rows, table } = await readTable(output);
      expect(String((await table.schema()).fields.at(-1)?.type)).toBe(`FixedSizeList[${size}]<${type}>`);
      const expected = await readJsonl(join(dir, `${precision}.jsonl`));
      expect(rows.map((row) => row.line)).toEqual(expected.map((row) => row.line));
      // JSON Lines writes a float16 with the five digits that read back as the same half.
      const same = (vector: number[]): number[] => (precision === 'float16' ? vector.map(float16Bits) : vector);
      expect(rows.map((row) => same(row.vector))).toEqual(expected.map((row) => same(row.embedding)));
    },
  );

  it('is a shard that verify checks and merge joins: the merged rows are those of one run', async () => {
    const input = join(dir, 'input-shards.txt');
    await writeFile(input, LINES.slice(0, 200).join('\n'));
    await embed(input, join(dir, 'whole.jsonl'));
    const parts = [0, 1].map((k) => join(dir, `part-${k}.lance`));
    for (const [k, part] of parts.entries()) await embed(input, part, '--shard', `${k}/2`);
    const verified = await runCli(['verify', ...parts, '--input', input]);
    expect(verified.code, verified.stdout).toBe(0);
    const merged = await runCli(['merge', '--output', join(dir, 'merged.jsonl'), ...parts]);
    expect(merged.code, merged.stderr).toBe(0);
    const rows = await readJsonl(join(dir, 'merged.jsonl'));
    const whole = await readJsonl(join(dir, 'whole.jsonl'));
    expect(rows.map(({ line, text, tokens }) => ({ line, text, tokens }))).toEqual(
      whole.map(({ line, text, tokens }) => ({ line, text, tokens })),
    );
    // A shard's batches hold other texts than the whole run's: the same vectors, to float rounding.
    expect(Math.min(...rows.map((row, i) => cosine(row.embedding, whole[i]?.embedding ?? [])))).toBeGreaterThan(0.9999);
  });

  it('refuses an existing table (exit 4) without --resume or --overwrite, and a folder that is no table even with --overwrite', async () => {
    const input = join(dir, 'input-refuse.txt');
    await writeFile(input, LINES.slice(0, 50).join('\n'));
    const output = join(dir, 'refused.lance');
    await embed(input, output);
    const before = await readTable(output);
    const common = ['embed', '--model', model, '--input', input, '--output', output];

    expectError(await runCli(common), 4, `Output ${output} already exists.`);
    expect((await readTable(output)).rows).toEqual(before.rows);
    const replaced = await runCli([...common, '--overwrite']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect((await readTable(output)).rows.map((row) => row.line)).toEqual(before.rows.map((row) => row.line));

    const folder = join(dir, 'photos.lance');
    await mkdir(folder);
    await writeFile(join(folder, 'keep.jpg'), 'not a table');
    expectError(
      await runCli(['embed', '--model', model, '--input', input, '--output', folder, '--overwrite']),
      4,
      `Output ${folder} is a folder that is not a LanceDB table.`,
    );
    expect(await readFile(join(folder, 'keep.jpg'), 'utf8')).toBe('not a table');

    expectError(
      await runCli(['embed', '--model', model, '--input', input, '--output', join(dir, 'my corpus.lance')]),
      2,
      /its name must end in \.lance, before it only letters, digits, underscores, hyphens and periods/,
    );
  });
});

/** Durable points in a checkpoint: its lines after the identity. */
function marks(path: string): number {
  return existsSync(path)
    ? readFileSync(path, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"lastLine"')).length
    : 0;
}

describe('embed --output corpus.lance --resume after kill -9', () => {
  it('gives exactly the rows of an uninterrupted run, indexed, with nothing under the final name before the end', async () => {
    // Four appends (4,096 rows each, the last fewer), a checkpoint after each.
    const lines = corpusLines(LANCE_INDEX_MIN_ROWS + 4_000, 29, 2, 12).map((text, i) => (i % 89 === 3 ? '' : text));
    const input = join(dir, 'input-kill.txt');
    await writeFile(input, lines.join('\n'));
    const common = ['--model', model, '--input', input, '--threads', '2', '--batch-size', '16'];
    const reference = join(dir, 'reference-kill.lance');
    const whole = await embed(input, reference, '--batch-size', '16');
    expect(whole.tableIndex).toBe('IVF_PQ');

    const output = join(dir, 'killed.lance');
    const checkpoint = `${output}.checkpoint`;
    let kills = 0;
    for (let attempt = 0; attempt < 6; attempt += 1) {
      // A resumed run's checkpoint starts with the mark it resumes from; each run is killed after two more appends.
      const target = (marks(checkpoint) > 0 ? 1 : 0) + 2;
      const run = await runCli(['embed', ...common, '--output', output, '--resume'], (child) => {
        const poll = setInterval(() => {
          if (kills < 2 && marks(checkpoint) >= target) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 5);
        child.on('close', () => clearInterval(poll));
      });
      if (run.code === 0) break;
      expect(run.code, run.stderr).toBeNull();
      expect(existsSync(output)).toBe(false);
      // As if killed after an append and before its mark: the table has rows that no checkpoint vouches for.
      const records = readFileSync(checkpoint, 'utf8').split('\n').filter(Boolean);
      await writeFile(checkpoint, `${records.slice(0, -1).join('\n')}\n`);
      kills += 1;
    }
    expect(kills).toBe(2);

    const expected = await readTable(reference);
    const actual = await readTable(output);
    expect(actual.rows.length).toBe(expected.rows.length);
    expect(actual.rows.map(({ line, text }) => ({ line, text }))).toEqual(
      expected.rows.map(({ line, text }) => ({ line, text })),
    );
    expect(
      Math.min(...actual.rows.map((row, i) => cosine(row.vector, expected.rows[i]?.vector ?? []))),
    ).toBeGreaterThan(0.9999);
    expect((await actual.table.listIndices()).map((index) => index.indexType)).toEqual(['IvfPq']);
    expect(await readFile(`${output}.skipped.jsonl`, 'utf8')).toBe(
      await readFile(`${reference}.skipped.jsonl`, 'utf8'),
    );
    expect(
      (await readdir(dir)).filter((name) => name.startsWith('killed.') && /partial|checkpoint/.test(name)),
    ).toEqual([]);
  });
});
