import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  duplicateGroupJson,
  duplicateGroupsLines,
  duplicateRowName,
  findDuplicates,
  keptLines,
  type DuplicateGroup,
  type Duplicates,
} from '#core/search/duplicates';
import type { SearchHit } from '#core/search/exactSearch';
import { neighboursOf } from '#core/search/neighbours';
import { buildOutputIndex, indexPath, type IndexProgress } from '#core/search/outputIndex';
import { formatCount } from '#shared/format';
import type { OutputIndexInfo } from '#shared/outputIndex';
import type { DuplicatesCommandOptions, IndexCommandOptions, NeighboursCommandOptions } from '../args';
import { EXIT, type ExitCode } from '../exitCodes';
import { roundFloats } from '../format';
import { cancelOnInterrupt } from '../interrupt';
import { noticePrinter, ProgressBar } from '../progressBar';
import { formatHits, hitsJson } from './search';

/** `index`: builds `<output>.index` from the rows of --embeddings, replacing one there. */
export async function runIndex(options: IndexCommandOptions): Promise<ExitCode> {
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : null;
  const name = basename(options.embeddings);
  const interrupt = cancelOnInterrupt(() => bar?.note('Stopping: the index being built is not kept ...'));
  const started = performance.now();
  let info: OutputIndexInfo;
  try {
    info = await buildOutputIndex(options.embeddings, {
      signal: interrupt.signal,
      onProgress: drawRows(bar, `Indexing ${name}`),
    });
  } finally {
    bar?.close();
    interrupt.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  const path = indexPath(options.embeddings);
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ index: path, ...info, seconds }, roundFloats)}\n`
      : `Indexed ${formatCount(info.rows)} rows of ${info.dimensions} dimensions in ${seconds.toFixed(1)} s: ${path}\n`,
  );
  return EXIT.ok;
}

/** `neighbours`: the rows nearest to the row of --line, best first. */
export async function runNeighbours(options: NeighboursCommandOptions): Promise<ExitCode> {
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : null;
  let hits: SearchHit[];
  try {
    bar?.status(`Searching ${basename(options.embeddings)} ...`);
    hits = await neighboursOf({
      output: options.embeddings,
      row: { line: options.line, chunk: options.chunk, page: options.page },
      top: options.top,
      exact: options.exact,
      onNotice: noticePrinter(bar),
    });
  } finally {
    bar?.close();
  }
  process.stdout.write(options.json ? hitsJson(hits) : formatHits(hits));
  return EXIT.ok;
}

/** `duplicates`: the groups of rows at least --threshold alike, printed and written to --groups and --keep. */
export async function runDuplicates(options: DuplicatesCommandOptions): Promise<ExitCode> {
  const bar = process.stderr.isTTY ? new ProgressBar(process.stderr) : null;
  const name = basename(options.embeddings);
  const interrupt = cancelOnInterrupt(() => bar?.note('Stopping ...'));
  let found: Duplicates;
  try {
    found = await findDuplicates({
      output: options.embeddings,
      threshold: options.threshold,
      signal: interrupt.signal,
      onNotice: noticePrinter(bar),
      onProgress: (progress) =>
        drawRows(bar, progress.phase === 'index' ? `Indexing ${name} in memory` : `Grouping ${name}`)(progress),
    });
  } finally {
    bar?.close();
    interrupt.dispose();
  }
  const { groups, keep } = found;
  if (options.groups !== undefined) await writeFile(options.groups, duplicateGroupsLines(groups));
  if (options.keep !== undefined) await writeFile(options.keep, keptLines(keep));
  process.stdout.write(
    options.json ? `${JSON.stringify({ groups: groups.map(duplicateGroupJson) })}\n` : formatGroups(groups),
  );
  return EXIT.ok;
}

/** One line per group: `exact` or its lowest score, then its lines. */
function formatGroups(groups: readonly DuplicateGroup[]): string {
  if (!groups.length) return 'No duplicates.\n';
  const rows = groups.reduce((sum, group) => sum + group.lines.length, 0);
  const head = `${formatCount(groups.length)} groups of ${formatCount(rows)} rows:\n`;
  return (
    head +
    groups
      .map((group) => {
        const rows = group.lines.map((line, i) => duplicateRowName({ line, chunk: group.chunks?.[i] }));
        return `${group.exact ? 'exact ' : group.minScore.toFixed(4)}  ${rows.join(' ')}\n`;
      })
      .join('')
  );
}

/** Draws `rows done/total` on a terminal's status line, ten times a second at most. */
function drawRows(bar: ProgressBar | null, what: string): (progress: IndexProgress) => void {
  let last = -Infinity;
  return ({ rowsDone, rowsTotal }) => {
    const now = performance.now();
    if (!bar || (now - last < 100 && rowsDone < rowsTotal)) return;
    last = now;
    const percent = rowsTotal ? Math.floor((rowsDone / rowsTotal) * 100) : 100;
    bar.status(`${what}: ${percent}%  ${formatCount(rowsDone)}/${formatCount(rowsTotal)} rows`);
  };
}
