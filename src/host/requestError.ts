import type { ReplyError } from '#shared/contract';
import type { HostErrorCode } from '#shared/errors';
import { EmbedJobError, EmbeddingError, errorMessage } from '#core/errors';
import { definedOnly } from '#core/objects';

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
  if (error instanceof RequestError) {
    const { code, message, hint, field } = error;
    return { code, message, ...definedOnly({ hint, field }) };
  }
  if (!(error instanceof EmbeddingError)) return { code: 'INTERNAL', message: errorMessage(error) };
  const { code, message, remedy } = error;
  const partialFiles = error instanceof EmbedJobError ? error.partialFiles : undefined;
  const resumeAfterLine = error instanceof EmbedJobError ? (error.resumeAfterLine ?? undefined) : undefined;
  // Replies cross IPC and JSON: unset fields are left out rather than sent as `undefined`.
  return { code, message, ...definedOnly({ remedy, partialFiles, resumeAfterLine }) };
}
