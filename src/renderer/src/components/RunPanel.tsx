import type { JobStatus } from '#shared/contract';
import type { ProgressInfo } from '#shared/engine';
import { formatBytes, formatClock, formatCount, formatPercent, formatRate } from '#shared/format';
import { isActive, startBlockers } from '../store/startGuard';
import { useActions, useStudio } from '../store/StoreContext';
import { ErrorMessage } from './ErrorMessage';
import { MemoryChart } from './MemoryChart';
import { ProgressBar } from './ProgressBar';
import { SummaryPanel } from './SummaryPanel';
import { ThroughputChart } from './ThroughputChart';
import { UnfinishedRunOffer } from './UnfinishedRunOffer';

const STATUS_TEXT: Record<JobStatus, string> = {
  idle: 'Not started',
  running: 'Running',
  paused: 'Paused',
  cancelling: 'Cancelling…',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

export function RunPanel() {
  const job = useStudio((state) => state.job);
  const model = useStudio((state) => state.model);
  const input = useStudio((state) => state.input);
  const settings = useStudio((state) => state.settings);
  const unfinished = useStudio((state) => state.unfinished);
  const actions = useActions();
  const blockers = startBlockers({ job, model, input, settings, unfinished });
  const active = isActive(job.status);
  const paused = job.status === 'paused';

  return (
    <section className="panel run" aria-labelledby="run-heading">
      <div className="run-header">
        <h2 id="run-heading">4. Run</h2>
        <span className={`badge badge-${job.status}`}>{STATUS_TEXT[job.status]}</span>
      </div>
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={blockers.length > 0 || job.pending !== null}
          aria-describedby={blockers.length > 0 ? 'start-blockers' : undefined}
          onClick={() => void actions.start()}
        >
          Start
        </button>
        {paused ? (
          <button type="button" disabled={job.pending !== null} onClick={() => void actions.resume()}>
            Resume
          </button>
        ) : (
          <button
            type="button"
            disabled={job.status !== 'running' || job.pending !== null}
            onClick={() => void actions.pause()}
          >
            Pause
          </button>
        )}
        <button
          type="button"
          className="danger"
          disabled={!active || job.status === 'cancelling' || job.pending !== null}
          onClick={() => void actions.cancel()}
        >
          Cancel
        </button>
      </div>
      {job.status !== 'failed' && <UnfinishedRunOffer />}
      {blockers.length > 0 && !active && (
        <ul className="blockers" id="start-blockers" aria-label="Before you can start">
          {blockers.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      )}
      <ErrorMessage error={job.status === 'failed' ? null : job.error} />
      <ProgressBar progress={job.progress} />
      <ProgressFacts progress={job.progress} active={active} />
      <div className="charts">
        <ThroughputChart />
        <MemoryChart />
      </div>
      <SummaryPanel />
    </section>
  );
}

function ProgressFacts({ progress, active }: { progress: ProgressInfo | null; active: boolean }) {
  if (!progress) return <p className="note">Progress, speed and memory appear here once a run starts.</p>;
  const { linesDone, totalLines } = progress;
  const eta = progress.done ? 'done' : !active || progress.etaMs === null ? '—' : formatClock(progress.etaMs);
  return (
    <dl className="stats" aria-label="Progress">
      <Stat
        wide
        term="Lines"
        value={totalLines === null ? formatCount(linesDone) : `${formatCount(linesDone)} / ${formatCount(totalLines)}`}
      />
      <Stat term="Done" value={progress.fraction === null ? '—' : formatPercent(progress.fraction)} />
      <Stat term="texts/s" value={formatRate(active ? progress.textsPerSecond : progress.averageTextsPerSecond)} />
      <Stat term="tokens/s" value={formatRate(active ? progress.tokensPerSecond : progress.averageTokensPerSecond)} />
      <Stat term="Elapsed" value={formatClock(progress.elapsedMs)} />
      <Stat term="Time left" value={eta} />
      <Stat term="Memory (RSS)" value={formatBytes(progress.rssBytes)} />
      <Stat term="Skipped / failed" value={`${formatCount(progress.skipped)} / ${formatCount(progress.failed)}`} />
    </dl>
  );
}

function Stat({ term, value, wide }: { term: string; value: string; wide?: boolean }) {
  return (
    <div className={wide ? 'stat stat-wide' : 'stat'}>
      <dt>{term}</dt>
      <dd>{value}</dd>
    </div>
  );
}
