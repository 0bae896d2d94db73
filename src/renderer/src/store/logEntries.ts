import type { SkippedLine } from '#shared/engine';
import type { LogSlice } from './types';

/** The skipped and failed lines kept for the list; the total counts every one. */
export const LOG_LIMIT = 1000;

export const emptyLog = (): LogSlice => ({ entries: [], total: 0 });

/** Adds a log event's lines; `omitted` counts lines the host left out of the event, after those it sent. */
export function addEntries(log: LogSlice, entries: readonly SkippedLine[], omitted = 0, limit = LOG_LIMIT): LogSlice {
  if (entries.length === 0 && omitted === 0) return log;
  const room = log.total === log.entries.length ? limit - log.entries.length : 0;
  const kept = room > 0 ? [...log.entries, ...entries.slice(0, room)] : log.entries;
  return { entries: kept, total: log.total + entries.length + omitted };
}
