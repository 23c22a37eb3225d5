/** One sample window (Kafka's SampledStat.Sample): the sum recorded since `startTimeMs`. */
interface Sample {
  value: number;
  startTimeMs: number;
  lastEventMs: number;
}

/**
 * Which of Kafka's rate statistics a {@link SampledRate} measures; they differ in how many windows are kept, when
 * an old window stops counting, and the time the sum is divided by:
 * - `rate` (Kafka's `Rate` over a `WindowedSum`, used by client quotas and connection creation quotas): `samples + 1`
 *   windows (one overlaps the monitored period); a window without an event for `samples x windowMs` is reset in
 *   place (SampledStat.purgeObsoleteSamples); the elapsed time is at least `samples - 1` full windows
 *   (Rate.windowSize), so a fresh sensor allows a burst before the rate rises.
 * - `simple-rate` (Kafka's `SimpleRate`, used by the replication quotas of KIP-73): `samples` windows; windows that
 *   started before `now - samples x windowMs` are dropped; the elapsed time is the time since the oldest window
 *   started, at least one window, and an empty sensor measures 0.
 */
export type SampledRateStat = 'rate' | 'simple-rate';

/** Options of a {@link SampledRate}. */
export interface SampledRateOptions {
  /** Length of one sample window in ms (`quota.window.size.seconds` x 1000 and the like). */
  readonly windowMs: number;
  /** Windows of the monitored period (`quota.window.num`, `replication.quota.window.num`; at least 1). */
  readonly samples: number;
  /** The window and purge rule: Kafka's `Rate` or `SimpleRate`. */
  readonly stat: SampledRateStat;
}

/**
 * A windowed sum measured as a rate per second (Kafka's SampledStat with Rate or SimpleRate): the one rate sensor
 * behind the client and connection quotas (RateQuotaSensor) and the replication quotas (ReplicationQuotaManager).
 * Windows are kept in the order they were opened, so reusing the oldest one is Kafka's ring advance.
 * Values are whatever the caller records (events, bytes, request time); `measure` returns value per second.
 */
export class SampledRate {
  readonly #windowMs: number;
  readonly #samples: number;
  readonly #stat: SampledRateStat;
  readonly #maxWindows: number;
  /** Oldest opened first; the last one is the current window. */
  readonly #windows: Sample[] = [];

  /** @throws RangeError on a non-positive window or sample count. */
  constructor(options: SampledRateOptions) {
    if (!(options.windowMs > 0) || !(options.samples >= 1)) {
      throw new RangeError(`invalid sample window: ${options.samples} x ${options.windowMs} ms`);
    }
    this.#windowMs = options.windowMs;
    this.#samples = options.samples;
    this.#stat = options.stat;
    this.#maxWindows = options.stat === 'rate' ? options.samples + 1 : options.samples;
  }

  /**
   * Adds `value` at `timeMs` to the current window, opening a new one when the current is complete (older than one
   * window) and reusing the oldest when all are in use (SampledStat.record). A negative value takes back an
   * earlier record.
   */
  record(value: number, timeMs: number): void {
    if (this.#stat === 'simple-rate') this.#purgeObsolete(timeMs);
    let sample = this.#windows.at(-1);
    if (sample === undefined) sample = this.#open(timeMs);
    else if (timeMs - sample.startTimeMs >= this.#windowMs) sample = this.#open(timeMs);
    sample.value += value;
    sample.lastEventMs = timeMs;
  }

  /** The rate at `timeMs`: the retained windows' sum per second (Rate.measure / SimpleRate.measure). */
  measure(timeMs: number): number {
    const windowMs = this.windowSizeMs(timeMs);
    if (windowMs === 0) return 0;
    let total = 0;
    for (const s of this.#windows) total += s.value;
    return total / (windowMs / 1000);
  }

  /**
   * The time, in ms, the retained sum is divided by at `timeMs` (Rate.windowSize / SimpleRate.windowSize), after
   * purging obsolete windows; 0 only for an empty `simple-rate` sensor, which measures 0.
   */
  windowSizeMs(timeMs: number): number {
    this.#purgeObsolete(timeMs);
    if (this.#stat === 'simple-rate') {
      const oldest = this.#windows[0];
      return oldest === undefined ? 0 : Math.max(timeMs - oldest.startTimeMs, this.#windowMs);
    }
    if (this.#windows.length === 0) this.#open(timeMs);
    let oldest = Number.POSITIVE_INFINITY;
    for (const s of this.#windows) oldest = Math.min(oldest, s.startTimeMs);
    let totalElapsedMs = timeMs - oldest;
    const fullWindows = Math.floor(totalElapsedMs / this.#windowMs);
    const minFullWindows = this.#samples - 1;
    if (fullWindows < minFullWindows) totalElapsedMs += (minFullWindows - fullWindows) * this.#windowMs;
    return Math.max(totalElapsedMs, 1);
  }

  #open(timeMs: number): Sample {
    const reused = this.#windows.length >= this.#maxWindows ? this.#windows.shift() : undefined;
    const s = reused ?? { value: 0, startTimeMs: timeMs, lastEventMs: timeMs };
    SampledRate.#reset(s, timeMs);
    this.#windows.push(s);
    return s;
  }

  static #reset(s: Sample, timeMs: number): void {
    s.value = 0;
    s.startTimeMs = timeMs;
    s.lastEventMs = timeMs;
  }

  /** The `rate` stat resets windows idle for the whole period; `simple-rate` drops those that started before it. */
  #purgeObsolete(timeMs: number): void {
    const expireAgeMs = this.#samples * this.#windowMs;
    if (this.#stat === 'rate') {
      for (const s of this.#windows) if (timeMs - s.lastEventMs >= expireAgeMs) SampledRate.#reset(s, timeMs);
      return;
    }
    const horizon = timeMs - expireAgeMs;
    while (this.#windows.length > 0 && this.#windows[0]!.startTimeMs < horizon) this.#windows.shift();
  }
}
