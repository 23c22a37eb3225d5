// The controller's broker membership through QuorumController on an in-memory quorum: registration, heartbeats,
// sessions, controlled shutdown, and what each does to partition leadership (Kafka's ClusterControlManagerTest,
// BrokerHeartbeatManagerTest and ReplicationControlManagerTest cases, in our words).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockTime } from '../../../src/common/time.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import {
  FakeMetadataQuorum,
  activeCluster,
  heartbeat,
  incarnation,
  newController,
  recordsSince,
  registration,
  rejectsWith,
  settle,
} from './controller-test-kit.ts';

test('a new broker is registered fenced with the offset of its RegisterBrokerRecord as epoch, and unfenced once it reports that offset', async () => {
  const quorum = new FakeMetadataQuorum();
  const controller = newController(quorum);
  quorum.changeLeader(1, false);
  await controller.bootstrap();
  const epoch = await controller.registerBroker(registration(5, incarnation(1)), 3);
  assert.equal(epoch, quorum.registrationOffset(5));
  const [record] = recordsSince(quorum, epoch);
  assert.equal(record!.type, 'RegisterBrokerRecord');
  assert.equal(record!.version, 3, 'RegisterBrokerRecord v3 at metadata.version 3.9-IV0');
  assert.equal(quorum.image.brokers.get(5)!.fenced, true);

  const behind = await controller.processBrokerHeartbeat(heartbeat(5, epoch, epoch - 1n), Infinity);
  assert.deepEqual(behind, { isCaughtUp: false, isFenced: true, inControlledShutdown: false, shouldShutDown: false });
  assert.equal(quorum.image.brokers.get(5)!.fenced, true);
  const before = quorum.image.offset + 1n;
  const caughtUp = await controller.processBrokerHeartbeat(heartbeat(5, epoch, epoch), Infinity);
  assert.deepEqual(caughtUp, { isCaughtUp: true, isFenced: false, inControlledShutdown: false, shouldShutDown: false });
  assert.equal(quorum.image.brokers.get(5)!.fenced, false);
  assert.deepEqual(recordsSince(quorum, before), [
    { type: 'BrokerRegistrationChangeRecord', version: 0, data: { brokerId: 5, brokerEpoch: epoch, fenced: -1, inControlledShutdown: 0, logDirs: [] } },
  ]);
});

test('the same incarnation registering again keeps its epoch and state; a new incarnation gets a new epoch and starts fenced', async () => {
  const { quorum, controller, epochs } = await activeCluster([1]);
  const again = await controller.registerBroker(registration(1, incarnation(1), { rack: 'r1' }), 3);
  assert.equal(again, epochs.get(1));
  assert.equal(quorum.image.brokers.get(1)!.fenced, false, 'an amended registration keeps the broker unfenced');
  assert.equal(quorum.image.brokers.get(1)!.rack, 'r1');

  // The old incarnation's session is live: another incarnation is refused until it expires.
  await rejectsWith(controller.registerBroker(registration(1, incarnation(2)), 3), Errors.DUPLICATE_BROKER_REGISTRATION, /Another broker is registered with that broker id/);
});

test('a new incarnation may register once the old session expired; the old leaderships are taken away in the same batch', async () => {
  const time = new MockTime();
  const { quorum, controller } = await activeCluster([1, 2], { time });
  const [created] = await controller.createTopics([{ name: 't', numPartitions: 4, replicationFactor: 2, assignments: [], configs: [] }], false);
  assert.equal(created!.errorCode, 0);
  const led = () => [...quorum.image.topicsByName.get('t')!.partitions.values()].filter((p) => p.leader === 1).length;
  assert.ok(led() > 0);
  time.sleep(9001);
  // Broker 2 keeps its session; broker 1 stopped heartbeating (its process restarted).
  await controller.processBrokerHeartbeat(heartbeat(2, quorum.image.brokers.get(2)!.epoch, quorum.image.offset), Infinity);
  const epoch = await controller.registerBroker(registration(1, incarnation(9)), 3);
  assert.equal(epoch, quorum.registrationOffset(1));
  assert.equal(led(), 0, 'partitions led by the previous incarnation moved to broker 2');
  for (const p of quorum.image.topicsByName.get('t')!.partitions.values()) {
    assert.deepEqual([...p.isr], [2]);
    assert.equal(p.leader, 2);
  }
  const batch = recordsSince(quorum, epoch);
  assert.equal(batch[0]!.type, 'RegisterBrokerRecord', 'the registration is the first record of its batch, so the epoch is its offset');
  assert.ok(batch.slice(1).every((r) => r.type === 'PartitionChangeRecord' && r.version === 2), 'PartitionChangeRecord v2 at metadata.version 4.1-IV0');
});

test('registration refusals: cluster id, ZooKeeper brokers, metadata.version range, missing metadata.version, kraft.version, log dirs', async () => {
  const { quorum, controller } = await activeCluster([1]);
  quorum.image.brokers.get(1);
  await rejectsWith(controller.registerBroker(registration(2, incarnation(2), { clusterId: 'another-cluster-id-000A' }), 3), Errors.INCONSISTENT_CLUSTER_ID, /Expected cluster ID test-cluster-id-00000A, but got cluster ID another-cluster-id-000A/);
  await rejectsWith(controller.registerBroker(registration(2, incarnation(2), { isMigratingZkBroker: true }), 3), Errors.BROKER_ID_NOT_REGISTERED, /ZK brokers/);
  await rejectsWith(
    controller.registerBroker(registration(2, incarnation(2), { features: [{ name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: 20 }] }), 3),
    Errors.UNSUPPORTED_VERSION,
    /does not support finalized version 26 of metadata.version. The broker wants a version between 7 and 20, inclusive./,
  );
  await rejectsWith(controller.registerBroker(registration(2, incarnation(2), { features: [] }), 3), Errors.INVALID_REGISTRATION, /do not contain 'metadata.version'/);
  quorum.kraftVersion = 1;
  await rejectsWith(controller.registerBroker(registration(2, incarnation(2)), 3), Errors.UNSUPPORTED_VERSION, /finalized version 1 of kraft.version/);
  const withKraft = registration(2, incarnation(2), { features: [...registration(2, '').features, { name: 'kraft.version', minSupportedVersion: 0, maxSupportedVersion: 1 }] });
  const dir = 'QvyD5ijnRy6UzNUSXGlQ2w';
  const epoch = await controller.registerBroker({ ...withKraft, logDirs: [dir] }, 3);
  assert.deepEqual(quorum.image.brokers.get(2)!.directories, [dir]);
  await rejectsWith(controller.registerBroker(registration(3, incarnation(3), { ...withKraft, brokerId: 3, logDirs: [dir] }), 3), Errors.INVALID_REGISTRATION, /Broker 2 is already registered with directory/);
  await rejectsWith(controller.registerBroker(registration(3, incarnation(3), { ...withKraft, brokerId: 3, logDirs: ['AAAAAAAAAAAAAAAAAAAAAQ'] }), 3), Errors.INVALID_REGISTRATION, /Reserved directory ID/);
  await rejectsWith(controller.registerBroker(registration(3, incarnation(3), { ...withKraft, brokerId: 3, logDirs: [dir.replace('Q', 'R'), dir.replace('Q', 'R')] }), 3), Errors.INVALID_REGISTRATION, /Duplicate directory ID/);
  assert.ok(epoch > 0n);
});

test('heartbeats: STALE_BROKER_EPOCH for an unknown broker or another epoch, NOT_CONTROLLER off the active controller, REQUEST_TIMED_OUT past the deadline', async () => {
  const time = new MockTime();
  const { quorum, controller, epochs } = await activeCluster([1], { time });
  await rejectsWith(controller.processBrokerHeartbeat(heartbeat(7, 3n, 0n), Infinity), Errors.STALE_BROKER_EPOCH);
  await rejectsWith(controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)! + 1n, 0n), Infinity), Errors.STALE_BROKER_EPOCH, /Expected broker epoch/);
  await rejectsWith(controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, 0n), time.hiResClockMs() - 1), Errors.REQUEST_TIMED_OUT);
  quorum.changeLeader(2, true);
  await rejectsWith(controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, 0n), Infinity), Errors.NOT_CONTROLLER);
  await rejectsWith(controller.registerBroker(registration(3, incarnation(3)), 3), Errors.NOT_CONTROLLER);
});

test('a broker without heartbeats is fenced after broker.session.timeout.ms by the periodic check, and its partitions get leaders from their ISRs', async () => {
  const time = new MockTime();
  const { quorum, controller, epochs } = await activeCluster([1, 2, 3], { time });
  await controller.createTopics([{ name: 't', numPartitions: 6, replicationFactor: 3, assignments: [], configs: [] }], false);
  const period = 9000 / 8;
  assert.equal(controller.nextPollDeadlineMs, time.hiResClockMs() + period);
  const keepAlive = async () => {
    for (const id of [2, 3]) await controller.processBrokerHeartbeat(heartbeat(id, epochs.get(id)!, quorum.image.offset), Infinity);
  };
  // Expired once strictly more than the session timeout passed since its last heartbeat: 8 periods are 9000 ms.
  for (let elapsed = period; elapsed <= 9000; elapsed += period) {
    time.sleep(period);
    await keepAlive();
    controller.poll();
    await settle();
    assert.equal(quorum.image.brokers.get(1)!.fenced, false, `not fenced after ${elapsed} ms`);
  }
  time.sleep(period);
  await keepAlive();
  controller.poll();
  await settle();
  assert.equal(quorum.image.brokers.get(1)!.fenced, true);
  for (const p of quorum.image.topicsByName.get('t')!.partitions.values()) {
    assert.notEqual(p.leader, 1);
    assert.ok(!p.isr.includes(1), 'removed from every ISR');
    assert.ok(p.isr.includes(p.leader));
  }
  assert.equal(quorum.image.brokers.get(2)!.fenced, false);
  assert.equal(quorum.image.brokers.get(3)!.fenced, false);
  // The fenced broker comes back: heartbeats unfence it (it leads nothing: it is in no ISR).
  const reply = await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset), Infinity);
  assert.equal(reply.isFenced, false);
});

test('a new active controller gives every unfenced broker a fresh session and none to fenced ones; losing leadership drops the sessions', async () => {
  const time = new MockTime();
  const quorum = new FakeMetadataQuorum();
  const first = newController(quorum, { nodeId: 1, time });
  const second = newController(quorum, { nodeId: 2, time });
  quorum.changeLeader(1, false);
  await first.bootstrap();
  const e1 = await first.registerBroker(registration(11, incarnation(11)), 3);
  const e2 = await first.registerBroker(registration(12, incarnation(12)), 3);
  await first.processBrokerHeartbeat(heartbeat(11, e1, quorum.image.offset), Infinity);
  time.sleep(60_000);
  // Failover long after broker 11's last heartbeat: the new controller must not fence it at once.
  quorum.changeLeader(2, true);
  assert.equal(first.nextPollDeadlineMs, Infinity, 'the old controller stopped its periodic tasks');
  time.sleep(8000);
  second.poll();
  await settle();
  assert.equal(quorum.image.brokers.get(11)!.fenced, false, 'grace: a full session from the activation');
  // Broker 12 (fenced, never heartbeated) has no session: another incarnation may register at once.
  const e12 = await second.registerBroker(registration(12, incarnation(99)), 3);
  assert.ok(e12 > e2);
  // Broker 11 keeps its session from the activation: another incarnation is refused.
  await rejectsWith(second.registerBroker(registration(11, incarnation(98)), 3), Errors.DUPLICATE_BROKER_REGISTRATION);
  time.sleep(1500);
  for (let i = 0; i < 3; i++) {
    second.poll();
    await settle();
    time.sleep(1200);
  }
  assert.equal(quorum.image.brokers.get(11)!.fenced, true, 'fenced once the grace session expired');
  // A fenced broker registered before the activation must have applied the image the controller started from.
  const reply = await second.processBrokerHeartbeat(heartbeat(12, e12, e12), Infinity);
  assert.equal(reply.isFenced, false);
  const stale = await second.processBrokerHeartbeat(heartbeat(11, e1, e1), Infinity);
  assert.equal(stale.isFenced, true, 'registered before the activation: the activation offset stands for its registration offset');
});

test('controlled shutdown: leaderships move to other ISR members first, then the broker is told to shut down and is fenced', async () => {
  const { quorum, controller, epochs, time } = await activeCluster([1, 2, 3]);
  await controller.createTopics([{ name: 't', numPartitions: 6, replicationFactor: 2, assignments: [], configs: [] }], false);
  const partitions = () => [...quorum.image.topicsByName.get('t')!.partitions.values()];
  const ledBy1 = partitions().filter((p) => p.leader === 1).map((p) => p.leaderEpoch);
  assert.ok(ledBy1.length > 0);
  const offsetBefore = quorum.image.offset + 1n;
  const first = await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset, { wantShutDown: true }), Infinity);
  assert.deepEqual(first, { isCaughtUp: true, isFenced: false, inControlledShutdown: true, shouldShutDown: false });
  const registrationRecords = recordsSince(quorum, offsetBefore).filter((r) => r.type === 'BrokerRegistrationChangeRecord');
  assert.deepEqual(registrationRecords, [
    { type: 'BrokerRegistrationChangeRecord', version: 1, data: { brokerId: 1, brokerEpoch: epochs.get(1)!, fenced: 0, inControlledShutdown: 1, logDirs: [] } },
  ]);
  assert.equal(quorum.image.brokers.get(1)!.inControlledShutdown, true);
  for (const p of partitions()) {
    assert.notEqual(p.leader, 1);
    assert.ok(!p.isr.includes(1));
  }
  const shutdownOffset = quorum.image.offset;
  // Broker 2 has not seen the batch that moved the leaderships yet: broker 1 must wait.
  await controller.processBrokerHeartbeat(heartbeat(2, epochs.get(2)!, shutdownOffset - 1n), Infinity);
  await controller.processBrokerHeartbeat(heartbeat(3, epochs.get(3)!, shutdownOffset), Infinity);
  const waiting = await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, shutdownOffset, { wantShutDown: true }), Infinity);
  assert.equal(waiting.shouldShutDown, false);
  await controller.processBrokerHeartbeat(heartbeat(2, epochs.get(2)!, shutdownOffset), Infinity);
  const done = await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, shutdownOffset, { wantShutDown: true }), Infinity);
  assert.deepEqual(done, { isCaughtUp: true, isFenced: true, inControlledShutdown: false, shouldShutDown: true });
  assert.equal(quorum.image.brokers.get(1)!.fenced, true);
  // Kafka 4.4 keeps the session of its last heartbeat: a restart within broker.session.timeout.ms is refused until
  // it expires (a controller that became active since would have given the fenced broker none).
  await rejectsWith(controller.registerBroker(registration(1, incarnation(50)), 3), Errors.DUPLICATE_BROKER_REGISTRATION);
  time.sleep(9001);
  const epoch = await controller.registerBroker(registration(1, incarnation(50)), 3);
  assert.ok(epoch > epochs.get(1)!);
});

test('a broker leading nothing that asks to shut down is fenced at once; wantFence fences an unfenced broker', async () => {
  const { quorum, controller, epochs } = await activeCluster([1, 2]);
  const reply = await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset, { wantShutDown: true }), Infinity);
  assert.deepEqual(reply, { isCaughtUp: true, isFenced: true, inControlledShutdown: false, shouldShutDown: true });
  const fence = await controller.processBrokerHeartbeat(heartbeat(2, epochs.get(2)!, quorum.image.offset, { wantFence: true }), Infinity);
  assert.deepEqual(fence, { isCaughtUp: true, isFenced: true, inControlledShutdown: false, shouldShutDown: false });
  assert.equal(quorum.image.brokers.get(2)!.fenced, true);
  const stay = await controller.processBrokerHeartbeat(heartbeat(2, epochs.get(2)!, quorum.image.offset, { wantFence: true }), Infinity);
  assert.equal(stay.isFenced, true, 'a fenced broker that wants to stay fenced stays');
});

test('a broker unfenced again leads the leaderless partitions whose ISR (ELR with KIP-966) it is in, with a new leader epoch', async () => {
  for (const bootstrapMetadataVersion of [21, 26]) {
    const elr = bootstrapMetadataVersion >= 26;
    const { quorum, controller, epochs } = await activeCluster([1], { bootstrapMetadataVersion });
    await controller.createTopics([{ name: 't', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], false);
    await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset, { wantFence: true }), Infinity);
    const fenced = [...quorum.image.topicsByName.get('t')!.partitions.values()];
    for (const p of fenced) {
      assert.equal(p.leader, -1);
      if (elr) {
        assert.deepEqual([[...p.isr], [...p.elr], [...p.lastKnownElr]], [[], [1], [1]], 'the last ISR member moves to the ELR and is the last known leader');
      } else {
        assert.deepEqual([...p.isr], [1], 'the last ISR member is kept');
      }
      assert.equal(p.leaderEpoch, 1);
    }
    await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset), Infinity);
    for (const p of quorum.image.topicsByName.get('t')!.partitions.values()) {
      assert.equal(p.leader, 1);
      assert.equal(p.leaderEpoch, 2);
      assert.equal(p.partitionEpoch, 2);
      assert.deepEqual([[...p.isr], [...p.elr], [...p.lastKnownElr]], [[1], [], []]);
    }
  }
});

test('unclean.leader.election.enable: a leaderless partition whose ISR is gone gets an out-of-sync replica as leader (topic config or static)', async () => {
  for (const how of ['static', 'topic'] as const) {
    const { quorum, controller, epochs } = await activeCluster([1, 2], { uncleanLeaderElectionEnable: how === 'static' });
    const configs = how === 'topic' ? [{ name: 'unclean.leader.election.enable', value: 'true' }] : [];
    await controller.createTopics([{ name: 'u', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs }], false);
    // Broker 2 drops out of the ISR (fenced), then broker 1 (the leader) too: no ISR member is left.
    await controller.processBrokerHeartbeat(heartbeat(2, epochs.get(2)!, quorum.image.offset, { wantFence: true }), Infinity);
    assert.deepEqual([...quorum.image.topicsByName.get('u')!.partitions.get(0)!.isr], [1]);
    await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset, { wantFence: true }), Infinity);
    assert.equal(quorum.image.topicsByName.get('u')!.partitions.get(0)!.leader, -1);
    // Broker 2 comes back: it was not in the ISR, only an unclean election makes it leader.
    await controller.processBrokerHeartbeat(heartbeat(2, epochs.get(2)!, quorum.image.offset), Infinity);
    const p = quorum.image.topicsByName.get('u')!.partitions.get(0)!;
    assert.equal(p.leader, 2, how);
    assert.deepEqual([...p.isr], [2]);
    assert.equal(p.leaderRecoveryState, 1, 'RECOVERING');
  }
  const { quorum, controller, epochs } = await activeCluster([1, 2]);
  await controller.createTopics([{ name: 'c', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs: [] }], false);
  await controller.processBrokerHeartbeat(heartbeat(2, epochs.get(2)!, quorum.image.offset, { wantFence: true }), Infinity);
  await controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset, { wantFence: true }), Infinity);
  await controller.processBrokerHeartbeat(heartbeat(2, epochs.get(2)!, quorum.image.offset), Infinity);
  assert.equal(quorum.image.topicsByName.get('c')!.partitions.get(0)!.leader, -1, 'clean elections only by default');
});

test('UnregisterBroker removes the broker from ISRs, moves its leaderships and its registration; its next heartbeat is STALE_BROKER_EPOCH', async () => {
  const { quorum, controller, epochs } = await activeCluster([1, 2]);
  await controller.createTopics([{ name: 't', numPartitions: 4, replicationFactor: 2, assignments: [], configs: [] }], false);
  const from = quorum.image.offset + 1n;
  await controller.unregisterBroker(1);
  assert.equal(quorum.image.brokers.has(1), false);
  const records = recordsSince(quorum, from);
  assert.deepEqual(records.at(-1), { type: 'UnregisterBrokerRecord', version: 0, data: { brokerId: 1, brokerEpoch: epochs.get(1)! } });
  for (const p of quorum.image.topicsByName.get('t')!.partitions.values()) assert.deepEqual([p.leader, [...p.isr]], [2, [2]]);
  await rejectsWith(controller.processBrokerHeartbeat(heartbeat(1, epochs.get(1)!, quorum.image.offset), Infinity), Errors.STALE_BROKER_EPOCH);
  await rejectsWith(controller.unregisterBroker(1), Errors.BROKER_ID_NOT_REGISTERED, /Broker ID 1 is not currently registered/);
});

test('ControllerRegistration writes a RegisterControllerRecord', async () => {
  const { quorum, controller } = await activeCluster([]);
  await controller.registerController({
    controllerId: 3,
    incarnationId: incarnation(3),
    zkMigrationReady: false,
    listeners: [{ name: 'CONTROLLER', host: 'localhost', port: 9093, securityProtocol: 0 }],
    features: [{ name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: 21 }],
  });
  const c = quorum.image.controllers.get(3)!;
  assert.equal(c.incarnationId, incarnation(3));
  assert.deepEqual(c.endpoints, [{ name: 'CONTROLLER', host: 'localhost', port: 9093, securityProtocol: 0 }]);
});

test('new partitions: placement over usable brokers, ISR of the active ones, INVALID_REPLICATION_FACTOR when too few or all fenced', async () => {
  const { quorum, controller, epochs } = await activeCluster([1, 2, 3], { racks: { 1: 'a', 2: 'b', 3: 'a' } });
  const [tooMany] = await controller.createTopics([{ name: 'big', numPartitions: 1, replicationFactor: 4, assignments: [], configs: [] }], false);
  assert.equal(tooMany!.errorCode, Errors.INVALID_REPLICATION_FACTOR);
  assert.equal(tooMany!.errorMessage, 'Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached because only 3 broker(s) are registered or some brokers have all their log directories cordoned.');
  const [ok] = await controller.createTopics([{ name: 'r', numPartitions: 8, replicationFactor: 2, assignments: [], configs: [] }], false);
  assert.equal(ok!.errorCode, 0);
  const rackOf = (id: number) => quorum.image.brokers.get(id)!.rack;
  for (const p of quorum.image.topicsByName.get('r')!.partitions.values()) {
    assert.equal(new Set(p.replicas.map(rackOf)).size, 2, 'one replica in each rack');
    assert.deepEqual([...p.isr], [...p.replicas]);
    assert.equal(p.leader, p.replicas[0]);
  }
  const partitionRecord = quorum.committed.find((c) => c.record.type === 'PartitionRecord')!;
  assert.equal(partitionRecord.record.version, 2, 'PartitionRecord v2 at metadata.version 4.1-IV0');
  for (const id of [1, 2, 3]) await controller.processBrokerHeartbeat(heartbeat(id, epochs.get(id)!, quorum.image.offset, { wantFence: true }), Infinity);
  const [fenced] = await controller.createTopics([{ name: 'f', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], false);
  assert.equal(fenced!.errorMessage, 'Unable to replicate the partition 1 time(s): All brokers are currently fenced, or have all their log directories cordoned.');
  const [manual] = await controller.createTopics([{ name: 'm', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1, 2] }], configs: [] }], false);
  assert.equal(manual!.errorCode, Errors.INVALID_REPLICA_ASSIGNMENT);
  assert.equal(manual!.errorMessage, 'All brokers specified in the manual partition assignment for partition 0 are fenced or in controlled shutdown.');
});

test('AllocateProducerIds checks the broker epoch', async () => {
  const { controller, epochs } = await activeCluster([1]);
  await rejectsWith(controller.allocateProducerIds(1, epochs.get(1)! + 5n), Errors.STALE_BROKER_EPOCH);
  assert.deepEqual(await controller.allocateProducerIds(1, epochs.get(1)!), { start: 0n, length: 1000 });
});
