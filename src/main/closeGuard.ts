export interface CloseGuardOptions {
  /** A run is in progress. */
  isBusy(): boolean;
  /** Asks whether to cancel the run and close; true to close. */
  confirm(): Promise<boolean>;
  /** Cancels the run and resolves once it has cleaned up. */
  stopRun(): Promise<void>;
  /** Closes the window for good (the handler lets that close through). */
  close(): void;
}

/**
 * The window's `close` handler: with no run in progress the window closes; during a run the close is held back and the
 * user asked, then either nothing happens or the run is cancelled, allowed to clean up, and the window closed.
 */
export function closeGuard(options: CloseGuardOptions): (event: { preventDefault(): void }) => void {
  let confirmed = false;
  let asking = false;
  return (event) => {
    if (confirmed || !options.isBusy()) return;
    event.preventDefault();
    if (asking) return;
    asking = true;
    void (async () => {
      if (!(await options.confirm())) return;
      confirmed = true;
      try {
        await options.stopRun();
      } finally {
        options.close();
      }
    })()
      // Nothing to recover: the window stays open if asking failed, and is closed either way once confirmed.
      .catch(() => undefined)
      .finally(() => {
        asking = false;
      });
  };
}
