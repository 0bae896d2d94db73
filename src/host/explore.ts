import { stat, writeFile } from 'node:fs/promises';
import { advice, EmbeddingError } from '#core/errors';
import type { ProbeLauncher } from '#core/modelProbe';
import { isTablePath } from '#core/output/stagedFile';
import { readRunRecord } from '#core/runRecord';
import { duplicateGroupsLines, findDuplicates, keptLines, type Duplicates } from '#core/search/duplicates';
import { searchOutput, type SearchHit } from '#core/search/exactSearch';
import { neighboursOf } from '#core/search/neighbours';
import { buildOutputIndex, indexState } from '#core/search/outputIndex';
import { outputMap } from '#core/search/outputMap';
import { rowsAt } from '#core/search/outputRows';
import {
  MAX_SHOWN_DUPLICATE_GROUPS,
  MAX_SHOWN_GROUP_ROWS,
  type DUPLICATE_EXPORTS,
  type EventPayloads,
  type ExploreDuplicates,
  type ExploredOutput,
  type ExploreHit,
  type ExploreIndexState,
  type ExploreMap,
  type ExploreRow,
} from '#shared/contract';
import type { GpuChoice } from '#shared/engine';
import type { CatalogEntry } from '#shared/modelLibrary';
import type { ParsedParams } from './requestParams';

/** Characters of a row's text a result carries: enough for a list of results, never a whole long document. */
export const PREVIEW_CHARS = 500;
/** Characters of a row's text a map's hover shows. */
export const MAP_PREVIEW_CHARS = 120;
/** Progress of long work (a map, an index, duplicates) is sent at most this often, and at each new phase and the end. */
const PROGRESS_MS = 100;

/** What Explore needs from the rest of the host, asked for each request so that it follows the settings. */
export interface ExploreContext {
  /** Where the run's model is looked for by its file name when it is no longer where the run found it. */
  modelsDir(): Promise<string>;
  catalog(): Promise<CatalogEntry[]>;
  hardware(): Promise<{ gpu: GpuChoice; threads: number | null }>;
  probe: ProbeLauncher;
}

/** What the run record of `output` says of it, with the catalog's query prefix for its model where it has one. */
export async function openOutput(output: string, context: ExploreContext): Promise<ExploredOutput> {
  await checkOutputFile(output);
  const record = await readRunRecord(output);
  const entry = (await context.catalog()).find((each) => each.fileName === record.model.file);
  return {
    output,
    format: record.output.format,
    rows: record.output.rows,
    modelFile: record.model.file,
    modelName: record.model.name,
    documentPrefix: record.vectors.prefix,
    queryPrefix: entry ? entry.queryPrefix : null,
    finishedAt: record.finishedAt,
    index: await exploreIndexState(output),
  };
}

/** Whether `<output>.index` is there, built from the output as it is now. */
async function exploreIndexState(output: string): Promise<ExploreIndexState> {
  const found = await indexState(output);
  return found.state === 'fresh' ? { state: 'fresh', rows: found.info.rows, builtAt: found.info.builtAt } : found;
}

/** Exact search of `output` with the model its run recorded; texts come back cut to PREVIEW_CHARS, vectors never. */
export async function searchExplored(
  { output, query, top, queryPrefix }: ParsedParams<'explore:search'>,
  context: ExploreContext,
): Promise<{ hits: ExploreHit[] }> {
  await checkOutputFile(output);
  const { gpu, threads } = await context.hardware();
  const hits = await searchOutput({
    output,
    query,
    top,
    queryPrefix,
    modelsDir: await context.modelsDir(),
    gpu,
    threads: threads ?? undefined,
    probe: context.probe,
  });
  return { hits: hits.map(hitPreview) };
}

/**
 * The map of `output` (read from `<output>.map.json` where it is fresh, else made and kept there), its progress sent
 * as `explore:mapProgress` events; coordinates, clusters and lines only, never vectors or texts.
 */
export async function mapExplored(
  output: string,
  emit: (event: 'explore:mapProgress', payload: EventPayloads['explore:mapProgress']) => void,
  signal: AbortSignal,
): Promise<ExploreMap> {
  await checkOutputFile(output);
  const map = await outputMap(output, {
    signal,
    onProgress: throttled((progress: Omit<EventPayloads['explore:mapProgress'], 'output'>) =>
      emit('explore:mapProgress', { output, ...progress }),
    ),
  });
  const x: number[] = [];
  const y: number[] = [];
  for (let row = 0; row < map.rows; row += 1) {
    x.push(map.coordinates[row * 2] ?? 0);
    y.push(map.coordinates[row * 2 + 1] ?? 0);
  }
  return {
    output,
    rows: map.rows,
    lines: Array.from(map.lines),
    x,
    y,
    clusterIds: Array.from(map.clusterIds),
    clusters: map.clusters,
  };
}

/** Builds `<output>.index` (replacing one there), its progress sent as `explore:indexProgress` events. */
export async function indexExplored(
  output: string,
  emit: (event: 'explore:indexProgress', payload: EventPayloads['explore:indexProgress']) => void,
  signal: AbortSignal,
): Promise<ExploreIndexState> {
  await checkOutputFile(output);
  const send = throttled((progress: EventPayloads['explore:indexProgress']) => emit('explore:indexProgress', progress));
  await buildOutputIndex(output, {
    signal,
    onProgress: ({ rowsDone, rowsTotal }) => send({ output, done: rowsDone, total: rowsTotal }),
  });
  return await exploreIndexState(output);
}

/** The duplicates of `output` at `threshold` (see findDuplicates), their progress sent as events. */
export async function findExploredDuplicates(
  output: string,
  threshold: number,
  emit: (event: 'explore:duplicatesProgress', payload: EventPayloads['explore:duplicatesProgress']) => void,
  signal: AbortSignal,
): Promise<Duplicates> {
  await checkOutputFile(output);
  const send = throttled((progress: EventPayloads['explore:duplicatesProgress']) =>
    emit('explore:duplicatesProgress', progress),
  );
  return await findDuplicates({
    output,
    threshold,
    signal,
    onProgress: ({ phase, rowsDone, rowsTotal }) => send({ output, phase, done: rowsDone, total: rowsTotal }),
  });
}

/**
 * The counts of duplicates found, and their first MAX_SHOWN_DUPLICATE_GROUPS groups with the lines and the starts of
 * the texts of their first MAX_SHOWN_GROUP_ROWS rows: never every text, never vectors.
 */
export async function duplicatesSummary(
  output: string,
  threshold: number,
  { groups, keep }: Duplicates,
): Promise<ExploreDuplicates> {
  const shown = groups
    .slice(0, MAX_SHOWN_DUPLICATE_GROUPS)
    .map((group) => ({ group, places: group.places.slice(0, MAX_SHOWN_GROUP_ROWS) }));
  const { rows } = shown.length
    ? await rowsExplored(
        output,
        shown.flatMap(({ places }) => places),
      )
    : { rows: [] };
  const found = new Map(rows.map((row) => [row.place, row]));
  return {
    output,
    threshold,
    groups: groups.length,
    exactGroups: groups.filter((group) => group.exact).length,
    rowsInGroups: groups.reduce((sum, group) => sum + group.places.length, 0),
    rowsToKeep: keep.length,
    shown: shown.map(({ group, places }) => ({
      size: group.places.length,
      minScore: group.minScore,
      exact: group.exact,
      rows: places.flatMap((place) => found.get(place) ?? []),
    })),
  };
}

/** Writes the groups (JSON Lines, one a line) or the rows to keep (one a line) to `path`, as the command line does. */
export async function exportDuplicates(
  path: string,
  what: (typeof DUPLICATE_EXPORTS)[number],
  { groups, keep }: Duplicates,
): Promise<{ path: string }> {
  await writeFile(path, what === 'groups' ? duplicateGroupsLines(groups) : keptLines(keep));
  return { path };
}

/** The row at `place` and the `top` rows nearest to it (itself left out), with the starts of their texts. */
export async function neighboursExplored(
  output: string,
  place: number,
  top: number,
): Promise<{ row: ExploreRow; hits: ExploreHit[] }> {
  await checkOutputFile(output);
  const hits = await neighboursOf({ output, row: { place }, top });
  const { rows } = await rowsExplored(output, [place]);
  const row = rows[0];
  if (!row)
    throw new EmbeddingError(
      'LINE_NOT_IN_OUTPUT',
      `${output} has no row ${place + 1}.`,
      advice('Choose one of its rows.'),
    );
  return { row: { ...row, text: preview(row.text) }, hits: hits.map(hitPreview) };
}

/** Writes `lines`, one a line, to `path`. */
export async function exportLines(path: string, lines: readonly number[]): Promise<{ path: string }> {
  await writeFile(path, lines.map((line) => `${line}\n`).join(''));
  return { path };
}

/** The rows at those of `places` that `output` has, with the starts of their texts, in the order asked. */
export async function rowsExplored(output: string, places: readonly number[]): Promise<{ rows: ExploreRow[] }> {
  await checkOutputFile(output);
  const found = await rowsAt(output, await readRunRecord(output), places);
  return {
    rows: places.flatMap((place) => {
      const row = found.get(place);
      return row ? [{ place, ...row, text: preview(row.text, MAP_PREVIEW_CHARS) }] : [];
    }),
  };
}

/** Sends progress at most every PROGRESS_MS, and always at a new phase and at the end. */
function throttled<P extends { done: number; total: number; phase?: string }>(
  send: (progress: P) => void,
): (progress: P) => void {
  let sent = -Infinity;
  let phase: string | undefined = '';
  return (progress) => {
    const now = performance.now();
    if (progress.phase === phase && now - sent < PROGRESS_MS && progress.done < progress.total) return;
    sent = now;
    phase = progress.phase;
    send(progress);
  };
}

function hitPreview({ place, line, chunk, document, score, text }: SearchHit): ExploreHit {
  return { place, line, ...(chunk ? { chunk } : {}), ...(document ? { document } : {}), score, text: preview(text) };
}

function preview(text: string, length = PREVIEW_CHARS): string {
  const chars = Array.from(text);
  return chars.length <= length ? text : `${chars.slice(0, length - 1).join('')}…`;
}

/**
 * The output itself must be there: a run record beside nothing is no output to explore. It is a file, or the folder of
 * a LanceDB table (`.lance`).
 */
async function checkOutputFile(output: string): Promise<void> {
  const found = await stat(output).catch(() => null);
  if (!found)
    throw new EmbeddingError(
      'FILE_NOT_FOUND',
      `${output} does not exist.`,
      advice('Check the path: Explore opens the output of a finished run.'),
    );
  if (!found.isFile() && !(found.isDirectory() && isTablePath(output)))
    throw new EmbeddingError(
      'NOT_A_FILE',
      `${output} is not a file.`,
      advice('Choose the output file of a finished run (or its .lance table folder), not another folder.'),
    );
}
