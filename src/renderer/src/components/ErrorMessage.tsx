import { inAppWords } from '../store/appHints';
import type { UiError } from '../store/types';

/** What went wrong and what to do about it, right under the control it is about. */
export function ErrorMessage({ error, id }: { error: UiError | null; id?: string }) {
  if (!error) return null;
  // Errors the store did not word (a download's, the library's) still carry the engine's remedy.
  const { hint } = inAppWords(error);
  return (
    <div className="error" role="alert" id={id}>
      <p className="error-message">{error.message}</p>
      {hint && <p className="error-hint">{hint}</p>}
    </div>
  );
}
