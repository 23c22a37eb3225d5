import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionFromRecord, mergePartitionChange, type PartitionRegistration } from '../../../src/metadata/partition-registration.ts';
import { PartitionChangeBuilder } from '../../../src/controller/partition-change-builder.ts';

const TOPIC = 'AAAAAAAAAAAAAAAAAAAAAg';

function partition(replicas: number[], isr: number[], leader: number, extra: { leaderRecoveryState?: number } = {}): PartitionRegistration {
  return partitionFromRecord({
    partitionId: 0,
    topicId: TOPIC,
    replicas,
    isr,
    removingReplicas: [],
    addingReplicas: [],
    leader,
    leaderRecoveryState: extra.leaderRecoveryState ?? 0,
    leaderEpoch: 10,
    partitionEpoch: 20,
    directories: [],
    eligibleLeaderReplicas: null,
    lastKnownElr: null,
  });
}

const all = () => true;
const except = (...ids: number[]) => (r: number) => !ids.includes(r);

test('the leader stays when it is in the target ISR: only the ISR changes, the leader epoch does not', () => {
  const p = partition([1, 2, 3], [1, 2, 3], 1);
  const change = new PartitionChangeBuilder(p, TOPIC, 0, all, 21).setTargetIsr([1, 2]).build()!;
  assert.equal(change.version, 1, 'PartitionChangeRecord v1 at metadata.version 3.9-IV0');
  assert.equal(change.data.leader, -2);
  assert.deepEqual(change.data.isr, [1, 2]);
  const merged = mergePartitionChange(p, change.data);
  assert.equal(merged.leaderEpoch, 10);
  assert.equal(merged.partitionEpoch, 21);
});

test('before metadata.version 3.6-IV0 an ISR shrink also bumps the leader epoch', () => {
  const p = partition([1, 2, 3], [1, 2, 3], 1);
  const change = new PartitionChangeBuilder(p, TOPIC, 0, all, 11).setTargetIsr([1, 2]).build()!;
  assert.equal(change.data.leader, 1, 'the same leader is named to bump its epoch');
  assert.equal(change.version, 0);
  assert.equal(mergePartitionChange(p, change.data).leaderEpoch, 11);
  const grow = new PartitionChangeBuilder(partition([1, 2, 3], [1, 2], 1), TOPIC, 0, all, 11).setTargetIsr([1, 2, 3]).build()!;
  assert.equal(grow.data.leader, -2, 'an ISR expansion does not');
});

test('a removed leader is replaced by the first acceptable ISR member in replica order, with a new leader epoch', () => {
  const p = partition([3, 1, 2], [1, 2, 3], 3);
  const change = new PartitionChangeBuilder(p, TOPIC, 0, except(3), 21).setTargetIsr([1, 2]).build()!;
  assert.equal(change.data.leader, 1);
  assert.deepEqual(change.data.isr, [1, 2]);
  assert.equal(change.unclean, false);
  const merged = mergePartitionChange(p, change.data);
  assert.equal(merged.leader, 1);
  assert.equal(merged.leaderEpoch, 11);
  assert.equal(merged.partitionEpoch, 21);
  const skipFenced = new PartitionChangeBuilder(p, TOPIC, 0, except(3, 1), 21).setTargetIsr([1, 2]).build()!;
  assert.equal(skipFenced.data.leader, 2, 'an ISR member that is not acceptable (fenced) is skipped');
});

test('with no acceptable ISR member the leader is -1 and a last ISR member is kept', () => {
  const p = partition([1, 2], [1], 1);
  const change = new PartitionChangeBuilder(p, TOPIC, 0, except(1), 21).setTargetIsr([]).build()!;
  assert.equal(change.data.leader, -1);
  assert.equal(change.data.isr, null, 'an empty ISR is not written');
  const merged = mergePartitionChange(p, change.data);
  assert.deepEqual(merged.isr, [1]);
  assert.equal(merged.leaderEpoch, 11);
  assert.equal(new PartitionChangeBuilder(merged, TOPIC, 0, except(1), 21).setTargetIsr([]).build(), null, 'no change, no record');
});

test('an out-of-sync replica is never elected without unclean election', () => {
  const p = partition([1, 2], [1], -1);
  assert.equal(new PartitionChangeBuilder(p, TOPIC, 0, except(1), 21).build(), null);
});

test('an unclean election takes an acceptable replica outside the ISR, makes it the only ISR member and marks the leader recovering', () => {
  const p = partition([1, 2, 3], [1], -1);
  const change = new PartitionChangeBuilder(p, TOPIC, 0, except(1), 21).setElection('UNCLEAN').build()!;
  assert.equal(change.unclean, true);
  assert.equal(change.data.leader, 2);
  assert.deepEqual(change.data.isr, [2]);
  assert.equal(change.data.leaderRecoveryState, 1);
  const recovering = partition([1, 2, 3], [1], -1, { leaderRecoveryState: 1 });
  const again = new PartitionChangeBuilder(recovering, TOPIC, 0, except(1), 21).setElection('UNCLEAN').build()!;
  assert.equal(again.data.leaderRecoveryState, -1, 'already recovering: unchanged');
  const clean = new PartitionChangeBuilder(partition([1, 2, 3], [1, 3], -1), TOPIC, 0, all, 21).setElection('UNCLEAN').build()!;
  assert.equal(clean.data.leader, 1, 'an ISR member is still preferred');
  assert.equal(clean.unclean, false);
});

test('a leaderless partition gets back its ISR member once it is acceptable (unfenced)', () => {
  const p = partition([2, 1], [1], -1);
  const change = new PartitionChangeBuilder(p, TOPIC, 0, all, 21).build()!;
  assert.equal(change.data.leader, 1);
  assert.equal(change.data.isr, null);
  assert.equal(mergePartitionChange(p, change.data).leaderEpoch, 11);
});

test('a preferred election moves leadership to the first replica when it is in the ISR', () => {
  const p = partition([2, 1, 3], [1, 2, 3], 1);
  assert.equal(new PartitionChangeBuilder(p, TOPIC, 0, all, 21).setElection('PREFERRED').build()!.data.leader, 2);
  assert.equal(new PartitionChangeBuilder(p, TOPIC, 0, except(2), 21).setElection('PREFERRED').build(), null, 'the current leader stays');
});
