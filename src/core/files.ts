import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { EmbeddingError } from './errors';

type FileRole = 'input' | 'model';

/** Checks that `path` is a regular, readable file and says precisely what is wrong when it is not. */
export async function checkReadableFile(path: string, role: FileRole): Promise<number> {
  const label = role === 'model' ? 'Model file' : 'Input file';
  const flag = role === 'model' ? '--model' : '--input';
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      throw new EmbeddingError('NOT_A_FILE', `${label} ${path} is a directory, not a file.`, `Pass the path of a file with ${flag}.`);
    }
    size = info.size;
    await access(path, constants.R_OK);
  } catch (error) {
    if (error instanceof EmbeddingError) throw error;
    throw fileError(error, label, path, flag);
  }
  return size;
}

function fileError(error: unknown, label: string, path: string, flag: string): EmbeddingError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new EmbeddingError('FILE_NOT_FOUND', `${label} ${path} does not exist.`, `Check the path given to ${flag}.`, { cause: error });
  }
  return new EmbeddingError(
    'FILE_UNREADABLE',
    `${label} ${path} cannot be read (${code ?? 'unknown error'}).`,
    'Check the file permissions.',
    { cause: error },
  );
}

/**
 * Refuses outputs that exist (unless overwriting; a directory always) and a folder that is missing or not writable.
 * `paths` are every file a run will write, all in one folder.
 */
export async function checkWritableOutput(paths: readonly string[], overwrite: boolean): Promise<void> {
  const folder = dirname(resolve(paths[0] ?? '.'));
  try {
    const info = await stat(folder);
    if (!info.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    throw new EmbeddingError(
      'OUTPUT_UNWRITABLE',
      missing ? `Output folder ${folder} does not exist.` : `Output folder ${folder} is not writable (${code ?? 'error'}).`,
      missing ? 'Create the folder first or choose another --output path.' : 'Choose an --output path in a folder you can write to.',
      { cause: error },
    );
  }
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory()) {
      throw new EmbeddingError('OUTPUT_EXISTS', `Output ${path} is a directory.`, 'Choose another --output path.');
    }
    if (info && !overwrite) {
      throw new EmbeddingError('OUTPUT_EXISTS', `Output ${path} already exists.`, 'Choose another --output path, or pass --overwrite to replace it.');
    }
  }
}
