// KIP-966 on the QuorumController: what a new cluster bootstraps, brokers fenced and re-registered (clean and unclean
// shutdowns) moving partitions through the ELR, and the min.insync.replicas rules (changes clear the ELR; no
// broker-level value, no removal of the cluster-wide one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { ConfigOperation } from '../../../src/controller/config-control-manager.ts';
import { ConfigResourceType, configResourceKey } from '../../../src/metadata/metadata-image.ts';
import { activeCluster, heartbeat, incarnation, registration } from './controller-test-kit.ts';

const TOPIC = 'elr';

async function clusterWithElr() {
  const cluster = await activeCluster([1, 2, 3], { minInsyncReplicas: 2 });
  const { controller, quorum, epochs } = cluster;
  const [created] = await controller.createTopics([{ name: TOPIC, numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }], configs: [] }], false);
  assert.equal(created!.errorCode, 0);
  const partition = () => quorum.image.topicsByName.get(TOPIC)!.partitions.get(0)!;
  const state = () => [partition().leader, [...partition().isr], [...partition().elr], [...partition().lastKnownElr]];
  const fence = (id: number) => controller.processBrokerHeartbeat(heartbeat(id, epochs.get(id)!, quorum.image.offset, { wantFence: true }), Infinity);
  return { ...cluster, partition, state, fence };
}

test('a new cluster gets metadata.version 4.1-IV0, eligible.leader.replicas.version 1 and the cluster-wide min.insync.replicas', async () => {
  const { quorum } = await activeCluster([1], { minInsyncReplicas: 2 });
  assert.deepEqual(Object.fromEntries(quorum.image.features), { 'metadata.version': 26, 'eligible.leader.replicas.version': 1 });
  assert.equal(quorum.image.configs.get(configResourceKey(ConfigResourceType.BROKER, ''))?.get('min.insync.replicas'), '2');
  const old = await activeCluster([1], { bootstrapMetadataVersion: 21 });
  assert.deepEqual(Object.fromEntries(old.quorum.image.features), { 'metadata.version': 21 }, 'an older release: no ELR');
});

test('brokers fenced one by one leave the ISR for the ELR; the last one back leads; a clean restart keeps ELR membership', async () => {
  const { controller, quorum, epochs, state, fence, time } = await clusterWithElr();
  await fence(3);
  await fence(2);
  await fence(1);
  assert.deepEqual(state(), [-1, [], [1, 2], [1]]);
  time.sleep(10_000);
  // Broker 2 restarts after a clean shutdown: it names its previous epoch and stays eligible.
  const epoch2 = await controller.registerBroker(registration(2, incarnation(20), { previousBrokerEpoch: epochs.get(2)! }), 3);
  assert.deepEqual(state(), [-1, [], [1, 2], [1]]);
  // Broker 1 restarts after kill -9: no previous epoch, so it leaves the ELR.
  await controller.registerBroker(registration(1, incarnation(10)), 3);
  assert.deepEqual(state(), [-1, [], [2], [1]]);
  await controller.processBrokerHeartbeat(heartbeat(2, epoch2, quorum.image.offset), Infinity);
  assert.deepEqual(state(), [2, [2], [], []], 'the ELR member that came back leads, cleanly');
  assert.equal(quorum.image.topicsByName.get(TOPIC)!.partitions.get(0)!.leaderRecoveryState, 0);
});

test('a min.insync.replicas change clears the ELRs it concerns; broker-level values and removing the cluster one are refused', async () => {
  const { controller, state, fence } = await clusterWithElr();
  await fence(3);
  await fence(2);
  assert.deepEqual(state(), [1, [1], [2], []]);
  const alter = (resourceType: number, resourceName: string, operation: number, value: string | null) =>
    controller.incrementalAlterConfigs([{ resourceType, resourceName, configs: [{ name: 'min.insync.replicas', operation, value }] }], false);
  const [broker] = await alter(ConfigResourceType.BROKER, '1', ConfigOperation.SET, '1');
  assert.deepEqual([broker!.errorCode, broker!.errorMessage], [Errors.INVALID_CONFIG, 'Broker-level min.insync.replicas cannot be altered while ELR is enabled.']);
  const [removal] = await alter(ConfigResourceType.BROKER, '', ConfigOperation.DELETE, null);
  assert.deepEqual([removal!.errorCode, removal!.errorMessage], [Errors.INVALID_CONFIG, 'Cluster-level min.insync.replicas cannot be removed while ELR is enabled.']);
  assert.deepEqual(state(), [1, [1], [2], []]);
  const [topic] = await alter(ConfigResourceType.TOPIC, TOPIC, ConfigOperation.SET, '3');
  assert.equal(topic!.errorCode, 0);
  assert.deepEqual(state(), [1, [1], [], []], 'the ELR chosen under min.insync.replicas 2 is cleared');
  const [cluster] = await alter(ConfigResourceType.BROKER, '', ConfigOperation.SET, '2');
  assert.equal(cluster!.errorCode, 0);
});
