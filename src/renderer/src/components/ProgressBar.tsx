import type { ProgressInfo } from '#shared/engine';
import { formatPercent } from '#shared/format';

interface MeterProps {
  label: string;
  value: number;
  /** Unknown: the bar only shows that work goes on. */
  max: number | null;
  fraction: number;
  valueText: string;
}

/** A progress bar that says what it measures and how far it is, for assistive technology too. */
export function Meter({ label, value, max, fraction, valueText }: MeterProps) {
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuenow={value}
      aria-valuemax={max ?? undefined}
      aria-valuetext={valueText}
    >
      <div className="progress-fill" style={{ width: formatPercent(fraction) }} />
    </div>
  );
}

/**
 * Lines done, filled by the share of the input done (by bytes: a file's line count is known only once it is read to its
 * end); without a known share it only shows that work goes on.
 */
export function ProgressBar({ progress }: { progress: ProgressInfo | null }) {
  const done = progress?.linesDone ?? 0;
  const total = progress?.totalLines ?? null;
  const fraction = progress?.fraction ?? null;
  const lines = total === null ? `${done} lines` : `${done} of ${total} lines`;
  const valueText = fraction === null ? lines : `${lines}, ${formatPercent(fraction)}`;
  return <Meter label="Lines embedded" value={done} max={total} fraction={fraction ?? 0} valueText={valueText} />;
}
