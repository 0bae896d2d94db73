import type { ReactNode } from 'react';
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
  /** More buttons after Browse…. */
  children?: ReactNode;
}

interface PathInputProps {
  id: string;
  value: string;
  placeholder?: string;
  /** The id of the message about what is wrong with the value, if anything is. */
  errorId?: string;
  onChange(value: string): void;
  onEnter(): void;
  onBlur?(): void;
}

/** A text box for a path or an address: no spell checking or autocomplete, Enter to act on it. */
export function PathInput({ id, value, placeholder, errorId, onChange, onEnter, onBlur }: PathInputProps) {
  return (
    <input
      id={id}
      type="text"
      className="path-input"
      value={value}
      placeholder={placeholder}
      spellCheck={false}
      autoComplete="off"
      aria-invalid={errorId ? true : undefined}
      aria-describedby={errorId}
      onChange={(event) => onChange(event.target.value)}
      onBlur={onBlur}
      onKeyDown={(event) => {
        if (event.key === 'Enter') onEnter();
      }}
    />
  );
}

/** A file path typed in, with a Browse… button in the desktop app. */
export function PathField(props: PathFieldProps) {
  const {
    id,
    label,
    value,
    placeholder,
    error,
    onChange,
    onCommit,
    onBrowse,
    browseLabel = 'Browse…',
    children,
  } = props;
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <div className="path-row">
        <PathInput
          id={id}
          value={value}
          placeholder={placeholder}
          errorId={error ? errorId : undefined}
          onChange={onChange}
          onBlur={onCommit}
          onEnter={() => onCommit?.()}
        />
        {onBrowse && (
          <button type="button" onClick={onBrowse}>
            {browseLabel}
          </button>
        )}
        {children}
      </div>
      <ErrorMessage error={error} id={errorId} />
    </div>
  );
}
