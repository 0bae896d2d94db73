import type uPlot from 'uplot';
import { formatRate } from '#shared/format';
import { throughputColumns } from './chartData';
import { LiveChart } from './LiveChart';

const rate = (_chart: uPlot, value: number | null) => (value === null ? '—' : formatRate(value));
const ticks = (_chart: uPlot, splits: number[]) => splits.map((value) => formatRate(value));

const SERIES: uPlot.Series[] = [
  { label: 'texts/s', scale: 'texts', stroke: '#2563eb', width: 2, value: rate },
  { label: 'tokens/s', scale: 'tokens', stroke: '#d97706', width: 2, value: rate },
];
const AXES: uPlot.Axis[] = [
  { scale: 'texts', label: 'texts/s', values: ticks, size: 60 },
  { scale: 'tokens', label: 'tokens/s', values: ticks, side: 1, grid: { show: false }, size: 60 },
];
const SCALES: uPlot.Scales = {
  texts: { range: (_chart, _min, max) => [0, Math.max(1, max)] },
  tokens: { range: (_chart, _min, max) => [0, Math.max(1, max)] },
};

export function ThroughputChart() {
  return (
    <figure className="chart-figure">
      <figcaption>Throughput</figcaption>
      <LiveChart
        testId="throughput-chart"
        label="Throughput over time: texts per second and tokens per second"
        series={SERIES}
        axes={AXES}
        scales={SCALES}
        columns={throughputColumns}
      />
    </figure>
  );
}
