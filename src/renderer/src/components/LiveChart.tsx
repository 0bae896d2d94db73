import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { MetricsSample } from '#shared/contract';
import { useStudioStore } from '../store/StoreContext';
import { TIME_STEPS, timeLabel, timeTicks, type ChartColumns } from './chartData';

const HEIGHT = 180;
/** Redraw at most this often, however fast samples come. */
const FRAME_MS = 250;

interface LiveChartProps {
  testId: string;
  label: string;
  /** Everything but the x series and the size; a new object rebuilds the chart. */
  series: uPlot.Series[];
  axes: uPlot.Axis[];
  scales: uPlot.Scales;
  columns(samples: readonly MetricsSample[]): ChartColumns;
}

/** A uPlot chart of the run's metrics, made once and fed with setData as samples arrive. */
export function LiveChart({ testId, label, series, axes, scales, columns }: LiveChartProps) {
  const store = useStudioStore();
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    let drawn = store.getState().metrics.samples;
    const options: uPlot.Options = {
      width: Math.max(200, Math.floor(element.clientWidth)),
      height: HEIGHT,
      scales: { x: { time: false }, ...scales },
      series: [
        { label: 'Time', value: (_chart, value) => (value === null ? '' : timeLabel(value, 1)) },
        ...series.map((each) => ({ points: { show: false }, ...each })),
      ],
      axes: [{ incrs: TIME_STEPS, values: (_chart, splits, _axis, _space, step) => timeTicks(splits, step) }, ...axes],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    const chart = new uPlot(options, columns(drawn), element);
    const showPoints = (count: number) => element.setAttribute('data-points', String(count));
    showPoints(drawn.length);

    let timer: ReturnType<typeof setTimeout> | null = null;
    let lastDraw = 0;
    const draw = () => {
      timer = null;
      lastDraw = performance.now();
      drawn = store.getState().metrics.samples;
      chart.setData(columns(drawn));
      showPoints(drawn.length);
    };
    const unsubscribe = store.subscribe((state) => {
      if (state.metrics.samples === drawn || timer) return;
      timer = setTimeout(draw, Math.max(0, lastDraw + FRAME_MS - performance.now()));
    });
    const resize = new ResizeObserver(([entry]) => {
      const width = Math.floor(entry?.contentRect.width ?? 0);
      if (width > 0 && width !== chart.width) chart.setSize({ width, height: HEIGHT });
    });
    resize.observe(element);

    return () => {
      unsubscribe();
      resize.disconnect();
      if (timer) clearTimeout(timer);
      chart.destroy();
    };
  }, [store, series, axes, scales, columns]);

  return <div ref={container} className="chart" data-testid={testId} role="img" aria-label={label} />;
}
