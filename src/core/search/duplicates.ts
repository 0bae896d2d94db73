import { availableParallelism } from 'node:os';
import { cancelledError } from '../errors';
import { readRunRecord } from '../runRecord';
import { freshIndex, OutputIndex, type IndexProgress } from './outputIndex';
import { readOutputRows } from './outputRows';

/** Rows whose cosine similarity is at least the threshold, joined pair by pair. */
export interface DuplicateGroup {
  /** Its rows' places in the output (from 0), in order. */
  places: number[];
  /** The input lines of its rows, in output order. */
  lines: number[];
  /** In an output of chunks: which chunk of its line each row is. */
  chunks?: number[];
  /** In an output of a folder's documents: the page (or record) of each row's chunk, 0 for a document without. */
  pages?: number[];
  /** The lowest similarity among the pairs that joined the group (rows of the same text count as 1). */
  minScore: number;
  /** Whether every row of the group has the same text. */
  exact: boolean;
}

export interface Duplicates {
  groups: DuplicateGroup[];
  /** The rows to keep to have no duplicates: the first of each group, and every row in none, in order. */
  keep: DuplicateRow[];
}

/** A row as duplicates names it: its line, and in an output of chunks its chunk (and page, for documents). */
export interface DuplicateRow {
  line: number;
  page?: number;
  chunk?: number;
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
  const groups = new UnionFind(record.output.rows, record.vectors.onLong === 'chunk', Boolean(record.input.documents));
  const firstOfText = new Map<string, number>();
  const rowsTotal = record.output.rows;
  let rowsDone = 0;
  options.onProgress?.({ rowsDone, rowsTotal, phase: 'groups' });
  for await (const block of readOutputRows(output, record, { hashes: true, signal })) {
    if (signal?.aborted) throw cancelledError();
    block.lines.forEach((line, i) => {
      const place = block.first + i;
      groups.add(place, line, block.chunks?.[i]?.index, block.documents?.[i]?.page ?? 0);
      const hash = block.hashes?.[i] ?? '';
      const first = firstOfText.get(hash);
      if (first === undefined) firstOfText.set(hash, place);
      else groups.join(first, place, 1, true);
    });
    const nearest = index.searchMany(block.vectors, NEIGHBOURS_PER_ROW, threads);
    nearest.forEach((matches, i) => {
      const place = block.first + i;
      for (const match of matches) {
        if (match.score < threshold) break;
        if (match.place !== place) groups.join(place, match.place, Math.min(1, match.score), false);
      }
    });
    rowsDone += block.lines.length;
    options.onProgress?.({ rowsDone, rowsTotal, phase: 'groups' });
  }
  return { groups: groups.groups(), keep: groups.kept() };
}

/**
 * Disjoint sets of rows (by place in the output), each set knowing the lowest score that joined it and whether it is
 * all one text, and each row its line and chunk.
 */
class UnionFind {
  private readonly parent: Uint32Array;
  private readonly size: Uint32Array;
  private readonly minScore: Float32Array;
  private readonly exact: Uint8Array;
  private readonly lines: Float64Array;
  private readonly chunks: Int32Array | null;
  private readonly pages: Int32Array | null;

  constructor(rows: number, chunked: boolean, documents: boolean) {
    this.parent = new Uint32Array(rows);
    this.size = new Uint32Array(rows);
    this.minScore = new Float32Array(rows).fill(1);
    this.exact = new Uint8Array(rows).fill(1);
    this.lines = new Float64Array(rows);
    this.chunks = chunked ? new Int32Array(rows) : null;
    this.pages = documents ? new Int32Array(rows) : null;
  }

  /** Makes a set of one row. */
  add(place: number, line: number, chunk?: number, page?: number): void {
    if (!this.size[place]) {
      this.parent[place] = place;
      this.size[place] = 1;
    }
    this.lines[place] = line;
    if (this.chunks) this.chunks[place] = chunk ?? 0;
    if (this.pages) this.pages[place] = page ?? 0;
  }

  private find(place: number): number {
    let root = place;
    while (this.parent[root] !== root) root = this.parent[root] ?? root;
    let at = place;
    while (at !== root) {
      const next = this.parent[at] ?? root;
      this.parent[at] = root;
      at = next;
    }
    return root;
  }

  /** Joins the sets of two rows by a pair of this score; a row not added yet (a later one) gets a set first. */
  join(a: number, b: number, score: number, exact: boolean): void {
    if (!this.size[b]) {
      this.parent[b] = b;
      this.size[b] = 1;
    }
    let rootA = this.find(a);
    let rootB = this.find(b);
    if (rootA === rootB) return;
    if ((this.size[rootA] ?? 0) < (this.size[rootB] ?? 0)) [rootA, rootB] = [rootB, rootA];
    this.parent[rootB] = rootA;
    this.size[rootA] = (this.size[rootA] ?? 0) + (this.size[rootB] ?? 0);
    this.minScore[rootA] = Math.min(this.minScore[rootA] ?? 1, this.minScore[rootB] ?? 1, score);
    this.exact[rootA] = (this.exact[rootA] ?? 0) & (this.exact[rootB] ?? 0) & (exact ? 1 : 0);
  }

  private row(place: number): DuplicateRow {
    return {
      line: this.lines[place] ?? 0,
      ...(this.pages ? { page: this.pages[place] ?? 0 } : {}),
      ...(this.chunks ? { chunk: this.chunks[place] ?? 0 } : {}),
    };
  }

  /** The first row of each set of more than one, and every row in none, in order. */
  kept(): DuplicateRow[] {
    const seen = new Set<number>();
    const kept: DuplicateRow[] = [];
    for (let place = 0; place < this.parent.length; place += 1) {
      if (!this.size[place]) continue;
      const root = this.find(place);
      if (seen.has(root)) continue;
      seen.add(root);
      kept.push(this.row(place));
    }
    return kept;
  }

  groups(): DuplicateGroup[] {
    const byRoot = new Map<number, number[]>();
    for (let place = 0; place < this.parent.length; place += 1) {
      if (!this.size[place]) continue;
      const root = this.find(place);
      if ((this.size[root] ?? 0) < 2) continue;
      const places = byRoot.get(root);
      if (places) places.push(place);
      else byRoot.set(root, [place]);
    }
    const found = Array.from(byRoot, ([root, places]) => ({ root, places, exact: this.exact[root] === 1 }));
    found.sort((a, b) => Number(b.exact) - Number(a.exact) || (a.places[0] ?? 0) - (b.places[0] ?? 0));
    return found.map(({ root, places, exact }) => ({
      places,
      lines: places.map((place) => this.lines[place] ?? 0),
      ...(this.chunks ? { chunks: places.map((place) => this.chunks?.[place] ?? 0) } : {}),
      ...(this.pages ? { pages: places.map((place) => this.pages?.[place] ?? 0) } : {}),
      minScore: this.minScore[root] ?? 1,
      exact,
    }));
  }
}

/**
 * A group as the duplicates' JSON has it: its lines (and pages, chunks), its lowest score to four places, whether
 * exact.
 */
export function duplicateGroupJson(group: DuplicateGroup): {
  lines: number[];
  pages?: number[];
  chunks?: number[];
  min_score: number;
  exact: boolean;
} {
  return {
    lines: group.lines,
    ...(group.pages ? { pages: group.pages } : {}),
    ...(group.chunks ? { chunks: group.chunks } : {}),
    min_score: Math.round(group.minScore * 10_000) / 10_000,
    exact: group.exact,
  };
}

/** The groups as JSON Lines, one a line. */
export function duplicateGroupsLines(groups: readonly DuplicateGroup[]): string {
  return groups.map((group) => `${JSON.stringify(duplicateGroupJson(group))}\n`).join('');
}

/** A row by its line: `line:chunk` in an output of chunks, `line:page:chunk` in a folder's (page 0: none). */
export function duplicateRowName({ line, page, chunk }: DuplicateRow): string {
  return [line, page, chunk].filter((part) => part !== undefined).join(':');
}

/** The rows to keep, one a line. */
export function keptLines(keep: Duplicates['keep']): string {
  return keep.map((row) => `${duplicateRowName(row)}\n`).join('');
}
