import { constants } from 'node:fs';
import { lstat, open, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { EmbeddingError } from '../errors';

/**
 * A file written under a temporary name beside its final one and renamed into place only when complete, so an
 * interrupted run never leaves a file that looks finished. Appends go at its tracked end, so a file reopened to resume
 * a run continues exactly where its checkpoint left it.
 */
export class StagedFile {
  readonly tempPath: string;
  protected constructor(
    readonly finalPath: string,
    readonly handle: FileHandle,
    private length = 0,
  ) {
    this.tempPath = stagingPath(finalPath);
  }

  /** A new staged file; `replace` allows removing a file already at the staged name (this run's own, or --overwrite). */
  static async create(finalPath: string, replace: boolean): Promise<StagedFile> {
    return new StagedFile(finalPath, await openStaged(finalPath, replace));
  }

  /** Reopens the staged file of an unfinished run, cut back to `size` bytes: what its checkpoint vouches for. */
  static async reopen(finalPath: string, size: number): Promise<StagedFile> {
    return new StagedFile(finalPath, await reopenStaged(finalPath, size), size);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.length;
  }

  async append(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    const at = this.length;
    this.length += bytes.length;
    await writeFully(this.handle, bytes, at);
  }

  /** Puts what was written on the disk. */
  async sync(): Promise<void> {
    await this.handle.datasync();
  }

  /** Flushes to the disk and closes the file, still under its temporary name: `moveIntoPlace` gives it its final one. */
  async complete(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
  }

  /** Flushes and closes the file but leaves it under its temporary name: complete as far as it goes, never final. */
  async keepPartial(): Promise<void> {
    try {
      await this.handle.sync();
    } finally {
      await this.handle.close();
    }
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.tempPath, { force: true });
  }
}

/**
 * Gives complete staged files their final names. One found already moved (by a finish that was stopped halfway, now
 * taken up again) is left as it is; a staged name that holds anything but a regular file is never moved into place.
 */
export async function moveIntoPlace(finalPaths: readonly string[]): Promise<void> {
  for (const path of finalPaths) {
    if (isTablePath(path)) {
      await moveTableIntoPlace(path);
      continue;
    }
    const staged = await lstat(stagingPath(path)).catch((error: unknown) => {
      ignoreMissing(error);
      return null;
    });
    if (staged === null) {
      if (
        await lstat(path).then(
          (info) => info.isFile(),
          () => false,
        )
      )
        continue;
      throw Object.assign(new Error(`${stagingPath(path)} is missing`), { code: 'ENOENT' });
    }
    if (!staged.isFile()) throw new Error(`${stagingPath(path)} is not a regular file`);
    await rename(stagingPath(path), path);
  }
}

/** The name of the one table in the staged database folder of a LanceDB output (`<output>.partial/table.lance`). */
export const STAGED_TABLE = 'table';

/** Whether an output path is a LanceDB table: a folder, staged and moved into place as one. */
export function isTablePath(finalPath: string): boolean {
  return /\.lance$/i.test(finalPath);
}

/**
 * Moves the table out of the staged database folder of a LanceDB output to the output's name (an earlier table there,
 * which only --overwrite lets a run get this far with, is removed first), then removes what is left of that folder.
 * One found moved already (a finish stopped halfway) is left as it is.
 */
async function moveTableIntoPlace(path: string): Promise<void> {
  const folder = stagingPath(path);
  const staged = join(folder, `${STAGED_TABLE}.lance`);
  const isFolder = (at: string): Promise<boolean> =>
    lstat(at).then(
      (info) => info.isDirectory(),
      (error: unknown) => {
        ignoreMissing(error);
        return false;
      },
    );
  if (await isFolder(staged)) {
    if (!(await isFolder(folder))) throw new Error(`${folder} is not a folder`);
    await rm(path, { recursive: true, force: true });
    await rename(staged, path);
  } else if (!(await isFolder(path))) {
    throw Object.assign(new Error(`${staged} is missing`), { code: 'ENOENT' });
  }
  await rm(folder, { recursive: true, force: true });
}

/** Writes all of `bytes` at `position`: a write can be cut short (a disk filling up), which is not an error by itself. */
export async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    if (bytesWritten === 0) throw Object.assign(new Error('no bytes written'), { code: 'ENOSPC' });
    done += bytesWritten;
  }
}

/**
 * Creates the staged file of `finalPath` as a new file of this run's own: never through a link, never reusing a file
 * that is there, which is removed first (the link itself, not what it points to) only where `replace` allows it.
 */
export async function openStaged(finalPath: string, replace: boolean): Promise<FileHandle> {
  const path = stagingPath(finalPath);
  if (replace) await unlink(path).catch((error: unknown) => ignoreMissing(error));
  return createExclusive(path);
}

/** Opens a file that must not exist yet, without following a link planted at its name. */
export async function createExclusive(path: string): Promise<FileHandle> {
  try {
    return await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new EmbeddingError(
      'OUTPUT_EXISTS',
      `${path} already exists and is not from a run of this output.`,
      { kind: 'moveAwayOrOverwrite' },
      { cause: error },
    );
  }
}

/** Reopens the staged file of an unfinished run, cut back to `size` bytes; it must be a regular file, not a link. */
export async function reopenStaged(finalPath: string, size: number): Promise<FileHandle> {
  const path = stagingPath(finalPath);
  const handle = await open(path, constants.O_RDWR | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    (error: unknown) => {
      throw resumeRefused(
        `${path} ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'cannot be opened as a regular file'}`,
        error,
      );
    },
  );
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw resumeRefused(`${path} is not a regular file`);
    // A file the run created has no other name; one with more is someone else's file, which it must not cut.
    if (info.nlink > 1) throw resumeRefused(`${path} has other names (hard links), so it is not a file the run made`);
    if (info.size < size) throw resumeRefused(`${path} is shorter than its checkpoint says`);
    await handle.truncate(size);
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** An unfinished run whose files are not as its checkpoint says: it starts over. */
export function resumeRefused(reason: string, cause?: unknown): EmbeddingError {
  return new EmbeddingError(
    'RESUME_REFUSED',
    `The unfinished run cannot be resumed: ${reason}.`,
    { kind: 'startOver' },
    { cause },
  );
}

/** Rethrows any error but a missing file's. */
export function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

/** The key of a staged file in a checkpoint's `sizes`: its final file name. */
export function sizeKey(finalPath: string): string {
  return basename(finalPath);
}

export function stagingPath(finalPath: string): string {
  return `${finalPath}.partial`;
}
