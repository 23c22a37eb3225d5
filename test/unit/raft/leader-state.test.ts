import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BatchAccumulator } from '../../../src/raft/batch-accumulator.ts';
import { LeaderState } from '../../../src/raft/leader-state.ts';
import { replicaKey } from '../../../src/raft/replica-key.ts';
import { VoterSet } from '../../../src/raft/voter-set.ts';

function voters(...ids: number[]): VoterSet {
  return VoterSet.fromStaticVoters('CONTROLLER', ids.map((id) => ({ id, host: `h${id}`, port: 9093 })));
}

function leader(v: VoterSet, epochStartOffset = 10n, fetchTimeoutMs = 2000): LeaderState {
  const acc = new BatchAccumulator({ epoch: 3, baseOffset: epochStartOffset, lingerMs: 25, maxBatchSizeBytes: 1 << 20, maxNumberOfBatches: 10, nowMs: () => 0, wallClockMs: () => 0 });
  return new LeaderState(0, replicaKey(1), new Map(), 3, epochStartOffset, v, new Set([1]), acc, fetchTimeoutMs);
}

describe('LeaderState high watermark', () => {
  test('is the end offset a majority of voters reached, the leader counting only what it flushed', () => {
    const v = voters(1, 2, 3);
    const s = leader(v);
    assert.equal(s.updateReplicaState(replicaKey(2), 0, 20n), false, 'the leader has flushed nothing yet');
    assert.equal(s.highWatermark(), null);
    assert.equal(s.updateLocalState(15n, v), true);
    assert.equal(s.highWatermark(), 15n, 'leader flushed 15, follower 2 at 20: the majority has 15');
    assert.equal(s.updateLocalState(25n, v), true);
    assert.equal(s.highWatermark(), 20n);
    assert.equal(s.updateReplicaState(replicaKey(3), 0, 30n), true);
    assert.equal(s.highWatermark(), 25n);
  });

  test('does not move until an offset past the epoch start is on a majority (entries of older epochs are not committed by counting)', () => {
    const v = voters(1, 2, 3);
    const s = leader(v, 10n);
    s.updateLocalState(10n, v);
    s.updateReplicaState(replicaKey(2), 0, 10n);
    assert.equal(s.highWatermark(), null);
    s.updateLocalState(11n, v);
    assert.equal(s.highWatermark(), null, 'only the leader has its LeaderChange record');
    s.updateReplicaState(replicaKey(2), 0, 11n);
    assert.equal(s.highWatermark(), 11n);
  });

  test('never goes backwards, and observers do not count', () => {
    const v = voters(1, 2, 3);
    const s = leader(v, 0n);
    s.updateLocalState(50n, v);
    s.updateReplicaState(replicaKey(2), 0, 50n);
    assert.equal(s.highWatermark(), 50n);
    s.updateReplicaState(replicaKey(2), 0, 30n);
    assert.equal(s.highWatermark(), 50n);
    assert.equal(s.updateReplicaState(replicaKey(100), 0, 80n), false);
    assert.equal(s.observerStates(0).length, 1);
    assert.throws(() => s.updateLocalState(40n, v), /non-monotonic/);
  });

  test('with one voter the flushed end offset is the high watermark', () => {
    const v = voters(1);
    const s = leader(v, 0n);
    assert.equal(s.updateLocalState(1n, v), true);
    assert.equal(s.highWatermark(), 1n);
    assert.equal(s.timeUntilCheckQuorumExpires(10_000_000), Infinity);
  });
});

describe('LeaderState timers', () => {
  test('check quorum: resign after fetch.timeout * 1.5 without fetches from a majority of the other voters', () => {
    const v = voters(1, 2, 3, 4, 5);
    const s = leader(v, 0n, 2000);
    assert.equal(s.timeUntilCheckQuorumExpires(0), 3000);
    s.updateReplicaState(replicaKey(2), 2900, 0n);
    assert.equal(s.timeUntilCheckQuorumExpires(2900), 100, 'one voter is not a majority of five');
    s.updateReplicaState(replicaKey(3), 2950, 0n);
    assert.equal(s.timeUntilCheckQuorumExpires(2950), 3000, 'two others and the leader are');
    assert.equal(s.timeUntilCheckQuorumExpires(5950), 0);
  });

  test('BeginQuorumEpoch goes to the voters that have not fetched within fetch.timeout / 2', () => {
    const v = voters(1, 2, 3);
    const s = leader(v, 0n, 2000);
    assert.deepEqual(s.needToSendBeginQuorumRequests(0).map((k) => k.id).sort(), [2, 3]);
    s.updateReplicaState(replicaKey(2), 100, 0n);
    assert.deepEqual(s.needToSendBeginQuorumRequests(500).map((k) => k.id), [3]);
    assert.deepEqual(s.needToSendBeginQuorumRequests(1100).map((k) => k.id).sort(), [2, 3]);
  });

  test('successors of a resignation are the other voters, most replicated first', () => {
    const v = voters(1, 2, 3, 4);
    const s = leader(v, 0n);
    s.updateLocalState(9n, v);
    s.updateReplicaState(replicaKey(3), 0, 8n);
    s.updateReplicaState(replicaKey(2), 0, 5n);
    assert.deepEqual(s.nonLeaderVotersByDescendingFetchOffset().map((k) => k.id), [3, 2, 4]);
  });

  test('caught-up time: a fetch at the leader end, or past the end the leader had at the previous fetch', () => {
    const v = voters(1, 2, 3);
    const s = leader(v, 0n);
    s.updateLocalState(10n, v);
    s.updateReplicaState(replicaKey(2), 100, 5n);
    assert.equal(s.replicaState(replicaKey(2))!.lastCaughtUpTimeMs, -1);
    s.updateLocalState(12n, v);
    s.updateReplicaState(replicaKey(2), 200, 10n);
    assert.equal(s.replicaState(replicaKey(2))!.lastCaughtUpTimeMs, 100, 'it reached what the leader had at its fetch at 100');
    s.updateReplicaState(replicaKey(2), 300, 12n);
    assert.equal(s.replicaState(replicaKey(2))!.lastCaughtUpTimeMs, 300);
  });
});
