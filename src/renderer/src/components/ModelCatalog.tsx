import { formatBytes, formatCount } from '#shared/format';
import { useActions, useStudio } from '../store/StoreContext';
import { DownloadProgress, isDownloading } from './DownloadProgress';
import { PathInput } from './PathField';

/** The curated catalog and a field for any hf: URI or URL, each downloaded into the models folder with a click. */
export function ModelCatalog({ onUse }: { onUse(path: string): void }) {
  const library = useStudio((state) => state.library);
  const actions = useActions();
  const busy = isDownloading(library.download);
  return (
    <details className="library" open>
      <summary>Download a model</summary>
      <ul className="catalog" aria-label="Model catalog">
        {library.catalog.map((entry) => (
          <li key={entry.id}>
            <div>
              <strong>{entry.name}</strong>
              {entry.recommended && <span className="badge badge-done">Recommended</span>}
              <p className="note">
                {entry.description} {entry.languages} · {formatCount(entry.dimensions)} dimensions ·{' '}
                {formatCount(entry.contextLength)} tokens · {formatBytes(entry.sizeBytes)} · {entry.license}
              </p>
            </div>
            {entry.path ? (
              <button type="button" aria-label={`Use ${entry.name}`} onClick={() => onUse(entry.path ?? '')}>
                Use
              </button>
            ) : (
              <button
                type="button"
                aria-label={`Download ${entry.name}`}
                disabled={busy}
                onClick={() => void actions.pullModel(entry.id)}
              >
                Download
              </button>
            )}
          </li>
        ))}
      </ul>
      <div className="field">
        <label htmlFor="model-uri">Model address</label>
        <div className="path-row">
          <PathInput
            id="model-uri"
            value={library.uri}
            placeholder="hf:owner/repo/model.gguf, hf:owner/repo:Q8_0 or https://…/model.gguf"
            onChange={actions.setPullUri}
            onEnter={() => {
              if (!busy) void actions.pullModel(library.uri);
            }}
          />
          <button type="button" disabled={busy} onClick={() => void actions.pullModel(library.uri)}>
            Download
          </button>
        </div>
        <p className="note">
          A catalog name, a Hugging Face URI or the URL of a .gguf file. An interrupted download resumes where it
          stopped.
        </p>
      </div>
      <DownloadProgress />
    </details>
  );
}
