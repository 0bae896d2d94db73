import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';
import { clusteredVectors, writeVectorOutput, type VectorRow } from '../support/vectorOutputs';
import { expectError, runCli } from './runCli';

const dir = await tempDir();
let model: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
});

interface ResultsJson {
  results: Array<{ line: number; score: number; text: string }>;
}

/** A synthetic output of 200 rows at lines 1-220 (every 11th line skipped), as a run would have written it. */
async function synthetic(name: string): Promise<{ path: string; rows: VectorRow[] }> {
  const vectors = clusteredVectors(200, 32, 8, 3);
  const rows = Array.from({ length: 200 }, (_, row) => ({
    line: row + 1 + Math.floor(row / 10),
    text: `row number ${row}`,
    embedding: vectors.slice(row * 32, (row + 1) * 32),
  }));
  const path = join(dir, `${name}.npy`);
  await writeVectorOutput(path, 'npy', rows);
  return { path, rows };
}

async function embedded(name: string, lines: readonly string[]): Promise<string> {
  const input = join(dir, `${name}.txt`);
  await writeFile(input, `${lines.join('\n')}\n`);
  const output = join(dir, `${name}.jsonl`);
  const result = await runCli(['embed', '--model', model, '--input', input, '--output', output, '--threads', '2']);
  expect(result.code, result.stderr).toBe(0);
  return output;
}

const LINES = [
  'the cat sat on the mat',
  'stock markets fell sharply today',
  'quantum computers use qubits',
  'a recipe for tomato soup',
  'learning to play the violin',
];

function search(output: string, ...more: string[]): ReturnType<typeof runCli> {
  return runCli(['search', '--embeddings', output, '--query', 'quantum computers use qubits', '--json', ...more]);
}

function json<T>(result: { code: number | null; stdout: string; stderr: string }): T {
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(result.stdout) as T;
}

describe('embedding-studio index', () => {
  it('builds <output>.index, which search then uses, finding what reading every row finds', async () => {
    const output = await embedded('indexed', LINES);

    const built = json<Record<string, unknown>>(await runCli(['index', '--embeddings', output, '--json']));

    expect(built).toMatchObject({ index: `${output}.index`, rows: 5, quantization: 'f16', metric: 'cos' });
    expect(JSON.parse(await readFile(`${output}.index.json`, 'utf8'))).toMatchObject({ rows: 5 });
    const indexed = await search(output);
    expect(indexed.stderr).toBe('');
    const found = json<ResultsJson>(indexed).results;
    expect(found[0]).toMatchObject({ line: 3, text: 'quantum computers use qubits' });
    expect(found[0]?.score).toBeGreaterThan(0.999);
    expect(found.map((hit) => hit.line)).toEqual(
      json<ResultsJson>(await search(output, '--exact')).results.map((hit) => hit.line),
    );
  });

  it('refuses an index that is not the one built, and does not use one whose output changed, saying so', async () => {
    const output = await embedded('stale', LINES);
    expect((await runCli(['index', '--embeddings', output])).code).toBe(0);

    // An index of the right size that is not one: refused where it would be used; --exact never opens it.
    const size = (await readFile(`${output}.index`)).length;
    await writeFile(`${output}.index`, Buffer.alloc(size, 7));
    expectError(
      await search(output),
      3,
      new RegExp(`^error: The index of ${output}, ${output}\\.index, cannot be used: `),
      `Build it again with embedding-studio index --embeddings ${output}.`,
    );
    expect(json<ResultsJson>(await search(output, '--exact')).results[0]?.line).toBe(3);

    // The output changed since: the index is stale.
    await writeFile(output, (await readFile(output, 'utf8')).replace('"line":1,', '"line":1, '));
    const stale = await search(output);
    expect(json<ResultsJson>(stale).results[0]?.line).toBe(3);
    expect(stale.stderr).toBe(
      `note: ${output} has changed since its index was built: its index is not used, every row is read instead. Build the index again to use it.\n`,
    );
  });

  it('prints what it built without --json', async () => {
    const { path } = await synthetic('human-index');

    const result = await runCli(['index', '--embeddings', path]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(
      new RegExp(`^Indexed 200 rows of 32 dimensions in \\d+\\.\\d s: ${path}\\.index\\n$`),
    );
  });
});

describe('embedding-studio neighbours', () => {
  it('prints the rows nearest to a row, itself left out, by index and by reading every row alike', async () => {
    const { path, rows } = await synthetic('neighbours');
    const exact = json<ResultsJson>(
      await runCli(['neighbours', '--embeddings', path, '--line', '25', '--top', '4', '--json']),
    ).results;
    expect((await runCli(['index', '--embeddings', path])).code).toBe(0);

    const indexed = json<ResultsJson>(
      await runCli(['neighbours', '--embeddings', path, '--line', '25', '--top', '4', '--json']),
    ).results;

    expect(exact).toHaveLength(4);
    expect(exact.map((hit) => hit.line)).not.toContain(25);
    expect(indexed.map((hit) => hit.line)).toEqual(exact.map((hit) => hit.line));
    for (const hit of exact) expect(hit.text).toBe(rows.find((row) => row.line === hit.line)?.text);
    const human = await runCli(['neighbours', '--embeddings', path, '--line', '25', '--top', '4']);
    expect(human.stdout.trimEnd().split('\n')).toHaveLength(4);
  });

  it('refuses a line that is no row, naming it and the file (exit 2)', async () => {
    const { path } = await synthetic('no-row');

    expectError(
      await runCli(['neighbours', '--embeddings', path, '--line', '11']),
      2,
      `Line 11 is not a row of ${path}: that line was not embedded (the skip log says why).`,
      'Pass --line with the line of a row, 1-219; the skip log lists the lines that were not embedded.',
    );
    expectError(
      await runCli(['neighbours', '--embeddings', path, '--line', '500']),
      2,
      `Line 500 is not a row of ${path}: its input has 219 lines.`,
    );
  });
});

describe('embedding-studio duplicates', () => {
  it('groups a line and its copy, then a line and the same line with one word changed; distinct lines stay apart', async () => {
    const output = await embedded('duplicates', [
      'the cat sat on the mat',
      'how to bake sourdough bread at home',
      'quantum computers use qubits',
      'the cat sat on the mat',
      'how to bake sourdough bread at work',
      'football match ends in a draw',
    ]);
    const groupsFile = join(dir, 'groups.jsonl');
    const keepFile = join(dir, 'keep.txt');

    const { groups } = json<{ groups: Array<{ lines: number[]; min_score: number; exact: boolean }> }>(
      await runCli([
        'duplicates',
        '--embeddings',
        output,
        '--threshold',
        '0.96',
        '--json',
        '--groups',
        groupsFile,
        '--keep',
        keepFile,
      ]),
    );

    expect(groups).toEqual([
      { lines: [1, 4], min_score: 1, exact: true },
      { lines: [2, 5], min_score: expect.any(Number) as number, exact: false },
    ]);
    expect(groups[1]?.min_score).toBeGreaterThanOrEqual(0.96);
    expect(groups[1]?.min_score).toBeLessThan(1);
    expect(
      (await readFile(groupsFile, 'utf8'))
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual(groups);
    expect(await readFile(keepFile, 'utf8')).toBe('1\n2\n3\n6\n');
    const human = await runCli(['duplicates', '--embeddings', output, '--threshold', '0.96']);
    expect(human.stdout).toBe(`2 groups of 4 rows:\nexact   1 4\n${groups[1]?.min_score.toFixed(4)}  2 5\n`);
  });
});
