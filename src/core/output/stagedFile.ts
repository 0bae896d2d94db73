import { open, rename, rm, type FileHandle } from 'node:fs/promises';

/**
 * A file written under a temporary name beside its final one and renamed into place only when complete, so an
 * interrupted run never leaves a file that looks finished.
 */
export class StagedFile {
  readonly tempPath: string;
  protected constructor(
    readonly finalPath: string,
    readonly handle: FileHandle,
  ) {
    this.tempPath = stagingPath(finalPath);
  }

  static async create(finalPath: string): Promise<StagedFile> {
    return new StagedFile(finalPath, await openStaged(finalPath));
  }

  /** Flushes to the disk and moves the file to its final name. */
  async finish(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    await rename(this.tempPath, this.finalPath);
  }

  /** Flushes and closes the file but leaves it under its temporary name: complete as far as it goes, never final. */
  async keepPartial(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
  }

  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.tempPath, { force: true });
  }
}

export function openStaged(finalPath: string): Promise<FileHandle> {
  return open(stagingPath(finalPath), 'w');
}

export function stagingPath(finalPath: string): string {
  return `${finalPath}.partial`;
}
