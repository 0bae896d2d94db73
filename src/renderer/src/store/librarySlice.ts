import type { CatalogEntry, ModelLibraryListing } from '#shared/modelLibrary';
import type { Slice, SliceContext } from './sliceContext';
import { isActive } from './startGuard';
import type { LibraryActions, LibrarySlice } from './types';

function emptyLibrary(): LibrarySlice {
  return {
    loaded: false,
    dir: '',
    defaultDir: '',
    models: [],
    incomplete: [],
    recent: [],
    catalog: [],
    download: null,
    uri: '',
    dirText: '',
    error: null,
  };
}

/** The catalog model a model path is: its download in the models folder, or a file of the same name. */
export function catalogEntryFor(catalog: readonly CatalogEntry[], path: string): CatalogEntry | null {
  const trimmed = path.trim();
  if (!trimmed) return null;
  const fileName = trimmed.slice(Math.max(trimmed.lastIndexOf('/'), trimmed.lastIndexOf('\\')) + 1);
  return (
    catalog.find((entry) => entry.path === trimmed) ?? catalog.find((entry) => entry.fileName === fileName) ?? null
  );
}

/**
 * What keeping the first `dimensions` of each vector does with the model at `path`: fine for a catalog model trained
 * for it (Matryoshka), a warning for any other; null when every dimension is kept.
 */
export function dimensionsNote(
  catalog: readonly CatalogEntry[],
  path: string,
  dimensions: number | null,
): { warning: boolean; text: string } | null {
  if (dimensions === null) return null;
  const entry = catalogEntryFor(catalog, path);
  if (entry?.matryoshka)
    return { warning: false, text: `${entry.name} was trained for shorter vectors: its first dimensions work alone.` };
  return {
    warning: true,
    text: `${entry ? entry.name : 'This model'} is not known to be trained for shorter vectors (Matryoshka): its first ${dimensions} dimensions may search much worse than all of them.`,
  };
}

/** The model library's part of the store: the models folder, the catalog, and downloads. */
export function createLibrarySlice(context: SliceContext): Slice<'library', LibraryActions> {
  const { api, get } = context;
  const patch = (value: Partial<LibrarySlice>): void => context.patch('library', value);
  /** The form's actions, to fill in and load a downloaded model. */
  const form = () => get().actions;

  function showListing(listing: ModelLibraryListing, keepDirText = false): void {
    const { dir, defaultDir, models, incomplete, recent, download } = listing;
    const current = get().library.download;
    patch({
      dir,
      defaultDir,
      models,
      incomplete,
      recent,
      // An event may already have brought a newer state of the download than this listing.
      download: !download || (current && current.id > download.id) ? current : download,
      dirText: keepDirText ? get().library.dirText : dir,
    });
  }

  const actions: LibraryActions = {
    async refreshLibrary() {
      const [listing, catalog] = await Promise.all([api.request('models:list', {}), api.request('models:catalog', {})]);
      if (listing.ok) showListing(listing.value, get().library.loaded);
      if (catalog.ok) patch({ catalog: catalog.value });
      const failed = [listing, catalog].find((reply) => !reply.ok);
      patch({ loaded: true, error: failed && !failed.ok ? failed.error : null });
    },

    setPullUri(uri) {
      patch({ uri, error: null });
    },

    async pullModel(uri) {
      const source = uri.trim();
      if (!source) {
        return patch({
          error: {
            code: 'NO_PATH',
            message: 'Enter a catalog model, an hf: URI or the URL of a .gguf file first.',
            hint: 'For example hf:owner/repo/model.gguf.',
          },
        });
      }
      patch({ error: null });
      const reply = await api.request('models:pull', { uri: source });
      if (reply.ok) {
        if (get().library.uri.trim() === source) patch({ uri: '' });
        form().setModelPath(reply.value.path);
        const { model, job } = get();
        if (!model.info && !model.loading && !isActive(job.status)) void form().loadModel();
      }
      // Listed before a refusal is shown: the listing clears the library's error.
      await actions.refreshLibrary();
      if (!reply.ok) {
        const { download } = get().library;
        // A download that started says why it stopped itself; a request refused before it started does not.
        const reported = download?.uri === source && (download.status === 'failed' || download.status === 'cancelled');
        if (!reported) patch({ error: reply.error });
      }
    },

    async cancelPull() {
      const reply = await api.request('models:cancelPull', {});
      if (!reply.ok) patch({ error: reply.error });
    },

    async removeModel(fileName) {
      const reply = await api.request('models:remove', { fileName });
      if (reply.ok) showListing(reply.value, true);
      patch({ error: reply.ok ? null : reply.error });
      if (reply.ok) await refreshCatalog();
    },

    setModelsDirText(text) {
      patch({ dirText: text, error: null });
    },

    async applyModelsDir(useDefault = false) {
      const text = get().library.dirText.trim();
      const reply = await api.request('models:setDir', { path: useDefault || !text ? null : text });
      if (reply.ok) {
        showListing(reply.value);
        await refreshCatalog();
      }
      patch({ error: reply.ok ? null : reply.error });
    },
  };

  async function refreshCatalog(): Promise<void> {
    const catalog = await api.request('models:catalog', {});
    if (catalog.ok) patch({ catalog: catalog.value });
  }

  return { state: { library: emptyLibrary() }, actions };
}
