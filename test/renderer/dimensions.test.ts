import { describe, expect, it } from 'vitest';
import type { CatalogEntry } from '#shared/modelLibrary';
import { createStudioStore } from '../../src/renderer/src/store/createStudioStore';
import { dimensionsNote } from '../../src/renderer/src/store/librarySlice';
import { FakeStudioApi, jobState, modelInfo, ok, settle } from './fakeStudioApi';

function catalogEntry(id: string, fileName: string, matryoshka: boolean): CatalogEntry {
  return {
    id,
    name: id,
    description: 'English.',
    uri: `hf:owner/repo/${fileName}`,
    fileName,
    sizeBytes: 1,
    dimensions: 768,
    contextLength: 512,
    license: 'MIT',
    languages: 'English',
    documentPrefix: '',
    queryPrefix: '',
    recommended: false,
    matryoshka,
    source: 'https://huggingface.co/owner/repo',
    path: null,
  };
}

const CATALOG = [
  catalogEntry('nomic-embed-text-v1.5', 'nomic-embed-text-v1.5.Q8_0.gguf', true),
  catalogEntry('bge-small-en-v1.5', 'bge-small-en-v1.5-q8_0.gguf', false),
];

describe('the dimensions setting', () => {
  it('warns beside the field for a model not trained for shorter vectors, and not for one that is', () => {
    expect(dimensionsNote(CATALOG, '/models/bge-small-en-v1.5-q8_0.gguf', 256)).toEqual({
      warning: true,
      text: 'bge-small-en-v1.5 is not known to be trained for shorter vectors (Matryoshka): its first 256 dimensions may search much worse than all of them.',
    });
    expect(dimensionsNote(CATALOG, '/elsewhere/mine.gguf', 64)).toMatchObject({
      warning: true,
      text: expect.stringMatching(/^This model is not known to be trained for shorter vectors/),
    });
    expect(dimensionsNote(CATALOG, '/models/nomic-embed-text-v1.5.Q8_0.gguf', 256)).toMatchObject({ warning: false });
    expect(dimensionsNote(CATALOG, '/models/bge-small-en-v1.5-q8_0.gguf', null)).toBeNull();
  });

  it('is sent with the run and saved with the settings', async () => {
    const api = new FakeStudioApi();
    api.reply('model:info', () => ok(modelInfo()));
    api.reply('input:inspect', () =>
      ok({ kind: 'file', path: '/data/notes.txt', sizeBytes: 20, lines: 2, format: 'text', preview: [], tokens: null }),
    );
    api.reply('job:start', () => ok(jobState(1, 'running')));
    const store = createStudioStore(api, { saveDelayMs: 0 });
    const { actions } = store.getState();
    await actions.init();
    await settle();
    actions.setInputPath('/data/notes.txt');
    await actions.inspectInput();
    actions.setNumber('dimensions', '256');
    await actions.start();
    await settle();
    expect(api.requestsOf('job:start')).toEqual([expect.objectContaining({ dimensions: 256 })]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(api.requestsOf('settings:set').at(-1)).toMatchObject({ job: { dimensions: 256 } });
  });
});
