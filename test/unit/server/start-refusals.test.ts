import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DEFAULT_SERVER_PROPERTIES } from '../../../src/config/default-server-properties.ts';
import { KafkaConfig } from '../../../src/config/kafka-config.ts';
import { startRefusals } from '../../../src/server/start-refusals.ts';

const withProps = (extra: Record<string, string>): KafkaConfig => KafkaConfig.fromProps({ ...DEFAULT_SERVER_PROPERTIES, ...extra });

test('a single node, broker and controller and sole voter, may start', () => {
  assert.deepEqual(startRefusals(withProps({})), []);
});

test('the dynamic quorum is refused with the static voter to set instead', () => {
  assert.deepEqual(startRefusals(withProps({ 'controller.quorum.voters': '', 'controller.quorum.bootstrap.servers': 'localhost:9093' })), [
    'controller.quorum.voters is empty: the dynamic controller quorum (KIP-853, controller.quorum.bootstrap.servers and kafka-storage ' +
      'format --standalone) is not supported yet; set a static quorum in controller.quorum.voters (for this node alone: controller.quorum.voters=1@localhost:9093)',
  ]);
});

test('combined, broker-only and controller-only nodes of a static quorum may start', () => {
  assert.deepEqual(startRefusals(withProps({ 'controller.quorum.voters': '1@localhost:9093,2@localhost:9094,3@localhost:9095' })), []);
  const brokerOnly = withProps({ 'process.roles': 'broker', 'node.id': '2', 'controller.quorum.voters': '1@localhost:9093', listeners: 'PLAINTEXT://:9092' });
  assert.deepEqual(startRefusals(brokerOnly), []);
  const controllerOnly = withProps({ 'process.roles': 'controller', listeners: 'CONTROLLER://:9093', 'advertised.listeners': 'CONTROLLER://localhost:9093' });
  assert.deepEqual(startRefusals(controllerOnly), []);
});
