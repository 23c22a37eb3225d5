/**
 * Kafka's TokenBucket stat (KIP-599), the measure behind `controller_mutation_rate`: tokens accrue at `quota` per
 * second up to a burst of `quota x samples x windowSeconds`, and each recorded mutation takes one token. The bucket
 * may go negative (a request is admitted while any token is left, whatever it costs); while negative the quota is
 * violated and the throttle time is the time to earn the debt back, `-tokens / quota` seconds.
 *
 * The bucket starts empty at time 0, so its first refill fills it to the burst, as Kafka's does.
 */
export class TokenBucket {
  #tokens = 0;
  #lastUpdateMs = 0;
  readonly #samples: number;
  readonly #windowMs: number;

  /**
   * @param samples `controller.quota.window.num`
   * @param windowMs `controller.quota.window.size.seconds` x 1000
   */
  constructor(samples: number, windowMs: number) {
    this.#samples = samples;
    this.#windowMs = windowMs;
  }

  /** The tokens left at `timeMs` under `quota` (mutations per second), after refilling. */
  measure(quota: number, timeMs: number): number {
    this.#refill(quota, timeMs);
    return this.#tokens;
  }

  /** Takes `permits` tokens at `timeMs` (a negative count gives them back, never above the burst). */
  record(quota: number, permits: number, timeMs: number): void {
    this.#refill(quota, timeMs);
    this.#tokens = Math.min(this.#burst(quota), this.#tokens - permits);
  }

  /**
   * Kafka's Sensor.checkQuotas for a TokenBucket + ControllerMutationQuotaManager.throttleTimeMs: 0 while tokens
   * are left, else the ms needed to earn the debt back (`round(-tokens / quota x 1000)`).
   */
  throttleTimeMs(quota: number, timeMs: number): number {
    const tokens = this.measure(quota, timeMs);
    return tokens < 0 ? Math.round((-tokens / quota) * 1000) : 0;
  }

  #burst(quota: number): number {
    return this.#samples * (this.#windowMs / 1000) * quota;
  }

  #refill(quota: number, timeMs: number): void {
    this.#tokens = Math.min(this.#burst(quota), this.#tokens + (quota * (timeMs - this.#lastUpdateMs)) / 1000);
    this.#lastUpdateMs = timeMs;
  }
}
