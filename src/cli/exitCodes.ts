import { EmbeddingError } from '#core/errors';
import type { EngineErrorCode } from '#shared/errors';

export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  badInputFile: 3,
  output: 4,
  runFailed: 5,
  download: 6,
  /** verify: the shards do not hold every line of the input exactly once. */
  incomplete: 7,
  cancelled: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const EXIT_CODES: Record<EngineErrorCode, ExitCode> = {
  BAD_OPTION: EXIT.usage,
  FILE_NOT_FOUND: EXIT.badInputFile,
  FILE_UNREADABLE: EXIT.badInputFile,
  NOT_A_FILE: EXIT.badInputFile,
  NOT_GGUF: EXIT.badInputFile,
  NOT_EMBEDDING_MODEL: EXIT.badInputFile,
  MODEL_DAMAGED: EXIT.badInputFile,
  MODEL_UNSUPPORTED: EXIT.badInputFile,
  MODEL_LOAD_FAILED: EXIT.badInputFile,
  INPUT_NOT_UTF8: EXIT.badInputFile,
  OUTPUT_EXISTS: EXIT.output,
  OUTPUT_UNWRITABLE: EXIT.output,
  OUTPUT_IS_INPUT: EXIT.output,
  RESUME_REFUSED: EXIT.output,
  // The earlier output a run reuses is read as an input.
  REUSE_REFUSED: EXIT.badInputFile,
  CHECKPOINT_INVALID: EXIT.output,
  // An output read as the input of a command that looks into it.
  RUN_RECORD_INVALID: EXIT.badInputFile,
  MODEL_MISMATCH: EXIT.badInputFile,
  INPUT_CHANGED: EXIT.runFailed,
  INDEX_INVALID: EXIT.badInputFile,
  LINE_NOT_IN_OUTPUT: EXIT.usage,
  TEXT_TOO_LONG: EXIT.runFailed,
  EMBEDDING_FAILED: EXIT.runFailed,
  MEMORY_LIMIT: EXIT.runFailed,
  NOTHING_EMBEDDED: EXIT.runFailed,
  RUN_FAILED: EXIT.runFailed,
  DOWNLOAD_FAILED: EXIT.download,
  CANCELLED: EXIT.cancelled,
};

export function exitCodeFor(error: unknown): ExitCode {
  return error instanceof EmbeddingError ? EXIT_CODES[error.code] : EXIT.unexpected;
}
