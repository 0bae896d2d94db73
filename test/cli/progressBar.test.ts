import { describe, expect, it } from 'vitest';
import { noticePrinter, ProgressBar, renderProgress } from '../../src/cli/progressBar';
import type { ProgressInfo } from '#shared/engine';

function progress(overrides: Partial<ProgressInfo> = {}): ProgressInfo {
  return {
    linesDone: 4_200,
    totalLines: null,
    fraction: 0.42,
    embedded: 4_100,
    skipped: 100,
    failed: 0,
    tokens: 190_000,
    batches: 130,
    elapsedMs: 12_000,
    textsPerSecond: 1_234.4,
    tokensPerSecond: 45_678,
    averageTextsPerSecond: 1_000,
    averageTokensPerSecond: 40_000,
    etaMs: 41_000,
    rssBytes: 512 * 1024 * 1024,
    heapUsedBytes: 50 * 1024 * 1024,
    done: false,
    ...overrides,
  };
}

describe('renderProgress', () => {
  it('shows the share of the file done (by bytes, before its line count is known), lines, ETA, rates and memory on an 80-column terminal', () => {
    expect(renderProgress(progress(), 79)).toBe(
      ' 42%  4,200 lines  ETA 0:41  1,234 texts/s  45.7K tokens/s  RSS 512 MiB',
    );
  });

  it('draws the bar in front on a wide terminal', () => {
    expect(renderProgress(progress(), 119)).toBe(
      '[████████░░░░░░░░░░░░]  42%  4,200 lines  ETA 0:41  1,234 texts/s  45.7K tokens/s  RSS 512 MiB',
    );
  });

  it('drops the least important figures to fit a narrow terminal', () => {
    const line = renderProgress(progress(), 35);
    expect(line).toBe(' 42%  4,200 lines  ETA 0:41');
  });

  it('shows lines out of the total where it is known', () => {
    expect(renderProgress(progress({ totalLines: 10_000 }), 79)).toBe(
      ' 42%  4,200/10,000 lines  ETA 0:41  1,234 texts/s  45.7K tokens/s  RSS 512 MiB',
    );
  });

  it('shows the run time and average rates once done, and copes with an unknown share and ETA', () => {
    expect(
      renderProgress(
        progress({ linesDone: 10_000, totalLines: 10_000, fraction: 1, done: true, etaMs: 0, elapsedMs: 65_000 }),
        99,
      ),
    ).toBe('100%  10,000/10,000 lines  done in 1:05  1,000 texts/s  40K tokens/s  RSS 512 MiB');
    expect(renderProgress(progress({ fraction: null, etaMs: null }), 119)).toBe(
      '4,200 lines  ETA ?  1,234 texts/s  45.7K tokens/s  RSS 512 MiB',
    );
  });
});

describe('ProgressBar', () => {
  function recorder(columns?: number): {
    stream: { write: (text: string) => boolean; columns?: number };
    written: string[];
  } {
    const written: string[] = [];
    return { stream: { write: (text) => written.push(text) > 0, columns }, written };
  }

  it('redraws in place at most ten times a second, always drawing the final state, and ends with a newline', () => {
    let now = 0;
    const { stream, written } = recorder(80);
    const bar = new ProgressBar(stream, () => now);
    bar.status('Loading model ...');
    for (const at of [0, 50, 99, 100, 150, 230]) {
      now = at;
      bar.update(progress());
    }
    now = 240;
    bar.update(progress({ done: true, linesDone: 10_000, totalLines: 10_000, fraction: 1 }));
    bar.close();
    bar.update(progress());
    bar.close();

    expect(written).toHaveLength(1 + 3 + 1 + 1);
    expect(written.slice(0, -1).every((text) => text.startsWith('\r') && text.endsWith('\x1b[K'))).toBe(true);
    expect(written[0]).toBe('\rLoading model ...\x1b[K');
    expect(written[4]).toContain('100%');
    expect(written[5]).toBe('\n');
  });

  it('never writes past the last column, and assumes 80 columns when the terminal does not say', () => {
    const { stream, written } = recorder(undefined);
    const bar = new ProgressBar(stream, () => 0);
    bar.status('x'.repeat(200));
    expect(written[0]).toBe(`\r${'x'.repeat(79)}\x1b[K`);
  });

  it('prints a notice on a line of its own, over the status line, which comes back below it', () => {
    const { stream, written } = recorder(80);
    const bar = new ProgressBar(stream, () => 0);
    bar.status('Loading mini.gguf ...');
    noticePrinter(bar, stream)('Waiting for the engine build under way');
    bar.status('Loaded mini; reading texts.txt ...');
    expect(written).toEqual([
      '\rLoading mini.gguf ...\x1b[K',
      '\r\x1b[Knote: Waiting for the engine build under way\n',
      '\rLoaded mini; reading texts.txt ...\x1b[K',
    ]);
  });

  it('prints a notice as a plain line where there is no bar', () => {
    const { stream, written } = recorder();
    noticePrinter(null, stream)('Waiting for the engine build under way');
    expect(written).toEqual(['note: Waiting for the engine build under way\n']);
  });
});
