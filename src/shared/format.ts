/** Numbers, sizes, rates and durations as both front ends show them to people. */
import type { BatchStats, EmbedJobSummary, SkipReason } from './engine';

const counts = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** `1234567` → `1,234,567`. */
export function formatCount(value: number): string {
  return counts.format(value);
}

/** `1 line`, `1,024 lines`. */
export function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** Per-second rates: whole numbers from 100 up, one decimal below. */
export function formatRate(value: number): string {
  return value >= 100 ? counts.format(value) : oneDecimal.format(value);
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** `916` → `916 B`, `187113472` → `178 MiB`, `1288490188` → `1.2 GiB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit > 0 && value < 10 ? oneDecimal.format(value) : counts.format(value)} ${BYTE_UNITS[unit]}`;
}

/** Run times: `0.03 s`, `12.3 s`, then `4:05` and `1:02:03` like a clock. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatClock(ms);
}

/** `m:ss`, or `h:mm:ss` from an hour up. */
export function formatClock(ms: number): string {
  const total = Math.round(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** `0.4567` → `45.7%`. */
export function formatPercent(fraction: number): string {
  return `${oneDecimal.format(Math.min(1, Math.max(0, fraction)) * 100)}%`;
}

/** `tokenize 2.0%, decode 91.5%, …`: the shares of a run's time (see TimeSplit). */
export function formatTimeSplit({ time, elapsedMs }: Pick<BatchStats, 'time' | 'elapsedMs'>): string {
  const share = (ms: number): string => formatPercent(elapsedMs > 0 ? ms / elapsedMs : 0);
  return [
    `tokenize ${share(time.tokenizeMs)}`,
    `decode ${share(time.decodeMs)}`,
    `read-out ${share(time.readOutMs)}`,
    `write ${share(time.writeMs)}`,
    `idle ${share(time.idleMs)}`,
  ].join(', ');
}

/**
 * The reasons lines were skipped for and how many each, most frequent first. `failed` (a line the model could not
 * embed, not one skipped for its content) only with `withFailed`.
 */
export function rankedSkipReasons(
  byReason: Partial<Record<SkipReason, number>>,
  withFailed = false,
): Array<[SkipReason, number]> {
  return (Object.entries(byReason) as Array<[SkipReason, number | undefined]>)
    .filter((entry): entry is [SkipReason, number] => (withFailed || entry[0] !== 'failed') && Boolean(entry[1]))
    .sort(([, a], [, b]) => b - a);
}

/**
 * `384 dimensions`, or `256 of 768 dimensions` where the run kept the first ones of the model's; followed by the
 * precision where the vectors are not stored as float32 (`384 dimensions, int8`).
 */
export function outputDimensions({
  outputDimension,
  model,
  precision,
}: Pick<EmbedJobSummary, 'outputDimension' | 'model' | 'precision'>): string {
  const dimensions =
    outputDimension === model.dimension
      ? `${formatCount(outputDimension)} dimensions`
      : `${formatCount(outputDimension)} of ${formatCount(model.dimension)} dimensions`;
  return precision === 'float32' ? dimensions : `${dimensions}, ${precision}`;
}
