import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointPath } from '#core/checkpoint';
import { runEmbedJob, type EmbedJobOptions } from '#core/embedJob';
import { EmbedJobError, EmbeddingError } from '#core/errors';
import { EmbeddingModel } from '#core/model';
import { readRunRecord } from '#core/runRecord';
import type { OutputFormat } from '#shared/engine';
import { corpusLines } from '../support/corpus';
import { MIXED_FOLDER, pdfFile, writeFolder } from '../support/documents';
import { readJsonl, readNpy, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

const dir = await tempDir();
let model: EmbeddingModel;
beforeAll(async () => {
  model = await EmbeddingModel.load(await testModelPath(TINY), { threads: 2, contextSize: 128 });
});
afterAll(() => model.dispose());

interface DocumentRow {
  line: number;
  source: string;
  page: number | null;
  chunk: number;
  char_start: number;
  char_end: number;
  text: string;
}

interface SkipEntry {
  line: number;
  reason: string;
  source?: string;
  page?: number | null;
}

let runs = 0;
async function setUp(
  name: string,
  format: OutputFormat,
  files: Record<string, string | Buffer>,
): Promise<{ input: string; output: string }> {
  const folder = join(dir, `${name}-${(runs += 1)}`);
  await writeFolder(join(folder, 'docs'), files);
  return { input: join(folder, 'docs'), output: join(folder, `out.${format}`) };
}

function job(
  options: Partial<EmbedJobOptions> & { input: string; output: string },
  chunkTokens = 24,
): ReturnType<typeof runEmbedJob> {
  model.setTextOptions({ onLong: 'chunk', chunkTokens, chunkOverlap: 4 });
  return runEmbedJob({ model, ...options, batch: { batchSize: 4, progressIntervalMs: 0, ...options.batch } });
}

/** A row's line, document, chunk, offsets and text, as any format stores them (Parquet's and LanceDB's int64 as bigint). */
function whereOf(row: Record<string, unknown> | DocumentRow): Record<string, unknown> {
  const { line, source, page, chunk, char_start: start, char_end: end, text } = row as Record<string, unknown>;
  return {
    line: Number(line),
    source,
    page: page === null ? null : Number(page),
    chunk: Number(chunk),
    char_start: Number(start),
    char_end: Number(end),
    text,
  };
}

/** `text[start:end]` as Python slices a str: by code points. */
function slice(text: string, start: number, end: number): string {
  return [...text].slice(start, end).join('');
}

/** The text a row's offsets are in: a page's of the generated PDF, else the document's as read. */
const TEXTS: Record<string, string> = {
  'notes/a.txt': 'Plain text document.\n',
  'notes/b.md': MIXED_FOLDER['notes/b.md']?.toString() ?? '',
  'page.html': 'Heading\n\nVisible & shown.\n\nLast one.',
  'report.pdf#1': 'First page text.\nIts second line.',
  'report.pdf#2': 'Second page text.',
};

/** An int64 .npy matrix (the rows sidecar): its shape and values. */
async function readInt64Npy(path: string): Promise<{ shape: number[]; rows: number[][] }> {
  const bytes = await readFile(path);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const shape = (/'shape': \((\d+), (\d+)\)/.exec(header) ?? []).slice(1).map(Number);
  const values = Array.from(new BigInt64Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength)), Number);
  const width = shape[1] ?? 1;
  return { shape, rows: Array.from({ length: shape[0] ?? 0 }, (_, i) => values.slice(i * width, (i + 1) * width)) };
}

describe('a folder of documents as input', () => {
  it('gives each chunk its source, page and offsets, in sorted order; the unreadable files are in the skip log', async () => {
    const files = await setUp('mixed', 'jsonl', MIXED_FOLDER);
    const summary = await job(files);
    const rows = await readJsonl<DocumentRow>(files.output);
    expect([...new Set(rows.map((row) => `${row.line} ${row.source} ${row.page}`))]).toEqual([
      '3 notes/a.txt null',
      '4 notes/b.md null',
      '5 page.html null',
      '6 report.pdf 1',
      '6 report.pdf 2',
    ]);
    for (const row of rows) {
      const text = TEXTS[row.page === null ? row.source : `${row.source}#${row.page}`] ?? '';
      expect(slice(text, row.char_start, row.char_end)).toBe(row.text);
    }
    expect(rows.filter((row) => row.source === 'notes/b.md').map((row) => row.chunk)).toEqual([0, 1]);
    expect(rows.map((row) => row.text).join(' ')).not.toMatch(/Hidden title|color|var hidden|Nobody/);
    const skipped = await readJsonl<SkipEntry>(summary.skipLog);
    expect(skipped.map(({ line, reason, source, page }) => ({ line, reason, source, page }))).toEqual([
      { line: 1, reason: 'binary', source: 'blob.txt', page: null },
      { line: 2, reason: 'invalid-utf8', source: 'latin1.txt', page: null },
      { line: 7, reason: 'encrypted', source: 'secret.pdf', page: null },
    ]);
    const record = await readRunRecord(files.output);
    expect(record.input.documents).toMatchObject({ glob: '**/*.{txt,md,markdown,html,htm,pdf,jsonl,ndjson,csv}' });
    expect(record.input.documents?.files).toBe(7);
    expect(record.vectors.onLong).toBe('chunk');
    expect(record.output.rows).toBe(rows.length);

    const markdown = await setUp('glob', 'jsonl', MIXED_FOLDER);
    await job({ ...markdown, inputOptions: { glob: '**/*.md' } });
    const only = await readJsonl<DocumentRow>(markdown.output);
    expect(new Set(only.map((row) => `${row.line} ${row.source}`))).toEqual(new Set(['1 notes/b.md']));
  });

  it('carries source and page in Parquet and LanceDB columns and in the .npy rows and sources sidecars', async () => {
    const jsonl = await setUp('formats-jsonl', 'jsonl', MIXED_FOLDER);
    await job(jsonl);
    const expected = await readJsonl<DocumentRow>(jsonl.output);

    const wanted = expected.map((row) => whereOf(row));
    const parquet = await setUp('formats-parquet', 'parquet', MIXED_FOLDER);
    await job(parquet);
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(parquet.output) });
    expect(rows.map((row) => whereOf(row))).toEqual(wanted);

    const lance = await setUp('formats-lance', 'lance', MIXED_FOLDER);
    await job(lance);
    const table = await (await connect(dirname(lance.output))).openTable('out');
    const lanceRows = (await table.query().toArray()) as Array<Record<string, unknown>>;
    expect(lanceRows.map((row) => whereOf(row))).toEqual(wanted);

    const npy = await setUp('formats-npy', 'npy', MIXED_FOLDER);
    const summary = await job(npy);
    const sidecar = npy.output.replace(/\.npy$/, '.rows.npy');
    const sources = npy.output.replace(/\.npy$/, '.sources.jsonl');
    expect(summary.outputs).toEqual([npy.output, sidecar]);
    expect(await readInt64Npy(sidecar)).toEqual({
      shape: [expected.length, 5],
      rows: expected.map((row) => [row.line, row.page ?? 0, row.chunk, row.char_start, row.char_end]),
    });
    expect((await readNpy(npy.output)).shape).toEqual([expected.length, 32]);
    const listed = await readJsonl<{ line: number; source: string }>(sources);
    expect(listed.map((entry) => entry.source)).toEqual([
      'blob.txt',
      'latin1.txt',
      'notes/a.txt',
      'notes/b.md',
      'page.html',
      'report.pdf',
      'secret.pdf',
    ]);
    for (const row of expected) expect(listed[row.line - 1]?.source).toBe(row.source);
  });

  it('refuses another long-text policy, a shard, an empty folder and an output inside the folder', async () => {
    const files = await setUp('refused', 'jsonl', { 'a.txt': 'text' });
    model.setTextOptions({ onLong: 'truncate' });
    await expect(runEmbedJob({ model, ...files })).rejects.toThrow(/always cut into chunks.*not truncate/);
    await expect(job({ ...files, inputOptions: { shard: { index: 0, count: 2 } } })).rejects.toThrow(/no shards/);
    await expect(job({ ...files, inputOptions: { glob: '**/*.pdf' } })).rejects.toThrow(/holds no document/);
    const inside = job({ input: files.input, output: join(files.input, 'out.jsonl') });
    await expect(inside).rejects.toThrow(EmbeddingError);
    await expect(inside).rejects.toMatchObject({ code: 'OUTPUT_IS_INPUT' });
  });

  it('resumed after a stop in the middle of a document, gives the output of a run that went through', async () => {
    const paragraphs = corpusLines(1400, 21, 8, 16).map((line) => `${line}.`);
    const long = Array.from({ length: 140 }, (_, i) => paragraphs.slice(i * 10, i * 10 + 10).join(' ')).join('\n\n');
    expect(long.length).toBeGreaterThan(1 << 16);
    const pages = Array.from({ length: 8 }, (_, page) => corpusLines(6, 50 + page, 6, 12).map((line) => `${line}.`));
    const folder = { 'a-long.md': long, 'b-pages.pdf': pdfFile(pages), 'c-short.txt': 'The end.' };
    let cleanRows: DocumentRow[] = [];
    // Stopped after the long document's first section (its chunks go on in the next), then after a page of the PDF.
    for (const [format, stopAt] of [
      ['jsonl', 1],
      ['npy', 4],
    ] as const) {
      const clean = await setUp(`clean-${format}`, format, folder);
      await job(clean, 120);
      if (format === 'jsonl') {
        cleanRows = await readJsonl<DocumentRow>(clean.output);
        const chunks = cleanRows.filter((row) => row.source === 'a-long.md').map((row) => row.chunk);
        expect(chunks).toEqual(chunks.map((_, i) => i));
        for (const row of cleanRows.filter((r) => r.source === 'a-long.md'))
          expect(slice(long, row.char_start, row.char_end)).toBe(row.text);
      }

      const files = await setUp(`stopped-${format}`, format, folder);
      const abort = new AbortController();
      const error = await job(
        {
          ...files,
          keepOnCancel: true,
          signal: abort.signal,
          onProgress: (progress) => {
            if (progress.linesDone >= stopAt) abort.abort();
          },
        },
        120,
      ).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EmbedJobError);
      const checkpoint = (await readFile(checkpointPath(files.output), 'utf8')).trim().split('\n');
      const { cursor } = JSON.parse(checkpoint.at(-1) ?? '{}') as {
        cursor?: { line: number; page: number | null; next: number };
      };
      // Stopped within a document: a section or page of it is still to do.
      const rest = cleanRows.filter(
        (row) =>
          row.line === cursor?.line &&
          (row.page === cursor.page ? row.chunk >= cursor.next : (row.page ?? 0) > (cursor.page ?? 0)),
      );
      expect(rest.length).toBeGreaterThan(0);
      if (format === 'jsonl') expect(rest[0]).toMatchObject({ source: 'a-long.md', page: null });
      else expect(rest[0]).toMatchObject({ source: 'b-pages.pdf', chunk: 0 });

      const summary = await job({ ...files, resume: true }, 120);
      expect(summary.resumedAfterLine).toBe((error as EmbedJobError).resumeAfterLine);
      for (const path of [...summary.outputs, summary.skipLog])
        expect(await readFile(path)).toEqual(
          await readFile(path.replace(dirname(files.output), dirname(clean.output))),
        );
      expect((await readRunRecord(files.output)).output.rows).toBe((await readRunRecord(clean.output)).output.rows);
    }
  });
});
