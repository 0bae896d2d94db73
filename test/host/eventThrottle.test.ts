import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Throttle } from '#host/eventThrottle';
import { LOG_ENTRIES_PER_EVENT } from '#host/jobEvents';
import type { EventName } from '#shared/contract';
import { EVENT_INTERVAL_MS } from '#shared/protocol';
import { corpusLines } from '../support/corpus';
import { testModelPath, TINY } from '../support/testModels';
import { serviceHarness } from './serviceHarness';

/** Timers may fire a millisecond or two off. */
const SLACK_MS = 3;

describe('Throttle', () => {
  it('sends the first touch at once, coalesces the rest, and flushes the last one no sooner than the interval', async () => {
    const sent: number[] = [];
    let value = 0;
    const throttle = new Throttle(50, () => sent.push(value));
    const times: number[] = [];
    const track = new Throttle(50, () => times.push(performance.now()));
    for (value = 1; value <= 1000; value += 1) {
      throttle.touch();
      track.touch();
    }
    value = 1000;
    await Promise.all([throttle.flush(), track.flush()]);
    expect(sent).toEqual([1, 1000]);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(50 - SLACK_MS);
    await throttle.flush();
    expect(sent).toHaveLength(2);
  });

  it('goes on sending after a flush that found the interval already passed', async () => {
    const sent: string[] = [];
    let value = 'first';
    const throttle = new Throttle(20, () => sent.push(value));
    throttle.touch();
    value = 'second';
    throttle.touch();
    // Blocks the event loop past the interval, so that the flush finds the timer pending and no time left to wait.
    const until = performance.now() + 40;
    while (performance.now() < until);
    await throttle.flush();
    value = 'third';
    throttle.touch();
    await throttle.flush();
    expect(sent).toEqual(['first', 'second', 'third']);
  });
});

const h = await serviceHarness();

describe('job events', () => {
  it('reach the listener at most once per interval of each kind, and the final progress and state always arrive', async () => {
    const texts = corpusLines(1500, 4, 1, 5);
    // Thousands of skipped lines in a burst: far more log entries per interval than one event carries.
    const lines = [
      ...texts.slice(0, 500),
      ...Array.from({ length: 3000 }, () => ''),
      ...texts.slice(500).flatMap((text) => ['', text]),
    ];
    const input = join(h.dir, 'many.txt');
    await writeFile(input, lines.join('\n'));
    await h.ok('model:load', { path: await testModelPath(TINY), gpu: 'cpu', threads: 2, contextSize: 32 });

    const { jobId } = await h.ok('job:start', {
      input,
      inputFormat: null,
      field: null,
      output: join(h.dir, 'many.jsonl'),
      format: null,
      overwrite: false,
      batchSize: 1,
      normalize: 'l2',
      prefix: '',
      onLong: 'truncate',
      continueOnError: true,
      memoryLimitMb: null,
    });
    const final = await h.finished(jobId);
    expect(final.status).toBe('done');

    for (const kind of ['job:progress', 'job:metrics', 'job:log'] as EventName[]) {
      const times = h.of(kind).map((e) => e.at);
      expect(times.length, kind).toBeGreaterThan(1);
      const gaps = times.slice(1).map((at, i) => at - (times[i] ?? 0));
      expect(Math.min(...gaps), kind).toBeGreaterThanOrEqual(EVENT_INTERVAL_MS - SLACK_MS);
    }

    const logs = h.of('job:log').map((e) => e.payload);
    expect(Math.max(...logs.map((log) => log.entries.length))).toBeLessThanOrEqual(LOG_ENTRIES_PER_EVENT);
    expect(logs.some((log) => (log.omitted ?? 0) > 0)).toBe(true);
    expect(logs.reduce((sum, log) => sum + log.entries.length + (log.omitted ?? 0), 0)).toBe(
      final.summary?.stats.skipped,
    );
    const entries = logs.flatMap((log) => log.entries.map((entry) => entry.line));
    expect(entries).toEqual([...entries].sort((a, b) => a - b));

    const progress = h.of('job:progress');
    expect(progress.at(-1)?.payload).toMatchObject({ done: true, linesDone: lines.length });
    expect(h.events.at(-1)).toMatchObject({ event: 'job:state', payload: { status: 'done' } });
    expect(h.events.indexOf(progress.at(-1) as (typeof h.events)[number])).toBeLessThan(h.events.length - 1);
  });
});
