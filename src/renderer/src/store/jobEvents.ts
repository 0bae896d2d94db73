import type { EventPayloads, JobState, JobStatus } from '#shared/contract';
import { inAppWords } from './appHints';
import { addEntries, emptyLog } from './logEntries';
import { addSample, emptyMetrics } from './metricsHistory';
import type { StudioState } from './types';

type Run = Pick<StudioState, 'job' | 'metrics' | 'log'>;

const FINISHED: readonly JobStatus[] = ['done', 'failed', 'cancelled'];

function isFinished(status: JobStatus): boolean {
  return FINISHED.includes(status);
}

/**
 * The run after the host reported its job's state; null when the report is stale: about an older job than the one
 * shown, or saying a finished job still runs (a late answer to a request).
 */
export function withJobState(run: Run, next: JobState): Run | null {
  const { job } = run;
  if (next.jobId === null) return job.jobId === null ? { ...run, job: { ...job, status: next.status } } : null;
  if (job.jobId !== null && next.jobId < job.jobId) return null;
  const sameJob = next.jobId === job.jobId;
  if (sameJob && isFinished(job.status) && !isFinished(next.status)) return null;
  return {
    job: {
      ...job,
      status: next.status,
      jobId: next.jobId,
      settings: next.settings ?? (sameJob ? job.settings : null),
      progress: next.progress ?? (sameJob ? job.progress : null),
      summary: next.summary,
      partialStats: next.partialStats,
      error: next.error && inAppWords(next.error),
    },
    metrics: sameJob ? run.metrics : emptyMetrics(),
    log: sameJob ? run.log : emptyLog(),
  };
}

export function withProgress(run: Run, { jobId, ...progress }: EventPayloads['job:progress']): Run | null {
  return jobId === run.job.jobId ? { ...run, job: { ...run.job, progress } } : null;
}

export function withMetrics(run: Run, { jobId, ...sample }: EventPayloads['job:metrics']): Run | null {
  return jobId === run.job.jobId ? { ...run, metrics: addSample(run.metrics, sample) } : null;
}

export function withLog(run: Run, { jobId, entries, omitted }: EventPayloads['job:log']): Run | null {
  return jobId === run.job.jobId ? { ...run, log: addEntries(run.log, entries, omitted) } : null;
}
