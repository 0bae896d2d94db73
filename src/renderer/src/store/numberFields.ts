import { LIMITS, limitRange, withinLimit } from '#shared/limits';

/** The number fields of the form: each is checked against the option's limits, the same the host holds it to. */
export const NUMBER_FIELDS = {
  batchSize: { limit: LIMITS.batchSize, optional: false },
  threads: { limit: LIMITS.threads, optional: true },
  contextSize: { limit: LIMITS.contextSize, optional: true },
  memoryLimitMb: { limit: LIMITS.memoryLimitMb, optional: true },
  dimensions: { limit: LIMITS.dimensions, optional: true },
  chunkTokens: { limit: LIMITS.chunkTokens, optional: true },
  chunkOverlap: { limit: LIMITS.chunkOverlap, optional: true },
} as const;
export type NumberField = keyof typeof NUMBER_FIELDS;

export const BATCH_SIZE_PRESETS = [1, 8, 32, 64, 128, 256] as const;

export type ParsedNumber = { ok: true; value: number | null } | { ok: false; message: string };

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 20 });

/** Reads a number typed into `field`, digit grouping allowed; an empty optional field means automatic (null). */
export function parseNumberField(field: NumberField, text: string): ParsedNumber {
  const { limit, optional } = NUMBER_FIELDS[field];
  const trimmed = text.trim().replace(/[,_\s]/g, '');
  if (trimmed === '') {
    if (optional) return { ok: true, value: null };
    const range = `${grouped.format(limit.min)} to ${grouped.format(limit.max)}`;
    return { ok: false, message: `Enter a ${limit.label.toLowerCase()} from ${range}.` };
  }
  const value = (limit.integer ? /^\d+$/ : /^\d+(\.\d+)?$/).test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!withinLimit(limit, value)) {
    const range = limitRange(limit, { unit: false, format: grouped.format });
    return { ok: false, message: `${limit.label} must be ${range}.` };
  }
  return { ok: true, value };
}
