import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { RowGroup, SchemaElement } from 'hyparquet';
import type { RunRecord } from '#shared/runRecord';
import { runRecordText } from '../runRecord';
import type { EmbeddingResult } from '../results';
import type { OutputWriter, WriterCheckpoint } from './outputWriter';
import { sizeKey, StagedFile } from './stagedFile';

/** The footer's key-value metadata key of the run's record (`RunRecord`), in a finished file only. */
const RUN_KEY = 'embedding_studio.run';

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
export function streamingByteWriter(file: StagedFile): ByteWriter {
  const writer = new ByteWriter();
  let chain: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    const bytes = new Uint8Array(writer.getBytes());
    writer.index = 0;
    chain = chain.then(() => file.append(bytes));
    return chain;
  };
  return Object.assign(writer, { flush, finish: flush });
}

/**
 * `.parquet`: the origin crate's columns (`text`, `text_hash`, `sequence_length`, `processing_time_ms`, `embedding` as
 * list<float>) plus `line` and `truncated`, written row group by row group. The footer lists every row group, so a
 * resumed run gets the row groups of the run it continues from the checkpoints, which carry each one as it is written.
 */
export class ParquetOutputWriter implements OutputWriter {
  private buffered: EmbeddingResult[] = [];
  private checkpointed: number;
  private constructor(
    private readonly file: StagedFile,
    private readonly writer: ParquetWriter,
  ) {
    this.checkpointed = writer.row_groups.length;
  }

  /** A new file, or with `resume` the staged one of an unfinished run, cut back to its last whole row group. */
  static async create(
    path: string,
    modelName: string,
    replace: boolean,
    resume?: { size: number; rowGroups: unknown[] },
  ): Promise<ParquetOutputWriter> {
    const file = resume ? await StagedFile.reopen(path, resume.size) : await StagedFile.create(path, replace);
    const bytes = streamingByteWriter(file);
    const writer = new ParquetWriter({
      writer: bytes,
      schema: SCHEMA,
      kvMetadata: [{ key: 'embedding_studio.model', value: modelName }],
      createdBy: 'embedding-studio',
    });
    if (resume) {
      // The writer has put the file's magic number in its buffer; the reopened file has it already.
      bytes.index = 0;
      bytes.offset = resume.size;
      writer.row_groups = resume.rowGroups as RowGroup[];
      writer.num_rows = writer.row_groups.reduce((rows, group) => rows + group.num_rows, 0n);
    }
    return new ParquetOutputWriter(file, writer);
  }

  get paths(): string[] {
    return [this.file.finalPath];
  }

  async write(results: readonly EmbeddingResult[]): Promise<void> {
    this.buffered.push(...results);
    if (this.buffered.length >= ROWS_PER_ROW_GROUP) await this.writeRowGroup();
  }

  async checkpoint(): Promise<WriterCheckpoint | null> {
    if (this.buffered.length) return null;
    await this.file.sync();
    const added = this.writer.row_groups.slice(this.checkpointed);
    this.checkpointed = this.writer.row_groups.length;
    return { sizes: { [sizeKey(this.file.finalPath)]: this.file.size }, added };
  }

  /** The footer's key-value metadata gets the run's record under `embedding_studio.run`, as run.json holds it. */
  async complete(run: RunRecord): Promise<void> {
    this.writer.kvMetadata = [...(this.writer.kvMetadata ?? []), { key: RUN_KEY, value: runRecordText(run) }];
    await this.writeFooter();
    await this.file.complete();
  }

  async keepPartial(): Promise<void> {
    try {
      await this.writeFooter();
    } finally {
      await this.file.keepPartial();
    }
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
    const columns: Array<[string, unknown[]]> = [
      ['line', rows.map((r) => BigInt(r.line))],
      ['text', rows.map((r) => r.text)],
      ['text_hash', rows.map((r) => r.textHash)],
      ['sequence_length', rows.map((r) => r.tokens)],
      ['processing_time_ms', rows.map((r) => BigInt(Math.round(r.processingTimeMs)))],
      ['truncated', rows.map((r) => r.truncated)],
      ['embedding', rows.map((r) => Array.from(r.embedding))],
    ];
    // No page indexes: they are written after the last row group, from state that a resumed run would not have.
    await this.writer.write({
      rowGroupSize: rows.length,
      columnData: columns.map(([name, data]) => ({ name, data, offsetIndex: false })),
    });
  }
}
