// Group coordinator, offsets, transaction coordinator, quota and metrics configs of Kafka 3.9:
// `GroupCoordinatorConfig`, `TransactionLogConfigs`, `TransactionStateManagerConfigs`, `QuotaConfigs`,
// `MetricConfigs`. `producer.id.expiration.ms`, `transaction.partition.verification.enable` and
// `metric.reporters` are cluster-wide dynamic (`DynamicBrokerConfig`); the rest are read-only.

import { atLeast, defineBroker as def, listOf, oneOfIgnoreCase } from './config-def.ts';

const CLUSTER = 'cluster-wide';
const INT_MAX = '2147483647';
const LONG_MAX = '9223372036854775807';
const GROUP_CONFIGS = 'bounds the group-level configs (KIP-848), which are not supported yet';
const QUOTAS = 'alter-log-dirs replication quotas are not built yet';
const METRICS = 'metrics are Prometheus counters and gauges (metrics.prometheus.listener), not sampled Kafka metrics';
const REPORTERS = 'Java metric reporters cannot be loaded: metrics are served for Prometheus (metrics.prometheus.listener)';

/** Consumer group, offsets and transaction coordinator configs, quotas and metrics. */
export const BROKER_COORDINATOR_CONFIGS = [
  // Classic group protocol
  def('group.min.session.timeout.ms', 'INT', '6000', 'Smallest session timeout in ms a classic group member may ask for.'),
  def('group.max.session.timeout.ms', 'INT', '1800000', 'Largest session timeout in ms a classic group member may ask for.'),
  def('group.initial.rebalance.delay.ms', 'INT', '3000', 'Time in ms a new classic group waits for more members before its first rebalance.'),
  def('group.max.size', 'INT', INT_MAX, 'Maximum number of members in a classic group.', { v: atLeast(1) }),
  // Group coordinator runtime (KIP-848)
  def('group.coordinator.rebalance.protocols', 'LIST', 'classic', 'Group protocols the coordinator serves: classic, consumer (KIP-848), share, streams.', {
    v: listOf('consumer', 'classic', 'share', 'streams', 'unknown'),
    partlyInactive: { values: ['share', 'streams', 'unknown'], note: 'share and streams groups are not built yet' },
  }),
  def('group.coordinator.threads', 'INT', '1', 'Threads of the group coordinator runtime.', { v: atLeast(1), inactive: 'the coordinators run on the event loop' }),
  def('group.coordinator.append.linger.ms', 'INT', '10', 'Time in ms the coordinator waits to batch records into one write.', {
    v: atLeast(0), inactive: true,
  }),
  def('group.coordinator.new.enable', 'BOOLEAN', 'false', 'Whether the new group coordinator is used.', { internal: true, inactive: 'this broker always runs the new (KIP-848) group coordinator' }),
  // Offsets
  def('offset.metadata.max.bytes', 'INT', '4096', 'Largest metadata string in bytes allowed with an offset commit.', { imp: 'HIGH' }),
  def('offsets.load.buffer.size', 'INT', '5242880', 'Batch size in bytes used when loading offsets into the coordinator cache.', {
    v: atLeast(1), imp: 'HIGH', inactive: true,
  }),
  def('offsets.topic.replication.factor', 'SHORT', '3', 'Replication factor of __consumer_offsets (creation waits for enough brokers).', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('offsets.topic.num.partitions', 'INT', '50', 'Partition count of __consumer_offsets; do not change after deployment.', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('offsets.topic.segment.bytes', 'INT', '104857600', 'Segment size in bytes of __consumer_offsets.', { v: atLeast(1), imp: 'HIGH' }),
  def('offsets.topic.compression.codec', 'INT', '0', 'Compression codec id used for __consumer_offsets writes (0: none).', {
    imp: 'HIGH', inactive: true,
  }),
  def('offsets.retention.minutes', 'INT', '10080', 'Minutes committed offsets of an empty group are kept.', { v: atLeast(1), imp: 'HIGH' }),
  def('offsets.retention.check.interval.ms', 'LONG', '600000', 'How often in ms stale offsets are looked for.', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('offsets.commit.timeout.ms', 'INT', '5000', 'Time in ms an offset commit waits for replication of __consumer_offsets.', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('offsets.commit.required.acks', 'SHORT', '-1', 'Acks required for offset commit writes.', {
    imp: 'HIGH', deprecated: 'removed in Kafka 4.0', inactive: true,
  }),
  // Consumer group protocol (KIP-848)
  def('group.consumer.session.timeout.ms', 'INT', '45000', 'Session timeout in ms of consumer-protocol group members.', {
    v: atLeast(1),
  }),
  def('group.consumer.min.session.timeout.ms', 'INT', '45000', 'Smallest allowed consumer-protocol session timeout in ms.', {
    v: atLeast(1), inactive: GROUP_CONFIGS,
  }),
  def('group.consumer.max.session.timeout.ms', 'INT', '60000', 'Largest allowed consumer-protocol session timeout in ms.', {
    v: atLeast(1), inactive: GROUP_CONFIGS,
  }),
  def('group.consumer.heartbeat.interval.ms', 'INT', '5000', 'Heartbeat interval in ms given to consumer-protocol members.', {
    v: atLeast(1),
  }),
  def('group.consumer.min.heartbeat.interval.ms', 'INT', '5000', 'Smallest allowed consumer-protocol heartbeat interval in ms.', {
    v: atLeast(1), inactive: GROUP_CONFIGS,
  }),
  def('group.consumer.max.heartbeat.interval.ms', 'INT', '15000', 'Largest allowed consumer-protocol heartbeat interval in ms.', {
    v: atLeast(1), inactive: GROUP_CONFIGS,
  }),
  def('group.consumer.max.size', 'INT', INT_MAX, 'Maximum number of members in a consumer-protocol group.', { v: atLeast(1) }),
  def('group.consumer.assignors', 'LIST',
    'org.apache.kafka.coordinator.group.assignor.UniformAssignor,org.apache.kafka.coordinator.group.assignor.RangeAssignor',
    'Server-side assignors of consumer-protocol groups; the first is the default (uniform or range).'),
  def('group.consumer.migration.policy', 'STRING', 'disabled', 'Which conversions between classic and consumer groups are allowed.', {
    v: oneOfIgnoreCase('bidirectional', 'upgrade', 'downgrade', 'disabled'), internal: true, inactive: 'online migration between classic and consumer groups is not built yet',
  }),
  // Transactions
  def('transaction.state.log.min.isr', 'INT', '2', 'min.insync.replicas of __transaction_state.', { v: atLeast(1), imp: 'HIGH' }),
  def('transaction.state.log.load.buffer.size', 'INT', '5242880', 'Batch size in bytes used when loading transaction state.', {
    v: atLeast(1), imp: 'HIGH', inactive: true,
  }),
  def('transaction.state.log.replication.factor', 'SHORT', '3', 'Replication factor of __transaction_state.', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('transaction.state.log.num.partitions', 'INT', '50', 'Partition count of __transaction_state; do not change after deployment.', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('transaction.state.log.segment.bytes', 'INT', '104857600', 'Segment size in bytes of __transaction_state.', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('transaction.partition.verification.enable', 'BOOLEAN', 'true', 'Whether transactional produce checks the partition was added to the transaction (KIP-890).', {
    imp: 'LOW', dyn: CLUSTER,
  }),
  def('producer.id.expiration.ms', 'INT', '86400000', 'Time in ms a producer id is kept after its last write to a partition.', {
    v: atLeast(1), imp: 'LOW', dyn: CLUSTER,
  }),
  def('producer.id.expiration.check.interval.ms', 'INT', '600000', 'How often in ms expired producer ids are removed.', {
    v: atLeast(1), imp: 'LOW', internal: true,
  }),
  def('transactional.id.expiration.ms', 'INT', '604800000', 'Time in ms an idle transactional id is kept before it expires.', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('transaction.max.timeout.ms', 'INT', '900000', 'Largest transaction timeout in ms a producer may ask for.', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'INT', '10000', 'How often in ms timed-out transactions are aborted.', {
    v: atLeast(1), imp: 'LOW',
  }),
  def('transaction.remove.expired.transaction.cleanup.interval.ms', 'INT', '3600000', 'How often in ms expired transactional ids are removed.', {
    v: atLeast(1), imp: 'LOW',
  }),
  // Quotas
  def('quota.window.num', 'INT', '11', 'Samples kept for client quotas and the connection creation rate.', { v: atLeast(1), imp: 'LOW' }),
  def('replication.quota.window.num', 'INT', '11', 'Samples kept for replication quotas.', { v: atLeast(1), imp: 'LOW' }),
  def('alter.log.dirs.replication.quota.window.num', 'INT', '11', 'Samples kept for alter-log-dirs replication quotas.', {
    v: atLeast(1), imp: 'LOW', inactive: QUOTAS,
  }),
  def('controller.quota.window.num', 'INT', '11', 'Samples kept for controller mutation quotas.', { v: atLeast(1), imp: 'LOW' }),
  def('quota.window.size.seconds', 'INT', '1', 'Length in seconds of a client quota or connection creation rate sample.', { v: atLeast(1), imp: 'LOW' }),
  def('replication.quota.window.size.seconds', 'INT', '1', 'Length in seconds of a replication quota sample.', { v: atLeast(1), imp: 'LOW' }),
  // Kafka's DynamicConfig.Broker throttles (KIP-73): set at run time on a broker (or the cluster default).
  def('leader.replication.throttled.rate', 'LONG', LONG_MAX, 'Bytes/s a leader sends to the throttled replicas (leader.replication.throttled.replicas) outside the ISR.', {
    v: atLeast(0), imp: 'LOW', dyn: 'per-broker',
  }),
  def('follower.replication.throttled.rate', 'LONG', LONG_MAX, 'Bytes/s a follower fetches for its throttled replicas (follower.replication.throttled.replicas) while not caught up.', {
    v: atLeast(0), imp: 'LOW', dyn: 'per-broker',
  }),
  def('alter.log.dirs.replication.quota.window.size.seconds', 'INT', '1', 'Length in seconds of an alter-log-dirs quota sample.', {
    v: atLeast(1), imp: 'LOW', inactive: QUOTAS,
  }),
  def('controller.quota.window.size.seconds', 'INT', '1', 'Length in seconds of a controller mutation quota sample.', { v: atLeast(1), imp: 'LOW' }),
  def('client.quota.callback.class', 'CLASS', null, 'Custom client quota callback class.', { imp: 'LOW', refused: 'quota callbacks are Java plug-in classes, which this broker cannot load' }),
  // Metrics
  def('metrics.num.samples', 'INT', '2', 'Samples kept to compute rate metrics.', { v: atLeast(1), imp: 'LOW', inactive: METRICS }),
  def('metrics.sample.window.ms', 'LONG', '30000', 'Length in ms of a metrics sample window.', { v: atLeast(1), imp: 'LOW', inactive: METRICS }),
  def('metric.reporters', 'LIST', '', 'Java metric reporter classes.', {
    imp: 'LOW', dyn: CLUSTER, inactive: REPORTERS,
  }),
  def('metrics.recording.level', 'STRING', 'INFO', 'Highest recording level of metrics.', { imp: 'LOW', inactive: METRICS }),
  def('auto.include.jmx.reporter', 'BOOLEAN', 'true', 'Whether the JMX reporter is added.', {
    imp: 'LOW', deprecated: 'removed in Kafka 4.0', inactive: REPORTERS,
  }),
  def('kafka.metrics.reporters', 'LIST', '', 'Yammer metrics reporter classes.', { imp: 'LOW', inactive: REPORTERS }),
  def('kafka.metrics.polling.interval.secs', 'INT', '10', 'Polling interval in seconds of kafka.metrics.reporters.', {
    v: atLeast(1), imp: 'LOW', inactive: REPORTERS,
  }),
  def('telemetry.max.bytes', 'INT', '1048576', 'Largest client telemetry push in bytes (KIP-714).', { v: atLeast(1), imp: 'LOW', inactive: 'client telemetry (KIP-714) is not supported yet' }),
] as const;
