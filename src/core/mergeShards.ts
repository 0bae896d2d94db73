import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { OutputFormat, Precision } from '#shared/engine';
import type { RunRecord } from '#shared/runRecord';
import { advice, cancelledError, EmbeddingError } from './errors';
import { checkWritableOutput } from './files';
import { damaged, isNumbers, skipLogEntries } from './output/outputLines';
import { createOutputWriter, outputFormatFor, outputPathsFor } from './output/outputFormats';
import { lanceBatches, numbersOf, stringsOf } from './output/lanceReader';
import { NPY_DESCRS } from './output/npyWriter';
import { readNpyRows } from './output/npyReader';
import { rowKindOf, type OutputWriter, type RowKind } from './output/outputWriter';
import { isCalibrated, storedOfBytes, storedVector, VectorCodec } from './output/precision';
import { SkipLog, skipLogPath } from './output/skipLog';
import { moveIntoPlace, StagedFile } from './output/stagedFile';
import { textHashOf, type EmbeddingResult } from './results';
import { readRunRecord, runRecordPath, runRecordText } from './runRecord';
import { verifyShards, type ShardReport } from './verifyShards';

export interface MergeOptions {
  /** The outputs of the shards of one input. */
  parts: readonly string[];
  output: string;
  /** Default: the output name's extension says. */
  format?: OutputFormat;
  /** The input, to count its lines as verifyShards does. */
  input?: string;
  overwrite: boolean;
  signal?: AbortSignal;
}

export interface MergeResult {
  /** The check of the parts; nothing is written unless it is ok. */
  report: ShardReport;
  /** The files written (output, .npy sidecar, skip log, run record) and their counts; null when refused. */
  merged: { paths: string[]; format: OutputFormat; rows: number; skipped: number } | null;
}

/** Rows handed to the writer at a time (a Parquet row group fills from several). */
const WRITE_ROWS = 1024;
/** Rows of a part read at a time from JSON Lines and .npy; Parquet's come a row group at a time. */
const READ_ROWS = 1024;

/**
 * Merges the outputs of the shards of one input into one output of any format, its rows in line order: first checks
 * the parts as verifyShards does (every line exactly once, one run's settings) and, for int8 and uint8, that they were
 * scaled by the same ranges; writes nothing unless they pass. The rows are copied as the parts stored them, never
 * encoded again; a format lacking a column the target has is refused (.npy holds no texts or token counts), but for
 * JSON Lines' missing processing times, written as 0. A k-way merge holds one block of each part at a time. Every file
 * is staged and given its final name at the end, so a merge stopped half way leaves none under a final name.
 */
export async function mergeShards(options: MergeOptions): Promise<MergeResult> {
  const report = await verifyShards(options.parts, options.input);
  if (!report.ok) return { report, merged: null };
  const parts = await Promise.all(
    report.parts.map(async ({ output }) => ({ output, record: await readRunRecord(output) })),
  );
  const [first] = parts;
  if (!first) return { report, merged: null };
  const precision = first.record.precision;
  if (isCalibrated(precision.type)) {
    const scaled = JSON.stringify(precision.calibration);
    for (const { output, record } of parts.slice(1)) {
      if (JSON.stringify(record.precision.calibration) !== scaled)
        report.problems.push(
          `${output} scaled its ${precision.type} values by other ranges than ${first.output} (each shard calibrates its own): their numbers cannot be merged.`,
        );
    }
    if (report.problems.length) return { report: { ...report, ok: false }, merged: null };
  }

  const format = outputFormatFor(options.output, options.format);
  const rowKind = rowKindOf(first.record.vectors.onLong);
  const npyPart = parts.find(({ record }) => record.output.format === 'npy');
  if (npyPart && format !== 'npy') {
    throw new EmbeddingError(
      'BAD_OPTION',
      `${npyPart.output} is a .npy matrix, which holds no texts or token counts: its rows cannot become ${format} rows.`,
      advice('Merge .npy parts into a .npy output.'),
    );
  }
  const finals = outputPathsFor(options.output, format, first.record.vectors.onLong);
  const written = new Set(finals.map((path) => resolve(path)));
  const read = parts.flatMap(({ output, record }) =>
    outputPathsFor(output, record.output.format, record.vectors.onLong),
  );
  if (read.some((path) => written.has(resolve(path)))) {
    throw new EmbeddingError(
      'OUTPUT_IS_INPUT',
      `${options.output} is one of the parts merged, or one of their files.`,
      {
        kind: 'chooseOutput',
        why: 'isInput',
      },
    );
  }
  await checkWritableOutput({ finals, sides: [] }, { overwrite: options.overwrite, own: false });

  const dimension = first.record.vectors.dimensions ?? first.record.vectors.dimension;
  const codec = new VectorCodec(precision.type, dimension, precision.calibration);
  const name = first.record.model.name;
  const writer = await createOutputWriter(options.output, format, { name, rows: rowKind }, codec, options.overwrite);
  let skipLog: SkipLog | null = null;
  let recordFile: StagedFile | null = null;
  try {
    skipLog = await SkipLog.create(options.output, options.overwrite);
    const rows = await mergeRows(parts, writer, rowKind, precision.type, options.signal);
    const skipped = await mergeSkipLogs(
      parts.map(({ output }) => skipLogPath(output)),
      skipLog,
      options.signal,
    );
    const record = mergedRecord(
      parts.map(({ record }) => record),
      format,
    );
    await writer.complete(record);
    await skipLog.complete();
    recordFile = await StagedFile.create(runRecordPath(options.output), options.overwrite);
    await recordFile.append(runRecordText(record));
    await recordFile.complete();
    const paths = [...writer.paths, skipLog.path, runRecordPath(options.output)];
    await moveIntoPlace(paths);
    return { report, merged: { paths, format, rows, skipped } };
  } catch (error) {
    await Promise.all([writer.abort(), skipLog?.abort(), recordFile?.abort()]);
    throw error;
  }
}

/** The run record of the merged output: the parts' run, of every line (no shard), its counts summed. */
function mergedRecord(records: readonly RunRecord[], format: OutputFormat): RunRecord {
  const [first] = records;
  if (!first) throw new Error('no parts to merge');
  const sum = (key: 'rows' | 'lines' | 'skipped' | 'failed' | 'truncated'): number =>
    records.reduce((total, record) => total + record.output[key], 0);
  return {
    ...first,
    finishedAt: new Date().toISOString(),
    input: { ...first.input, shard: null },
    reused: null,
    output: {
      format,
      rows: sum('rows'),
      lines: sum('lines'),
      skipped: sum('skipped'),
      failed: sum('failed'),
      truncated: sum('truncated'),
    },
  };
}

/** The parts' rows merged in line order (a line's chunks are one part's, one after another); returns the rows. */
async function mergeRows(
  parts: ReadonlyArray<{ output: string; record: RunRecord }>,
  writer: OutputWriter,
  rowKind: RowKind,
  precision: Precision,
  signal?: AbortSignal,
): Promise<number> {
  const streams = parts.map(({ output, record }) => storedRows(output, record.output.format, rowKind, precision));
  const heads = await Promise.all(streams.map(nextRow));
  let batch: EmbeddingResult[] = [];
  let rows = 0;
  for (;;) {
    let at = -1;
    heads.forEach((head, i) => {
      if (head && (at < 0 || head.line < (heads[at]?.line ?? Infinity))) at = i;
    });
    const head = heads[at];
    const stream = streams[at];
    if (!head || !stream) break;
    batch.push(head);
    rows += 1;
    heads[at] = await nextRow(stream);
    if (batch.length === WRITE_ROWS) {
      if (signal?.aborted) throw cancelledError();
      await writer.write(batch);
      batch = [];
    }
  }
  if (batch.length) await writer.write(batch);
  return rows;
}

async function nextRow(stream: AsyncIterator<EmbeddingResult>): Promise<EmbeddingResult | null> {
  const next = await stream.next();
  return next.done ? null : next.value;
}

/** The parts' skip logs merged in line order, each entry as its part wrote it; returns the entries. */
async function mergeSkipLogs(paths: readonly string[], skipLog: SkipLog, signal?: AbortSignal): Promise<number> {
  const streams = paths.map((path) => skipLogEntries(path)[Symbol.asyncIterator]());
  const next = async (i: number): Promise<{ line: number; text: string } | null> => {
    const entry = await streams[i]?.next();
    return entry && !entry.done ? entry.value : null;
  };
  const heads = await Promise.all(streams.map((_, i) => next(i)));
  let chunk = '';
  let entries = 0;
  for (;;) {
    let at = -1;
    heads.forEach((head, i) => {
      if (head && (at < 0 || head.line < (heads[at]?.line ?? Infinity))) at = i;
    });
    const head = heads[at];
    if (!head) break;
    chunk += `${head.text}\n`;
    entries += 1;
    heads[at] = await next(at);
    if (chunk.length >= 1 << 16) {
      if (signal?.aborted) throw cancelledError();
      await skipLog.append(chunk);
      chunk = '';
    }
  }
  if (chunk) await skipLog.append(chunk);
  return entries;
}

/**
 * The rows of a part with their numbers as it stored them (`stored`): JSON Lines and Parquet with every column they
 * have, .npy with its sidecar's (its rows have no texts: they only go into .npy).
 */
function storedRows(
  output: string,
  format: OutputFormat,
  rowKind: RowKind,
  precision: Precision,
): AsyncGenerator<EmbeddingResult> {
  switch (format) {
    case 'jsonl':
      return jsonlRows(output, precision);
    case 'parquet':
      return parquetRows(output, precision);
    case 'npy':
      return npyRows(output, rowKind, precision);
    case 'lance':
      return lanceRows(output, rowKind, precision);
  }
}

const NO_VECTOR = new Float32Array(0);

async function* jsonlRows(output: string, precision: Precision): AsyncGenerator<EmbeddingResult> {
  let row = 0;
  for await (const text of createInterface({ input: createReadStream(output), crlfDelay: Infinity })) {
    row += 1;
    if (!text.trim()) continue;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw damaged(output, `row ${row} is not JSON`);
    }
    const { line, text: rowText, tokens, truncated, embedding } = parsed;
    if (
      typeof line !== 'number' ||
      typeof rowText !== 'string' ||
      typeof tokens !== 'number' ||
      typeof truncated !== 'boolean' ||
      !Array.isArray(embedding)
    )
      throw damaged(output, `row ${row} has no line, text, tokens, truncated and embedding`);
    yield {
      line,
      text: rowText,
      textHash: textHashOf(rowText),
      tokens,
      truncated,
      processingTimeMs: 0,
      embedding: NO_VECTOR,
      stored: storedVector(precision, embedding as number[]),
      ...where(parsed),
    };
  }
}

/** A row's chunk (policy chunk) or chunk count (mean), from its columns. */
function where(row: Record<string, unknown>): Pick<EmbeddingResult, 'chunk' | 'chunks'> {
  const { chunk, char_start: start, char_end: end, chunks } = row;
  return {
    ...(chunk === undefined ? {} : { chunk: { index: Number(chunk), charStart: Number(start), charEnd: Number(end) } }),
    ...(chunks === undefined ? {} : { chunks: Number(chunks) }),
  };
}

const WHERE_COLUMNS: Record<RowKind, string[]> = {
  line: [],
  chunk: ['chunk', 'char_start', 'char_end'],
  mean: ['chunks'],
  document: ['source', 'page', 'chunk', 'char_start', 'char_end'],
};

async function* lanceRows(output: string, rowKind: RowKind, precision: Precision): AsyncGenerator<EmbeddingResult> {
  const columns = ['line', ...WHERE_COLUMNS[rowKind], 'text', 'text_hash', 'tokens', 'truncated', 'vector'];
  for await (const { count, columns: read, vectors } of lanceBatches(output, columns)) {
    const numbers = new Map(
      ['line', ...WHERE_COLUMNS[rowKind], 'tokens'].map((name) => [name, numbersOf(read.get(name), count)]),
    );
    const texts = stringsOf(read.get('text'), count);
    const hashes = stringsOf(read.get('text_hash'), count);
    const truncated = read.get('truncated');
    const size = vectors?.size ?? 0;
    for (let i = 0; i < count; i += 1) {
      const row = Object.fromEntries([...numbers].map(([name, values]) => [name, values[i]]));
      yield {
        line: Number(row.line),
        text: texts[i] ?? '',
        textHash: hashes[i] ?? '',
        tokens: Number(row.tokens),
        truncated: truncated?.get(i) === true,
        processingTimeMs: 0,
        embedding: NO_VECTOR,
        stored: storedVector(
          precision,
          Array.from({ length: size }, (_, j) => vectors?.values[i * size + j] ?? 0),
        ),
        ...where(row),
      };
    }
  }
}

async function* parquetRows(output: string, precision: Precision): AsyncGenerator<EmbeddingResult> {
  const file = await asyncBufferFromFile(output);
  const metadata = await parquetMetadataAsync(file);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = (await parquetReadObjects({ file, metadata, rowStart, rowEnd })) as Array<Record<string, unknown>>;
    for (const [i, row] of rows.entries()) {
      const { line, text, text_hash: hash, sequence_length: tokens, processing_time_ms: time } = row;
      const { truncated, embedding } = row;
      if (
        (typeof line !== 'bigint' && typeof line !== 'number') ||
        typeof text !== 'string' ||
        typeof hash !== 'string' ||
        typeof truncated !== 'boolean' ||
        !isNumbers(embedding)
      )
        throw damaged(output, `row ${rowStart + i + 1} has no line, text, text_hash, truncated and embedding`);
      yield {
        line: Number(line),
        text,
        textHash: hash,
        tokens: Number(tokens),
        truncated,
        processingTimeMs: Number(time),
        embedding: NO_VECTOR,
        stored: storedVector(precision, embedding),
        ...where(row),
      };
    }
    rowStart = rowEnd;
  }
}

/** A .npy part's rows: the matrix's bytes as they are, what each row is from its sidecar; no texts. */
async function* npyRows(output: string, rowKind: RowKind, precision: Precision): AsyncGenerator<EmbeddingResult> {
  for await (const { count, matrix, entries } of readNpyRows(output, NPY_DESCRS[precision], rowKind, () => READ_ROWS)) {
    const rowBytes = matrix.length / count;
    for (let i = 0; i < count; i += 1) {
      const bytes = new Uint8Array(matrix.buffer, matrix.byteOffset + i * rowBytes, rowBytes);
      const [line = 0, second = 0, third = 0, fourth = 0] = entries[i] ?? [];
      yield {
        line,
        text: '',
        textHash: '',
        tokens: 0,
        truncated: false,
        processingTimeMs: 0,
        embedding: NO_VECTOR,
        stored: storedOfBytes(precision, bytes.slice()),
        ...(rowKind === 'chunk' ? { chunk: { index: second, charStart: third, charEnd: fourth } } : {}),
        ...(rowKind === 'mean' ? { chunks: second } : {}),
      };
    }
  }
}
