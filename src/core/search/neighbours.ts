import { EmbeddingError } from '../errors';
import { readRunRecord } from '../runRecord';
import { exactNearest, withTexts, type SearchHit } from './exactSearch';
import { freshIndex } from './outputIndex';
import { checkInputUnchanged, checkRowPerLine, vectorOfLine } from './outputRows';

export interface NeighboursOptions {
  /** The embeddings file of a finished run (with its `<output>.run.json`). */
  output: string;
  /** The input line whose row's neighbours are wanted. */
  line: number;
  /** How many rows to return, best first. */
  top: number;
  /** Read every row even where a fresh index of the output is there. */
  exact?: boolean;
  onNotice?: (message: string) => void;
}

/**
 * The `top` rows nearest to the row of input line `line` (itself left out), best first, with their texts: found in
 * the output's index where a fresh one is there, else by reading every row.
 */
export async function neighboursOf(options: NeighboursOptions): Promise<SearchHit[]> {
  const { output, line, top } = options;
  const record = await readRunRecord(output);
  checkRowPerLine(output, record, 'finding the neighbours of a line');
  if (record.output.format === 'npy') await checkInputUnchanged(output, record);
  const vector = await vectorOfLine(output, record, line);
  if (!vector) {
    const why =
      line > record.output.lines
        ? `its input has ${record.output.lines} lines`
        : 'that line was not embedded (the skip log says why)';
    throw new EmbeddingError('LINE_NOT_IN_OUTPUT', `Line ${line} is not a row of ${output}: ${why}.`, {
      kind: 'chooseRowLine',
      last: record.output.lines,
    });
  }
  const index = options.exact ? null : await freshIndex(output, options.onNotice);
  if (!index) return exactNearest(output, record, vector, top, line);
  // One more than wanted, since the row itself is among them (first, unless rows equal to it come before it).
  const matches = index.search(vector, top + 1).filter((match) => match.line !== line);
  return withTexts(output, record, matches.slice(0, top));
}
