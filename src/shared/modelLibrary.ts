/**
 * The model library as it crosses into front ends: GGUF files described from their headers, the curated catalog,
 * and the one download in progress. Plain types (and a name check) only, so the renderer can use them without Node.
 */
import type { ReplyError } from './contract';

/** A plain name of a file in a folder, never a path: no separator, not `.` or `..`. */
export function isPlainFileName(name: string): boolean {
  return name !== '' && !/[\\/\0]/.test(name) && name !== '.' && name !== '..';
}

/** How a GGUF file says its vectors are pooled; `none` and `rank` (and a missing key) mean no embedding model. */
export type GgufPooling = 'mean' | 'cls' | 'last' | 'none' | 'rank' | 'unspecified';

/** A GGUF file on disk, described from its header without loading its weights. */
export interface LocalModel {
  path: string;
  fileName: string;
  sizeBytes: number;
  /** `general.name`, or the file name without `.gguf`. */
  name: string;
  architecture: string | null;
  dimensions: number | null;
  /** The context the model was trained for, in tokens. */
  contextLength: number | null;
  pooling: GgufPooling | null;
  quantization: string | null;
  /** Mean, CLS or last-token pooling: what an embedding model has. */
  embedding: boolean;
  /** Why the header could not be read; the facts above are then unknown. */
  problem: string | null;
}

/** A model of the curated catalog shipped with the app. */
export interface CatalogModel {
  /** The short name the CLI takes, e.g. `bge-small-en-v1.5`. */
  id: string;
  name: string;
  description: string;
  /** Where it is downloaded from: an `hf:owner/repo/file.gguf` URI or an https URL. */
  uri: string;
  /** The file name it is saved under in the models folder. */
  fileName: string;
  sizeBytes: number;
  dimensions: number;
  contextLength: number;
  license: string;
  languages: string;
  /** Put before every document, e.g. `search_document: `; empty when the model expects none. */
  documentPrefix: string;
  /** Put before every query; empty when the model expects none. */
  queryPrefix: string;
  /** The one offered first: small, English, permissive licence. */
  recommended: boolean;
  /** Trained so that the first dimensions of its vectors work alone (Matryoshka): its card says so. */
  matryoshka: boolean;
  /** The model card the facts come from. */
  source: string;
}

export interface CatalogEntry extends CatalogModel {
  /** Where it is in the models folder; null until downloaded. */
  path: string | null;
}

export type DownloadStatus = 'starting' | 'downloading' | 'verifying' | 'done' | 'failed' | 'cancelled';

/** The state of a model download, sent as it changes and once more when it ends. */
export interface ModelDownload {
  id: number;
  /** What was asked for: a catalog name, an hf: URI or a URL. */
  uri: string;
  /** The file being written, once known. */
  fileName: string | null;
  status: DownloadStatus;
  downloadedBytes: number;
  /** Null while the server has not said. */
  totalBytes: number | null;
  /** Over the last few seconds. */
  bytesPerSecond: number;
  etaMs: number | null;
  /** The model's path once done. */
  path: string | null;
  error: ReplyError | null;
}

/** The models folder and what the app knows of models elsewhere. */
export interface ModelLibraryListing {
  dir: string;
  /** The folder used when none is chosen. */
  defaultDir: string;
  models: LocalModel[];
  /** Downloads that stopped before the end, by file name: pulling the same model again resumes them. */
  incomplete: string[];
  /** Models loaded from outside the folder, most recent first; files that are gone are dropped. */
  recent: LocalModel[];
  download: ModelDownload | null;
}
