import type { FileHandle } from 'node:fs/promises';
import type { EmbeddingResult } from '../results';
import type { OutputWriter, RowKind, WriterCheckpoint } from './outputWriter';
import { float16Value, type StoredVector, type VectorCodec } from './precision';
import { openStaged, reopenStaged, sizeKey, StagedFile } from './stagedFile';

/**
 * `.jsonl`: one object per row, in line order: a row a line, or with the policy chunk a row a chunk (`chunk`,
 * `char_start`, `char_end` after `line`), or with mean a row a line saying how many chunks it averages (`chunks`); a
 * folder's documents, a row a chunk with `source` and `page` before `chunk`.
 */
export class JsonlWriter extends StagedFile implements OutputWriter {
  private constructor(
    path: string,
    handle: FileHandle,
    size: number,
    private readonly codec: VectorCodec,
    private readonly rows: RowKind,
  ) {
    super(path, handle, size);
  }

  static async open(path: string, codec: VectorCodec, rows: RowKind, replace: boolean): Promise<JsonlWriter> {
    return new JsonlWriter(path, await openStaged(path, replace), 0, codec, rows);
  }

  static async resume(path: string, codec: VectorCodec, rows: RowKind, size: number): Promise<JsonlWriter> {
    return new JsonlWriter(path, await reopenStaged(path, size), size, codec, rows);
  }

  get paths(): string[] {
    return [this.finalPath];
  }

  async write(results: readonly EmbeddingResult[]): Promise<void> {
    let chunk = '';
    for (const r of results) {
      chunk += `{"line":${r.line},${this.where(r)}"text":${JSON.stringify(r.text)},"tokens":${r.tokens},"truncated":${r.truncated},"embedding":[${formatVector(r.stored ?? this.codec.encode(r.embedding))}]}\n`;
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
      case 'document':
        return `"source":${JSON.stringify(r.document?.source ?? '')},"page":${r.document?.page ?? null},"chunk":${r.chunk?.index ?? 0},"char_start":${r.chunk?.charStart ?? 0},"char_end":${r.chunk?.charEnd ?? 0},`;
    }
  }
}

/**
 * Nine significant digits round-trip every float32 exactly, five every float16 (its bits), without the noise digits
 * of their float64 widening; int8 and uint8 values (and packed bits) are integers.
 */
function formatVector(vector: StoredVector): string {
  const format =
    vector instanceof Float32Array
      ? (value: number) => String(Number(value.toPrecision(9)))
      : vector instanceof Uint16Array
        ? (value: number) => String(Number(float16Value(value).toPrecision(5)))
        : String;
  let out = '';
  for (let i = 0; i < vector.length; i += 1) {
    if (i) out += ',';
    out += format(vector[i] ?? 0);
  }
  return out;
}
