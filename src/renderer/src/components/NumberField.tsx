import { NUMBER_FIELDS, type NumberField as Field } from '../store/numberFields';
import { useActions, useStudio } from '../store/StoreContext';

interface NumberFieldProps {
  field: Field;
  id: string;
  /** Shown when the field is empty: what an empty field means. */
  placeholder?: string;
  /** Words after the field; default: the option's unit. */
  unit?: string;
  note?: string;
}

/** A number typed freely (digit grouping allowed) and checked against the option's limits as it is typed. */
export function NumberField({ field, id, placeholder, unit, note }: NumberFieldProps) {
  const text = useStudio((state) => state.settings.texts[field]);
  const error = useStudio((state) => state.settings.errors[field]);
  const actions = useActions();
  const { limit } = NUMBER_FIELDS[field];
  const shownUnit = unit ?? limit.unit;
  const errorId = `${id}-error`;
  const noteId = `${id}-note`;
  const described = [error ? errorId : null, note ? noteId : null].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{limit.label}</label>
      <div className="number-row">
        <input
          id={id}
          type="text"
          inputMode={limit.integer ? 'numeric' : 'decimal'}
          className="number-input"
          value={text}
          placeholder={placeholder}
          aria-invalid={error ? true : undefined}
          aria-describedby={described || undefined}
          onChange={(event) => actions.setNumber(field, event.target.value)}
        />
        {shownUnit && <span className="unit">{shownUnit}</span>}
      </div>
      {note && (
        <p className="note" id={noteId}>
          {note}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
