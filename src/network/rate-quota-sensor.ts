import { SampledRate } from '../common/sampled-rate.ts';

/** Options of a {@link RateQuotaSensor}. */
export interface RateQuotaOptions {
  /** Upper bound of the rate, in events per second. */
  readonly quota: number;
  /** Length of one sample window in ms (`quota.window.size.seconds` x 1000). */
  readonly windowMs: number;
  /** Windows kept (`quota.window.num`, at least 1). */
  readonly samples: number;
}

/**
 * An event rate with an upper-bound quota, as Kafka's ConnectionQuotas measures connection creation: a Sensor
 * with a `Rate` over a `WindowedSum` (SampledStat: `samples` windows of `windowMs`, plus one overlapping) and a
 * `Quota(quota, upper)`. Recording an event counts it, then measures the rate; above the quota the caller is told
 * how long to wait, QuotaUtils.throttleTime: `(rate - quota) / quota * windowSize`, the delay that brings the
 * observed rate back to the quota if nothing else is recorded, capped at `maxThrottleMs`.
 *
 * The rate divides the events of the retained windows by the elapsed time since the oldest one, but never by less
 * than `samples - 1` full windows (Rate.windowSize): with 11 windows of 1 s, a fresh sensor allows a burst of about
 * ten seconds' worth of events before it throttles, exactly as Kafka does.
 */
export class RateQuotaSensor {
  #quota: number;
  readonly #rate: SampledRate;

  /** @throws RangeError on a non-positive window or sample count. */
  constructor(options: RateQuotaOptions) {
    this.#quota = options.quota;
    this.#rate = new SampledRate({ windowMs: options.windowMs, samples: options.samples, stat: 'rate' });
  }

  /** The bound, in events per second. */
  get quota(): number {
    return this.#quota;
  }

  /** A new bound (Kafka's updateConnectionRateQuota): recorded events are kept. */
  set quota(value: number) {
    this.#quota = value;
  }

  /**
   * Records one event at `timeMs` and returns how long, in ms, the caller should delay it to stay within the quota
   * (0 when within it), at most `maxThrottleMs` (Sensor.record with quota check + QuotaUtils.boundedThrottleTime).
   */
  record(timeMs: number, maxThrottleMs: number): number {
    return this.recordValue(1, timeMs, maxThrottleMs);
  }

  /**
   * Records `value` (bytes, request time percentage...) at `timeMs`, then measures: the delay in ms that brings the
   * rate back to the quota (0 when within it), at most `maxThrottleMs` (Kafka's Sensor.record with the quota
   * check, then QuotaUtils.throttleTime / boundedThrottleTime). A negative value takes back an earlier record
   * (ClientQuotaManager.unrecordQuotaSensor).
   */
  recordValue(value: number, timeMs: number, maxThrottleMs = Number.MAX_SAFE_INTEGER): number {
    this.add(value, timeMs);
    return Math.min(this.throttleTimeMs(timeMs), maxThrottleMs);
  }

  /** Records `value` at `timeMs` without checking the quota (Sensor.record(value, time, false)). */
  add(value: number, timeMs: number): void {
    this.#rate.record(value, timeMs);
  }

  /**
   * How long, in ms, nothing may be recorded for the rate to fall back to the quota at `timeMs`: 0 within it, else
   * `(rate - quota) / quota * windowSize` (QuotaUtils.throttleTime).
   */
  throttleTimeMs(timeMs: number): number {
    const rate = this.measure(timeMs);
    if (rate <= this.#quota) return 0;
    return Math.round(((rate - this.#quota) / this.#quota) * this.#rate.windowSizeMs(timeMs));
  }

  /** The rate at `timeMs`, in events per second (Rate.measure). */
  measure(timeMs: number): number {
    return this.#rate.measure(timeMs);
  }
}
