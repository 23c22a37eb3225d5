// KIP-966 (eligible leader replicas) in PartitionChangeBuilder: the KIP's walk-through (ISR {1,2,3},
// min.insync.replicas 2, brokers dying one by one and coming back), unclean shutdowns, the last known leader, and
// the cases where ELR is off or cleared. Each step builds the record the controller would write for a broker
// event and replays it, as the controller's generateLeaderAndIsrUpdates does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionFromRecord, mergePartitionChange, type PartitionRegistration } from '../../../src/metadata/partition-registration.ts';
import { PartitionChangeBuilder, type PartitionChange } from '../../../src/controller/partition-change-builder.ts';

const TOPIC = 'AAAAAAAAAAAAAAAAAAAAAg';
/** metadata.version 4.1-IV0: PartitionChangeRecord v2 carries the ELR. */
const MV = 26;
const ELR_ON = { enabled: true, minIsr: 2 };

function partition(replicas: number[], isr: number[], leader: number): PartitionRegistration {
  return partitionFromRecord({
    partitionId: 0, topicId: TOPIC, replicas, isr, removingReplicas: [], addingReplicas: [], leader, leaderRecoveryState: 0,
    leaderEpoch: 0, partitionEpoch: 0, directories: [], eligibleLeaderReplicas: null, lastKnownElr: null,
  });
}

/** A partition's registration with the brokers that are up, as the controller sees them. */
class Cluster {
  p: PartitionRegistration;
  readonly down = new Set<number>();
  last: PartitionChange | null = null;

  constructor(p: PartitionRegistration) {
    this.p = p;
  }

  #apply(brokerToRemove: number, uncleanShutdown: number | null, settings = ELR_ON, election: 'ONLINE' | 'UNCLEAN' = 'ONLINE'): this {
    const builder = new PartitionChangeBuilder(this.p, TOPIC, 0, (r) => !this.down.has(r) && r !== uncleanShutdown, MV)
      .setTargetIsr(this.p.isr.filter((r) => r !== brokerToRemove && r !== uncleanShutdown))
      .setEligibleLeaderReplicas(settings)
      .setElection(election);
    if (uncleanShutdown !== null) builder.setUncleanShutdownReplicas([uncleanShutdown]);
    this.last = builder.build();
    if (this.last !== null) this.p = mergePartitionChange(this.p, this.last.data);
    return this;
  }

  /** Broker `id` is fenced (session expired, or controlled shutdown): it leaves the ISR. */
  fence(id: number): this {
    this.down.add(id);
    return this.#apply(id, null);
  }

  /** Broker `id` is unfenced: leaderless partitions try an election. */
  unfence(id: number, election: 'ONLINE' | 'UNCLEAN' = 'ONLINE'): this {
    this.down.delete(id);
    return this.#apply(-1, null, ELR_ON, election);
  }

  /** A new incarnation of `id` registers without its previous epoch (kill -9): it leaves the ISR and the ELR. */
  uncleanRestart(id: number): this {
    return this.#apply(-1, id);
  }

  /** The state as [leader, isr, elr, lastKnownElr]. */
  get state(): [number, number[], number[], number[]] {
    return [this.p.leader, [...this.p.isr], [...this.p.elr], [...this.p.lastKnownElr]];
  }
}

test('KIP-966 walk-through: ISR {1,2,3}, min.insync.replicas 2; brokers die one by one and the last in sync leads again', () => {
  const c = new Cluster(partition([1, 2, 3], [1, 2, 3], 1));
  assert.deepEqual(c.fence(3).state, [1, [1, 2], [], []], 'the ISR is still at min.insync.replicas: no ELR');
  assert.deepEqual(c.fence(2).state, [1, [1], [2], []], 'below min.insync.replicas the replica leaving the ISR is eligible');
  assert.equal(c.last!.version, 2);
  assert.deepEqual(c.last!.data.eligibleLeaderReplicas, [2]);
  assert.deepEqual(c.fence(1).state, [-1, [], [1, 2], [1]], 'the last leader leaves an empty ISR; the ELR keeps both, lastKnownElr the leader');
  assert.deepEqual(c.last!.data.isr, [], 'with ELR the empty ISR is written');
  assert.equal(c.p.leaderEpoch, 1);
  assert.deepEqual(c.unfence(3).state, [-1, [], [1, 2], [1]], 'broker 3 was not in sync: no leader, with unclean election off');
  assert.deepEqual(c.unfence(2).state, [2, [2], [1], []], 'an ELR member comes back: it leads (a clean election) and is the ISR');
  assert.equal(c.last!.unclean, false);
  assert.equal(c.p.leaderRecoveryState, 0);
  assert.equal(c.p.leaderEpoch, 2);
});

test('the first ELR member back leads, in replica order when several are back', () => {
  const c = new Cluster(partition([3, 2, 1], [1, 2, 3], 3));
  assert.deepEqual(c.fence(3).fence(2).fence(1).state, [-1, [], [1, 2], [1]], 'broker 3 left while the ISR was at min.insync.replicas: not eligible');
  c.down.delete(1);
  assert.deepEqual(c.unfence(2).state, [2, [2], [1], []], 'brokers 1 and 2 back: 2 comes first in the replicas');
});

test('the ISR back at min.insync.replicas clears the ELR (an AlterPartition expansion)', () => {
  const withElr = mergePartitionChange(partition([1, 2, 3], [1], 1), {
    partitionId: 0, topicId: TOPIC, isr: null, leader: -2, replicas: null, removingReplicas: null, addingReplicas: null,
    leaderRecoveryState: -1, directories: null, eligibleLeaderReplicas: [2, 3], lastKnownElr: null,
  });
  const back = new PartitionChangeBuilder(withElr, TOPIC, 0, () => true, MV).setEligibleLeaderReplicas(ELR_ON).setTargetIsr([1, 3]).build()!;
  assert.deepEqual([back.data.leader, back.data.isr, back.data.eligibleLeaderReplicas], [-2, [1, 3], []]);
  const partial = new PartitionChangeBuilder(withElr, TOPIC, 0, () => true, MV).setEligibleLeaderReplicas({ enabled: true, minIsr: 3 }).setTargetIsr([1, 3]).build()!;
  assert.deepEqual([partial.data.isr, partial.data.eligibleLeaderReplicas], [[1, 3], [2]], 'still below min.insync.replicas 3: 3 leaves the ELR for the ISR, 2 stays');
});

test('a broker restarting after an unclean shutdown leaves the ELR; the other ELR member still leads', () => {
  const c = new Cluster(partition([1, 2, 3], [1, 2, 3], 1));
  c.fence(3).fence(2).fence(1);
  assert.deepEqual(c.uncleanRestart(1).state, [-1, [], [2], [1]], 'broker 1 may have lost acknowledged records');
  assert.deepEqual(c.uncleanRestart(3).state, [-1, [], [2], [1]], 'not in the ISR or ELR: nothing changes');
  assert.equal(c.last, null);
  assert.deepEqual(c.unfence(1).state, [-1, [], [2], [1]], 'broker 1 back: not eligible any more, and the ELR is not empty');
  assert.deepEqual(c.unfence(2).state, [2, [2], [], []]);
});

test('with the ISR and the ELR empty, the last known leader leads again when it comes back, as RECOVERING', () => {
  const c = new Cluster(partition([1, 2, 3], [1, 2, 3], 1));
  c.fence(3).fence(2).fence(1).uncleanRestart(2).uncleanRestart(1);
  assert.deepEqual(c.state, [-1, [], [], [1]]);
  assert.deepEqual(c.unfence(3).state, [-1, [], [], [1]], 'another replica is not elected with unclean election off');
  assert.deepEqual(c.unfence(1).state, [1, [1], [], []], "KIP-966's balanced recovery: the last known leader");
  assert.equal(c.last!.unclean, true);
  assert.equal(c.p.leaderRecoveryState, 1, 'RECOVERING: it may miss acknowledged records');
});

test('an unclean election (unclean.leader.election.enable) is not stopped by ELR members that are down, and clears the ELR', () => {
  const c = new Cluster(partition([1, 2, 3], [1, 2, 3], 1));
  c.fence(3).fence(2).fence(1);
  assert.deepEqual(c.unfence(3).state, [-1, [], [1, 2], [1]], 'unclean election off: broker 3 waits for an ELR member');
  assert.deepEqual(c.unfence(3, 'UNCLEAN').state, [3, [3], [], []], "as Kafka's builder: the first acceptable replica leads uncleanly");
  assert.equal(c.p.leaderRecoveryState, 1);
});

test('a fenced leader with the ISR still at min.insync.replicas moves leadership within the ISR, no ELR', () => {
  const c = new Cluster(partition([1, 2, 3], [1, 2, 3], 1));
  assert.deepEqual(c.fence(1).state, [2, [2, 3], [], []]);
  assert.deepEqual(c.fence(2).state, [3, [3], [2], []], 'ELR members are those leaving the ISR while below min.insync.replicas');
});

test('ELR off: the builder clears an ELR the partition has; below metadata.version 4.0-IV1 the setting is ignored', () => {
  const withElr = mergePartitionChange(partition([1, 2, 3], [1], 1), {
    partitionId: 0, topicId: TOPIC, isr: null, leader: -2, replicas: null, removingReplicas: null, addingReplicas: null,
    leaderRecoveryState: -1, directories: null, eligibleLeaderReplicas: [2], lastKnownElr: null,
  });
  const off = new PartitionChangeBuilder(withElr, TOPIC, 0, () => true, MV).setEligibleLeaderReplicas({ enabled: false, minIsr: 2 }).build()!;
  assert.deepEqual(off.data.eligibleLeaderReplicas, [], "Kafka's builder with ELR disabled clears it");
  const old = new PartitionChangeBuilder(partition([1, 2, 3], [1, 2], 1), TOPIC, 0, () => true, 21).setEligibleLeaderReplicas(ELR_ON).setTargetIsr([1]).build()!;
  assert.equal(old.version, 1);
  assert.equal(old.data.eligibleLeaderReplicas, null);
  const empty = new PartitionChangeBuilder(partition([1, 2], [1], 1), TOPIC, 0, (r) => r !== 1, 21).setEligibleLeaderReplicas(ELR_ON).setTargetIsr([]).build()!;
  assert.equal(empty.data.isr, null, 'without ELR an empty ISR is not written');
});

test('min.insync.replicas 1: the last ISR member alone is eligible once it leaves; the ELR is sorted by broker id', () => {
  const one = { enabled: true, minIsr: 1 };
  const p = partition([3, 1, 2], [3, 1, 2], 3);
  const all = new PartitionChangeBuilder(p, TOPIC, 0, () => false, MV).setEligibleLeaderReplicas(one).setTargetIsr([]).build()!;
  assert.deepEqual([all.data.leader, all.data.isr, all.data.eligibleLeaderReplicas, all.data.lastKnownElr], [-1, [], [1, 2, 3], [3]]);
  const some = new PartitionChangeBuilder(p, TOPIC, 0, (r) => r !== 3, MV).setEligibleLeaderReplicas(one).setTargetIsr([1, 2]).build()!;
  assert.equal(some.data.eligibleLeaderReplicas, null, 'an ISR at min.insync.replicas: no ELR');
});
