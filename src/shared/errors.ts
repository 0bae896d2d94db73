import type { SkipReason } from './engine';
import type { LimitName } from './limits';

/** Errors the engine raises for a reason the user can act on. */
export type EngineErrorCode =
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'NOT_A_FILE'
  | 'NOT_GGUF'
  | 'NOT_EMBEDDING_MODEL'
  | 'MODEL_DAMAGED'
  | 'MODEL_UNSUPPORTED'
  | 'MODEL_LOAD_FAILED'
  | 'OUTPUT_EXISTS'
  | 'OUTPUT_UNWRITABLE'
  | 'OUTPUT_IS_INPUT'
  | 'RESUME_REFUSED'
  | 'REUSE_REFUSED'
  | 'CHECKPOINT_INVALID'
  | 'RUN_RECORD_INVALID'
  | 'MODEL_MISMATCH'
  | 'INPUT_CHANGED'
  | 'INDEX_INVALID'
  | 'LINE_NOT_IN_OUTPUT'
  | 'BAD_OPTION'
  | 'INPUT_NOT_UTF8'
  | 'TEXT_TOO_LONG'
  | 'EMBEDDING_FAILED'
  | 'MEMORY_LIMIT'
  | 'CANCELLED'
  | 'NOTHING_EMBEDDED'
  | 'RUN_FAILED'
  | DownloadErrorCode;

/** A model download that failed (the network, the server); its disk and folder errors have the engine's codes. */
export type DownloadErrorCode = 'DOWNLOAD_FAILED';

/** Requests the host refuses, or answers with an error that is none of the engine's. */
export type HostErrorCode = 'INVALID_REQUEST' | 'BUSY' | 'NO_MODEL' | 'UNSUPPORTED' | 'FORBIDDEN' | 'INTERNAL';

/** Errors the app finds itself, before or instead of asking the host. */
export type AppErrorCode = 'NO_PATH' | 'DISCONNECTED' | 'UNAUTHORIZED';

/** Every code an error reply, the command line's `--json` error object or the app can carry. */
export type ErrorCode = EngineErrorCode | HostErrorCode | AppErrorCode;

/** A file the user names: each front end has its own way to name it (a flag, a field). */
export type FileRole = 'input' | 'model';

/**
 * A numeric setting of a run, bounded in src/shared/limits.ts (serve mode's port, search's result count, the
 * command line's shards and what explore commands take are no settings of a run that the app makes).
 */
export type NumericOptionName = Exclude<
  LimitName,
  'port' | 'top' | 'shards' | 'threshold' | 'line' | 'row' | 'chunk' | 'page'
>;

/** A setting whose value the engine refused. */
export type OptionName = NumericOptionName | 'normalize' | 'onLong' | 'glob';

/**
 * What the user can do about an engine error, with the facts the wording needs. The engine says what to do, never how
 * (no flag, button or field): the command line words it with its flags, the app with its buttons and fields.
 */
export type Remedy =
  /** Advice that is the same in every front end, in the engine's words (it names no flag, button or field). */
  | { kind: 'advice'; text: string }
  /** The path of the file does not lead to one. */
  | { kind: 'checkPath'; role: FileRole }
  /** The path leads to a folder, or to something else than a regular file. */
  | { kind: 'chooseFile'; role: FileRole; found: 'folder' | 'other' }
  /** The output's folder does not exist. */
  | { kind: 'createFolder' }
  /**
   * The output cannot go there: it is a folder, it is the input, its folder is not writable, or the checkpoint beside
   * it cannot be read.
   */
  | { kind: 'chooseOutput'; why: 'isFolder' | 'isInput' | 'folderUnwritable' | 'checkpointUnreadable' }
  /** A path of the output is not a regular file (a link, a pipe…), which a run never replaces. */
  | { kind: 'moveAwayOrChooseOutput' }
  /** A file beside the output is not from a run of it. */
  | { kind: 'moveAwayOrOverwrite' }
  /** The output exists. */
  | { kind: 'overwriteOrChooseOutput' }
  /** An unfinished run of the output is saved. */
  | { kind: 'resumeOrStartOver' }
  /** The output's run had done every line; it is complete now. */
  | { kind: 'embedAgain' }
  /** The unfinished run cannot be resumed whatever the input, model and settings. */
  | { kind: 'startOver' }
  /** The unfinished run cannot be resumed with these input, model and settings; with its own it can. */
  | { kind: 'resumeWithSameSettings' }
  /**
   * The earlier output whose rows a run was to reuse was made otherwise (another model, an option that changes the
   * vectors) or cannot be reused at all: reuse one made as this run is, or embed every line.
   */
  | { kind: 'reuseMatchingOutput' }
  /** The output's checkpoint is not a valid one: its run cannot be resumed. */
  | { kind: 'replaceCheckpoint' }
  /** The output has no valid run record (`<output>.run.json`): only embedding its input again writes one. */
  | { kind: 'embedOutputAgain' }
  /** The model that made an output is gone or is not the one given: only that model (`file`) embeds its queries. */
  | { kind: 'chooseRunModel'; file: string }
  /** The index beside an output is damaged, or its output changed while it was built: building it again mends it. */
  | { kind: 'rebuildIndex'; output: string }
  /** A line asked for is no row of the output (skipped, or past its end); the output's rows go up to line `last`. */
  | { kind: 'chooseRowLine'; last: number }
  /** The input was deleted (or changed) during the run; lines 1 to `lastLine` are embedded and kept. */
  | { kind: 'restoreInput'; lastLine: number; deleted: boolean }
  /** Every line is done, but the finished files could not be given their final names. */
  | { kind: 'finishMove' }
  /** The disk holding the output, or the models folder, is full. */
  | { kind: 'freeDiskSpace'; folder: 'output' | 'models' }
  /** The models folder cannot be written to. */
  | { kind: 'chooseModelsFolder' }
  /** The run went over its memory limit. */
  | { kind: 'useLessMemory' }
  /** A text is longer than the context. */
  | { kind: 'handleLongTexts' }
  /** A line failed to embed and the run was set to stop at the first one. */
  | { kind: 'skipFailedLines' }
  /** Every line was skipped; `reason` is the most common reason (null when none is known). */
  | { kind: 'fixSkippedLines'; reason: SkipReason | null }
  /** The chosen backend is not available here. */
  | { kind: 'chooseBackend' }
  /** The batched engine is not built here, or cannot run this model. */
  | { kind: 'buildEngine' }
  /** The output's format cannot be told from its name. */
  | { kind: 'chooseFormat' }
  /** A setting has a value the engine refuses; `example` is one it takes. */
  | { kind: 'fixOption'; option: OptionName; example?: string }
  /** More dimensions were asked for than the model's vectors have (`max`). */
  | { kind: 'fewerDimensions'; max: number }
  /** The model is not in the models folder; `catalog` when it is a catalog model. */
  | { kind: 'downloadModel'; catalog: boolean };

export type RemedyKind = Remedy['kind'];
