import assert from 'node:assert/strict';
import { test } from 'node:test';

import { LONG_MAX_VALUE } from '../../../src/config/config-def.ts';
import { ConfigException } from '../../../src/config/config-exception.ts';
import { DEFAULT_SERVER_PROPERTIES } from '../../../src/config/default-server-properties.ts';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';
import { LogConfig } from '../../../src/config/log-config.ts';
import { toLogConfigValues } from '../../../src/config/to-log-config-values.ts';
import { validateTopicConfig } from '../../../src/config/validate-topic-config.ts';

const broker = (extra: Record<string, string> = {}, dynamic = {}): KafkaConfig =>
  KafkaConfig.fromProps({ ...DEFAULT_SERVER_PROPERTIES, ...extra }, dynamic);

test('without overrides every value is the broker default or the topic default', () => {
  const config = LogConfig.fromProps({}, broker());
  assert.equal(config.getLong('retention.ms'), 604_800_000);
  assert.equal(config.getInt('segment.bytes'), 1_073_741_824);
  assert.deepEqual(config.getList('cleanup.policy'), ['delete']);
  assert.equal(config.getString('compression.type'), 'producer');
  assert.equal(config.getLong('flush.ms'), LONG_MAX_VALUE);
  assert.equal(config.valueString('flush.ms'), '9223372036854775807');
  assert.equal(config.source('segment.bytes'), 'DEFAULT_CONFIG');
  assert.equal(config.source('remote.storage.enable'), 'DEFAULT_CONFIG');
});

test('topic overrides beat broker synonyms, which beat topic defaults', () => {
  const config = LogConfig.fromProps(
    { 'segment.bytes': '1048576', 'cleanup.policy': 'compact, delete' },
    broker({ 'log.segment.bytes': '2097152', 'log.retention.hours': '2', 'message.max.bytes': '2000000' }),
  );
  assert.equal(config.getInt('segment.bytes'), 1_048_576);
  assert.equal(config.source('segment.bytes'), 'TOPIC_CONFIG');
  assert.equal(config.valueString('cleanup.policy'), 'compact,delete');
  assert.equal(config.getLong('retention.ms'), 7_200_000);
  assert.equal(config.getInt('max.message.bytes'), 2_000_000);
  assert.equal(config.source('max.message.bytes'), 'STATIC_BROKER_CONFIG');
});

test('retention.ms takes log.retention.ms, then minutes, then hours, converted to ms', () => {
  const ms = (extra: Record<string, string>): number => LogConfig.fromProps({}, broker(extra)).getLong('retention.ms');
  assert.equal(ms({ 'log.retention.hours': '3' }), 10_800_000);
  assert.equal(ms({ 'log.retention.hours': '3', 'log.retention.minutes': '5' }), 300_000);
  assert.equal(ms({ 'log.retention.hours': '3', 'log.retention.minutes': '5', 'log.retention.ms': '42' }), 42);
  assert.equal(ms({ 'log.retention.ms': '-5' }), -1);
  assert.equal(LogConfig.fromProps({}, broker({ 'log.roll.hours': '1' })).getLong('segment.ms'), 3_600_000);
  assert.equal(LogConfig.fromProps({}, broker({ 'log.flush.scheduler.interval.ms': '1000' })).getLong('flush.ms'), 1000);
});

test('synonyms and sources are what DescribeConfigs reports', () => {
  const brokerConfig = broker(
    { 'log.retention.hours': '24', 'log.segment.bytes': '2097152' },
    { clusterDefault: { 'log.retention.ms': '3600000' } },
  );
  const config = LogConfig.fromProps({ 'segment.bytes': '1048576' }, brokerConfig);
  const segment = config.entry('segment.bytes');
  assert.deepEqual(segment, {
    name: 'segment.bytes',
    value: '1048576',
    source: 'TOPIC_CONFIG',
    sourceId: 1,
    readOnly: false,
    sensitive: false,
    synonyms: [
      { name: 'segment.bytes', value: '1048576', source: 'TOPIC_CONFIG' },
      { name: 'log.segment.bytes', value: '2097152', source: 'STATIC_BROKER_CONFIG' },
      { name: 'log.segment.bytes', value: '1073741824', source: 'DEFAULT_CONFIG' },
    ],
    configType: 3,
    documentation: segment.documentation,
  });
  const retention = config.entry('retention.ms');
  assert.equal(retention.value, '3600000');
  assert.equal(retention.source, 'DYNAMIC_DEFAULT_BROKER_CONFIG');
  assert.deepEqual(retention.synonyms.map((s) => `${s.source}:${s.name}=${s.value}`), [
    'DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000',
    'STATIC_BROKER_CONFIG:log.retention.hours=24',
    'DEFAULT_CONFIG:log.retention.hours=168',
  ]);
  // As in Kafka: when log.retention.ms itself is unset, a value coming from log.retention.hours is reported
  // without synonyms and as DEFAULT_CONFIG.
  const fromHours = LogConfig.fromProps({}, broker({ 'log.retention.hours': '24' })).entry('retention.ms');
  assert.deepEqual([fromHours.value, fromHours.source, fromHours.synonyms], ['86400000', 'DEFAULT_CONFIG', []]);
  assert.equal(config.entry('min.cleanable.dirty.ratio').configType, 6);
});

test('describe() lists every topic config, or the requested ones, sorted', () => {
  const config = LogConfig.fromProps({});
  assert.equal(config.describe().length, 36);
  assert.deepEqual(config.describe(['retention.ms', 'cleanup.policy', 'nope']).map((e) => e.name), ['cleanup.policy', 'retention.ms']);
});

test('unknown names and bad values are INVALID_CONFIG errors', () => {
  assert.equal(validateTopicConfig('retention.ms', '1000'), null);
  assert.equal(validateTopicConfig('retention.mss', '1'), "Unknown topic config name: retention.mss. Did you mean 'retention.ms'?");
  assert.equal(validateTopicConfig('log.retention.ms', '1'), 'Unknown topic config name: log.retention.ms (a broker config; the topic config is retention.ms)');
  assert.equal(validateTopicConfig('retention.ms', '-2'), 'Invalid value -2 for configuration retention.ms: Value must be at least -1');
  assert.equal(validateTopicConfig('cleanup.policy', 'compact,forever'), 'Invalid value compact,forever for configuration cleanup.policy: String must be one of: compact, delete');
  assert.equal(validateTopicConfig('min.cleanable.dirty.ratio', '1.5'), 'Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1');
  assert.equal(validateTopicConfig('compression.gzip.level', '0'), 'Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1');
  assert.equal(validateTopicConfig('leader.replication.throttled.replicas', '0:1,1:2'), null);
  assert.equal(validateTopicConfig('leader.replication.throttled.replicas', '*'), null);
  assert.notEqual(validateTopicConfig('leader.replication.throttled.replicas', 'all'), null);
  assert.throws(() => LogConfig.fromProps({ 'segment.bytes': '10' }), ConfigException);
});

test('cross-field rules: compaction lags and remote storage', () => {
  assert.deepEqual(LogConfig.validate({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' }), [
    'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)',
  ]);
  assert.match(LogConfig.validate({ 'remote.storage.enable': 'true' })[0], /Tiered Storage functionality is disabled/);
  assert.deepEqual(LogConfig.validate(new Map([['retention.ms', '1000']])), []);
});

test('toLogConfigValues gives the storage layer its camelCase numbers', () => {
  const values = toLogConfigValues(
    LogConfig.fromProps(
      {
        'segment.bytes': '1048576',
        'cleanup.policy': 'compact,delete',
        'message.timestamp.type': 'LogAppendTime',
        'message.timestamp.difference.max.ms': '5000',
        'message.timestamp.after.max.ms': '100',
        'local.retention.ms': '-2',
        'compression.type': 'zstd',
      },
      broker({ 'log.retention.hours': '1' }),
    ),
  );
  assert.equal(values.segmentBytes, 1_048_576);
  assert.equal(values.segmentMs, 604_800_000);
  assert.equal(values.segmentIndexBytes, 10_485_760);
  assert.equal(values.indexIntervalBytes, 4096);
  assert.equal(values.retentionMs, 3_600_000);
  assert.equal(values.retentionBytes, -1);
  assert.deepEqual(values.cleanupPolicy, ['compact', 'delete']);
  assert.equal(values.compact && values.delete, true);
  assert.equal(values.deleteRetentionMs, 86_400_000);
  assert.equal(values.minCleanableDirtyRatio, 0.5);
  assert.equal(values.maxCompactionLagMs, LONG_MAX_VALUE);
  assert.equal(values.flushMessages, LONG_MAX_VALUE);
  assert.equal(values.fileDeleteDelayMs, 60_000);
  assert.equal(values.messageTimestampType, 'LogAppendTime');
  assert.equal(values.messageTimestampBeforeMaxMs, 5000, 'falls back to the deprecated difference.max.ms');
  assert.equal(values.messageTimestampAfterMaxMs, 100);
  assert.equal(values.maxMessageBytes, 1_048_588);
  assert.equal(values.compressionType, 'zstd');
  assert.equal(values.compressionZstdLevel, 3);
  assert.equal(values.minInsyncReplicas, 1);
  assert.equal(values.localRetentionMs, 3_600_000, '-2 means the retention time');
});
