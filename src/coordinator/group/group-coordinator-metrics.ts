import { Gauge, type Registry } from 'prom-client';
import { labelString, registerBulkGauges } from '../../observability/bulk-gauges.ts';

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
 * registry.
 */
export class GroupCoordinatorMetrics {
  classicRebalances = 0;
  consumerRebalances = 0;
  offsetCommits = 0;
  offsetExpirations = 0;
  offsetDeletions = 0;
  /** Durations (ms) of completed classic rebalances, newest last, at most 100 kept (tests, debugging). */
  readonly recentRebalanceDurationsMs: number[] = [];

  recordClassicRebalance(durationMs: number): void {
    this.classicRebalances++;
    this.recentRebalanceDurationsMs.push(durationMs);
    if (this.recentRebalanceDurationsMs.length > 100) this.recentRebalanceDurationsMs.shift();
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

  /**
   * Registers the metrics with `registry`, gauges computed from `sources` at scrape time, named as the JMX
   * exporter exports Kafka 4's beans (docs/metrics.md):
   * - Yammer `kafka.coordinator.group:type=GroupMetadataManager`: `kafka_coordinator_group_groupmetadatamanager_`
   *   `numgroups` (classic groups), `numgroupspreparingrebalance`, `numgroupscompletingrebalance`,
   *   `numgroupsstable`, `numgroupsdead`, `numgroupsempty`, `numoffsets`;
   * - `kafka.server:type=group-coordinator-metrics` (as the raft metrics: `-` → `_`, tags as labels):
   *   `kafka_server_group_coordinator_metrics_group_count{protocol}`, `..._classic_group_count{state}`,
   *   `..._consumer_group_count{state}`, `..._offset_count`, and the meters' counts `..._offset_commit_count`,
   *   `..._offset_expiration_count`, `..._offset_deletion_count`, `..._group_completed_rebalance_count`,
   *   `..._consumer_group_rebalance_count` (their rates: PromQL `rate()`);
   * - kafka-exporter's `kafka_consumergroup_lag{consumergroup,topic,partition}` (a bulk gauge: {@link registerBulkGauges}).
   */
  register(registry: Registry, sources: GroupMetricsSources): void {
    const registers = [registry];
    const gauge = (name: string, help: string, value: () => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(value()); } });
    };
    /** The counts of one scrape (each gauge asks; a scrape is rare and the pass over the groups cheap). */
    const counts = (protocol: string): Map<string, number> => {
      const byState = new Map<string, number>();
      for (const c of sources.groupCounts()) if (c.protocol === protocol) byState.set(c.state, (byState.get(c.state) ?? 0) + c.count);
      return byState;
    };
    const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
    const yammer = 'kafka_coordinator_group_groupmetadatamanager_';
    gauge(`${yammer}numgroups`, 'Classic groups (GroupMetadataManager NumGroups)', () => sum(counts('classic')));
    for (const state of ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty']) {
      gauge(`${yammer}numgroups${state.toLowerCase()}`, `Classic groups in state ${state} (GroupMetadataManager NumGroups${state})`, () => counts('classic').get(state) ?? 0);
    }
    gauge(`${yammer}numoffsets`, 'Committed offsets held (GroupMetadataManager NumOffsets)', () => sources.numOffsets());
    const km = 'kafka_server_group_coordinator_metrics_';
    new Gauge({
      name: `${km}group_count`,
      help: 'Groups by protocol (group-coordinator-metrics group-count)',
      labelNames: ['protocol'],
      registers,
      collect() {
        this.reset();
        for (const protocol of ['classic', 'consumer']) this.set({ protocol }, sum(counts(protocol)));
      },
    });
    for (const protocol of ['classic', 'consumer']) {
      new Gauge({
        name: `${km}${protocol}_group_count`,
        help: `${protocol === 'classic' ? 'Classic' : 'Consumer'} groups by state (group-coordinator-metrics ${protocol}-group-count)`,
        labelNames: ['state'],
        registers,
        collect() {
          this.reset();
          for (const [state, n] of counts(protocol)) this.set({ state }, n);
        },
      });
    }
    gauge(`${km}offset_count`, 'Committed offsets held (group-coordinator-metrics offset-count)', () => sources.numOffsets());
    gauge(`${km}offset_commit_count`, 'Offsets committed (offset-commit-count)', () => this.offsetCommits);
    gauge(`${km}offset_expiration_count`, 'Offsets expired by offsets.retention.minutes (offset-expiration-count)', () => this.offsetExpirations);
    gauge(`${km}offset_deletion_count`, 'Offsets deleted by OffsetDelete and DeleteGroups (offset-deletion-count)', () => this.offsetDeletions);
    gauge(`${km}group_completed_rebalance_count`, 'Classic group rebalances that reached Stable (group-completed-rebalance-count)', () => this.classicRebalances);
    gauge(`${km}consumer_group_rebalance_count`, 'Consumer group epoch bumps: new target assignments (consumer-group-rebalance-count)', () => this.consumerRebalances);
    registerBulkGauges(
      registry,
      [{ name: 'kafka_consumergroup_lag', help: 'Log end offset minus committed offset, per group and partition (kafka-exporter\'s name).', value: (l) => l.lag }],
      () => sources.consumerLag(),
      (l) => labelString([['consumergroup', l.group], ['topic', l.topic], ['partition', String(l.partition)]]),
    );
  }
}
