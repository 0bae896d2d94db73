import type { MetricsSample } from '#shared/contract';
import { formatClock } from '#shared/format';

/** uPlot's columns: x values first, then one array per series. */
export type ChartColumns = [number[], ...Array<Array<number | null>>];

const seconds = (samples: readonly MetricsSample[]) => samples.map((sample) => sample.t / 1000);

export function hasVram(samples: readonly MetricsSample[]): boolean {
  return samples.some((sample) => sample.vramUsedBytes !== null);
}

export function throughputColumns(samples: readonly MetricsSample[]): ChartColumns {
  return [seconds(samples), samples.map((s) => s.textsPerSecond), samples.map((s) => s.tokensPerSecond)];
}

/** RSS and JS heap, and VRAM as a fourth column when `withVram`. */
export function memoryColumns(samples: readonly MetricsSample[], withVram: boolean): ChartColumns {
  const columns: ChartColumns = [seconds(samples), samples.map((s) => s.rssBytes), samples.map((s) => s.heapUsedBytes)];
  if (withVram) columns.push(samples.map((s) => s.vramUsedBytes));
  return columns;
}

/**
 * Steps between the time axis's ticks, in seconds: tenths and hundredths for a run of a second or two, clock-like steps
 * (15 s, 1 min, 5 min…) for longer ones.
 */
export const TIME_STEPS = [
  0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600,
  43_200,
];

/**
 * The time axis's tick labels, `m:ss` (`h:mm:ss` from an hour up), with as many decimals of a second as the step
 * between ticks has, so that no two ticks of a short run read the same (`0:00.2`, `0:00.4`…).
 */
export function timeTicks(splits: readonly number[], step: number): string[] {
  const decimals = [0, 1, 2, 3].find((d) => Math.abs(step * 10 ** d - Math.round(step * 10 ** d)) < 1e-6) ?? 3;
  return splits.map((seconds) => timeLabel(seconds, decimals));
}

/** A time since the start, in seconds, as `m:ss` with `decimals` decimals of a second. */
export function timeLabel(seconds: number, decimals: number): string {
  const scale = 10 ** decimals;
  const units = Math.round(Math.max(0, seconds) * scale);
  const whole = Math.floor(units / scale);
  const fraction = decimals ? `.${String(units % scale).padStart(decimals, '0')}` : '';
  return `${formatClock(whole * 1000)}${fraction}`;
}
