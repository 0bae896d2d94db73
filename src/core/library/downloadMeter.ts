/** How far back the speed is measured: long enough to be steady, short enough to follow a changing connection. */
const WINDOW_MS = 5000;

export interface DownloadProgress {
  fileName: string;
  downloadedBytes: number;
  /** Null while the server has not said. */
  totalBytes: number | null;
  /** Over the last few seconds; bytes resumed from an earlier download do not count. */
  bytesPerSecond: number;
  etaMs: number | null;
}

/**
 * Turns the byte counts a download reports into progress with a speed and time left, and notices when no new bytes
 * have arrived for a while.
 */
export class DownloadMeter {
  private readonly samples: Array<{ at: number; bytes: number }> = [];
  private most = 0;
  private lastAdvance: number;

  constructor(
    private readonly fileName: string,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastAdvance = now();
  }

  /** The most bytes seen so far: a retried range can report fewer for a moment. */
  get downloadedBytes(): number {
    return this.most;
  }

  /** Milliseconds since the count last went up. */
  get idleMs(): number {
    return this.now() - this.lastAdvance;
  }

  update(downloadedBytes: number, totalBytes: number | null): DownloadProgress {
    const at = this.now();
    if (downloadedBytes > this.most) {
      this.most = downloadedBytes;
      this.lastAdvance = at;
    }
    this.samples.push({ at, bytes: this.most });
    while (this.samples.length > 2 && (this.samples[1]?.at ?? at) <= at - WINDOW_MS) this.samples.shift();
    const first = this.samples[0] ?? { at, bytes: this.most };
    const seconds = (at - first.at) / 1000;
    const bytesPerSecond = seconds > 0 ? (this.most - first.bytes) / seconds : 0;
    const left = totalBytes === null ? null : Math.max(0, totalBytes - this.most);
    return {
      fileName: this.fileName,
      downloadedBytes: this.most,
      totalBytes,
      bytesPerSecond,
      etaMs: left === null ? null : left === 0 ? 0 : bytesPerSecond > 0 ? (left / bytesPerSecond) * 1000 : null,
    };
  }
}
