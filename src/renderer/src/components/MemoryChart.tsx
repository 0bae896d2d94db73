import { useCallback, useMemo } from 'react';
import type uPlot from 'uplot';
import type { MetricsSample } from '#shared/contract';
import { formatBytes } from '#shared/format';
import { useStudio } from '../store/StoreContext';
import { hasVram, memoryColumns } from './chartData';
import { LiveChart } from './LiveChart';

const bytes = (_chart: uPlot, value: number | null) => (value === null ? '—' : formatBytes(value));

const MEMORY_SERIES: uPlot.Series[] = [
  { label: 'RSS', scale: 'bytes', stroke: '#7c3aed', width: 2, value: bytes },
  { label: 'JS heap', scale: 'bytes', stroke: '#059669', width: 2, value: bytes },
];
const VRAM_SERIES: uPlot.Series = { label: 'VRAM', scale: 'bytes', stroke: '#dc2626', width: 2, value: bytes };
const AXES: uPlot.Axis[] = [{ scale: 'bytes', values: (_chart, splits) => splits.map(formatBytes), size: 70 }];
const SCALES: uPlot.Scales = { bytes: { range: (_chart, _min, max) => [0, Math.max(1, max)] } };

export function MemoryChart() {
  // VRAM gets its line once a sample reports it; the chart is rebuilt only then.
  const vram = useStudio((state) => hasVram(state.metrics.samples));
  const series = useMemo(() => (vram ? [...MEMORY_SERIES, VRAM_SERIES] : MEMORY_SERIES), [vram]);
  const columns = useCallback((samples: readonly MetricsSample[]) => memoryColumns(samples, vram), [vram]);
  return (
    <figure className="chart-figure">
      <figcaption>Memory</figcaption>
      <LiveChart
        testId="memory-chart"
        label={vram ? 'Memory over time: RSS, JS heap and VRAM' : 'Memory over time: RSS and JS heap'}
        series={series}
        axes={AXES}
        scales={SCALES}
        columns={columns}
      />
    </figure>
  );
}
