import type { DownloadProgress } from '#core/library/downloadMeter';
import type { DownloadModelOptions, DownloadStart } from '#core/library/modelDownload';
import { formatBytes, formatClock } from '#shared/format';
import { REDRAW_INTERVAL_MS, statusLine, type ProgressBar, type ProgressStream } from './progressBar';

const BAR_MIN_TERMINAL_WIDTH = 100;
const DEFAULT_COLUMNS = 80;

/**
 * ` 42%  15 MiB of 35 MiB  2.1 MiB/s  ETA 0:10  bge-small-en-v1.5-q8_0.gguf`, cut to fit `width`, with a
 * `[████████░░░░░░░░░░░░] ` bar in front on a wide terminal.
 */
export function renderDownload(progress: DownloadProgress, width: number): string {
  const { downloadedBytes, totalBytes, etaMs } = progress;
  const fraction = totalBytes ? Math.min(1, downloadedBytes / totalBytes) : null;
  const parts = [
    fraction === null ? null : `${Math.floor(fraction * 100)}%`.padStart(4),
    totalBytes ? `${formatBytes(downloadedBytes)} of ${formatBytes(totalBytes)}` : formatBytes(downloadedBytes),
    `${formatBytes(progress.bytesPerSecond)}/s`,
    `ETA ${etaMs === null ? '?' : formatClock(etaMs)}`,
    progress.fileName,
  ];
  return statusLine(parts, fraction, width, BAR_MIN_TERMINAL_WIDTH);
}

export type DownloadCallbacks = Pick<DownloadModelOptions, 'onStart' | 'onProgress' | 'onVerify'>;

/** Download callbacks that draw on the terminal's status line, at most every REDRAW_INTERVAL_MS. */
export function drawDownload(
  bar: ProgressBar,
  stream: ProgressStream,
  now: () => number = () => performance.now(),
): DownloadCallbacks {
  let lastDraw = -Infinity;
  let fileName = '';
  return {
    onStart: (start: DownloadStart) => {
      fileName = start.fileName;
      const resumed = start.resumedFromBytes ? `, resuming after ${formatBytes(start.resumedFromBytes)}` : '';
      bar.status(`Downloading ${fileName}${resumed} ...`);
    },
    onProgress: (progress: DownloadProgress) => {
      const at = now();
      if (at - lastDraw < REDRAW_INTERVAL_MS && progress.downloadedBytes !== progress.totalBytes) return;
      lastDraw = at;
      bar.status(renderDownload(progress, (stream.columns || DEFAULT_COLUMNS) - 1));
    },
    onVerify: () => bar.status(`Checking ${fileName} ...`),
  };
}
