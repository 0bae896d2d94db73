import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import type { EmbeddingResult } from '../results';
import type { OutputWriter } from './outputWriter';
import { StagedFile } from './stagedFile';

/** Rows per Parquet row group: large enough for efficient reads, small enough to keep memory flat. */
export const ROWS_PER_ROW_GROUP = 4096;

const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 7 },
  { name: 'line', type: 'INT64', repetition_type: 'REQUIRED' },
  { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'text_hash', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'sequence_length', type: 'INT32', converted_type: 'UINT_32', repetition_type: 'REQUIRED' },
  { name: 'processing_time_ms', type: 'INT64', converted_type: 'UINT_64', repetition_type: 'REQUIRED' },
  { name: 'truncated', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
  { name: 'embedding', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
];

/**
 * A hyparquet byte writer that hands each finished row group to the staged file and forgets it, so the file is
 * streamed to disk instead of built in memory.
 */
function streamingByteWriter(file: StagedFile): ByteWriter {
  const writer = new ByteWriter();
  let position = 0;
  let chain: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    const bytes = new Uint8Array(writer.getBytes());
    writer.index = 0;
    const at = position;
    position += bytes.length;
    chain = chain.then(async () => {
      await file.handle.write(bytes, 0, bytes.length, at);
    });
    return chain;
  };
  return Object.assign(writer, { flush, finish: flush });
}

/**
 * `.parquet`: the origin crate's columns (`text`, `text_hash`, `sequence_length`, `processing_time_ms`, `embedding` as
 * list<float>) plus `line` and `truncated`, written row group by row group.
 */
export class ParquetOutputWriter implements OutputWriter {
  private buffered: EmbeddingResult[] = [];
  private constructor(
    private readonly file: StagedFile,
    private readonly writer: ParquetWriter,
  ) {}

  static async create(path: string, modelName: string): Promise<ParquetOutputWriter> {
    const file = await StagedFile.create(path);
    const writer = new ParquetWriter({
      writer: streamingByteWriter(file),
      schema: SCHEMA,
      kvMetadata: [{ key: 'embedding_studio.model', value: modelName }],
      createdBy: 'embedding-studio',
    });
    return new ParquetOutputWriter(file, writer);
  }

  get paths(): string[] {
    return [this.file.finalPath];
  }

  async write(results: readonly EmbeddingResult[]): Promise<void> {
    this.buffered.push(...results);
    if (this.buffered.length >= ROWS_PER_ROW_GROUP) await this.writeRowGroup();
  }

  async finish(): Promise<void> {
    await this.writeFooter();
    await this.file.finish();
  }

  async keepPartial(): Promise<void> {
    await this.writeFooter();
    await this.file.keepPartial();
  }

  abort(): Promise<void> {
    return this.file.abort();
  }

  private async writeFooter(): Promise<void> {
    if (this.buffered.length) await this.writeRowGroup();
    await this.writer.finish();
  }

  private async writeRowGroup(): Promise<void> {
    const rows = this.buffered;
    this.buffered = [];
    await this.writer.write({
      rowGroupSize: rows.length,
      columnData: [
        { name: 'line', data: rows.map((r) => BigInt(r.line)) },
        { name: 'text', data: rows.map((r) => r.text) },
        { name: 'text_hash', data: rows.map((r) => r.textHash) },
        { name: 'sequence_length', data: rows.map((r) => r.tokens) },
        { name: 'processing_time_ms', data: rows.map((r) => BigInt(Math.round(r.processingTimeMs))) },
        { name: 'truncated', data: rows.map((r) => r.truncated) },
        { name: 'embedding', data: rows.map((r) => Array.from(r.embedding)) },
      ],
    });
  }
}
