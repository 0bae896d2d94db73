import type { ModelInfo } from '#shared/engine';
import { formatBytes, formatCount } from '#shared/format';
import { isActive } from '../store/startGuard';
import { useActions, useStudio } from '../store/StoreContext';
import { DownloadProgress, isDownloading } from './DownloadProgress';
import { Facts } from './Facts';
import { FirstModelOffer } from './FirstModelOffer';
import { PathField } from './PathField';

export function ModelPanel() {
  const model = useStudio((state) => state.model);
  const host = useStudio((state) => state.host);
  const running = useStudio((state) => isActive(state.job.status));
  const downloading = useStudio((state) => isDownloading(state.library.download));
  const actions = useActions();
  const switching = model.info !== null && model.path.trim() !== '' && model.path.trim() !== model.info.path;
  const reason = running ? 'The model can’t be changed while a run is in progress.' : null;

  return (
    <section className="panel" aria-labelledby="model-heading">
      <h2 id="model-heading">1. Model</h2>
      <PathField
        id="model-path"
        label="Model file"
        value={model.path}
        placeholder="/path/to/embedding-model.gguf"
        error={model.error}
        onChange={actions.setModelPath}
        onBrowse={host === 'electron' ? () => void actions.pickModel() : undefined}
      />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={model.loading || running}
          aria-describedby={reason ? 'model-load-reason' : undefined}
          onClick={() => void actions.loadModel()}
        >
          Load
        </button>
        {model.loading && (
          <span className="status" role="status">
            Loading the model…
          </span>
        )}
        {reason && (
          <span className="note" id="model-load-reason">
            {reason}
          </span>
        )}
      </div>
      {model.notice && (
        <p className="note" role="status">
          {model.notice}
        </p>
      )}
      {switching && !model.loading && <p className="note">Press Load to switch from the model loaded now.</p>}
      {model.info ? <ModelFacts info={model.info} /> : !model.loading && <p className="empty">No model loaded.</p>}
      <FirstModelOffer />
      {downloading && <DownloadProgress />}
      <p className="note">
        <button type="button" className="link" onClick={() => actions.showView('models')}>
          Models on this computer and downloads
        </button>
      </p>
    </section>
  );
}

function ModelFacts({ info }: { info: ModelInfo }) {
  const backend = info.gpuName ? `${info.backend} on ${info.gpuName} (${info.gpuLayers} layers)` : info.backend;
  return (
    <Facts
      label="Loaded model"
      rows={[
        ['Name', info.name],
        ['Architecture', info.architecture],
        ['Dimensions', formatCount(info.dimension)],
        [
          'Context',
          `${formatCount(info.contextSize)} of ${formatCount(info.trainContextSize)} tokens (used / trained)`,
        ],
        ['Pooling', info.pooling],
        ['File size', formatBytes(info.fileSize)],
        ['Quantization', info.quantization],
        ['Backend', backend],
        ['Threads / contexts', `${info.threads} / ${info.contexts}`],
        [
          'Engine',
          `${info.engine === 'batched' ? 'Batched, many texts per decode' : 'One text per decode per context'} (${info.buildType === 'localBuild' ? 'local build' : 'prebuilt binary'})`,
        ],
      ]}
    />
  );
}
