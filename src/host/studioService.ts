import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { outputFingerprint } from '#core/checkpoint';
import { advice, EmbeddingError } from '#core/errors';
import { isFolder } from '#core/documents/documentReader';
import { inspectFolder } from '#core/documents/folderInspector';
import { inspectInput } from '#core/inputInspector';
import { resolveModel } from '#core/library/modelReference';
import { EmbeddingModel } from '#core/model';
import { watchEngineBuild } from '#core/engineBuild';
import { forkProbeWorker, probeModel, type ProbeLauncher, type ProbeWorker } from '#core/modelProbe';
import type { Duplicates } from '#core/search/duplicates';
import type {
  EventName,
  EventPayloads,
  JobStart,
  JobState,
  Reply,
  RequestName,
  RequestResult,
  StudioBackend,
} from '#shared/contract';
import type { ModelInfo } from '#shared/engine';
import type { Emit } from './jobEvents';
import {
  duplicatesSummary,
  exportDuplicates,
  exportLines,
  findExploredDuplicates,
  indexExplored,
  mapExplored,
  neighboursExplored,
  openOutput,
  rowsExplored,
  searchExplored,
  type ExploreContext,
} from './explore';
import { JobRunner } from './jobRunner';
import { ModelLibrary } from './modelLibrary';
import { RequestError, toReplyError } from './requestError';
import { isRequestName, parseParams, type ParsedParams } from './requestParams';
import { SettingsStore } from './settingsStore';
import { SystemInspector } from './systemInfo';
import { findUnfinishedRun } from './unfinishedRun';

/** The host's native file dialogs; serve mode has none, and its paths are typed instead. */
export interface Dialogs {
  pickModel(): Promise<string | null>;
  pickInput(): Promise<string | null>;
  /** A folder of documents to embed. */
  pickInputFolder(): Promise<string | null>;
  pickOutput(suggestedPath: string | null): Promise<string | null>;
  /** An embeddings file to explore. */
  pickEmbeddings(): Promise<string | null>;
  reveal(path: string): Promise<void>;
}

export interface StudioServiceOptions {
  dialogs: Dialogs | null;
  settingsFile: string;
  /**
   * The child process that tries a model file before it is loaded here: a worker file started as a node child, or a
   * launcher (the app's starts a utilityProcess).
   */
  probeWorker: ProbeWorker | ProbeLauncher;
  /** The models folder unless the settings choose another; default: `models` beside the settings file. */
  modelsDir?: string;
  /** No new bytes for this long stops a download as a lost connection; for tests. */
  downloadStallTimeoutMs?: number;
}

type Listener = Parameters<StudioBackend['subscribe']>[0];
type Handlers = { [K in RequestName]: (params: ParsedParams<K>) => RequestResult<K> | Promise<RequestResult<K>> };

/**
 * The engine host behind every transport (Electron IPC, serve mode's HTTP): holds the loaded model, the settings and
 * the one job, answers the contract's requests and sends its events. It never imports electron.
 */
export class StudioService implements StudioBackend {
  private readonly listeners = new Set<Listener>();
  private readonly probe: ProbeLauncher;
  private readonly dialogs: Dialogs | null;
  private readonly settings: SettingsStore;
  private readonly system = new SystemInspector();
  private readonly jobs: JobRunner;
  private readonly library: ModelLibrary;
  private readonly explore: ExploreContext;
  private model: EmbeddingModel | null = null;
  private loading: { abort: AbortController; done: Promise<unknown> } | null = null;
  private disposed = false;
  /** The long work of Explore running (a map, an index, duplicates), which `explore:cancel` (or another) stops. */
  private longWork: AbortController | null = null;
  /**
   * The last duplicates found, kept in memory so that exporting them does not find them again, while the output is as
   * it was (its size and fingerprint).
   */
  private duplicates: { output: string; threshold: number; stamp: string; found: Duplicates } | null = null;

  private readonly handlers: Handlers = {
    'system:info': () => this.system.info(),
    'settings:get': () => this.settings.get(),
    'settings:set': (patch) => this.settings.set(patch),
    'model:pick': () => this.dialogs?.pickModel() ?? null,
    'model:load': (params) => this.loadModel(params),
    'model:info': () => this.model?.info ?? null,
    'model:unload': () => this.unloadModel(),
    'input:pick': () => this.dialogs?.pickInput() ?? null,
    'input:pickFolder': () => this.dialogs?.pickInputFolder() ?? null,
    'input:inspect': async ({ path, format, field, ...folder }) =>
      (await isFolder(path))
        ? inspectFolder(path, { field, ...folder }, this.model)
        : inspectInput(path, { format, field }, this.model),
    'output:pick': ({ suggestedPath }) => this.dialogs?.pickOutput(suggestedPath) ?? null,
    'output:reveal': ({ path }) => this.reveal(path),
    'output:unfinished': ({ input, output }) => findUnfinishedRun(input, output),
    'job:start': (start) => this.startJob(start),
    'job:pause': () => this.jobs.pause(),
    'job:resume': () => this.jobs.resume(),
    'job:cancel': () => this.jobs.cancel(),
    'job:state': () => this.jobs.current,
    'models:list': () => this.library.list(),
    'models:catalog': () => this.library.catalog(),
    'models:setDir': ({ path }) => this.library.setDir(path),
    'models:pull': ({ uri }) => this.library.pull(uri),
    'models:cancelPull': () => this.library.cancelPull(),
    'models:remove': ({ fileName }) => this.library.remove(fileName, this.model?.info.path ?? null),
    'explore:pick': () => this.dialogs?.pickEmbeddings() ?? null,
    'explore:open': ({ output }) => openOutput(output, this.explore),
    'explore:search': (params) => searchExplored(params, this.explore),
    'explore:map': ({ output }) => this.exclusive((signal) => mapExplored(output, this.emit, signal)),
    'explore:index': ({ output }) => this.exclusive((signal) => indexExplored(output, this.emit, signal)),
    'explore:duplicates': async ({ output, threshold }) =>
      duplicatesSummary(output, threshold, await this.findDuplicates(output, threshold)),
    'explore:exportDuplicates': async ({ output, threshold, what, path }) => {
      const target =
        path ?? (await this.dialogs?.pickOutput(`duplicates.${what === 'groups' ? 'jsonl' : 'txt'}`)) ?? null;
      if (target === null) return { path: null };
      return exportDuplicates(target, what, await this.findDuplicates(output, threshold));
    },
    'explore:rows': ({ output, places }) => rowsExplored(output, places),
    'explore:neighbours': ({ output, place, top }) => neighboursExplored(output, place, top),
    'explore:exportLines': async ({ path, lines }) => {
      const target = path ?? (await this.dialogs?.pickOutput('lines.txt')) ?? null;
      return target === null ? { path: null } : exportLines(target, lines);
    },
    'explore:cancel': () => {
      this.longWork?.abort();
      return null;
    },
  };

  constructor(options: StudioServiceOptions) {
    this.dialogs = options.dialogs;
    this.probe = typeof options.probeWorker === 'function' ? options.probeWorker : forkProbeWorker(options.probeWorker);
    this.settings = new SettingsStore(options.settingsFile);
    this.jobs = new JobRunner(this.emit);
    this.library = new ModelLibrary({
      defaultDir: options.modelsDir ?? join(dirname(options.settingsFile), 'models'),
      settings: this.settings,
      emit: this.emit,
      stallTimeoutMs: options.downloadStallTimeoutMs,
    });
    this.explore = {
      modelsDir: () => this.library.dir(),
      catalog: () => this.library.catalog(),
      hardware: async () => {
        const { gpu, threads } = await this.settings.get();
        return { gpu, threads };
      },
      probe: this.probe,
    };
  }

  /** One long work at a time: asking for another (a map, an index, duplicates) stops the one running. */
  private async exclusive<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.longWork?.abort();
    const running = new AbortController();
    this.longWork = running;
    try {
      return await work(running.signal);
    } finally {
      if (this.longWork === running) this.longWork = null;
    }
  }

  /** The duplicates of `output` at `threshold`: the last found while the output is unchanged, else found now. */
  private async findDuplicates(output: string, threshold: number): Promise<Duplicates> {
    const { size, fingerprint } = await outputFingerprint(output).catch(() => ({ size: -1, fingerprint: '' }));
    const stamp = `${size}:${fingerprint}`;
    const last = this.duplicates;
    if (last && last.output === output && last.threshold === threshold && last.stamp === stamp) return last.found;
    const found = await this.exclusive((signal) => findExploredDuplicates(output, threshold, this.emit, signal));
    this.duplicates = { output, threshold, stamp, found };
    return found;
  }

  /** A job is running, paused, or stopping. */
  get busy(): boolean {
    return this.jobs.busy;
  }

  async handle(name: string, params: unknown): Promise<Reply<unknown>> {
    try {
      if (!isRequestName(name)) throw new RequestError('INVALID_REQUEST', `Unknown request "${name.slice(0, 100)}".`);
      if (this.disposed) throw new RequestError('BUSY', 'Embedding Studio is shutting down.');
      return { ok: true, value: await this.run(name, params) };
    } catch (error) {
      return { ok: false, error: toReplyError(error) };
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Cancels a running job and waits until it has stopped, e.g. before a window closes. */
  stopJob(): Promise<void> {
    return this.jobs.stop();
  }

  /** Cancels the job, any model load and any download and waits for them, stops Explore's long work, unloads the model. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.loading?.abort.abort();
    this.longWork?.abort();
    await Promise.all([this.jobs.stop(), this.loading?.done, this.library.dispose()]);
    await this.model?.dispose();
    this.model = null;
  }

  private run<K extends RequestName>(name: K, params: unknown): Promise<RequestResult<K>> | RequestResult<K> {
    const handler: (params: ParsedParams<K>) => RequestResult<K> | Promise<RequestResult<K>> = this.handlers[name];
    return handler(parseParams(name, params));
  }

  private readonly emit: Emit = <E extends EventName>(event: E, payload: EventPayloads[E]) => {
    for (const listener of this.listeners) {
      try {
        listener(event, payload);
      } catch {
        // A failing transport must not stop the job or keep the other transports from their events.
      }
    }
  };

  private async loadModel(params: ParsedParams<'model:load'>): Promise<ModelInfo> {
    this.refuseWhileBusy('load a model');
    const abort = new AbortController();
    const loaded = this.replaceModel(params, abort.signal);
    this.loading = { abort, done: loaded.catch(() => undefined) };
    let model: EmbeddingModel;
    try {
      model = await loaded;
    } finally {
      this.loading = null;
    }
    const { path, gpu, threads, contextSize } = params;
    await this.remember({ modelPath: path, gpu, threads, contextSize });
    await this.library.remember(model.info.path).catch(() => undefined);
    return model.info;
  }

  private async replaceModel(
    { path: name, gpu, threads, contextSize }: ParsedParams<'model:load'>,
    signal: AbortSignal,
  ): Promise<EmbeddingModel> {
    const notice = (message: string): void => this.emit('model:notice', { path: name, message });
    const stopWatching = watchEngineBuild(notice);
    try {
      const path = await this.modelFile(name);
      // A file that makes llama.cpp crash must not take the app down with it: it is tried in a child process first,
      // which also finds the binary that runs it.
      const probed = await probeModel(path, this.probe, { gpu, signal });
      if (probed.notice) notice(probed.notice);
      // The old model goes first: two models may not fit in memory together.
      await this.model?.dispose();
      this.model = null;
      this.model = await EmbeddingModel.load(path, {
        gpu,
        threads: threads ?? undefined,
        contextSize: contextSize ?? undefined,
        signal,
        binary: probed.binary,
      });
      return this.model;
    } finally {
      stopWatching();
    }
  }

  /** The file the model field names (see resolveModel); a model still to download is refused, not downloaded. */
  private async modelFile(name: string): Promise<string> {
    const reference = await resolveModel(name, await this.library.dir());
    if (reference.kind === 'file') return reference.path;
    throw new EmbeddingError('FILE_NOT_FOUND', `${name} is not in the models folder yet.`, {
      kind: 'downloadModel',
      catalog: reference.target.catalog !== null,
    });
  }

  private async unloadModel(): Promise<null> {
    this.refuseWhileBusy('unload the model');
    const model = this.model;
    this.model = null;
    await model?.dispose();
    return null;
  }

  private async startJob(start: JobStart): Promise<JobState> {
    if (this.loading)
      throw new RequestError('BUSY', 'A model is still loading.', 'Start the run once the model is loaded.');
    const state = await this.jobs.start(start, this.model);
    // Each may be a one-off choice (Resume unfinished run, Start over, an earlier output to reuse), not one for the next
    // session; the form saves its overwrite checkbox itself.
    const { resume: _resume, overwrite: _overwrite, reuse: _reuse, ...settings } = start;
    // A folder's documents are always cut into chunks: no choice of the policy for the files of the next session.
    const { onLong: _onLong, ...folderSettings } = settings;
    await this.remember({ job: (await isFolder(start.input)) ? folderSettings : settings });
    return state;
  }

  private async reveal(path: string): Promise<null> {
    if (!this.dialogs)
      throw new RequestError(
        'UNSUPPORTED',
        'Showing a file is not available here.',
        `Open its folder yourself: ${path}`,
      );
    if (!(await stat(path).catch(() => null)))
      throw new EmbeddingError(
        'FILE_NOT_FOUND',
        `${path} does not exist.`,
        advice('The file may have been moved or deleted.'),
      );
    await this.dialogs.reveal(path);
    return null;
  }

  private refuseWhileBusy(action: string): void {
    if (this.jobs.busy)
      throw new RequestError(
        'BUSY',
        `Cannot ${action} while a run is in progress.`,
        'Wait for the run to finish, or cancel it first.',
      );
    if (this.loading)
      throw new RequestError(
        'BUSY',
        `Cannot ${action} while a model is loading.`,
        'Wait for the model to finish loading.',
      );
  }

  /** Keeps the last choices for the next session; failing to save them must not fail the request that made them. */
  private async remember(patch: Parameters<SettingsStore['set']>[0]): Promise<void> {
    await this.settings.set(patch).catch(() => undefined);
  }
}
