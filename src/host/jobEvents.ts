import { type EventName, type EventPayloads, type MetricsSample } from '#shared/contract';
import { EVENT_INTERVAL_MS } from '#shared/protocol';
import type { ProgressInfo, SkippedLine } from '#shared/engine';
import { Throttle } from './eventThrottle';

export type Emit = <E extends EventName>(event: E, payload: EventPayloads[E]) => void;

/** How often the charts get a point, between progress reports too. */
export const METRICS_SAMPLE_MS = 250;
/** Skipped lines one log event carries; the rest are counted in `omitted` (the skip log file has them all). */
export const LOG_ENTRIES_PER_EVENT = 200;

export interface MetricsSource {
  isPaused(): boolean;
  vramUsedBytes(): Promise<number | null>;
}

/**
 * The progress, metrics and log events of one run, each kind sent at most every EVENT_INTERVAL_MS however fast the
 * engine reports; `close` delivers what is still pending, so the last progress of a run is never lost.
 */
export class JobEvents {
  private progress: ProgressInfo | null = null;
  private entries: SkippedLine[] = [];
  private omitted = 0;
  private metrics: MetricsSample | null = null;
  private sampling: Promise<void> | null = null;
  private closed = false;
  private readonly started = performance.now();
  private readonly sampler: NodeJS.Timeout;
  private readonly progressEvents = new Throttle(EVENT_INTERVAL_MS, () => this.sendProgress());
  private readonly logEvents = new Throttle(EVENT_INTERVAL_MS, () => this.sendLog());
  private readonly metricsEvents = new Throttle(EVENT_INTERVAL_MS, () => this.sendMetrics());

  constructor(
    private readonly jobId: number,
    private readonly emit: Emit,
    private readonly source: MetricsSource,
  ) {
    this.sampler = setInterval(() => void this.sample(), METRICS_SAMPLE_MS);
    void this.sample();
  }

  /** The last progress the engine reported. */
  get lastProgress(): ProgressInfo | null {
    return this.progress;
  }

  onProgress(progress: ProgressInfo): void {
    this.progress = progress;
    this.progressEvents.touch();
  }

  onSkip(skipped: SkippedLine): void {
    if (this.entries.length < LOG_ENTRIES_PER_EVENT) this.entries.push(skipped);
    else this.omitted += 1;
    this.logEvents.touch();
  }

  /** Stops sampling, takes a last sample and sends everything pending, each kind still paced. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sampler);
    await this.sampling;
    await this.takeSample();
    await Promise.all([this.progressEvents.flush(), this.logEvents.flush(), this.metricsEvents.flush()]);
  }

  private sample(): Promise<void> {
    if (this.closed || this.sampling) return this.sampling ?? Promise.resolve();
    this.sampling = this.takeSample().finally(() => {
      this.sampling = null;
    });
    return this.sampling;
  }

  private async takeSample(): Promise<void> {
    const vramUsedBytes = await this.source.vramUsedBytes().catch(() => null);
    const memory = process.memoryUsage();
    const running = !this.source.isPaused() && this.progress !== null;
    this.metrics = {
      t: performance.now() - this.started,
      textsPerSecond: running ? (this.progress?.textsPerSecond ?? 0) : 0,
      tokensPerSecond: running ? (this.progress?.tokensPerSecond ?? 0) : 0,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      vramUsedBytes,
    };
    this.metricsEvents.touch();
  }

  private sendProgress(): void {
    if (this.progress) this.emit('job:progress', { ...this.progress, jobId: this.jobId });
  }

  private sendLog(): void {
    if (!this.entries.length && !this.omitted) return;
    this.emit('job:log', {
      jobId: this.jobId,
      entries: this.entries,
      ...(this.omitted ? { omitted: this.omitted } : {}),
    });
    this.entries = [];
    this.omitted = 0;
  }

  private sendMetrics(): void {
    if (this.metrics) this.emit('job:metrics', { ...this.metrics, jobId: this.jobId });
  }
}
