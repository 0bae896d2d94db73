import type { MetricsSample } from '#shared/contract';

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
