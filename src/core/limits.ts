import type { NumericOptionName } from '#shared/errors';
import { LIMITS, limitRange, withinLimit } from '#shared/limits';
import { EmbeddingError } from './errors';

/** Refuses a value outside the option's limits, naming them: the front ends check first, this guards other callers. */
export function checkLimit(name: NumericOptionName, value: number): void {
  const limit = LIMITS[name];
  if (!withinLimit(limit, value)) {
    throw new EmbeddingError('BAD_OPTION', `${limit.label} must be ${limitRange(limit)}, not ${value}.`, {
      kind: 'fixOption',
      option: name,
      example: String(limit.example),
    });
  }
}
