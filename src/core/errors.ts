import type { BatchStats } from '../shared/engine';

/**
 * Every error the engine raises for a reason the user can act on. `message` says what went wrong (naming the file
 * and line where there is one); `hint` says what to do about it. Front ends print both.
 */
export type EmbeddingErrorCode =
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
  | 'CHECKPOINT_INVALID'
  | 'INPUT_CHANGED'
  | 'BAD_OPTION'
  | 'INPUT_NOT_UTF8'
  | 'TEXT_TOO_LONG'
  | 'EMBEDDING_FAILED'
  | 'MEMORY_LIMIT'
  | 'DOWNLOAD_FAILED'
  | 'CANCELLED'
  | 'NOTHING_EMBEDDED'
  | 'RUN_FAILED';

export class EmbeddingError extends Error {
  override readonly name = 'EmbeddingError';
  constructor(
    readonly code: EmbeddingErrorCode,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function cancelledError(): EmbeddingError {
  return new EmbeddingError('CANCELLED', 'The run was cancelled.');
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A run that stopped on an error, with the `.partial` files holding what was finished before it, and the last line
 * its checkpoint vouches for (null where there is none): `--resume` continues after it.
 */
export class EmbedJobError extends EmbeddingError {
  constructor(
    cause: EmbeddingError,
    readonly partialFiles: string[],
    readonly stats: BatchStats,
    readonly resumeAfterLine: number | null,
  ) {
    super(cause.code, cause.message, cause.hint, { cause });
  }
}
