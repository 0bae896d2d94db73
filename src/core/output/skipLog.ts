import type { SkippedLine } from '../../shared/engine';
import { StagedFile } from './stagedFile';

/**
 * `<output>.skipped.jsonl`: one `{"line": n, "reason": "...", "detail": "..."}` per input line that was not embedded,
 * in line order. Always written, empty when nothing was skipped, so its absence never has to be explained.
 */
export class SkipLog {
  private constructor(private readonly file: StagedFile) {}

  static async create(outputPath: string): Promise<SkipLog> {
    return new SkipLog(await StagedFile.create(skipLogPath(outputPath)));
  }

  get path(): string {
    return this.file.finalPath;
  }

  async write(skipped: readonly SkippedLine[]): Promise<void> {
    if (!skipped.length) return;
    await this.file.handle.write(skipped.map((s) => `${JSON.stringify(s)}\n`).join(''));
  }

  finish(): Promise<void> {
    return this.file.commit();
  }

  keepPartial(): Promise<void> {
    return this.file.keep();
  }

  abort(): Promise<void> {
    return this.file.discard();
  }
}

export function skipLogPath(outputPath: string): string {
  return `${outputPath}.skipped.jsonl`;
}
