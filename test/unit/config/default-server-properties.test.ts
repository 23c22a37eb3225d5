import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { DEFAULT_SERVER_PROPERTIES } from '../../../src/config/default-server-properties.ts';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';
import { parseProperties } from '../../../src/config/parse-properties.ts';

const read = (path: string): Record<string, string> =>
  parseProperties(readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8'));

test('config/server.properties holds exactly the built-in defaults', () => {
  assert.deepEqual(read('config/server.properties'), { ...DEFAULT_SERVER_PROPERTIES });
});

test('the built-in defaults describe a single combined node', () => {
  const config = KafkaConfig.fromProps(DEFAULT_SERVER_PROPERTIES);
  assert.equal(config.nodeId, 1);
  assert.equal(config.getShort('offsets.topic.replication.factor'), 1);
  assert.equal(config.getShort('transaction.state.log.replication.factor'), 1);
  assert.equal(config.getInt('transaction.state.log.min.isr'), 1);
  assert.equal(config.getInt('num.partitions'), 1);
});

test('the three cluster node files are valid and form one quorum on distinct loopback ports', () => {
  const configs = [1, 2, 3].map((i) => KafkaConfig.fromProps(read(`config/cluster/node-${i}.properties`)));
  const voters = configs.map((c) => JSON.stringify(c.quorumVoters));
  assert.equal(new Set(voters).size, 1);
  assert.deepEqual(configs[0].quorumVoters.map((v) => v.port), [19093, 29093, 39093]);
  configs.forEach((c, i) => {
    assert.equal(c.nodeId, i + 1);
    assert.deepEqual(c.listeners.map((e) => e.port), [(i + 1) * 10000 + 9092, (i + 1) * 10000 + 9093]);
    assert.equal(c.getInt('default.replication.factor'), 3);
    assert.equal(c.getShort('offsets.topic.replication.factor'), 3);
  });
  assert.equal(new Set(configs.map((c) => c.logDirs[0])).size, 3);
});
