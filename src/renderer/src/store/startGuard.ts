import type { JobStatus } from '#shared/contract';
import { NUMBER_FIELDS, type NumberField } from './numberFields';
import type { StudioState } from './types';

const ACTIVE: readonly JobStatus[] = ['running', 'paused', 'cancelling'];

export function isActive(status: JobStatus): boolean {
  return ACTIVE.includes(status);
}

type RunForm = Pick<StudioState, 'model' | 'input' | 'settings' | 'job'>;

/**
 * Why Start cannot be pressed now, in the order the user would fix them; empty when it can. An unfinished run of the
 * output blocks it: only Resume unfinished run or Start over may go on from there, so that none is replaced unasked.
 */
export function startBlockers(state: RunForm & Pick<StudioState, 'unfinished'>): string[] {
  const reasons = runBlockers(state);
  if (state.unfinished) {
    reasons.push(
      state.unfinished.complete
        ? 'A run of this output only needs its files renamed: finish it or start over.'
        : state.unfinished.sameInput
          ? 'An unfinished run of this output is saved: resume it or start over.'
          : 'An unfinished run of another input is saved in this output: start over, or choose another output file.',
    );
  }
  return reasons;
}

/** Why no run can start now, not even one that resumes or replaces an unfinished run. */
export function runBlockers(state: RunForm): string[] {
  const { model, input, settings, job } = state;
  if (isActive(job.status)) return ['A run is in progress.'];
  const reasons: string[] = [];
  if (model.loading) reasons.push('The model is still loading.');
  else if (!model.info) reasons.push('Load a model first.');
  if (!input.path.trim()) reasons.push('Choose an input file.');
  if (!settings.output.trim()) reasons.push('Choose an output file.');
  for (const field of Object.keys(settings.errors) as NumberField[]) {
    reasons.push(`Fix the ${NUMBER_FIELDS[field].limit.label.toLowerCase()}.`);
  }
  return reasons;
}
