import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusLines } from '../support/corpus';
import { MIXED_FOLDER, pdfFile, writeFolder } from '../support/documents';
import { readJsonl, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';
import { expectError, runCli } from './runCli';

const dir = await tempDir();
let model: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
});

interface Row {
  line: number;
  source: string;
  page: number | null;
  chunk: number;
  char_start: number;
  char_end: number;
  text: string;
}

const common = (): string[] => ['--model', model, '--threads', '2', '--batch-size', '4', '--context-size', '64'];

/** The checkpoint's last durable point, or null before the first. */
function lastMark(
  path: string,
): { lastLine: number; cursor?: { line: number; page: number | null; next: number } } | null {
  if (!existsSync(path)) return null;
  const marks = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"lastLine"'));
  const last = marks.at(-1);
  return last ? (JSON.parse(last) as ReturnType<typeof lastMark>) : null;
}

describe('embed --input <folder>', () => {
  it('embeds the documents the glob matches, with their sources, and logs those it cannot read', async () => {
    const input = join(dir, 'mixed');
    await writeFolder(input, MIXED_FOLDER);
    const output = join(dir, 'mixed.jsonl');
    const run = await runCli(['embed', ...common(), '--input', input, '--output', output, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const rows = await readJsonl<Row>(output);
    expect([...new Set(rows.map((row) => `${row.source}#${row.page}`))]).toEqual([
      'notes/a.txt#null',
      'notes/b.md#null',
      'page.html#null',
      'report.pdf#1',
      'report.pdf#2',
    ]);
    const skipped = await readJsonl<{ source: string; reason: string }>(`${output}.skipped.jsonl`);
    expect(skipped.map((entry) => `${entry.source} ${entry.reason}`)).toEqual([
      'blob.txt binary',
      'latin1.txt invalid-utf8',
      'secret.pdf encrypted',
    ]);

    const found = await runCli(['search', '--embeddings', output, '--query', 'second page', '--top', '3', '--json']);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toMatch(/page text/);
    // Each result says where its chunk comes from, as the output's row does.
    const { results } = JSON.parse(found.stdout) as { results: Array<Row & { score: number }> };
    expect(results).toHaveLength(3);
    for (const { score, ...result } of results) {
      expect(score).toBeLessThanOrEqual(1);
      const row = rows.find(
        (each) => each.source === result.source && each.page === result.page && each.chunk === result.chunk,
      );
      expect(result).toEqual({
        line: row?.line,
        source: row?.source,
        page: row?.page,
        chunk: row?.chunk,
        char_start: row?.char_start,
        char_end: row?.char_end,
        text: row?.text,
      });
    }
    const printed = await runCli(['search', '--embeddings', output, '--query', 'second page', '--top', '1']);
    expect(printed.stdout).toMatch(/^report\.pdf p\.2:0 {2}/);
    expectError(await runCli(['verify', output]), 2, /output of a folder of documents.*no shards/);

    const npy = join(dir, 'mixed.npy');
    expect((await runCli(['embed', ...common(), '--input', input, '--output', npy])).code).toBe(0);
    expect(await readJsonl(join(dir, 'mixed.sources.jsonl'))).toHaveLength(7);
    expectError(
      await runCli(['search', '--embeddings', npy, '--query', 'second page']),
      2,
      /\.npy output of a folder of documents: it holds no texts/,
    );

    const pdfs = join(dir, 'pdfs.jsonl');
    const only = await runCli(['embed', ...common(), '--input', input, '--glob', '*.pdf', '--output', pdfs]);
    expect(only.code, only.stderr).toBe(0);
    expect(new Set((await readJsonl<Row>(pdfs)).map((row) => row.source))).toEqual(new Set(['report.pdf']));
    // Two pages of one PDF, and the encrypted one.
    expect(only.stdout).toMatch(/^Embedded 2 of 3 texts of 2 documents in /);
  });

  it('names a row by its page too in duplicates and neighbours, where chunks start again on each page', async () => {
    const input = join(dir, 'pages');
    await writeFolder(input, {
      'a.pdf': pdfFile([['The same words on a page.'], ['The same words on a page.']]),
      'b.txt': 'A different note about trains.\n',
    });
    const output = join(dir, 'pages.jsonl');
    const made = await runCli(['embed', ...common(), '--input', input, '--output', output]);
    expect(made.code, made.stderr).toBe(0);

    const keep = join(dir, 'pages-keep.txt');
    const found = await runCli(['duplicates', '--embeddings', output, '--json', '--keep', keep]);
    expect(found.code, found.stderr).toBe(0);
    const { groups } = JSON.parse(found.stdout) as { groups: Array<Record<string, unknown>> };
    expect(groups).toEqual([{ lines: [1, 1], pages: [1, 2], chunks: [0, 0], min_score: 1, exact: true }]);
    expect(await readFile(keep, 'utf8')).toBe('1:1:0\n2:0:0\n');

    const near = await runCli([
      'neighbours',
      '--embeddings',
      output,
      '--line',
      '1',
      '--page',
      '2',
      '--top',
      '1',
      '--json',
    ]);
    expect(near.code, near.stderr).toBe(0);
    const { results } = JSON.parse(near.stdout) as { results: Array<Omit<Row, 'char_start' | 'char_end'>> };
    expect(results).toMatchObject([{ line: 1, source: 'a.pdf', page: 1, chunk: 0, text: 'The same words on a page.' }]);
    expectError(
      await runCli(['neighbours', '--embeddings', output, '--line', '1', '--page', '3']),
      2,
      /^error: Chunk 0 of line 1, page 3 is not a row of /,
    );
  });

  it('refuses --glob with a file, another --on-long, and a folder with no document', async () => {
    const input = join(dir, 'refused');
    await writeFolder(input, { 'a.txt': 'some text' });
    const output = join(dir, 'refused.jsonl');
    expectError(
      await runCli(['embed', ...common(), '--input', join(input, 'a.txt'), '--glob', '*.md', '--output', output]),
      2,
      /glob chooses the documents of a folder/,
    );
    expectError(
      await runCli(['embed', ...common(), '--input', input, '--on-long', 'mean', '--output', output]),
      2,
      /always cut into chunks: the long-text policy must be chunk, not mean/,
      /--on-long chunk/,
    );
    expectError(
      await runCli(['embed', ...common(), '--input', input, '--glob', '**/*.pdf', '--output', output]),
      5,
      /holds no document that \*\*\/\*\.pdf matches/,
    );
  });

  it('gives the bytes of an uninterrupted run after kill -9 in the middle of documents and --resume', async () => {
    const pages = Array.from({ length: 24 }, (_, page) => corpusLines(5, 70 + page, 6, 12).map((line) => `${line}.`));
    const input = join(dir, 'killed');
    await writeFolder(input, {
      'a.md': corpusLines(60, 9, 8, 16).join('.\n\n'),
      'b.pdf': pdfFile(pages),
      'c.txt': corpusLines(40, 10, 8, 16).join('. '),
    });
    const chunking = ['--chunk-tokens', '24', '--chunk-overlap', '4'];
    const reference = join(dir, 'reference.jsonl');
    const whole = await runCli(['embed', ...common(), ...chunking, '--input', input, '--output', reference]);
    expect(whole.code, whole.stderr).toBe(0);
    const referenceRows = await readJsonl<Row>(reference);

    const output = join(dir, 'killed.jsonl');
    const checkpoint = `${output}.checkpoint`;
    let kills = 0;
    let withinDocument = 0;
    let last: Awaited<ReturnType<typeof runCli>> | null = null;
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const target = (lastMark(checkpoint)?.lastLine ?? 0) + 3;
      const run = await runCli(
        ['embed', ...common(), ...chunking, '--input', input, '--output', output, '--resume'],
        (child) => {
          const poll = setInterval(() => {
            if (kills < 2 && (lastMark(checkpoint)?.lastLine ?? 0) >= target) {
              clearInterval(poll);
              child.kill('SIGKILL');
            }
          }, 5);
          child.on('close', () => clearInterval(poll));
        },
      );
      last = run;
      if (run.code === 0) break;
      expect(run.code, run.stderr).toBeNull();
      kills += 1;
      const cursor = lastMark(checkpoint)?.cursor;
      const rest = referenceRows.filter(
        (row) =>
          row.line === cursor?.line &&
          (row.page === cursor.page ? row.chunk >= cursor.next : (row.page ?? 0) > (cursor.page ?? 0)),
      );
      if (rest.length) withinDocument += 1;
    }
    expect(kills).toBe(2);
    expect(withinDocument).toBeGreaterThan(0);
    expect(await readFile(output)).toEqual(await readFile(reference));
    expect(last?.stdout).toMatch(/resumed +after text \d+;/);
    expect(await readFile(`${output}.skipped.jsonl`)).toEqual(await readFile(`${reference}.skipped.jsonl`));
  });
});
