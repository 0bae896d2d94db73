import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { RowGroup, SchemaElement } from 'hyparquet';
import type { Precision } from '#shared/engine';
import type { RunRecord } from '#shared/runRecord';
import { runRecordText } from '../runRecord';
import type { EmbeddingResult } from '../results';
import type { OutputWriter, RowKind, WriterCheckpoint } from './outputWriter';
import { float16Value, type VectorCodec } from './precision';
import { sizeKey, StagedFile } from './stagedFile';

/** The footer's key-value metadata key of the run's record (`RunRecord`), in a finished file only. */
const RUN_KEY = 'embedding_studio.run';

/** Rows per Parquet row group: large enough for efficient reads, small enough to keep memory flat. */
export const ROWS_PER_ROW_GROUP = 4096;

/**
 * The type of the embedding list's elements: FLOAT, FLOAT16 (a 2-byte FIXED_LEN_BYTE_ARRAY, as Parquet defines it),
 * or 8-bit integers (INT32 annotated INT(8, signed) or INT(8, unsigned)); binary and ubinary are their packed bytes.
 */
const ELEMENTS: Record<Precision, SchemaElement> = {
  float32: { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
  float16: {
    name: 'element',
    type: 'FIXED_LEN_BYTE_ARRAY',
    type_length: 2,
    logical_type: { type: 'FLOAT16' },
    repetition_type: 'REQUIRED',
  },
  int8: int8Element(true),
  uint8: int8Element(false),
  binary: int8Element(true),
  ubinary: int8Element(false),
};

function int8Element(signed: boolean): SchemaElement {
  return {
    name: 'element',
    type: 'INT32',
    converted_type: signed ? 'INT_8' : 'UINT_8',
    logical_type: { type: 'INTEGER', bitWidth: 8, isSigned: signed },
    repetition_type: 'REQUIRED',
  };
}

const LINE: SchemaElement = { name: 'line', type: 'INT64', repetition_type: 'REQUIRED' };

/** The columns after `line` that say where a row is in its line (policy chunk), or what it averages (mean). */
const WHERE: Record<RowKind, SchemaElement[]> = {
  line: [],
  chunk: [
    { name: 'chunk', type: 'INT32', converted_type: 'UINT_32', repetition_type: 'REQUIRED' },
    { name: 'char_start', type: 'INT64', repetition_type: 'REQUIRED' },
    { name: 'char_end', type: 'INT64', repetition_type: 'REQUIRED' },
  ],
  mean: [{ name: 'chunks', type: 'INT32', converted_type: 'UINT_32', repetition_type: 'REQUIRED' }],
  document: [
    { name: 'source', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
    { name: 'page', type: 'INT32', converted_type: 'UINT_32', repetition_type: 'OPTIONAL' },
    { name: 'chunk', type: 'INT32', converted_type: 'UINT_32', repetition_type: 'REQUIRED' },
    { name: 'char_start', type: 'INT64', repetition_type: 'REQUIRED' },
    { name: 'char_end', type: 'INT64', repetition_type: 'REQUIRED' },
  ],
};

function schemaFor(precision: Precision, rows: RowKind): SchemaElement[] {
  const columns = [LINE, ...WHERE[rows], ...rest(precision)];
  return [
    {
      name: 'root',
      num_children: columns.filter((column) => column.name !== 'list' && column.name !== 'element').length,
    },
    ...columns,
  ];
}

const rest = (precision: Precision): SchemaElement[] => [
  { name: 'text', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'text_hash', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
  { name: 'sequence_length', type: 'INT32', converted_type: 'UINT_32', repetition_type: 'REQUIRED' },
  { name: 'processing_time_ms', type: 'INT64', converted_type: 'UINT_64', repetition_type: 'REQUIRED' },
  { name: 'truncated', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
  { name: 'embedding', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  ELEMENTS[precision],
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
 * a list of the run's precision) plus `line` and `truncated` (and after `line`, with the policy chunk `chunk`,
 * `char_start` and `char_end`, with mean `chunks`; for a folder's documents `source`, `page` (null but for PDF pages and records) and the chunk
 * columns), written row group by row group. The footer lists every row group, so a
 * resumed run gets the row groups of the run it continues from the checkpoints, which carry each one as it is written.
 */
export class ParquetOutputWriter implements OutputWriter {
  private buffered: EmbeddingResult[] = [];
  private checkpointed: number;
  private constructor(
    private readonly file: StagedFile,
    private readonly writer: ParquetWriter,
    private readonly codec: VectorCodec,
    private readonly rows: RowKind,
  ) {
    this.checkpointed = writer.row_groups.length;
  }

  /** A new file, or with `resume` the staged one of an unfinished run, cut back to its last whole row group. */
  static async create(
    path: string,
    modelName: string,
    codec: VectorCodec,
    rows: RowKind,
    replace: boolean,
    resume?: { size: number; rowGroups: unknown[] },
  ): Promise<ParquetOutputWriter> {
    const file = resume ? await StagedFile.reopen(path, resume.size) : await StagedFile.create(path, replace);
    const bytes = streamingByteWriter(file);
    const writer = new ParquetWriter({
      writer: bytes,
      schema: schemaFor(codec.precision, rows),
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
    return new ParquetOutputWriter(file, writer, codec, rows);
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

  /** The list of a row's stored numbers: float16 as the values its bits stand for, which the writer encodes back. */
  private embedding(result: EmbeddingResult): number[] {
    const stored = result.stored ?? this.codec.encode(result.embedding);
    return stored instanceof Uint16Array ? Array.from(stored, float16Value) : Array.from(stored);
  }

  private async writeRowGroup(): Promise<void> {
    const rows = this.buffered;
    this.buffered = [];
    const chunks: Array<[string, unknown[]]> = [
      ['chunk', rows.map((r) => r.chunk?.index ?? 0)],
      ['char_start', rows.map((r) => BigInt(r.chunk?.charStart ?? 0))],
      ['char_end', rows.map((r) => BigInt(r.chunk?.charEnd ?? 0))],
    ];
    const where: Array<[string, unknown[]]> = {
      line: [],
      chunk: chunks,
      mean: [['chunks', rows.map((r) => r.chunks ?? 1)]] satisfies Array<[string, unknown[]]>,
      document: [
        ['source', rows.map((r) => r.document?.source ?? '')],
        ['page', rows.map((r) => r.document?.page ?? null)],
        ...chunks,
      ] satisfies Array<[string, unknown[]]>,
    }[this.rows];
    const columns: Array<[string, unknown[]]> = [
      ['line', rows.map((r) => BigInt(r.line))],
      ...where,
      ['text', rows.map((r) => r.text)],
      ['text_hash', rows.map((r) => r.textHash)],
      ['sequence_length', rows.map((r) => r.tokens)],
      ['processing_time_ms', rows.map((r) => BigInt(Math.round(r.processingTimeMs)))],
      ['truncated', rows.map((r) => r.truncated)],
      ['embedding', rows.map((r) => this.embedding(r))],
    ];
    // No page indexes: they are written after the last row group, from state that a resumed run would not have.
    await this.writer.write({
      rowGroupSize: rows.length,
      columnData: columns.map(([name, data]) => ({ name, data, offsetIndex: false })),
    });
  }
}
