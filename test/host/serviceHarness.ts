import { join } from 'node:path';
import { afterAll } from 'vitest';
import type {
  EventName,
  EventPayloads,
  JobState,
  Reply,
  RequestName,
  RequestParams,
  RequestResult,
} from '#shared/contract';
import { StudioService, type Dialogs } from '#host/studioService';
import { tempDir } from '../support/files';
import { SOURCE_PROBE_WORKER } from '#core/modelProbe';

export interface RecordedEvent<E extends EventName = EventName> {
  event: E;
  payload: EventPayloads[E];
  /** performance.now() when it was emitted. */
  at: number;
}

/** A service on a fresh settings file that records every event it sends; disposed after the test file. */
export async function serviceHarness(dialogs: Dialogs | null = null) {
  const dir = await tempDir();
  const service = new StudioService({
    dialogs,
    settingsFile: join(dir, 'settings.json'),
    probeWorker: SOURCE_PROBE_WORKER,
  });
  afterAll(() => service.dispose());
  const events: RecordedEvent[] = [];
  const waiters: Array<() => void> = [];
  service.subscribe((event, payload) => {
    events.push({ event, payload, at: performance.now() });
    for (const wake of waiters.splice(0)) wake();
  });

  /** Resolves with the first event (from `since` on) that matches. */
  async function waitFor<E extends EventName>(
    event: E,
    match: (payload: EventPayloads[E]) => boolean = () => true,
    since = 0,
  ): Promise<EventPayloads[E]> {
    for (;;) {
      const found = events
        .slice(since)
        .find((e): e is RecordedEvent<E> => e.event === event && match(e.payload as EventPayloads[E]));
      if (found) return found.payload;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  }

  function of<E extends EventName>(event: E, since = 0): Array<RecordedEvent<E>> {
    return events.slice(since).filter((e): e is RecordedEvent<E> => e.event === event);
  }

  /** Sends a request that must succeed and returns its value. */
  async function ok<K extends RequestName>(name: K, params: RequestParams<K>): Promise<RequestResult<K>> {
    const reply = (await service.handle(name, params)) as Reply<RequestResult<K>>;
    if (!reply.ok) throw new Error(`${name} failed: ${reply.error.code}: ${reply.error.message}`);
    return reply.value;
  }

  const finished = (jobId: number | null): Promise<JobState> =>
    waitFor('job:state', (state) => state.jobId === jobId && ['done', 'failed', 'cancelled'].includes(state.status));

  return { dir, service, events, waitFor, of, ok, finished };
}
