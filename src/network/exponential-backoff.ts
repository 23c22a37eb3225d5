import type { Random } from '../common/random.ts';

/**
 * Exponential backoff with jitter, after Kafka's `org.apache.kafka.common.utils.ExponentialBackoff`:
 *
 *   backoff(attempts) = min(maxIntervalMs, trunc(initialIntervalMs * multiplier ^ min(attempts, expMax) * f))
 *
 * where `f` is uniform in [1 - jitter, 1 + jitter) and `expMax = log(maxIntervalMs / initialIntervalMs) /
 * log(multiplier)`: the exponent stops growing once the un-jittered value reaches the maximum, and the jitter never
 * takes the result above `maxIntervalMs`. When `maxIntervalMs <= initialIntervalMs` the backoff is the constant
 * `min(initialIntervalMs, maxIntervalMs)`, without jitter (as in Kafka).
 *
 * Used for `reconnect.backoff.ms` / `reconnect.backoff.max.ms` (multiplier 2, jitter 0.2) and
 * `socket.connection.setup.timeout.ms` / `socket.connection.setup.timeout.max.ms` (same) by
 * {@link ClusterConnectionStates}. The jitter comes from the injected {@link Random}, so a seed replays it.
 */
export class ExponentialBackoff {
  readonly #initialIntervalMs: number;
  readonly #multiplier: number;
  readonly #maxIntervalMs: number;
  readonly #jitter: number;
  readonly #expMax: number;
  readonly #random: Random;

  /**
   * @param initialIntervalMs first interval in ms (non-negative).
   * @param multiplier growth factor per attempt (>= 1).
   * @param maxIntervalMs ceiling in ms (non-negative).
   * @param jitter relative jitter in [0, 1), e.g. 0.2 for +/- 20 %.
   * @throws RangeError on a value outside those ranges.
   */
  constructor(initialIntervalMs: number, multiplier: number, maxIntervalMs: number, jitter: number, random: Random) {
    if (!(initialIntervalMs >= 0) || !(maxIntervalMs >= 0)) {
      throw new RangeError(`backoff intervals must be non-negative, got ${initialIntervalMs} and ${maxIntervalMs}`);
    }
    if (!(multiplier >= 1)) throw new RangeError(`backoff multiplier must be >= 1, got ${multiplier}`);
    if (!(jitter >= 0 && jitter < 1)) throw new RangeError(`backoff jitter must be in [0, 1), got ${jitter}`);
    this.#initialIntervalMs = Math.min(maxIntervalMs, initialIntervalMs);
    this.#multiplier = multiplier;
    this.#maxIntervalMs = maxIntervalMs;
    this.#jitter = jitter;
    this.#random = random;
    this.#expMax =
      maxIntervalMs > initialIntervalMs && multiplier > 1
        ? Math.log(maxIntervalMs / Math.max(initialIntervalMs, 1)) / Math.log(multiplier)
        : 0;
  }

  /** The first interval (attempt 0) before jitter, in ms. */
  get initialIntervalMs(): number {
    return this.#initialIntervalMs;
  }

  /** The interval in ms after `attempts` failed attempts (0 for the first), jittered and capped. */
  backoff(attempts: number): number {
    if (this.#expMax === 0) return this.#initialIntervalMs;
    const exp = Math.min(attempts, this.#expMax);
    const term = this.#initialIntervalMs * Math.pow(this.#multiplier, exp);
    const factor = this.#jitter === 0 ? 1 : 1 - this.#jitter + 2 * this.#jitter * this.#random.nextDouble();
    return Math.min(Math.trunc(factor * term), this.#maxIntervalMs);
  }
}
