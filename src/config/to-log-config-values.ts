// The plain, camelCase view of a topic's effective config that the storage layer (UnifiedLog, LogSegment,
// LogCleaner, LogValidator) reads, mirroring the fields of Kafka's `LogConfig` class (segmentSize -> segmentBytes,
// maxIndexSize -> segmentIndexBytes, ...). Times are ms, sizes bytes, all plain numbers.

import { LONG_MAX_VALUE } from './config-def.ts';
import type { LogConfig } from './log-config.ts';

/** Codec names a topic may store batches with ('producer' keeps the producer's codec). */
export type BrokerCompressionType = 'uncompressed' | 'zstd' | 'lz4' | 'snappy' | 'gzip' | 'producer';

/** A topic's effective log settings as plain values (see {@link toLogConfigValues}). */
export interface LogConfigValues {
  readonly segmentBytes: number;
  readonly segmentMs: number;
  readonly segmentJitterMs: number;
  readonly segmentIndexBytes: number;
  readonly indexIntervalBytes: number;
  /** -1: no time limit. */
  readonly retentionMs: number;
  /** -1: no size limit. */
  readonly retentionBytes: number;
  /** cleanup.policy as listed, e.g. ['delete'], ['compact'], ['compact', 'delete']. */
  readonly cleanupPolicy: readonly ('delete' | 'compact')[];
  readonly compact: boolean;
  readonly delete: boolean;
  readonly deleteRetentionMs: number;
  readonly minCleanableDirtyRatio: number;
  readonly minCompactionLagMs: number;
  readonly maxCompactionLagMs: number;
  /** Long.MAX_VALUE (as a number, 2^63) when flushing by count is off. */
  readonly flushMessages: number;
  /** Long.MAX_VALUE (as a number, 2^63) when flushing by time is off. */
  readonly flushMs: number;
  readonly fileDeleteDelayMs: number;
  readonly messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /**
   * Effective bound on how old a CreateTime timestamp may be: message.timestamp.before.max.ms, or the deprecated
   * message.timestamp.difference.max.ms while before.max.ms is at its Long.MAX_VALUE default (Kafka 3.x rule).
   */
  readonly messageTimestampBeforeMaxMs: number;
  /** Same rule for timestamps in the future. */
  readonly messageTimestampAfterMaxMs: number;
  readonly maxMessageBytes: number;
  readonly compressionType: BrokerCompressionType;
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
  readonly minInsyncReplicas: number;
  readonly uncleanLeaderElectionEnable: boolean;
  readonly preallocate: boolean;
  readonly messageDownconversionEnable: boolean;
  readonly remoteStorageEnable: boolean;
  /** local.retention.ms, with -2 resolved to retentionMs (Kafka's `localRetentionMs()`). */
  readonly localRetentionMs: number;
  /** local.retention.bytes, with -2 resolved to retentionBytes. */
  readonly localRetentionBytes: number;
  readonly leaderReplicationThrottledReplicas: readonly string[];
  readonly followerReplicationThrottledReplicas: readonly string[];
}

/**
 * Produces the storage layer's plain config object from a topic's effective config. Applies Kafka's derived
 * rules: cleanup policy flags, the timestamp before/after fallback to difference.max.ms, local retention -2.
 */
export function toLogConfigValues(config: LogConfig): LogConfigValues {
  const cleanupPolicy = config.getList('cleanup.policy').map((p) => p.toLowerCase()) as ('delete' | 'compact')[];
  const retentionMs = config.getLong('retention.ms');
  const retentionBytes = config.getLong('retention.bytes');
  const differenceMaxMs = config.getLong('message.timestamp.difference.max.ms');
  const beforeMaxMs = config.getLong('message.timestamp.before.max.ms');
  const afterMaxMs = config.getLong('message.timestamp.after.max.ms');
  const localRetentionMs = config.getLong('local.retention.ms');
  const localRetentionBytes = config.getLong('local.retention.bytes');
  return {
    segmentBytes: config.getInt('segment.bytes'),
    segmentMs: config.getLong('segment.ms'),
    segmentJitterMs: config.getLong('segment.jitter.ms'),
    segmentIndexBytes: config.getInt('segment.index.bytes'),
    indexIntervalBytes: config.getInt('index.interval.bytes'),
    retentionMs,
    retentionBytes,
    cleanupPolicy,
    compact: cleanupPolicy.includes('compact'),
    delete: cleanupPolicy.includes('delete'),
    deleteRetentionMs: config.getLong('delete.retention.ms'),
    minCleanableDirtyRatio: config.getDouble('min.cleanable.dirty.ratio'),
    minCompactionLagMs: config.getLong('min.compaction.lag.ms'),
    maxCompactionLagMs: config.getLong('max.compaction.lag.ms'),
    flushMessages: config.getLong('flush.messages'),
    flushMs: config.getLong('flush.ms'),
    fileDeleteDelayMs: config.getLong('file.delete.delay.ms'),
    messageTimestampType: config.getString('message.timestamp.type') as 'CreateTime' | 'LogAppendTime',
    messageTimestampBeforeMaxMs: beforeMaxMs !== LONG_MAX_VALUE ? beforeMaxMs : differenceMaxMs,
    messageTimestampAfterMaxMs: afterMaxMs !== LONG_MAX_VALUE ? afterMaxMs : differenceMaxMs,
    maxMessageBytes: config.getInt('max.message.bytes'),
    compressionType: config.getString('compression.type') as BrokerCompressionType,
    compressionGzipLevel: config.getInt('compression.gzip.level'),
    compressionLz4Level: config.getInt('compression.lz4.level'),
    compressionZstdLevel: config.getInt('compression.zstd.level'),
    minInsyncReplicas: config.getInt('min.insync.replicas'),
    uncleanLeaderElectionEnable: config.getBoolean('unclean.leader.election.enable'),
    preallocate: config.getBoolean('preallocate'),
    messageDownconversionEnable: config.getBoolean('message.downconversion.enable'),
    remoteStorageEnable: config.getBoolean('remote.storage.enable'),
    localRetentionMs: localRetentionMs === -2 ? retentionMs : localRetentionMs,
    localRetentionBytes: localRetentionBytes === -2 ? retentionBytes : localRetentionBytes,
    leaderReplicationThrottledReplicas: config.getList('leader.replication.throttled.replicas'),
    followerReplicationThrottledReplicas: config.getList('follower.replication.throttled.replicas'),
  };
}
