import { resolve } from 'node:path';
import type { RunRecord } from '#shared/runRecord';
import { inShard, shardName, type Shard } from '#shared/shard';
import { fileFingerprint } from './checkpoint';
import { advice, EmbeddingError, errorMessage } from './errors';
import { checkReadableFile } from './files';
import { countLines } from './input';
import { outputLines, skipLogLines } from './output/outputLines';
import { rowKindOf } from './output/outputWriter';
import { skipLogPath } from './output/skipLog';
import { readRunRecord } from './runRecord';

/** First and last line of a run of lines, both included. */
export type LineRange = [number, number];

/** Ranges listed at most in a report; the counts are whole. */
const MAX_RANGES = 100;

export interface ShardPart {
  output: string;
  shard: Shard;
  rows: number;
  /** Lines in its skip log: skipped for their content, or failed. */
  skipped: number;
}

export interface ShardReport {
  /** The input the parts were made from, as their runs were given it. */
  input: string | null;
  /** N: the shards the input was split into. */
  count: number;
  /** The input's lines: counted in the input where it was given, else told by the parts. */
  lines: number;
  parts: ShardPart[];
  /** Shards no part is of, and shards two or more parts are of. */
  missingShards: number[];
  doubledShards: number[];
  /** Lines that are neither a row nor in a skip log, and lines that are more than once; the first MAX_RANGES runs. */
  missing: LineRange[];
  missingLines: number;
  twice: LineRange[];
  twiceLines: number;
  /** Parts that cannot be counted (unfinished, from another input, model or settings), in words. */
  problems: string[];
  /** Every line of the input exactly once across the parts, and nothing else wrong. */
  ok: boolean;
}

/**
 * Checks that the outputs of a sharded run (each made with its own shard of one input, by the same model and
 * settings) hold every line of the input exactly once between them, as a row or in a skip log; reads only their line
 * numbers and run records, never their vectors. `input`: the input itself, to count its lines and check it is the one
 * the parts were made from; without it the parts' own counts tell how many lines it has.
 */
export async function verifyShards(outputs: readonly string[], input?: string): Promise<ShardReport> {
  const problems: string[] = [];
  const records: Array<{ output: string; record: RunRecord }> = [];
  for (const output of outputs) {
    try {
      records.push({ output, record: await readRunRecord(output) });
    } catch (error) {
      problems.push(`${output} is not a finished output: ${errorMessage(error)}`);
    }
  }
  const folder = records.find(({ record }) => record.input.documents !== null);
  if (folder) {
    throw new EmbeddingError(
      'BAD_OPTION',
      `${folder.output} is the output of a folder of documents, which is embedded whole: it has no shards.`,
      advice('Use the output as it is.'),
    );
  }
  const reference = records[0];
  if (!reference) return emptyReport(problems);
  const count = reference.record.input.shard?.count ?? 1;
  const parts = records.filter(({ output, record }) => {
    const difference = partDifference(reference.record, record);
    if (difference) problems.push(`${output} is not a shard of the same run as ${reference.output}: ${difference}.`);
    return difference === null;
  });

  const lines = input ? await inputLines(input, reference) : linesFromParts(parts, count);
  const seen = new LineSet(lines);
  const twice = new LineSet(lines);
  let beyond = 0;
  const counted: ShardPart[] = [];
  for (const { output, record } of parts) {
    const shard = record.input.shard ?? { index: 0, count: 1 };
    const part: ShardPart = { output, shard, rows: 0, skipped: 0 };
    // The first line found outside the part's shard; 0: none.
    let foreign = 0;
    const take = (line: number): void => {
      if (line < 1 || line > lines) beyond += 1;
      else if (seen.has(line)) twice.add(line);
      else seen.add(line);
      if (!foreign && !inShard(line, shard)) foreign = line;
    };
    try {
      // With the policy chunk, a line's chunks are rows one after another: the line is there once.
      let previous = 0;
      for await (const line of outputLines(output, record.output.format, rowKindOf(record.vectors.onLong))) {
        if (line !== previous || record.vectors.onLong !== 'chunk') take(line);
        previous = line;
        part.rows += 1;
      }
      for await (const line of skipLogLines(skipLogPath(output))) {
        take(line);
        part.skipped += 1;
      }
    } catch (error) {
      problems.push(`${output} cannot be read whole: ${errorMessage(error)}`);
    }
    if (foreign) problems.push(`${output} holds line ${foreign}, which is not in its shard ${shardName(shard)}.`);
    counted.push(part);
  }
  if (beyond) problems.push(`${beyond} rows or skips name lines past the input's ${lines} lines.`);

  const byShard = new Map<number, number>();
  for (const { shard } of counted) byShard.set(shard.index, (byShard.get(shard.index) ?? 0) + 1);
  const missingShards = range(count).filter((index) => !byShard.has(index));
  const doubledShards = range(count).filter((index) => (byShard.get(index) ?? 0) > 1);
  const missing = seen.absentRanges();
  const repeated = twice.presentRanges();
  return {
    input: reference.record.input.path,
    count,
    lines,
    parts: counted,
    missingShards,
    doubledShards,
    missing: missing.ranges,
    missingLines: missing.lines,
    twice: repeated.ranges,
    twiceLines: repeated.lines,
    problems,
    ok: !problems.length && !missingShards.length && !doubledShards.length && !missing.lines && !repeated.lines,
  };
}

function emptyReport(problems: string[]): ShardReport {
  return {
    input: null,
    count: 0,
    lines: 0,
    parts: [],
    missingShards: [],
    doubledShards: [],
    missing: [],
    missingLines: 0,
    twice: [],
    twiceLines: 0,
    problems,
    ok: false,
  };
}

/** Why `record` is not of the same sharded run as `reference` (input, shards, model, vector settings), or null. */
function partDifference(reference: RunRecord, record: RunRecord): string | null {
  const [a, b] = [reference.input, record.input];
  if (a.size !== b.size || (a.fingerprint ?? a.mtimeMs) !== (b.fingerprint ?? b.mtimeMs))
    return `it was made from another input (${b.path}, ${b.size} bytes; that one ${a.path}, ${a.size} bytes)`;
  if (a.format !== b.format || a.field !== b.field) return 'it read the input in another way';
  if ((a.shard?.count ?? 1) !== (b.shard?.count ?? 1))
    return `it is one of ${b.shard?.count ?? 1} shards, that one of ${a.shard?.count ?? 1}`;
  if (reference.model.fingerprint !== record.model.fingerprint)
    return `it was made with another model (${record.model.file}; that one ${reference.model.file})`;
  if (JSON.stringify(reference.vectors) !== JSON.stringify(record.vectors))
    return 'its vectors were made with other settings';
  if (reference.precision.type !== record.precision.type)
    return `its vectors are stored as ${record.precision.type}, that one's as ${reference.precision.type}`;
  return null;
}

/** Counts the lines of `input`, once it is known to be the input the parts were made from. */
async function inputLines(input: string, reference: { output: string; record: RunRecord }): Promise<number> {
  const recorded = reference.record.input;
  const size = await checkReadableFile(input, 'input');
  const fingerprint = recorded.fingerprint === undefined ? undefined : await fileFingerprint(input, size);
  if (size !== recorded.size || fingerprint !== recorded.fingerprint) {
    throw new EmbeddingError(
      'INPUT_CHANGED',
      `${input} is not the input ${reference.output} was made from (${resolve(recorded.absolutePath)}, ${recorded.size} bytes; this one ${size} bytes).`,
      advice('Name the input the shards were made from, or none: their run records tell how many lines it has.'),
    );
  }
  return countLines(input);
}

/**
 * The input's lines as the parts tell them: shard K of N holds the lines K + 1, K + 1 + N, ..., so one that holds H
 * lines ends at line K + 1 + (H - 1) N, and the input's last line is the last line of one shard: the largest of those
 * ends (where a shard is missing, the last line found).
 */
function linesFromParts(parts: ReadonlyArray<{ record: RunRecord }>, count: number): number {
  let lines = 0;
  for (const { record } of parts) {
    const index = record.input.shard?.index ?? 0;
    const held = record.output.lines;
    if (held) lines = Math.max(lines, index + 1 + (held - 1) * count);
  }
  return lines;
}

function range(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i);
}

/** A set of the line numbers 1 to `size`, one bit each: 12.5 MB for 100 million lines. */
class LineSet {
  private readonly bits: Uint32Array;

  constructor(private readonly size: number) {
    this.bits = new Uint32Array(Math.ceil((size + 1) / 32));
  }

  has(line: number): boolean {
    return ((this.bits[line >>> 5] ?? 0) & (1 << (line & 31))) !== 0;
  }

  add(line: number): void {
    this.bits[line >>> 5] = (this.bits[line >>> 5] ?? 0) | (1 << (line & 31));
  }

  absentRanges(): { ranges: LineRange[]; lines: number } {
    return this.ranges(false);
  }

  presentRanges(): { ranges: LineRange[]; lines: number } {
    return this.ranges(true);
  }

  private ranges(present: boolean): { ranges: LineRange[]; lines: number } {
    const ranges: LineRange[] = [];
    let lines = 0;
    let start = 0;
    for (let line = 1; line <= this.size + 1; line += 1) {
      const inRun = line <= this.size && this.has(line) === present;
      if (inRun) {
        lines += 1;
        if (!start) start = line;
      } else if (start) {
        if (ranges.length < MAX_RANGES) ranges.push([start, line - 1]);
        start = 0;
      }
    }
    return { ranges, lines };
  }
}
