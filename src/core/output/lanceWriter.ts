import { createRequire } from 'node:module';
import { lstat, mkdir, mkdtemp, open, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, Index, type Table } from '@lancedb/lancedb';
import type * as Arrow from 'apache-arrow';
import type { Precision, TableIndex } from '#shared/engine';
import { LANCE_INDEX_MIN_ROWS } from '#shared/limits';
import type { RunRecord } from '#shared/runRecord';
import { EmbeddingError } from '../errors';
import type { EmbeddingResult } from '../results';
import { runRecordText } from '../runRecord';
import type { OutputWriter, RowKind, WriterCheckpoint } from './outputWriter';
import { storedColumns, type StoredVector, type VectorCodec } from './precision';
import { ignoreMissing, resumeRefused, sizeKey, STAGED_TABLE, stagingPath } from './stagedFile';

// LanceDB is a CommonJS package that checks the Arrow objects it is given against its own copy of apache-arrow: an ES
// module import would load the other build of it, whose tables LanceDB does not recognize as tables.
const arrow = createRequire(import.meta.url)('apache-arrow') as typeof Arrow;

/** The schema's metadata key of the model's name, and the `vector` field's metadata key of the run's record. */
const MODEL_KEY = 'embedding_studio.model';
const RUN_KEY = 'embedding_studio.run';

/** Rows appended at a time: each append is a version of the table and a data file, so not one a batch. */
const ROWS_PER_APPEND = 4096;

/** The index a table of `rows` rows of `precision` vectors gets when it is finished: float vectors, enough rows. */
function tableIndexFor(precision: Precision, rows: number): TableIndex | null {
  return (precision === 'float32' || precision === 'float16') && rows >= LANCE_INDEX_MIN_ROWS ? 'IVF_PQ' : null;
}

/**
 * IVF_PQ's sub-vectors: of 16 dimensions each where the dimension allows it (LanceDB's own choice), else of the longest
 * of 8, 4, 2 or 1 dimensions that divides it (LanceDB's would be one sub-vector of all of them, which finds little).
 */
function subVectors(dimension: number): number {
  return dimension / ([16, 8, 4, 2].find((length) => dimension % length === 0) ?? 1);
}

function vectorElement(precision: Precision): Arrow.DataType {
  switch (precision) {
    case 'float32':
      return new arrow.Float32();
    case 'float16':
      return new arrow.Float16();
    case 'int8':
    case 'binary':
      return new arrow.Int8();
    case 'uint8':
    case 'ubinary':
      return new arrow.Uint8();
  }
}

function schemaFor(codec: VectorCodec, rows: RowKind, modelName: string): Arrow.Schema {
  const field = (name: string, type: Arrow.DataType): Arrow.Field => new arrow.Field(name, type, false);
  const where: Record<RowKind, Arrow.Field[]> = {
    line: [],
    chunk: [
      field('chunk', new arrow.Uint32()),
      field('char_start', new arrow.Int64()),
      field('char_end', new arrow.Int64()),
    ],
    mean: [field('chunks', new arrow.Uint32())],
    document: [
      field('source', new arrow.Utf8()),
      new arrow.Field('page', new arrow.Uint32(), true),
      field('chunk', new arrow.Uint32()),
      field('char_start', new arrow.Int64()),
      field('char_end', new arrow.Int64()),
    ],
  };
  const columns = storedColumns(codec.precision, codec.dimension);
  return new arrow.Schema(
    [
      field('line', new arrow.Int64()),
      ...where[rows],
      field('text', new arrow.Utf8()),
      field('text_hash', new arrow.Utf8()),
      field('tokens', new arrow.Uint32()),
      field('truncated', new arrow.Bool()),
      field('vector', new arrow.FixedSizeList(columns, field('item', vectorElement(codec.precision)))),
    ],
    new Map([[MODEL_KEY, modelName]]),
  );
}

/**
 * `.lance`: a LanceDB table (a folder), its columns those of Parquet but for `tokens` (sequence_length) and without
 * processing times, its vectors in a `vector` column of fixed-size lists of the run's precision. Staged as
 * `<output>.partial`, a LanceDB database folder of the run's own whose one table (`table.lance`) is moved to the
 * output's name when the run is done. Rows are appended ROWS_PER_APPEND at a time, each append a version of the table:
 * a checkpoint names the version (in place of a file's size), and a resumed run restores it, dropping anything
 * appended after.
 */
export class LanceOutputWriter implements OutputWriter {
  private buffered: EmbeddingResult[] = [];
  /** The table's files flushed to the disk already: a file LanceDB writes is never changed after. */
  private readonly synced = new Set<string>();
  private readonly schema: Arrow.Schema;
  tableIndex: TableIndex | null = null;

  private constructor(
    readonly finalPath: string,
    private readonly table: Table,
    private readonly codec: VectorCodec,
    private readonly rows: RowKind,
    modelName: string,
  ) {
    this.schema = schemaFor(codec, rows, modelName);
  }

  /** A new table, or with `resume` the staged one of an unfinished run, restored to the version its checkpoint names. */
  static async create(
    path: string,
    modelName: string,
    codec: VectorCodec,
    rows: RowKind,
    replace: boolean,
    resume?: { version: number },
  ): Promise<LanceOutputWriter> {
    const staged = stagingPath(path);
    if (resume) {
      const table = await openStagedTable(staged);
      try {
        const latest = await table.version();
        if (latest < resume.version) throw resumeRefused(`${staged} has fewer versions than its checkpoint says`);
        if (latest > resume.version) {
          await table.checkout(resume.version);
          await table.restore();
        }
      } catch (error) {
        table.close();
        throw error instanceof EmbeddingError ? error : resumeRefused(`${staged} cannot be restored`, error);
      }
      return new LanceOutputWriter(path, table, codec, rows, modelName);
    }
    if (replace) await rm(staged, { recursive: true, force: true });
    await mkdir(staged).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      throw new EmbeddingError(
        'OUTPUT_EXISTS',
        `${staged} already exists and is not from a run of this output.`,
        { kind: 'moveAwayOrOverwrite' },
        { cause: error },
      );
    });
    const db = await connect(staged);
    try {
      const table = await db.createEmptyTable(STAGED_TABLE, schemaFor(codec, rows, modelName));
      return new LanceOutputWriter(path, table, codec, rows, modelName);
    } finally {
      db.close();
    }
  }

  get paths(): string[] {
    return [this.finalPath];
  }

  async write(results: readonly EmbeddingResult[]): Promise<void> {
    this.buffered.push(...results);
    if (this.buffered.length >= ROWS_PER_APPEND) await this.append();
  }

  /**
   * Null while rows are only in memory; else puts the table's new files on the disk (LanceDB commits a version
   * atomically, but leaves flushing its files to the system) and gives its version, which holds every row written so far.
   */
  async checkpoint(): Promise<WriterCheckpoint | null> {
    if (this.buffered.length) return null;
    await syncTree(join(stagingPath(this.finalPath), `${STAGED_TABLE}.lance`), this.synced);
    return { sizes: { [sizeKey(this.finalPath)]: await this.table.version() } };
  }

  /**
   * The `vector` field's metadata gets the run's record under `embedding_studio.run` (a table's own metadata is fixed
   * when it is created), then a table of LANCE_INDEX_MIN_ROWS rows or more gets its IVF_PQ index (cosine).
   */
  async complete(run: RunRecord): Promise<void> {
    try {
      await this.append();
      await this.table.updateFieldMetadata([{ path: 'vector', metadata: { [RUN_KEY]: runRecordText(run) } }]);
      this.tableIndex = tableIndexFor(this.codec.precision, await this.table.countRows());
      if (this.tableIndex) {
        const config = Index.ivfPq({ distanceType: 'cosine', numSubVectors: subVectors(this.codec.dimension) });
        await this.table.createIndex('vector', { config });
      }
    } finally {
      this.table.close();
    }
  }

  /** The rows still in memory are appended (a resumed run restores the version its checkpoint names all the same). */
  async keepPartial(): Promise<void> {
    if (!this.table.isOpen()) return;
    try {
      await this.append();
    } finally {
      this.table.close();
    }
  }

  async abort(): Promise<void> {
    if (this.table.isOpen()) this.table.close();
    await rm(stagingPath(this.finalPath), { recursive: true, force: true });
  }

  private async append(): Promise<void> {
    const rows = this.buffered;
    if (!rows.length) return;
    this.buffered = [];
    await this.table.add(this.arrowTable(rows));
  }

  private arrowTable(rows: readonly EmbeddingResult[]): Arrow.Table {
    const length = rows.length;
    const int64 = (values: (r: EmbeddingResult) => number): Arrow.Data =>
      arrow.makeData({ type: new arrow.Int64(), length, data: BigInt64Array.from(rows, (r) => BigInt(values(r))) });
    const uint32 = (values: (r: EmbeddingResult) => number): Arrow.Data =>
      arrow.makeData({ type: new arrow.Uint32(), length, data: Uint32Array.from(rows, values) });
    const where: Record<RowKind, Arrow.Data[]> = {
      line: [],
      chunk: [
        uint32((r) => r.chunk?.index ?? 0),
        int64((r) => r.chunk?.charStart ?? 0),
        int64((r) => r.chunk?.charEnd ?? 0),
      ],
      mean: [uint32((r) => r.chunks ?? 1)],
      document: [
        arrow.vectorFromArray(
          rows.map((r) => r.document?.source ?? ''),
          new arrow.Utf8(),
        ).data[0] as Arrow.Data,
        arrow.vectorFromArray(
          rows.map((r) => r.document?.page ?? null),
          new arrow.Uint32(),
        ).data[0] as Arrow.Data,
        uint32((r) => r.chunk?.index ?? 0),
        int64((r) => r.chunk?.charStart ?? 0),
        int64((r) => r.chunk?.charEnd ?? 0),
      ],
    };
    const children = [
      int64((r) => r.line),
      ...where[this.rows],
      arrow.vectorFromArray(
        rows.map((r) => r.text),
        new arrow.Utf8(),
      ).data[0] as Arrow.Data,
      arrow.vectorFromArray(
        rows.map((r) => r.textHash),
        new arrow.Utf8(),
      ).data[0] as Arrow.Data,
      uint32((r) => r.tokens),
      arrow.vectorFromArray(
        rows.map((r) => r.truncated),
        new arrow.Bool(),
      ).data[0] as Arrow.Data,
      this.vectors(rows),
    ];
    const data = arrow.makeData({ type: new arrow.Struct(this.schema.fields), length, nullCount: 0, children });
    return new arrow.Table([new arrow.RecordBatch(this.schema, data)]);
  }

  /** The rows' stored numbers, one after another, as the child of the fixed-size list column. */
  private vectors(rows: readonly EmbeddingResult[]): Arrow.Data {
    const type = this.schema.fields.at(-1)?.type as Arrow.FixedSizeList;
    const columns = type.listSize;
    const gather = <T extends StoredVector>(flat: T): T => {
      rows.forEach((r, i) => flat.set(r.stored ?? this.codec.encode(r.embedding), i * columns));
      return flat;
    };
    const length = rows.length * columns;
    const child = ((): Arrow.Data => {
      switch (this.codec.precision) {
        case 'float32':
          return arrow.makeData({ type: new arrow.Float32(), length, data: gather(new Float32Array(length)) });
        case 'float16':
          return arrow.makeData({ type: new arrow.Float16(), length, data: gather(new Uint16Array(length)) });
        case 'int8':
        case 'binary':
          return arrow.makeData({ type: new arrow.Int8(), length, data: gather(new Int8Array(length)) });
        case 'uint8':
        case 'ubinary':
          return arrow.makeData({ type: new arrow.Uint8(), length, data: gather(new Uint8Array(length)) });
      }
    })();
    return arrow.makeData({ type, length: rows.length, nullCount: 0, child });
  }
}

/** Flushes every file under `folder` not in `synced` (and adds it there), then the folders themselves. */
async function syncTree(folder: string, synced: Set<string>): Promise<void> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await syncTree(path, synced);
    else if (entry.isFile() && !synced.has(path)) {
      await flush(path);
      synced.add(path);
    }
  }
  await flush(folder);
}

async function flush(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** The table of a staged LanceDB output: its folder must be a folder the run made, not a link to one. */
async function openStagedTable(staged: string): Promise<Table> {
  const info = await lstat(staged).catch((error: unknown) => {
    ignoreMissing(error);
    return null;
  });
  if (!info) throw resumeRefused(`${staged} is missing`);
  if (!info.isDirectory()) throw resumeRefused(`${staged} is not a folder`);
  const db = await connect(staged);
  try {
    return await db.openTable(STAGED_TABLE);
  } catch (error) {
    throw resumeRefused(`${staged} holds no table`, error);
  } finally {
    db.close();
  }
}

/**
 * Opens a finished LanceDB output to read it, leaving its folder as it is: LanceDB adds a folder of its own to the
 * database folder it connects to, so it connects to a temporary one that links to the table. `close` removes it.
 */
export async function openFinishedTable(path: string): Promise<{ table: Table; close: () => Promise<void> }> {
  const info = await lstat(path).catch(() => null);
  if (!info?.isDirectory()) throw notTable(path, info ? 'it is not a folder' : 'it does not exist');
  const folder = await mkdtemp(join(tmpdir(), 'embedding-studio-lance-'));
  try {
    await symlink(resolve(path), join(folder, 'output.lance'), 'dir');
    const db = await connect(folder);
    let table: Table;
    try {
      table = await db.openTable('output');
    } finally {
      db.close();
    }
    return {
      table,
      close: async () => {
        table.close();
        await rm(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error instanceof EmbeddingError ? error : notTable(path, 'LanceDB cannot open it', error);
  }
}

function notTable(path: string, why: string, cause?: unknown): EmbeddingError {
  return new EmbeddingError(
    'FILE_UNREADABLE',
    `${path} is not a LanceDB table a run writes: ${why}.`,
    { kind: 'embedOutputAgain' },
    { cause },
  );
}
