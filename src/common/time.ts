/**
 * A clock, after Kafka's `org.apache.kafka.common.utils.Time`: components take one so tests and simulations can
 * drive time deterministically with {@link MockTime}.
 */
export interface Time {
  /** Wall-clock time in ms since the epoch. */
  milliseconds(): number;
  /** Monotonic time in ms (for timeouts and durations). */
  hiResClockMs(): number;
}

/** The real clock. */
export const SystemTime: Time = {
  milliseconds: () => Date.now(),
  hiResClockMs: () => performance.now(),
};

/** A clock that only moves when told to (`sleep`), for deterministic tests. */
export class MockTime implements Time {
  #nowMs: number;
  #monoMs = 0;

  /** @param nowMs starting wall-clock time in ms since the epoch. */
  constructor(nowMs = 1_700_000_000_000) {
    this.#nowMs = nowMs;
  }

  milliseconds(): number {
    return this.#nowMs;
  }

  hiResClockMs(): number {
    return this.#monoMs;
  }

  /** Advances both clocks by `ms`. */
  sleep(ms: number): void {
    this.#nowMs += ms;
    this.#monoMs += ms;
  }
}
