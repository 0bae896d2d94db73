import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises';

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

  static async create(finalPath: string): Promise<StagedFile> {
    return new StagedFile(finalPath, await openStaged(finalPath));
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
 * taken up again) is left as it is.
 */
export async function moveIntoPlace(finalPaths: readonly string[]): Promise<void> {
  for (const path of finalPaths) {
    try {
      await rename(stagingPath(path), path);
    } catch (error) {
      const moved = (error as NodeJS.ErrnoException).code === 'ENOENT' && (await stat(path).then(() => true, () => false));
      if (!moved) throw error;
    }
  }
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

export function openStaged(finalPath: string): Promise<FileHandle> {
  return open(stagingPath(finalPath), 'w');
}

export async function reopenStaged(finalPath: string, size: number): Promise<FileHandle> {
  const path = stagingPath(finalPath);
  if ((await stat(path)).size < size) throw new Error(`${path} is shorter than its checkpoint says`);
  const handle = await open(path, 'r+');
  await handle.truncate(size);
  return handle;
}

export function stagingPath(finalPath: string): string {
  return `${finalPath}.partial`;
}
