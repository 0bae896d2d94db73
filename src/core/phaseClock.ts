import type { TimeSplit } from '#shared/engine';

/** The phases a run's time is counted in; whatever time none of them holds is idle (see TimeSplit). */
export type Phase = 'tokenize' | 'decode' | 'readOut' | 'write';

/**
 * Splits a run's time the way its JavaScript thread spends it, one `performance.now()` at each change of phase:
 * synchronous work (tokenize, read-out) first, then an output write under way, then a decode in flight on any context;
 * time in none of them is idle. Decodes on several contexts at once count once, and time is never counted twice, so the
 * phases never add up to more than the wall time.
 */
export class PhaseClock {
  private totals = emptyTotals();
  private since = performance.now();
  private working: 'tokenize' | 'readOut' | null = null;
  private writes = 0;
  private decodes = 0;

  /** Forgets the time counted so far; work under way counts on from now. */
  reset(): void {
    this.totals = emptyTotals();
    this.since = performance.now();
  }

  /** Runs synchronous work of a phase. */
  time<T>(phase: 'tokenize' | 'readOut', work: () => T): T {
    this.mark();
    const outer = this.working;
    this.working = phase;
    try {
      return work();
    } finally {
      this.mark();
      this.working = outer;
    }
  }

  /** Runs output work, awaited: time in it counts as write unless synchronous work of another phase runs meanwhile. */
  writing<T>(work: () => Promise<T>): Promise<T> {
    return this.during('writes', work);
  }

  /** Runs a decode, awaited: time in it counts as decode while no other phase is under way. */
  decoding<T>(work: () => Promise<T>): Promise<T> {
    return this.during('decodes', work);
  }

  private async during<T>(kind: 'writes' | 'decodes', work: () => Promise<T>): Promise<T> {
    this.mark();
    this[kind] += 1;
    try {
      return await work();
    } finally {
      this.mark();
      this[kind] -= 1;
    }
  }

  /** Milliseconds counted in each phase so far. */
  counted(): Omit<TimeSplit, 'idleMs'> {
    this.mark();
    return { ...this.totals };
  }

  private mark(): void {
    const now = performance.now();
    const phase: Phase | null = this.working ?? (this.writes ? 'write' : this.decodes ? 'decode' : null);
    if (phase) this.totals[`${phase}Ms`] += now - this.since;
    this.since = now;
  }
}

function emptyTotals(): Omit<TimeSplit, 'idleMs'> {
  return { tokenizeMs: 0, decodeMs: 0, readOutMs: 0, writeMs: 0 };
}
