import { downloaded } from './modelDownload';
import { findModelByName, isFile } from './modelsFolder';
import { pullTarget, type PullTarget } from './pullModel';

/**
 * The model a model argument (`--model`, the app's model field) names: a file to load, or a catalog model, hf: URI or
 * URL to download first.
 */
export type ModelReference = { kind: 'file'; path: string } | { kind: 'download'; target: PullTarget };

/**
 * Resolves a model argument, the first that applies winning:
 * 1. a file that exists at that path, as it is;
 * 2. a model in the models folder by the name its listing shows, with or without `.gguf`;
 * 3. a catalog name, hf: URI or URL: the model downloaded from there into the models folder, else a download;
 * 4. anything else as a path, for the engine to say what is wrong with it.
 * So a model placed in the folder as `bge-small-en-v1.5.gguf` is loaded by that name rather than the catalog's file.
 */
export async function resolveModel(model: string, modelsDir: string): Promise<ModelReference> {
  if (await isFile(model)) return { kind: 'file', path: model };
  // A folder that cannot be read lists nothing: the argument is then taken as a catalog name or a path.
  const listed = await findModelByName(modelsDir, model.trim()).catch(() => null);
  if (listed !== null) return { kind: 'file', path: listed };
  const target = pullTarget(model);
  if (target === null) return { kind: 'file', path: model };
  const present = await downloaded(target.uri, modelsDir, target.fileName);
  return present !== null ? { kind: 'file', path: present } : { kind: 'download', target };
}
