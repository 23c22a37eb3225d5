import { SampledRate } from '../common/sampled-rate.ts';
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
  readonly #rate: SampledRate;

  constructor(options: ReplicationQuotaOptions) {
    this.#o = options;
    this.#rate = new SampledRate({ windowMs: options.windowMs, samples: options.numSamples, stat: 'simple-rate' });
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
    return this.#rate.measure(this.#o.now());
  }

  /** Records `bytes` moved for throttled replicas. */
  record(bytes: number): void {
    if (bytes <= 0) return;
    this.#rate.record(bytes, this.#o.now());
  }
}
