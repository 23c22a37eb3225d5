// ElectLeaders (preferred and unclean) and auto.leader.rebalance.enable's periodic preferred election through
// QuorumController on an in-memory quorum (Kafka's ReplicationControlManagerTest and QuorumControllerTest cases,
// in our words).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { activeCluster, heartbeat, rejectsWith, settle } from './controller-test-kit.ts';
import type { ControllerKitOptions } from './controller-test-kit.ts';

/**
 * Brokers 1-3, topic `t` with partitions on [1, 2] and [2, 1]; broker 1 was fenced and came back: broker 2 leads
 * both partitions and 1 is out of their ISRs until `rejoin` (AlterPartition from the leader).
 */
async function clusterAfterBounce(options: ControllerKitOptions = {}) {
  const cluster = await activeCluster([1, 2, 3], options);
  const { quorum, controller, epochs } = cluster;
  await controller.createTopics([{ name: 't', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }, { partitionIndex: 1, brokerIds: [2, 1] }], configs: [] }], false);
  await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset, { wantFence: true }), Infinity);
  await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset), Infinity);
  const topic = () => quorum.image.topicsByName.get('t')!;
  const rejoin = async (partitionIndex: number) => {
    const p = topic().partitions.get(partitionIndex)!;
    await controller.alterPartition({
      brokerId: p.leader,
      brokerEpoch: epochs.get(p.leader)!,
      topics: [{ topicId: topic().id, topicName: 't', partitions: [{ partitionIndex, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, leaderRecoveryState: 0, newIsr: [], newIsrWithEpochs: [...p.isr, 1].map((brokerId) => ({ brokerId, brokerEpoch: epochs.get(brokerId)! })) }] }],
    }, 3);
  };
  return { ...cluster, topic, rejoin };
}

const preferred = (partitions: number[]) => ({ electionType: 0, topicPartitions: [{ topic: 't', partitions }], timeoutMs: 60_000 });

test('preferred election: the first replica leads again once it is back in the ISR, with a new leader epoch', async () => {
  const { controller, topic, rejoin } = await clusterAfterBounce();
  assert.deepEqual([...topic().partitions.values()].map((p) => [p.leader, [...p.isr]]), [[2, [2]], [2, [2]]]);
  const notYet = await controller.electLeaders(preferred([0, 1]));
  assert.deepEqual(notYet.replicaElectionResults, [{ topic: 't', partitionResult: [
    { partitionId: 0, errorCode: Errors.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: 'The preferred leader was not available.' },
    { partitionId: 1, errorCode: Errors.ELECTION_NOT_NEEDED, errorMessage: 'Leader election not needed for topic partition.' },
  ] }]);
  await rejoin(0);
  const epochBefore = topic().partitions.get(0)!.leaderEpoch;
  const elected = await controller.electLeaders(preferred([0]));
  assert.deepEqual(elected, { throttleTimeMs: 0, errorCode: Errors.NONE, replicaElectionResults: [{ topic: 't', partitionResult: [{ partitionId: 0, errorCode: Errors.NONE, errorMessage: null }] }] });
  const p = topic().partitions.get(0)!;
  assert.deepEqual([p.leader, [...p.isr], p.leaderEpoch], [1, [2, 1], epochBefore + 1]);
  const again = await controller.electLeaders(preferred([0]));
  assert.equal(again.replicaElectionResults![0]!.partitionResult![0]!.errorCode, Errors.ELECTION_NOT_NEEDED);
});

test('ElectLeaders for all partitions lists only those that needed an election; unknown topics and partitions; bad requests', async () => {
  const { controller, rejoin } = await clusterAfterBounce();
  await rejoin(0);
  const all = await controller.electLeaders({ electionType: 0, topicPartitions: null, timeoutMs: 60_000 });
  assert.deepEqual(all.replicaElectionResults, [{ topic: 't', partitionResult: [{ partitionId: 0, errorCode: Errors.NONE, errorMessage: null }] }]);
  const unknown = await controller.electLeaders({ electionType: 0, topicPartitions: [{ topic: 'nope', partitions: [0] }, { topic: 't', partitions: [7] }], timeoutMs: 60_000 });
  assert.deepEqual(unknown.replicaElectionResults!.map((t) => t.partitionResult![0]!.errorCode), [Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.UNKNOWN_TOPIC_OR_PARTITION]);
  await rejectsWith(controller.electLeaders({ electionType: 2, topicPartitions: null, timeoutMs: 60_000 }), Errors.INVALID_REQUEST, /Unknown election type 2/);
  assert.deepEqual(await controller.electLeaders({ electionType: 0, topicPartitions: [], timeoutMs: 60_000 }), { throttleTimeMs: 0, errorCode: Errors.NONE, replicaElectionResults: [] });
});

test('unclean election: a leaderless partition gets an out-of-sync active replica (RECOVERING) whatever the topic config says', async () => {
  const { quorum, controller, epochs } = await activeCluster([1, 2]);
  await controller.createTopics([{ name: 'u', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs: [] }], false);
  const unclean = { electionType: 1, topicPartitions: [{ topic: 'u', partitions: [0] }], timeoutMs: 60_000 };
  const code = async () => (await controller.electLeaders(unclean)).replicaElectionResults![0]!.partitionResult![0]!.errorCode;
  assert.equal(await code(), Errors.ELECTION_NOT_NEEDED, 'the partition has a leader');
  // Broker 2 leaves the ISR, then broker 1 (the last ISR member) is fenced: no leader, and no active replica.
  await controller.processBrokerHeartbeat(heartbeat(2, epochs.get(2)!, quorum.image.offset, { wantFence: true }), Infinity);
  await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset, { wantFence: true }), Infinity);
  assert.equal(await code(), Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE);
  // Broker 2 is back but out of sync: only an unclean election makes it leader.
  await controller.processBrokerHeartbeat(heartbeat(2, epochs.get(2)!, quorum.image.offset), Infinity);
  assert.equal(quorum.image.topicsByName.get('u')!.partitions.get(0)!.leader, -1);
  const before = quorum.image.topicsByName.get('u')!.partitions.get(0)!;
  assert.equal(await code(), Errors.NONE);
  const p = quorum.image.topicsByName.get('u')!.partitions.get(0)!;
  assert.deepEqual([p.leader, [...p.isr], p.leaderRecoveryState, p.leaderEpoch], [2, [2], 1, before.leaderEpoch + 1]);
});

test('auto.leader.rebalance.enable: every leader.imbalance.check.interval the preferred replicas get their leadership back', async () => {
  // An interval within the session timeout (9 s), so that the brokers need not heartbeat in between.
  const { controller, time, topic, rejoin } = await clusterAfterBounce({ leaderImbalanceCheckIntervalMs: 4_000 });
  await rejoin(0);
  assert.equal(topic().partitions.get(0)!.leader, 2);
  time.sleep(3_000);
  controller.poll();
  await settle();
  assert.equal(topic().partitions.get(0)!.leader, 2, 'not before the interval');
  time.sleep(1_000);
  assert.ok(controller.nextPollDeadlineMs <= time.hiResClockMs());
  controller.poll();
  await settle();
  assert.equal(topic().partitions.get(0)!.leader, 1);
  assert.equal(topic().partitions.get(1)!.leader, 2, 'already led by its preferred replica');

  const disabled = await clusterAfterBounce({ leaderImbalanceCheckIntervalMs: null });
  await disabled.rejoin(0);
  disabled.time.sleep(8_000);
  disabled.controller.poll();
  await settle();
  assert.equal(disabled.topic().partitions.get(0)!.leader, 2, 'no rebalance when disabled');
});
