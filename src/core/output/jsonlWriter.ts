import type { EmbeddingResult } from '../results';
import type { OutputWriter } from './outputWriter';
import { StagedFile } from './stagedFile';

/** `.jsonl`: one object per embedded line, in line order. */
export class JsonlWriter implements OutputWriter {
  private constructor(private readonly file: StagedFile) {}

  static async create(path: string): Promise<JsonlWriter> {
    return new JsonlWriter(await StagedFile.create(path));
  }

  get paths(): string[] {
    return [this.file.finalPath];
  }

  async write(results: readonly EmbeddingResult[]): Promise<void> {
    let chunk = '';
    for (const r of results) {
      chunk += `{"line":${r.line},"text":${JSON.stringify(r.text)},"tokens":${r.tokens},"truncated":${r.truncated},"embedding":[${formatVector(r.embedding)}]}\n`;
    }
    await this.file.handle.write(chunk);
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

/** Nine significant digits round-trip every float32 exactly, without the noise digits of its float64 widening. */
function formatVector(vector: Float32Array): string {
  let out = '';
  for (let i = 0; i < vector.length; i += 1) {
    if (i) out += ',';
    out += String(Number((vector[i] ?? 0).toPrecision(9)));
  }
  return out;
}
