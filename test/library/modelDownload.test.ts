import { existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { appendFile, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingError } from '#core/errors';
import type { DownloadProgress } from '#core/library/downloadMeter';
import { cutToServedSize, downloadModel, type DownloadModelOptions } from '#core/library/modelDownload';
import { DOWNLOADS_FOLDER } from '#core/library/modelsFolder';
import { pullModel } from '#core/library/pullModel';
import { tempDir } from '../support/files';
import { startModelServer, type ModelServer } from '../support/modelServer';
import { testModelPath, TINY, WIDE_VOCAB } from '../support/testModels';

const MIB = 1024 * 1024;

let server: ModelServer;
let tiny: Buffer;
let wide: Buffer;

beforeAll(async () => {
  [tiny, wide] = await Promise.all([readFile(await testModelPath(TINY)), readFile(await testModelPath(WIDE_VOCAB))]);
  server = await startModelServer({
    'tiny.gguf': tiny,
    'wide.gguf': wide,
    'bge-small-en-v1.5-q8_0.gguf': tiny,
    'notes.gguf': Buffer.from('<!DOCTYPE html><html><body>not a model</body></html>\n'),
  });
});
afterAll(() => server.close());
afterEach(() => {
  server.behaviour = {};
  server.release();
});

/** Downloads `name` from the test server, recording progress, and returns the outcome or the error. */
async function download(dir: string, name: string, options: Partial<DownloadModelOptions> = {}) {
  const progress: DownloadProgress[] = [];
  const started: unknown[] = [];
  const result = await downloadModel({
    uri: server.url(name),
    dir,
    onStart: (start) => started.push(start),
    onProgress: (each) => progress.push(each),
    ...options,
  }).then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
  return { result, progress, started };
}

function rangeBytes(since: number): number {
  return server.requests
    .slice(since)
    .reduce((sum, request) => sum + (request.range && request.range !== 'bytes=0-0' ? request.bytes : 0), 0);
}

function expectError(result: { ok: boolean; error?: unknown }, code: string, message: RegExp): EmbeddingError {
  expect(result.ok).toBe(false);
  const error = result.error;
  expect(error).toBeInstanceOf(EmbeddingError);
  expect((error as EmbeddingError).code).toBe(code);
  expect((error as EmbeddingError).message).toMatch(message);
  expect((error as EmbeddingError).remedy).toBeDefined();
  return error as EmbeddingError;
}

/** Resolves once a progress report reaches `bytes`. */
function progressReaching(bytes: number): { reached: Promise<void>; onProgress: (progress: DownloadProgress) => void } {
  let resolve = (): void => undefined;
  const reached = new Promise<void>((done) => {
    resolve = done;
  });
  return { reached, onProgress: (progress) => progress.downloadedBytes >= bytes && resolve() };
}

/** Compared by digest: comparing megabytes of buffers element by element takes vitest minutes. */
function digest(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function digestOf(path: string): Promise<string> {
  return digest(await readFile(path));
}

/** Waits until `condition` holds, checking every few milliseconds. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await sleep(20);
}

describe('downloading a model', () => {
  it('saves it under its name, reports progress up to its size, and describes it', async () => {
    const dir = await tempDir();
    const { result, progress, started } = await download(dir, 'tiny.gguf');
    if (!result.ok) throw result.error;
    expect(await digestOf(join(dir, 'tiny.gguf'))).toBe(digest(tiny));
    expect(result.value).toMatchObject({ alreadyPresent: false, resumedFromBytes: 0 });
    expect(result.value.model).toMatchObject({
      fileName: 'tiny.gguf',
      name: 'tiny-bert',
      dimensions: 32,
      contextLength: 128,
      pooling: 'mean',
      embedding: true,
    });
    expect(started).toEqual([{ fileName: 'tiny.gguf', totalBytes: tiny.length, resumedFromBytes: 0 }]);
    const bytes = progress.map((each) => each.downloadedBytes);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(progress.at(-1)).toMatchObject({
      downloadedBytes: tiny.length,
      totalBytes: tiny.length,
      etaMs: 0,
      fileName: 'tiny.gguf',
    });
    expect(readdirSync(join(dir, DOWNLOADS_FOLDER))).toEqual([]);
  });

  it('finds a model already in the folder without asking the server', async () => {
    const dir = await tempDir();
    await download(dir, 'tiny.gguf');
    const before = server.requests.length;
    const { result } = await download(dir, 'tiny.gguf');
    expect(result.ok && result.value.alreadyPresent).toBe(true);
    expect(server.requests.length).toBe(before);
  });

  it('shows the file under its final name only once it is complete', async () => {
    const dir = await tempDir();
    server.behaviour = { holdAt: 100_000 };
    const half = progressReaching(100_000);
    const running = download(dir, 'tiny.gguf', { onProgress: half.onProgress });
    await half.reached;
    expect(existsSync(join(dir, 'tiny.gguf'))).toBe(false);
    expect(readdirSync(join(dir, DOWNLOADS_FOLDER))).not.toContain('tiny.gguf');
    server.release();
    const { result } = await running;
    expect(result.ok).toBe(true);
    expect(await digestOf(join(dir, 'tiny.gguf'))).toBe(digest(tiny));
  });

  it('recovers from a connection dropped once mid-file', async () => {
    const dir = await tempDir();
    server.behaviour = { dropAt: 100_000, dropOnce: true };
    const { result } = await download(dir, 'tiny.gguf');
    expect(result.ok).toBe(true);
    expect(await digestOf(join(dir, 'tiny.gguf'))).toBe(digest(tiny));
  });
});

describe('the downloader saving its resume state after the file has ended', () => {
  it('does not leave that state on the end of the model, even when it is written after the download has returned', async () => {
    const path = join(await tempDir(), 'tiny.gguf');
    const state = JSON.stringify({ part: 0, chunks: [2], chunkSize: 5 * MIB, parallelStreams: 3 });
    await writeFile(path, Buffer.concat([tiny, Buffer.from(state)]));
    const lateSave = sleep(30).then(() => appendFile(path, state));
    await cutToServedSize([{ path, size: tiny.length }]);
    await lateSave;
    expect(await digestOf(path)).toBe(digest(tiny));
  });
});

describe('an interrupted download', () => {
  it('is cancelled on request, keeps what it fetched, and the next download resumes from there', async () => {
    const dir = await tempDir();
    server.behaviour = { holdAt: 7 * MIB };
    const abort = new AbortController();
    const running = download(dir, 'wide.gguf', { signal: abort.signal });
    // The downloader saves which chunks are complete after the file's bytes: a longer file has some saved.
    const partial = join(dir, DOWNLOADS_FOLDER, 'wide.gguf.ipull');
    await until(async () => ((await stat(partial).catch(() => null))?.size ?? 0) > wide.length);
    abort.abort();
    expectError((await running).result, 'CANCELLED', /download was cancelled/);
    expect(existsSync(join(dir, 'wide.gguf'))).toBe(false);
    expect(readdirSync(join(dir, DOWNLOADS_FOLDER))).toEqual(['wide.gguf.ipull']);

    server.behaviour = {};
    const since = server.requests.length;
    const { result, started } = await download(dir, 'wide.gguf');
    if (!result.ok) throw result.error;
    expect(result.value.resumedFromBytes).toBeGreaterThanOrEqual(5 * MIB);
    expect(started).toEqual([expect.objectContaining({ resumedFromBytes: result.value.resumedFromBytes })]);
    expect(rangeBytes(since)).toBeLessThanOrEqual(wide.length - 5 * MIB);
    expect(await digestOf(join(dir, 'wide.gguf'))).toBe(digest(wide));
  });

  it('stops with a clear message when the connection keeps dropping, and resumes once it holds', async () => {
    const dir = await tempDir();
    server.behaviour = { dropAt: 7 * MIB };
    const first = await download(dir, 'wide.gguf', { stallTimeoutMs: 1500 });
    const error = expectError(
      first.result,
      'DOWNLOAD_FAILED',
      /^The download from 127\.0\.0\.1:\d+ stopped: no data for 2 s/,
    );
    expect(error.remedy).toEqual({ kind: 'advice', text: expect.stringMatching(/resumes/) });
    expect(existsSync(join(dir, 'wide.gguf'))).toBe(false);

    server.behaviour = {};
    const since = server.requests.length;
    const { result } = await download(dir, 'wide.gguf');
    if (!result.ok) throw result.error;
    expect(result.value.resumedFromBytes).toBeGreaterThan(0);
    expect(rangeBytes(since)).toBeLessThan(wide.length);
    expect(await digestOf(join(dir, 'wide.gguf'))).toBe(digest(wide));
  });
});

describe('a download that cannot succeed', () => {
  it('says the model is not found (404) and leaves nothing behind', async () => {
    const dir = await tempDir();
    const { result } = await download(dir, 'missing.gguf');
    expectError(
      result,
      'DOWNLOAD_FAILED',
      /^Model not found: http:\/\/127\.0\.0\.1:\d+\/files\/missing\.gguf answered 404 Not Found\.$/,
    );
    expect(readdirSync(dir)).toEqual([DOWNLOADS_FOLDER]);
    expect(readdirSync(join(dir, DOWNLOADS_FOLDER))).toEqual([]);
  });

  it('deletes a file that turns out not to be GGUF, and says so', async () => {
    const dir = await tempDir();
    const { result } = await download(dir, 'notes.gguf');
    expectError(result, 'NOT_GGUF', /served is not a GGUF model file; it was deleted/);
    expect(readdirSync(dir)).toEqual([DOWNLOADS_FOLDER]);
    expect(readdirSync(join(dir, DOWNLOADS_FOLDER))).toEqual([]);
  });

  it('says when the server cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const result = await downloadModel({ uri: `http://127.0.0.1:${port}/model.gguf`, dir: await tempDir() }).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    expectError(
      result,
      'DOWNLOAD_FAILED',
      new RegExp(`^Could not reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)\\.$`),
    );
  });

  it('refuses a model the disk has no room for before fetching it', async () => {
    const dir = await tempDir();
    const since = server.requests.length;
    const { result } = await download(dir, 'wide.gguf', { freeSpace: () => Promise.resolve(MIB) });
    expectError(result, 'OUTPUT_UNWRITABLE', /is full: the model needs 15 MiB more, 1\.0 MiB is free\.$/);
    expect(rangeBytes(since)).toBe(0);
  });
});

describe('pulling by catalog name or hf: URI', () => {
  const endpoint = process.env.HF_ENDPOINT;
  afterEach(() => {
    if (endpoint === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = endpoint;
  });

  it('downloads a catalog model from its Hugging Face repository under the catalog file name', async () => {
    process.env.HF_ENDPOINT = server.origin;
    const dir = await tempDir();
    const since = server.requests.length;
    const { model } = await pullModel('bge-small-en-v1.5', { dir });
    expect(model.path).toBe(join(dir, 'bge-small-en-v1.5-q8_0.gguf'));
    expect(server.requests.slice(since).map((request) => request.path)).toContain(
      '/ggml-org/bge-small-en-v1.5-Q8_0-GGUF/resolve/main/bge-small-en-v1.5-q8_0.gguf',
    );
  });

  it('finds an hf: URI downloaded before without the network', async () => {
    process.env.HF_ENDPOINT = server.origin;
    const dir = await tempDir();
    const uri = 'hf:someone/tiny-GGUF/tiny.gguf';
    const first = await pullModel(uri, { dir });
    const since = server.requests.length;
    const again = await pullModel(uri, { dir });
    expect(again).toMatchObject({ alreadyPresent: true, model: { path: first.model.path } });
    expect(server.requests.length).toBe(since);
  });

  it('refuses a name that is neither a catalog model nor an address', async () => {
    await expect(pullModel('no-such-model', { dir: await tempDir() })).rejects.toMatchObject({
      code: 'BAD_OPTION',
      message: expect.stringContaining('neither a catalog model'),
    });
  });
});
