// AlterPartition on the controller through QuorumController on an in-memory quorum: ISR shrink and expansion with
// the partition epoch, Kafka's checks in Kafka's order with its error codes per version, KIP-841/KIP-903
// eligibility, and leader recovery after an unclean election (Kafka's ReplicationControlManagerTest cases, in our
// words).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { AlterPartitionRequest, PartitionData } from '../../../src/protocol/generated/messages/alter-partition-request.ts';
import type { QuorumController } from '../../../src/controller/quorum-controller.ts';
import type { PartitionRegistration } from '../../../src/metadata/partition-registration.ts';
import { activeCluster, heartbeat, recordsSince, rejectsWith } from './controller-test-kit.ts';

/** One partition's AlterPartition request of `brokerId`; v0-2 carry `newIsr`, v3 `newIsrWithEpochs`. */
function request(
  brokerId: number,
  brokerEpoch: bigint,
  topic: { id: string; name: string },
  partition: Partial<PartitionData> & { isr: { id: number; epoch?: bigint }[] },
): AlterPartitionRequest {
  const { isr, ...rest } = partition;
  return {
    brokerId,
    brokerEpoch,
    topics: [{
      topicId: topic.id,
      topicName: topic.name,
      partitions: [{
        partitionIndex: 0,
        leaderEpoch: 0,
        partitionEpoch: 0,
        leaderRecoveryState: 0,
        newIsr: isr.map((b) => b.id),
        newIsrWithEpochs: isr.map((b) => ({ brokerId: b.id, brokerEpoch: b.epoch ?? -1n })),
        ...rest,
      }],
    }],
  };
}

/** A 3-broker cluster with topic `t` of one partition on replicas [1, 2, 3] (leader 1, ISR [1, 2, 3]). */
async function clusterWithTopic(options: { uncleanLeaderElectionEnable?: boolean } = {}) {
  const cluster = await activeCluster([1, 2, 3], options);
  await cluster.controller.createTopics([{ name: 't', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }], configs: [] }], false);
  const topic = cluster.quorum.image.topicsByName.get('t')!;
  const partition = (): PartitionRegistration => cluster.quorum.image.topicsByName.get('t')!.partitions.get(0)!;
  const isr = (...ids: number[]) => ids.map((id) => ({ id, epoch: cluster.epochs.get(id)! }));
  return { ...cluster, topic: { id: topic.id, name: topic.name }, partition, isr };
}

async function partitionError(controller: QuorumController, req: AlterPartitionRequest, version: number): Promise<number> {
  const response = await controller.alterPartition(req, version);
  assert.equal(response.errorCode, Errors.NONE);
  return response.topics![0]!.partitions![0]!.errorCode!;
}

test('a leader shrinks and then expands its ISR: each change is a PartitionChangeRecord that bumps the partition epoch, answered with the committed state', async () => {
  const { quorum, controller, epochs, topic, partition, isr } = await clusterWithTopic();
  assert.equal(partition().leader, 1);
  const before = quorum.image.offset + 1n;
  const shrunk = await controller.alterPartition(request(1, epochs.get(1)!, topic, { isr: isr(1, 3) }), 3);
  assert.deepEqual(shrunk, {
    throttleTimeMs: 0,
    errorCode: Errors.NONE,
    topics: [{ topicId: topic.id, partitions: [{ partitionIndex: 0, errorCode: Errors.NONE, leaderId: 1, leaderEpoch: 0, isr: [1, 3], leaderRecoveryState: 0, partitionEpoch: 1 }] }],
  });
  const records = recordsSince(quorum, before);
  assert.equal(records.length, 1);
  assert.equal(records[0]!.type, 'PartitionChangeRecord');
  assert.deepEqual(records[0]!.data.isr, [1, 3]);
  assert.equal(records[0]!.data.leader, -2, 'metadata.version 3.9 does not bump the leader epoch on a shrink');
  assert.deepEqual([...partition().isr], [1, 3]);
  assert.equal(partition().partitionEpoch, 1);

  const expanded = await controller.alterPartition(request(1, epochs.get(1)!, topic, { partitionEpoch: 1, isr: isr(1, 3, 2) }), 3);
  assert.deepEqual(expanded.topics![0]!.partitions![0], { partitionIndex: 0, errorCode: Errors.NONE, leaderId: 1, leaderEpoch: 0, isr: [1, 3, 2], leaderRecoveryState: 0, partitionEpoch: 2 });
  assert.deepEqual([...partition().isr], [1, 3, 2]);

  // The same ISR again writes nothing and answers the current state.
  const offset = quorum.image.offset;
  const same = await controller.alterPartition(request(1, epochs.get(1)!, topic, { partitionEpoch: 2, isr: isr(1, 3, 2) }), 3);
  assert.equal(same.topics![0]!.partitions![0]!.partitionEpoch, 2);
  assert.equal(quorum.image.offset, offset);
});

test('checks in Kafka\'s order: stale broker epoch, newer epochs, fenced leader epoch, not the leader, stale partition epoch, invalid ISRs', async () => {
  const { quorum, controller, epochs, topic, isr } = await clusterWithTopic();
  await controller.alterPartition(request(1, epochs.get(1)!, topic, { isr: isr(1, 2) }), 3);
  const offset = quorum.image.offset;
  // The whole request: the sender's broker epoch.
  await rejectsWith(controller.alterPartition(request(1, epochs.get(1)! + 1n, topic, { partitionEpoch: 1, isr: isr(1) }), 3), Errors.STALE_BROKER_EPOCH);
  await rejectsWith(controller.alterPartition(request(9, 0n, topic, { partitionEpoch: 1, isr: isr(1) }), 3), Errors.STALE_BROKER_EPOCH);
  const e1 = epochs.get(1)!;
  const cases: [string, number, AlterPartitionRequest][] = [
    ['newer leader epoch', Errors.NOT_CONTROLLER, request(1, e1, topic, { leaderEpoch: 1, partitionEpoch: 1, isr: isr(1) })],
    ['newer partition epoch', Errors.NOT_CONTROLLER, request(1, e1, topic, { partitionEpoch: 2, isr: isr(1) })],
    ['older leader epoch', Errors.FENCED_LEADER_EPOCH, request(1, e1, topic, { leaderEpoch: -1, partitionEpoch: 0, isr: isr(1) })],
    ['a follower', Errors.INVALID_REQUEST, request(2, epochs.get(2)!, topic, { partitionEpoch: 1, isr: isr(2) })],
    ['older partition epoch', Errors.INVALID_UPDATE_VERSION, request(1, e1, topic, { partitionEpoch: 0, isr: isr(1) })],
    ['a member that is no replica', Errors.INVALID_REQUEST, request(1, e1, topic, { partitionEpoch: 1, isr: [{ id: 1 }, { id: 4 }] })],
    ['a member twice', Errors.INVALID_REQUEST, request(1, e1, topic, { partitionEpoch: 1, isr: isr(1, 2, 2) })],
    ['an ISR without the leader', Errors.INVALID_REQUEST, request(1, e1, topic, { partitionEpoch: 1, isr: isr(2, 3) })],
    ['an empty ISR', Errors.INVALID_REQUEST, request(1, e1, topic, { partitionEpoch: 1, isr: [] })],
    ['an unknown leader recovery state', Errors.INVALID_REQUEST, request(1, e1, topic, { partitionEpoch: 1, leaderRecoveryState: 7, isr: isr(1) })],
    ['RECOVERED to RECOVERING', Errors.INVALID_REQUEST, request(1, e1, topic, { partitionEpoch: 1, leaderRecoveryState: 1, isr: isr(1) })],
    ['RECOVERING with more than the leader', Errors.INVALID_REQUEST, request(1, e1, topic, { partitionEpoch: 1, leaderRecoveryState: 1, isr: isr(1, 2) })],
    ['an unknown partition', Errors.UNKNOWN_TOPIC_OR_PARTITION, request(1, e1, topic, { partitionIndex: 5, isr: isr(1) })],
    ['an unknown topic id', Errors.UNKNOWN_TOPIC_ID, request(1, e1, { id: 'AAAAAAAAAAAAAAAAAAAAAA', name: 't' }, { partitionEpoch: 1, isr: isr(1) })],
  ];
  for (const [what, code, req] of cases) assert.equal(await partitionError(controller, req, 3), code, what);
  assert.equal(quorum.image.offset, offset, 'no rejected request wrote anything');
  // v0-1 find topics by name.
  assert.equal(await partitionError(controller, request(1, e1, { id: '', name: 'nope' }, { partitionEpoch: 1, isr: isr(1) }), 1), Errors.UNKNOWN_TOPIC_OR_PARTITION);
  const byName = await controller.alterPartition(request(1, e1, { id: '', name: 't' }, { partitionEpoch: 1, isr: isr(1) }), 1);
  assert.deepEqual(byName.topics, [{ topicName: 't', partitions: [{ partitionIndex: 0, errorCode: Errors.NONE, leaderId: 1, leaderEpoch: 0, isr: [1], leaderRecoveryState: 0, partitionEpoch: 2 }] }]);
  // No topics: answered at once, as Kafka's.
  assert.deepEqual(await controller.alterPartition({ brokerId: 9, brokerEpoch: 0n, topics: [] }, 3), { throttleTimeMs: 0, errorCode: Errors.NONE, topics: [] });
});

test('INELIGIBLE_REPLICA for a new member that is fenced, shutting down, unregistered or (v3) of another broker epoch; OPERATION_NOT_ATTEMPTED before v2', async () => {
  const { quorum, controller, epochs, topic, partition, isr } = await clusterWithTopic();
  await controller.alterPartition(request(1, epochs.get(1)!, topic, { isr: isr(1) }), 3);
  const e1 = epochs.get(1)!;
  // v3: a broker epoch other than the registered one (the replica that caught up was another incarnation).
  assert.equal(await partitionError(controller, request(1, e1, topic, { partitionEpoch: 1, isr: [{ id: 1, epoch: e1 }, { id: 2, epoch: epochs.get(2)! - 1n }] }), 3), Errors.INELIGIBLE_REPLICA);
  // v2 carries no broker epochs: no such check.
  const v2 = await controller.alterPartition(request(1, e1, topic, { partitionEpoch: 1, isr: [{ id: 1 }, { id: 2 }] }), 2);
  assert.deepEqual(v2.topics![0]!.partitions![0]!.isr, [1, 2]);
  await controller.alterPartition(request(1, e1, topic, { partitionEpoch: 2, isr: isr(1) }), 3);

  await controller.processBrokerHeartbeat(heartbeat(2, epochs.get(2)!, quorum.image.offset, { wantFence: true }), Infinity);
  assert.equal(quorum.image.brokers.get(2)!.fenced, true);
  const pe = partition().partitionEpoch;
  for (const [version, code] of [[3, Errors.INELIGIBLE_REPLICA], [2, Errors.INELIGIBLE_REPLICA], [1, Errors.OPERATION_NOT_ATTEMPTED], [0, Errors.OPERATION_NOT_ATTEMPTED]] as const) {
    assert.equal(await partitionError(controller, request(1, e1, topic, { partitionEpoch: pe, isr: isr(1, 2) }), version), code, `fenced, v${version}`);
  }
  // Broker 3 leads nothing of `t` but another topic's partition, so its controlled shutdown lasts.
  await controller.createTopics([{ name: 'led-by-3', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [3, 1] }], configs: [] }], false);
  await controller.processBrokerHeartbeat(heartbeat(3, epochs.get(3)!, quorum.image.offset, { wantShutDown: true }), Infinity);
  assert.equal(quorum.image.brokers.get(3)!.inControlledShutdown, true);
  assert.equal(await partitionError(controller, request(1, e1, topic, { partitionEpoch: pe, isr: isr(1, 3) }), 3), Errors.INELIGIBLE_REPLICA);
  await controller.unregisterBroker(2);
  assert.equal(await partitionError(controller, request(1, e1, topic, { partitionEpoch: partition().partitionEpoch, isr: [{ id: 1, epoch: e1 }, { id: 2 }] }), 3), Errors.INELIGIBLE_REPLICA);
});

test('a leader elected uncleanly (RECOVERING) reports its recovery: the record sets RECOVERED; only then may the ISR grow', async () => {
  const { quorum, controller, epochs, topic, partition } = await clusterWithTopic({ uncleanLeaderElectionEnable: true });
  // Brokers 2 and 3 leave the ISR (fenced), then the leader 1 too; broker 3 comes back: unclean election.
  for (const id of [2, 3, 1]) await controller.processBrokerHeartbeat(heartbeat(id, epochs.get(id)!, quorum.image.offset, { wantFence: true }), Infinity);
  await controller.processBrokerHeartbeat(heartbeat(3, epochs.get(3)!, quorum.image.offset), Infinity);
  const p = partition();
  assert.deepEqual([p.leader, [...p.isr], p.leaderRecoveryState], [3, [3], 1]);
  await controller.processBrokerHeartbeat(heartbeat(2, epochs.get(2)!, quorum.image.offset), Infinity);
  const e3 = epochs.get(3)!;
  const at = { leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch };
  assert.equal(await partitionError(controller, request(3, e3, topic, { ...at, leaderRecoveryState: 1, isr: [{ id: 3, epoch: e3 }, { id: 2, epoch: epochs.get(2)! }] }), 3), Errors.INVALID_REQUEST);
  const recovered = await controller.alterPartition(request(3, e3, topic, { ...at, leaderRecoveryState: 0, isr: [{ id: 3, epoch: e3 }] }), 3);
  assert.deepEqual(recovered.topics![0]!.partitions![0], { partitionIndex: 0, errorCode: Errors.NONE, leaderId: 3, leaderEpoch: p.leaderEpoch, isr: [3], leaderRecoveryState: 0, partitionEpoch: p.partitionEpoch + 1 });
  assert.equal(partition().leaderRecoveryState, 0);
  const grown = await controller.alterPartition(request(3, e3, topic, { leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch + 1, isr: [{ id: 3, epoch: e3 }, { id: 2, epoch: epochs.get(2)! }] }), 3);
  assert.deepEqual(grown.topics![0]!.partitions![0]!.isr, [3, 2]);
});

test('AlterPartition off the active controller is NOT_CONTROLLER', async () => {
  const { quorum, controller, epochs, topic, isr } = await clusterWithTopic();
  quorum.changeLeader(2, true);
  await rejectsWith(controller.alterPartition(request(1, epochs.get(1)!, topic, { isr: isr(1, 2) }), 3), Errors.NOT_CONTROLLER);
});
