import type { BatchStats } from '#shared/engine';
import type { EngineErrorCode, Remedy } from '#shared/errors';

/**
 * Every error the engine raises for a reason the user can act on. `message` says what went wrong (naming the file
 * and line where there is one); `remedy` says what to do about it, which each front end words in its own terms.
 */
export class EmbeddingError extends Error {
  override readonly name = 'EmbeddingError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly remedy?: Remedy,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Advice every front end shows as it is: it names no flag, button or field. */
export function advice(text: string): Remedy {
  return { kind: 'advice', text };
}

export function cancelledError(): EmbeddingError {
  return new EmbeddingError('CANCELLED', 'The run was cancelled.');
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A run that stopped on an error, with the `.partial` files holding what was finished before it, and the last line
 * its checkpoint vouches for (null where there is none): resuming the run continues after it.
 */
export class EmbedJobError extends EmbeddingError {
  constructor(
    cause: EmbeddingError,
    readonly partialFiles: string[],
    readonly stats: BatchStats,
    readonly resumeAfterLine: number | null,
  ) {
    super(cause.code, cause.message, cause.remedy, { cause });
  }
}
