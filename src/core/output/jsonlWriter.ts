import type { EmbeddingResult } from '../results';
import type { OutputWriter, RowKind, WriterCheckpoint } from './outputWriter';
import { openStaged, reopenStaged, sizeKey, StagedFile } from './stagedFile';

/**
 * `.jsonl`: one object per row, in line order: a row a line, or with the policy chunk a row a chunk (`chunk`,
 * `char_start`, `char_end` after `line`), or with mean a row a line saying how many chunks it averages (`chunks`).
 */
export class JsonlWriter extends StagedFile implements OutputWriter {
  private rows: RowKind = 'line';

  static async open(path: string, rows: RowKind, replace: boolean): Promise<JsonlWriter> {
    return new JsonlWriter(path, await openStaged(path, replace)).of(rows);
  }

  static async reopenAt(path: string, rows: RowKind, size: number): Promise<JsonlWriter> {
    return new JsonlWriter(path, await reopenStaged(path, size), size).of(rows);
  }

  private of(rows: RowKind): this {
    this.rows = rows;
    return this;
  }

  get paths(): string[] {
    return [this.finalPath];
  }

  async write(results: readonly EmbeddingResult[]): Promise<void> {
    let chunk = '';
    for (const r of results) {
      chunk += `{"line":${r.line},${this.where(r)}"text":${JSON.stringify(r.text)},"tokens":${r.tokens},"truncated":${r.truncated},"embedding":[${formatVector(r.embedding)}]}\n`;
    }
    await this.append(chunk);
  }

  async checkpoint(): Promise<WriterCheckpoint> {
    await this.sync();
    return { sizes: { [sizeKey(this.finalPath)]: this.size } };
  }

  private where(r: EmbeddingResult): string {
    switch (this.rows) {
      case 'line':
        return '';
      case 'chunk':
        return `"chunk":${r.chunk?.index ?? 0},"char_start":${r.chunk?.charStart ?? 0},"char_end":${r.chunk?.charEnd ?? 0},`;
      case 'mean':
        return `"chunks":${r.chunks ?? 1},`;
    }
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
