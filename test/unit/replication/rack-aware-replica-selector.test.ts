// KIP-392's replica selection: Kafka's RackAwareReplicaSelector (same rack first, the leader when it is there, else
// the most caught-up replica of the rack) and replica.selector.class, which accepts only that class.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RackAwareReplicaSelector } from '../../../src/replication/rack-aware-replica-selector.ts';
import { RACK_AWARE_REPLICA_SELECTOR_CLASS, replicaSelectorOf, type ReplicaView } from '../../../src/replication/replica-selector.ts';
import { configErrors, withProps } from '../config/config-errors.ts';

const tp = { topic: 't', partition: 0 };
const client = (rackId: string) => ({ rackId, clientId: 'c', listenerName: 'PLAINTEXT' });
const view = (brokerId: number, rack: string | null, logEndOffset: bigint, timeSinceLastCaughtUpMs = 0): ReplicaView => ({ brokerId, rack, logEndOffset, timeSinceLastCaughtUpMs });

test('RackAwareReplicaSelector: the leader without a client rack, when it shares the rack, or when no replica does; else the most caught-up replica of the rack', () => {
  const selector = new RackAwareReplicaSelector();
  const leader = view(1, 'a', 100n);
  const replicas = [leader, view(2, 'b', 90n, 50), view(3, 'b', 95n, 900), view(4, 'c', 100n), view(5, null, 100n)];
  const pick = (rack: string) => selector.select(tp, client(rack), { replicas, leader })?.brokerId;
  assert.equal(pick(''), 1);
  assert.equal(pick('a'), 1);
  assert.equal(pick('z'), 1);
  assert.equal(pick('c'), 4);
  // Larger log end offset first, however long ago it was caught up.
  assert.equal(pick('b'), 3);
  // Equal log end offsets: the more recently caught up, then the larger broker id.
  const tied = [leader, view(2, 'b', 95n, 10), view(3, 'b', 95n, 900), view(6, 'b', 95n, 10)];
  assert.equal(selector.select(tp, client('b'), { replicas: tied, leader })?.brokerId, 6);
});

test('replica.selector.class: unset reads from leaders only, RackAwareReplicaSelector is accepted, any other class stops the start', () => {
  assert.equal(replicaSelectorOf(null), null);
  assert.ok(replicaSelectorOf(RACK_AWARE_REPLICA_SELECTOR_CLASS) instanceof RackAwareReplicaSelector);
  assert.deepEqual(configErrors(() => withProps({ 'replica.selector.class': RACK_AWARE_REPLICA_SELECTOR_CLASS })), []);
  const refused = configErrors(() => withProps({ 'replica.selector.class': 'com.example.MySelector' }));
  assert.equal(refused.length, 1);
  assert.match(refused[0]!, /replica\.selector\.class.*com\.example\.MySelector.*only org\.apache\.kafka\.common\.replica\.RackAwareReplicaSelector/);
  assert.throws(() => replicaSelectorOf('com.example.MySelector'), /not supported/);
});
