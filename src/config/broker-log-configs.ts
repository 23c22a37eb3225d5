// Broker log configs: Kafka 3.9's `LogConfig.SERVER_CONFIG_DEF` (ServerLogConfigs), `CleanerConfig.CONFIG_DEF`
// and the two local-retention configs of `RemoteLogManagerConfig`. Dynamic modes follow `DynamicLogConfig`
// (every primary topic synonym except log.message.format.version is cluster-wide) and `LogCleaner`.

import { atLeast, between, defineBroker as def, listOf, oneOf } from './config-def.ts';
import { BROKER_COMPRESSION_TYPES, gzipLevel, lz4Level, metadataVersionString, zstdLevel } from './topic-configs.ts';

const LONG_MAX = '9223372036854775807';
const CLUSTER = 'cluster-wide';
const TIERED = 'applies to tiered storage, which is not supported (remote.log.storage.system.enable is refused)';
const POLICY = 'policies are Java plug-in classes, which this broker cannot load: every request would be allowed';

/** Broker configs about logs, segments, retention, flushing and the log cleaner. */
export const BROKER_LOG_CONFIGS = [
  def('num.partitions', 'INT', '1', 'Default partition count of topics created without an explicit count.', { v: atLeast(1) }),
  def('log.dir', 'STRING', '/tmp/kafka-logs', 'Log directory used when log.dirs is not set.', { imp: 'HIGH' }),
  def('log.dirs', 'STRING', null, 'Comma-separated log directories; relative paths resolve against the working directory.', {
    imp: 'HIGH',
  }),
  def('log.segment.bytes', 'INT', '1073741824', 'Default segment file size in bytes (topic: segment.bytes).', {
    v: atLeast(14), imp: 'HIGH', dyn: CLUSTER,
  }),
  def('log.roll.ms', 'LONG', null, 'Default time in ms before a segment rolls; overrides log.roll.hours (topic: segment.ms).', {
    imp: 'HIGH', dyn: CLUSTER,
  }),
  def('log.roll.hours', 'INT', '168', 'Default time in hours before a segment rolls, used when log.roll.ms is unset.', {
    v: atLeast(1), imp: 'HIGH',
  }),
  def('log.roll.jitter.ms', 'LONG', null, 'Default segment roll jitter in ms; overrides log.roll.jitter.hours.', {
    imp: 'HIGH', dyn: CLUSTER,
  }),
  def('log.roll.jitter.hours', 'INT', '0', 'Default segment roll jitter in hours, used when log.roll.jitter.ms is unset.', {
    v: atLeast(0), imp: 'HIGH',
  }),
  def('log.retention.ms', 'LONG', null, 'Default retention time in ms (-1: unlimited); overrides minutes and hours.', {
    imp: 'HIGH', dyn: CLUSTER,
  }),
  def('log.retention.minutes', 'INT', null, 'Default retention time in minutes, used when log.retention.ms is unset.', {
    imp: 'HIGH',
  }),
  def('log.retention.hours', 'INT', '168', 'Default retention time in hours, used when ms and minutes are unset.', {
    imp: 'HIGH',
  }),
  def('log.retention.bytes', 'LONG', '-1', 'Default maximum partition size in bytes before deletion (-1: unlimited).', {
    imp: 'HIGH', dyn: CLUSTER,
  }),
  def('log.retention.check.interval.ms', 'LONG', '300000', 'How often in ms the broker looks for segments to delete.', {
    v: atLeast(1),
  }),
  def('log.cleanup.policy', 'LIST', 'delete', 'Default cleanup policy of topics: delete, compact, or both.', {
    v: listOf('compact', 'delete'), dyn: CLUSTER,
  }),
  def('log.index.size.max.bytes', 'INT', '10485760', 'Default maximum size in bytes of a segment index file.', {
    v: atLeast(4), dyn: CLUSTER,
  }),
  def('log.index.interval.bytes', 'INT', '4096', 'Default number of log bytes between offset index entries.', {
    v: atLeast(0), dyn: CLUSTER,
  }),
  def('log.flush.interval.messages', 'LONG', LONG_MAX, 'Default number of messages before a partition is fsynced.', {
    v: atLeast(1), imp: 'HIGH', dyn: CLUSTER,
  }),
  def('log.segment.delete.delay.ms', 'LONG', '60000', 'Default delay in ms before a deleted segment file is removed.', {
    v: atLeast(0), imp: 'HIGH', dyn: CLUSTER,
  }),
  def('log.flush.scheduler.interval.ms', 'LONG', LONG_MAX, 'How often in ms the flusher checks for logs to fsync.', {
    imp: 'HIGH',
  }),
  def('log.flush.interval.ms', 'LONG', null, 'Default maximum time in ms a message stays unflushed; falls back to the scheduler interval.', {
    imp: 'HIGH', dyn: CLUSTER,
  }),
  def('log.flush.offset.checkpoint.interval.ms', 'INT', '60000', 'How often in ms recovery-point checkpoints are written.', {
    v: atLeast(0), imp: 'HIGH',
  }),
  def('log.flush.start.offset.checkpoint.interval.ms', 'INT', '60000', 'How often in ms log-start-offset checkpoints are written.', {
    v: atLeast(0), imp: 'HIGH',
  }),
  def('log.preallocate', 'BOOLEAN', 'false', 'Whether new segment files are preallocated by default.', { dyn: CLUSTER, inactive: true }),
  def('num.recovery.threads.per.data.dir', 'INT', '1', 'Threads per log directory used to load logs at startup and flush at shutdown.', {
    v: atLeast(1), imp: 'HIGH', dyn: CLUSTER,
  }),
  def('auto.create.topics.enable', 'BOOLEAN', 'true', 'Whether a Metadata request for an unknown topic creates it.', { imp: 'HIGH' }),
  def('min.insync.replicas', 'INT', '1', 'Default minimum ISR size for acks=all produce requests.', {
    v: atLeast(1), imp: 'HIGH', dyn: CLUSTER,
  }),
  def('log.message.format.version', 'STRING', '3.0-IV1', 'Default message format version of topics; ignored since 3.0.', {
    v: metadataVersionString, deprecated: 'removed in Kafka 4.0', inactive: 'ignored since Kafka 3.0, as in Kafka',
  }),
  def('log.message.timestamp.type', 'STRING', 'CreateTime', 'Default timestamp type of topics: CreateTime or LogAppendTime.', {
    v: oneOf('CreateTime', 'LogAppendTime'), dyn: CLUSTER,
  }),
  def('log.message.timestamp.difference.max.ms', 'LONG', LONG_MAX, 'Default maximum distance in ms between a CreateTime timestamp and the broker clock.', {
    v: atLeast(0), dyn: CLUSTER, deprecated: 'use log.message.timestamp.before.max.ms / after.max.ms; removed in Kafka 4.0',
  }),
  def('log.message.timestamp.before.max.ms', 'LONG', LONG_MAX, 'Default bound in ms on how old a CreateTime timestamp may be.', {
    v: atLeast(0), dyn: CLUSTER,
  }),
  // Kafka 4.0 lowered this default from Long.MAX_VALUE to one hour (ServerLogConfigs.LOG_MESSAGE_TIMESTAMP_AFTER_MAX_MS_DEFAULT).
  def('log.message.timestamp.after.max.ms', 'LONG', '3600000', 'Default bound in ms on how far ahead a CreateTime timestamp may be.', {
    v: atLeast(0), dyn: CLUSTER,
  }),
  def('create.topic.policy.class.name', 'CLASS', null, 'Class validating topic creation requests.', {
    imp: 'LOW', refused: POLICY,
  }),
  def('alter.config.policy.class.name', 'CLASS', null, 'Class validating alter-config requests.', {
    imp: 'LOW', refused: POLICY,
  }),
  def('log.message.downconversion.enable', 'BOOLEAN', 'true', 'Whether old fetch versions get down-converted records by default.', {
    imp: 'LOW', dyn: CLUSTER, deprecated: 'removed in Kafka 4.0', inactive: true,
  }),
  def('log.dir.failure.timeout.ms', 'LONG', '30000', 'Time in ms to wait for a failed log directory to be handled before shutting down.', {
    v: atLeast(1), imp: 'LOW', inactive: true,
  }),
  def('log.initial.task.delay.ms', 'LONG', '30000', 'Delay in ms before the first retention and flush tasks run after startup.', {
    v: atLeast(0), imp: 'LOW', internal: true,
  }),
  def('log.local.retention.ms', 'LONG', '-2', 'Default local retention in ms for tiered topics (-2: use the retention time).', {
    v: atLeast(-2), dyn: CLUSTER, inactive: TIERED,
  }),
  def('log.local.retention.bytes', 'LONG', '-2', 'Default local retention in bytes for tiered topics (-2: use the retention size).', {
    v: atLeast(-2), dyn: CLUSTER, inactive: TIERED,
  }),
  def('remote.log.storage.system.enable', 'BOOLEAN', 'false', 'Whether tiered storage is enabled on the broker.', { refused: 'tiered storage is not supported yet' }),
  def('message.max.bytes', 'INT', '1048588', 'Default largest record batch in bytes the broker accepts (topic: max.message.bytes).', {
    v: atLeast(0), imp: 'HIGH', dyn: CLUSTER,
  }),
  def('compression.type', 'STRING', 'producer', "Default codec batches are stored with; 'producer' keeps the producer's codec.", {
    v: oneOf(...BROKER_COMPRESSION_TYPES), imp: 'HIGH', dyn: CLUSTER,
  }),
  def('compression.gzip.level', 'INT', '-1', 'Default gzip level when compression.type is gzip.', { v: gzipLevel, dyn: CLUSTER, inactive: true }),
  def('compression.lz4.level', 'INT', '9', 'Default lz4 level when compression.type is lz4.', { v: lz4Level, dyn: CLUSTER, inactive: true }),
  def('compression.zstd.level', 'INT', '3', 'Default zstd level when compression.type is zstd.', { v: zstdLevel, dyn: CLUSTER, inactive: true }),
  def('unclean.leader.election.enable', 'BOOLEAN', 'false', 'Whether replicas outside the ISR may be elected leader as a last resort.', {
    imp: 'HIGH', dyn: CLUSTER,
  }),
  def('log.cleaner.threads', 'INT', '1', 'Number of log cleaner threads.', { v: atLeast(0), dyn: CLUSTER }),
  def('log.cleaner.io.max.bytes.per.second', 'DOUBLE', '1.7976931348623157E308', 'Throttle in bytes per second on the cleaner\'s combined reads and writes.', {
    dyn: CLUSTER,
  }),
  def('log.cleaner.dedupe.buffer.size', 'LONG', '134217728', 'Total memory in bytes for the cleaners\' deduplication maps.', {
    dyn: CLUSTER,
  }),
  def('log.cleaner.io.buffer.size', 'INT', '524288', 'Total memory in bytes for the cleaners\' I/O buffers.', {
    v: atLeast(0), dyn: CLUSTER,
  }),
  def('log.cleaner.io.buffer.load.factor', 'DOUBLE', '0.9', 'Maximum fill ratio of a cleaner deduplication map.', { dyn: CLUSTER }),
  def('log.cleaner.backoff.ms', 'LONG', '15000', 'Time in ms a cleaner sleeps when no log needs cleaning.', {
    v: atLeast(0), dyn: CLUSTER,
  }),
  def('log.cleaner.min.cleanable.ratio', 'DOUBLE', '0.5', 'Default dirty ratio above which a compacted log is cleaned.', {
    v: between(0, 1), dyn: CLUSTER,
  }),
  def('log.cleaner.enable', 'BOOLEAN', 'true', 'Whether the log cleaner (compaction) runs on this broker.'),
  def('log.cleaner.delete.retention.ms', 'LONG', '86400000', 'Default time in ms tombstones are kept on compacted topics.', {
    v: atLeast(0), dyn: CLUSTER,
  }),
  def('log.cleaner.min.compaction.lag.ms', 'LONG', '0', 'Default minimum age in ms before a message may be compacted.', {
    v: atLeast(0), dyn: CLUSTER,
  }),
  def('log.cleaner.max.compaction.lag.ms', 'LONG', LONG_MAX, 'Default maximum time in ms a message stays ineligible for compaction.', {
    v: atLeast(1), dyn: CLUSTER,
  }),
] as const;
