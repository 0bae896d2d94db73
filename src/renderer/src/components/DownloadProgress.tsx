import type { ModelDownload } from '#shared/modelLibrary';
import { formatBytes, formatClock, formatPercent } from '#shared/format';
import { useActions, useStudio } from '../store/StoreContext';
import { ErrorMessage } from './ErrorMessage';
import { Meter } from './ProgressBar';

const RUNNING: ReadonlySet<ModelDownload['status']> = new Set(['starting', 'downloading', 'verifying']);

export function isDownloading(download: ModelDownload | null): boolean {
  return download !== null && RUNNING.has(download.status);
}

/** The download in progress (bytes, speed, time left, Cancel), or how the last one ended. */
export function DownloadProgress() {
  const download = useStudio((state) => state.library.download);
  const actions = useActions();
  if (!download) return null;
  const name = download.fileName ?? download.uri;
  if (download.status === 'done') return <p className="note">Downloaded {name}.</p>;
  if (!RUNNING.has(download.status)) return <ErrorMessage error={download.error} />;

  const { downloadedBytes, totalBytes } = download;
  const fraction = totalBytes ? downloadedBytes / totalBytes : 0;
  const amount = totalBytes
    ? `${formatBytes(downloadedBytes)} of ${formatBytes(totalBytes)}`
    : formatBytes(downloadedBytes);
  const what =
    download.status === 'starting'
      ? `Looking up ${name}…`
      : download.status === 'verifying'
        ? `Checking ${name}…`
        : `Downloading ${name}`;
  const pace =
    download.status === 'downloading' && download.bytesPerSecond > 0
      ? ` · ${formatBytes(download.bytesPerSecond)}/s${download.etaMs === null ? '' : ` · ${formatClock(download.etaMs)} left`}`
      : '';
  return (
    <div className="download" role="group" aria-label="Model download">
      <div className="download-head">
        <span className="status" role="status">
          {what}
        </span>
        <button type="button" onClick={() => void actions.cancelPull()}>
          Cancel download
        </button>
      </div>
      <Meter
        label="Bytes downloaded"
        value={downloadedBytes}
        max={totalBytes}
        fraction={fraction}
        valueText={totalBytes ? `${amount}, ${formatPercent(fraction)}` : amount}
      />
      <p className="note">
        {amount}
        {pace}
      </p>
    </div>
  );
}
