import { formatCount } from '#shared/format';
import { SKIP_REASONS } from '../skipReasons';
import { useStudio } from '../store/StoreContext';

export function SkippedLinesList() {
  const log = useStudio((state) => state.log);
  const started = useStudio((state) => state.job.jobId !== null);
  if (!started) return null;
  const shown = log.entries.length;
  return (
    <section className="panel" aria-labelledby="skipped-heading">
      <h2 id="skipped-heading">Skipped and failed lines</h2>
      {log.total === 0 ? (
        <p className="empty">None so far.</p>
      ) : (
        <>
          <p>
            {formatCount(log.total)} {log.total === 1 ? 'line was' : 'lines were'} not embedded
            {shown < log.total && ` (the first ${formatCount(shown)} are listed; the skip log has them all)`}.
          </p>
          <div className="table-scroll">
            <table className="skipped">
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {log.entries.map((entry) => (
                  <tr key={entry.line} className={entry.reason === 'failed' ? 'failed' : undefined}>
                    <td className="line-number">{entry.line}</td>
                    <td>{SKIP_REASONS[entry.reason]}</td>
                    <td className="detail">{entry.detail ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
