import { rename, rm, stat, statfs, truncate } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, join } from 'node:path';
import { createModelDownloader, resolveModelFile, type ModelDownloader } from 'node-llama-cpp';
import type { LocalModel } from '#shared/modelLibrary';
import { advice, EmbeddingError } from '../errors';
import {
  CHECK_CONNECTION,
  diskFullError,
  downloadCancelled,
  downloadError,
  hostOf,
  httpStatusError,
  networkError,
  stalledError,
} from './downloadErrors';
import { DownloadMeter, type DownloadProgress } from './downloadMeter';
import { describeModelFile, hasGgufMagic } from './modelFileInfo';
import { DOWNLOADS_FOLDER, isFile, PARTIAL_EXTENSION, prepareModelsFolder } from './modelsFolder';
import { directUrl, uriFileName } from './modelUri';

/** No new bytes for this long and the connection is taken for lost (the downloader itself retries for many minutes). */
const DEFAULT_STALL_TIMEOUT_MS = 60_000;
/** How long the first request may take to answer before the server is taken for unreachable. */
const REACH_TIMEOUT_MS = 30_000;
/** How long a finished file's size must stay put before it is taken for final (see `cutToServedSize`). */
const SETTLE_MS = 25;

export interface DownloadStart {
  fileName: string;
  totalBytes: number | null;
  /** Bytes an earlier, interrupted download of the same file had already fetched. */
  resumedFromBytes: number;
}

export interface DownloadModelOptions {
  /** An hf: URI or an http(s) URL. */
  uri: string;
  /** The models folder. */
  dir: string;
  /** The name to save it under; by default node-llama-cpp's name for the URI. */
  fileName?: string;
  signal?: AbortSignal;
  onStart?(start: DownloadStart): void;
  onProgress?(progress: DownloadProgress): void;
  /** The file is complete and is being checked. */
  onVerify?(): void;
  stallTimeoutMs?: number;
  /** Free bytes on the disk holding `dir`; null when unknown. */
  freeSpace?(dir: string): Promise<number | null>;
}

export interface DownloadedModel {
  model: LocalModel;
  /** The file was already in the folder: nothing was downloaded. */
  alreadyPresent: boolean;
  resumedFromBytes: number;
}

/**
 * Downloads a model into the models folder with node-llama-cpp's downloader. The file is written in the folder's
 * `.downloads` subfolder and moved up only once complete and found to be a GGUF model, so a model never appears
 * under its final name half-written. An interrupted or cancelled download keeps what it fetched, and the next
 * download of the same URI resumes from there. Every failure is an EmbeddingError that says what to do.
 */
export async function downloadModel(options: DownloadModelOptions): Promise<DownloadedModel> {
  const { uri, dir, signal } = options;
  if (signal?.aborted) throw downloadCancelled();
  await prepareModelsFolder(dir);
  const existing = await downloaded(uri, dir, options.fileName);
  if (existing !== null) return present(existing);
  const url = directUrl(uri);
  if (url) await checkReachable(url, signal);

  let meter: DownloadMeter | null = null;
  const downloader = await createModelDownloader({
    modelUri: uri,
    dirPath: join(dir, DOWNLOADS_FOLDER),
    fileName: options.fileName,
    deleteTempFileOnCancel: false,
    showCliProgress: false,
    onProgress: ({ downloadedSize, totalSize }) => {
      if (meter) options.onProgress?.(meter.update(downloadedSize, totalSize > 0 ? totalSize : null));
    },
  }).catch((error: unknown) => {
    throw downloadError(error, uri, dir);
  });

  const fileName = finalName(downloader);
  if (await isFile(join(dir, fileName))) {
    await downloader.cancel({ deleteTempFile: false });
    return present(join(dir, fileName));
  }
  const totalBytes = downloader.totalSize > 0 ? downloader.totalSize : null;
  const resumedFromBytes = downloader.downloadedSize;
  try {
    await checkFreeSpace(
      dir,
      totalBytes === null ? null : totalBytes - resumedFromBytes,
      options.freeSpace ?? freeBytes,
    );
  } catch (error) {
    await downloader.cancel({ deleteTempFile: false });
    throw error;
  }
  meter = new DownloadMeter(fileName);
  options.onStart?.({ fileName, totalBytes, resumedFromBytes });
  options.onProgress?.(meter.update(resumedFromBytes, totalBytes));

  await fetchFiles(downloader, meter, options);
  options.onVerify?.();
  const { filesInfo } = downloader;
  await cutToServedSize(filesInfo.map((file) => ({ path: file.filePath, size: file.totalSize })));
  const staged = filesInfo.map((file) => file.filePath);
  await checkGgufFiles(staged, uri);
  // The first file is the model (split models: its first part), renamed to end in .gguf where needed.
  const moves = staged.map((from, index) => ({ from, to: join(dir, index === 0 ? fileName : basename(from)) }));
  for (const { from, to } of moves) await rename(from, to);
  return { model: await describeModelFile(join(dir, fileName)), alreadyPresent: false, resumedFromBytes };
}

/** Runs the download until it ends, is cancelled, or stalls; the downloader keeps its partial file in the latter two. */
async function fetchFiles(
  downloader: ModelDownloader,
  meter: DownloadMeter,
  options: DownloadModelOptions,
): Promise<void> {
  const stallMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  const stop = new AbortController();
  let stalled = false;
  const cancel = (): void => stop.abort();
  options.signal?.addEventListener('abort', cancel);
  if (options.signal?.aborted) cancel();
  let watch: NodeJS.Timeout | undefined;
  const arm = (delay: number): void => {
    watch = setTimeout(() => {
      if (meter.idleMs < stallMs) return arm(stallMs - meter.idleMs);
      stalled = true;
      stop.abort();
    }, delay);
  };
  arm(stallMs);
  try {
    await downloader.download({ signal: stop.signal });
  } catch (error) {
    if (!stop.signal.aborted) throw downloadError(error, options.uri, options.dir);
  } finally {
    clearTimeout(watch);
    options.signal?.removeEventListener('abort', cancel);
  }
  // The downloader returns normally when it is cancelled, as when it is done.
  if (options.signal?.aborted) throw downloadCancelled();
  if (stalled) throw stalledError(hostOf(directUrl(options.uri)?.href ?? options.uri), stallMs, meter.downloadedBytes);
}

/**
 * The downloader (ipull 3.9) keeps its resume state after the end of the file and saves it without waiting; a save
 * started just before the download ends can land after its final truncate, leaving a JSON tail on the model. Cuts each
 * file back to the size the server gave, until its size has held still for two looks in a row.
 */
export async function cutToServedSize(files: readonly { path: string; size: number }[]): Promise<void> {
  for (const file of files) {
    if (file.size <= 0) continue;
    for (let stillLooks = 0; stillLooks < 2;) {
      if ((await stat(file.path)).size > file.size) {
        await truncate(file.path, file.size);
        stillLooks = 0;
      } else {
        stillLooks += 1;
      }
      await sleep(SETTLE_MS);
    }
  }
}

/** Deletes what was fetched and refuses it unless every file is a GGUF model. */
async function checkGgufFiles(files: readonly string[], uri: string): Promise<void> {
  for (const file of files) {
    if (await hasGgufMagic(file).catch(() => false)) continue;
    await Promise.all(
      files.flatMap((each) => [rm(each, { force: true }), rm(each + PARTIAL_EXTENSION, { force: true })]),
    );
    throw new EmbeddingError(
      'NOT_GGUF',
      `What ${uri} served is not a GGUF model file; it was deleted.`,
      advice(
        'Use the address of the .gguf file itself, not of a web page about the model (on Hugging Face: hf:owner/repo/file.gguf).',
      ),
    );
  }
}

/** The server answers at all, and not with an error: the downloader itself would retry a dead server for many minutes. */
async function checkReachable(url: URL, signal: AbortSignal | undefined): Promise<void> {
  const timeout = AbortSignal.timeout(REACH_TIMEOUT_MS);
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { range: 'bytes=0-0' },
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (signal?.aborted) throw downloadCancelled();
    if (timeout.aborted) {
      throw new EmbeddingError(
        'DOWNLOAD_FAILED',
        `${url.host} did not answer within ${REACH_TIMEOUT_MS / 1000} s.`,
        advice(CHECK_CONNECTION),
      );
    }
    throw networkError(url.href, error);
  }
  await response.body?.cancel();
  if (!response.ok) throw httpStatusError(response.status, response.statusText, url.href);
}

async function checkFreeSpace(
  dir: string,
  neededBytes: number | null,
  free: (dir: string) => Promise<number | null>,
): Promise<void> {
  if (neededBytes === null) return;
  const available = await free(dir);
  if (available !== null && available < neededBytes) throw diskFullError(dir, neededBytes, available);
}

async function freeBytes(dir: string): Promise<number | null> {
  const stats = await statfs(dir).catch(() => null);
  return stats ? stats.bavail * stats.bsize : null;
}

/** node-llama-cpp names the file after the URL; one without `.gguf` would not be listed as a model. */
function finalName(downloader: ModelDownloader): string {
  const name = downloader.entrypointFilename;
  return /\.gguf$/i.test(name) || downloader.totalFiles > 1 ? name : `${name}.gguf`;
}

/**
 * The model already in the folder for this URI, found without the network: under the given name, under
 * node-llama-cpp's name for an hf: URI, or under the file name at the end of a URL.
 */
export async function downloaded(uri: string, dir: string, fileName: string | undefined): Promise<string | null> {
  if (fileName !== undefined) return (await isFile(join(dir, fileName))) ? join(dir, fileName) : null;
  const found = await resolveModelFile(uri, { directory: dir, download: false, cli: false }).catch(() => null);
  if (found !== null) return found;
  const named = /^https?:/i.test(uri) ? uriFileName(uri) : null;
  return named !== null && (await isFile(join(dir, named))) ? join(dir, named) : null;
}

async function present(path: string): Promise<DownloadedModel> {
  return { model: await describeModelFile(path), alreadyPresent: true, resumedFromBytes: 0 };
}
