import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Paces one kind of event: `touch` says there is something new to send, and `send` runs right away if the last send
 * was at least `intervalMs` ago, otherwise once it is. Whatever the rate of touches, sends are `intervalMs` apart;
 * `send` reads the latest state itself, so touches in between coalesce.
 */
export class Throttle {
  private lastSent = -Infinity;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly intervalMs: number,
    private readonly send: () => void,
  ) {}

  touch(): void {
    if (this.timer || this.flushing) return;
    if (this.remaining() <= 0) this.fire();
    else this.schedule();
  }

  /** Sends what is pending as soon as the interval allows: the last event of a kind is delayed, never dropped. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (!this.timer) return Promise.resolve();
    clearTimeout(this.timer);
    this.timer = null;
    // `then` runs after the assignment even when no wait is needed, so the throttle never stays flushing.
    this.flushing = this.intervalPassed().then(() => {
      this.flushing = null;
      this.fire();
    });
    return this.flushing;
  }

  /** Timers may fire a little early; this sleeps until the interval has really passed. */
  private async intervalPassed(): Promise<void> {
    while (this.remaining() > 0) await sleep(Math.ceil(this.remaining()));
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.remaining() > 0) this.schedule();
      else this.fire();
    }, Math.ceil(this.remaining()));
  }

  private remaining(): number {
    return this.lastSent + this.intervalMs - performance.now();
  }

  private fire(): void {
    this.lastSent = performance.now();
    this.send();
  }
}
