import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the metrics read from the coordinator when scraped. */
export interface GroupMetricsSources {
  /** Number of groups by protocol ('classic' | 'consumer') and state name. */
  groupCounts(): { protocol: string; state: string; count: number }[];
  /** Number of committed offsets held. */
  numOffsets(): number;
  /** Per group and partition: log end offset minus committed offset (only where both are known). */
  consumerLag(): { group: string; topic: string; partition: number; lag: number }[];
}

/**
 * Group coordinator metrics (Kafka's `GroupCoordinatorMetrics`: group counts by state, rebalance counts,
 * offset commits/expirations/deletions), plus per-partition consumer lag as kafka-exporter publishes it.
 * Counters are plain fields so tests can read them; {@link register} exposes everything to a prom-client
 * registry (names in Prometheus form, `kafka_coordinator_group_*`).
 */
export class GroupCoordinatorMetrics {
  classicRebalances = 0;
  consumerRebalances = 0;
  offsetCommits = 0;
  offsetExpirations = 0;
  offsetDeletions = 0;
  /** Durations (ms) of completed classic rebalances, newest last, at most 100 kept (tests, debugging). */
  readonly recentRebalanceDurationsMs: number[] = [];
  #durationHistogram: Histogram | null = null;

  recordClassicRebalance(durationMs: number): void {
    this.classicRebalances++;
    this.recentRebalanceDurationsMs.push(durationMs);
    if (this.recentRebalanceDurationsMs.length > 100) this.recentRebalanceDurationsMs.shift();
    this.#durationHistogram?.observe(durationMs);
  }

  /** A consumer (KIP-848) group bumped its group epoch: a new target assignment. */
  recordConsumerRebalance(): void {
    this.consumerRebalances++;
  }

  recordOffsetCommits(n: number): void {
    this.offsetCommits += n;
  }

  recordOffsetExpirations(n: number): void {
    this.offsetExpirations += n;
  }

  recordOffsetDeletions(n: number): void {
    this.offsetDeletions += n;
  }

  /** Registers the metrics with `registry`; gauges are computed from `sources` at scrape time. */
  register(registry: Registry, sources: GroupMetricsSources): void {
    const self = this;
    new Gauge({
      name: 'kafka_coordinator_group_group_count',
      help: 'Number of groups hosted by this coordinator, by protocol and state.',
      labelNames: ['protocol', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of sources.groupCounts()) this.set({ protocol: c.protocol, state: c.state }, c.count);
      },
    });
    new Gauge({
      name: 'kafka_coordinator_group_num_offsets',
      help: 'Number of committed offsets held by this coordinator.',
      registers: [registry],
      collect() {
        this.set(sources.numOffsets());
      },
    });
    new Counter({
      name: 'kafka_coordinator_group_rebalance_total',
      help: 'Completed rebalances (classic: generations that reached Stable; consumer: group epoch bumps).',
      labelNames: ['protocol'],
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ protocol: 'classic' }, self.classicRebalances);
        this.inc({ protocol: 'consumer' }, self.consumerRebalances);
      },
    });
    this.#durationHistogram = new Histogram({
      name: 'kafka_coordinator_group_rebalance_duration_ms',
      help: 'Duration in ms of classic rebalances, from PreparingRebalance to Stable.',
      buckets: [10, 50, 100, 500, 1000, 3000, 5000, 10000, 30000, 60000, 300000],
      registers: [registry],
    });
    for (const [name, help, get] of [
      ['kafka_coordinator_group_offset_commit_total', 'Offsets committed.', () => self.offsetCommits],
      ['kafka_coordinator_group_offset_expiration_total', 'Offsets expired by offsets.retention.minutes.', () => self.offsetExpirations],
      ['kafka_coordinator_group_offset_deletion_total', 'Offsets deleted (OffsetDelete, DeleteGroups).', () => self.offsetDeletions],
    ] as const) {
      new Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(get());
        },
      });
    }
    new Gauge({
      name: 'kafka_consumergroup_lag',
      help: 'Log end offset minus committed offset, per group and partition.',
      labelNames: ['consumergroup', 'topic', 'partition'],
      registers: [registry],
      collect() {
        this.reset();
        for (const l of sources.consumerLag()) this.set({ consumergroup: l.group, topic: l.topic, partition: String(l.partition) }, l.lag);
      },
    });
  }
}
