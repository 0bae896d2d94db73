import { describe, expect, it } from 'vitest';
import type { ExploredOutput } from '#shared/contract';
import { createStudioStore } from '../../src/renderer/src/store/createStudioStore';
import { shortcutOf, type KeyPress } from '../../src/renderer/src/store/shortcuts';
import { FakeStudioApi, jobState, jobSummary, ok, settle } from './fakeStudioApi';

const OUTPUT = '/data/notes.embeddings.jsonl';

function press(key: string, more: Partial<KeyPress> = {}): KeyPress {
  const code = /^\d$/.test(key) ? `Digit${key}` : `Key${key.toUpperCase()}`;
  return { key, code, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, typing: false, ...more };
}

function explored(overrides: Partial<ExploredOutput> = {}): ExploredOutput {
  return {
    output: OUTPUT,
    format: 'jsonl',
    rows: 100,
    modelFile: 'bge-small-en-v1.5-q8_0.gguf',
    modelName: 'bge-small-en-v1.5',
    documentPrefix: '',
    queryPrefix: 'Represent this sentence for searching relevant passages: ',
    finishedAt: '2026-12-03T10:00:00.000Z',
    index: { state: 'missing' },
    ...overrides,
  };
}

async function started(api = new FakeStudioApi()) {
  api.reply('explore:open', ({ output }) => ok(explored({ output })));
  const store = createStudioStore(api);
  await store.getState().actions.init();
  return { api, store };
}

describe('keyboard shortcuts', () => {
  it('switch views with Ctrl or Cmd and 1, 2, 3 (or Alt, whatever character Alt makes), also while typing', () => {
    expect(shortcutOf(press('1', { ctrlKey: true }))).toEqual({ kind: 'view', view: 'models' });
    expect(shortcutOf(press('2', { metaKey: true, typing: true }))).toEqual({ kind: 'view', view: 'embed' });
    expect(shortcutOf({ ...press('3', { altKey: true }), key: '£' })).toEqual({ kind: 'view', view: 'explore' });
    expect(shortcutOf(press('4', { ctrlKey: true }))).toBeNull();
    expect(shortcutOf(press('1'))).toBeNull();
    expect(shortcutOf(press('1', { ctrlKey: true, shiftKey: true }))).toBeNull();
    expect(shortcutOf(press('1', { ctrlKey: true, altKey: true }))).toBeNull();
  });

  it('go to the search box with Ctrl/Cmd+K anywhere, and with / only where no field takes the key', () => {
    expect(shortcutOf(press('k', { ctrlKey: true, typing: true }))).toEqual({ kind: 'search' });
    expect(shortcutOf(press('K', { metaKey: true }))).toEqual({ kind: 'search' });
    expect(shortcutOf(press('/'))).toEqual({ kind: 'search' });
    expect(shortcutOf(press('/', { typing: true }))).toBeNull();
    expect(shortcutOf(press('k'))).toBeNull();
  });
});

describe('the views', () => {
  it('start on Embed and follow the shortcuts; the search shortcut shows Explore and asks its box for the focus once', async () => {
    const { store } = await started();
    const { actions } = store.getState();
    expect(store.getState().view).toEqual({ current: 'embed', focusSearch: false });

    actions.applyShortcut({ kind: 'view', view: 'models' });
    expect(store.getState().view.current).toBe('models');
    actions.applyShortcut({ kind: 'search' });
    expect(store.getState().view).toEqual({ current: 'explore', focusSearch: true });
    actions.searchFocused();
    expect(store.getState().view.focusSearch).toBe(false);
  });

  it('take a dropped file to Embed, where it shows', async () => {
    const { api, store } = await started();
    api.paths.set('notes.txt', '/data/notes.txt');
    store.getState().actions.showView('models');
    store.getState().actions.dropFiles([{ name: 'notes.txt' } as File]);
    expect(store.getState().view.current).toBe('embed');
    expect(store.getState().input.path).toBe('/data/notes.txt');
  });
});

describe('Explore in the store', () => {
  it('opens the output of the run just finished when shown, once, with the catalog’s query prefix', async () => {
    const { api, store } = await started();
    store.getState().actions.showView('explore');
    await settle();
    expect(api.requestsOf('explore:open')).toEqual([]);

    api.emit('job:state', jobState(1, 'done', { summary: jobSummary() }));
    store.getState().actions.showView('explore');
    await settle();
    expect(api.requestsOf('explore:open')).toEqual([{ output: OUTPUT }]);
    expect(store.getState().explore).toMatchObject({
      path: OUTPUT,
      opened: { rows: 100 },
      queryPrefix: 'Represent this sentence for searching relevant passages: ',
    });

    // The user chose another file since: showing Explore again keeps it.
    store.getState().actions.setExplorePath('/data/other.parquet');
    await store.getState().actions.openExplored();
    store.getState().actions.showView('embed');
    store.getState().actions.showView('explore');
    await settle();
    expect(store.getState().explore.opened?.output).toBe('/data/other.parquet');
    expect(api.requestsOf('explore:open')).toHaveLength(2);
  });

  it('searches the opened output with the query, the prefix as edited and the count chosen', async () => {
    const { api, store } = await started();
    api.reply('explore:search', () =>
      ok({ hits: [{ place: 5, line: 7, score: 0.99, text: 'a recipe for tomato soup' }] }),
    );
    const { actions } = store.getState();
    await actions.exploreOutput(OUTPUT);
    expect(store.getState().view.current).toBe('explore');
    actions.setQueryPrefix('query: ');
    actions.setTop(25);
    actions.setQuery('  tomato soup ');
    await actions.search();

    expect(api.requestsOf('explore:search')).toEqual([
      { output: OUTPUT, query: 'tomato soup', top: 25, queryPrefix: 'query: ' },
    ]);
    expect(store.getState().explore).toMatchObject({ searching: false, hits: [{ line: 7 }], error: null });
  });

  it('lists the neighbours of a result picked, by its place in the output, and forgets them for another output', async () => {
    const { api, store } = await started();
    const row = { place: 5, line: 7, text: 'a recipe for tomato soup' };
    api.reply('explore:neighbours', () => ok({ row, hits: [{ place: 9, line: 12, score: 0.9, text: 'onion soup' }] }));
    const { actions } = store.getState();
    await actions.exploreOutput(OUTPUT);
    actions.setTop(25);

    await actions.showNeighbours(5);

    expect(api.requestsOf('explore:neighbours')).toEqual([{ output: OUTPUT, place: 5, top: 25 }]);
    expect(store.getState().explore.neighbours).toEqual({
      row,
      hits: [{ place: 9, line: 12, score: 0.9, text: 'onion soup' }],
    });
    await actions.openExplored('/data/other.parquet');
    expect(store.getState().explore.neighbours).toBeNull();
  });

  it('asks for a file before opening nothing, and searches nothing for an empty query', async () => {
    const { api, store } = await started();
    await store.getState().actions.openExplored();
    expect(store.getState().explore.openError).toMatchObject({ code: 'NO_PATH' });
    store.getState().actions.setQuery('   ');
    await store.getState().actions.search();
    expect(api.requestsOf('explore:open')).toEqual([]);
    expect(api.requestsOf('explore:search')).toEqual([]);
  });

  it('shows a refused search and a refused file with what to do, in the app’s words', async () => {
    const { api, store } = await started();
    api.reply('explore:search', () => ({
      ok: false,
      error: {
        code: 'MODEL_MISMATCH',
        message: '/models/x.gguf is not the model that made it',
        remedy: { kind: 'chooseRunModel', file: 'x.gguf' },
      },
    }));
    await store.getState().actions.exploreOutput(OUTPUT);
    store.getState().actions.setQuery('soup');
    await store.getState().actions.search();
    expect(store.getState().explore.error?.hint).toBe(
      'Put the model that made the output, x.gguf, back where its run found it or in the models folder (see Models), then search again.',
    );

    api.reply('explore:open', () => ({
      ok: false,
      error: { code: 'RUN_RECORD_INVALID', message: 'no run record', remedy: { kind: 'embedOutputAgain' } },
    }));
    await store.getState().actions.openExplored('/data/old.jsonl');
    expect(store.getState().explore).toMatchObject({ opened: null, hits: null });
    expect(store.getState().explore.openError?.hint).toMatch(/^Embed its input again with “Replace the output/);
  });
});
