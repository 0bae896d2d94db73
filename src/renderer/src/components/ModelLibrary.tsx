import { useState } from 'react';
import type { LocalModel } from '#shared/modelLibrary';
import { formatBytes, formatCount } from '#shared/format';
import { useActions, useStudio } from '../store/StoreContext';
import { ErrorMessage } from './ErrorMessage';
import { PathInput } from './PathField';

/** The models folder's models and those opened from elsewhere: pick one to make it the model file. */
export function ModelLibrary({ onUse }: { onUse(path: string): void }) {
  const library = useStudio((state) => state.library);
  const actions = useActions();
  const [removing, setRemoving] = useState<string | null>(null);
  const usingDefault = library.dir === library.defaultDir;
  return (
    <details className="library" open>
      <summary>Models on this computer ({library.models.length + library.recent.length})</summary>
      <div className="field">
        <label htmlFor="models-dir">Models folder</label>
        <div className="path-row">
          <PathInput
            id="models-dir"
            value={library.dirText}
            onChange={actions.setModelsDirText}
            onEnter={() => void actions.applyModelsDir()}
          />
          <button
            type="button"
            disabled={library.dirText.trim() === library.dir}
            onClick={() => void actions.applyModelsDir()}
          >
            Use folder
          </button>
          {!usingDefault && (
            <button type="button" onClick={() => void actions.applyModelsDir(true)}>
              Default folder
            </button>
          )}
        </div>
      </div>
      {library.models.length > 0 ? (
        <ModelTable
          label="Models in the folder"
          models={library.models}
          onUse={onUse}
          removing={removing}
          onRemove={(fileName) => {
            if (removing !== fileName) return setRemoving(fileName);
            setRemoving(null);
            void actions.removeModel(fileName);
          }}
        />
      ) : (
        <p className="empty">No models in this folder yet: download one below.</p>
      )}
      {library.recent.length > 0 && <ModelTable label="Opened from elsewhere" models={library.recent} onUse={onUse} />}
      {library.incomplete.length > 0 && (
        <div className="note">
          Incomplete downloads (getting the same model again resumes them):
          <ul className="incomplete">
            {library.incomplete.map((name) => (
              <li key={name}>
                {name}{' '}
                <button type="button" className="link" onClick={() => void actions.removeModel(name)}>
                  Discard
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <ErrorMessage error={library.error} />
    </details>
  );
}

interface ModelTableProps {
  label: string;
  models: readonly LocalModel[];
  onUse(path: string): void;
  /** The file whose Remove waits for a second press. */
  removing?: string | null;
  onRemove?(fileName: string): void;
}

function ModelTable({ label, models, onUse, removing, onRemove }: ModelTableProps) {
  return (
    <div className="table-scroll">
      <table className="models" aria-label={label}>
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Dimensions</th>
            <th scope="col">Context</th>
            <th scope="col">Pooling</th>
            <th scope="col">Size</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {models.map((model) => (
            <tr key={model.path} className={model.embedding ? undefined : 'unusable'}>
              <td>
                <span className="model-name">{model.name}</span>
                <span className="model-file">
                  {model.fileName}
                  {model.quantization ? ` · ${model.quantization}` : ''}
                </span>
              </td>
              <td>{model.dimensions === null ? '–' : formatCount(model.dimensions)}</td>
              <td>{model.contextLength === null ? '–' : formatCount(model.contextLength)}</td>
              <td>
                {model.problem ??
                  (model.embedding ? model.pooling : `${model.pooling ?? 'none'}: not an embedding model`)}
              </td>
              <td>{formatBytes(model.sizeBytes)}</td>
              <td className="row-actions">
                <button
                  type="button"
                  aria-label={`Use ${model.fileName}`}
                  disabled={!model.embedding}
                  onClick={() => onUse(model.path)}
                >
                  Use
                </button>
                {onRemove && (
                  <button
                    type="button"
                    className="danger"
                    aria-label={`${removing === model.fileName ? 'Really remove' : 'Remove'} ${model.fileName}`}
                    onClick={() => onRemove(model.fileName)}
                  >
                    {removing === model.fileName ? 'Really remove?' : 'Remove'}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
