import { availableParallelism } from 'node:os';
import { lstat, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import usearch, { MetricKind, ScalarKind, type Index as UsearchIndex } from 'usearch';
import { OUTPUT_INDEX_VERSION, outputIndexInfoSchema, type OutputIndexInfo } from '#shared/outputIndex';
import type { RunRecord } from '#shared/runRecord';
import { fileFingerprint, outputFingerprint } from '../checkpoint';
import { cancelledError, EmbeddingError, errorMessage } from '../errors';
import { stagingPath } from '../output/stagedFile';
import { readRunRecord } from '../runRecord';
import { outputDimension, readOutputRows } from './outputRows';

/**
 * How indexes are built, chosen by measuring recall@10 against exact search on clustered 384-dimension vectors
 * (npm run bench:explore): f16 keeps recall above 0.99 at half the memory of f32, where i8 fell to 0.87; 16 links per
 * node and 64 candidates when adding a row and when searching (see expansionSearchFor for large indexes) keep it near 1
 * at a fraction of a millisecond a query (32 when adding dropped it to 0.96 at 100,000 rows, and missed more
 * near-duplicates).
 */
export const INDEX_SETTINGS = { quantization: 'f16', connectivity: 16, expansionAdd: 64 } as const;

/**
 * The candidates a search weighs, by the rows the index holds: 64 keep recall@10 at 0.999 at 100,000 rows, but at a
 * million rows it fell to 0.83; doubling them for each doubling of the rows past 125,000 brought it back to 0.95 (512
 * at a million, about 4.5 ms a query on a busy 2-core machine; measured with bench/explore.ts's data), at most 1,024.
 */
export function expansionSearchFor(rows: number): number {
  const doublings = Math.max(0, Math.ceil(Math.log2(rows / 125_000)));
  return Math.min(1024, 64 * 2 ** doublings);
}

/** `<output>.index`: the HNSW index of an output's rows. */
export function indexPath(output: string): string {
  return `${output}.index`;
}

/** `<output>.index.json`: what the index was built from (OutputIndexInfo). */
export function indexInfoPath(output: string): string {
  return `${output}.index.json`;
}

/** One row an index found: its place in the output (from 0) and its cosine similarity to what was searched for. */
export interface IndexMatch {
  place: number;
  score: number;
}

export interface IndexProgress {
  rowsDone: number;
  rowsTotal: number;
}

export interface BuildIndexOptions {
  onProgress?: (progress: IndexProgress) => void;
  signal?: AbortSignal;
  /** Threads adding rows; default: every core. */
  threads?: number;
}

/** Whether the index beside an output can be used: `stale` says why not, when there is one that cannot. */
export type IndexState =
  { state: 'fresh'; info: OutputIndexInfo } | { state: 'missing' } | { state: 'stale'; reason: string };

/** An index of an output's rows, open for searching. */
export class OutputIndex {
  private constructor(
    private readonly index: UsearchIndex,
    readonly dimensions: number,
  ) {}

  /** The rows nearest to `vector`, best first, `count` at most. */
  search(vector: Float32Array, count: number): IndexMatch[] {
    const { keys, distances } = this.index.search(vector, count, 1);
    return Array.from(keys, (key, i) => ({ place: Number(key), score: 1 - (distances[i] ?? 1) }));
  }

  /** The `count` nearest rows of each of the vectors (`dimensions` values each, one after the other), on `threads`. */
  searchMany(vectors: Float32Array, count: number, threads: number): IndexMatch[][] {
    const rows: Float32Array[] = [];
    for (let at = 0; at < vectors.length; at += this.dimensions) rows.push(vectors.subarray(at, at + this.dimensions));
    if (!rows.length) return [];
    const found = this.index.search(rows, count, threads);
    return rows.map((_, row) => {
      const matches: IndexMatch[] = [];
      const found_ = Number(found.counts[row] ?? 0n);
      for (let i = 0; i < found_; i += 1) {
        const at = row * found.k + i;
        matches.push({ place: Number(found.keys[at] ?? 0n), score: 1 - (found.distances[at] ?? 1) });
      }
      return matches;
    });
  }

  /**
   * Opens the fresh index of `output` (see indexState), memory-mapped rather than read, once its file is checked to be
   * the one built: usearch trusts a file it maps, and crashes the process on one that is not an index.
   */
  static async open(output: string, info: OutputIndexInfo): Promise<OutputIndex> {
    await checkIndexFile(output, info);
    const index = newIndex(info.dimensions, info.expansionSearch);
    try {
      index.view(indexPath(output));
    } catch (error) {
      throw indexInvalid(output, errorMessage(error), error);
    }
    if (index.size() !== info.rows) throw indexInvalid(output, `it holds ${index.size()} rows, not ${info.rows}`);
    return new OutputIndex(index, info.dimensions);
  }

  /** An index of the output's rows built in memory, saved nowhere. */
  static async build(
    output: string,
    record: RunRecord,
    options: BuildIndexOptions = {},
  ): Promise<{ index: OutputIndex; usearch: UsearchIndex }> {
    const dimensions = outputDimension(record);
    const index = newIndex(dimensions, expansionSearchFor(record.output.rows));
    const threads = options.threads ?? availableParallelism();
    const rowsTotal = record.output.rows;
    let rowsDone = 0;
    options.onProgress?.({ rowsDone, rowsTotal });
    for await (const block of readOutputRows(output, record, { signal: options.signal })) {
      if (options.signal?.aborted) throw cancelledError();
      if (!block.lines.length) continue;
      index.add(
        BigUint64Array.from(block.lines, (_, i) => BigInt(block.first + i)),
        block.vectors,
        threads,
      );
      rowsDone += block.lines.length;
      options.onProgress?.({ rowsDone, rowsTotal });
    }
    if (options.signal?.aborted) throw cancelledError();
    return { index: new OutputIndex(index, dimensions), usearch: index };
  }
}

/** Bytes a value takes in the index file. */
const SCALAR_BYTES: Record<OutputIndexInfo['quantization'], number> = { f32: 4, f16: 2, i8: 1 };

/**
 * Checks the index file against its description: its fingerprint, and its layout as usearch saves it (the rows and
 * bytes of a row as two uint32, the vectors, then the graph, which starts with "usearch").
 */
async function checkIndexFile(output: string, info: OutputIndexInfo, path = indexPath(output)): Promise<void> {
  if ((await fileFingerprint(path, info.indexSize)) !== info.indexFingerprint)
    throw indexInvalid(output, 'it is not the file that was built');
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    const rowBytes = info.dimensions * SCALAR_BYTES[info.quantization];
    const magic = Buffer.alloc(7);
    await handle.read(magic, 0, 7, 8 + info.rows * rowBytes);
    if (
      head.readUInt32LE(0) !== info.rows ||
      head.readUInt32LE(4) !== rowBytes ||
      magic.toString('latin1') !== 'usearch'
    )
      throw indexInvalid(output, 'it is not an index of its rows');
  } finally {
    await handle.close();
  }
}

function newIndex(dimensions: number, expansionSearch: number): UsearchIndex {
  return new usearch.Index({
    dimensions,
    metric: MetricKind.Cos,
    quantization: ScalarKind.F16,
    connectivity: INDEX_SETTINGS.connectivity,
    expansion_add: INDEX_SETTINGS.expansionAdd,
    expansion_search: expansionSearch,
    multi: false,
  });
}

function indexInvalid(output: string, why: string, cause?: unknown): EmbeddingError {
  return new EmbeddingError(
    'INDEX_INVALID',
    `The index of ${output}, ${indexPath(output)}, cannot be used: ${why}.`,
    { kind: 'rebuildIndex', output },
    { cause },
  );
}

/** Whether `<output>.index` is there and was built from the output as it is now, with the settings used now. */
export async function indexState(output: string): Promise<IndexState> {
  let text: string;
  try {
    text = await readFile(indexInfoPath(output), 'utf8');
  } catch {
    return { state: 'missing' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { state: 'stale', reason: `${indexInfoPath(output)} is not JSON` };
  }
  const parsed = outputIndexInfoSchema.safeParse(json);
  if (!parsed.success) {
    const version = typeof json === 'object' && json !== null ? (json as { version?: unknown }).version : undefined;
    const older = typeof version === 'number' && version < OUTPUT_INDEX_VERSION;
    const why = older ? 'was built by an earlier version of Embedding Studio' : 'does not describe an index';
    return { state: 'stale', reason: `${indexInfoPath(output)} ${why}` };
  }
  const info = parsed.data;
  const now = await outputFingerprint(output);
  if (now.size !== info.output.size || now.fingerprint !== info.output.fingerprint)
    return { state: 'stale', reason: `${output} has changed since its index was built` };
  const indexSize = await stat(indexPath(output)).then(
    (found) => found.size,
    () => null,
  );
  if (indexSize !== info.indexSize)
    return {
      state: 'stale',
      reason: `${indexPath(output)} is ${indexSize === null ? 'missing' : 'not the one built'}`,
    };
  return { state: 'fresh', info };
}

/**
 * Builds `<output>.index` and `<output>.index.json` from the output's rows, replacing any there. Both are written under
 * `.partial` names and renamed at the end, the description last, so that a build that is cancelled or crashes leaves
 * no index that looks usable.
 */
export async function buildOutputIndex(output: string, options: BuildIndexOptions = {}): Promise<OutputIndexInfo> {
  const record = await readRunRecord(output);
  const before = await outputFingerprint(output);
  for (const path of [indexPath(output), indexInfoPath(output)]) await refuseNonFile(path);
  const stagedIndex = stagingPath(indexPath(output));
  const stagedInfo = stagingPath(indexInfoPath(output));
  try {
    const { usearch: index } = await OutputIndex.build(output, record, options);
    // usearch writes through whatever is at the path: only a file of its own is written.
    await rm(stagedIndex, { force: true });
    index.save(stagedIndex);
    const after = await outputFingerprint(output);
    if (after.size !== before.size || after.fingerprint !== before.fingerprint) {
      throw new EmbeddingError('INPUT_CHANGED', `${output} changed while its index was built.`, {
        kind: 'rebuildIndex',
        output,
      });
    }
    const info: OutputIndexInfo = {
      version: OUTPUT_INDEX_VERSION,
      builtAt: new Date().toISOString(),
      output: before,
      rows: index.size(),
      dimensions: outputDimension(record),
      metric: 'cos',
      ...INDEX_SETTINGS,
      expansionSearch: expansionSearchFor(index.size()),
      indexSize: 0,
      indexFingerprint: '',
    };
    info.indexSize = (await stat(stagedIndex)).size;
    info.indexFingerprint = await fileFingerprint(stagedIndex, info.indexSize);
    await checkIndexFile(output, info, stagedIndex);
    await rm(stagedInfo, { force: true });
    await writeFile(stagedInfo, `${JSON.stringify(info, null, 2)}\n`, { flag: 'wx' });
    await rm(indexInfoPath(output), { force: true });
    await rename(stagedIndex, indexPath(output));
    await rename(stagedInfo, indexInfoPath(output));
    return info;
  } catch (error) {
    await rm(stagedIndex, { force: true });
    await rm(stagedInfo, { force: true });
    if (error instanceof EmbeddingError && error.code === 'CANCELLED') {
      throw new EmbeddingError('CANCELLED', `The index of ${output} was cancelled before it was built.`, {
        kind: 'advice',
        text: 'Nothing of it was kept; an index there before is as it was.',
      });
    }
    throw error;
  }
}

async function refuseNonFile(path: string): Promise<void> {
  const found = await lstat(path).catch(() => null);
  if (found && !found.isFile()) {
    throw new EmbeddingError(
      'OUTPUT_UNWRITABLE',
      `${path} is there and is not a regular file: an index replaces only files.`,
      {
        kind: 'advice',
        text: 'Move it away, then build the index again.',
      },
    );
  }
}

/**
 * The index of `output` when it is fresh; null when there is none, or when it is stale, which `onNotice` is told (the
 * caller then reads every row).
 */
export async function freshIndex(output: string, onNotice?: (message: string) => void): Promise<OutputIndex | null> {
  const found = await indexState(output);
  if (found.state === 'missing') return null;
  if (found.state === 'stale') {
    onNotice?.(`${found.reason}: its index is not used, every row is read instead. Build the index again to use it.`);
    return null;
  }
  return await OutputIndex.open(output, found.info);
}
