import type { RunRecord } from '#shared/runRecord';
import { advice, EmbeddingError } from '../errors';
import { readRunRecord } from '../runRecord';
import { exactNearest, withTexts, type SearchHit } from './exactSearch';
import { freshIndex } from './outputIndex';
import { checkInputUnchanged, rowAt, rowOfLine } from './outputRows';

export interface NeighboursOptions {
  /** The embeddings file of a finished run (with its `<output>.run.json`). */
  output: string;
  /**
   * The row whose neighbours are wanted: the row of an input line (in an output of chunks, of that chunk of it,
   * default 0; in a folder's, of that page of the document, default 0: none), or the row at a place in the output
   * (from 0).
   */
  row: { line: number; chunk?: number; page?: number } | { place: number };
  /** How many rows to return, best first. */
  top: number;
  /** Read every row even where a fresh index of the output is there. */
  exact?: boolean;
  onNotice?: (message: string) => void;
}

/**
 * The `top` rows nearest to the row asked for (itself left out), best first, with their texts: found in the output's
 * index where a fresh one is there, else by reading every row.
 */
export async function neighboursOf(options: NeighboursOptions): Promise<SearchHit[]> {
  const { output, top } = options;
  const record = await readRunRecord(output);
  if (record.output.format === 'npy') await checkInputUnchanged(output, record);
  const row = await chosenRow(output, record, options.row);
  const index = options.exact ? null : await freshIndex(output, options.onNotice);
  if (!index) return exactNearest(output, record, row.vector, top, row.place);
  // One more than wanted, since the row itself is among them (first, unless rows equal to it come before it).
  const matches = index.search(row.vector, top + 1).filter((match) => match.place !== row.place);
  return withTexts(output, record, matches.slice(0, top));
}

async function chosenRow(
  output: string,
  record: RunRecord,
  chosen: NeighboursOptions['row'],
): Promise<{ place: number; vector: Float32Array }> {
  if ('place' in chosen) {
    const vector = await rowAt(output, record, chosen.place);
    if (vector) return { place: chosen.place, vector };
    throw new EmbeddingError(
      'LINE_NOT_IN_OUTPUT',
      `${output} has ${record.output.rows} rows: there is no row ${chosen.place + 1}.`,
      advice('Choose one of its rows.'),
    );
  }
  const { line } = chosen;
  const chunked = record.vectors.onLong === 'chunk';
  if (!chunked && chosen.chunk !== undefined)
    throw new EmbeddingError(
      'BAD_OPTION',
      `${output} has a row per line, not a row per chunk: there is no chunk of line ${line} to choose.`,
      advice('Choose the row by its line alone.'),
    );
  const documents = Boolean(record.input.documents);
  if (!documents && chosen.page !== undefined)
    throw new EmbeddingError(
      'BAD_OPTION',
      `${output} is not an output of a folder of documents: line ${line} has no pages to choose among.`,
      advice('Choose the row by its line (and chunk) alone.'),
    );
  const chunk = chunked ? (chosen.chunk ?? 0) : undefined;
  const page = documents ? (chosen.page ?? 0) : undefined;
  const found = await rowOfLine(output, record, line, chunk, page);
  if (found) return found;
  const why =
    line > record.output.lines
      ? `its input has ${record.output.lines} lines`
      : chunk === undefined
        ? 'that line was not embedded (the skip log says why)'
        : 'that line was not embedded (the skip log says why), or has fewer chunks (numbered from 0)';
  const what =
    chunk === undefined
      ? `Line ${line}`
      : `Chunk ${chunk} of line ${line}${page === undefined ? '' : `, page ${page}`}`;
  throw new EmbeddingError('LINE_NOT_IN_OUTPUT', `${what} is not a row of ${output}: ${why}.`, {
    kind: 'chooseRowLine',
    last: record.output.lines,
  });
}
