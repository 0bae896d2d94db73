import { formatBytes } from '#shared/format';
import { useActions, useStudio } from '../store/StoreContext';
import { isDownloading } from './DownloadProgress';

/** For someone without any model yet: the catalog's recommended model, one click away. */
export function FirstModelOffer() {
  const library = useStudio((state) => state.library);
  const model = useStudio((state) => state.model);
  const actions = useActions();
  const recommended = library.catalog.find((entry) => entry.recommended);
  const firstRun =
    library.loaded && !model.path.trim() && !model.info && library.models.length === 0 && library.recent.length === 0;
  if (!recommended || !firstRun) return null;
  return (
    <div className="offer">
      <p>
        No model yet? <strong>{recommended.name}</strong> is a good first one: {recommended.languages},{' '}
        {formatBytes(recommended.sizeBytes)}, {recommended.license} licence.
      </p>
      <button
        type="button"
        className="primary"
        disabled={isDownloading(library.download)}
        onClick={() => void actions.pullModel(recommended.id)}
      >
        Download {recommended.id}
      </button>
    </div>
  );
}
