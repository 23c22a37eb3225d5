/**
 * Kafka's Long.MAX_VALUE as the nearest double (2^63). Kafka uses it as "never" for flush.messages, flush.ms and
 * max.compaction.lag.ms; comparisons against real counts and times behave the same.
 */
export const LONG_MAX = 2 ** 63;

/**
 * cleanup.policy: the list as a string (Kafka accepts either order) or as parsed items (the config layer's
 * LogConfigValues form).
 */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete' | 'delete,compact' | readonly ('delete' | 'compact')[];

/**
 * Per-log (topic-level) configuration: Kafka's topic config names in camelCase, with Kafka 3.9's defaults
 * (storage/.../log/LogConfig.java, ServerLogConfigs). Times are in ms, sizes in bytes. Validation of values is
 * the config layer's job; the storage engine trusts what it is given.
 */
export interface LogConfig {
  /** segment.bytes: roll the active segment when it would exceed this size. Default 1 GiB. */
  segmentBytes: number;
  /** segment.ms: roll when the first batch of the active segment is this much older than a new one. 7 days. */
  segmentMs: number;
  /** segment.jitter.ms: random jitter subtracted from segment.ms per segment. Default 0. */
  segmentJitterMs: number;
  /** segment.index.bytes: size the offset and time indexes are preallocated to (roll when full). 10 MiB. */
  segmentIndexBytes: number;
  /** index.interval.bytes: bytes of batches between two offset index entries. Default 4096. */
  indexIntervalBytes: number;
  /** retention.ms: delete segments whose newest record is older than this; -1 = unlimited. 7 days. */
  retentionMs: number;
  /** retention.bytes: delete oldest segments while the log is larger than this; -1 = unlimited. */
  retentionBytes: number;
  /** cleanup.policy. Default 'delete'. Both forms answer `.includes('compact')`. */
  cleanupPolicy: CleanupPolicy;
  /** delete.retention.ms: how long tombstones (and markers) survive once cleaned. 1 day. */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio: dirty/total bytes ratio that makes a compacted log eligible. 0.5. */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms: records younger than this are never compacted. 0. */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms: a dirty record older than this makes the log eligible regardless of ratio. */
  maxCompactionLagMs: number;
  /** flush.messages: fsync after this many appended records. Default Long.MAX (leave it to the OS). */
  flushMessages: number;
  /** flush.ms: fsync when the last flush is older than this. Default Long.MAX (leave it to the OS). */
  flushMs: number;
  /** file.delete.delay.ms: delay before deleted segment files are removed from disk. 60000. */
  fileDeleteDelayMs: number;
  /** message.timestamp.type. Default 'CreateTime'. */
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  /** max.message.bytes: largest batch accepted on append. Default 1048588 (1 MiB + 12). */
  maxMessageBytes: number;
  /** preallocate: preallocate segment files. Accepted, not used (the OS allocates on write). Default false. */
  preallocate: boolean;
}

/** Kafka's defaults for every {@link LogConfig} field. */
export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentJitterMs: 0,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: LONG_MAX,
  flushMessages: LONG_MAX,
  flushMs: LONG_MAX,
  fileDeleteDelayMs: 60_000,
  messageTimestampType: 'CreateTime',
  maxMessageBytes: 1024 * 1024 + 12,
  preallocate: false,
});

/** A full config: `overrides` over Kafka's defaults. */
export function logConfig(overrides: Partial<LogConfig> = {}): LogConfig {
  return { ...DEFAULT_LOG_CONFIG, ...overrides };
}

/** True when cleanup.policy includes `compact`. */
export function isCompacted(config: LogConfig): boolean {
  return config.cleanupPolicy.includes('compact');
}

/** True when cleanup.policy includes `delete` (time/size retention applies). */
export function isDeleteRetention(config: LogConfig): boolean {
  return config.cleanupPolicy.includes('delete');
}
