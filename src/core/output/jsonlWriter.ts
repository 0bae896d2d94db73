import type { FileHandle } from 'node:fs/promises';
import type { EmbeddingResult } from '../results';
import type { OutputWriter, WriterCheckpoint } from './outputWriter';
import { float16Value, type StoredVector, type VectorCodec } from './precision';
import { openStaged, reopenStaged, sizeKey, StagedFile } from './stagedFile';

/** `.jsonl`: one object per embedded line, in line order. */
export class JsonlWriter extends StagedFile implements OutputWriter {
  private constructor(
    path: string,
    handle: FileHandle,
    size: number,
    private readonly codec: VectorCodec,
  ) {
    super(path, handle, size);
  }

  static async open(path: string, codec: VectorCodec, replace: boolean): Promise<JsonlWriter> {
    return new JsonlWriter(path, await openStaged(path, replace), 0, codec);
  }

  static async resume(path: string, codec: VectorCodec, size: number): Promise<JsonlWriter> {
    return new JsonlWriter(path, await reopenStaged(path, size), size, codec);
  }

  get paths(): string[] {
    return [this.finalPath];
  }

  async write(results: readonly EmbeddingResult[]): Promise<void> {
    let chunk = '';
    for (const r of results) {
      chunk += `{"line":${r.line},"text":${JSON.stringify(r.text)},"tokens":${r.tokens},"truncated":${r.truncated},"embedding":[${formatVector(this.codec.encode(r.embedding))}]}\n`;
    }
    await this.append(chunk);
  }

  async checkpoint(): Promise<WriterCheckpoint> {
    await this.sync();
    return { sizes: { [sizeKey(this.finalPath)]: this.size } };
  }
}

/**
 * Nine significant digits round-trip every float32 exactly, five every float16 (its bits), without the noise digits
 * of their float64 widening; int8 and uint8 values (and packed bits) are integers.
 */
function formatVector(vector: StoredVector): string {
  let out = '';
  for (let i = 0; i < vector.length; i += 1) {
    if (i) out += ',';
    const value = vector[i] ?? 0;
    if (vector instanceof Float32Array) out += String(Number(value.toPrecision(9)));
    else if (vector instanceof Uint16Array) out += String(Number(float16Value(value).toPrecision(5)));
    else out += String(value);
  }
  return out;
}
