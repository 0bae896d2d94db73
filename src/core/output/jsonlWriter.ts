import type { EmbeddingResult } from '../results';
import type { OutputWriter, WriterCheckpoint } from './outputWriter';
import { openStaged, reopenStaged, sizeKey, StagedFile } from './stagedFile';

/** `.jsonl`: one object per embedded line, in line order. */
export class JsonlWriter extends StagedFile implements OutputWriter {
  static override async create(path: string, replace: boolean): Promise<JsonlWriter> {
    return new JsonlWriter(path, await openStaged(path, replace));
  }

  static override async reopen(path: string, size: number): Promise<JsonlWriter> {
    return new JsonlWriter(path, await reopenStaged(path, size), size);
  }

  get paths(): string[] {
    return [this.finalPath];
  }

  async write(results: readonly EmbeddingResult[]): Promise<void> {
    let chunk = '';
    for (const r of results) {
      chunk += `{"line":${r.line},"text":${JSON.stringify(r.text)},"tokens":${r.tokens},"truncated":${r.truncated},"embedding":[${formatVector(r.embedding)}]}\n`;
    }
    await this.append(chunk);
  }

  async checkpoint(): Promise<WriterCheckpoint> {
    await this.sync();
    return { sizes: { [sizeKey(this.finalPath)]: this.size } };
  }
}

/** Nine significant digits round-trip every float32 exactly, without the noise digits of its float64 widening. */
function formatVector(vector: Float32Array): string {
  let out = '';
  for (let i = 0; i < vector.length; i += 1) {
    if (i) out += ',';
    out += String(Number((vector[i] ?? 0).toPrecision(9)));
  }
  return out;
}
