import {
  IDLE_JOB,
  type EventName,
  type EventPayloads,
  type JobState,
  type Reply,
  type RequestName,
  type RequestParams,
  type RequestResult,
  type Settings,
  type StudioApi,
} from '#shared/contract';
import type { EmbedJobSummary, ModelInfo, ProgressInfo } from '#shared/engine';
import type { ModelLibraryListing } from '#shared/modelLibrary';

type Handler<K extends RequestName> = (
  params: RequestParams<K>,
) => Reply<RequestResult<K>> | Promise<Reply<RequestResult<K>>>;

/**
 * The transport boundary the store talks to: records every request, answers with canned replies, and lets a test emit
 * the host's events.
 */
export class FakeStudioApi implements StudioApi {
  readonly requests: Array<{ name: RequestName; params: unknown }> = [];
  private readonly handlers = new Map<RequestName, (params: unknown) => unknown>();
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>();
  paths = new Map<string, string>();

  constructor(readonly host: 'electron' | 'browser' = 'electron') {
    this.reply('settings:get', () => ok(defaultSettings()));
    this.reply('settings:set', () => ok(defaultSettings()));
    this.reply('model:info', () => ok(null));
    this.reply('job:state', () => ok(idleJob()));
    this.reply('output:unfinished', () => ok(null));
    this.reply('models:list', () => ok(emptyListing()));
    this.reply('models:catalog', () => ok([]));
    this.reply('system:info', () =>
      ok({
        platform: 'linux',
        arch: 'x64',
        cpuModel: 'Test CPU',
        cores: 4,
        totalMemoryBytes: 8 << 30,
        freeMemoryBytes: 4 << 30,
        backends: ['cpu'],
        gpu: null,
      }),
    );
  }

  reply<K extends RequestName>(name: K, handler: Handler<K>): void {
    this.handlers.set(name, handler as (params: unknown) => unknown);
  }

  async request<K extends RequestName>(name: K, params: RequestParams<K>): Promise<Reply<RequestResult<K>>> {
    this.requests.push({ name, params });
    const handler = this.handlers.get(name);
    if (!handler) return { ok: false, error: { code: 'UNSUPPORTED', message: `no fake reply for ${name}` } };
    return (await handler(params)) as Reply<RequestResult<K>>;
  }

  requestsOf(name: RequestName): unknown[] {
    return this.requests.filter((request) => request.name === name).map((request) => request.params);
  }

  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: EventPayloads[E]): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as (payload: EventPayloads[E]) => void)(payload);
  }

  listenerCount(): number {
    return [...this.listeners.values()].reduce((sum, set) => sum + set.size, 0);
  }

  pathForFile(file: File): string | null {
    return this.paths.get(file.name) ?? null;
  }
}

export const ok = <T>(value: T): Reply<T> => ({ ok: true, value });

export function defaultSettings(): Settings {
  return { modelPath: '', gpu: 'auto', threads: null, contextSize: null, job: {} };
}

export function emptyListing(): ModelLibraryListing {
  return {
    dir: '/home/me/.config/embedding-studio/models',
    defaultDir: '/home/me/.config/embedding-studio/models',
    models: [],
    incomplete: [],
    recent: [],
    download: null,
  };
}

export function idleJob(): JobState {
  return { ...IDLE_JOB };
}

export function jobState(jobId: number, status: JobState['status'], extra: Partial<JobState> = {}): JobState {
  return { ...idleJob(), jobId, status, ...extra };
}

export function modelInfo(overrides: Partial<ModelInfo> = {}): ModelInfo {
  return {
    path: '/models/mini.gguf',
    name: 'mini',
    fileSize: 45_000_000,
    architecture: 'bert',
    dimension: 384,
    pooling: 'mean',
    trainContextSize: 512,
    contextSize: 512,
    quantization: 'Q8_0',
    backend: 'cpu',
    gpuName: null,
    gpuLayers: 0,
    threads: 4,
    contexts: 2,
    engine: 'contexts',
    buildType: 'prebuilt',
    cpuFeatures: ['AVX2', 'FMA'],
    normalize: 'l2',
    prefix: '',
    onLong: 'truncate',
    dimensions: null,
    ...overrides,
  };
}

export function progress(linesDone: number, overrides: Partial<ProgressInfo> = {}): ProgressInfo {
  return {
    linesDone,
    totalLines: 100,
    fraction: linesDone / 100,
    embedded: linesDone,
    skipped: 0,
    failed: 0,
    tokens: linesDone * 10,
    batches: 1,
    elapsedMs: 1000,
    textsPerSecond: 50,
    tokensPerSecond: 500,
    averageTextsPerSecond: 50,
    averageTokensPerSecond: 500,
    etaMs: 1000,
    rssBytes: 100 << 20,
    heapUsedBytes: 20 << 20,
    done: false,
    ...overrides,
  };
}

/** Lets pending promise callbacks (replies of the fake) run; works with fake timers too. */
export async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn += 1) await Promise.resolve();
}

/** The summary of a finished run of 100 lines. */
export function jobSummary(): EmbedJobSummary {
  return {
    input: '/data/notes.txt',
    format: 'jsonl',
    outputs: ['/data/notes.embeddings.jsonl'],
    skipLog: '/data/notes.embeddings.skipped.jsonl',
    runRecord: '/data/notes.embeddings.run.json',
    outputBytes: 1_000_000,
    outputDimension: 384,
    precision: 'float32',
    resumedAfterLine: 0,
    shard: null,
    reusedFrom: null,
    model: modelInfo(),
    stats: {
      lines: 100,
      embedded: 98,
      reused: 0,
      skipped: 2,
      failed: 0,
      truncated: 1,
      skippedByReason: { blank: 2 },
      tokens: 1000,
      characters: 5000,
      batches: 4,
      elapsedMs: 2000,
      averageBatchMs: 500,
      textsPerSecond: 49,
      tokensPerSecond: 500,
      averageTokensPerText: 10,
      peakRssBytes: 200 << 20,
      time: { tokenizeMs: 100, decodeMs: 1700, readOutMs: 20, writeMs: 80, idleMs: 100 },
    },
  };
}
