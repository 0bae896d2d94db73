import { describe, expect, it } from 'vitest';
import type { MetricsSample } from '#shared/contract';
import { hasVram, memoryColumns, throughputColumns } from '../../src/renderer/src/components/chartData';
import { addEntries, emptyLog } from '../../src/renderer/src/store/logEntries';
import { addSample, emptyMetrics } from '../../src/renderer/src/store/metricsHistory';
import { parseNumberField } from '../../src/renderer/src/store/numberFields';
import { suggestOutputPath } from '../../src/renderer/src/store/settingsSync';

const sample = (t: number, vramUsedBytes: number | null = null): MetricsSample => ({
  t,
  textsPerSecond: t / 10,
  tokensPerSecond: t,
  rssBytes: 1000 + t,
  heapUsedBytes: 500,
  vramUsedBytes,
});

describe('metrics history', () => {
  it('keeps every sample until full, then thins the older ones out evenly', () => {
    let history = emptyMetrics();
    for (let t = 0; t < 8; t += 1) history = addSample(history, sample(t), 8);
    expect(history.samples.map((s) => s.t)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    history = addSample(history, sample(8), 8);
    expect(history.samples.map((s) => s.t)).toEqual([0, 2, 4, 6, 8]);
    expect(history.stride).toBe(2);
    history = addSample(history, sample(9), 8);
    expect(history.samples.map((s) => s.t)).toEqual([0, 2, 4, 6, 9]);
    history = addSample(history, sample(10), 8);
    expect(history.samples.map((s) => s.t)).toEqual([0, 2, 4, 6, 9, 10]);
  });

  it('stays within its capacity for any number of samples', () => {
    let history = emptyMetrics();
    for (let t = 0; t < 10_000; t += 1) {
      history = addSample(history, sample(t), 100);
      expect(history.samples.length).toBeLessThanOrEqual(100);
      expect(history.samples.at(-1)?.t).toBe(t);
    }
  });
});

describe('skipped lines log', () => {
  it('keeps the first entries up to its limit and counts the rest', () => {
    let log = emptyLog();
    log = addEntries(
      log,
      [
        { line: 1, reason: 'blank' },
        { line: 2, reason: 'invalid-json', detail: 'Unexpected token' },
      ],
      0,
      3,
    );
    log = addEntries(
      log,
      [
        { line: 5, reason: 'blank' },
        { line: 9, reason: 'failed' },
      ],
      0,
      3,
    );
    log = addEntries(log, [{ line: 12, reason: 'blank' }], 4, 3);
    expect(log.entries.map((entry) => entry.line)).toEqual([1, 2, 5]);
    expect(log.total).toBe(9);
    expect(addEntries(log, [], 0, 3)).toBe(log);
  });
});

describe('number fields', () => {
  it('reads whole numbers, allowing digit grouping', () => {
    expect(parseNumberField('batchSize', ' 1,024 ')).toEqual({ ok: true, value: 1024 });
    expect(parseNumberField('batchSize', '1e3')).toMatchObject({ ok: false });
    expect(parseNumberField('memoryLimitMb', '')).toEqual({ ok: true, value: null });
    expect(parseNumberField('threads', '513')).toEqual({
      ok: false,
      message: 'Threads must be a whole number from 1 to 512.',
    });
  });
});

describe('output suggestion', () => {
  it('puts the embeddings next to the input, named after it', () => {
    expect(suggestOutputPath('/data/notes.txt', 'jsonl')).toBe('/data/notes.embeddings.jsonl');
    expect(suggestOutputPath('/data/notes', 'npy')).toBe('/data/notes.embeddings.npy');
    expect(suggestOutputPath('/data.v2/notes', 'npy')).toBe('/data.v2/notes.embeddings.npy');
    expect(suggestOutputPath('C:\\data\\rows.jsonl', 'parquet')).toBe('C:\\data\\rows.embeddings.parquet');
    expect(suggestOutputPath('  ', 'jsonl')).toBe('');
  });
});

describe('chart columns', () => {
  it('gives uPlot time in seconds and one column per series, with VRAM only when asked', () => {
    const samples = [sample(1000), sample(2000, 4096)];
    expect(throughputColumns(samples)).toEqual([
      [1, 2],
      [100, 200],
      [1000, 2000],
    ]);
    expect(memoryColumns(samples, false)).toEqual([
      [1, 2],
      [2000, 3000],
      [500, 500],
    ]);
    expect(memoryColumns(samples, true)[3]).toEqual([null, 4096]);
    expect(hasVram(samples)).toBe(true);
    expect(hasVram([sample(1)])).toBe(false);
  });
});
