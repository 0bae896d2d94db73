import type { MetricsSample } from '#shared/contract';
import type { MetricsSlice } from './types';

/** Enough points for a smooth chart; at 4 samples a second the first 15 minutes are kept whole. */
export const METRICS_CAPACITY = 3600;

export const emptyMetrics = (): MetricsSlice => ({ samples: [], stride: 1, tail: 0 });

/**
 * Adds a sample, keeping the whole run in at most `capacity` points: when full, every other point is dropped and
 * from then on one point stands for twice as many samples. The last point always shows the latest sample.
 */
export function addSample(history: MetricsSlice, sample: MetricsSample, capacity = METRICS_CAPACITY): MetricsSlice {
  const { samples, stride, tail } = history;
  if (samples.length > 0 && tail < stride)
    return { samples: [...samples.slice(0, -1), sample], stride, tail: tail + 1 };
  const grown = [...samples, sample];
  if (grown.length <= capacity) return { samples: grown, stride, tail: 1 };
  const last = grown.length - 1;
  return { samples: grown.filter((_, index) => (last - index) % 2 === 0), stride: stride * 2, tail: 1 };
}
