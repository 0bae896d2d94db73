import type { SkippedLine } from '#shared/engine';
import { openStaged, reopenStaged, StagedFile } from './stagedFile';

/**
 * `<output>.skipped.jsonl`: one `{"line": n, "reason": "...", "detail": "..."}` per input line that was not embedded,
 * in line order. Written for every input but an empty one (which fails, with nothing to list), empty when nothing was
 * skipped, so its absence never has to be explained.
 */
export class SkipLog extends StagedFile {
  static override async create(outputPath: string, replace: boolean): Promise<SkipLog> {
    const path = skipLogPath(outputPath);
    return new SkipLog(path, await openStaged(path, replace));
  }

  static override async reopen(outputPath: string, size: number): Promise<SkipLog> {
    const path = skipLogPath(outputPath);
    return new SkipLog(path, await reopenStaged(path, size), size);
  }

  get path(): string {
    return this.finalPath;
  }

  async write(skipped: readonly SkippedLine[]): Promise<void> {
    if (!skipped.length) return;
    await this.append(skipped.map((s) => `${JSON.stringify(s)}\n`).join(''));
  }
}

export function skipLogPath(outputPath: string): string {
  return `${outputPath}.skipped.jsonl`;
}
