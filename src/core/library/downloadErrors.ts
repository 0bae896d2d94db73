import { advice, EmbeddingError, errorMessage } from '../errors';
import { formatBytes } from '#shared/format';

const RESUME_HINT = 'a partly downloaded file resumes where it stopped';

export const CHECK_CONNECTION = 'Check your internet connection and the address, then try again.';

const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** A download the user stopped; what it fetched is kept. */
export function downloadCancelled(): EmbeddingError {
  return new EmbeddingError(
    'CANCELLED',
    'The download was cancelled.',
    advice('What it fetched is kept: download the same model again to resume it.'),
  );
}

/** An HTTP error status, said in words with what to do about it. */
export function httpStatusError(status: number, statusText: string, url: string): EmbeddingError {
  const what = `${url} answered ${status}${statusText ? ` ${statusText}` : ''}`;
  if (status === 404) {
    return new EmbeddingError(
      'DOWNLOAD_FAILED',
      `Model not found: ${what}.`,
      advice('Check the address: for hf: URIs the owner, repository and file name (hf:owner/repo/file.gguf).'),
    );
  }
  if (status === 401 || status === 403) {
    return new EmbeddingError(
      'DOWNLOAD_FAILED',
      `Not allowed to download: ${what}.`,
      advice('The model may be gated or private: pick one that can be downloaded freely.'),
    );
  }
  return new EmbeddingError(
    'DOWNLOAD_FAILED',
    `The download failed: ${what}.`,
    advice(`Try again later; ${RESUME_HINT}.`),
  );
}

/** No data came for so long that the connection is taken for lost. */
export function stalledError(host: string, stallMs: number, downloadedBytes: number): EmbeddingError {
  return new EmbeddingError(
    'DOWNLOAD_FAILED',
    `The download from ${host} stopped: no data for ${Math.round(stallMs / 1000)} s (the connection was lost).`,
    advice(
      `Check your connection and download it again: the ${formatBytes(downloadedBytes)} fetched so far are kept and it resumes from there.`,
    ),
  );
}

/** The disk cannot take the rest of the model. */
export function diskFullError(dir: string, neededBytes: number | null, freeBytes: number | null): EmbeddingError {
  const amounts =
    neededBytes !== null && freeBytes !== null
      ? `: the model needs ${formatBytes(neededBytes)} more, ${formatBytes(freeBytes)} is free`
      : '';
  return new EmbeddingError('OUTPUT_UNWRITABLE', `The disk holding ${dir} is full${amounts}.`, {
    kind: 'freeDiskSpace',
    folder: 'models',
  });
}

/** The models folder refuses writes (permissions, a read-only disk). */
export function unwritableFolderError(dir: string, why: string, cause: unknown): EmbeddingError {
  return new EmbeddingError(
    'OUTPUT_UNWRITABLE',
    `The models folder ${dir} cannot be written to (${why}).`,
    { kind: 'chooseModelsFolder' },
    { cause },
  );
}

/** Anything a download threw, as an error that says what went wrong and what to do. */
export function downloadError(error: unknown, uri: string, dir: string): EmbeddingError {
  if (error instanceof EmbeddingError) return error;
  const code = errnoCode(error);
  if (code === 'ENOSPC') return diskFullError(dir, null, null);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return unwritableFolderError(dir, code, error);
  }
  const status = (error as { statusCode?: unknown; statusText?: unknown; url?: unknown } | null) ?? {};
  if (typeof status.statusCode === 'number') {
    return httpStatusError(
      status.statusCode,
      typeof status.statusText === 'string' ? status.statusText : '',
      typeof status.url === 'string' ? status.url : uri,
    );
  }
  const message = errorMessage(error);
  if (/or it does not exist/.test(message)) {
    return new EmbeddingError(
      'DOWNLOAD_FAILED',
      `Model not found: ${message}.`,
      advice(
        'Check the owner, repository and quantization (hf:owner/repo:Q8_0), or name the file: hf:owner/repo/file.gguf.',
      ),
      {
        cause: error,
      },
    );
  }
  if (/^Invalid Hugging Face URI/.test(message)) {
    return new EmbeddingError(
      'BAD_OPTION',
      `${uri} is not a valid Hugging Face URI.`,
      advice('Write it as hf:owner/repo/file.gguf or hf:owner/repo:Q8_0.'),
      { cause: error },
    );
  }
  if ((code !== null && NETWORK_CODES.has(code)) || /fetch failed/.test(message)) return networkError(uri, error);
  return new EmbeddingError(
    'DOWNLOAD_FAILED',
    `Downloading ${uri} failed: ${message}`,
    advice(`Check the address and your connection, then try again; ${RESUME_HINT}.`),
    { cause: error },
  );
}

/** The server could not be reached or the connection broke. */
export function networkError(uri: string, cause: unknown): EmbeddingError {
  const code = errnoCode(cause);
  const detail = code ? ` (${code})` : `: ${errorMessage(cause)}`;
  return new EmbeddingError('DOWNLOAD_FAILED', `Could not reach ${hostOf(uri)}${detail}.`, advice(CHECK_CONNECTION), {
    cause,
  });
}

export function hostOf(uri: string): string {
  try {
    return new URL(uri).host || uri;
  } catch {
    return uri.startsWith('hf:') || uri.startsWith('huggingface:') ? 'Hugging Face' : uri;
  }
}

/** The errno-style code of an error or of any error it wraps (fetch hides the socket's error in `cause`). */
function errnoCode(error: unknown): string | null {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
