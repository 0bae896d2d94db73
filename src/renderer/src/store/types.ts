import type {
  DUPLICATE_EXPORTS,
  ExploreDuplicates,
  ExploredOutput,
  ExploreHit,
  ExploreMap,
  ExploreRow,
  InputInfo,
  JobSettings,
  JobStatus,
  MetricsSample,
  ReplyError,
  SystemInfo,
  UnfinishedRun,
} from '#shared/contract';
import type {
  BatchStats,
  EmbedJobSummary,
  GpuChoice,
  InputFormat,
  LongTextPolicy,
  ModelInfo,
  Normalization,
  OutputFormat,
  Precision,
  ProgressInfo,
  SkippedLine,
} from '#shared/engine';
import type { CatalogEntry, LocalModel, ModelDownload } from '#shared/modelLibrary';
import type { NumberField } from './numberFields';
import type { Shortcut } from './shortcuts';

/** An error shown next to the control that caused it: what went wrong and what to do about it. */
export type UiError = ReplyError;

/** The views of the window: the model library, the form and run, and the search of a finished output. */
export type ViewName = 'models' | 'embed' | 'explore';

export interface ViewSlice {
  current: ViewName;
  /** A shortcut asked for Explore's search box: it takes the focus once shown. */
  focusSearch: boolean;
}

export interface ExploreSlice {
  /** The embeddings file as typed or picked. */
  path: string;
  /** What its run record says, once opened. */
  opened: ExploredOutput | null;
  opening: boolean;
  /** Why the file could not be opened: not there, no run record… */
  openError: UiError | null;
  /** The output of the finished run Explore last opened by itself: a newer run's is opened when Explore is shown. */
  lastRun: string | null;
  query: string;
  /** Put before the query: the catalog's query prefix for the output's model where known, as edited. */
  queryPrefix: string;
  top: number;
  searching: boolean;
  /** The results of the last search, best first; null before any. */
  hits: ExploreHit[] | null;
  /** Why the last search failed: a model that is gone or not the run's… */
  error: UiError | null;
  /** The map of the opened output: rows' places and clusters, never vectors; null before it is asked for. */
  map: ExploreMap | null;
  /** While the map is made: its phase and how far it has got. */
  mapping: { phase: string; done: number; total: number } | null;
  mapError: UiError | null;
  /** The row picked (a result, or a point of the map) and its nearest rows. */
  neighbours: { row: ExploreRow; hits: ExploreHit[] } | null;
  neighboursError: UiError | null;
  /** The lines the lasso holds, in line order. */
  selection: number[];
  /** Where Export lines writes them (typed in the browser; the app asks with a dialog). */
  exportPath: string;
  /** Where they were last written. */
  exported: string | null;
  /** While the opened output's index is built: the rows added so far. */
  indexing: { done: number; total: number } | null;
  indexError: UiError | null;
  /** The cosine similarity from which rows are near-duplicates. */
  threshold: number;
  /** What the last search for duplicates found: counts, and the first groups. */
  duplicates: ExploreDuplicates | null;
  /** While duplicates are looked for: the phase (an index built in memory, then groups) and the rows done. */
  findingDuplicates: { phase: 'index' | 'groups'; done: number; total: number } | null;
  duplicatesError: UiError | null;
  /** Where an export of the duplicates writes (typed in the browser; the app asks with a dialog). */
  duplicatesPath: string;
  /** What was last exported, and where. */
  duplicatesExported: { what: DuplicateExport; path: string } | null;
}

export type DuplicateExport = (typeof DUPLICATE_EXPORTS)[number];

export interface ModelSlice {
  /** The path as typed, picked or dropped; may differ from the loaded model's. */
  path: string;
  info: ModelInfo | null;
  loading: boolean;
  error: UiError | null;
  /** What the host said about the last load: a wait for an engine build, a fallback to the prebuilt binary. */
  notice: string | null;
}

export interface LibrarySlice {
  /** False until the host listed the models folder and the catalog. */
  loaded: boolean;
  dir: string;
  defaultDir: string;
  models: LocalModel[];
  incomplete: string[];
  recent: LocalModel[];
  catalog: CatalogEntry[];
  /** The download in progress, or the last one. */
  download: ModelDownload | null;
  /** The catalog name, hf: URI or URL typed to download. */
  uri: string;
  /** The models folder as typed, until it is applied. */
  dirText: string;
  /** A request about the library that was refused: listing, removing, changing the folder, starting a download. */
  error: UiError | null;
}

export interface InputSlice {
  path: string;
  /** null: detect from the file. */
  format: InputFormat | null;
  /** The JSON field holding the text, for JSONL input (a folder's JSON Lines and CSV documents); empty: the default. */
  field: string;
  /** Which files of a folder are its documents, as typed; empty: every kind read. */
  glob: string;
  /** A file's or a folder's, as the path was last inspected. */
  info: InputInfo | null;
  inspecting: boolean;
  error: UiError | null;
}

export interface SettingsSlice {
  /** False until `settings:get` answered; nothing is saved before, so defaults never overwrite saved settings. */
  loaded: boolean;
  gpu: GpuChoice;
  normalize: Normalization;
  prefix: string;
  onLong: LongTextPolicy;
  format: OutputFormat;
  precision: Precision;
  output: string;
  /** The output path was suggested from the input's name, not chosen: it follows the input and format. */
  outputSuggested: boolean;
  outputError: UiError | null;
  overwrite: boolean;
  stopOnError: boolean;
  /** Number fields as typed. */
  texts: Record<NumberField, string>;
  /** The last valid value of each number field; null means automatic (or no limit). */
  values: {
    batchSize: number;
    threads: number | null;
    contextSize: number | null;
    memoryLimitMb: number | null;
    /** Null: all of the model's. */
    dimensions: number | null;
    /** With the policies chunk and mean; null: the engine's default. */
    chunkTokens: number | null;
    chunkOverlap: number | null;
  };
  /** Inline messages for number fields whose text is not valid. */
  errors: Partial<Record<NumberField, string>>;
  saveError: UiError | null;
}

export type JobAction = 'start' | 'pause' | 'resume' | 'cancel';

export interface JobSlice {
  status: JobStatus;
  jobId: number | null;
  /** What the current (or last) run was started with. */
  settings: JobSettings | null;
  progress: ProgressInfo | null;
  summary: EmbedJobSummary | null;
  partialStats: BatchStats | null;
  error: UiError | null;
  /** Why "Show in folder" did not work. */
  revealError: UiError | null;
  /** A job request waiting for its answer. */
  pending: JobAction | null;
}

export interface MetricsSlice {
  /** In time order, at most METRICS_CAPACITY; older stretches are thinned out as a run grows. */
  samples: MetricsSample[];
  /** Samples received per kept sample. */
  stride: number;
  /** How many received samples the last kept one stands for (it is replaced until the stride is reached). */
  tail: number;
}

export interface LogSlice {
  /** The first LOG_LIMIT skipped or failed lines of the run. */
  entries: SkippedLine[];
  total: number;
}

export interface LibraryActions {
  /** Lists the models folder and the catalog again. */
  refreshLibrary(): Promise<void>;
  setPullUri(uri: string): void;
  /** Downloads a catalog model, hf: URI or URL; once done it becomes the model path, and is loaded if none is. */
  pullModel(uri: string): Promise<void>;
  cancelPull(): Promise<void>;
  removeModel(fileName: string): Promise<void>;
  setModelsDirText(text: string): void;
  /** Makes the typed folder the models folder, or goes back to the default one. */
  applyModelsDir(useDefault?: boolean): Promise<void>;
}

export interface ModelActions {
  setModelPath(path: string): void;
  pickModel(): Promise<void>;
  loadModel(): Promise<void>;
}

export interface InputActions {
  setInputPath(path: string): void;
  pickInput(): Promise<void>;
  /** A folder of documents, in a dialog. */
  pickInputFolder(): Promise<void>;
  setInputFormat(format: InputFormat | null): void;
  setInputField(field: string): void;
  setInputGlob(glob: string): void;
  /** Inspects the input: a file's lines and tokens, a folder's documents and the chunks of the first one. */
  inspectInput(): Promise<void>;
}

export interface SettingsActions {
  setGpu(gpu: GpuChoice): void;
  setNormalize(normalize: Normalization): void;
  setPrefix(prefix: string): void;
  setOnLong(onLong: LongTextPolicy): void;
  setOutputFormat(format: OutputFormat): void;
  setPrecision(precision: Precision): void;
  setOutputPath(path: string): void;
  pickOutput(): Promise<void>;
  setOverwrite(overwrite: boolean): void;
  setStopOnError(stopOnError: boolean): void;
  setNumber(field: NumberField, text: string): void;
}

export interface RunActions {
  /** Starts a run from the first line; refused where the output has an unfinished run (see `unfinished`). */
  start(): Promise<void>;
  /** Continues the unfinished run of the output from its checkpoint, with the form's settings. */
  resumeUnfinishedRun(): Promise<void>;
  /** Starts again from the first line, replacing the output and its unfinished run. */
  startOver(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  cancel(): Promise<void>;
  reveal(path: string): Promise<void>;
}

export interface ViewActions {
  /** Shows a view; Explore opens the output of a run finished since it last did. */
  showView(view: ViewName): void;
  applyShortcut(shortcut: Shortcut): void;
  /** The search box took the focus a shortcut asked for. */
  searchFocused(): void;
}

export interface ExploreActions {
  setExplorePath(path: string): void;
  pickExplorePath(): Promise<void>;
  /** Reads the run record of the typed (or given) embeddings file. */
  openExplored(path?: string): Promise<void>;
  /** Opens the output of the finished run, unless Explore already did. */
  exploreLastRun(): Promise<void>;
  /** Shows Explore on `output`. */
  exploreOutput(output: string): Promise<void>;
  /** Makes (or reads) the map of the opened output. */
  openMap(): Promise<void>;
  /** Stops the long work running: the map, the index or the duplicates. */
  cancelLongWork(): Promise<void>;
  /** Builds (again) the opened output's index, then shows its state. */
  buildIndex(): Promise<void>;
  setThreshold(threshold: number): void;
  /** Groups the opened output's rows at least the threshold alike. */
  findDuplicates(): Promise<void>;
  setDuplicatesPath(path: string): void;
  /** Writes the groups found (JSON Lines) or the rows to keep (one a line). */
  exportDuplicates(what: DuplicateExport): Promise<void>;
  /** The neighbours of the opened output's row at `place` (from 0: a result's, or a point's of the map). */
  showNeighbours(place: number): Promise<void>;
  selectLines(lines: number[]): void;
  setExportPath(path: string): void;
  exportSelection(): Promise<void>;
  /** The lines, chunks and text previews of rows of the map's output, by place (from 0). */
  mapRows(places: number[]): Promise<ExploreRow[]>;
  setQuery(query: string): void;
  setQueryPrefix(prefix: string): void;
  setTop(top: number): void;
  search(): Promise<void>;
}

export interface StudioActions
  extends ModelActions, LibraryActions, InputActions, SettingsActions, RunActions, ViewActions, ExploreActions {
  /** Loads what the host knows and subscribes to its events; returns the unsubscribe function. */
  init(): Promise<() => void>;
  /** Files dropped on the window: a .gguf becomes the model, anything else the input. */
  dropFiles(files: readonly File[]): void;
  dismissNotice(): void;
}

export interface StudioState {
  host: 'electron' | 'browser';
  system: SystemInfo | null;
  /** A problem reaching the host at all, shown at the top of the window. */
  appError: UiError | null;
  /** A short note for the user, such as why a dropped file was not taken. */
  notice: string | null;
  /** The unfinished run saved for the chosen output, found while no run goes; null where there is none. */
  unfinished: UnfinishedRun | null;
  model: ModelSlice;
  library: LibrarySlice;
  input: InputSlice;
  settings: SettingsSlice;
  job: JobSlice;
  metrics: MetricsSlice;
  log: LogSlice;
  view: ViewSlice;
  explore: ExploreSlice;
  actions: StudioActions;
}
