import type { CatalogModel } from '#shared/modelLibrary';
import { advice, EmbeddingError } from '../errors';
import { downloadModel, type DownloadedModel, type DownloadModelOptions } from './modelDownload';
import { findCatalogModel, MODEL_CATALOG } from './modelCatalog';
import { isModelUri } from './modelUri';

export interface PullTarget {
  uri: string;
  /** The catalog's name for its file; a pasted URI is named by node-llama-cpp, which keeps apart same-named files of different repositories. */
  fileName?: string;
  catalog: CatalogModel | null;
}

/** What a catalog name, an hf: URI or a URL asks to download; null for anything else (a file path). */
export function pullTarget(nameOrUri: string): PullTarget | null {
  const catalog = findCatalogModel(nameOrUri);
  if (catalog) return { uri: catalog.uri, fileName: catalog.fileName, catalog };
  const uri = nameOrUri.trim();
  return isModelUri(uri) ? { uri, catalog: null } : null;
}

/** Downloads a catalog model, or the model an hf: URI or URL names, into the models folder. */
export async function pullModel(
  nameOrUri: string,
  options: Omit<DownloadModelOptions, 'uri' | 'fileName'>,
): Promise<DownloadedModel> {
  const target = pullTarget(nameOrUri);
  if (!target) {
    throw new EmbeddingError(
      'BAD_OPTION',
      `"${nameOrUri}" is neither a catalog model nor an hf: URI or http(s) URL.`,
      advice(
        `Name a catalog model (${MODEL_CATALOG.map((model) => model.id).join(', ')}), or give hf:owner/repo/file.gguf or the URL of a .gguf file.`,
      ),
    );
  }
  return downloadModel({ ...options, uri: target.uri, fileName: target.fileName });
}
