import { Gauge, type Registry } from 'prom-client';

/** What {@link registerControllerMetrics} reads at each scrape (the controller and its metadata image). */
export interface ControllerMetricSource {
  /** Whether this controller is the active one (the quorum leader that processes requests). */
  isActive(): boolean;
  /** Every registered broker. */
  brokers(): Iterable<{ readonly fenced: boolean; readonly inControlledShutdown: boolean }>;
  /** Every topic, with its partitions' leader (-1: none) and replicas (the first is the preferred leader). */
  topics(): Iterable<{ readonly partitions: ReadonlyMap<number, { readonly leader: number; readonly replicas: readonly number[] }> }>;
}

interface ClusterCounts {
  topics: number;
  partitions: number;
  offline: number;
  imbalanced: number;
  fenced: number;
  active: number;
  controlledShutdown: number;
}

/** Kafka's ControllerMetadataMetricsPublisher counts, from the image (one pass per gauge; scrapes are rare). */
function countCluster(source: ControllerMetricSource): ClusterCounts {
  const c: ClusterCounts = { topics: 0, partitions: 0, offline: 0, imbalanced: 0, fenced: 0, active: 0, controlledShutdown: 0 };
  for (const b of source.brokers()) {
    if (b.fenced) c.fenced++;
    else c.active++;
    if (b.inControlledShutdown) c.controlledShutdown++;
  }
  for (const t of source.topics()) {
    c.topics++;
    for (const p of t.partitions.values()) {
      c.partitions++;
      if (p.leader === -1) c.offline++;
      // PartitionRegistration.hasPreferredLeader: an offline partition counts as imbalanced too, as in Kafka.
      if (p.leader !== p.replicas[0]) c.imbalanced++;
    }
  }
  return c;
}

const CLUSTER_GAUGES: readonly (readonly [name: string, help: string, value: (c: ClusterCounts) => number])[] = [
  ['offlinepartitionscount', 'Partitions without a leader', (c) => c.offline],
  ['preferredreplicaimbalancecount', 'Partitions whose leader is not their preferred (first) replica', (c) => c.imbalanced],
  ['globalpartitioncount', 'Partitions in the cluster', (c) => c.partitions],
  ['globaltopiccount', 'Topics in the cluster', (c) => c.topics],
  ['fencedbrokercount', 'Registered brokers that are fenced', (c) => c.fenced],
  ['activebrokercount', 'Registered brokers that are not fenced', (c) => c.active],
  ['controlledshutdownbrokercount', 'Registered brokers in controlled shutdown', (c) => c.controlledShutdown],
];

/**
 * Registers the KRaft controller's `kafka.controller:type=KafkaController` gauges, named as the Prometheus JMX
 * exporter's standard Kafka rules name them (`kafka_controller_kafkacontroller_<name lowercased>`), all computed at
 * scrape time: ActiveControllerCount (1 on the active controller, else 0; QuorumControllerMetrics) and, from the
 * metadata image as Kafka's ControllerMetadataMetricsPublisher counts them on every controller,
 * OfflinePartitionsCount (no leader), PreferredReplicaImbalanceCount (leader other than the first replica, offline
 * included), GlobalPartitionCount, GlobalTopicCount, FencedBrokerCount, ActiveBrokerCount and
 * ControlledShutdownBrokerCount.
 */
export function registerControllerMetrics(registry: Registry, source: ControllerMetricSource): void {
  const registers = [registry];
  new Gauge({
    name: 'kafka_controller_kafkacontroller_activecontrollercount',
    help: '1 when this controller is the active controller, else 0',
    registers,
    collect() {
      this.set(source.isActive() ? 1 : 0);
    },
  });
  for (const [name, help, value] of CLUSTER_GAUGES) {
    new Gauge({
      name: `kafka_controller_kafkacontroller_${name}`,
      help,
      registers,
      collect() {
        this.set(value(countCluster(source)));
      },
    });
  }
}
