import type { EmbedJobSummary, BatchStats } from '#shared/engine';
import {
  formatBytes,
  formatCount,
  formatDuration,
  formatRate,
  formatTimeSplit,
  outputDimensions,
  plural,
  rankedSkipReasons,
} from '#shared/format';
import { SKIP_REASONS } from '../skipReasons';
import { useActions, useStudio } from '../store/StoreContext';
import { ErrorMessage } from './ErrorMessage';
import { Facts } from './Facts';
import { UnfinishedRunOffer } from './UnfinishedRunOffer';

export function SummaryPanel() {
  const job = useStudio((state) => state.job);
  if (job.status === 'done' && job.summary) return <DoneSummary summary={job.summary} />;
  if (job.status === 'failed') {
    // A run that read every line and embedded none: its error says why; it did not stop early.
    const nothing = job.error?.code === 'NOTHING_EMBEDDED';
    return (
      <section className="summary summary-failed" aria-labelledby="summary-heading">
        <h3 id="summary-heading" className="summary-heading">
          {nothing ? 'Nothing was embedded' : 'The run failed'}
        </h3>
        <ErrorMessage error={job.error} />
        {job.partialStats && !nothing && <p>It stopped after {plural(job.partialStats.lines, 'line')}.</p>}
        {job.error?.partialFiles && job.error.partialFiles.length > 0 && (
          <>
            <p>What was written so far was kept under these names:</p>
            <ul className="paths">
              {job.error.partialFiles.map((file) => (
                <li key={file}>{file}</li>
              ))}
            </ul>
          </>
        )}
        <UnfinishedRunOffer />
      </section>
    );
  }
  if (job.status === 'cancelled') {
    return (
      <section className="summary" aria-labelledby="summary-heading">
        <h3 id="summary-heading" className="summary-heading">
          The run was cancelled
        </h3>
        <p>
          Nothing was written: no output file was created or changed
          {job.partialStats ? ` (it had got through ${plural(job.partialStats.lines, 'line')})` : ''}.
        </p>
      </section>
    );
  }
  return null;
}

function DoneSummary({ summary }: { summary: EmbedJobSummary }) {
  const host = useStudio((state) => state.host);
  const revealError = useStudio((state) => state.job.revealError);
  const actions = useActions();
  const { stats } = summary;
  const firstOutput = summary.outputs[0];
  const resumed: Array<[string, string]> = summary.resumedAfterLine
    ? [['Resumed', `after line ${formatCount(summary.resumedAfterLine)}; time and speed are this run’s`]]
    : [];
  return (
    <section className="summary summary-done" aria-labelledby="summary-heading">
      <h3 id="summary-heading" className="summary-heading">
        Done: embedded {formatCount(stats.embedded)} of {plural(stats.lines, 'line')} in{' '}
        {formatDuration(stats.elapsedMs)}
      </h3>
      {firstOutput && (
        <div className="actions">
          <button type="button" className="primary" onClick={() => void actions.exploreOutput(firstOutput)}>
            Explore this output
          </button>
          {host === 'electron' && (
            <button type="button" onClick={() => void actions.reveal(firstOutput)}>
              Show in folder
            </button>
          )}
        </div>
      )}
      <Facts
        label="Run totals"
        rows={[
          ['Lines', formatCount(stats.lines)],
          ...resumed,
          ['Embedded', formatCount(stats.embedded)],
          ['Skipped', skippedByReason(stats)],
          ['Failed', formatCount(stats.failed)],
          ['Truncated', formatCount(stats.truncated)],
          ['Tokens', formatCount(stats.tokens)],
          ['Time', `${formatDuration(stats.elapsedMs)} (${formatTimeSplit(stats)})`],
          ['Speed', `${formatRate(stats.textsPerSecond)} texts/s, ${formatRate(stats.tokensPerSecond)} tokens/s`],
          ['Peak memory', formatBytes(stats.peakRssBytes)],
        ]}
      />
      <h4>
        {summary.outputs.length > 1 ? 'Output files' : 'Output file'} ({summary.format}, {outputDimensions(summary)},{' '}
        {formatBytes(summary.outputBytes)})
      </h4>
      <ul className="paths">
        {summary.outputs.map((file) => (
          <li key={file}>{file}</li>
        ))}
      </ul>
      <h4>Skip log ({plural(stats.skipped + stats.failed, 'line')})</h4>
      <ul className="paths">
        <li>{summary.skipLog}</li>
      </ul>
      <h4>Run record (what made the output)</h4>
      <ul className="paths">
        <li>{summary.runRecord}</li>
      </ul>
      <ErrorMessage error={revealError} />
    </section>
  );
}

/** `3 (Blank line 2, Longer than the context 1)`, most frequent first. */
function skippedByReason(stats: BatchStats): string {
  const reasons = rankedSkipReasons(stats.skippedByReason).map(
    ([reason, count]) => `${SKIP_REASONS[reason]} ${formatCount(count)}`,
  );
  return reasons.length ? `${formatCount(stats.skipped)} (${reasons.join(', ')})` : formatCount(stats.skipped);
}
