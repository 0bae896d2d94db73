import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OutputFormat } from '#shared/engine';
import { readJsonl, tempDir } from '../support/files';
import { testModelPath, TINY, type BertModelSpec } from '../support/testModels';
import { expectError, runCli } from './runCli';

/** TINY's shapes and a name as long with other weights: a file of the same size whose content differs. */
const OTHER: BertModelSpec = { ...TINY, name: 'tiny-bent', seed: 7 };

const dir = await tempDir();
let model: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
});

/** Ten texts and two blank lines, so that input lines and output rows differ after line 3. */
const LINES = [
  'the cat sat on the mat',
  'stock markets fell sharply today',
  '',
  'how to bake sourdough bread at home',
  'the quick brown fox jumps over the lazy dog',
  'quantum computers use qubits',
  '',
  'a recipe for tomato soup',
  'football match ends in a draw',
  'rainy weather expected all week',
  'learning to play the violin',
  'the train to paris leaves at noon',
];
/** Line 9, the 7th row. */
const WANTED = 9;

interface SearchJson {
  results: Array<{ line: number; chunk?: number; char_start?: number; char_end?: number; score: number; text: string }>;
}

async function embedded(format: OutputFormat, name = `texts-${format}`, modelPath = model): Promise<string> {
  const input = join(dir, `${name}.txt`);
  await writeFile(input, `${LINES.join('\n')}\n`);
  const output = join(dir, `${name}.${format}`);
  const result = await runCli(['embed', '--model', modelPath, '--input', input, '--output', output, '--threads', '2']);
  expect(result.code, result.stderr).toBe(0);
  return output;
}

async function search(output: string, query: string, ...more: string[]): Promise<SearchJson> {
  const result = await runCli([
    'search',
    '--embeddings',
    output,
    '--query',
    query,
    '--threads',
    '2',
    '--json',
    ...more,
  ]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.stdout.trimEnd().split('\n')).toHaveLength(1);
  return JSON.parse(result.stdout) as SearchJson;
}

describe('embedding-studio search', () => {
  it.for(['jsonl', 'npy', 'parquet'] as const)(
    'finds the line whose text is the query first, with a score of 1, in a %s output',
    async (format) => {
      const output = await embedded(format);
      const text = LINES[WANTED - 1] ?? '';

      const { results } = await search(output, text);

      expect(results).toHaveLength(10);
      expect(results[0]).toEqual({ line: WANTED, score: expect.any(Number) as number, text });
      expect(results[0]?.score).toBeGreaterThan(0.999);
      expect(results[1]?.score).toBeLessThan(0.999);
      // Every row is a text line of the input with its own text, best first.
      for (const { line, text: found } of results) expect(found).toBe(LINES[line - 1]);
      const scores = results.map((result) => result.score);
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
    },
  );

  it.for(['jsonl', 'npy', 'parquet'] as const)(
    'finds the chunk whose text is the query first in a %s output of --on-long chunk, with its line, chunk and place',
    async (format) => {
      const long = LINES.filter(Boolean).join('. ');
      const input = join(dir, `chunks-${format}.txt`);
      await writeFile(input, `${long}\nthe train to paris leaves at noon\n`);
      const output = join(dir, `chunks-${format}.${format}`);
      const chunking = ['--on-long', 'chunk', '--chunk-tokens', '24', '--chunk-overlap', '4', '--context-size', '64'];
      const made = await runCli(['embed', '--model', model, '--input', input, '--output', output, ...chunking]);
      expect(made.code, made.stderr).toBe(0);
      // The chunks, as a JSON Lines output of the same run has them.
      const jsonl = join(dir, `chunks-${format}-rows.jsonl`);
      expect((await runCli(['embed', '--model', model, '--input', input, '--output', jsonl, ...chunking])).code).toBe(
        0,
      );
      type ChunkRow = { line: number; chunk: number; char_start: number; char_end: number; text: string };
      const chunks = (await readJsonl<ChunkRow>(jsonl)).map(({ line, chunk, char_start, char_end, text }) => ({
        line,
        chunk,
        char_start,
        char_end,
        text,
      }));
      expect(chunks.filter((chunk) => chunk.line === 1).length).toBeGreaterThan(3);
      const wanted = chunks[2] ?? { line: 0, chunk: 0, char_start: 0, char_end: 0, text: '' };

      const { results } = await search(output, wanted.text);

      expect(results[0]).toEqual({ ...wanted, score: expect.any(Number) as number });
      expect(results[0]?.score).toBeGreaterThan(0.999);
      for (const { score, ...found } of results)
        expect(found).toEqual(chunks.find((row) => row.line === found.line && row.chunk === found.chunk));
    },
  );

  it('finds neighbours, duplicates and the map of an output of --on-long chunk, each row a chunk of its line', async () => {
    const input = join(dir, 'chunks-explored.txt');
    const repeated = 'the museum opens every sunday';
    await writeFile(input, `${LINES.filter(Boolean).join('. ')}\n${repeated}\n${repeated}\n`);
    const output = join(dir, 'chunks-explored.jsonl');
    const chunking = ['--on-long', 'chunk', '--chunk-tokens', '24', '--chunk-overlap', '4', '--context-size', '64'];
    const made = await runCli(['embed', '--model', model, '--input', input, '--output', output, ...chunking]);
    expect(made.code, made.stderr).toBe(0);
    type ChunkRow = { line: number; chunk: number; char_start: number; char_end: number; text: string };
    const rows = (await readJsonl<ChunkRow>(output)).map(({ line, chunk, char_start, char_end, text }) => ({
      line,
      chunk,
      char_start,
      char_end,
      text,
    }));
    expect(rows.filter((row) => row.line === 1).length).toBeGreaterThan(3);
    const rowOf = (found: { line: number; chunk?: number }): ChunkRow | undefined =>
      rows.find((row) => row.line === found.line && row.chunk === found.chunk);

    const neighbours = async (...more: string[]): Promise<SearchJson['results']> => {
      const result = await runCli(['neighbours', '--embeddings', output, '--json', ...more]);
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as SearchJson).results;
    };
    const exact = await neighbours('--line', '1', '--chunk', '2', '--exact', '--top', '5');
    expect(exact).toHaveLength(5);
    for (const { score, ...hit } of exact) {
      expect(hit).toEqual(rowOf(hit));
      expect(score).toBeLessThanOrEqual(1);
    }
    expect(exact.some((hit) => hit.line === 1 && hit.chunk === 2)).toBe(false);
    expect((await runCli(['index', '--embeddings', output])).code).toBe(0);
    const indexed = await neighbours('--line', '1', '--chunk', '2', '--top', '5');
    expect(indexed.map(({ line, chunk }) => `${line}:${chunk}`)).toEqual(
      exact.map(({ line, chunk }) => `${line}:${chunk}`),
    );
    expectError(
      await runCli(['neighbours', '--embeddings', output, '--line', '2', '--chunk', '1']),
      2,
      `Chunk 1 of line 2 is not a row of ${output}: that line was not embedded (the skip log says why), or has fewer chunks (numbered from 0).`,
    );

    const keep = join(dir, 'chunks-keep.txt');
    const duplicates = await runCli(['duplicates', '--embeddings', output, '--json', '--keep', keep]);
    expect(duplicates.code, duplicates.stderr).toBe(0);
    const { groups } = JSON.parse(duplicates.stdout) as {
      groups: Array<{ lines: number[]; chunks: number[]; exact: boolean }>;
    };
    expect(groups[0]).toMatchObject({ lines: [2, 3], chunks: [0, 0], exact: true });
    const kept = (await readFile(keep, 'utf8')).split('\n').filter(Boolean);
    expect(kept).toContain('2:0');
    expect(kept).not.toContain('3:0');
    expect(kept).toContain('1:0');

    const map = join(dir, 'chunks-map.parquet');
    const exported = await runCli(['export-map', '--embeddings', output, '--output', map, '--neighbors', '3']);
    expect(exported.code, exported.stderr).toBe(0);
    const mapped = (await parquetReadObjects({ file: await asyncBufferFromFile(map) })) as Array<
      Record<string, unknown> & { neighbors: { ids: bigint[] } }
    >;
    expect(
      mapped.map((row) => ({
        line: Number(row.line),
        chunk: Number(row.chunk),
        char_start: Number(row.char_start),
        char_end: Number(row.char_end),
        text: row.text,
      })),
    ).toEqual(rows);
    mapped.forEach((row, place) => {
      expect(row.neighbors.ids).toHaveLength(3);
      expect(row.neighbors.ids.map(Number)).not.toContain(place);
      for (const id of row.neighbors.ids) expect(Number(id)).toBeLessThan(rows.length);
    });
  });

  it('refuses --chunk for an output with a row per line', async () => {
    const output = await embedded('jsonl', 'lines-chunk');

    expectError(
      await runCli(['neighbours', '--embeddings', output, '--line', '1', '--chunk', '0']),
      2,
      `${output} has a row per line, not a row per chunk: there is no chunk of line 1 to choose.`,
    );
  });

  it('prints --json as exactly {"results": [...]}, and --top 3 gives the 3 best', async () => {
    const output = await embedded('jsonl', 'top');
    const all = await search(output, 'a recipe for tomato soup');

    const top = await search(output, 'a recipe for tomato soup', '--top', '3');

    expect(Object.keys(top)).toEqual(['results']);
    expect(top.results.map((result) => Object.keys(result))).toEqual(Array(3).fill(['line', 'score', 'text']));
    expect(top.results).toEqual(all.results.slice(0, 3));
    expect(top.results[0]?.line).toBe(8);
  });

  it('prints one line per result without --json: line, score and text', async () => {
    const output = await embedded('jsonl', 'human');

    const result = await runCli(['search', '--embeddings', output, '--query', 'quantum computers use qubits']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[0]).toMatch(/^ ?6 {2}1\.0000 {2}quantum computers use qubits$/);
  });

  it('refuses a --model that is not the model that made the output, saying what differs', async () => {
    const output = await embedded('jsonl', 'other-model');
    const other = await testModelPath(OTHER);

    const result = await runCli(['search', '--embeddings', output, '--query', 'cat', '--model', other]);

    expectError(
      result,
      3,
      new RegExp(
        `^error: ${other} is not the model that made ${output}, tiny-bert-[0-9a-f]{16}\\.gguf \\(tiny-bert\\): its content differs \\(fingerprint [0-9a-f]{12}…, that one [0-9a-f]{12}…\\)\\.$`,
      ),
      /^hint: Pass --model with the model that made the output, tiny-bert-[0-9a-f]{16}\.gguf\.$/,
    );
  });

  it('finds the model the run recorded in the models folder by its file name, else says to pass --model', async () => {
    const copy = join(dir, 'moved.gguf');
    await copyFile(model, copy);
    const output = await embedded('jsonl', 'moved', copy);
    const library = join(dir, 'library');
    await mkdir(library);
    await rename(copy, join(library, 'moved.gguf'));

    const found = await search(output, 'the cat sat on the mat', '--models-dir', library);
    expect(found.results[0]).toMatchObject({ line: 1, text: 'the cat sat on the mat' });

    await rm(join(library, 'moved.gguf'));
    const result = await runCli(['search', '--embeddings', output, '--query', 'cat', '--models-dir', library]);
    expectError(
      result,
      3,
      `The model that made ${output} is not there any more: Model file ${copy} does not exist. Nor is moved.gguf in the models folder ${library}.`,
      'Pass --model with the model that made the output, moved.gguf.',
    );
    // With the model given, the same search runs.
    const given = await search(output, 'the cat sat on the mat', '--model', model);
    expect(given.results[0]?.line).toBe(1);
  });

  it("refuses a .npy output whose input changed since the run: the texts would not be the rows'", async () => {
    const output = await embedded('npy', 'changed');
    const input = join(dir, 'changed.txt');
    await writeFile(input, `a new first line\n${LINES.join('\n')}\n`);

    const result = await runCli(['search', '--embeddings', output, '--query', 'cat']);

    expectError(
      result,
      5,
      `The input of ${output}, ${input}, has changed since the run: the texts of its rows are read from it.`,
      'Put the input back as it was when the output was made, or embed it again.',
    );
  });

  it('refuses an output without its run record', async () => {
    const output = await embedded('npy', 'no-record');
    await rm(`${output}.run.json`);

    const result = await runCli(['search', '--embeddings', output, '--query', 'cat', '--model', model]);

    expectError(
      result,
      3,
      `${output} has no usable run record: ${output}.run.json does not exist (a run writes it when it has done every line).`,
      'Embed its input again with embed --overwrite: a finished run writes the record beside its output.',
    );
  });
});
