import type { ReplyError } from '../shared/contract';
import { EmbedJobError, EmbeddingError, errorMessage } from '../core/errors';
import { definedOnly } from '../core/objects';

/** Codes the host itself answers with, besides the engine's EmbeddingError codes. */
export type HostErrorCode = 'INVALID_REQUEST' | 'BUSY' | 'NO_MODEL' | 'UNSUPPORTED' | 'FORBIDDEN' | 'INTERNAL';

/** A request the host refuses: bad parameters, or one that cannot run in the current state. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly code: HostErrorCode,
    message: string,
    readonly hint?: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Any thrown value as the error a reply carries. */
export function toReplyError(error: unknown): ReplyError {
  const { code, message, hint } = error instanceof RequestError || error instanceof EmbeddingError ? error : { code: 'INTERNAL', message: errorMessage(error), hint: undefined };
  const field = error instanceof RequestError ? error.field : undefined;
  const partialFiles = error instanceof EmbedJobError ? error.partialFiles : undefined;
  const resumeAfterLine = error instanceof EmbedJobError ? (error.resumeAfterLine ?? undefined) : undefined;
  // Replies cross IPC and JSON: unset fields are left out rather than sent as `undefined`.
  return { code, message, ...definedOnly({ hint, field, partialFiles, resumeAfterLine }) };
}
