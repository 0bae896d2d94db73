import { constants } from 'node:fs';
import { access, lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isPlainFileName, type LocalModel } from '#shared/modelLibrary';
import { advice, EmbeddingError, errorMessage } from '../errors';
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
const GGUF_NAME = /\.gguf$/i;

const REMOVE_HINT =
  'Only the models and incomplete downloads the models list shows are removed from the models folder; delete other files yourself.';

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
  return Promise.all(listedModels(await fileNames(dir)).map((name) => describeModelFile(join(dir, name))));
}

/** Downloads that stopped before the end, by the model file name they will have. */
export async function incompleteDownloads(dir: string): Promise<string[]> {
  const names = await fileNames(join(dir, DOWNLOADS_FOLDER));
  return names
    .filter((name) => name.endsWith(PARTIAL_EXTENSION))
    .map((name) => name.slice(0, -PARTIAL_EXTENSION.length))
    .sort(byName);
}

/**
 * The path of the model in the folder that `name` stands for: its file name as the listing shows it, with or without
 * `.gguf`; null when the folder lists none by that name (a path is never a name).
 */
export async function findModelByName(dir: string, name: string): Promise<string | null> {
  if (!isPlainFileName(name)) return null;
  const found = modelNamed(listedModels(await fileNames(dir)), name);
  return found === undefined ? null : join(dir, found);
}

/**
 * The files that removing `name` deletes: the listed model it names (every part of a split model) and what its
 * incomplete download left; `alias` (a catalog model's file name) is tried when nothing has that name. Anything else is
 * refused, saying what it is: a path, another file, a folder, a link.
 */
export async function modelFilesToRemove(dir: string, name: string, alias?: string): Promise<string[]> {
  if (!isPlainFileName(name)) {
    throw new EmbeddingError(
      'BAD_OPTION',
      `"${name}" is not a file name.`,
      advice('Give the name of a model in the models folder, as the models list shows it, never a path.'),
    );
  }
  const folder = { dir, names: await fileNames(dir), downloads: await incompleteDownloads(dir) };
  const files = filesNamed(folder, name);
  if (!files.length && alias !== undefined) files.push(...filesNamed(folder, alias));
  if (!files.length) throw await notAModelError(dir, name);
  return files;
}

/** Deletes the files modelFilesToRemove found. */
export async function removeFiles(files: readonly string[]): Promise<void> {
  for (const file of files) await rm(file, { force: true });
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

/**
 * The models the listing shows, by file name: regular `.gguf` files (never a link or a folder), a split model by its
 * first part. Only these are loaded by name and removed.
 */
function listedModels(names: readonly string[]): string[] {
  return names.filter((name) => GGUF_NAME.test(name) && !isLaterSplitPart(name)).sort(byName);
}

/** The listed model `name` stands for: its file name, with or without `.gguf`. */
function modelNamed(listed: readonly string[], name: string): string | undefined {
  return listed.find((each) => each === name) ?? listed.find((each) => namedBy(each, name));
}

/** `name` is the file name without its `.gguf`. */
function namedBy(fileName: string, name: string): boolean {
  return GGUF_NAME.test(fileName) && fileName.slice(0, -'.gguf'.length) === name;
}

/** What the folder holds, read once for a removal: its files' names and its incomplete downloads. */
interface FolderContents {
  dir: string;
  names: string[];
  downloads: string[];
}

function filesNamed({ dir, names, downloads }: FolderContents, name: string): string[] {
  const model = modelNamed(listedModels(names), name);
  const files = model === undefined ? [] : splitParts(names, model).map((part) => join(dir, part));
  for (const download of downloads) {
    if (download === name || namedBy(download, name))
      files.push(join(dir, DOWNLOADS_FOLDER, download + PARTIAL_EXTENSION));
  }
  return files;
}

/** A model's file name and, for the first part of a split model, its other parts. */
function splitParts(names: readonly string[], fileName: string): string[] {
  const stem = fileName.replace(SPLIT_PART, '');
  if (stem === fileName) return [fileName];
  return names.filter((name) => SPLIT_PART.test(name) && name.replace(SPLIT_PART, '') === stem).sort(byName);
}

/** Why `name` in the folder is not something to remove, told from what is there. */
async function notAModelError(dir: string, name: string): Promise<EmbeddingError> {
  const path = join(dir, name);
  const stats = await lstat(path).catch(() => null);
  if (stats === null)
    return new EmbeddingError(
      'FILE_NOT_FOUND',
      `There is no model ${name} in ${dir}.`,
      advice('The models list shows the models in the folder.'),
    );
  const what = stats.isDirectory()
    ? 'is a folder, not a model'
    : stats.isSymbolicLink()
      ? 'is a symbolic link, not a model file of the folder'
      : !stats.isFile()
        ? 'is not a regular file'
        : GGUF_NAME.test(name)
          ? 'is a later part of a split model; remove the model by its first part'
          : 'is not a GGUF model (.gguf)';
  return new EmbeddingError(
    stats.isFile() ? 'NOT_GGUF' : 'NOT_A_FILE',
    `${path} ${what}; nothing was removed.`,
    advice(REMOVE_HINT),
  );
}

function byName(a: string, b: string): number {
  return a.localeCompare(b, 'en', { sensitivity: 'base', numeric: true });
}
