/**
 * Signals closer together than this count as one Ctrl-C: the terminal sends SIGINT to every process of the
 * foreground group, and the `tsx` wrapper relays its own copy to the process that already got one.
 */
const SAME_PRESS_MS = 300;

/** The exit status of a process stopped at once by a second Ctrl-C. */
const EXIT_INTERRUPTED = 130;

/** Resolves on the first SIGINT or SIGTERM; a second one, for a user who will not wait for a clean stop, exits at once. */
export function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let firstAt: number | null = null;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (firstAt === null) {
        firstAt = performance.now();
        resolve(signal);
      } else if (performance.now() - firstAt > SAME_PRESS_MS) {
        process.exit(EXIT_INTERRUPTED);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
