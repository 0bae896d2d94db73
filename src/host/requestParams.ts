import type { z } from 'zod';
import { requestSchemas, type RequestName } from '#shared/contract';
import { RequestError } from './requestError';

export type ParsedParams<K extends RequestName> = z.output<(typeof requestSchemas)[K]>;

export function isRequestName(name: string): name is RequestName {
  return Object.hasOwn(requestSchemas, name);
}

/**
 * Validates a request's parameters against its schema; the first problem becomes an INVALID_REQUEST error whose
 * message names the field and says what is wrong with it, e.g. `batchSize: must be at least 1`.
 */
export function parseParams<K extends RequestName>(name: K, params: unknown): ParsedParams<K> {
  const schema = requestSchemas[name] as unknown as z.ZodType<ParsedParams<K>>;
  // A request without parameters may leave them out.
  const result = schema.safeParse(params === undefined ? {} : params, { error: describeIssue });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new RequestError('INVALID_REQUEST', `Invalid parameters for ${name}.`);
  const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
  const field = path.map(String).join('.');
  const subject = field || 'parameters';
  throw new RequestError(
    'INVALID_REQUEST',
    `${subject}: ${issue.message}`,
    `Check the parameters of ${name}.`,
    field || undefined,
  );
}

/** Plain-words messages for zod's issues; messages set in the schema itself take precedence over these. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      if (issue.expected === 'int') return `must be a whole number, not ${describe(issue.input)}`;
      return `must be ${article(issue.expected)}, not ${describe(issue.input)}`;
    case 'too_small': {
      const minimum = Number(issue.minimum);
      if (issue.origin === 'string')
        return minimum <= 1 ? 'must not be empty' : `must be at least ${minimum} characters long`;
      if (issue.origin === 'number' || issue.origin === 'int') {
        return issue.inclusive ? `must be at least ${minimum}` : `must be more than ${minimum}`;
      }
      return undefined;
    }
    case 'too_big': {
      const maximum = Number(issue.maximum);
      if (issue.origin === 'string') return `must be at most ${maximum} characters long`;
      if (issue.origin === 'number' || issue.origin === 'int') {
        return issue.inclusive ? `must be at most ${maximum}` : `must be less than ${maximum}`;
      }
      return undefined;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}, not ${describe(issue.input)}`;
    case 'unrecognized_keys':
      return 'is not a known field';
    default:
      return undefined;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string')
    return value.length > 40 ? `a ${value.length}-character string` : JSON.stringify(value);
  return article(typeof value);
}
