/**
 * Schedules callbacks on a clock: the process's timers in the broker, a simulation's event queue in the seeded
 * replication simulation (so that purgatory timeouts, ISR expiry, fetcher backoff and AlterPartition retries happen
 * in simulated time). The replication layer never calls setTimeout itself.
 */
export interface Timer {
  /** Runs `fn` once, `delayMs` ms from now (0 or less: as soon as possible). @returns a function that cancels it. */
  schedule(delayMs: number, fn: () => void): () => void;
}

/** setTimeout: a pending timer keeps the process alive (waiting requests: the produce and fetch purgatories). */
export const SYSTEM_TIMER: Timer = {
  schedule(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return () => clearTimeout(t);
  },
};

/** setTimeout, unref'd: for background work (ISR expiry, fetcher backoff, retries) that must not hold the process. */
export const BACKGROUND_TIMER: Timer = {
  schedule(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return () => clearTimeout(t);
  },
};
