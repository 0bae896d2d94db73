import { constants, type Stats } from 'node:fs';
import { access, lstat, readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { FileRole } from '#shared/errors';
import { advice, EmbeddingError } from './errors';
import { isTablePath } from './output/stagedFile';

/** Checks that `path` is a regular, readable file and says precisely what is wrong when it is not. */
export async function checkReadableFile(path: string, role: FileRole): Promise<number> {
  const label = role === 'model' ? 'Model file' : 'Input file';
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) {
      throw new EmbeddingError('NOT_A_FILE', `${label} ${path} is a directory, not a file.`, {
        kind: 'chooseFile',
        role,
        found: 'folder',
      });
    }
    if (!info.isFile()) {
      throw new EmbeddingError('NOT_A_FILE', `${label} ${path} is ${fileKind(info)}, not a regular file.`, {
        kind: 'chooseFile',
        role,
        found: 'other',
      });
    }
    size = info.size;
    await access(path, constants.R_OK);
  } catch (error) {
    if (error instanceof EmbeddingError) throw error;
    throw fileError(error, label, path, role);
  }
  return size;
}

function fileError(error: unknown, label: string, path: string, role: FileRole): EmbeddingError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new EmbeddingError(
      'FILE_NOT_FOUND',
      `${label} ${path} does not exist.`,
      { kind: 'checkPath', role },
      { cause: error },
    );
  }
  return new EmbeddingError(
    'FILE_UNREADABLE',
    `${label} ${path} cannot be read (${code ?? 'unknown error'}).`,
    advice('Check the file permissions.'),
    { cause: error },
  );
}

/** What a file that is not a regular one is, in words: `a directory`, `a named pipe (FIFO)`… */
export function fileKind(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'a regular file';
}

/** Every file a run of one output makes: its final files, and the side files beside them (staged files, checkpoint). */
export interface OutputFiles {
  finals: readonly string[];
  sides: readonly string[];
}

/**
 * Refuses a folder that is missing or not writable, anything but a regular file at any path the run writes (even to
 * overwrite: a link, a device or a pipe is never replaced), final files that exist (unless `overwrite`), and side files
 * that exist (unless `overwrite`, or they are `own`: an earlier run of this output left them). All paths are in one folder.
 */
export async function checkWritableOutput(
  files: OutputFiles,
  options: { overwrite: boolean; own: boolean },
): Promise<void> {
  const folder = dirname(resolve(files.finals[0] ?? '.'));
  try {
    const info = await stat(folder);
    if (!info.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    await access(folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT' || code === 'ENOTDIR';
    throw new EmbeddingError(
      'OUTPUT_UNWRITABLE',
      missing
        ? `Output folder ${folder} does not exist.`
        : `Output folder ${folder} is not writable (${code ?? 'error'}).`,
      missing ? { kind: 'createFolder' } : { kind: 'chooseOutput', why: 'folderUnwritable' },
      { cause: error },
    );
  }
  const found = async (path: string): Promise<boolean> => {
    const info = await lstat(path).catch(() => null);
    if (info?.isDirectory() && isTableFolder(path)) {
      // A LanceDB output and its staged database folder are folders; another folder there is never removed.
      if (isTablePath(path) && !(await isLanceTable(path))) {
        throw new EmbeddingError('OUTPUT_EXISTS', `Output ${path} is a folder that is not a LanceDB table.`, {
          kind: 'moveAwayOrChooseOutput',
        });
      }
      return true;
    }
    if (info?.isDirectory()) {
      throw new EmbeddingError('OUTPUT_EXISTS', `Output ${path} is a directory.`, {
        kind: 'chooseOutput',
        why: 'isFolder',
      });
    }
    if (info && !info.isFile()) {
      throw new EmbeddingError(
        'OUTPUT_EXISTS',
        `Output ${path} is ${fileKind(info)}, not a regular file: a run only ever replaces regular files.`,
        { kind: 'moveAwayOrChooseOutput' },
      );
    }
    return info !== null;
  };
  for (const path of files.finals) {
    if ((await found(path)) && !options.overwrite) {
      throw new EmbeddingError('OUTPUT_EXISTS', `Output ${path} already exists.`, { kind: 'overwriteOrChooseOutput' });
    }
  }
  for (const path of files.sides) {
    if ((await found(path)) && !options.overwrite && !options.own) {
      throw new EmbeddingError('OUTPUT_EXISTS', `${path} already exists and is not from a run of this output.`, {
        kind: 'moveAwayOrOverwrite',
      });
    }
  }
}

/** Refuses a run whose output files include its input: the same file on the disk, whatever links lead to it. */
export async function checkNotInput(input: string, paths: readonly string[]): Promise<void> {
  const source = await stat(input);
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (info && info.dev === source.dev && info.ino === source.ino) {
      const same = resolve(path) === resolve(input) ? '' : ` (the same file on the disk as ${input})`;
      throw new EmbeddingError('OUTPUT_IS_INPUT', `Output ${path} is the input file${same}.`, {
        kind: 'chooseOutput',
        why: 'isInput',
      });
    }
  }
}

/** Whether a folder at `path` is one a LanceDB output has: the table, or its staged database folder. */
function isTableFolder(path: string): boolean {
  return isTablePath(path) || isTablePath(path.replace(/\.partial$/, ''));
}

/** A LanceDB table's folder holds its versions in `_versions`. */
async function isLanceTable(path: string): Promise<boolean> {
  const versions = await lstat(join(path, '_versions')).catch(() => null);
  return versions?.isDirectory() ?? false;
}

/** The bytes of a file, or of every file under a folder (a LanceDB table). */
export async function treeSize(path: string): Promise<number> {
  const info = await lstat(path);
  if (!info.isDirectory()) return info.size;
  const entries = await readdir(path);
  const sizes = await Promise.all(entries.map((entry) => treeSize(join(path, entry))));
  return sizes.reduce((sum, size) => sum + size, 0);
}

/** Refuses output files inside the input folder of a run of documents: the run would read them as documents. */
export async function checkNotInFolder(folder: string, paths: readonly string[]): Promise<void> {
  const inside = await realpath(folder);
  for (const path of paths) {
    const at = await realpath(dirname(resolve(path))).catch(() => resolve(dirname(path)));
    if (at === inside || at.startsWith(`${inside}${sep}`)) {
      throw new EmbeddingError('OUTPUT_IS_INPUT', `Output ${path} is inside the input folder ${folder}.`, {
        kind: 'chooseOutput',
        why: 'isInput',
      });
    }
  }
}
