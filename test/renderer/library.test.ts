import { describe, expect, it } from 'vitest';
import { createStudioStore } from '../../src/renderer/src/store/createStudioStore';
import { catalogEntryFor } from '../../src/renderer/src/store/librarySlice';
import type { ReplyError } from '#shared/contract';
import type { CatalogEntry, LocalModel, ModelDownload } from '#shared/modelLibrary';
import { emptyListing, FakeStudioApi, modelInfo, ok, settle } from './fakeStudioApi';

const DIR = emptyListing().dir;

function localModel(fileName: string, overrides: Partial<LocalModel> = {}): LocalModel {
  return {
    path: `${DIR}/${fileName}`,
    fileName,
    sizeBytes: 36_000_000,
    name: fileName.replace(/\.gguf$/, ''),
    architecture: 'bert',
    dimensions: 384,
    contextLength: 512,
    pooling: 'cls',
    quantization: 'Q8_0',
    embedding: true,
    problem: null,
    ...overrides,
  };
}

function catalogEntry(overrides: Partial<CatalogEntry> = {}): CatalogEntry {
  return {
    id: 'nomic-embed-text-v1.5',
    name: 'Nomic Embed Text v1.5',
    description: 'English.',
    uri: 'hf:nomic-ai/nomic-embed-text-v1.5-GGUF/nomic-embed-text-v1.5.Q8_0.gguf',
    fileName: 'nomic-embed-text-v1.5.Q8_0.gguf',
    sizeBytes: 146_146_432,
    dimensions: 768,
    contextLength: 2048,
    license: 'Apache-2.0',
    languages: 'English',
    documentPrefix: 'search_document: ',
    queryPrefix: 'search_query: ',
    recommended: false,
    matryoshka: true,
    source: 'https://huggingface.co/nomic-ai/nomic-embed-text-v1.5-GGUF',
    path: null,
    ...overrides,
  };
}

function download(id: number, overrides: Partial<ModelDownload> = {}): ModelDownload {
  return {
    id,
    uri: 'bge-small-en-v1.5',
    fileName: 'bge-small-en-v1.5-q8_0.gguf',
    status: 'downloading',
    downloadedBytes: 1000,
    totalBytes: 36_685_152,
    bytesPerSecond: 500,
    etaMs: 60_000,
    path: null,
    error: null,
    ...overrides,
  };
}

async function started(api = new FakeStudioApi()) {
  const store = createStudioStore(api);
  await store.getState().actions.init();
  await settle();
  return { api, store, actions: store.getState().actions };
}

describe('the model library in the store', () => {
  it('lists the models folder and the catalog when it starts', async () => {
    const api = new FakeStudioApi();
    api.reply('models:list', () => ok({ ...emptyListing(), models: [localModel('bge.gguf')] }));
    api.reply('models:catalog', () => ok([catalogEntry()]));
    const { store } = await started(api);
    expect(store.getState().library).toMatchObject({
      loaded: true,
      dir: DIR,
      dirText: DIR,
      models: [localModel('bge.gguf')],
      catalog: [catalogEntry()],
      error: null,
    });
  });

  it('downloads a model, makes it the model file and loads it when none is loaded', async () => {
    const api = new FakeStudioApi();
    const pulled = localModel('bge-small-en-v1.5-q8_0.gguf');
    api.reply('models:pull', () => ok(pulled));
    api.reply('model:load', () => ok(modelInfo({ path: pulled.path })));
    const { store, actions } = await started(api);
    actions.setPullUri(' bge-small-en-v1.5 ');
    await actions.pullModel(store.getState().library.uri);
    await settle();
    expect(api.requestsOf('models:pull')).toEqual([{ uri: 'bge-small-en-v1.5' }]);
    expect(store.getState().model.path).toBe(pulled.path);
    expect(api.requestsOf('model:load')).toEqual([expect.objectContaining({ path: pulled.path })]);
    expect(store.getState().library.uri).toBe('');
    expect(api.requestsOf('models:list').length).toBeGreaterThanOrEqual(2);
  });

  it('leaves a loaded model loaded, only filling in the downloaded one', async () => {
    const api = new FakeStudioApi();
    api.reply('model:info', () => ok(modelInfo()));
    api.reply('models:pull', () => ok(localModel('other.gguf')));
    const { store, actions } = await started(api);
    await actions.pullModel('hf:owner/repo/other.gguf');
    expect(store.getState().model.path).toBe(`${DIR}/other.gguf`);
    expect(api.requestsOf('model:load')).toEqual([]);
  });

  it('follows the download events, ignoring those of an older download', async () => {
    const { api, store } = await started();
    api.emit('models:download', download(2));
    api.emit('models:download', download(1, { downloadedBytes: 99 }));
    expect(store.getState().library.download).toEqual(download(2));
    api.emit('models:download', download(2, { status: 'done', downloadedBytes: 36_685_152 }));
    expect(store.getState().library.download?.status).toBe('done');
  });

  it('shows a refused download next to the field, and a failed one only in its download state', async () => {
    const api = new FakeStudioApi();
    const busy: ReplyError = { code: 'BUSY', message: 'Cannot start another download while a model is downloading.' };
    api.reply('models:pull', () => ({ ok: false, error: busy }));
    const { store, actions } = await started(api);
    await actions.pullModel('hf:owner/repo/m.gguf');
    expect(store.getState().library.error).toEqual(busy);

    const notFound: ReplyError = { code: 'DOWNLOAD_FAILED', message: 'Model not found.' };
    api.reply('models:pull', () => {
      api.emit('models:download', download(3, { uri: 'hf:owner/repo/gone.gguf', status: 'failed', error: notFound }));
      return { ok: false, error: notFound };
    });
    await actions.pullModel('hf:owner/repo/gone.gguf');
    expect(store.getState().library.error).toBeNull();
    expect(store.getState().library.download?.error).toEqual(notFound);
  });

  it('asks for an address before downloading nothing', async () => {
    const { api, store, actions } = await started();
    await actions.pullModel('   ');
    expect(api.requestsOf('models:pull')).toEqual([]);
    expect(store.getState().library.error?.message).toMatch(/Enter a catalog model/);
  });

  it('removes a model, changes the models folder, and cancels a download', async () => {
    const api = new FakeStudioApi();
    api.reply('models:remove', () => ok(emptyListing()));
    api.reply('models:setDir', ({ path }) => ok({ ...emptyListing(), dir: path ?? DIR }));
    api.reply('models:cancelPull', () => ok(null));
    const { store, actions } = await started(api);
    await actions.removeModel('bge.gguf');
    expect(api.requestsOf('models:remove')).toEqual([{ fileName: 'bge.gguf' }]);
    actions.setModelsDirText('/big/models');
    await actions.applyModelsDir();
    expect(store.getState().library).toMatchObject({ dir: '/big/models', dirText: '/big/models' });
    await actions.applyModelsDir(true);
    expect(api.requestsOf('models:setDir')).toEqual([{ path: '/big/models' }, { path: null }]);
    await actions.cancelPull();
    expect(api.requestsOf('models:cancelPull')).toEqual([{}]);
  });
});

describe('the catalog model a path is', () => {
  it('is found by its download path or by its file name', () => {
    const catalog = [catalogEntry({ path: `${DIR}/nomic-embed-text-v1.5.Q8_0.gguf` })];
    expect(catalogEntryFor(catalog, `${DIR}/nomic-embed-text-v1.5.Q8_0.gguf`)?.id).toBe('nomic-embed-text-v1.5');
    expect(catalogEntryFor(catalog, 'C:\\models\\nomic-embed-text-v1.5.Q8_0.gguf')?.id).toBe('nomic-embed-text-v1.5');
    expect(catalogEntryFor(catalog, '/models/other.gguf')).toBeNull();
    expect(catalogEntryFor(catalog, '  ')).toBeNull();
  });
});
