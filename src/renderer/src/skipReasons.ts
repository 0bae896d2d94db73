import type { SkipReason } from '#shared/engine';

/** Why a line was not embedded, in words. */
export const SKIP_REASONS: Record<SkipReason, string> = {
  blank: 'Blank line',
  'invalid-utf8': 'Not valid UTF-8',
  'nul-byte': 'Contains a NUL byte',
  'line-too-large': 'Line too large to read',
  'invalid-json': 'Not valid JSON',
  'missing-field': 'Field missing',
  'field-not-string': 'Field is not text',
  'too-long': 'Longer than the context',
  'no-tokens': 'No tokens',
  failed: 'Embedding failed',
  binary: 'Binary file',
  encrypted: 'Encrypted document',
  'no-text': 'No text (images only?)',
  unreadable: 'Document cannot be read',
  unsupported: 'Unsupported file type',
};
