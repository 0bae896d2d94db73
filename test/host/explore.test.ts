import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobStart, ReplyError } from '#shared/contract';
import { PREVIEW_CHARS } from '#host/explore';
import { testModelPath, TINY, type BertModelSpec } from '../support/testModels';
import { serviceHarness } from './serviceHarness';

/** TINY's shapes with other weights: a file of the same size whose content differs. */
const OTHER: BertModelSpec = { ...TINY, name: 'tiny-bent', seed: 7 };

const LONG = `a very long review ${'of many words '.repeat(60)}`.trim();
const LINES = [
  'the cat sat on the mat',
  'stock markets fell sharply today',
  '',
  'how to bake sourdough bread at home',
  'the quick brown fox jumps over the lazy dog',
  LONG,
  'a recipe for tomato soup',
  'football match ends in a draw',
  'rainy weather expected all week',
];

const h = await serviceHarness();
let model: string;
beforeAll(async () => {
  model = await testModelPath(TINY);
});

async function embedded(
  name: string,
  modelPath = model,
  options: Partial<JobStart> = {},
  extension = 'jsonl',
): Promise<string> {
  const input = join(h.dir, `${name}.txt`);
  await writeFile(input, `${LINES.join('\n')}\n`);
  await h.ok('model:load', { path: modelPath, gpu: 'cpu', threads: 2, contextSize: null });
  const output = join(h.dir, `${name}.${extension}`);
  const start: JobStart = {
    input,
    inputFormat: null,
    field: null,
    glob: null,
    output,
    format: null,
    overwrite: false,
    batchSize: 8,
    normalize: 'l2',
    prefix: '',
    onLong: 'truncate',
    continueOnError: true,
    memoryLimitMb: null,
    dimensions: null,
    precision: 'float32',
    chunkTokens: null,
    chunkOverlap: null,
    resume: false,
    reuse: null,
    ...options,
  };
  const started = await h.ok('job:start', start);
  expect((await h.finished(started.jobId)).status).toBe('done');
  return output;
}

async function failure(name: string, params: unknown): Promise<ReplyError> {
  const reply = await h.service.handle(name, params);
  if (reply.ok) throw new Error(`${name} succeeded`);
  return reply.error;
}

describe('Explore in the host', () => {
  it('opens a finished output from its run record and finds a line by its own text first, with texts cut short and no vectors', async () => {
    const output = await embedded('reviews');

    expect(await h.ok('explore:open', { output })).toMatchObject({
      output,
      format: 'jsonl',
      rows: 8,
      modelName: 'tiny-bert',
      documentPrefix: '',
      queryPrefix: null,
    });

    const { hits } = await h.ok('explore:search', { output, query: 'a recipe for tomato soup', top: 20 });
    expect(hits).toHaveLength(8);
    expect(hits[0]).toMatchObject({ line: 7, text: 'a recipe for tomato soup' });
    expect(hits[0]?.score).toBeCloseTo(1, 4);
    expect(Object.keys(hits[0] ?? {}).sort()).toEqual(['line', 'place', 'score', 'text']);
    // Line 3 is blank, so no row: line 7 is the 6th row.
    expect(hits[0]?.place).toBe(5);
    const long = hits.find((hit) => hit.line === 6);
    expect(Array.from(long?.text ?? '')).toHaveLength(PREVIEW_CHARS);
    expect(long?.text.endsWith('…')).toBe(true);

    const three = await h.ok('explore:search', { output, query: 'a recipe for tomato soup', top: 3 });
    expect(three.hits.map((hit) => hit.line)).toEqual(hits.slice(0, 3).map((hit) => hit.line));
  });

  it('says which chunk of its line each row of an output of chunks is, and where it is in the line', async () => {
    const output = await embedded('chunked', model, { onLong: 'chunk', chunkTokens: 24, chunkOverlap: 4 });
    const rows = (await readFile(output, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map(
        (text) =>
          JSON.parse(text) as { line: number; chunk: number; char_start: number; char_end: number; text: string },
      );
    const wanted = rows.find((row) => row.line === 6 && row.chunk === 2);
    if (!wanted) throw new Error('the long line has no third chunk');

    const { hits } = await h.ok('explore:search', { output, query: wanted.text, top: 100 });

    expect(hits[0]).toMatchObject({
      line: 6,
      chunk: { index: 2, charStart: wanted.char_start, charEnd: wanted.char_end },
      text: wanted.text,
    });
    expect(Array.from(LONG).slice(wanted.char_start, wanted.char_end).join('')).toBe(wanted.text);
    expect(hits).toHaveLength(rows.length);
    expect(new Set(hits.map((hit) => `${hit.line}:${hit.chunk?.index}`)).size).toBe(rows.length);
  });

  it('offers the catalog’s query prefix of the model that made the output', async () => {
    const entry = (await h.ok('models:catalog', {})).find((each) => each.queryPrefix !== '');
    if (!entry) throw new Error('the catalog has no model with a query prefix');
    const folder = join(h.dir, 'catalog-named');
    await mkdir(folder);
    const named = join(folder, entry.fileName);
    await copyFile(model, named);
    const output = await embedded('catalog-named', named);

    expect(await h.ok('explore:open', { output })).toMatchObject({
      modelFile: entry.fileName,
      queryPrefix: entry.queryPrefix,
    });
  });

  it('validates a search before running it, and has no file dialog without a host that provides one', async () => {
    expect(await h.ok('explore:pick', {})).toBeNull();
    expect(await failure('explore:search', { output: 'x.jsonl', query: '  ', top: 10 })).toMatchObject({
      code: 'INVALID_REQUEST',
      field: 'query',
      message: 'query: a query is required',
    });
    expect(await failure('explore:search', { output: 'x.jsonl', query: 'cat', top: 0 })).toMatchObject({
      code: 'INVALID_REQUEST',
      field: 'top',
    });
    expect(await failure('explore:open', { output: 'x.jsonl', extra: 1 })).toMatchObject({ field: 'extra' });
  });

  it('opens and searches a LanceDB table folder, and refuses another folder', async () => {
    const output = await embedded('table', model, {}, 'lance');

    expect(await h.ok('explore:open', { output })).toMatchObject({ output, format: 'lance', rows: 8 });
    const { hits } = await h.ok('explore:search', { output, query: 'a recipe for tomato soup', top: 3 });
    expect(hits[0]).toMatchObject({ line: 7, place: 5, text: 'a recipe for tomato soup' });
    expect(await failure('explore:open', { output: h.dir })).toMatchObject({
      code: 'NOT_A_FILE',
      message: `${h.dir} is not a file.`,
    });
  });

  it('refuses an output that is not there, or has no run record, saying what to do', async () => {
    const missing = join(h.dir, 'nowhere.jsonl');
    expect(await failure('explore:open', { output: missing })).toMatchObject({
      code: 'FILE_NOT_FOUND',
      message: `${missing} does not exist.`,
    });
    const output = await embedded('no-record');
    await rm(`${output}.run.json`);
    expect(await failure('explore:search', { output, query: 'cat', top: 5 })).toMatchObject({
      code: 'RUN_RECORD_INVALID',
      remedy: { kind: 'embedOutputAgain' },
    });
  });

  it('finds the run’s model in the models folder once moved there, and refuses another model in its place', async () => {
    const copy = join(h.dir, 'moved.gguf');
    await copyFile(model, copy);
    const output = await embedded('moved', copy);
    await h.ok('model:unload', {});
    const library = join(h.dir, 'library');
    await mkdir(library);
    await rename(copy, join(library, 'moved.gguf'));
    await h.ok('models:setDir', { path: library });

    const { hits } = await h.ok('explore:search', { output, query: 'the cat sat on the mat', top: 1 });
    expect(hits[0]).toMatchObject({ line: 1, text: 'the cat sat on the mat' });

    await copyFile(await testModelPath(OTHER), join(library, 'moved.gguf'));
    expect(await failure('explore:search', { output, query: 'cat', top: 1 })).toMatchObject({
      code: 'MODEL_MISMATCH',
      remedy: { kind: 'chooseRunModel', file: 'moved.gguf' },
    });
  });
});
