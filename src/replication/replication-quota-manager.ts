import type { TopicPartition } from '../common/topic-partition.ts';

/** Kafka's unthrottled rate: Long.MAX_VALUE bytes/s (the default of leader/follower.replication.throttled.rate). */
export const UNTHROTTLED_RATE = Number.MAX_SAFE_INTEGER;

/** How a {@link ReplicationQuotaManager} is configured; functions, so that dynamic config changes apply at once. */
export interface ReplicationQuotaOptions {
  /** Milliseconds (the broker's Time). */
  now(): number;
  /** The quota in bytes/s (leader.replication.throttled.rate or follower.replication.throttled.rate). */
  rateBytesPerSecond(): number;
  /** replication.quota.window.num: samples kept. */
  readonly numSamples: number;
  /** replication.quota.window.size.seconds, in ms: the span of one sample. */
  readonly windowMs: number;
  /**
   * The topic's throttled replica list (leader.replication.throttled.replicas or
   * follower.replication.throttled.replicas): '*' or "partition:broker" entries.
   */
  throttledReplicas(topic: string): readonly string[];
  /** This broker's id: the entries naming it are the throttled ones. */
  readonly brokerId: number;
}

/** What the fetch paths ask of a replication quota (Kafka's ReplicaQuota). */
export interface ReplicaQuota {
  isThrottled(tp: TopicPartition): boolean;
  isQuotaExceeded(): boolean;
  record(bytes: number): void;
}

interface Sample {
  startMs: number;
  bytes: number;
}

/**
 * The replication byte-rate quota of one side (Kafka's `ReplicationQuotaManager`, KIP-73): bytes moved for
 * throttled replicas are recorded into `numSamples` samples of `windowMs` each, and the quota is exceeded while
 * their rate (Kafka's SimpleRate: the samples' bytes over the time since the oldest sample's start, at least one
 * window) is above the configured bytes/s. A leader then returns no records to a throttled follower that is not
 * in the ISR; a follower leaves its throttled partitions out of its fetches until the rate falls back.
 *
 * A partition is throttled when its topic's list is '*' or names "partition:thisBroker" (Kafka's
 * TopicConfigHandler.parseThrottledPartitions).
 */
export class ReplicationQuotaManager implements ReplicaQuota {
  readonly #o: ReplicationQuotaOptions;
  readonly #samples: Sample[] = [];

  constructor(options: ReplicationQuotaOptions) {
    this.#o = options;
  }

  /** Whether replication of `tp` on this broker is throttled by its topic's throttled replica list. */
  isThrottled(tp: TopicPartition): boolean {
    const list = this.#o.throttledReplicas(tp.topic);
    if (list.length === 0) return false;
    const own = `${tp.partition}:${this.#o.brokerId}`;
    return list.some((entry) => {
      const e = entry.trim();
      return e === '*' || e === own;
    });
  }

  /** Whether the recorded rate is above the quota (never with the default, unthrottled rate). */
  isQuotaExceeded(): boolean {
    const bound = this.#o.rateBytesPerSecond();
    if (bound >= UNTHROTTLED_RATE) return false;
    return this.rateBytesPerSecond() > bound;
  }

  /** The rate over the kept samples, in bytes/s. */
  rateBytesPerSecond(): number {
    const now = this.#o.now();
    this.#purge(now);
    const oldest = this.#samples[0];
    if (oldest === undefined) return 0;
    let bytes = 0;
    for (const s of this.#samples) bytes += s.bytes;
    const elapsedMs = Math.max(now - oldest.startMs, this.#o.windowMs);
    return (bytes * 1000) / elapsedMs;
  }

  /** Records `bytes` moved for throttled replicas. */
  record(bytes: number): void {
    if (bytes <= 0) return;
    const now = this.#o.now();
    this.#purge(now);
    let current = this.#samples.at(-1);
    if (current === undefined || now - current.startMs >= this.#o.windowMs) {
      current = { startMs: now, bytes: 0 };
      this.#samples.push(current);
    }
    current.bytes += bytes;
  }

  /** Drops the samples older than the whole window (numSamples x windowMs), as Kafka's SampledStat.purgeObsoleteSamples. */
  #purge(now: number): void {
    const horizon = now - this.#o.numSamples * this.#o.windowMs;
    while (this.#samples.length > 0 && this.#samples[0]!.startMs < horizon) this.#samples.shift();
    while (this.#samples.length > this.#o.numSamples) this.#samples.shift();
  }
}
