import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { FolderInputInfo, JobStart } from '#shared/contract';
import { InputPanel } from '../../src/renderer/src/components/InputPanel';
import { SettingsPanel } from '../../src/renderer/src/components/SettingsPanel';
import { createStudioStore, type StudioStore } from '../../src/renderer/src/store/createStudioStore';
import { StoreProvider } from '../../src/renderer/src/store/StoreContext';
import { FakeStudioApi, jobState, modelInfo, ok } from './fakeStudioApi';

const FOLDER = '/data/notes';

function folderInfo(overrides: Partial<FolderInputInfo> = {}): FolderInputInfo {
  return {
    kind: 'folder',
    path: FOLDER,
    glob: '**/*.md',
    kinds: [
      { extension: '.md', files: 12, bytes: 48_000 },
      { extension: '.pdf', files: 2, bytes: 2_000_000 },
    ],
    unsupported: { files: 1, bytes: 300 },
    leftOut: 3,
    preview: {
      source: 'a/intro.md',
      page: null,
      chunking: {
        window: { tokens: 24, overlap: 4 },
        chunks: [
          {
            chunk: 0,
            tokens: 24,
            charStart: 2,
            charEnd: 50,
            text: 'the quick brown fox jumps over the lazy dog.',
            cut: false,
          },
          { chunk: 1, tokens: 20, charStart: 40, charEnd: 90, text: 'lazy dog. the quick brown fox jumps', cut: false },
        ],
        more: true,
      },
    },
    ...overrides,
  };
}

async function withFolder(api = new FakeStudioApi('browser')): Promise<{ api: FakeStudioApi; store: StudioStore }> {
  api.reply('model:info', () => ok(modelInfo()));
  api.reply('input:inspect', () => ok(folderInfo()));
  const store = createStudioStore(api, { saveDelayMs: 0 });
  await store.getState().actions.init();
  const { actions } = store.getState();
  actions.setInputPath(FOLDER);
  actions.setInputGlob(' **/*.md ');
  actions.setNumber('chunkTokens', '24');
  await actions.inspectInput();
  return { api, store };
}

function render(store: StudioStore, panel: 'input' | 'settings'): string {
  // renderToStaticMarkup renders what zustand gives a server render, the store's initial state: this one.
  store.getInitialState = store.getState;
  return renderToStaticMarkup(
    <StoreProvider store={store}>{panel === 'input' ? <InputPanel /> : <SettingsPanel />}</StoreProvider>,
  );
}

describe('a folder as the input', () => {
  it('is inspected with the glob and the chunk sizes and prefix the run will use', async () => {
    const { api, store } = await withFolder();
    store.getState().actions.setPrefix('search_document: ');
    await Promise.resolve();
    const asked = api.requestsOf('input:inspect');
    expect(asked.at(-2)).toEqual({
      path: FOLDER,
      format: null,
      field: null,
      glob: '**/*.md',
      prefix: '',
      chunkTokens: 24,
      chunkOverlap: null,
    });
    // A folder's chunk preview follows the prefix (and the chunk sizes).
    expect(asked.at(-1)).toMatchObject({ prefix: 'search_document: ' });
    expect(store.getState().input.info?.kind).toBe('folder');
  });

  it('runs as chunk with its glob, whatever the policy chosen for files, which is the one remembered', async () => {
    const { api, store } = await withFolder();
    api.reply('job:start', () => ok(jobState(1, 'running')));
    const { actions } = store.getState();
    actions.setOnLong('truncate');
    actions.setOutputPath('/data/notes.jsonl');
    await actions.start();
    const [start] = api.requestsOf('job:start') as JobStart[];
    expect(start).toMatchObject({
      input: FOLDER,
      inputFormat: null,
      glob: '**/*.md',
      onLong: 'chunk',
      chunkTokens: 24,
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    const saved = api.requestsOf('settings:set').at(-1) as { job: Partial<JobStart> };
    expect(saved.job).toMatchObject({ input: FOLDER, glob: '**/*.md', onLong: 'truncate' });
  });

  it('shows the documents by kind with their sizes, the glob, and the first chunks with their tokens', async () => {
    const { store } = await withFolder();
    const html = render(store, 'input');
    expect(html).toContain('Input file or folder');
    expect(html).toContain('<dt>Documents</dt><dd>14 (2.0 MiB)</dd>');
    expect(html).toContain('<dt>.md</dt><dd>12 files, 47 KiB</dd>');
    expect(html).toContain('1 file (300 B) the glob chooses is of no kind read');
    expect(html).toContain('3 other files of the folder are left out by the glob');
    expect(html).toContain('id="input-glob"');
    expect(html).toContain('value=" **/*.md "');
    expect(html).not.toContain('id="input-format"');
    expect(html).toContain('Chunks of a/intro.md');
    expect(html).toContain('Chunk 0 · 24 tokens · characters 2–50');
    // What chunk 1 repeats of chunk 0 (characters 40 to 50) is marked.
    expect(html).toContain(
      '<mark class="chunk-overlap" title="Repeated from the chunk before">lazy dog. </mark>the quick',
    );
    expect(html).toContain('… and more chunks after these.');
  });

  it('says to load a model where there is no chunk preview, and offers Browse folder… in the app only', async () => {
    const api = new FakeStudioApi('electron');
    const { store } = await withFolder(api);
    store.setState({
      input: { ...store.getState().input, info: folderInfo({ preview: { source: 'r.pdf', page: 1, chunking: null } }) },
    });
    const html = render(store, 'input');
    expect(html).toContain('Load a model to see how r.pdf p.1 is cut into chunks.');
    expect(html).toContain('Browse folder…');
    expect(render((await withFolder()).store, 'input')).not.toContain('Browse folder…');
  });

  it('asks for a folder in the host dialog and inspects it', async () => {
    const api = new FakeStudioApi('electron');
    api.reply('input:pickFolder', () => ok(FOLDER));
    api.reply('input:inspect', () => ok(folderInfo()));
    const store = createStudioStore(api, { saveDelayMs: 0 });
    await store.getState().actions.pickInputFolder();
    expect(store.getState().input).toMatchObject({ path: FOLDER, info: { kind: 'folder' } });
  });

  it('shows the long-text policy of a folder as chunk, with its chunk sizes', async () => {
    const { store } = await withFolder();
    store.getState().actions.setOnLong('truncate');
    const html = render(store, 'settings');
    expect(html).toContain('Always cut into chunks, a row each');
    expect(html).not.toContain('id="on-long" ');
    expect(html).toContain('id="chunk-tokens"');
    expect(html).toContain('id="chunk-overlap"');
  });
});
