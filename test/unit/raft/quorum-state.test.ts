import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pino from 'pino';
import { SeededRandom } from '../../../src/common/random.ts';
import { BatchAccumulator } from '../../../src/raft/batch-accumulator.ts';
import { CandidateState } from '../../../src/raft/candidate-state.ts';
import { ElectionState } from '../../../src/raft/election-state.ts';
import { FollowerState } from '../../../src/raft/follower-state.ts';
import { QuorumState } from '../../../src/raft/quorum-state.ts';
import { replicaKey } from '../../../src/raft/replica-key.ts';
import { ResignedState } from '../../../src/raft/resigned-state.ts';
import { UnattachedState, unattachedOrProspectiveCanGrantVote } from '../../../src/raft/unattached-state.ts';
import { VoterSet } from '../../../src/raft/voter-set.ts';
import { MemoryQuorumStateStore } from '../../raft/memory-quorum-state-store.ts';

const VOTERS = VoterSet.fromStaticVoters('CONTROLLER', [1, 2, 3].map((id) => ({ id, host: `h${id}`, port: 9093 })));

function quorum(localId: number | null, store = new MemoryQuorumStateStore()): QuorumState {
  return new QuorumState({
    localId,
    localDirectoryId: null,
    localListeners: new Map([['CONTROLLER', { host: 'h1', port: 9093 }]]),
    voters: () => VOTERS,
    kraftVersion: () => 0,
    electionTimeoutMs: 1000,
    fetchTimeoutMs: 2000,
    store,
    random: new SeededRandom(1),
    logger: pino({ level: 'silent' }),
  });
}

function accumulator(epoch: number): BatchAccumulator {
  return new BatchAccumulator({ epoch, baseOffset: 0n, lingerMs: 25, maxBatchSizeBytes: 1 << 20, maxNumberOfBatches: 10, nowMs: () => 0, wallClockMs: () => 0 });
}

describe('QuorumState.initialize', () => {
  test('with no stored state a voter starts Unattached in epoch 0 and writes the file', async () => {
    const store = new MemoryQuorumStateStore();
    const q = quorum(1, store);
    await q.initialize({ offset: 0n, epoch: 0 }, 0);
    assert.ok(q.state instanceof UnattachedState);
    assert.equal(q.epoch, 0);
    assert.ok(store.durable?.equals(ElectionState.withUnknownLeader(0, VOTERS.voterIds())));
  });

  test('the leader of the stored epoch restarts Resigned (it never leads an epoch twice)', async () => {
    const store = new MemoryQuorumStateStore({ durable: ElectionState.withElectedLeader(5, 1, null, VOTERS.voterIds()) });
    const q = quorum(1, store);
    await q.initialize({ offset: 10n, epoch: 5 }, 0);
    assert.ok(q.state instanceof ResignedState);
    assert.equal(q.epoch, 5);
  });

  test('a candidate that voted for itself restarts Candidate in its epoch', async () => {
    const store = new MemoryQuorumStateStore({ durable: ElectionState.withVotedCandidate(4, replicaKey(1), VOTERS.voterIds()) });
    const q = quorum(1, store);
    await q.initialize({ offset: 0n, epoch: 3 }, 0);
    assert.ok(q.state instanceof CandidateState);
    assert.equal(q.epoch, 4);
  });

  test('a candidate that lost its epoch to another leader restarts as that leader\'s follower, not Candidate', async () => {
    const store = new MemoryQuorumStateStore({ durable: ElectionState.withElectedLeader(4, 2, replicaKey(1), VOTERS.voterIds()) });
    const q = quorum(1, store);
    await q.initialize({ offset: 9n, epoch: 4 }, 0);
    assert.ok(q.state instanceof FollowerState);
    assert.equal(q.leaderId, 2);
    assert.equal(q.votedKey()?.id, 1, 'the vote of the epoch is kept');
  });

  test('a voter that voted for another keeps the vote across the restart', async () => {
    const store = new MemoryQuorumStateStore({ durable: ElectionState.withVotedCandidate(4, replicaKey(2), VOTERS.voterIds()) });
    const q = quorum(1, store);
    await q.initialize({ offset: 0n, epoch: 3 }, 0);
    assert.equal(q.votedKey()?.id, 2);
    assert.equal(q.canGrantVote(replicaKey(3), true, false), false);
    assert.equal(q.canGrantVote(replicaKey(2), true, false), true);
  });

  test('a follower restarts following the stored leader', async () => {
    const store = new MemoryQuorumStateStore({ durable: ElectionState.withElectedLeader(6, 2, null, VOTERS.voterIds()) });
    const q = quorum(1, store);
    await q.initialize({ offset: 0n, epoch: 6 }, 0);
    assert.ok(q.state instanceof FollowerState);
    assert.equal(q.leaderId, 2);
  });

  test('a stored epoch below the log\'s (a lost write) starts Unattached in the log\'s epoch', async () => {
    const store = new MemoryQuorumStateStore({ durable: ElectionState.withElectedLeader(2, 2, null, VOTERS.voterIds()) });
    const q = quorum(1, store);
    await q.initialize({ offset: 40n, epoch: 7 }, 0);
    assert.ok(q.state instanceof UnattachedState);
    assert.equal(q.epoch, 7);
    assert.equal(store.durable?.epoch, 7);
  });
});

describe('QuorumState transitions', () => {
  test('the election timeout is randomised in [timeout, 2 * timeout)', async () => {
    const q = quorum(1);
    await q.initialize({ offset: 0n, epoch: 0 }, 0);
    const timeouts = new Set<number>();
    for (let i = 0; i < 50; i++) {
      await q.transitionToUnattached(q.epoch + 1, null, 0);
      const s = q.state as UnattachedState;
      await q.transitionToProspective(0);
      await q.transitionToUnattached(q.epoch + 1, null, 0);
      timeouts.add((q.state as UnattachedState).electionTimeoutMs);
      assert.ok(s.electionTimeoutMs >= 1000 && s.electionTimeoutMs < 2000, String(s.electionTimeoutMs));
    }
    assert.ok(timeouts.size > 10);
  });

  test('a durable transition is written before it is entered', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const store = new MemoryQuorumStateStore({ io: { fsync: () => gate } });
    const q = quorum(1, store);
    const init = q.initialize({ offset: 0n, epoch: 0 }, 0);
    await new Promise((r) => setImmediate(r));
    assert.throws(() => q.state, /not initialized/);
    release();
    await init;
    assert.equal(q.epoch, 0);
  });

  test('Prospective and Resigned are memory-only; Candidate bumps the epoch durably and votes for itself', async () => {
    const store = new MemoryQuorumStateStore();
    const q = quorum(1, store);
    await q.initialize({ offset: 0n, epoch: 3 }, 0);
    const writes = store.writes.length;
    await q.transitionToProspective(0);
    assert.equal(store.writes.length, writes);
    await q.transitionToCandidate(0);
    assert.equal(q.epoch, 4);
    assert.ok(store.durable?.isVotedCandidate(replicaKey(1)));
    const c = q.state as CandidateState;
    c.recordGrantedVote(2);
    await q.transitionToLeader(0n, accumulator(4), 0);
    assert.ok(store.durable?.isLeader(1));
    const before = store.writes.length;
    await q.transitionToResigned([replicaKey(2)], 0);
    assert.equal(store.writes.length, before);
  });

  test('illegal transitions throw: back in epoch, leader without majority, follower of itself, observer elections', async () => {
    const q = quorum(1);
    await q.initialize({ offset: 0n, epoch: 5 }, 0);
    await assert.rejects(q.transitionToUnattached(4, null, 0), /Cannot transition to Unattached/);
    await assert.rejects(q.transitionToUnattached(5, null, 0), /Cannot transition to Unattached/);
    await assert.rejects(q.transitionToFollower(4, 2, VOTERS.listeners(2), 0), /current epoch 5 is larger/);
    await assert.rejects(q.transitionToFollower(6, 1, VOTERS.listeners(1), 0), /matches the local node.id/);
    await q.transitionToProspective(0);
    await q.transitionToCandidate(0);
    await assert.rejects(q.transitionToLeader(0n, accumulator(6), 0), /without majority/);
    const observer = quorum(9);
    await observer.initialize({ offset: 0n, epoch: 0 }, 0);
    await assert.rejects(observer.transitionToProspective(0), /not one of the voters/);
  });
});

describe('vote granting rules (KIP-595, KIP-996)', () => {
  const k2 = replicaKey(2);
  const k3 = replicaKey(3);

  test('Unattached and Prospective: pre-vote to an up-to-date log; one vote per epoch; none once a leader is known', () => {
    assert.equal(unattachedOrProspectiveCanGrantVote(null, null, k2, true, true), true);
    assert.equal(unattachedOrProspectiveCanGrantVote(null, null, k2, false, true), false);
    assert.equal(unattachedOrProspectiveCanGrantVote(null, null, k2, true, false), true);
    assert.equal(unattachedOrProspectiveCanGrantVote(null, null, k2, false, false), false);
    assert.equal(unattachedOrProspectiveCanGrantVote(null, k2, k2, false, false), true, 'a retried request of the same candidate');
    assert.equal(unattachedOrProspectiveCanGrantVote(null, k2, k3, true, false), false);
    assert.equal(unattachedOrProspectiveCanGrantVote(3, null, k2, true, false), false);
    assert.equal(unattachedOrProspectiveCanGrantVote(3, null, k2, true, true), true, 'a known leader does not stop a pre-vote in Unattached');
  });

  test('Follower: a pre-vote only before its first fetch from the leader; never a vote', () => {
    const f = new FollowerState(0, 5, 3, VOTERS.listeners(3), null, VOTERS.voterIds(), null, 2000);
    assert.equal(f.canGrantVote(k2, true, true), true);
    assert.equal(f.canGrantVote(k2, false, true), false);
    assert.equal(f.canGrantVote(k2, true, false), false);
    f.resetFetchTimeoutForSuccessfulFetch(0);
    assert.equal(f.canGrantVote(k2, true, true), false, 'it can see the leader is alive');
  });

  test('Candidate and Resigned: pre-votes to an up-to-date log only; Leader: nothing', async () => {
    const c = new CandidateState(0, 1, null, 5, VOTERS, null, 1000);
    assert.equal(c.canGrantVote(k2, true, true), true);
    assert.equal(c.canGrantVote(k2, true, false), false);
    const r = new ResignedState(0, 1, 5, VOTERS.voterIds(), 1000, [], new Map());
    assert.equal(r.canGrantVote(k2, true, true), true);
    assert.equal(r.canGrantVote(k2, false, true), false);
    assert.equal(r.canGrantVote(k2, true, false), false);
    const q = quorum(1);
    await q.initialize({ offset: 0n, epoch: 0 }, 0);
    await q.transitionToProspective(0);
    await q.transitionToCandidate(0);
    (q.state as CandidateState).recordGrantedVote(2);
    const leader = await q.transitionToLeader(0n, accumulator(1), 0);
    assert.equal(leader.canGrantVote(), false);
  });
});
