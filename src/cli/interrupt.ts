import { EXIT } from './exitCodes';

/**
 * Signals closer together than this count as one Ctrl-C: the terminal sends SIGINT to every process of the
 * foreground group, and a wrapper such as the `tsx` command relays its own copy to the process that already got one.
 */
const SAME_PRESS_MS = 300;

/**
 * Turns Ctrl-C into a clean stop: the first one aborts the returned signal (the engine then finishes the batches under
 * way and keeps its staged files and checkpoint for --resume), a second one exits at once for a user who will not
 * wait for that.
 */
export function cancelOnInterrupt(onCancel: () => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let firstAt = 0;
  const onSigint = (): void => {
    if (!controller.signal.aborted) {
      firstAt = performance.now();
      controller.abort();
      onCancel();
    } else if (performance.now() - firstAt > SAME_PRESS_MS) {
      process.exit(EXIT.cancelled);
    }
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
