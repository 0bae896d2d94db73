import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { ExploreDuplicates, ExploredOutput, ExploreIndexState, Reply } from '#shared/contract';
import { DuplicatesPanel, IndexPanel } from '../../src/renderer/src/components/LongWorkPanels';
import { createStudioStore } from '../../src/renderer/src/store/createStudioStore';
import { StoreProvider } from '../../src/renderer/src/store/StoreContext';
import { FakeStudioApi, ok, settle } from './fakeStudioApi';

const OUTPUT = '/data/notes.embeddings.jsonl';

function explored(index: ExploreIndexState = { state: 'missing' }): ExploredOutput {
  return {
    output: OUTPUT,
    format: 'jsonl',
    rows: 100,
    modelFile: 'bge-small-en-v1.5-q8_0.gguf',
    modelName: 'bge-small-en-v1.5',
    documentPrefix: '',
    queryPrefix: null,
    finishedAt: '2026-12-03T10:00:00.000Z',
    index,
  };
}

function duplicates(overrides: Partial<ExploreDuplicates> = {}): ExploreDuplicates {
  return {
    output: OUTPUT,
    threshold: 0.9,
    groups: 2,
    exactGroups: 1,
    rowsInGroups: 5,
    rowsToKeep: 97,
    shown: [
      {
        size: 3,
        minScore: 1,
        exact: true,
        rows: [
          { place: 4, line: 5, text: 'onion soup' },
          { place: 9, line: 12, text: 'onion soup' },
          { place: 30, line: 40, text: 'onion soup' },
        ],
      },
      {
        size: 2,
        minScore: 0.93,
        exact: false,
        rows: [
          { place: 6, line: 7, text: 'leek soup' },
          { place: 50, line: 60, text: 'leek soups' },
        ],
      },
    ],
    ...overrides,
  };
}

/** A reply the test gives when it chooses, to see the store while the request runs. */
function deferred<T>(): { promise: Promise<Reply<T>>; resolve: (reply: Reply<T>) => void } {
  let resolve: (reply: Reply<T>) => void = () => undefined;
  const promise = new Promise<Reply<T>>((done) => (resolve = done));
  return { promise, resolve };
}

async function opened(host: 'electron' | 'browser' = 'electron', index?: ExploreIndexState) {
  const api = new FakeStudioApi(host);
  api.reply('explore:open', () => ok(explored(index)));
  const store = createStudioStore(api);
  await store.getState().actions.init();
  await store.getState().actions.exploreOutput(OUTPUT);
  return { api, store, actions: store.getState().actions };
}

function render(store: ReturnType<typeof createStudioStore>, panel: 'index' | 'duplicates'): string {
  // renderToStaticMarkup renders what zustand gives a server render, the store's initial state: this one.
  store.getInitialState = store.getState;
  return renderToStaticMarkup(
    <StoreProvider store={store}>{panel === 'index' ? <IndexPanel /> : <DuplicatesPanel />}</StoreProvider>,
  );
}

describe('the index in Explore', () => {
  it('builds the index with progress and Cancel, then shows it fresh', async () => {
    const { api, store, actions } = await opened();
    expect(render(store, 'index')).toContain('No index yet');
    const reply = deferred<ExploreIndexState>();
    api.reply('explore:index', () => reply.promise);
    api.reply('explore:cancel', () => ok(null));

    const building = actions.buildIndex();
    await settle();
    api.emit('explore:indexProgress', { output: OUTPUT, done: 40, total: 100 });
    api.emit('explore:indexProgress', { output: '/data/other.jsonl', done: 90, total: 100 });

    expect(store.getState().explore.indexing).toEqual({ done: 40, total: 100 });
    const html = render(store, 'index');
    expect(html).toContain('Indexing: 40%');
    expect(html).toContain('>Cancel</button>');
    await actions.cancelLongWork();
    expect(api.requestsOf('explore:cancel')).toEqual([{}]);
    reply.resolve(ok({ state: 'fresh', rows: 100, builtAt: '2026-12-03T11:00:00.000Z' }));
    await building;

    expect(api.requestsOf('explore:index')).toEqual([{ output: OUTPUT }]);
    expect(store.getState().explore).toMatchObject({
      indexing: null,
      opened: { index: { state: 'fresh', rows: 100 } },
    });
    expect(render(store, 'index')).toContain('from 100 rows.');
    expect(render(store, 'index')).toContain('Rebuild the index');
  });

  it('says why a stale index is not used, and why a build failed', async () => {
    const { api, store, actions } = await opened('electron', { state: 'stale', reason: 'notes changed' });
    api.reply('explore:index', () => ({
      ok: false,
      error: { code: 'CANCELLED', message: 'The index was cancelled.' },
    }));

    await actions.buildIndex();

    const html = render(store, 'index');
    expect(html).toContain('Not used: notes changed.');
    expect(html).toContain('The index was cancelled.');
    expect(store.getState().explore.opened?.index).toEqual({ state: 'stale', reason: 'notes changed' });
  });
});

describe('duplicates in Explore', () => {
  it('finds them at the threshold chosen with progress, shows counts and groups, and a line shows its neighbours', async () => {
    const { api, store, actions } = await opened();
    const reply = deferred<ExploreDuplicates>();
    api.reply('explore:duplicates', () => reply.promise);
    api.reply('explore:neighbours', ({ place }) => ok({ row: { place, line: 12, text: 'onion soup' }, hits: [] }));

    actions.setThreshold(0.9);
    const finding = actions.findDuplicates();
    await settle();
    api.emit('explore:duplicatesProgress', { output: OUTPUT, phase: 'groups', done: 25, total: 100 });
    expect(render(store, 'duplicates')).toContain('Grouping: 25%');
    // One long work at a time: the index waits for the duplicates.
    await actions.buildIndex();
    expect(api.requestsOf('explore:index')).toEqual([]);
    reply.resolve(ok(duplicates()));
    await finding;

    expect(api.requestsOf('explore:duplicates')).toEqual([{ output: OUTPUT, threshold: 0.9 }]);
    const html = render(store, 'duplicates');
    expect(html).toContain('2 groups (1 of one text) of 5 rows at 0.9; 97 rows to keep.');
    expect(html).toContain('Same text, 3');
    expect(html).toContain('At least 0.930 alike, 2');
    expect(html).toContain('leek soups');
    await actions.showNeighbours(9);
    expect(api.requestsOf('explore:neighbours')).toEqual([{ output: OUTPUT, place: 9, top: 10 }]);
  });

  it('exports the groups and the rows to keep: through the save dialog in the app, to the typed path in a browser', async () => {
    const app = await opened('electron');
    app.api.reply('explore:duplicates', () => ok(duplicates()));
    app.api.reply('explore:exportDuplicates', ({ what }) => ok({ path: `/picked/${what}` }));
    await app.actions.findDuplicates();

    await app.actions.exportDuplicates('groups');

    expect(app.api.requestsOf('explore:exportDuplicates')).toEqual([
      { output: OUTPUT, threshold: 0.9, what: 'groups', path: null },
    ]);
    expect(render(app.store, 'duplicates')).toContain('Groups written to /picked/groups');

    const browser = await opened('browser');
    browser.api.reply('explore:duplicates', () => ok(duplicates()));
    browser.api.reply('explore:exportDuplicates', ({ path }) => ok({ path }));
    await browser.actions.findDuplicates();
    await browser.actions.exportDuplicates('keep');
    expect(browser.store.getState().explore.duplicatesError?.code).toBe('NO_PATH');
    browser.actions.setDuplicatesPath(' /data/keep.txt ');
    await browser.actions.exportDuplicates('keep');

    expect(browser.api.requestsOf('explore:exportDuplicates')).toEqual([
      { output: OUTPUT, threshold: 0.9, what: 'keep', path: '/data/keep.txt' },
    ]);
    expect(render(browser.store, 'duplicates')).toContain('Rows to keep written to /data/keep.txt');
  });

  it('forgets the duplicates and the index’s error of one output once another is opened', async () => {
    const { api, store, actions } = await opened();
    api.reply('explore:duplicates', () => ok(duplicates()));
    api.reply('explore:index', () => ({ ok: false, error: { code: 'INDEX_INVALID', message: 'Not an index.' } }));
    await actions.findDuplicates();
    await actions.buildIndex();
    api.reply('explore:open', ({ output }) => ok({ ...explored(), output }));
    expect(store.getState().explore.duplicates).not.toBeNull();
    expect(store.getState().explore.indexError).not.toBeNull();
    expect(render(store, 'duplicates')).toContain('groups');

    await actions.openExplored('/data/other.jsonl');

    expect(store.getState().explore).toMatchObject({ duplicates: null, indexError: null });
    expect(render(store, 'duplicates')).not.toContain('groups');
  });

  it('says so when no rows are alike', async () => {
    const { api, store, actions } = await opened();
    api.reply('explore:duplicates', () =>
      ok(duplicates({ threshold: 0.95, groups: 0, exactGroups: 0, rowsInGroups: 0, rowsToKeep: 100, shown: [] })),
    );

    await actions.findDuplicates();

    expect(render(store, 'duplicates')).toContain('No rows are at least 0.95 alike.');
  });
});
