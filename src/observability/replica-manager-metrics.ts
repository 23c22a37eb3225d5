import { Counter, Gauge, type Registry } from 'prom-client';
import { forEachSliced, scrapeToken } from './bulk-gauges.ts';

/** What the ReplicaManager gauges read of one hosted partition (a replication Partition). */
export interface HostedPartitionView {
  readonly isLeader: boolean;
  /** Leader with fewer ISR members than replicas (Kafka's Partition.isUnderReplicated). */
  readonly isUnderReplicated: boolean;
  /** Leader with an ISR smaller than min.insync.replicas (capped at the replication factor). */
  readonly isUnderMinIsr: boolean;
  /** Leader with an ISR of exactly min.insync.replicas (capped at the replication factor). */
  readonly isAtMinIsr: boolean;
}

/** One follower partition's lag as its fetcher last saw it. */
export interface FetcherLag {
  /** The fetcher's name, Kafka's `ReplicaFetcherThread-<fetcherId>-<leaderId>` (the clientId tag). */
  readonly clientId: string;
  readonly topic: string;
  readonly partition: number;
  /** The leader's high watermark minus the follower's next fetch offset, in records; null before the first fetch. */
  readonly lag: bigint | null;
}

/** What {@link ReplicaManagerMetrics} reads at each scrape. */
export interface ReplicaManagerMetricSource {
  /** Every partition this broker hosts. */
  partitions(): Iterable<HostedPartitionView>;
  /** Assigned partitions whose log is offline (failed log dir). */
  offlineReplicaCount(): number;
  /** The lag of every partition a replica fetcher follows. */
  fetcherLags(): Iterable<FetcherLag>;
}

/**
 * The replication metrics of a broker, named as the Prometheus JMX exporter's standard Kafka rules name Kafka's
 * beans (lowercased `kafka_<domain>_<type>_<name>`, `...PerSec` meters as `_total` counters):
 * - `kafka.server:type=ReplicaManager`: UnderReplicatedPartitions, UnderMinIsrPartitionCount,
 *   AtMinIsrPartitionCount, OfflineReplicaCount, PartitionCount, LeaderCount (gauges computed at each scrape from
 *   the hosted partitions), IsrShrinksPerSec, IsrExpandsPerSec, FailedIsrUpdatesPerSec (counters, counted by the
 *   partitions through {@link markShrink} / {@link markExpand} / {@link markFailed}: Kafka's IsrChangeListener);
 * - `kafka.server:type=ReplicaFetcherManager,name=MaxLag,clientId=Replica`: the largest lag (records) of the
 *   partitions this broker follows;
 * - `kafka.server:type=FetcherLagMetrics,name=ConsumerLag,clientId=<fetcher>,topic=..,partition=..`: each
 *   follower partition's lag (records), one series per partition followed (absent before its first fetch).
 * Gauges read {@link attach}ed source at scrape time (0 before it is attached); nothing runs on the hot path.
 */
export class ReplicaManagerMetrics {
  readonly #isrShrinks: Counter;
  readonly #isrExpands: Counter;
  readonly #failedIsrUpdates: Counter;
  #source: ReplicaManagerMetricSource | null = null;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#isrShrinks = new Counter({ name: 'kafka_server_replicamanager_isrshrinks_total', help: 'ISR shrinks committed by the controller for partitions led here', registers });
    this.#isrExpands = new Counter({ name: 'kafka_server_replicamanager_isrexpands_total', help: 'ISR expansions committed by the controller for partitions led here', registers });
    this.#failedIsrUpdates = new Counter({ name: 'kafka_server_replicamanager_failedisrupdates_total', help: 'ISR changes (AlterPartition) that failed', registers });
    // The six gauges of one scrape share one pass over the hosted partitions, sliced so that 10,000 partitions do
    // not block the event loop (keyed on the scrape's token; a plain registry.metrics() makes a pass per gauge).
    let pass: { token: object; counts: Promise<PartitionCounts> } | null = null;
    const counts = (): Promise<PartitionCounts> => {
      const token = scrapeToken(registry);
      if (token !== undefined && pass?.token === token) return pass.counts;
      const c = countPartitions(this.#source);
      pass = token === undefined ? null : { token, counts: c };
      return c;
    };
    const gauges: readonly (readonly [name: string, help: string, value: (c: PartitionCounts) => number])[] = [
      ['underreplicatedpartitions', 'Partitions led here whose ISR is smaller than their replica set', (c) => c.underReplicated],
      ['underminisrpartitioncount', 'Partitions led here whose ISR is smaller than min.insync.replicas', (c) => c.underMinIsr],
      ['atminisrpartitioncount', 'Partitions led here whose ISR is exactly min.insync.replicas', (c) => c.atMinIsr],
      ['offlinereplicacount', 'Partitions assigned here whose log is offline', (c) => c.offline],
      ['partitioncount', 'Partitions hosted here', (c) => c.partitions],
      ['leadercount', 'Partitions led here', (c) => c.leaders],
    ];
    for (const [name, help, value] of gauges) {
      new Gauge({
        name: `kafka_server_replicamanager_${name}`,
        help,
        registers,
        async collect() {
          this.set(value(await counts()));
        },
      });
    }
    const source = (): ReplicaManagerMetricSource | null => this.#source;
    new Gauge({
      name: 'kafka_server_replicafetchermanager_maxlag',
      help: 'Largest lag in records of the partitions this broker follows',
      labelNames: ['clientId'],
      registers,
      collect() {
        let max = 0n;
        for (const l of source()?.fetcherLags() ?? []) if (l.lag !== null && l.lag > max) max = l.lag;
        this.set({ clientId: 'Replica' }, Number(max));
      },
    });
    new Gauge({
      name: 'kafka_server_fetcherlagmetrics_consumerlag',
      help: 'Lag in records of a partition this broker follows (leader high watermark - next fetch offset)',
      labelNames: ['clientId', 'topic', 'partition'],
      registers,
      collect() {
        this.reset();
        for (const l of source()?.fetcherLags() ?? []) {
          if (l.lag !== null) this.set({ clientId: l.clientId, topic: l.topic, partition: String(l.partition) }, Number(l.lag));
        }
      },
    });
  }

  /** Starts reading the gauges from `source` (the broker's ReplicaManager, once built). */
  attach(source: ReplicaManagerMetricSource): void {
    this.#source = source;
  }

  /** The controller committed an ISR shrink of a partition led here (IsrShrinksPerSec). */
  markShrink(): void {
    this.#isrShrinks.inc();
  }

  /** The controller committed an ISR expansion of a partition led here (IsrExpandsPerSec). */
  markExpand(): void {
    this.#isrExpands.inc();
  }

  /** An AlterPartition of a partition led here failed (FailedIsrUpdatesPerSec). */
  markFailed(): void {
    this.#failedIsrUpdates.inc();
  }
}

interface PartitionCounts {
  partitions: number;
  leaders: number;
  underReplicated: number;
  underMinIsr: number;
  atMinIsr: number;
  offline: number;
}

/** One pass over the hosted partitions, yielding to the event loop between slices ({@link forEachSliced}). */
async function countPartitions(source: ReplicaManagerMetricSource | null): Promise<PartitionCounts> {
  const c: PartitionCounts = { partitions: 0, leaders: 0, underReplicated: 0, underMinIsr: 0, atMinIsr: 0, offline: source?.offlineReplicaCount() ?? 0 };
  await forEachSliced(source?.partitions() ?? [], (p) => {
    c.partitions++;
    if (!p.isLeader) return;
    c.leaders++;
    if (p.isUnderReplicated) c.underReplicated++;
    if (p.isUnderMinIsr) c.underMinIsr++;
    if (p.isAtMinIsr) c.atMinIsr++;
  });
  return c;
}
