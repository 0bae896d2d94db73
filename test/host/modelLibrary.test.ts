import { existsSync } from 'node:fs';
import { copyFile, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReplyError } from '#shared/contract';
import type { ModelDownload } from '#shared/modelLibrary';
import { EVENT_INTERVAL_MS } from '#shared/protocol';
import { startModelServer, type ModelServer } from '../support/modelServer';
import { testModelPath, TINY } from '../support/testModels';
import { serviceHarness } from './serviceHarness';

const h = await serviceHarness();
const modelsDir = join(h.dir, 'models');
let server: ModelServer;
let tiny: Buffer;

beforeAll(async () => {
  tiny = await readFile(await testModelPath(TINY));
  server = await startModelServer({ 'tiny.gguf': tiny, 'other.gguf': tiny });
});
afterAll(() => server.close());
afterEach(() => {
  server.behaviour = {};
  server.release();
});

async function failure(name: string, params: unknown): Promise<ReplyError> {
  const reply = await h.service.handle(name, params);
  if (reply.ok) throw new Error(`${name} succeeded`);
  return reply.error;
}

function downloads(since: number): ModelDownload[] {
  return h.of('models:download', since).map((event) => event.payload);
}

describe('the model library', () => {
  it('lists an empty models folder beside the settings, and the catalog with nothing downloaded', async () => {
    const listing = await h.ok('models:list', {});
    expect(listing).toEqual({
      dir: modelsDir,
      defaultDir: modelsDir,
      models: [],
      incomplete: [],
      recent: [],
      download: null,
    });
    const catalog = await h.ok('models:catalog', {});
    expect(catalog.find((entry) => entry.recommended)).toMatchObject({ id: 'bge-small-en-v1.5', path: null });
  });

  it('downloads a model with paced progress events, then lists it', async () => {
    const since = h.events.length;
    const model = await h.ok('models:pull', { uri: server.url('tiny.gguf') });
    expect(model).toMatchObject({
      path: join(modelsDir, 'tiny.gguf'),
      name: 'tiny-bert',
      dimensions: 32,
      embedding: true,
    });

    const events = downloads(since);
    expect(events[0]).toMatchObject({ status: 'starting', uri: server.url('tiny.gguf'), downloadedBytes: 0 });
    expect(events.at(-1)).toMatchObject({
      status: 'done',
      path: model.path,
      downloadedBytes: tiny.length,
      totalBytes: tiny.length,
      error: null,
    });
    expect(new Set(events.map((event) => event.id)).size).toBe(1);
    const times = h.of('models:download', since).map((event) => event.at);
    for (let i = 1; i < times.length; i += 1)
      expect((times[i] ?? 0) - (times[i - 1] ?? 0)).toBeGreaterThanOrEqual(EVENT_INTERVAL_MS - 1);

    const listing = await h.ok('models:list', {});
    expect(listing.models.map((each) => each.fileName)).toEqual(['tiny.gguf']);
    expect(listing.download).toMatchObject({ status: 'done' });
  });

  it('cancels a download on request', async () => {
    server.behaviour = { holdAt: 100_000 };
    const since = h.events.length;
    const pulling = h.service.handle('models:pull', { uri: server.url('other.gguf') });
    await h.waitFor('models:download', (download) => download.downloadedBytes >= 100_000, since);
    expect((await failure('models:pull', { uri: server.url('tiny.gguf') })).code).toBe('BUSY');
    expect(await h.ok('models:cancelPull', {})).toBeNull();

    const reply = await pulling;
    expect(reply.ok ? null : reply.error.code).toBe('CANCELLED');
    expect(downloads(since).at(-1)).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    expect(existsSync(join(modelsDir, 'other.gguf'))).toBe(false);
    expect((await h.ok('models:list', {})).download).toMatchObject({ status: 'cancelled', fileName: 'other.gguf' });
  });

  it('reports a failed download in the reply and in its last event', async () => {
    const since = h.events.length;
    const error = await failure('models:pull', { uri: server.url('missing.gguf') });
    expect(error).toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/404 Not Found/) });
    expect(downloads(since).at(-1)).toMatchObject({ status: 'failed', error });
  });

  it('removes a model, but not the loaded model, and refuses a path for a file name', async () => {
    await h.ok('models:pull', { uri: server.url('other.gguf') });
    await h.ok('model:load', { path: join(modelsDir, 'other.gguf'), gpu: 'cpu', threads: 1, contextSize: 64 });
    expect(await failure('models:remove', { fileName: 'other.gguf' })).toMatchObject({ code: 'BUSY' });
    const listing = await h.ok('models:remove', { fileName: 'tiny.gguf' });
    expect(listing.models.map((each) => each.fileName)).toEqual(['other.gguf']);
    await h.ok('model:unload', {});
    expect((await h.ok('models:remove', { fileName: 'other.gguf' })).models).toEqual([]);
    expect(await failure('models:remove', { fileName: '../settings.json' })).toMatchObject({
      code: 'INVALID_REQUEST',
      field: 'fileName',
    });
  });

  it('removes only what the listing shows: not another file of the folder, a link out of it, or a path', async () => {
    const victim = join(h.dir, 'victim.gguf');
    await copyFile(await testModelPath(TINY), victim);
    await writeFile(join(modelsDir, 'notes.txt'), 'my notes');
    await symlink(victim, join(modelsDir, 'linked.gguf'));
    try {
      expect(await failure('models:remove', { fileName: 'notes.txt' })).toMatchObject({
        code: 'NOT_GGUF',
        message: `${join(modelsDir, 'notes.txt')} is not a GGUF model (.gguf); nothing was removed.`,
      });
      expect(await failure('models:remove', { fileName: 'linked.gguf' })).toMatchObject({
        code: 'NOT_A_FILE',
        message: expect.stringMatching(/is a symbolic link/),
      });
      expect(await failure('models:remove', { fileName: victim })).toMatchObject({
        code: 'INVALID_REQUEST',
        field: 'fileName',
      });
      expect(await readFile(join(modelsDir, 'notes.txt'), 'utf8')).toBe('my notes');
      expect(existsSync(victim)).toBe(true);
    } finally {
      // The folder is shared by the tests after this one.
      await rm(join(modelsDir, 'notes.txt'));
      await rm(join(modelsDir, 'linked.gguf'));
    }
  });

  it('loads a model of the folder by its listed name, with or without .gguf, and refuses one not downloaded yet', async () => {
    await copyFile(await testModelPath(TINY), join(modelsDir, 'hidden-model.gguf'));
    for (const path of ['hidden-model', 'hidden-model.gguf']) {
      expect(await h.ok('model:load', { path, gpu: 'cpu', threads: 1, contextSize: 64 })).toMatchObject({
        path: join(modelsDir, 'hidden-model.gguf'),
      });
    }
    expect(await failure('models:remove', { fileName: 'hidden-model' })).toMatchObject({
      code: 'BUSY',
      message: 'hidden-model.gguf is the loaded model.',
    });
    await h.ok('model:unload', {});
    expect((await h.ok('settings:get', {})).modelPath).toBe('hidden-model.gguf');
    expect((await h.ok('models:list', {})).recent).toEqual([]);
    expect((await h.ok('models:remove', { fileName: 'hidden-model' })).models).toEqual([]);
    expect(await failure('model:load', { path: 'bge-m3', gpu: 'cpu', threads: 1, contextSize: 64 })).toEqual({
      code: 'FILE_NOT_FOUND',
      message: 'bge-m3 is not in the models folder yet.',
      remedy: { kind: 'downloadModel', catalog: true },
    });
  });

  it('remembers models loaded from elsewhere, and forgets those that are gone', async () => {
    const elsewhere = join(h.dir, 'elsewhere.gguf');
    await copyFile(await testModelPath(TINY), elsewhere);
    await h.ok('model:load', { path: elsewhere, gpu: 'cpu', threads: 1, contextSize: 64 });
    await h.ok('model:unload', {});
    expect((await h.ok('models:list', {})).recent).toEqual([
      expect.objectContaining({ path: elsewhere, name: 'tiny-bert' }),
    ]);
    await rm(elsewhere);
    expect((await h.ok('models:list', {})).recent).toEqual([]);
    expect((await h.ok('settings:get', {})).recentModels).toEqual([]);
  });

  it('moves to another models folder and back to the default one', async () => {
    const other = join(h.dir, 'other-models');
    expect(await h.ok('models:setDir', { path: other })).toMatchObject({
      dir: other,
      defaultDir: modelsDir,
      models: [],
    });
    expect(existsSync(other)).toBe(true);
    expect((await h.ok('settings:get', {})).modelsDir).toBe(other);
    expect((await h.ok('models:setDir', { path: null })).dir).toBe(modelsDir);
  });
});
