import { availableParallelism } from 'node:os';
import { cancelledError } from '../errors';
import { readRunRecord } from '../runRecord';
import { freshIndex, OutputIndex, type IndexProgress } from './outputIndex';
import { checkRowPerLine, readOutputRows } from './outputRows';

/** Rows whose cosine similarity is at least the threshold, joined pair by pair. */
export interface DuplicateGroup {
  /** The input lines of its rows, in order. */
  lines: number[];
  /** The lowest similarity among the pairs that joined the group (rows of the same text count as 1). */
  minScore: number;
  /** Whether every row of the group has the same text. */
  exact: boolean;
}

export interface Duplicates {
  groups: DuplicateGroup[];
  /** The lines to keep to have no duplicates: the first of each group, and every row's line in none, in order. */
  keep: number[];
}

export interface DuplicatesOptions {
  /** The embeddings file of a finished run (with its `<output>.run.json`). */
  output: string;
  /** The cosine similarity from which two rows are near-duplicates, 0 to 1. */
  threshold: number;
  /** Where the work is: building an index in memory (where the output has no fresh one), then grouping the rows. */
  onProgress?: (progress: IndexProgress & { phase: 'index' | 'groups' }) => void;
  onNotice?: (message: string) => void;
  signal?: AbortSignal;
  /** Threads searching the index; default: every core. */
  threads?: number;
}

/**
 * Each row's nearest rows the index is asked for: a row joins a group through any of them at the threshold, so a
 * group larger than this still forms, pair by pair.
 */
const NEIGHBOURS_PER_ROW = 16;

/**
 * Groups of duplicate rows: rows of the same text (by its MD5, as Parquet's `text_hash`), and rows whose cosine
 * similarity is at least the threshold, found among each row's nearest rows in the index (the output's own where it is
 * fresh, else one built in memory) and joined into groups (union-find). Groups of the same text come first, then the
 * others, each in the order of its first line.
 */
export async function findDuplicates(options: DuplicatesOptions): Promise<Duplicates> {
  const { output, threshold, signal } = options;
  const record = await readRunRecord(output);
  checkRowPerLine(output, record, 'finding duplicates');
  const threads = options.threads ?? availableParallelism();
  const index =
    (await freshIndex(output, options.onNotice)) ??
    (
      await OutputIndex.build(output, record, {
        signal,
        threads,
        onProgress: (progress) => options.onProgress?.({ ...progress, phase: 'index' }),
      })
    ).index;
  const groups = new UnionFind(record.output.lines);
  const firstOfText = new Map<string, number>();
  const rowsTotal = record.output.rows;
  let rowsDone = 0;
  options.onProgress?.({ rowsDone, rowsTotal, phase: 'groups' });
  for await (const block of readOutputRows(output, record, { hashes: true, signal })) {
    if (signal?.aborted) throw cancelledError();
    block.lines.forEach((line, i) => {
      groups.add(line);
      const hash = block.hashes?.[i] ?? '';
      const first = firstOfText.get(hash);
      if (first === undefined) firstOfText.set(hash, line);
      else groups.join(first, line, 1, true);
    });
    const nearest = index.searchMany(block.vectors, NEIGHBOURS_PER_ROW, threads);
    nearest.forEach((matches, i) => {
      const line = block.lines[i] ?? 0;
      for (const match of matches) {
        if (match.score < threshold) break;
        if (match.line !== line) groups.join(line, match.line, Math.min(1, match.score), false);
      }
    });
    rowsDone += block.lines.length;
    options.onProgress?.({ rowsDone, rowsTotal, phase: 'groups' });
  }
  const found = groups.groups();
  const dropped = new Set(found.flatMap((group) => group.lines.slice(1)));
  return { groups: found, keep: groups.lines().filter((line) => !dropped.has(line)) };
}

/** Disjoint sets of input lines, each set knowing the lowest score that joined it and whether it is all one text. */
class UnionFind {
  private readonly parent: Uint32Array;
  private readonly size: Uint32Array;
  private readonly minScore: Float32Array;
  private readonly exact: Uint8Array;

  constructor(lines: number) {
    this.parent = new Uint32Array(lines + 1);
    this.size = new Uint32Array(lines + 1);
    this.minScore = new Float32Array(lines + 1).fill(1);
    this.exact = new Uint8Array(lines + 1).fill(1);
  }

  /** Makes a set of one row, unless the row is in one already. */
  add(line: number): void {
    if (this.size[line]) return;
    this.parent[line] = line;
    this.size[line] = 1;
  }

  private find(line: number): number {
    let root = line;
    while (this.parent[root] !== root) root = this.parent[root] ?? root;
    let at = line;
    while (at !== root) {
      const next = this.parent[at] ?? root;
      this.parent[at] = root;
      at = next;
    }
    return root;
  }

  /** Joins the sets of two rows by a pair of this score; a row not added yet (a later one) is added first. */
  join(a: number, b: number, score: number, exact: boolean): void {
    this.add(b);
    let rootA = this.find(a);
    let rootB = this.find(b);
    if (rootA === rootB) return;
    if ((this.size[rootA] ?? 0) < (this.size[rootB] ?? 0)) [rootA, rootB] = [rootB, rootA];
    this.parent[rootB] = rootA;
    this.size[rootA] = (this.size[rootA] ?? 0) + (this.size[rootB] ?? 0);
    this.minScore[rootA] = Math.min(this.minScore[rootA] ?? 1, this.minScore[rootB] ?? 1, score);
    this.exact[rootA] = (this.exact[rootA] ?? 0) & (this.exact[rootB] ?? 0) & (exact ? 1 : 0);
  }

  /** The lines of every row, in order. */
  lines(): number[] {
    const lines: number[] = [];
    for (let line = 1; line < this.size.length; line += 1) if (this.size[line]) lines.push(line);
    return lines;
  }

  groups(): DuplicateGroup[] {
    const byRoot = new Map<number, number[]>();
    for (let line = 1; line < this.parent.length; line += 1) {
      if (!this.size[line]) continue;
      const root = this.find(line);
      if ((this.size[root] ?? 0) < 2) continue;
      const lines = byRoot.get(root);
      if (lines) lines.push(line);
      else byRoot.set(root, [line]);
    }
    const found = Array.from(byRoot, ([root, lines]) => ({
      lines,
      minScore: this.minScore[root] ?? 1,
      exact: this.exact[root] === 1,
    }));
    return found.sort((a, b) => Number(b.exact) - Number(a.exact) || (a.lines[0] ?? 0) - (b.lines[0] ?? 0));
  }
}
