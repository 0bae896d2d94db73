import { resolveModel, type ModelReference } from '#core/library/modelReference';
import { downloadModel } from '#core/library/modelDownload';
import type { DownloadCallbacks } from './downloadProgress';
import { modelsDirFor } from './modelsDir';

/** What --model names, resolved against the models folder (see resolveModel). */
export async function modelReferenceFor(
  model: string,
  modelsDir: string | undefined,
): Promise<{ reference: ModelReference; dir: string }> {
  const dir = await modelsDirFor(modelsDir);
  return { reference: await resolveModel(model, dir), dir };
}

/** The model file --model names, downloading it into the models folder first where it names a model to download. */
export async function modelFileFor(
  { reference, dir }: { reference: ModelReference; dir: string },
  options: { signal?: AbortSignal } & DownloadCallbacks,
): Promise<string> {
  if (reference.kind === 'file') return reference.path;
  const { model } = await downloadModel({
    ...options,
    dir,
    uri: reference.target.uri,
    fileName: reference.target.fileName,
  });
  return model.path;
}
