/**
 * The one contract between the engine host (Electron main, or serve mode) and the renderer: every request with the
 * schema its parameters are validated against, the result it answers with, and every event. Adding a request means
 * adding it here, handling it in src/host/studioService.ts, and calling it from the renderer.
 */
import { z } from 'zod';
import {
  GPU_CHOICES,
  INPUT_FORMATS,
  LONG_TEXT_POLICIES,
  NORMALIZATIONS,
  OUTPUT_FORMATS,
  PRECISIONS,
  type BatchStats,
  type Backend,
  type ChunkPlace,
  type ChunkWindow,
  type DocumentPlace,
  type EmbedJobSummary,
  type ModelInfo,
  type ProgressInfo,
  type SkippedLine,
} from './engine';
import { LIMITS, type Limit } from './limits';
import type { MapCluster } from './outputMap';
import type { ErrorCode, Remedy } from './errors';
import {
  isPlainFileName,
  type CatalogEntry,
  type LocalModel,
  type ModelDownload,
  type ModelLibraryListing,
} from './modelLibrary';

/** Trimmed text of one line, non-empty, with no NUL byte; `what` names it in the messages. */
const oneLine = (what: string, required: string) =>
  z
    .string()
    .trim()
    .min(1, required)
    .max(4096, `the ${what} is too long`)
    .refine((text) => !/[\0\n\r]/.test(text), `the ${what} contains a line break or NUL byte`);

/** An absolute or relative file path. */
const path = oneLine('path', 'a path is required');

const none = z.strictObject({});

/** A numeric option within its limits. */
const limited = (limit: Limit) => (limit.integer ? z.int() : z.number()).min(limit.min).max(limit.max);

/** A catalog model's name, an hf: URI or a URL. */
const modelSource = oneLine('address', 'a catalog model, an hf: URI or a URL is required');

/** A file name in the models folder, never a path. */
const modelFileName = z
  .string()
  .min(1, 'a file name is required')
  .max(255, 'the file name is too long')
  .refine(isPlainFileName, 'must be a file name, not a path');

export const modelLoadSchema = z.strictObject({
  path,
  gpu: z.enum(GPU_CHOICES),
  threads: limited(LIMITS.threads).nullable(),
  contextSize: limited(LIMITS.contextSize).nullable(),
});

/** Which files of a folder are its documents; null: every file of a kind read. */
const glob = oneLine('glob', 'a glob is required').nullable();

/**
 * `input:inspect`: a file, or a folder of documents (`glob` chooses them) whose first document's chunks are previewed
 * as a run with this prefix and these chunk sizes would cut them. Left out, the glob and chunk sizes are null and the
 * prefix empty.
 */
export const inputInspectSchema = z.strictObject({
  path,
  format: z.enum(INPUT_FORMATS).nullable(),
  field: z.string().trim().min(1).max(200).nullable(),
  glob: glob.default(null),
  prefix: z.string().max(1000).default(''),
  chunkTokens: limited(LIMITS.chunkTokens).nullable().default(null),
  chunkOverlap: limited(LIMITS.chunkOverlap).nullable().default(null),
});

export const jobSettingsSchema = z.strictObject({
  input: path,
  inputFormat: z.enum(INPUT_FORMATS).nullable(),
  field: z.string().trim().min(1).max(200).nullable(),
  /** Only for a folder input. */
  glob,
  output: path,
  format: z.enum(OUTPUT_FORMATS).nullable(),
  overwrite: z.boolean(),
  batchSize: limited(LIMITS.batchSize),
  normalize: z.enum(NORMALIZATIONS),
  /** Null: all dimensions. */
  dimensions: limited(LIMITS.dimensions).nullable(),
  precision: z.enum(PRECISIONS),
  prefix: z.string().max(1000),
  onLong: z.enum(LONG_TEXT_POLICIES),
  /** With the policies chunk and mean; null: the engine's default (what the context holds, a tenth of a chunk). */
  chunkTokens: limited(LIMITS.chunkTokens).nullable(),
  chunkOverlap: limited(LIMITS.chunkOverlap).nullable(),
  continueOnError: z.boolean(),
  memoryLimitMb: limited(LIMITS.memoryLimitMb).nullable(),
});
export type JobSettings = z.infer<typeof jobSettingsSchema>;

/**
 * `job:start`: the job settings, whether to continue the unfinished run of the output from its checkpoint, and an
 * earlier output of the same model and settings whose rows to reuse for the texts it has (`reuse`, null: none). Not
 * part of the settings remembered between sessions: each start chooses them anew. Left out, they are false and null;
 * `glob` left out is null (every document), `dimensions` null (all), `precision` float32 and the chunk sizes null, as for a client older than the
 * options.
 */
export const jobStartSchema = jobSettingsSchema.extend({
  glob: jobSettingsSchema.shape.glob.default(null),
  dimensions: jobSettingsSchema.shape.dimensions.default(null),
  precision: jobSettingsSchema.shape.precision.default('float32'),
  chunkTokens: jobSettingsSchema.shape.chunkTokens.default(null),
  chunkOverlap: jobSettingsSchema.shape.chunkOverlap.default(null),
  resume: z.boolean().default(false),
  reuse: path.nullable().default(null),
});
export type JobStart = z.output<typeof jobStartSchema>;

/** What the app remembers between sessions: the last choices made in the form. */
export const settingsSchema = z.strictObject({
  modelPath: z.string().max(4096),
  gpu: z.enum(GPU_CHOICES),
  threads: limited(LIMITS.threads).nullable(),
  contextSize: limited(LIMITS.contextSize).nullable(),
  job: jobSettingsSchema.partial(),
  /** Where models are listed and downloaded to; empty or absent: the default folder. */
  modelsDir: z.string().max(4096).optional(),
  /** Models loaded from outside the models folder, most recent first. */
  recentModels: z.array(z.string().max(4096)).max(50).optional(),
});
export type Settings = z.infer<typeof settingsSchema>;

/** `explore:search`: a query for the rows of a finished output nearest to it. */
export const exploreSearchSchema = z.strictObject({
  output: path,
  query: oneLine('query', 'a query is required'),
  top: limited(LIMITS.top),
  /** Put before the query; left out: none. */
  queryPrefix: z.string().max(1000).optional(),
});

/** Rows whose text previews `explore:rows` answers at a time: what a pointer hovers over, never a whole file. */
export const MAX_PREVIEW_ROWS = 1000;

/** Lines `explore:exportLines` writes at a time: more than any output has rows today. */
export const MAX_EXPORT_LINES = 100_000_000;

/** Groups `explore:duplicates` shows, and rows of each: its counts and exports cover every group. */
export const MAX_SHOWN_DUPLICATE_GROUPS = 50;
export const MAX_SHOWN_GROUP_ROWS = 20;

/** What `explore:exportDuplicates` writes: the groups as JSON Lines, or the rows to keep one a line. */
export const DUPLICATE_EXPORTS = ['groups', 'keep'] as const;

export const requestSchemas = {
  'system:info': none,
  'settings:get': none,
  'settings:set': settingsSchema.partial(),
  'model:pick': none,
  'model:load': modelLoadSchema,
  'model:info': none,
  'model:unload': none,
  'input:pick': none,
  'input:pickFolder': none,
  'input:inspect': inputInspectSchema,
  'output:pick': z.strictObject({ suggestedPath: z.string().max(4096).nullable() }),
  'output:reveal': z.strictObject({ path }),
  'output:unfinished': z.strictObject({ input: path, output: path }),
  'job:start': jobStartSchema,
  'job:pause': none,
  'job:resume': none,
  'job:cancel': none,
  'job:state': none,
  'models:list': none,
  'models:catalog': none,
  'models:setDir': z.strictObject({ path: path.nullable() }),
  'models:pull': z.strictObject({ uri: modelSource }),
  'models:cancelPull': none,
  'models:remove': z.strictObject({ fileName: modelFileName }),
  'explore:pick': none,
  'explore:open': z.strictObject({ output: path }),
  'explore:search': exploreSearchSchema,
  'explore:map': z.strictObject({ output: path }),
  'explore:rows': z.strictObject({
    output: path,
    places: z.array(limited(LIMITS.row)).min(1).max(MAX_PREVIEW_ROWS),
  }),
  'explore:cancel': none,
  'explore:index': z.strictObject({ output: path }),
  'explore:duplicates': z.strictObject({ output: path, threshold: limited(LIMITS.threshold) }),
  /** The duplicates at that threshold written to `path`; null: the save dialog asks where (the app only). */
  'explore:exportDuplicates': z.strictObject({
    output: path,
    threshold: limited(LIMITS.threshold),
    what: z.enum(DUPLICATE_EXPORTS),
    path: path.nullable(),
  }),
  'explore:neighbours': z.strictObject({ output: path, place: limited(LIMITS.row), top: limited(LIMITS.top) }),
  /** Lines chosen on the map written one a line to `path`; null: the save dialog asks where (the app only). */
  'explore:exportLines': z.strictObject({
    path: path.nullable(),
    lines: z.array(limited(LIMITS.line)).min(1).max(MAX_EXPORT_LINES),
  }),
} as const;

export type RequestName = keyof typeof requestSchemas;
export type RequestParams<K extends RequestName> = z.input<(typeof requestSchemas)[K]>;

export interface SystemInfo {
  platform: string;
  arch: string;
  cpuModel: string;
  cores: number;
  totalMemoryBytes: number;
  freeMemoryBytes: number;
  /** Backends this build of llama.cpp can use here, best first. */
  backends: Backend[];
  gpu: { name: string; vramTotalBytes: number; vramUsedBytes: number } | null;
}

/** What `input:inspect` found in a file without embedding it. */
export interface FileInputInfo {
  kind: 'file';
  path: string;
  sizeBytes: number;
  lines: number;
  format: (typeof INPUT_FORMATS)[number];
  /** The first lines as they will be read: texts, or the reason a line will be skipped. */
  preview: Array<{ line: number; text: string } | SkippedLine>;
  /** Token lengths of a sample of lines, measured with the loaded model's tokenizer; null with no model loaded. */
  tokens: { sampled: number; min: number; median: number; p95: number; max: number; overContext: number } | null;
}

/**
 * What `input:inspect` found in a folder of documents without embedding it: its documents by extension, and how its
 * first document that gives text is cut into chunks. Bounded whatever the folder holds: counts, never a listing.
 */
export interface FolderInputInfo {
  kind: 'folder';
  path: string;
  /** The glob that chose the documents: the one asked for, else the default (every kind read). */
  glob: string;
  /** The documents of a kind read, by extension (`.md`), most files first. */
  kinds: Array<{ extension: string; files: number; bytes: number }>;
  /** Files the glob chose that are of no kind read: each will be a skip log line (`unsupported`). */
  unsupported: { files: number; bytes: number };
  /** Files of the folder the glob does not choose (hidden files and links not counted). */
  leftOut: number;
  /** The first document (of the first few) that gives text, and its first text's first chunks; null: none does. */
  preview: DocumentPreview | null;
}

/** How the first text of a document is cut into chunks, as the run would cut it. */
export interface DocumentPreview {
  source: string;
  page: number | null;
  /** Null with no model loaded: its tokenizer cuts the chunks. */
  chunking: {
    window: ChunkWindow;
    /** The first chunks, in order, each text cut in its middle where long. */
    chunks: ChunkPreview[];
    /** The text has more chunks than these. */
    more: boolean;
  } | null;
}

export interface ChunkPreview {
  chunk: number;
  /** Tokens the model evaluates for it, special tokens and prefix included. */
  tokens: number;
  /** Its place in the document's (page's, record's) text, in code points, as its row gives it. */
  charStart: number;
  charEnd: number;
  /** Its text, or where that is long, its start and end around an ellipsis (`cut`). */
  text: string;
  cut: boolean;
}

export type InputInfo = FileInputInfo | FolderInputInfo;

/** What `explore:open` found beside an output: what its run record says of it, for Explore to show and search. */
export interface ExploredOutput {
  /** The output as asked for. */
  output: string;
  format: (typeof OUTPUT_FORMATS)[number];
  rows: number;
  /** The model that made it: its file name and the name it gives itself. */
  modelFile: string;
  modelName: string;
  /** The prefix put before every text of the run. */
  documentPrefix: string;
  /** The catalog's query prefix for that model; null where the catalog does not know the model. */
  queryPrefix: string | null;
  finishedAt: string;
  /** Its index, `<output>.index`: built from the output as it is now, not there, or not usable (and why). */
  index: ExploreIndexState;
}

export type ExploreIndexState =
  { state: 'fresh'; rows: number; builtAt: string } | { state: 'missing' } | { state: 'stale'; reason: string };

/** A group of duplicate rows as `explore:duplicates` shows it: its first rows, with their lines and texts' starts. */
export interface ExploreDuplicateGroup {
  /** Rows in the group, all of them. */
  size: number;
  /** The lowest similarity among the pairs that joined it (1 for rows of the same text). */
  minScore: number;
  /** Whether all its rows have one text. */
  exact: boolean;
  /** Its first MAX_SHOWN_GROUP_ROWS rows, in order. */
  rows: ExploreRow[];
}

/** What `explore:duplicates` found: counts of every group, and the first MAX_SHOWN_DUPLICATE_GROUPS groups. */
export interface ExploreDuplicates {
  output: string;
  threshold: number;
  groups: number;
  /** Groups whose rows all have one text. */
  exactGroups: number;
  rowsInGroups: number;
  /** The first row of each group and every row in none. */
  rowsToKeep: number;
  /** Groups of one text first, then the others, each in the order of its first row. */
  shown: ExploreDuplicateGroup[];
}

/**
 * One row `explore:search` found: its input line (and in an output of chunks, which chunk of it), cosine similarity
 * and (the start of) its text; never its vector.
 */
export interface ExploreHit {
  /** The row's place in the output, from 0 (what `explore:neighbours` asks by). */
  place: number;
  line: number;
  chunk?: ChunkPlace;
  /** In an output of a folder of documents: the document (file, page) the chunk is of. */
  document?: DocumentPlace;
  score: number;
  text: string;
}

/** A row of an output by its place in it (from 0): its line, which chunk of the line in an output of chunks, its text. */
export interface ExploreRow {
  place: number;
  line: number;
  chunk?: ChunkPlace;
  document?: DocumentPlace;
  text: string;
}

/**
 * What `explore:map` answers: the place and cluster of every row of an output (plain number arrays, in the output's
 * order), and its clusters; never vectors, and no texts (`explore:rows` gives a row's text when it is pointed at).
 */
export interface ExploreMap {
  output: string;
  rows: number;
  /** The input line of each row. */
  lines: number[];
  x: number[];
  y: number[];
  /** The cluster of each row: an index into `clusters`. */
  clusterIds: number[];
  clusters: MapCluster[];
}

export type JobStatus = 'idle' | 'running' | 'paused' | 'cancelling' | 'done' | 'failed' | 'cancelled';

export interface ReplyError {
  code: ErrorCode;
  message: string;
  /** What to do, in words: the host's own errors and the app's say it so; the app words an engine error's remedy. */
  hint?: string;
  /** What to do about an engine error, for the app to word with its own buttons and fields. */
  remedy?: Remedy;
  /** The request field a validation error is about. */
  field?: string;
  /** Files a failed run kept under `.partial` names. */
  partialFiles?: string[];
  /** The last input line a failed run's checkpoint vouches for: resuming the run continues after it. */
  resumeAfterLine?: number;
}

/**
 * What `output:unfinished` found: the checkpoint of a run of the output that did not finish (counts only, no vectors),
 * or of one that did every line and was stopped while giving its files their final names (`complete`), which the next
 * run of the output does first.
 */
export type UnfinishedRun = {
  /** The input file it read, as an absolute path. */
  input: string;
  /** That input is the one asked about (the same path once resolved), so the run can be resumed with it. */
  sameInput: boolean;
  /** The name of the model it used. */
  model: string;
} & (
  | {
      complete: false;
      /** Every input line up to this one is done; a resumed run continues after it. */
      lastLine: number;
      /** Lines embedded up to there. */
      embedded: number;
    }
  | { complete: true }
);

export interface JobState {
  status: JobStatus;
  jobId: number | null;
  settings: JobSettings | null;
  summary: EmbedJobSummary | null;
  /** The last progress of a stopped or running job. */
  progress: ProgressInfo | null;
  error: ReplyError | null;
  /** Totals of a job that stopped early, up to where it stopped. */
  partialStats: BatchStats | null;
}

/** The job state before any run, and what each new run starts from. */
export const IDLE_JOB: Readonly<JobState> = {
  status: 'idle',
  jobId: null,
  settings: null,
  summary: null,
  progress: null,
  error: null,
  partialStats: null,
};

export interface RequestResults {
  'system:info': SystemInfo;
  'settings:get': Settings;
  'settings:set': Settings;
  /** The picked path, or null when the dialog was closed (or dialogs are not available). */
  'model:pick': string | null;
  'model:load': ModelInfo;
  'model:info': ModelInfo | null;
  'model:unload': null;
  'input:pick': string | null;
  /** A folder of documents picked, or null when the dialog was closed (or dialogs are not available). */
  'input:pickFolder': string | null;
  'input:inspect': InputInfo;
  'output:pick': string | null;
  'output:reveal': null;
  /** The unfinished run of `output`, or null where there is none. */
  'output:unfinished': UnfinishedRun | null;
  'job:start': JobState;
  'job:pause': JobState;
  'job:resume': JobState;
  'job:cancel': JobState;
  'job:state': JobState;
  'models:list': ModelLibraryListing;
  'models:catalog': CatalogEntry[];
  /** With a null path: back to the default folder. */
  'models:setDir': ModelLibraryListing;
  /** Answers once the download is done (or with its error); `models:download` events report its progress. */
  'models:pull': LocalModel;
  'models:cancelPull': null;
  'models:remove': ModelLibraryListing;
  /** The picked embeddings file, or null when the dialog was closed (or dialogs are not available). */
  'explore:pick': string | null;
  'explore:open': ExploredOutput;
  /** Best first. */
  'explore:search': { hits: ExploreHit[] };
  /** Made, or read from `<output>.map.json`; `explore:mapProgress` events report the making. */
  'explore:map': ExploreMap;
  /** The rows at those of the places (from 0, as in the map's arrays) that the output has: line, chunk, text preview. */
  'explore:rows': { rows: ExploreRow[] };
  /** Stops the long work running (a map, an index, duplicates: its request then answers CANCELLED); null where none was. */
  'explore:cancel': null;
  /** Builds `<output>.index` (`explore:indexProgress` events report it) and answers its state once built. */
  'explore:index': ExploreIndexState;
  /** `explore:duplicatesProgress` events report the finding. */
  'explore:duplicates': ExploreDuplicates;
  /** Where they were written; null when the dialog was closed (or dialogs are not available). */
  'explore:exportDuplicates': { path: string | null };
  /** The row at the place (from 0, as in the map's arrays), and the rows nearest to it, itself left out, best first. */
  'explore:neighbours': { row: ExploreRow; hits: ExploreHit[] };
  /** Where the lines were written; null when the dialog was closed (or dialogs are not available). */
  'explore:exportLines': { path: string | null };
}
export type RequestResult<K extends RequestName> = RequestResults[K];

export type Reply<T> = { ok: true; value: T } | { ok: false; error: ReplyError };

/** One point of the live charts. */
export interface MetricsSample {
  /** Milliseconds since the job started, pauses included. */
  t: number;
  textsPerSecond: number;
  tokensPerSecond: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** VRAM in use on the GPU, null on CPU. */
  vramUsedBytes: number | null;
}

export interface EventPayloads {
  'job:progress': ProgressInfo & { jobId: number };
  'job:metrics': MetricsSample & { jobId: number };
  /**
   * Lines skipped or failed since the last log event, in line order: at most a few hundred. `omitted` (absent when none)
   * counts those left out after them to keep events small; the skip log file beside the output lists every one.
   */
  'job:log': { jobId: number; entries: SkippedLine[]; omitted?: number };
  'job:state': JobState;
  'models:download': ModelDownload;
  /**
   * While a model loads, what the user should know: it waits for an engine build under way, or it runs on
   * node-llama-cpp's prebuilt binary because the local build crashed on it.
   */
  'model:notice': { path: string; message: string };
  /** How far the map of `output` has got: its phase (sample, preview, layout, place) and the rows or epochs done. */
  'explore:mapProgress': { output: string; phase: string; done: number; total: number };
  /** Rows of `output` added to its index so far. */
  'explore:indexProgress': { output: string; done: number; total: number };
  /** How far the duplicates of `output` have got: an index built in memory (where it has no fresh one), then groups. */
  'explore:duplicatesProgress': { output: string; phase: 'index' | 'groups'; done: number; total: number };
}
export type EventName = keyof EventPayloads;

/** The contract as the renderer sees it, over Electron IPC or over HTTP and a WebSocket. */
export interface StudioApi {
  /** `electron`: native dialogs and drag-and-drop paths; `browser` (serve mode): paths are typed. */
  readonly host: 'electron' | 'browser';
  request<K extends RequestName>(name: K, params: RequestParams<K>): Promise<Reply<RequestResult<K>>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
  /** The file system path of a file dropped on the window, where the host can tell it. */
  pathForFile(file: File): string | null;
}

/** What a transport (Electron IPC, or serve mode's HTTP and WebSocket) needs from the engine host. */
export interface StudioBackend {
  /** Validates `params` against the request's schema, runs it, and answers with a value or an error; never throws. */
  handle(name: string, params: unknown): Promise<Reply<unknown>>;
  /** Every event, already throttled; returns the unsubscribe function. */
  subscribe(listener: <E extends EventName>(event: E, payload: EventPayloads[E]) => void): () => void;
}

export interface ServeRequestBody {
  name: RequestName;
  params: unknown;
}
export interface ServeEventMessage<E extends EventName = EventName> {
  event: E;
  payload: EventPayloads[E];
}
