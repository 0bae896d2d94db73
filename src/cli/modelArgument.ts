import { isFile } from '../core/library/modelsFolder';
import { pullModel, pullTarget } from '../core/library/pullModel';
import type { DownloadCallbacks } from './downloadProgress';
import { modelsDirFor } from './modelsDir';

/** Whether --model names a model to download (a catalog name or a URI) rather than a file that is there. */
export async function needsDownload(model: string): Promise<boolean> {
  return pullTarget(model) !== null && !(await isFile(model));
}

/**
 * The model file --model names: an existing file as it is (a local path always wins); a catalog name or an hf: URI
 * or URL is downloaded into the models folder first, or found there. Anything else is returned for the engine to say
 * what is wrong with it.
 */
export async function modelFileFor(model: string, options: { modelsDir?: string; signal?: AbortSignal } & DownloadCallbacks): Promise<string> {
  if (!(await needsDownload(model))) return model;
  const { modelsDir, ...download } = options;
  const { model: local } = await pullModel(model, { ...download, dir: await modelsDirFor(modelsDir) });
  return local.path;
}
