// Partition reassignment (KIP-455) through QuorumController on an in-memory quorum: AlterPartitionReassignments
// writes the union with adding and removing replicas, the leader's AlterPartition that brings the adding replicas
// into the ISR completes it (a removed leader hands over, with a new leader epoch), a cancellation reverts,
// ListPartitionReassignments lists what runs, Kafka's error codes (Kafka's ReplicationControlManagerTest and
// PartitionReassignmentReplicasTest cases, in our words).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { mergePartitionChange, partitionFromRecord, type PartitionRegistration } from '../../../src/metadata/partition-registration.ts';
import { PartitionChangeBuilder } from '../../../src/controller/partition-change-builder.ts';
import { isReassignmentInProgress, maybeCompleteReassignment, reassignmentReplicas } from '../../../src/controller/reassignment-replicas.ts';
import { activeCluster, heartbeat, recordsSince } from './controller-test-kit.ts';

/** Brokers 1-4; topic `t`, one partition on [1, 2, 3] led by 1. */
async function cluster(options: { uncleanLeaderElectionEnable?: boolean } = {}) {
  const c = await activeCluster([1, 2, 3, 4], options);
  await c.controller.createTopics([{ name: 't', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2, 3] }], configs: [] }], false);
  const partition = (): PartitionRegistration => c.quorum.image.topicsByName.get('t')!.partitions.get(0)!;
  const topicId = c.quorum.image.topicsByName.get('t')!.id;
  /** The leader's AlterPartition for ISR `isr`, with the partition's current epochs; the partition's error code. */
  const alterIsr = async (isr: number[]): Promise<number> => {
    const p = partition();
    const response = await c.controller.alterPartition({
      brokerId: p.leader,
      brokerEpoch: c.epochs.get(p.leader)!,
      topics: [{ topicId, topicName: 't', partitions: [{ partitionIndex: 0, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, leaderRecoveryState: 0, newIsr: [], newIsrWithEpochs: isr.map((brokerId) => ({ brokerId, brokerEpoch: c.epochs.get(brokerId)! })) }] }],
    }, 3);
    return response.topics![0]!.partitions![0]!.errorCode!;
  };
  const reassign = async (replicas: number[] | null, partitionIndex = 0, name = 't') => {
    const response = await c.controller.alterPartitionReassignments({ timeoutMs: 60_000, topics: [{ name, partitions: [{ partitionIndex, replicas }] }] });
    assert.equal(response.errorCode, Errors.NONE);
    const r = response.responses![0]!.partitions![0]!;
    return { errorCode: r.errorCode, errorMessage: r.errorMessage };
  };
  const list = () => c.controller.listPartitionReassignments({ timeoutMs: 60_000, topics: null });
  const state = () => {
    const p = partition();
    return { replicas: [...p.replicas], isr: [...p.isr], adding: [...p.addingReplicas], removing: [...p.removingReplicas], leader: p.leader };
  };
  return { ...c, partition, alterIsr, reassign, list, state };
}

test('reassignment lists: replicas = target + removing, adding and removing ascending; completion once the adding replicas are in the ISR', () => {
  const r = reassignmentReplicas([1, 2, 3], [4, 3, 2]);
  assert.deepEqual(r, { replicas: [4, 3, 2, 1], adding: [4], removing: [1] });
  assert.equal(maybeCompleteReassignment(r, [1, 2, 3]), null, 'the adding replica is not in the ISR');
  assert.deepEqual(maybeCompleteReassignment(r, [1, 2, 3, 4]), { replicas: [4, 3, 2], isr: [2, 3, 4] });
  // Fewer replicas: complete only when every remaining replica is in the ISR.
  const shrink = reassignmentReplicas([1, 2, 3], [1, 2]);
  assert.equal(maybeCompleteReassignment(shrink, [1, 3]), null);
  assert.deepEqual(maybeCompleteReassignment(shrink, [1, 2, 3]), { replicas: [1, 2], isr: [1, 2] });
  assert.equal(maybeCompleteReassignment(reassignmentReplicas([1, 2], [1, 2]), [1, 2]), null, 'nothing to complete');
});

test('{1,2,3} -> {2,3,4}: the union is written with adding [4], removing [1]; the ISR expansion to 4 completes it, leader 1 hands over with a new leader epoch', async () => {
  const { quorum, reassign, list, state, alterIsr, partition } = await cluster();
  const before = quorum.image.offset + 1n;
  const epochs = { leader: partition().leaderEpoch, partition: partition().partitionEpoch };
  assert.deepEqual(await reassign([2, 3, 4]), { errorCode: Errors.NONE, errorMessage: null });
  const written = recordsSince(quorum, before);
  assert.equal(written.length, 1);
  assert.equal(written[0]!.type, 'PartitionChangeRecord');
  assert.deepEqual(state(), { replicas: [2, 3, 4, 1], isr: [1, 2, 3], adding: [4], removing: [1], leader: 1 });
  assert.equal(partition().leaderEpoch, epochs.leader, 'every replica is still in the union: no new leader epoch');
  assert.equal(partition().partitionEpoch, epochs.partition + 1);
  assert.deepEqual((await list()).topics, [{ name: 't', partitions: [{ partitionIndex: 0, replicas: [2, 3, 4, 1], addingReplicas: [4], removingReplicas: [1] }] }]);

  // The leader shrinks the ISR meanwhile: the reassignment runs on.
  assert.equal(await alterIsr([1, 2]), Errors.NONE);
  assert.deepEqual(state().adding, [4]);
  // Broker 4 caught up: the leader's expansion completes the reassignment; 1 is no longer a replica, 2 leads.
  const leaderEpoch = partition().leaderEpoch;
  assert.equal(await alterIsr([1, 2, 4]), Errors.NEW_LEADER_ELECTED);
  assert.deepEqual(state(), { replicas: [2, 3, 4], isr: [2, 4], adding: [], removing: [], leader: 2 });
  assert.equal(partition().leaderEpoch, leaderEpoch + 1);
  assert.deepEqual((await list()).topics, []);
  assert.equal(isReassignmentInProgress(partition()), false);
});

test('a reassignment that keeps the leader completes with NONE for the leader, whose epoch is bumped only when a replica leaves', async () => {
  const { reassign, state, alterIsr, partition } = await cluster();
  assert.equal((await reassign([1, 2, 3, 4])).errorCode, Errors.NONE);
  assert.deepEqual(state(), { replicas: [1, 2, 3, 4], isr: [1, 2, 3], adding: [4], removing: [], leader: 1 });
  const leaderEpoch = partition().leaderEpoch;
  assert.equal(await alterIsr([1, 2, 3, 4]), Errors.NONE);
  assert.deepEqual(state(), { replicas: [1, 2, 3, 4], isr: [1, 2, 3, 4], adding: [], removing: [], leader: 1 });
  assert.equal(partition().leaderEpoch, leaderEpoch, 'no replica left');
  // Shrinking to [1, 2] completes at once: 1 and 2 are in the ISR.
  assert.equal((await reassign([1, 2])).errorCode, Errors.NONE);
  assert.deepEqual(state(), { replicas: [1, 2], isr: [1, 2], adding: [], removing: [], leader: 1 });
  assert.equal(partition().leaderEpoch, leaderEpoch + 1);
});

test('cancellation reverts to the original replicas and drops the adding replicas from the ISR; a second one is NO_REASSIGNMENT_IN_PROGRESS', async () => {
  const { reassign, state, alterIsr, list } = await cluster();
  await reassign([2, 3, 4]);
  assert.deepEqual(state().adding, [4]);
  assert.deepEqual(await reassign(null), { errorCode: Errors.NONE, errorMessage: null });
  // As Kafka's PartitionReassignmentRevert: the union without the adding replicas (the original order is not kept).
  assert.deepEqual(state(), { replicas: [2, 3, 1], isr: [1, 2, 3], adding: [], removing: [], leader: 1 });
  assert.deepEqual((await list()).topics, []);
  assert.deepEqual(await reassign(null), { errorCode: Errors.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: 'No partition reassignment is in progress.' });
  // Once 4 joined the ISR of a running reassignment that keeps 1, the cancellation takes it out again.
  await reassign([1, 2, 3, 4, 5].filter((b) => b !== 5));
  assert.deepEqual(state(), { replicas: [1, 2, 3, 4], isr: [1, 2, 3], adding: [4], removing: [], leader: 1 });
  await reassign(null);
  assert.deepEqual(state(), { replicas: [1, 2, 3], isr: [1, 2, 3], adding: [], removing: [], leader: 1 });
});

test('a cancellation whose revert leaves no in-sync replica needs unclean.leader.election.enable', async () => {
  for (const unclean of [false, true]) {
    const { reassign, state, alterIsr, controller, quorum, epochs } = await cluster({ uncleanLeaderElectionEnable: unclean });
    await reassign([4, 2]);
    // 4 catches up while 2 and 3 fall behind, then leader 1 is fenced: 4 alone is in sync.
    assert.equal(await alterIsr([1, 4]), Errors.NONE);
    assert.deepEqual(state().adding, [4], 'more leave than join: 2, which stays, is not in the ISR');
    await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset, { wantFence: true }), Infinity);
    assert.deepEqual([state().isr, state().leader], [[4], 4]);
    const result = await reassign(null);
    if (!unclean) {
      assert.equal(result.errorCode, Errors.INVALID_REPLICA_ASSIGNMENT);
      assert.match(result.errorMessage!, /would require an unclean leader election/);
      assert.deepEqual(state().adding, [4]);
    } else {
      assert.equal(result.errorCode, Errors.NONE);
      assert.deepEqual(state(), { replicas: [2, 1, 3], isr: [2], adding: [], removing: [], leader: 2 });
    }
  }
});

test('errors: unknown topic or partition, empty, unregistered or repeated brokers', async () => {
  const { reassign, state, controller } = await cluster();
  assert.equal((await reassign([1, 2], 0, 'nope')).errorCode, Errors.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal((await reassign([1, 2], 7)).errorCode, Errors.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal((await reassign([])).errorCode, Errors.INVALID_REPLICA_ASSIGNMENT);
  assert.deepEqual(await reassign([1, 9]), { errorCode: Errors.INVALID_REPLICA_ASSIGNMENT, errorMessage: 'The manual partition assignment includes broker 9, but no such broker is registered.' });
  assert.equal((await reassign([1, 2, 2])).errorCode, Errors.INVALID_REPLICA_ASSIGNMENT);
  assert.deepEqual(state(), { replicas: [1, 2, 3], isr: [1, 2, 3], adding: [], removing: [], leader: 1 });
  // The same replicas: nothing written, NONE.
  assert.equal((await reassign([1, 2, 3])).errorCode, Errors.NONE);
  // Named partitions that are not being reassigned, or unknown, are left out.
  const listed = await controller.listPartitionReassignments({ timeoutMs: 60_000, topics: [{ name: 't', partitionIndexes: [0, 5] }, { name: 'nope', partitionIndexes: [0] }] });
  assert.deepEqual(listed, { throttleTimeMs: 0, errorCode: Errors.NONE, errorMessage: null, topics: [] });
});

test('a fenced adding replica does not stop the others: the ISR decides, and a fencing of the removed leader completes nothing early', async () => {
  const { reassign, state, alterIsr, controller, quorum, epochs } = await cluster();
  await reassign([2, 3, 4]);
  // Leader 1 is fenced before 4 caught up: 2 leads (in the target), the reassignment still waits for 4.
  await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset, { wantFence: true }), Infinity);
  assert.deepEqual(state(), { replicas: [2, 3, 4, 1], isr: [2, 3], adding: [4], removing: [1], leader: 2 });
  assert.equal(await alterIsr([2, 3, 4]), Errors.NONE);
  assert.deepEqual(state(), { replicas: [2, 3, 4], isr: [2, 3, 4], adding: [], removing: [], leader: 2 });
});

test('the builder writes the directories of a new replica list from metadata.version 3.7-IV2 on, none before', () => {
  const topicId = 'AAAAAAAAAAAAAAAAAAAAAg';
  const p = partitionFromRecord({ partitionId: 0, topicId, replicas: [1, 2, 3], isr: [1, 2, 3], removingReplicas: [], addingReplicas: [], leader: 1, leaderRecoveryState: 0, leaderEpoch: 0, partitionEpoch: 0, directories: [], eligibleLeaderReplicas: null, lastKnownElr: null });
  const lists = reassignmentReplicas(p.replicas, [2, 3, 4]);
  for (const [level, version, directories] of [[17, 1, ['AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA']], [16, 0, null]] as const) {
    const change = new PartitionChangeBuilder(p, topicId, 0, () => true, level).setTargetReplicas(lists.replicas).setTargetAdding(lists.adding).setTargetRemoving(lists.removing).build()!;
    assert.equal(change.version, version);
    assert.deepEqual(change.data.directories, directories);
    const merged = mergePartitionChange(p, change.data);
    assert.deepEqual([[...merged.replicas], [...merged.addingReplicas], [...merged.removingReplicas], merged.directories.length], [[2, 3, 4, 1], [4], [1], 4]);
  }
});
