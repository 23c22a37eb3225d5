import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetadataDelta } from '../../../src/metadata/metadata-delta.ts';
import { EMPTY_IMAGE } from '../../../src/metadata/metadata-image.ts';
import type { MetadataRecord } from '../../../src/metadata/metadata-record-serde.ts';
import { partitionRecordData } from '../../fixtures/metadata/partition-record.ts';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

function topicRecord(name: string, topicId: string): MetadataRecord {
  return { type: 'TopicRecord', version: 0, data: { name, topicId } };
}

function partitionRecord(partitionId: number, replicas: number[], isr: number[]): MetadataRecord {
  return { type: 'PartitionRecord', version: 2, data: partitionRecordData(TOPIC_ID, partitionId, replicas, isr) };
}

test('partitions with equal replica lists share one frozen list; empty lists are one shared list', () => {
  const delta = new MetadataDelta(EMPTY_IMAGE);
  let offset = 0n;
  delta.replay(topicRecord('t', TOPIC_ID), offset++, 1);
  for (let p = 0; p < 4; p++) delta.replay(partitionRecord(p, p < 2 ? [1, 2] : [2, 1], [1]), offset++, 1);
  const { image, changes } = delta.apply();
  const parts = image.topicsByName.get('t')!.partitions;
  const [p0, p1, p2, p3] = [0, 1, 2, 3].map((p) => parts.get(p)!);
  assert.deepEqual([...p0!.replicas], [1, 2]);
  assert.deepEqual([...p2!.replicas], [2, 1], 'the order of a replica list is kept');
  assert.equal(p0!.replicas, p1!.replicas);
  assert.equal(p2!.replicas, p3!.replicas);
  assert.notEqual(p0!.replicas, p2!.replicas);
  assert.equal(p0!.isr, p3!.isr);
  assert.equal(p0!.removingReplicas, p3!.addingReplicas);
  assert.ok(Object.isFrozen(p0!.replicas) && Object.isFrozen(p0!.removingReplicas));
  assert.equal(changes.changedPartitions.size, 4);
});

test('a PartitionChangeRecord keeps the lists it leaves null and interns the ones it sets', () => {
  const first = new MetadataDelta(EMPTY_IMAGE);
  first.replay(topicRecord('t', TOPIC_ID), 0n, 1);
  first.replay(partitionRecord(0, [1, 2, 3], [1, 2, 3]), 1n, 1);
  first.replay(partitionRecord(1, [1, 2, 3], [1, 2]), 2n, 1);
  const base = first.apply().image;
  const delta = new MetadataDelta(base);
  delta.replay(
    {
      type: 'PartitionChangeRecord',
      version: 0,
      data: {
        partitionId: 0,
        topicId: TOPIC_ID,
        isr: [1, 2],
        leader: 2,
        replicas: null,
        removingReplicas: null,
        addingReplicas: null,
        leaderRecoveryState: -1,
        directories: null,
        eligibleLeaderReplicas: null,
        lastKnownElr: null,
      },
    },
    3n,
    1,
  );
  const after = delta.apply().image.topicsById.get(TOPIC_ID)!.partitions;
  const before = base.topicsById.get(TOPIC_ID)!.partitions;
  assert.equal(after.get(0)!.replicas, before.get(0)!.replicas);
  assert.equal(after.get(0)!.isr, before.get(1)!.isr, 'the new ISR is the interned [1, 2]');
  assert.deepEqual([after.get(0)!.leader, after.get(0)!.leaderEpoch, after.get(0)!.partitionEpoch], [2, 1, 1]);
  assert.equal(after.get(1), before.get(1));
});

const MV21 = { type: 'FeatureLevelRecord', version: 0, data: { name: 'metadata.version', featureLevel: 21 } } as const;

function broker(brokerId: number, brokerEpoch: bigint): MetadataRecord {
  return {
    type: 'RegisterBrokerRecord',
    version: 3,
    data: {
      brokerId, isMigratingZkBroker: false, incarnationId: 'AAAAAAAAAAAAAAAAAAAAAg', brokerEpoch,
      endPoints: [{ name: 'PLAINTEXT', host: 'h', port: 9092, securityProtocol: 0 }],
      features: [{ name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: 21 }],
      rack: null, fenced: true, inControlledShutdown: false, logDirs: ['gAAAAAAAAAAAAAAAAAAAAQ'],
    },
  };
}

function change(data: Partial<Extract<MetadataRecord, { type: 'PartitionChangeRecord' }>['data']>): MetadataRecord {
  return {
    type: 'PartitionChangeRecord',
    version: 0,
    data: { partitionId: 0, topicId: TOPIC_ID, isr: null, leader: -2, replicas: null, removingReplicas: null, addingReplicas: null, leaderRecoveryState: -1, directories: null, eligibleLeaderReplicas: null, lastKnownElr: null, ...data },
  };
}

function imageOf(...records: MetadataRecord[]) {
  const delta = new MetadataDelta(EMPTY_IMAGE);
  records.forEach((r, i) => delta.replay(r, BigInt(i), 1));
  return delta.apply().image;
}

function replayOn(image: ReturnType<typeof imageOf>, ...records: MetadataRecord[]) {
  const delta = new MetadataDelta(image);
  records.forEach((r, i) => delta.replay(r, image.offset + 1n + BigInt(i), 1));
  return delta.apply();
}

test('a PartitionChangeRecord naming the current leader still bumps the leader epoch (Kafka fences the old epoch that way)', () => {
  const base = imageOf(topicRecord('t', TOPIC_ID), partitionRecord(0, [1, 2], [1, 2]));
  const p = replayOn(base, change({ leader: 1 })).image.topicsById.get(TOPIC_ID)!.partitions.get(0)!;
  assert.deepEqual([p.leader, p.leaderEpoch, p.partitionEpoch], [1, 1, 1]);
  const q = replayOn(base, change({ isr: [1] })).image.topicsById.get(TOPIC_ID)!.partitions.get(0)!;
  assert.deepEqual([q.leader, q.leaderEpoch, q.partitionEpoch, [...q.isr]], [1, 0, 1, [1]]);
});

test('partition directories default to MIGRATING per replica, follow replica changes, and must match the replica count', () => {
  const base = imageOf(topicRecord('t', TOPIC_ID), partitionRecord(0, [1, 2], [1, 2]));
  const p = base.topicsById.get(TOPIC_ID)!.partitions.get(0)!;
  assert.deepEqual([...p.directories], ['AAAAAAAAAAAAAAAAAAAAAA', 'AAAAAAAAAAAAAAAAAAAAAA']);
  const grown = replayOn(base, change({ replicas: [1, 2, 3] })).image.topicsById.get(TOPIC_ID)!.partitions.get(0)!;
  assert.equal(grown.directories.length, 3);
  const dirs = ['gAAAAAAAAAAAAAAAAAAAAQ', 'gAAAAAAAAAAAAAAAAAAAAg'];
  const assigned = replayOn(base, change({ directories: dirs })).image;
  assert.deepEqual([...assigned.topicsById.get(TOPIC_ID)!.partitions.get(0)!.directories], dirs);
  assert.throws(() => replayOn(assigned, change({ replicas: [1, 2, 3] })), /2 directories for 3 replicas/);
  assert.throws(() => replayOn(base, change({ replicas: [1], directories: dirs })), /2 directories for 1 replicas/);
  assert.throws(() => replayOn(base, change({ leaderRecoveryState: 2 })), /unknown leader recovery state 2/);
});

test('eligible leader replicas and reassignment lists are held, and cleared lists are the shared empty list', () => {
  const base = imageOf(topicRecord('t', TOPIC_ID), partitionRecord(0, [1, 2, 3], [1]));
  const p = replayOn(base, change({ eligibleLeaderReplicas: [2], lastKnownElr: [3], addingReplicas: [3], removingReplicas: [2] })).image;
  const reg = p.topicsById.get(TOPIC_ID)!.partitions.get(0)!;
  assert.deepEqual([[...reg.elr], [...reg.lastKnownElr], [...reg.addingReplicas], [...reg.removingReplicas]], [[2], [3], [3], [2]]);
  const cleared = replayOn(p, change({ eligibleLeaderReplicas: [], lastKnownElr: [] })).image.topicsById.get(TOPIC_ID)!.partitions.get(0)!;
  assert.deepEqual([[...cleared.elr], [...cleared.addingReplicas]], [[], [3]]);
  assert.equal(cleared.elr, base.topicsById.get(TOPIC_ID)!.partitions.get(0)!.elr);
});

test("broker records must carry the registered broker's epoch; change records only take Kafka's values", () => {
  const base = imageOf(MV21, broker(1, 10n));
  assert.throws(() => replayOn(base, { type: 'UnfenceBrokerRecord', version: 0, data: { id: 1, epoch: 9n } }), /given epoch, 9, did not match the current broker epoch, 10/);
  assert.throws(() => replayOn(base, { type: 'FenceBrokerRecord', version: 0, data: { id: 2, epoch: 10n } }), /not registered/);
  const unfenced = replayOn(base, { type: 'UnfenceBrokerRecord', version: 0, data: { id: 1, epoch: 10n } });
  assert.equal(unfenced.image.brokers.get(1)!.fenced, false);
  assert.deepEqual([...unfenced.changes.changedBrokers], [1]);
  const changeRecord = (fenced: number, inControlledShutdown: number, logDirs: string[] = []): MetadataRecord => ({
    type: 'BrokerRegistrationChangeRecord', version: 2, data: { brokerId: 1, brokerEpoch: 10n, fenced, inControlledShutdown, logDirs },
  });
  const shut = replayOn(unfenced.image, changeRecord(0, 1, ['gAAAAAAAAAAAAAAAAAAAAw'])).image.brokers.get(1)!;
  assert.deepEqual([shut.fenced, shut.inControlledShutdown, [...shut.directories]], [false, true, ['gAAAAAAAAAAAAAAAAAAAAw']]);
  assert.equal(replayOn(unfenced.image, changeRecord(1, 0)).image.brokers.get(1)!.fenced, true);
  assert.equal(replayOn(unfenced.image, changeRecord(0, 0)).changes.changedBrokers.size, 0, 'a change that changes nothing is not reported');
  assert.throws(() => replayOn(unfenced.image, changeRecord(2, 0)), /unknown value for fenced: 2/);
  assert.throws(() => replayOn(unfenced.image, changeRecord(0, -1)), /unknown value for inControlledShutdown: -1/);
  const registered = base.brokers.get(1)!;
  assert.deepEqual([[...registered.supportedFeatures], [...registered.directories], registered.isMigratingZkBroker], [
    [{ name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: 21 }], ['gAAAAAAAAAAAAAAAAAAAAQ'], false,
  ]);
});

test('metadata.version must be a level Kafka 4 knows; kraft.version is left to the Raft layer; a feature at level 0 is removed', () => {
  for (const featureLevel of [0, 6, 35]) {
    assert.throws(() => imageOf({ type: 'FeatureLevelRecord', version: 0, data: { name: 'metadata.version', featureLevel } }), /Unsupported metadata.version/);
  }
  const image = imageOf(
    MV21,
    { type: 'FeatureLevelRecord', version: 0, data: { name: 'kraft.version', featureLevel: 1 } },
    { type: 'FeatureLevelRecord', version: 0, data: { name: 'group.version', featureLevel: 1 } },
    { type: 'FeatureLevelRecord', version: 0, data: { name: 'transaction.version', featureLevel: 2 } },
    { type: 'FeatureLevelRecord', version: 0, data: { name: 'group.version', featureLevel: 0 } },
  );
  assert.deepEqual([...image.features], [['metadata.version', 21], ['transaction.version', 2]]);
});

test('unknown record types and metadata transaction records are refused; NoOp and ZkMigrationState records change nothing', () => {
  assert.throws(() => imageOf({ type: 'Unknown', version: 0, apiKey: 28, data: null }), /Unknown metadata record type \(api key 28/);
  assert.throws(() => imageOf({ type: 'BeginTransactionRecord', version: 0, data: { name: 'x' } }), /the loader holds metadata transactions back/);
  const base = imageOf(MV21);
  const { image, changes } = replayOn(base, { type: 'NoOpRecord', version: 0, data: {} }, { type: 'ZkMigrationStateRecord', version: 0, data: { zkMigrationState: 0 } });
  assert.equal(image.features, base.features);
  assert.equal(image.offset, base.offset + 2n);
  assert.equal(changes.changedFeatures.size + changes.changedBrokers.size, 0);
});

test('a topic id or name that is live cannot be created again; a deleted name can', () => {
  const base = imageOf(topicRecord('t', TOPIC_ID));
  assert.throws(() => replayOn(base, topicRecord('u', TOPIC_ID)), /existing topic id/);
  assert.throws(() => replayOn(base, topicRecord('t', 'AAAAAAAAAAAAAAAAAAAAAg')), /are both named t/);
  const { image, changes } = replayOn(base, { type: 'RemoveTopicRecord', version: 0, data: { topicId: TOPIC_ID } }, topicRecord('t', 'AAAAAAAAAAAAAAAAAAAAAg'));
  assert.equal(image.topicsByName.get('t')!.id, 'AAAAAAAAAAAAAAAAAAAAAg');
  assert.deepEqual([[...changes.createdTopics], [...changes.deletedTopics.keys()]], [['AAAAAAAAAAAAAAAAAAAAAg'], [TOPIC_ID]]);
});

test('removing a topic removes its configs; quota entities and config resources left empty disappear', () => {
  const config = (name: string, value: string | null): MetadataRecord => ({ type: 'ConfigRecord', version: 0, data: { resourceType: 2, resourceName: 't', name, value } });
  const quota = (key: string, value: number, remove: boolean): MetadataRecord => ({
    type: 'ClientQuotaRecord', version: 0, data: { entity: [{ entityType: 'user', entityName: 'alice' }, { entityType: 'client-id', entityName: null }], key, value, remove },
  });
  const base = imageOf(topicRecord('t', TOPIC_ID), config('retention.ms', '1'), quota('producer_byte_rate', 1024, false));
  assert.deepEqual([...base.configs.get('2:t')!], [['retention.ms', '1']]);
  assert.deepEqual([...base.clientQuotas.get('[["client-id",null],["user","alice"]]')!], [['producer_byte_rate', 1024]]);
  const after = replayOn(base, { type: 'RemoveTopicRecord', version: 0, data: { topicId: TOPIC_ID } }, quota('producer_byte_rate', 0, true));
  assert.equal(after.image.configs.size + after.image.clientQuotas.size, 0);
  assert.deepEqual([[...after.changes.changedConfigs], [...after.changes.changedClientQuotas]], [['2:t'], ['[["client-id",null],["user","alice"]]']]);
  const emptied = replayOn(base, config('retention.ms', null)).image;
  assert.equal(emptied.configs.has('2:t'), false);
});

test('ACLs, SCRAM credentials and delegation tokens are held; removing an unknown ACL is refused; SCRAM bytes do not keep the record alive', () => {
  const value = Buffer.from('xxSALTxxSTOREDKEYxxSERVERKEYxx');
  const image = imageOf(
    MV21,
    { type: 'AccessControlEntryRecord', version: 0, data: { id: 'AAAAAAAAAAAAAAAAAAAAAw', resourceType: 2, resourceName: 't', patternType: 3, principal: 'User:a', host: '*', operation: 3, permissionType: 3 } },
    { type: 'UserScramCredentialRecord', version: 0, data: { name: 'alice', mechanism: 1, salt: value.subarray(2, 6), storedKey: value.subarray(8, 17), serverKey: value.subarray(19, 28), iterations: 4096 } },
    { type: 'DelegationTokenRecord', version: 0, data: { tokenId: 'tok', owner: 'User:a', requester: 'User:b', renewers: ['User:c'], issueTimestamp: 1n, maxTimestamp: 3n, expirationTimestamp: 2n } },
  );
  assert.equal(image.acls.get('AAAAAAAAAAAAAAAAAAAAAw')!.principal, 'User:a');
  const credential = image.scram.get('alice')!.get(1)!;
  assert.deepEqual([credential.salt.toString(), credential.storedKey.toString(), credential.serverKey.toString(), credential.iterations], ['SALT', 'STOREDKEY', 'SERVERKEY', 4096]);
  assert.notEqual(credential.salt.buffer, value.buffer, 'the salt is a copy, not a view of the record');
  assert.deepEqual(image.delegationTokens.get('tok')!.renewers, ['User:c']);
  assert.throws(() => replayOn(image, { type: 'RemoveAccessControlEntryRecord', version: 0, data: { id: 'AAAAAAAAAAAAAAAAAAAABA' } }), /Failed to find existing ACL/);
  const { image: after, changes } = replayOn(
    image,
    { type: 'RemoveAccessControlEntryRecord', version: 0, data: { id: 'AAAAAAAAAAAAAAAAAAAAAw' } },
    { type: 'RemoveUserScramCredentialRecord', version: 0, data: { name: 'alice', mechanism: 1 } },
    { type: 'RemoveDelegationTokenRecord', version: 0, data: { tokenId: 'tok' } },
  );
  assert.equal(after.acls.size + after.scram.size + after.delegationTokens.size, 0);
  assert.deepEqual([[...changes.changedAcls], [...changes.changedScramUsers], [...changes.changedDelegationTokens]], [['AAAAAAAAAAAAAAAAAAAAAw'], ['alice'], ['tok']]);
});

test('controllers are registered with their endpoints and features; an unknown security protocol is refused', () => {
  const controller = (securityProtocol: number): MetadataRecord => ({
    type: 'RegisterControllerRecord', version: 0,
    data: { controllerId: 3000, incarnationId: 'AAAAAAAAAAAAAAAAAAAABQ', zkMigrationReady: false, endPoints: [{ name: 'CONTROLLER', host: 'c', port: 9093, securityProtocol }], features: [{ name: 'kraft.version', minSupportedVersion: 0, maxSupportedVersion: 1 }] },
  });
  const image = imageOf(MV21, controller(0));
  assert.deepEqual(image.controllers.get(3000)!.endpoints, [{ name: 'CONTROLLER', host: 'c', port: 9093, securityProtocol: 0 }]);
  assert.throws(() => imageOf(MV21, controller(9)), /unknown security protocol 9/);
});

test('a delta is applied once', () => {
  const delta = new MetadataDelta(EMPTY_IMAGE);
  delta.replay(MV21, 0n, 1);
  delta.apply();
  assert.throws(() => delta.replay(MV21, 1n, 1), /already applied/);
});
