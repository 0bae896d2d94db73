import { basename, dirname, join, resolve } from 'node:path';
import { EmbeddingError } from '#core/errors';
import { catalogEntries, findCatalogModel } from '#core/library/modelCatalog';
import { describeModelFile } from '#core/library/modelFileInfo';
import {
  DOWNLOADS_FOLDER,
  incompleteDownloads,
  isFile,
  listModels,
  modelFilesToRemove,
  PARTIAL_EXTENSION,
  prepareModelsFolder,
  removeFiles,
} from '#core/library/modelsFolder';
import { pullModel } from '#core/library/pullModel';
import type { CatalogEntry, LocalModel, ModelDownload, ModelLibraryListing } from '#shared/modelLibrary';
import { EVENT_INTERVAL_MS } from '#shared/protocol';
import { Throttle } from './eventThrottle';
import type { Emit } from './jobEvents';
import { RequestError, toReplyError } from './requestError';
import type { SettingsStore } from './settingsStore';

/** Models loaded from elsewhere that are remembered. */
const RECENT_LIMIT = 8;

export interface ModelLibraryOptions {
  /** The models folder when the settings name none. */
  defaultDir: string;
  settings: SettingsStore;
  emit: Emit;
  /** See downloadModel; for tests. */
  stallTimeoutMs?: number;
}

/**
 * The host's side of the model library: the models folder (from the settings), the catalog with what of it is
 * downloaded, the models recently loaded from elsewhere, and one download at a time, whose progress it sends as
 * `models:download` events no more often than the job's events.
 */
export class ModelLibrary {
  private download: ModelDownload | null = null;
  private active: { abort: AbortController; done: Promise<unknown> } | null = null;
  private downloads = 0;
  private readonly events = new Throttle(EVENT_INTERVAL_MS, () => {
    if (this.download) this.options.emit('models:download', this.download);
  });

  constructor(private readonly options: ModelLibraryOptions) {}

  async dir(): Promise<string> {
    const { modelsDir } = await this.options.settings.get();
    return modelsDir ? modelsDir : this.options.defaultDir;
  }

  async list(): Promise<ModelLibraryListing> {
    const dir = await this.dir();
    const downloading = this.active ? this.download?.fileName : null;
    const [models, incomplete, recent] = await Promise.all([
      listModels(dir),
      incompleteDownloads(dir),
      this.recent(dir),
    ]);
    return {
      dir,
      defaultDir: this.options.defaultDir,
      models,
      incomplete: incomplete.filter((name) => name !== downloading),
      recent,
      download: this.download,
    };
  }

  async catalog(): Promise<CatalogEntry[]> {
    return catalogEntries(await this.dir());
  }

  /** Makes `path` the models folder (creating it), or goes back to the default one with null. */
  async setDir(path: string | null): Promise<ModelLibraryListing> {
    this.refuseWhileDownloading('change the models folder');
    const dir = path === null ? this.options.defaultDir : resolve(path);
    await prepareModelsFolder(dir);
    await this.options.settings.set({ modelsDir: path === null ? '' : dir });
    return this.list();
  }

  /** Downloads a catalog model, an hf: URI or a URL into the models folder; answers when it is done. */
  async pull(nameOrUri: string): Promise<LocalModel> {
    this.refuseWhileDownloading('start another download');
    const dir = await this.dir();
    const abort = new AbortController();
    this.downloads += 1;
    this.download = {
      id: this.downloads,
      uri: nameOrUri,
      fileName: null,
      status: 'starting',
      downloadedBytes: 0,
      totalBytes: null,
      bytesPerSecond: 0,
      etaMs: null,
      path: null,
      error: null,
    };
    this.events.touch();
    const pulled = pullModel(nameOrUri, {
      dir,
      signal: abort.signal,
      stallTimeoutMs: this.options.stallTimeoutMs,
      onStart: ({ fileName, totalBytes, resumedFromBytes }) =>
        this.update({ status: 'downloading', fileName, totalBytes, downloadedBytes: resumedFromBytes }),
      onProgress: ({ downloadedBytes, totalBytes, bytesPerSecond, etaMs }) =>
        this.update({ status: 'downloading', downloadedBytes, totalBytes, bytesPerSecond, etaMs }),
      onVerify: () => this.update({ status: 'verifying', bytesPerSecond: 0, etaMs: null }),
    });
    this.active = { abort, done: pulled.catch(() => undefined) };
    try {
      const { model } = await pulled;
      this.update({
        status: 'done',
        fileName: model.fileName,
        path: model.path,
        downloadedBytes: model.sizeBytes,
        totalBytes: model.sizeBytes,
        bytesPerSecond: 0,
        etaMs: 0,
      });
      return model;
    } catch (error) {
      const cancelled = error instanceof EmbeddingError && error.code === 'CANCELLED';
      this.update({
        status: cancelled ? 'cancelled' : 'failed',
        bytesPerSecond: 0,
        etaMs: null,
        error: toReplyError(error),
      });
      throw error;
    } finally {
      this.active = null;
      await this.events.flush();
    }
  }

  /** Stops the download in progress; what it fetched is kept for the next try. */
  cancelPull(): null {
    this.active?.abort.abort();
    return null;
  }

  /**
   * Deletes a model, or what an incomplete download left, from the models folder: only what the listing shows (see
   * modelFilesToRemove), never the download in progress or the model `loadedPath` the host has loaded.
   */
  async remove(name: string, loadedPath: string | null): Promise<ModelLibraryListing> {
    const dir = await this.dir();
    const alias = findCatalogModel(name)?.fileName;
    const files = (await modelFilesToRemove(dir, name, alias)).map((file) => resolve(file));
    const downloading = this.active ? this.download?.fileName : null;
    const downloadFiles = downloading
      ? [join(dir, downloading), join(dir, DOWNLOADS_FOLDER, downloading + PARTIAL_EXTENSION)]
      : [];
    if (downloadFiles.some((file) => files.includes(resolve(file)))) {
      throw new RequestError('BUSY', `${downloading} is being downloaded.`, 'Cancel the download first.');
    }
    if (loadedPath !== null && files.includes(resolve(loadedPath))) {
      throw new RequestError(
        'BUSY',
        `${basename(loadedPath)} is the loaded model.`,
        'Load another model first, then remove this one.',
      );
    }
    await removeFiles(files);
    return this.list();
  }

  /** Remembers a model that was loaded from outside the models folder, most recent first. */
  async remember(path: string): Promise<void> {
    const file = resolve(path);
    if (dirname(file) === resolve(await this.dir())) return;
    const { recentModels = [] } = await this.options.settings.get();
    await this.options.settings.set({
      recentModels: [file, ...recentModels.filter((each) => each !== file)].slice(0, RECENT_LIMIT),
    });
  }

  /** Cancels the download in progress and waits until it has stopped. */
  async dispose(): Promise<void> {
    this.active?.abort.abort();
    await this.active?.done;
    await this.events.flush();
  }

  private update(patch: Partial<ModelDownload>): void {
    if (!this.download) return;
    this.download = { ...this.download, ...patch };
    this.events.touch();
  }

  /** The remembered models that still exist outside the folder; the list forgets the others. */
  private async recent(dir: string): Promise<LocalModel[]> {
    const { recentModels = [] } = await this.options.settings.get();
    const folder = resolve(dir);
    const kept: string[] = [];
    for (const path of recentModels) if (dirname(path) !== folder && (await isFile(path))) kept.push(path);
    if (kept.length !== recentModels.length)
      await this.options.settings.set({ recentModels: kept }).catch(() => undefined);
    return Promise.all(kept.map((path) => describeModelFile(path)));
  }

  private refuseWhileDownloading(action: string): void {
    if (this.active)
      throw new RequestError(
        'BUSY',
        `Cannot ${action} while a model is downloading.`,
        'Wait for the download to finish, or cancel it.',
      );
  }
}
