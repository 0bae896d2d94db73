import type { BatchStats, EmbedJobSummary } from '#shared/engine';
import { roundFloats, table } from './format';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatRate,
  formatTimeSplit,
  outputDimensions,
  plural,
  rankedSkipReasons,
} from '#shared/format';
import { LANCE_INDEX_MIN_ROWS } from '#shared/limits';
import { shardName } from '#shared/shard';
import { describeBackend, describeEngine } from './modelInfo';

/** The human-readable end-of-run report. */
export function formatSummary(summary: EmbedJobSummary): string {
  const { stats, model } = summary;
  const failed = stats.failed ? `${formatCount(stats.failed)} (their errors are in the skip log)` : '0';
  const rows: Array<[string, string]> = [
    [
      'lines',
      summary.shard
        ? `${formatCount(stats.lines)} (shard ${shardName(summary.shard)} of the input)`
        : formatCount(stats.lines),
    ],
    ['embedded', embeddedLines(summary)],
    ['skipped', skippedByReason(stats)],
    ['failed', failed],
    ['truncated', formatCount(stats.truncated)],
    ['tokens', formatCount(stats.tokens)],
    ['time', `${formatDuration(stats.elapsedMs)} (${formatTimeSplit(stats)})`],
    ['speed', `${formatRate(stats.textsPerSecond)} texts/s, ${formatRate(stats.tokensPerSecond)} tokens/s`],
    ['peak memory', formatBytes(stats.peakRssBytes)],
    [
      summary.outputs.length > 1 ? 'outputs' : 'output',
      `${summary.outputs.join(', ')} (${summary.format}, ${outputDimensions(summary)}, ${formatBytes(summary.outputBytes)})`,
    ],
    ...(summary.format === 'lance' ? [['index', describeTableIndex(summary)] as [string, string]] : []),
    ['skip log', `${summary.skipLog} (${plural(stats.skipped + stats.failed, 'line')})`],
    ['run record', summary.runRecord],
    ['model', `${model.name} (${model.architecture}, ${model.dimension} dimensions, ${model.quantization})`],
    ['backend', describeBackend(model)],
    ['engine', describeEngine(model)],
  ];
  const unit = summary.documents === undefined ? 'line' : 'text';
  if (summary.resumedAfterLine)
    rows.splice(6, 0, [
      'resumed',
      `after ${unit} ${formatCount(summary.resumedAfterLine)}; time and speed are this run's`,
    ]);
  const of = summary.documents === undefined ? '' : ` of ${plural(summary.documents, 'document')}`;
  const done = summary.reusedFrom
    ? `Embedded ${formatCount(stats.embedded - stats.reused)} and reused ${formatCount(stats.reused)}`
    : `Embedded ${formatCount(stats.embedded)}`;
  const heading = `${done} of ${plural(stats.lines, unit)}${of} in ${formatDuration(stats.elapsedMs)}.`;
  return `${heading}\n\n${table(rows, '  ')}`;
}

/** `--json`: the run's summary as one JSON object. */
export function summaryJson(summary: EmbedJobSummary): string {
  const { input, format, outputs, outputBytes, outputDimension, precision, skipLog, runRecord } = summary;
  const { resumedAfterLine, shard, tableIndex, documents, reusedFrom, model, stats } = summary;
  return JSON.stringify(
    {
      input,
      format,
      outputs,
      outputBytes,
      outputDimension,
      precision,
      skipLog,
      runRecord,
      resumedAfterLine,
      shard,
      ...(tableIndex === undefined ? {} : { tableIndex }),
      documents,
      reusedFrom,
      model,
      stats,
    },
    roundFloats,
  );
}

/** A LanceDB output's ANN index, or why it has none. */
function describeTableIndex(summary: EmbedJobSummary): string {
  if (summary.tableIndex) return `${summary.tableIndex} on vector (cosine)`;
  if (summary.precision !== 'float32' && summary.precision !== 'float16')
    return `none (${summary.precision} vectors; only float32 and float16 ones are indexed)`;
  return `none (fewer than ${formatCount(LANCE_INDEX_MIN_ROWS)} rows)`;
}

/** The lines with rows: with an earlier output reused, how many rows were copied from it and how many embedded. */
function embeddedLines({ stats, reusedFrom }: EmbedJobSummary): string {
  if (!reusedFrom) return formatCount(stats.embedded);
  const now = formatCount(stats.embedded - stats.reused);
  return `${formatCount(stats.embedded)} (${formatCount(stats.reused)} rows reused from ${reusedFrom}, ${now} embedded)`;
}

/** `3 (blank 2, too-long 1)`: the reasons of the lines skipped for their content, most frequent first. */
function skippedByReason(stats: BatchStats): string {
  const reasons = rankedSkipReasons(stats.skippedByReason).map(([reason, count]) => `${reason} ${formatCount(count)}`);
  return reasons.length ? `${formatCount(stats.skipped)} (${reasons.join(', ')})` : formatCount(stats.skipped);
}
