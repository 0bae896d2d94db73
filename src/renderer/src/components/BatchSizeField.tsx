import { BATCH_SIZE_PRESETS } from '../store/numberFields';
import { useActions, useStudio } from '../store/StoreContext';
import { NumberField } from './NumberField';

/** Batch size: typed freely, or one of the usual sizes with one click. */
export function BatchSizeField() {
  const current = useStudio((state) => (state.settings.errors.batchSize ? null : state.settings.values.batchSize));
  const actions = useActions();
  return (
    <div className="batch-size">
      <NumberField field="batchSize" id="batch-size" unit="texts per batch" />
      <div className="presets" role="group" aria-label="Usual sizes">
        {BATCH_SIZE_PRESETS.map((size) => (
          <button
            key={size}
            type="button"
            className="preset"
            aria-pressed={current === size}
            onClick={() => actions.setNumber('batchSize', String(size))}
          >
            {size}
          </button>
        ))}
      </div>
    </div>
  );
}
