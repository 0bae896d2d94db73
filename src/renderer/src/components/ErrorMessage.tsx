import type { UiError } from '../store/types';

/** What went wrong and what to do about it, right under the control it is about. */
export function ErrorMessage({ error, id }: { error: UiError | null; id?: string }) {
  if (!error) return null;
  return (
    <div className="error" role="alert" id={id}>
      <p className="error-message">{error.message}</p>
      {error.hint && <p className="error-hint">{error.hint}</p>}
    </div>
  );
}
