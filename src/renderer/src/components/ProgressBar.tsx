import type { ProgressInfo } from '../../../shared/engine';
import { formatPercent } from '../../../shared/format';

/** Lines done out of the input's lines; without a known total it only shows that work goes on. */
export function ProgressBar({ progress }: { progress: ProgressInfo | null }) {
  const done = progress?.linesDone ?? 0;
  const total = progress?.totalLines ?? null;
  const fraction = total ? done / total : progress?.done ? 1 : 0;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label="Lines embedded"
      aria-valuemin={0}
      aria-valuenow={done}
      aria-valuemax={total ?? undefined}
      aria-valuetext={total ? `${done} of ${total} lines, ${formatPercent(fraction)}` : `${done} lines`}
    >
      <div className="progress-fill" style={{ width: formatPercent(fraction) }} />
    </div>
  );
}
