import { join } from 'node:path';
import type { ChunkPlace, DocumentPlace, GpuChoice } from '#shared/engine';
import type { RunRecord } from '#shared/runRecord';
import { fileFingerprint } from '../checkpoint';
import { EmbeddingError, errorMessage } from '../errors';
import { checkReadableFile } from '../files';
import { EmbeddingModel, type ModelOptions } from '../model';
import { readRunRecord } from '../runRecord';
import { freshIndex, type IndexMatch } from './outputIndex';
import { ComparableVectors } from './comparable';
import { checkInputUnchanged, outputDimension, readOutputRows, rowsAt } from './outputRows';

/**
 * One row found: its input line, its score (the cosine similarity of the row and the query as ComparableVectors makes
 * them: for int8 and uint8, of the values their steps stand for; for binary and ubinary, of the query and the row's
 * signs), and its text.
 */
export interface SearchHit {
  /** The row's place in the output, from 0. */
  place: number;
  line: number;
  /** In an output of the long-text policy chunk: which chunk of its line the row is (its text is the chunk's). */
  chunk?: ChunkPlace;
  /** In an output of a folder of documents: the document the chunk is of (`line` is the document's number). */
  document?: DocumentPlace;
  score: number;
  text: string;
}

export interface SearchOptions {
  /** The embeddings file of a finished run (with its `<output>.run.json`). */
  output: string;
  query: string;
  /** How many rows to return, best first. */
  top: number;
  /** Put before the query, as the run's prefix was before every text (retrieval models have a query prefix). */
  queryPrefix?: string;
  /** The model file to embed the query with; default: the one the run recorded. It must be that model. */
  model?: string;
  /** Where to look for the run's model by its file name when it is no longer where the run recorded it. */
  modelsDir?: string;
  gpu?: GpuChoice;
  threads?: number;
  probe?: ModelOptions['probe'];
  onNotice?: ModelOptions['onNotice'];
  /** Read every row even where a fresh index of the output (`<output>.index`) is there. */
  exact?: boolean;
}

/**
 * Search: embeds the query with the model and vector options of the run that made `output`, and finds the `top` rows
 * nearest to it, in the output's index where a fresh one is there (see outputIndex.ts), else by reading every row
 * (exactNearest). An index that no longer matches its output is never used: `onNotice` is told so.
 */
export async function searchOutput(options: SearchOptions): Promise<SearchHit[]> {
  const { output } = options;
  const record = await readRunRecord(output);
  // .npy holds no texts: they are read from the input, which is checked before anything is embedded or read.
  if (record.output.format === 'npy') await checkInputUnchanged(output, record);
  const modelPath = await checkQueryModel(output, record, options.model, options.modelsDir);
  // Before the model loads: an index that cannot be used is told at once.
  const index = options.exact ? null : await freshIndex(output, options.onNotice);
  const comparable = new ComparableVectors(output, record.precision, outputDimension(record));
  const query = comparable.query(await embedQuery(modelPath, record, options));
  if (!index) return exactNearest(output, record, query, options.top);
  return withTexts(output, record, index.search(query, options.top));
}

/** The index's matches as rows with their lines and texts, read in one pass over the output (and the input, .npy). */
export async function withTexts(
  output: string,
  record: RunRecord,
  matches: readonly IndexMatch[],
): Promise<SearchHit[]> {
  const rows = await rowsAt(
    output,
    record,
    matches.map((match) => match.place),
  );
  return matches.flatMap(({ place, score }) => {
    const row = rows.get(place);
    return row ? [{ place, ...row, score }] : [];
  });
}

/**
 * The model file to embed queries with: `given`, else the file the run recorded. Either must be the model that made
 * the output (its size and fingerprint as the record has them), or the query lands somewhere else than the rows.
 */
export async function checkQueryModel(
  output: string,
  record: RunRecord,
  given?: string,
  modelsDir?: string,
): Promise<string> {
  const recorded = record.model;
  let path = given ?? recorded.path;
  let size: number;
  try {
    size = await checkReadableFile(path, 'model');
  } catch (error) {
    if (given !== undefined) throw error;
    const inFolder = modelsDir === undefined ? null : join(modelsDir, recorded.file);
    const folderSize = inFolder === null ? null : await readableSize(inFolder);
    if (inFolder === null || folderSize === null) {
      const elsewhere = modelsDir === undefined ? '' : ` Nor is ${recorded.file} in the models folder ${modelsDir}.`;
      throw new EmbeddingError(
        'FILE_NOT_FOUND',
        `The model that made ${output} is not there any more: ${errorMessage(error)}${elsewhere}`,
        { kind: 'chooseRunModel', file: recorded.file },
        { cause: error },
      );
    }
    path = inFolder;
    size = folderSize;
  }
  const differences: string[] = [];
  if (size !== recorded.size) differences.push(`it has ${size} bytes where that one has ${recorded.size}`);
  else {
    const fingerprint = await fileFingerprint(path, size);
    if (fingerprint !== recorded.fingerprint)
      differences.push(
        `its content differs (fingerprint ${fingerprint.slice(0, 12)}…, that one ${recorded.fingerprint.slice(0, 12)}…)`,
      );
  }
  if (differences.length) {
    throw new EmbeddingError(
      'MODEL_MISMATCH',
      `${path} is not the model that made ${output}, ${recorded.file} (${recorded.name}): ${differences.join('; ')}.`,
      { kind: 'chooseRunModel', file: recorded.file },
    );
  }
  return path;
}

async function readableSize(path: string): Promise<number | null> {
  try {
    return await checkReadableFile(path, 'model');
  } catch {
    return null;
  }
}

async function embedQuery(modelPath: string, record: RunRecord, options: SearchOptions): Promise<Float32Array> {
  const { vectors } = record;
  const model = await EmbeddingModel.load(modelPath, {
    gpu: options.gpu,
    threads: options.threads,
    probe: options.probe,
    onNotice: options.onNotice,
    contextSize: vectors.contextSize,
    normalize: vectors.normalize,
    dimensions: vectors.dimensions,
    prefix: options.queryPrefix ?? '',
    onLong: 'truncate',
  });
  try {
    const prepared = model.prepare(options.query, 1);
    if (!prepared.ok) {
      throw new EmbeddingError('BAD_OPTION', `The query cannot be embedded: ${prepared.detail}.`, {
        kind: 'advice',
        text: 'Search for a text with words in it.',
      });
    }
    return (await model.embed(prepared.tokens)).vector;
  } finally {
    await model.dispose();
  }
}

interface FoundRow {
  place: number;
  line: number;
  chunk?: ChunkPlace;
  document?: DocumentPlace;
  score: number;
  /** The output's text of the row, where the output holds it. */
  text?: string;
}

/** The `size` best rows seen so far, best first; a row that ties the worst kept one does not replace it. */
class TopRows {
  readonly rows: FoundRow[] = [];
  constructor(private readonly size: number) {}

  add(found: FoundRow): void {
    if (this.rows.length >= this.size && found.score <= (this.rows[this.rows.length - 1]?.score ?? -Infinity)) return;
    let at = this.rows.length;
    while (at > 0 && (this.rows[at - 1]?.score ?? Infinity) < found.score) at -= 1;
    this.rows.splice(at, 0, found);
    if (this.rows.length > this.size) this.rows.pop();
  }
}

/** Cosine similarity of `query` (with its norm) and one row; a row of zeros scores 0. */
export function cosine(query: Float32Array, queryNorm: number, row: Float32Array, from: number): number {
  let dot = 0;
  let norm = 0;
  for (let i = 0; i < query.length; i += 1) {
    const value = row[from + i] ?? 0;
    dot += (query[i] ?? 0) * value;
    norm += value * value;
  }
  return norm === 0 || queryNorm === 0 ? 0 : dot / (Math.sqrt(norm) * queryNorm);
}

export function normOf(vector: Float32Array): number {
  let sum = 0;
  for (const value of vector) sum += value * value;
  return Math.sqrt(sum);
}

/**
 * The `top` rows of the output nearest to `query` (whose length every row must have), best first, but for the row at
 * place `except`: streams every row once, then reads the texts of those kept (from the input for .npy, which holds
 * none).
 */
export async function exactNearest(
  output: string,
  record: RunRecord,
  query: Float32Array,
  top: number,
  except?: number,
): Promise<SearchHit[]> {
  const best = new TopRows(top);
  const queryNorm = normOf(query);
  const dimensions = query.length;
  const texts = record.output.format !== 'npy';
  for await (const block of readOutputRows(output, record, { texts, dimensions })) {
    block.lines.forEach((line, i) => {
      const place = block.first + i;
      if (place === except) return;
      const chunk = block.chunks?.[i];
      const document = block.documents?.[i];
      best.add({
        place,
        line,
        ...(chunk === undefined ? {} : { chunk }),
        ...(document === undefined ? {} : { document }),
        score: cosine(query, queryNorm, block.vectors, i * dimensions),
        text: block.texts?.[i],
      });
    });
  }
  const fromInput = texts
    ? null
    : await rowsAt(
        output,
        record,
        best.rows.map((row) => row.place),
      );
  return best.rows.map(({ place, line, chunk, document, score, text }) => ({
    place,
    line,
    ...(chunk === undefined ? {} : { chunk }),
    ...(document === undefined ? {} : { document }),
    score,
    text: text ?? fromInput?.get(place)?.text ?? '',
  }));
}
