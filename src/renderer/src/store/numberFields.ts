/** The number fields of the form, with the ranges the host accepts. */
export const NUMBER_FIELDS = {
  batchSize: { label: 'Batch size', min: 1, max: 65_536, optional: false },
  threads: { label: 'Threads', min: 1, max: 512, optional: true },
  contextSize: { label: 'Context size', min: 8, max: 1_048_576, optional: true },
  memoryLimitMb: { label: 'Memory limit', min: 1, max: 1_048_576, optional: true },
} as const;
export type NumberField = keyof typeof NUMBER_FIELDS;

export const BATCH_SIZE_PRESETS = [1, 8, 32, 64, 128, 256] as const;

export type ParsedNumber = { ok: true; value: number | null } | { ok: false; message: string };

const grouped = new Intl.NumberFormat('en-US');

/** Reads a whole number typed into `field`; an empty optional field means automatic (null). */
export function parseNumberField(field: NumberField, text: string): ParsedNumber {
  const rule = NUMBER_FIELDS[field];
  const range = `${grouped.format(rule.min)} to ${grouped.format(rule.max)}`;
  const trimmed = text.trim().replace(/[,_\s]/g, '');
  if (trimmed === '') {
    return rule.optional ? { ok: true, value: null } : { ok: false, message: `Enter a ${rule.label.toLowerCase()} from ${range}.` };
  }
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < rule.min || value > rule.max) {
    return { ok: false, message: `${rule.label} must be a whole number from ${range}.` };
  }
  return { ok: true, value };
}
