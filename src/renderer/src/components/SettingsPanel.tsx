import {
  chunksTexts,
  type GpuChoice,
  type LongTextPolicy,
  type Normalization,
  type OutputFormat,
  type Precision,
} from '#shared/engine';
import { isFolderInput } from '../store/settingsSync';
import { useActions, useStudio } from '../store/StoreContext';
import { BatchSizeField } from './BatchSizeField';
import { DimensionsNote } from './DimensionsNote';
import { ErrorMessage } from './ErrorMessage';
import { NumberField } from './NumberField';
import { PathField } from './PathField';
import { PrefixOffer } from './PrefixOffer';
import { SelectField } from './SelectField';

const GPU_OPTIONS: ReadonlyArray<{ value: GpuChoice; label: string }> = [
  { value: 'auto', label: 'Best available' },
  { value: 'cpu', label: 'CPU only' },
  { value: 'cuda', label: 'CUDA (NVIDIA)' },
  { value: 'vulkan', label: 'Vulkan' },
  { value: 'metal', label: 'Metal (Apple)' },
];

const NORMALIZATION_OPTIONS: ReadonlyArray<{ value: Normalization; label: string }> = [
  { value: 'l2', label: 'L2 (unit length)' },
  { value: 'none', label: 'None (raw vectors)' },
];

const LONG_TEXT_OPTIONS: ReadonlyArray<{ value: LongTextPolicy; label: string }> = [
  { value: 'truncate', label: 'Truncate them' },
  { value: 'skip', label: 'Skip them' },
  { value: 'fail', label: 'Stop the run' },
  { value: 'chunk', label: 'Cut them into chunks, a row each' },
  { value: 'mean', label: 'Average their chunks into one row' },
];

const OUTPUT_FORMAT_OPTIONS: ReadonlyArray<{ value: OutputFormat; label: string }> = [
  { value: 'jsonl', label: 'JSONL (one JSON object per line)' },
  { value: 'npy', label: 'NumPy .npy (matrix + line numbers)' },
  { value: 'parquet', label: 'Parquet (table)' },
  { value: 'lance', label: 'LanceDB (table folder)' },
];

const PRECISION_OPTIONS: ReadonlyArray<{ value: Precision; label: string }> = [
  { value: 'float32', label: 'float32 (as the model gives them)' },
  { value: 'float16', label: 'float16 (half the size)' },
  { value: 'int8', label: 'int8 (a byte a dimension, scaled by its range)' },
  { value: 'uint8', label: 'uint8 (a byte a dimension, scaled by its range)' },
  { value: 'binary', label: 'binary (a bit a dimension, packed as int8)' },
  { value: 'ubinary', label: 'ubinary (a bit a dimension, packed as uint8)' },
];

export function SettingsPanel() {
  const settings = useStudio((state) => state.settings);
  const loaded = useStudio((state) => state.model.info);
  const host = useStudio((state) => state.host);
  const folder = useStudio((state) => isFolderInput(state.input));
  const actions = useActions();
  const reloadNeeded =
    loaded !== null &&
    ((settings.gpu !== 'auto' && settings.gpu !== loaded.backend) ||
      (settings.values.threads !== null && settings.values.threads !== loaded.threads) ||
      (settings.values.contextSize !== null && settings.values.contextSize !== loaded.contextSize));

  return (
    <section className="panel" aria-labelledby="settings-heading">
      <h2 id="settings-heading">3. Settings</h2>

      <fieldset>
        <legend>Batches and memory</legend>
        <BatchSizeField />
        <NumberField
          field="memoryLimitMb"
          id="memory-limit"
          placeholder="none"
          note="The run stops if the app uses more memory than this."
        />
      </fieldset>

      <fieldset>
        <legend>Hardware (used when the model is loaded)</legend>
        <div className="field-row">
          <SelectField id="gpu" label="Backend" value={settings.gpu} options={GPU_OPTIONS} onChange={actions.setGpu} />
          <NumberField field="threads" id="threads" placeholder="auto" />
          <NumberField field="contextSize" id="context-size" placeholder="model’s" />
        </div>
        {reloadNeeded && <p className="note">Press Load again to use these hardware settings.</p>}
      </fieldset>

      <fieldset>
        <legend>Texts</legend>
        <div className="field-row">
          <SelectField
            id="normalize"
            label="Normalization"
            value={settings.normalize}
            options={NORMALIZATION_OPTIONS}
            onChange={actions.setNormalize}
          />
          <NumberField field="dimensions" id="dimensions" placeholder="all" />
          {folder ? (
            <div className="field">
              <span className="field-label">Documents of a folder</span>
              <p className="note" id="on-long">
                Always cut into chunks, a row each
              </p>
            </div>
          ) : (
            <SelectField
              id="on-long"
              label="Texts longer than the context"
              value={settings.onLong}
              options={LONG_TEXT_OPTIONS}
              onChange={actions.setOnLong}
            />
          )}
        </div>
        {(folder || chunksTexts(settings.onLong)) && (
          <div className="field-row">
            <NumberField field="chunkTokens" id="chunk-tokens" placeholder="what the context holds" />
            <NumberField field="chunkOverlap" id="chunk-overlap" placeholder="a tenth of a chunk" />
          </div>
        )}
        <DimensionsNote />
        <div className="field">
          <label htmlFor="prefix">Prefix</label>
          <input
            id="prefix"
            type="text"
            value={settings.prefix}
            maxLength={1000}
            placeholder="none, e.g. search_document: "
            spellCheck={false}
            aria-describedby="prefix-note"
            onChange={(event) => actions.setPrefix(event.target.value)}
          />
          <p className="note" id="prefix-note">
            Put before every text; some models expect one.
          </p>
          <PrefixOffer />
        </div>
      </fieldset>

      <fieldset>
        <legend>Output</legend>
        <SelectField
          id="output-format"
          label="Output format"
          value={settings.format}
          options={OUTPUT_FORMAT_OPTIONS}
          onChange={actions.setOutputFormat}
        />
        <SelectField
          id="precision"
          label="Precision"
          value={settings.precision}
          options={PRECISION_OPTIONS}
          onChange={actions.setPrecision}
        />
        <PathField
          id="output-path"
          label="Output file"
          value={settings.output}
          placeholder="/path/to/texts.embeddings.jsonl"
          error={settings.outputError}
          onChange={actions.setOutputPath}
          onBrowse={host === 'electron' ? () => void actions.pickOutput() : undefined}
          browseLabel="Save as…"
        />
        <label className="check">
          <input
            type="checkbox"
            checked={settings.overwrite}
            onChange={(event) => actions.setOverwrite(event.target.checked)}
          />
          Replace the output if it already exists
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={settings.stopOnError}
            onChange={(event) => actions.setStopOnError(event.target.checked)}
          />
          Stop at the first line that fails to embed (otherwise it is logged and skipped)
        </label>
      </fieldset>
      <ErrorMessage
        error={
          settings.saveError && {
            ...settings.saveError,
            message: `Settings could not be saved: ${settings.saveError.message}`,
          }
        }
      />
    </section>
  );
}
