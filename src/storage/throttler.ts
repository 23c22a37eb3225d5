import { setTimeout as sleepMs } from 'node:timers/promises';
import type { Time } from '../common/time.ts';

/** Options of {@link Throttler}. */
export interface ThrottlerOptions {
  /** Rate not to exceed, in units (bytes) per second; Infinity or Double.MAX_VALUE for none. */
  readonly desiredRatePerSec: number;
  readonly time: Time;
  /** How often the rate is measured, in ms (Kafka's default 300). */
  readonly checkIntervalMs?: number;
  /** How to wait `ms` (default: a timer; simulations pass one that advances a MockTime). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Keeps a stream of work under a rate (Kafka's `Throttler`, used by the log cleaner for
 * log.cleaner.io.max.bytes.per.second): callers report what they did with {@link maybeThrottle}; every
 * `checkIntervalMs` the observed rate is measured, and when it is above the desired rate the caller waits until
 * the work done since the last check fits the rate. Shared by all the cleaner's concurrent cleanings, as Kafka's
 * single throttler is shared by its cleaner threads.
 */
export class Throttler {
  #desiredRatePerSec: number;
  readonly #time: Time;
  readonly #checkIntervalMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  #periodStartMs: number;
  #observedSoFar = 0;

  constructor(options: ThrottlerOptions) {
    this.#desiredRatePerSec = options.desiredRatePerSec;
    this.#time = options.time;
    this.#checkIntervalMs = options.checkIntervalMs ?? 300;
    this.#sleep = options.sleep ?? ((ms) => sleepMs(ms));
    this.#periodStartMs = this.#time.hiResClockMs();
  }

  /** The rate in units per second (a dynamic update of log.cleaner.io.max.bytes.per.second). */
  set desiredRatePerSec(rate: number) {
    this.#desiredRatePerSec = rate;
  }

  /** Records `observed` units of work and waits if the rate since the last check is above the desired rate. */
  async maybeThrottle(observed: number): Promise<void> {
    if (!(this.#desiredRatePerSec < Number.MAX_VALUE)) return;
    this.#observedSoFar += observed;
    const now = this.#time.hiResClockMs();
    const elapsedMs = now - this.#periodStartMs;
    // Only measure over a long enough window: a rate from a few microseconds means nothing.
    if (elapsedMs <= this.#checkIntervalMs || this.#observedSoFar <= 0) return;
    const rateInSecs = (this.#observedSoFar * 1000) / elapsedMs;
    if (rateInSecs > this.#desiredRatePerSec) {
      // The time the work should have taken at the desired rate, minus the time it took.
      const sleepTimeMs = Math.round((this.#observedSoFar / this.#desiredRatePerSec) * 1000 - elapsedMs);
      if (sleepTimeMs > 0) await this.#sleep(sleepTimeMs);
    }
    this.#periodStartMs = this.#time.hiResClockMs();
    this.#observedSoFar = 0;
  }
}
