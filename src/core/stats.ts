import type { BatchStats, ProgressInfo, SkipReason } from '#shared/engine';
import type { DoneCounts } from './checkpoint';
import { PhaseClock } from './phaseClock';

export interface BatchOutcome {
  embedded: number;
  /** Of the lines embedded, those whose rows were copied from an earlier output. */
  reused: number;
  /** Rows written: the lines embedded, or with the policy chunk their chunks. */
  rows: number;
  tokens: number;
  characters: number;
  truncated: number;
  skipped: ReadonlyArray<{ reason: SkipReason }>;
  ms: number;
  /** How far into the input the batch's last line reaches (bytes of a file, or lines), or null where it had none. */
  reached: number | null;
}

const RATE_WINDOW_MS = 5000;

/** Accumulates batch outcomes into stats and progress reports, with real process memory. */
export class StatsTracker {
  /** Where the time goes; a run pauses only with no phase under way, so no paused time is counted in it. */
  readonly clock = new PhaseClock();
  private base: DoneCounts = emptyCounts();
  private totals = emptyTotals();
  private started = performance.now();
  private recent: Array<{ at: number; lines: number; embedded: number; tokens: number; reached: number }> = [];
  /** How far into the input the lines done reach, and where this run started in it. */
  private reached = 0;
  private reachedAtStart = 0;
  private pausedMs = 0;
  private pausedAt: number | null = null;

  reset(): void {
    this.base = emptyCounts();
    this.totals = emptyTotals();
    this.started = performance.now();
    this.clock.reset();
    this.recent = [];
    this.pausedMs = 0;
    this.pausedAt = null;
    this.reached = 0;
    this.reachedAtStart = 0;
  }

  /** Where in the input this run starts: past the lines of the run it resumes. */
  startAt(reached: number): void {
    this.reached = reached;
    this.reachedAtStart = reached;
  }

  /**
   * Starts from the lines an earlier run of the same job finished (a resumed run): they count in the totals and the
   * progress, not in the rates, which are this run's own.
   */
  carryOver(counts: DoneCounts): void {
    this.base = { ...counts, skippedByReason: { ...counts.skippedByReason } };
    this.totals = { ...emptyTotals(), ...counts, skippedByReason: { ...counts.skippedByReason } };
  }

  counts(): DoneCounts {
    const { embedded, reused, rows, skipped, failed, truncated, tokens, characters, skippedByReason } = this.totals;
    return {
      embedded,
      reused,
      rows,
      skipped,
      failed,
      truncated,
      tokens,
      characters,
      skippedByReason: { ...skippedByReason },
    };
  }

  /** Time spent paused counts neither towards elapsed time nor towards rates. */
  pause(): void {
    this.pausedAt ??= performance.now();
  }

  resume(): void {
    if (this.pausedAt === null) return;
    const paused = performance.now() - this.pausedAt;
    this.pausedMs += paused;
    for (const sample of this.recent) sample.at += paused;
    this.pausedAt = null;
  }

  record(outcome: BatchOutcome): void {
    const t = this.totals;
    t.embedded += outcome.embedded;
    t.reused += outcome.reused;
    t.rows += outcome.rows;
    t.tokens += outcome.tokens;
    t.characters += outcome.characters;
    t.truncated += outcome.truncated;
    t.batches += 1;
    t.batchMs += outcome.ms;
    if (outcome.reached !== null) this.reached = outcome.reached;
    for (const { reason } of outcome.skipped) {
      if (reason === 'failed') t.failed += 1;
      else t.skipped += 1;
      t.skippedByReason[reason] = (t.skippedByReason[reason] ?? 0) + 1;
    }
    this.samplePeak();
    const now = performance.now();
    this.recent.push({ at: now, lines: this.lines(), embedded: t.embedded, tokens: t.tokens, reached: this.reached });
    while (this.recent.length > 2 && (this.recent[0]?.at ?? now) < now - RATE_WINDOW_MS) this.recent.shift();
  }

  samplePeak(): number {
    const rss = process.memoryUsage.rss();
    if (rss > this.totals.peakRssBytes) this.totals.peakRssBytes = rss;
    return rss;
  }

  stats(): BatchStats {
    const t = this.totals;
    const counted = this.clock.counted();
    const elapsedMs = (this.pausedAt ?? performance.now()) - this.started - this.pausedMs;
    const busyMs = counted.tokenizeMs + counted.decodeMs + counted.readOutMs + counted.writeMs;
    const seconds = elapsedMs / 1000;
    return {
      lines: this.lines(),
      embedded: t.embedded,
      reused: t.reused,
      skipped: t.skipped,
      failed: t.failed,
      truncated: t.truncated,
      skippedByReason: { ...t.skippedByReason },
      tokens: t.tokens,
      characters: t.characters,
      batches: t.batches,
      elapsedMs,
      averageBatchMs: t.batches ? t.batchMs / t.batches : 0,
      textsPerSecond: seconds > 0 ? (t.embedded - this.base.embedded) / seconds : 0,
      tokensPerSecond: seconds > 0 ? (t.tokens - this.base.tokens) / seconds : 0,
      averageTokensPerText: t.embedded ? t.tokens / t.embedded : 0,
      peakRssBytes: t.peakRssBytes,
      time: { ...counted, idleMs: Math.max(0, elapsedMs - busyMs) },
    };
  }

  /**
   * `total`: how much input there is, in the unit `record` was told how far each batch reaches (bytes of a file, or
   * lines), where known; the share done and the time left are told from it.
   */
  progress(total: number | null, totalLines: number | null, done: boolean): ProgressInfo {
    const s = this.stats();
    const now = this.pausedAt ?? performance.now();
    const base = this.base;
    const first = this.recent[0] ?? {
      at: this.started + this.pausedMs,
      lines: base.embedded + base.skipped + base.failed,
      embedded: base.embedded,
      tokens: base.tokens,
      reached: this.reachedAtStart,
    };
    const windowSeconds = (now - first.at) / 1000;
    const rate = (value: number, since: number): number => (windowSeconds > 0 ? (value - since) / windowSeconds : 0);
    const reachedPerSecond = rate(this.reached, first.reached);
    const remaining = total === null ? null : Math.max(0, total - this.reached);
    return {
      linesDone: s.lines,
      totalLines,
      fraction: done || total === 0 ? 1 : total === null ? null : Math.min(1, this.reached / total),
      embedded: s.embedded,
      skipped: s.skipped,
      failed: s.failed,
      tokens: s.tokens,
      batches: s.batches,
      elapsedMs: s.elapsedMs,
      textsPerSecond: rate(s.embedded, first.embedded),
      tokensPerSecond: rate(s.tokens, first.tokens),
      averageTextsPerSecond: s.textsPerSecond,
      averageTokensPerSecond: s.tokensPerSecond,
      etaMs: done ? 0 : remaining === null || reachedPerSecond <= 0 ? null : (remaining / reachedPerSecond) * 1000,
      rssBytes: this.samplePeak(),
      heapUsedBytes: process.memoryUsage().heapUsed,
      done,
    };
  }

  private lines(): number {
    return this.totals.embedded + this.totals.skipped + this.totals.failed;
  }
}

function emptyCounts(): DoneCounts {
  return {
    embedded: 0,
    reused: 0,
    rows: 0,
    skipped: 0,
    failed: 0,
    truncated: 0,
    skippedByReason: {},
    tokens: 0,
    characters: 0,
  };
}

function emptyTotals() {
  return {
    ...emptyCounts(),
    batches: 0,
    batchMs: 0,
    peakRssBytes: 0,
  };
}
