/** Cumulative BrokerTopicMetrics totals (all topics) at one moment. */
export interface TrafficTotals {
  readonly messagesIn: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** One point of a rate series: wall-clock ms and per-second rates over the interval before it. */
export interface RatePoint {
  readonly t: number;
  readonly messagesInPerSec: number;
  readonly bytesInPerSec: number;
  readonly bytesOutPerSec: number;
}

/** One point of a group's lag series: wall-clock ms and the group's total lag (records) over its partitions. */
export interface LagPoint {
  readonly t: number;
  readonly lag: number;
}

/** What {@link ConsoleSampler} samples, each call async (they read the registry and the group coordinator). */
export interface SamplerSources {
  totals(): Promise<TrafficTotals>;
  /** Total lag per group (records), of the groups this node coordinates. */
  groupLags(): Promise<ReadonlyMap<string, number>>;
  /** Wall-clock ms. */
  now(): number;
}

/** Points kept per series: 5 minutes at the 1 s interval. */
export const SAMPLES_KEPT = 300;
/** Groups whose lag history is kept; beyond it, the groups seen least recently are dropped. */
export const MAX_TRACKED_GROUPS = 200;

/**
 * The history behind the console's charts, which Prometheus counters alone do not give a page that was just
 * opened: every `intervalMs` (timer unref'd, one sample at a time: a slow sample delays the next, never stacks)
 * it reads the traffic totals and each group's lag and keeps the last {@link SAMPLES_KEPT} points of the produce
 * and consume rates and of each group's total lag. Memory is bounded by SAMPLES_KEPT x (1 + MAX_TRACKED_GROUPS).
 */
export class ConsoleSampler {
  readonly #sources: SamplerSources;
  readonly #intervalMs: number;
  readonly #rates: RatePoint[] = [];
  readonly #lags = new Map<string, LagPoint[]>();
  #last: { t: number; totals: TrafficTotals } | null = null;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #closed = false;

  constructor(sources: SamplerSources, intervalMs: number) {
    this.#sources = sources;
    this.#intervalMs = intervalMs;
  }

  /** Takes a first sample and samples every interval from now on. */
  start(): void {
    this.#schedule(0);
  }

  /** Stops sampling; resolves when a sample in progress finished. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    await this.#running;
  }

  /** The produce/consume rate series, oldest first. */
  rates(): readonly RatePoint[] {
    return this.#rates;
  }

  /** The total-lag series of `groupId`, oldest first (empty when never sampled). */
  lag(groupId: string): readonly LagPoint[] {
    return this.#lags.get(groupId) ?? [];
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#running = this.sample().finally(() => this.#schedule(this.#intervalMs));
    }, delayMs);
    this.#timer.unref();
  }

  /** Takes one sample now (the timer calls it every interval). Never rejects: a failed sample is skipped. */
  async sample(): Promise<void> {
    try {
      const [totals, lags] = await Promise.all([this.#sources.totals(), this.#sources.groupLags()]);
      const t = this.#sources.now();
      const last = this.#last;
      if (last !== null && t > last.t) {
        const perSec = (a: number, b: number): number => Math.max(0, ((b - a) * 1000) / (t - last.t));
        push(this.#rates, {
          t,
          messagesInPerSec: perSec(last.totals.messagesIn, totals.messagesIn),
          bytesInPerSec: perSec(last.totals.bytesIn, totals.bytesIn),
          bytesOutPerSec: perSec(last.totals.bytesOut, totals.bytesOut),
        });
      }
      this.#last = { t, totals };
      for (const [group, lag] of lags) {
        let series = this.#lags.get(group);
        if (series === undefined) {
          series = [];
          if (this.#lags.size >= MAX_TRACKED_GROUPS) this.#lags.delete(this.#lags.keys().next().value!);
        } else {
          // Re-inserted so the map's order is least recently seen first.
          this.#lags.delete(group);
        }
        this.#lags.set(group, series);
        push(series, { t, lag });
      }
    } catch {
      // A sample that failed (a coordinator partition unloading) leaves a gap in the charts, nothing more.
    }
  }
}

function push<T>(series: T[], point: T): void {
  series.push(point);
  if (series.length > SAMPLES_KEPT) series.splice(0, series.length - SAMPLES_KEPT);
}
