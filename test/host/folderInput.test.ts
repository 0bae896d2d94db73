import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobStart, ReplyError } from '#shared/contract';
import { readJsonl } from '../support/files';
import { pdfFile, writeFolder } from '../support/documents';
import { testModelPath, TINY } from '../support/testModels';
import { serviceHarness } from './serviceHarness';

const h = await serviceHarness();
let modelPath: string;
beforeAll(async () => {
  modelPath = await testModelPath(TINY);
});

const LONG = 'the quick brown fox jumps over the lazy dog. '.repeat(30).trim();
const FILES: Record<string, string | Buffer> = {
  // First in the folder's order, and no text: the preview is of the next document.
  'a-blob.txt': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00]),
  'a.md': `\n\n${LONG}\n`,
  'b/c.md': '# Title\n\nA short note.\n',
  'd.txt': 'hello world\n',
  'report.pdf': pdfFile([['First page text.'], ['Second page text.']]),
  'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
  'notes.docx': 'not read',
};
const bytes = (...names: string[]): number =>
  names.reduce((sum, name) => sum + Buffer.byteLength(FILES[name] ?? ''), 0);

const folder = join(h.dir, 'notes');
await writeFolder(folder, FILES);

async function inspect(params: { glob?: string | null; chunkTokens?: number; chunkOverlap?: number } = {}) {
  const info = await h.ok('input:inspect', { path: folder, format: null, field: null, ...params });
  if (info.kind !== 'folder') throw new Error('a folder was inspected as a file');
  return info;
}

async function failure(name: string, params: unknown): Promise<ReplyError> {
  const reply = await h.service.handle(name, params);
  if (reply.ok) throw new Error(`${name} succeeded`);
  return reply.error;
}

function folderJob(output: string, overrides: Partial<JobStart> = {}): JobStart {
  return {
    input: folder,
    inputFormat: null,
    field: null,
    glob: null,
    output,
    format: null,
    overwrite: false,
    batchSize: 16,
    normalize: 'l2',
    prefix: '',
    onLong: 'chunk',
    chunkTokens: 24,
    chunkOverlap: 4,
    continueOnError: true,
    memoryLimitMb: null,
    dimensions: null,
    precision: 'float32',
    resume: false,
    reuse: null,
    ...overrides,
  };
}

describe('A folder as the input of the app', () => {
  it('is inspected: its documents by kind with their bytes, the files left out, and no chunks without a model', async () => {
    const info = await inspect();
    expect(info).toMatchObject({
      kind: 'folder',
      path: folder,
      glob: '**/*.{txt,md,markdown,html,htm,pdf,jsonl,ndjson,csv}',
      unsupported: { files: 0, bytes: 0 },
      leftOut: 2,
    });
    expect(info.kinds).toEqual([
      { extension: '.md', files: 2, bytes: bytes('a.md', 'b/c.md') },
      { extension: '.txt', files: 2, bytes: bytes('a-blob.txt', 'd.txt') },
      { extension: '.pdf', files: 1, bytes: bytes('report.pdf') },
    ]);
    expect(info.preview).toEqual({ source: 'a.md', page: null, chunking: null });

    // A glob that chooses every file: those of no kind read are counted apart, as the run's skip log lines.
    const every = await inspect({ glob: '**' });
    expect(every).toMatchObject({
      glob: '**',
      leftOut: 0,
      unsupported: { files: 2, bytes: bytes('image.png', 'notes.docx') },
    });
    const pdfs = await inspect({ glob: '*.pdf' });
    expect(pdfs).toMatchObject({ kinds: [{ extension: '.pdf', files: 1 }], leftOut: 6 });
    expect(pdfs.preview).toMatchObject({ source: 'report.pdf', page: 1 });
  });

  it('previews the first chunks of the first document that gives text, cut as the run cuts them', async () => {
    await h.ok('model:load', { path: modelPath, gpu: 'cpu', threads: 2, contextSize: 64 });
    const info = await inspect({ chunkTokens: 24, chunkOverlap: 4 });
    const chunking = info.preview?.chunking;
    expect(info.preview?.source).toBe('a.md');
    expect(chunking?.window).toEqual({ tokens: 24, overlap: 4 });
    expect(chunking?.chunks.map((chunk) => chunk.chunk)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(chunking?.more).toBe(true);
    const text = [...(await readFile(join(folder, 'a.md'), 'utf8'))];
    for (const chunk of chunking?.chunks ?? []) {
      expect(chunk.cut).toBe(false);
      expect(text.slice(chunk.charStart, chunk.charEnd).join('')).toBe(chunk.text);
      expect(chunk.tokens).toBeLessThanOrEqual(24);
    }
    // The document's text starts after its blank lines; consecutive chunks overlap.
    expect(chunking?.chunks[0]?.charStart).toBe(2);
    const [first, second] = chunking?.chunks ?? [];
    expect(second && first && second.charStart < first.charEnd).toBe(true);

    // The default window: what the context holds.
    const defaults = await inspect();
    expect(defaults.preview?.chunking?.window).toEqual({ tokens: 63, overlap: 6 });
    // Chunk sizes the run would refuse are refused.
    await expect(inspect({ chunkTokens: 64 })).rejects.toThrow(/BAD_OPTION.*at most 63/);
  });

  it('answers the files of a folder with no document, and a bad glob, with what is wrong', async () => {
    expect(await inspect({ glob: '**/*.rst' })).toMatchObject({ kinds: [], leftOut: 7, preview: null });
    expect(await failure('input:inspect', { path: folder, format: null, field: null, glob: '[abc' })).toMatchObject({
      code: 'BAD_OPTION',
    });
    expect(await failure('input:inspect', { path: folder, format: null, field: null, glob: '  ' })).toMatchObject({
      code: 'INVALID_REQUEST',
      field: 'glob',
    });
  });

  it('runs a folder through job:start, its glob choosing the documents, with rows that say where each chunk is from', async () => {
    await h.ok('settings:set', { job: { onLong: 'mean' } });
    const output = join(h.dir, 'notes.jsonl');
    const started = await h.ok('job:start', folderJob(output, { glob: '**/*.md' }));
    const final = await h.finished(started.jobId);
    expect(final).toMatchObject({ status: 'done', settings: { input: folder, glob: '**/*.md' } });
    const rows = await readJsonl<{ source: string; chunk: number; char_start: number; char_end: number; text: string }>(
      output,
    );
    expect(new Set(rows.map((row) => row.source))).toEqual(new Set(['a.md', 'b/c.md']));
    // The preview's chunks are the run's.
    const preview = (await inspect({ chunkTokens: 24, chunkOverlap: 4 })).preview?.chunking?.chunks ?? [];
    const rowsOfA = rows.filter((row) => row.source === 'a.md').slice(0, preview.length);
    expect(rowsOfA.map((row) => [row.chunk, row.char_start, row.char_end, row.text])).toEqual(
      preview.map((chunk) => [chunk.chunk, chunk.charStart, chunk.charEnd, chunk.text]),
    );
    // The folder's chunk policy is not remembered as the one chosen for files.
    expect((await h.ok('settings:get', {})).job).toMatchObject({ input: folder, glob: '**/*.md', onLong: 'mean' });
  });

  it('refuses a folder with another long-text policy, and a glob with a file, before writing anything', async () => {
    const output = join(h.dir, 'refused.jsonl');
    expect(await failure('job:start', folderJob(output, { onLong: 'truncate' }))).toMatchObject({
      code: 'BAD_OPTION',
      remedy: { kind: 'fixOption', option: 'onLong', example: 'chunk' },
    });
    const file = folderJob(output, { input: join(folder, 'd.txt'), onLong: 'truncate', glob: '*.md' });
    expect(await failure('job:start', { ...file, chunkTokens: null, chunkOverlap: null })).toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringMatching(/glob/) as string,
    });
  });
});
