import { cancelledError } from './errors';

/** Lets a front end pause a run between texts and resume it; a paused run holds no context and writes nothing. */
export class PauseGate {
  private waiters: Array<() => void> = [];
  private isPaused = false;

  get paused(): boolean {
    return this.isPaused;
  }

  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves once resumed; rejects as cancelled if the signal aborts first. */
  async whileNotPaused(signal?: AbortSignal): Promise<void> {
    if (!this.isPaused) return;
    if (signal?.aborted) throw cancelledError();
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((wake) => wake !== done);
        reject(cancelledError());
      };
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
