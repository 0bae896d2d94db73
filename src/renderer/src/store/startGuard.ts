import type { JobStatus } from '../../../shared/contract';
import { NUMBER_FIELDS, type NumberField } from './numberFields';
import type { StudioState } from './types';

const ACTIVE: readonly JobStatus[] = ['running', 'paused', 'cancelling'];

export function isActive(status: JobStatus): boolean {
  return ACTIVE.includes(status);
}

/** Why Start cannot be pressed now, in the order the user would fix them; empty when it can. */
export function startBlockers(state: Pick<StudioState, 'model' | 'input' | 'settings' | 'job'>): string[] {
  const { model, input, settings, job } = state;
  if (isActive(job.status)) return ['A run is in progress.'];
  const reasons: string[] = [];
  if (model.loading) reasons.push('The model is still loading.');
  else if (!model.info) reasons.push('Load a model first.');
  if (!input.path.trim()) reasons.push('Choose an input file.');
  if (!settings.output.trim()) reasons.push('Choose an output file.');
  for (const field of Object.keys(settings.errors) as NumberField[]) {
    reasons.push(`Fix the ${NUMBER_FIELDS[field].label.toLowerCase()}.`);
  }
  return reasons;
}
