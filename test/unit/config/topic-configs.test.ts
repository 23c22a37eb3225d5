import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BROKER_CONFIG_KEYS } from '../../../src/config/broker-configs.ts';
import { checkConfigValue } from '../../../src/config/config-def.ts';
import { TOPIC_CONFIG_KEYS, TOPIC_CONFIGS, type TopicConfigKey } from '../../../src/config/topic-configs.ts';

const keys = TOPIC_CONFIGS as readonly TopicConfigKey[];

test('every topic config of Kafka 3.9 is defined, once', () => {
  const names = [
    'cleanup.policy', 'compression.type', 'compression.gzip.level', 'compression.lz4.level', 'compression.zstd.level',
    'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms', 'follower.replication.throttled.replicas',
    'index.interval.bytes', 'leader.replication.throttled.replicas', 'local.retention.bytes', 'local.retention.ms',
    'max.compaction.lag.ms', 'max.message.bytes', 'message.downconversion.enable', 'message.format.version',
    'message.timestamp.type', 'message.timestamp.before.max.ms', 'message.timestamp.after.max.ms',
    'message.timestamp.difference.max.ms', 'min.cleanable.dirty.ratio', 'min.compaction.lag.ms', 'min.insync.replicas',
    'preallocate', 'remote.storage.enable', 'remote.log.copy.disable', 'remote.log.delete.on.disable', 'retention.bytes',
    'retention.ms', 'segment.bytes', 'segment.index.bytes', 'segment.jitter.ms', 'segment.ms',
    'unclean.leader.election.enable',
  ];
  assert.deepEqual([...TOPIC_CONFIG_KEYS.keys()].sort(), [...names].sort());
  assert.equal(TOPIC_CONFIG_KEYS.size, keys.length);
});

test('every topic default parses and passes its own validator', () => {
  for (const k of keys) {
    if (k.default === null) continue;
    assert.equal(checkConfigValue(k, k.default), null, `default of ${k.name}`);
  }
});

test('every broker synonym is a defined broker config of a compatible type', () => {
  for (const k of keys) {
    for (const s of k.serverSynonyms) {
      const broker = BROKER_CONFIG_KEYS.get(s.name);
      assert.ok(broker, `${s.name} (synonym of ${k.name})`);
      if (s.unit === undefined) assert.ok(broker.type === k.type || (broker.type === 'INT' && k.type === 'LONG'), s.name);
    }
  }
});

test('broker synonyms come in Kafka\'s precedence order', () => {
  const synonyms = (n: string): string[] => (TOPIC_CONFIG_KEYS.get(n)?.serverSynonyms ?? []).map((s) => s.name);
  assert.deepEqual(synonyms('retention.ms'), ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']);
  assert.deepEqual(synonyms('segment.ms'), ['log.roll.ms', 'log.roll.hours']);
  assert.deepEqual(synonyms('segment.jitter.ms'), ['log.roll.jitter.ms', 'log.roll.jitter.hours']);
  assert.deepEqual(synonyms('flush.ms'), ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms']);
  assert.deepEqual(synonyms('segment.bytes'), ['log.segment.bytes']);
  assert.deepEqual(synonyms('max.message.bytes'), ['message.max.bytes']);
  assert.deepEqual(synonyms('cleanup.policy'), ['log.cleanup.policy']);
  assert.deepEqual(synonyms('compression.type'), ['compression.type']);
  assert.deepEqual(synonyms('message.timestamp.type'), ['log.message.timestamp.type']);
  assert.deepEqual(synonyms('min.insync.replicas'), ['min.insync.replicas']);
  assert.deepEqual(synonyms('min.cleanable.dirty.ratio'), ['log.cleaner.min.cleanable.ratio']);
  assert.deepEqual(synonyms('file.delete.delay.ms'), ['log.segment.delete.delay.ms']);
  assert.deepEqual(synonyms('segment.index.bytes'), ['log.index.size.max.bytes']);
  assert.deepEqual(synonyms('remote.storage.enable'), []);
});

test('topic defaults equal the defaults of their primary broker synonym', () => {
  for (const k of keys) {
    const primary = k.serverSynonyms[0];
    if (primary === undefined) continue;
    const broker = BROKER_CONFIG_KEYS.get(primary.name);
    if (broker?.default === null) continue; // e.g. log.retention.ms: the value comes from a later synonym
    assert.equal(broker?.default, k.default, k.name);
  }
});
