import { IDLE_JOB, type JobStart, type ReplyError } from '#shared/contract';
import type { ErrorCode } from '#shared/errors';
import { inAppWords } from './appHints';
import { withJobState } from './jobEvents';
import { emptyLog } from './logEntries';
import { emptyMetrics } from './metricsHistory';
import type { NumberField } from './numberFields';
import { jobSettingsOf } from './settingsSync';
import type { Slice, SliceContext } from './sliceContext';
import { isActive, runBlockers, startBlockers } from './startGuard';
import type { JobAction, RunActions, StudioState } from './types';

type Run = Pick<StudioState, 'job' | 'metrics' | 'log'>;

export interface JobWithRuns extends Slice<'job' | 'metrics' | 'log' | 'unfinished', RunActions> {
  /** Shows a run as the host reported it; null (a stale report) changes nothing. */
  applyRun(run: Run | null): void;
  findUnfinished(): Promise<void>;
}

const INPUT_FIELDS: ReadonlySet<string> = new Set(['input', 'inputFormat', 'field', 'glob']);
const INPUT_FILE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'FILE_NOT_FOUND',
  'FILE_UNREADABLE',
  'NOT_A_FILE',
]);
const OUTPUT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'OUTPUT_EXISTS',
  'OUTPUT_UNWRITABLE',
  'OUTPUT_IS_INPUT',
]);

/** The run: starting, pausing and stopping it, its progress, metrics and log, and the output's unfinished run. */
export function createJobSlice({ api, set, get, patch }: SliceContext): JobWithRuns {
  let unfinishedQuery = 0;

  function applyRun(run: Run | null): void {
    if (!run) return;
    const wasActive = isActive(get().job.status);
    const active = isActive(run.job.status);
    // A run's own checkpoint is no unfinished run to offer; once it ends, it may have left one.
    set(active ? { ...run, unfinished: null } : run);
    if (wasActive && !active) void findUnfinished();
  }

  /** Asks the host whether the chosen output has an unfinished run, unless a run goes. */
  async function findUnfinished(): Promise<void> {
    const query = ++unfinishedQuery;
    const { input, settings, job } = get();
    set({ unfinished: null });
    const params = { input: input.path.trim(), output: settings.output.trim() };
    if (!params.input || !params.output || isActive(job.status)) return;
    const reply = await api.request('output:unfinished', params);
    if (query !== unfinishedQuery || isActive(get().job.status)) return;
    // A checkpoint that cannot be read offers nothing; starting reports what is wrong with the output.
    set({ unfinished: reply.ok ? reply.value : null });
  }

  /** Puts a refused start next to the control it is about, in the app's words. */
  async function placeStartError(refusal: ReplyError): Promise<void> {
    // The output may have an unfinished run the form has not heard of yet.
    if (refusal.code === 'OUTPUT_EXISTS') await findUnfinished();
    const error = inAppWords(refusal, get().unfinished);
    if (error.field === 'output' || OUTPUT_CODES.has(error.code)) patch('settings', { outputError: error });
    else if (error.code === 'NO_MODEL') patch('model', { error, info: null });
    else if ((error.field && INPUT_FIELDS.has(error.field)) || INPUT_FILE_CODES.has(error.code)) {
      patch('input', { error });
    } else if (error.field === 'batchSize' || error.field === 'memoryLimitMb') {
      const field: NumberField = error.field;
      patch('settings', { errors: { ...get().settings.errors, [field]: error.message } });
    } else patch('job', { error });
  }

  /** Starts a run with the form's settings: from the first line, or as `how` says about an unfinished run. */
  async function startJob(how?: Pick<JobStart, 'resume' | 'overwrite'>): Promise<void> {
    const state = get();
    const blockers = how ? runBlockers(state) : startBlockers(state);
    if (state.job.pending || blockers.length > 0) return;
    patch('job', { pending: 'start', error: null });
    patch('input', { error: null });
    patch('settings', { outputError: null });
    const reply = await api.request('job:start', { ...jobSettingsOf(state), resume: false, reuse: null, ...how });
    patch('job', { pending: null });
    if (reply.ok) applyRun(withJobState(get(), reply.value));
    else await placeStartError(reply.error);
  }

  async function jobRequest(action: Exclude<JobAction, 'start'>): Promise<void> {
    if (get().job.pending) return;
    patch('job', { pending: action, error: null });
    const reply = await api.request(`job:${action}`, {});
    patch('job', { pending: null });
    if (reply.ok) applyRun(withJobState(get(), reply.value));
    else patch('job', { error: reply.error });
  }

  const actions: RunActions = {
    start: () => startJob(),
    resumeUnfinishedRun: () => startJob({ resume: true, overwrite: false }),
    startOver: () => startJob({ resume: false, overwrite: true }),

    pause: () => jobRequest('pause'),
    resume: () => jobRequest('resume'),
    cancel: () => jobRequest('cancel'),

    async reveal(path) {
      const reply = await api.request('output:reveal', { path });
      patch('job', { revealError: reply.ok ? null : reply.error });
    },
  };

  return {
    state: {
      job: { ...IDLE_JOB, revealError: null, pending: null },
      metrics: emptyMetrics(),
      log: emptyLog(),
      unfinished: null,
    },
    actions,
    applyRun,
    findUnfinished,
  };
}
