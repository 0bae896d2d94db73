import type { UiError } from '../store/types';
import { ErrorMessage } from './ErrorMessage';

interface PathFieldProps {
  id: string;
  label: string;
  value: string;
  placeholder: string;
  error: UiError | null;
  onChange(value: string): void;
  /** The user is done typing: the field lost focus, or Enter was pressed. */
  onCommit?(): void;
  /** Opens a file dialog; only where the host has one. */
  onBrowse?: () => void;
  browseLabel?: string;
}

/** A file path typed in, with a Browse… button in the desktop app. */
export function PathField(props: PathFieldProps) {
  const { id, label, value, placeholder, error, onChange, onCommit, onBrowse, browseLabel = 'Browse…' } = props;
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="path-row">
        <input
          id={id}
          type="text"
          className="path-input"
          value={value}
          placeholder={placeholder}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
          onChange={(event) => onChange(event.target.value)}
          onBlur={onCommit}
          onKeyDown={(event) => {
            if (event.key === 'Enter') onCommit?.();
          }}
        />
        {onBrowse && (
          <button type="button" onClick={onBrowse}>
            {browseLabel}
          </button>
        )}
      </div>
      <ErrorMessage error={error} id={errorId} />
    </div>
  );
}
