import { constants } from 'node:fs';
import { access, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { LocalModel } from '../../shared/modelLibrary';
import { EmbeddingError, errorMessage } from '../errors';
import { unwritableFolderError } from './downloadErrors';
import { describeModelFile } from './modelFileInfo';

/**
 * Downloads are written in this subfolder and moved up only once complete and checked, so a `.gguf` file in the
 * models folder is always a whole model. node-llama-cpp's downloader keeps a download's progress in a file named
 * like it with this extension, from which it resumes.
 */
export const DOWNLOADS_FOLDER = '.downloads';
export const PARTIAL_EXTENSION = '.ipull';

const SPLIT_PART = /-(\d+)-of-\d+\.gguf$/i;

/** The second and later files of a split model (`model-00002-of-00003.gguf`), listed under the first. */
function isLaterSplitPart(name: string): boolean {
  return Number(SPLIT_PART.exec(name)?.[1] ?? 1) > 1;
}

/** Creates the models folder if needed and checks that downloads can be written to it. */
export async function prepareModelsFolder(dir: string): Promise<void> {
  try {
    await mkdir(join(dir, DOWNLOADS_FOLDER), { recursive: true });
    await access(dir, constants.W_OK);
  } catch (error) {
    throw unwritableFolderError(dir, (error as NodeJS.ErrnoException).code ?? errorMessage(error), error);
  }
}

/** The GGUF models in the folder, by file name, each described from its header; a missing folder has none. */
export async function listModels(dir: string): Promise<LocalModel[]> {
  const names = (await fileNames(dir)).filter((name) => /\.gguf$/i.test(name) && !isLaterSplitPart(name));
  return Promise.all(names.sort(byName).map((name) => describeModelFile(join(dir, name))));
}

/** Downloads that stopped before the end, by the model file name they will have. */
export async function incompleteDownloads(dir: string): Promise<string[]> {
  const names = await fileNames(join(dir, DOWNLOADS_FOLDER));
  return names.filter((name) => name.endsWith(PARTIAL_EXTENSION)).map((name) => name.slice(0, -PARTIAL_EXTENSION.length)).sort(byName);
}

/**
 * Deletes a model from the folder, given its file name: every part of a split model, or what an incomplete download
 * left. Returns the paths removed; a name that is neither is refused.
 */
export async function removeModel(dir: string, fileName: string): Promise<string[]> {
  if (basename(fileName) !== fileName || fileName === '.' || fileName === '..') {
    throw new EmbeddingError('BAD_OPTION', `"${fileName}" is not a file name.`, 'Give the name of a model in the models folder, as models list shows it.');
  }
  const names = await fileNames(dir);
  const stem = fileName.replace(SPLIT_PART, '');
  const parts = stem === fileName ? [fileName] : names.filter((name) => name.replace(SPLIT_PART, '') === stem);
  const files = [
    ...parts.filter((name) => names.includes(name)).map((name) => join(dir, name)),
    ...(await incompleteDownloads(dir)).filter((name) => name === fileName).map((name) => join(dir, DOWNLOADS_FOLDER, name + PARTIAL_EXTENSION)),
  ];
  if (!files.length) {
    throw new EmbeddingError('FILE_NOT_FOUND', `There is no model ${fileName} in ${dir}.`, 'models list shows the models in the folder.');
  }
  for (const file of files) await rm(file, { force: true });
  return files;
}

/** Whether `path` is a regular file. */
export async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isFile() ?? false;
}

async function fileNames(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
    throw error;
  });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

function byName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { sensitivity: 'base', numeric: true });
}
