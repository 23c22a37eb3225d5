// Topic-level configs: names, types, defaults and validators from Kafka 3.9's `LogConfig` / `TopicConfig`
// (storage/.../log/LogConfig.java), and each config's broker-level synonyms in Kafka's precedence order
// (`ServerTopicConfigSynonyms.ALL_TOPIC_CONFIG_SYNONYMS`). The docs are our own one-line summaries.

import {
  atLeast,
  between,
  listOf,
  oneOf,
  validator,
  type ConfigKey,
  type ConfigType,
  supportOf,
  type Importance,
  type SupportOptions,
  type Validator,
} from './config-def.ts';

/**
 * A broker config that supplies a topic config's default. `unit` says how to convert it to the topic config's
 * unit (milliseconds), as Kafka's `ConfigSynonym.HOURS_TO_MILLISECONDS` / `MINUTES_TO_MILLISECONDS` do.
 */
export interface ServerSynonym {
  readonly name: string;
  readonly unit?: 'hours' | 'minutes';
}

/** A topic config: its definition plus the broker synonyms, highest precedence first (empty: no broker default). */
export interface TopicConfigKey<N extends string = string, T extends ConfigType = ConfigType> extends ConfigKey<N, T> {
  readonly serverSynonyms: readonly ServerSynonym[];
}

function topic<const N extends string, const T extends ConfigType>(
  name: N,
  type: T,
  defaultValue: string | null,
  synonyms: readonly (string | ServerSynonym)[],
  doc: string,
  opts: { validator?: Validator; importance?: Importance; deprecated?: string } & SupportOptions = {},
): TopicConfigKey<N, T> {
  return {
    name,
    type,
    default: defaultValue,
    importance: opts.importance ?? 'MEDIUM',
    doc,
    serverSynonyms: synonyms.map((s) => (typeof s === 'string' ? { name: s } : s)),
    ...(opts.validator !== undefined ? { validator: opts.validator } : {}),
    ...(opts.deprecated !== undefined ? { deprecated: opts.deprecated } : {}),
    ...supportOf(opts),
  };
}

const TIERED = 'applies to tiered storage, which is not supported (remote.storage.enable is refused)';

/** LegacyRecord.RECORD_OVERHEAD_V0: the smallest segment Kafka accepts. */
const RECORD_OVERHEAD_V0 = 14;

/** Kafka's `ThrottledReplicaListValidator`: '*' or partitionId:brokerId pairs. */
const throttledReplicas = validator('[partitionId]:[brokerId],[partitionId]:[brokerId],...', (v) => {
  const list = v as readonly string[];
  if (list.join('').trim() === '*') return null;
  return list.every((e) => /^(\d+:\d+)?$/.test(e.trim()))
    ? null
    : "must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],...";
});

/**
 * The inter-broker protocol versions of Kafka 3.9 (`MetadataVersion`): every `release-IVn` (and the plain
 * release of the versions before 0.10), the production ones also by their release alone (3.9 means 3.9-IV0).
 */
const IBP_VERSIONS: ReadonlySet<string> = (() => {
  const ivs: [string, number][] = [
    ['0.10.0', 2], ['0.10.1', 3], ['0.10.2', 1], ['0.11.0', 3], ['1.0', 1], ['1.1', 1], ['2.0', 2], ['2.1', 3],
    ['2.2', 2], ['2.3', 2], ['2.4', 2], ['2.5', 1], ['2.6', 1], ['2.7', 3], ['2.8', 2], ['3.0', 2], ['3.1', 1],
    ['3.2', 1], ['3.3', 4], ['3.4', 1], ['3.5', 3], ['3.6', 3], ['3.7', 5], ['3.8', 1], ['3.9', 1], ['4.0', 2],
  ];
  const out = new Set(['0.8.0', '0.8.1', '0.8.2', '0.9.0']);
  for (const [release, count] of ivs) {
    for (let i = 0; i < count; i++) out.add(`${release}-IV${i}`);
    // 4.0 is not a production version of 3.9: only its IVs are known.
    if (release !== '4.0') out.add(release);
  }
  return out;
})();

/**
 * Kafka 3.9's `MetadataVersion.fromVersionString` as a check: a version keeps its first three dot-separated parts
 * when it starts with "0." and two otherwise, so `0.10.0.0` reads as 0.10.0 and `2.8.1` as 2.8; the rest must be
 * a known version. Returns Kafka's message, or null.
 */
export function checkMetadataVersionString(version: string): string | null {
  const segments = version.split('.');
  // Java's String.split drops trailing empty strings.
  while (segments.length > 1 && segments.at(-1) === '') segments.pop();
  const keep = version.startsWith('0.') ? 3 : 2;
  const key = keep >= segments.length ? version : segments.slice(0, keep).join('.');
  return IBP_VERSIONS.has(key) ? null : `Version ${version} is not a valid version`;
}

/** Kafka's `MetadataVersionValidator` (message.format.version, log.message.format.version, inter.broker.protocol.version). */
export const metadataVersionString = validator('[0.8.0, ..., 3.9-IV0]', (v) => checkMetadataVersionString(v as string));

/** Kafka's broker compression type names, in `BrokerCompressionType` order. */
export const BROKER_COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;

/** `CompressionType.GZIP.levelValidator()`: 1..9 or -1 (zlib's default level). */
export const gzipLevel = validator('[1,...,9] or -1', (v) =>
  (v as number) > 9 || ((v as number) < 1 && v !== -1) ? 'Value must be between 1 and 9 or equal to -1' : null,
);
/** `CompressionType.LZ4.levelValidator()`. */
export const lz4Level = between(1, 17);
/** `CompressionType.ZSTD.levelValidator()`: ZSTD_minCLevel()..ZSTD_MAX_CLEVEL. */
export const zstdLevel = between(-131072, 22);

const LONG_MAX = '9223372036854775807';
const WEEK_MS = '604800000';

/** Every topic config of Kafka 3.9, in Kafka's definition order. */
export const TOPIC_CONFIGS = [
  topic('segment.bytes', 'INT', '1073741824', ['log.segment.bytes'], 'Size in bytes at which the active segment file is rolled.', {
    validator: atLeast(RECORD_OVERHEAD_V0),
  }),
  topic('segment.ms', 'LONG', WEEK_MS, ['log.roll.ms', { name: 'log.roll.hours', unit: 'hours' }],
    'Time in ms after which the active segment is rolled even if it is not full.', { validator: atLeast(1) }),
  topic('segment.jitter.ms', 'LONG', '0', ['log.roll.jitter.ms', { name: 'log.roll.jitter.hours', unit: 'hours' }],
    'Maximum random time in ms subtracted from segment.ms so that segments of many partitions do not roll together.',
    { validator: atLeast(0) }),
  topic('segment.index.bytes', 'INT', '10485760', ['log.index.size.max.bytes'],
    'Maximum size in bytes of the offset and time index files of a segment.', { validator: atLeast(4) }),
  topic('flush.messages', 'LONG', LONG_MAX, ['log.flush.interval.messages'],
    'Number of messages appended to a partition before its log is fsynced.', { validator: atLeast(1) }),
  topic('flush.ms', 'LONG', LONG_MAX, ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
    'Time in ms a message may stay unflushed before the log is fsynced.', { validator: atLeast(0) }),
  topic('retention.bytes', 'LONG', '-1', ['log.retention.bytes'],
    'Maximum size in bytes of a partition before old segments are deleted (-1: no size limit).'),
  topic('retention.ms', 'LONG', WEEK_MS, [
    'log.retention.ms', { name: 'log.retention.minutes', unit: 'minutes' }, { name: 'log.retention.hours', unit: 'hours' },
  ], 'Time in ms a segment is kept before it is deleted (-1: no time limit).', { validator: atLeast(-1) }),
  topic('max.message.bytes', 'INT', '1048588', ['message.max.bytes'],
    'Largest record batch in bytes the broker accepts for the topic.', { validator: atLeast(0) }),
  topic('index.interval.bytes', 'INT', '4096', ['log.index.interval.bytes'],
    'Number of log bytes between two entries of the offset index.', { validator: atLeast(0) }),
  topic('delete.retention.ms', 'LONG', '86400000', ['log.cleaner.delete.retention.ms'],
    'Time in ms tombstones are kept on compacted topics after the cleaner reaches them.', { validator: atLeast(0) }),
  topic('min.compaction.lag.ms', 'LONG', '0', ['log.cleaner.min.compaction.lag.ms'],
    'Minimum age in ms a message must reach before it may be compacted.', { validator: atLeast(0) }),
  topic('max.compaction.lag.ms', 'LONG', LONG_MAX, ['log.cleaner.max.compaction.lag.ms'],
    'Maximum time in ms a message may stay ineligible for compaction.', { validator: atLeast(1) }),
  topic('file.delete.delay.ms', 'LONG', '60000', ['log.segment.delete.delay.ms'],
    'Time in ms to wait before removing a deleted segment file from disk.', { validator: atLeast(0) }),
  topic('min.cleanable.dirty.ratio', 'DOUBLE', '0.5', ['log.cleaner.min.cleanable.ratio'],
    'Fraction of uncompacted log above which the cleaner compacts the partition.', { validator: between(0, 1) }),
  topic('cleanup.policy', 'LIST', 'delete', ['log.cleanup.policy'],
    'Retention policy for old segments: delete, compact, or both.', { validator: listOf('compact', 'delete') }),
  topic('unclean.leader.election.enable', 'BOOLEAN', 'false', ['unclean.leader.election.enable'],
    'Whether a replica outside the ISR may become leader, at the risk of losing data.'),
  topic('min.insync.replicas', 'INT', '1', ['min.insync.replicas'],
    'Minimum ISR size for a produce with acks=all to succeed.', { validator: atLeast(1) }),
  topic('compression.type', 'STRING', 'producer', ['compression.type'],
    "Codec batches are stored with; 'producer' keeps the producer's codec.", { validator: oneOf(...BROKER_COMPRESSION_TYPES) }),
  topic('compression.gzip.level', 'INT', '-1', ['compression.gzip.level'],
    'Compression level used when compression.type is gzip.', { validator: gzipLevel, inactive: true }),
  topic('compression.lz4.level', 'INT', '9', ['compression.lz4.level'],
    'Compression level used when compression.type is lz4.', { validator: lz4Level, inactive: true }),
  topic('compression.zstd.level', 'INT', '3', ['compression.zstd.level'],
    'Compression level used when compression.type is zstd.', { validator: zstdLevel, inactive: true }),
  topic('preallocate', 'BOOLEAN', 'false', ['log.preallocate'],
    'Whether new segment files are preallocated to their full size on disk.', { inactive: true }),
  topic('message.format.version', 'STRING', '3.0-IV1', ['log.message.format.version'],
    'Record format version of the topic\'s messages; ignored since 3.0.', {
      validator: metadataVersionString,
      deprecated: 'removed in Kafka 4.0',
      inactive: 'ignored since Kafka 3.0, as in Kafka',
    }),
  topic('message.timestamp.type', 'STRING', 'CreateTime', ['log.message.timestamp.type'],
    'Whether stored timestamps are the producer\'s (CreateTime) or the broker\'s append time (LogAppendTime).',
    { validator: oneOf('CreateTime', 'LogAppendTime') }),
  topic('message.timestamp.difference.max.ms', 'LONG', LONG_MAX, ['log.message.timestamp.difference.max.ms'],
    'Largest allowed distance in ms between a CreateTime timestamp and the broker clock.', {
      validator: atLeast(0),
      deprecated: 'use message.timestamp.before.max.ms and message.timestamp.after.max.ms; removed in Kafka 4.0',
    }),
  topic('message.timestamp.before.max.ms', 'LONG', LONG_MAX, ['log.message.timestamp.before.max.ms'],
    'How far in ms a CreateTime timestamp may lie in the past of the broker clock.', { validator: atLeast(0) }),
  topic('message.timestamp.after.max.ms', 'LONG', '3600000', ['log.message.timestamp.after.max.ms'],
    'How far in ms a CreateTime timestamp may lie in the future of the broker clock.', { validator: atLeast(0) }),
  topic('leader.replication.throttled.replicas', 'LIST', '', [],
    "Replicas whose leader-side replication is throttled, as partition:broker pairs or '*'.", { validator: throttledReplicas }),
  topic('follower.replication.throttled.replicas', 'LIST', '', [],
    "Replicas whose follower-side replication is throttled, as partition:broker pairs or '*'.", { validator: throttledReplicas }),
  topic('message.downconversion.enable', 'BOOLEAN', 'true', ['log.message.downconversion.enable'],
    'Whether old fetch versions get records down-converted to their message format.', {
      importance: 'LOW',
      deprecated: 'removed in Kafka 4.0',
      inactive: true,
    }),
  topic('remote.storage.enable', 'BOOLEAN', 'false', [],
    'Whether tiered storage is enabled for the topic; true is refused, as Kafka does while remote.log.storage.system.enable is false.'),
  topic('local.retention.ms', 'LONG', '-2', ['log.local.retention.ms'],
    'Time in ms local segments are kept when tiered storage is on (-2: use retention.ms).', { validator: atLeast(-2), inactive: TIERED }),
  topic('local.retention.bytes', 'LONG', '-2', ['log.local.retention.bytes'],
    'Bytes of local segments kept when tiered storage is on (-2: use retention.bytes).', { validator: atLeast(-2), inactive: TIERED }),
  topic('remote.log.copy.disable', 'BOOLEAN', 'false', [], 'Whether tiered data of the topic becomes read-only.', { inactive: TIERED }),
  topic('remote.log.delete.on.disable', 'BOOLEAN', 'false', [],
    'Whether remote data is deleted when tiered storage is turned off for the topic.', { inactive: TIERED }),
] as const;

/** A topic config name. */
export type TopicConfigName = (typeof TOPIC_CONFIGS)[number]['name'];

/** Topic config names whose type is T. */
export type TopicConfigNameOfType<T extends ConfigType> = Extract<(typeof TOPIC_CONFIGS)[number], { type: T }>['name'];

/** Topic configs by name. */
export const TOPIC_CONFIG_KEYS: ReadonlyMap<string, TopicConfigKey> = new Map(TOPIC_CONFIGS.map((k) => [k.name, k]));
