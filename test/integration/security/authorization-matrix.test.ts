// The authorization matrix (issue 18): for each API cell, a request of the principal without the ACL its operation
// needs, then with it, on one broker (combined broker + controller) running the StandardAuthorizer with
// allow.everyone.if.no.acl.found=false and no super user. The expected decision and the exact error in the exact
// place are Kafka's (KafkaApis / ControllerApis, 4.4), written out per cell; a denied request must also leave
// nothing behind (no record appended, no topic created or deleted, no partition added, no config changed, no group
// or offset stored), which each cell checks through a connection of the node itself.
//
// Principals: on PLAINTEXT every connection is User:ANONYMOUS, so the node's own connections (brokers to the
// controller: Envelope, heartbeats, internal topic creation) and the test's "admin" connection come from 127.0.0.1
// with ACLs allowing ALL on every resource from that host, and the principal under test connects from 127.0.0.2,
// where only the ACLs a cell grants apply. The ACLs that let the node start are created under super.users and the
// node is restarted without super users. The principals x resource patterns matrix (SASL users, super user,
// literal/prefixed/wildcard/denied grants) is authorization-matrix-principals.test.ts; this file keeps one grant per cell.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { AclOperation, AclPermissionType, PatternType, ResourceType } from '../../../src/security/authorizer/acl-codes.ts';
import { buildRecordBatch } from '../../../src/protocol/records/record-batch-builder.ts';
import { ZERO_UUID_STRING } from '../../../src/common/uuid.ts';
import { aclsOfHost, createAcls, eventually } from './authorization-matrix-probes.ts';

type Any = any;

const NODE_HOST = '127.0.0.1';
const CLIENT_HOST = '127.0.0.2';
const TOPIC = 'matrix';
const GROUP = 'matrix-group';
const TXN = 'matrix-txn';
const CLUSTER = 'kafka-cluster';

/** The principals under test (rows). Each connects from CLIENT_HOST; the ACLs of a cell name `principal`. */
const PRINCIPALS = [{ principal: 'User:ANONYMOUS', connect: (port: number) => RawKafkaClient.connect(port, NODE_HOST, undefined, CLIENT_HOST) }];

interface Grant { resourceType: number; resourceName: string; operation: number }

function acl(principal: string, host: string, g: Grant) {
  return { resourceType: g.resourceType, resourceName: g.resourceName, resourcePatternType: PatternType.LITERAL, principal, host, operation: g.operation, permissionType: AclPermissionType.ALLOW };
}

/** A cell: what the request needs, the denied answer (and that nothing was written), the allowed answer. */
interface Cell {
  readonly name: string;
  readonly grants: readonly Grant[];
  /** Extra ACLs granted before the denied request (a cell that checks a second resource of the same request). */
  readonly given?: readonly Grant[];
  denied(client: RawKafkaClient, admin: RawKafkaClient): Promise<void>;
  allowed(client: RawKafkaClient, admin: RawKafkaClient): Promise<void>;
}

const topicGrant = (operation: number, resourceName = TOPIC): Grant => ({ resourceType: ResourceType.TOPIC, resourceName, operation });
const groupGrant = (operation: number): Grant => ({ resourceType: ResourceType.GROUP, resourceName: GROUP, operation });
const clusterGrant = (operation: number): Grant => ({ resourceType: ResourceType.CLUSTER, resourceName: CLUSTER, operation });
const txnGrant = (operation: number): Grant => ({ resourceType: ResourceType.TRANSACTIONAL_ID, resourceName: TXN, operation });

async function logEndOffset(admin: RawKafkaClient): Promise<bigint> {
  const r: Any = await admin.request(ApiKeys.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] });
  return r.topics[0].partitions[0].offset;
}

async function topicNames(admin: RawKafkaClient): Promise<string[]> {
  const r: Any = await admin.request(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  return r.topics.map((t: Any) => t.name).sort();
}

async function partitionCount(admin: RawKafkaClient, topic: string): Promise<number> {
  const r: Any = await admin.request(ApiKeys.Metadata, 12, { topics: [{ topicId: ZERO_UUID_STRING, name: topic }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  return r.topics[0].partitions.length;
}

async function committedOffset(admin: RawKafkaClient): Promise<bigint> {
  const r: Any = await admin.request(ApiKeys.OffsetFetch, 7, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }], requireStable: false });
  return r.topics[0]?.partitions[0]?.committedOffset ?? -1n;
}

const metadataOf = (names: string[] | null, autoCreate = false) => ({
  topics: names === null ? null : names.map((name) => ({ topicId: ZERO_UUID_STRING, name })),
  allowAutoTopicCreation: autoCreate,
  includeClusterAuthorizedOperations: false,
  includeTopicAuthorizedOperations: false,
});

async function produce(client: RawKafkaClient, value: string): Promise<Any> {
  const records = await buildRecordBatch({ records: [{ value }] });
  return client.request(ApiKeys.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: 0, records }] }] });
}

const fetchOf = (replicaId: number) => ({
  replicaId, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: '',
  topics: [{ topic: TOPIC, topicId: ZERO_UUID_STRING, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
  forgottenTopicsData: [], replicaState: { replicaId: -1, replicaEpoch: -1n },
});

const commitOf = (offset: bigint) => ({ groupId: GROUP, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }] }] });

/** An OffsetCommit cell: denied with `deniedCode` on the partition (the stored offset stays `before`), then `offset` is stored. */
function offsetCommitCell(needs: string, given: Grant[], grant: Grant, deniedCode: number, before: bigint, offset: bigint): Cell {
  return {
    name: `OffsetCommit: ${needs}`,
    given,
    grants: [grant],
    async denied(c, admin) {
      const r: Any = await c.request(ApiKeys.OffsetCommit, 8, commitOf(offset));
      assert.equal(r.topics[0].partitions[0].errorCode, deniedCode);
      assert.equal(await committedOffset(admin), before, 'no offset stored');
    },
    async allowed(c, admin) {
      const r: Any = await c.request(ApiKeys.OffsetCommit, 8, commitOf(offset));
      assert.equal(r.topics[0].partitions[0].errorCode, Errors.NONE);
      assert.equal(await committedOffset(admin), offset);
    },
  };
}

const CELLS: readonly Cell[] = [
  {
    name: 'Metadata (named topic): DESCRIBE on the topic',
    grants: [topicGrant(AclOperation.DESCRIBE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.Metadata, 12, metadataOf([TOPIC]));
      assert.deepEqual([r.topics[0].name, r.topics[0].errorCode, r.topics[0].topicId, r.topics[0].partitions.length], [TOPIC, Errors.TOPIC_AUTHORIZATION_FAILED, ZERO_UUID_STRING, 0]);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.Metadata, 12, metadataOf([TOPIC]));
      assert.deepEqual([r.topics[0].errorCode, r.topics[0].partitions.length], [Errors.NONE, 1]);
    },
  },
  {
    name: 'Metadata (all topics): unauthorized topics are hidden',
    grants: [topicGrant(AclOperation.DESCRIBE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.Metadata, 12, metadataOf(null));
      assert.deepEqual(r.topics, []);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.Metadata, 12, metadataOf(null));
      assert.deepEqual(r.topics.map((t: Any) => t.name), [TOPIC]);
    },
  },
  {
    name: 'Metadata auto-creation: CREATE on the topic (DESCRIBE given)',
    given: [topicGrant(AclOperation.DESCRIBE, 'auto-created')],
    grants: [topicGrant(AclOperation.CREATE, 'auto-created')],
    async denied(c, admin) {
      const r: Any = await c.request(ApiKeys.Metadata, 12, metadataOf(['auto-created'], true));
      assert.deepEqual([r.topics[0].name, r.topics[0].errorCode], ['auto-created', Errors.TOPIC_AUTHORIZATION_FAILED]);
      assert.ok(!(await topicNames(admin)).includes('auto-created'), 'no topic created');
    },
    async allowed(c, admin) {
      const r: Any = await c.request(ApiKeys.Metadata, 12, metadataOf(['auto-created'], true));
      assert.equal(r.topics[0].errorCode, Errors.NONE);
      assert.ok((await topicNames(admin)).includes('auto-created'));
    },
  },
  {
    name: 'Produce: WRITE on the topic',
    grants: [topicGrant(AclOperation.WRITE)],
    async denied(c, admin) {
      const before = await logEndOffset(admin);
      const r: Any = await produce(c, 'denied');
      assert.deepEqual([r.responses[0].name, r.responses[0].partitionResponses[0].errorCode], [TOPIC, Errors.TOPIC_AUTHORIZATION_FAILED]);
      assert.equal(await logEndOffset(admin), before, 'nothing appended');
    },
    async allowed(c, admin) {
      const before = await logEndOffset(admin);
      const r: Any = await produce(c, 'allowed');
      assert.equal(r.responses[0].partitionResponses[0].errorCode, Errors.NONE);
      assert.equal(await logEndOffset(admin), before + 1n);
    },
  },
  {
    name: 'Fetch (consumer): READ on the topic',
    grants: [topicGrant(AclOperation.READ)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.Fetch, 12, fetchOf(-1));
      const p = r.responses[0].partitions[0];
      assert.deepEqual([r.errorCode, p.errorCode, p.highWatermark, p.records?.length ?? 0], [Errors.NONE, Errors.TOPIC_AUTHORIZATION_FAILED, -1n, 0]);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.Fetch, 12, fetchOf(-1));
      const p = r.responses[0].partitions[0];
      assert.equal(p.errorCode, Errors.NONE);
      assert.ok(p.records.length > 0, 'records returned');
    },
  },
  {
    name: 'Fetch (follower, replica id >= 0): CLUSTER_ACTION on the cluster',
    given: [topicGrant(AclOperation.READ)],
    grants: [clusterGrant(AclOperation.CLUSTER_ACTION)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.Fetch, 12, fetchOf(7));
      assert.equal(r.responses[0].partitions[0].errorCode, Errors.TOPIC_AUTHORIZATION_FAILED);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.Fetch, 12, fetchOf(7));
      // Authorized: the fetch reaches the replica manager, which knows no replica 7 of this partition.
      assert.notEqual(r.responses[0].partitions[0].errorCode, Errors.TOPIC_AUTHORIZATION_FAILED);
    },
  },
  {
    name: 'ListOffsets: DESCRIBE on the topic',
    grants: [topicGrant(AclOperation.DESCRIBE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] });
      assert.deepEqual([r.topics[0].partitions[0].errorCode, r.topics[0].partitions[0].offset], [Errors.TOPIC_AUTHORIZATION_FAILED, -1n]);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] });
      assert.equal(r.topics[0].partitions[0].errorCode, Errors.NONE);
    },
  },
  {
    name: 'CreateTopics (forwarded to the controller): CREATE on the topic',
    grants: [topicGrant(AclOperation.CREATE, 'created-by-client')],
    async denied(c, admin) {
      const r: Any = await c.request(ApiKeys.CreateTopics, 7, { topics: [{ name: 'created-by-client', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
      assert.deepEqual([r.topics[0].name, r.topics[0].errorCode], ['created-by-client', Errors.TOPIC_AUTHORIZATION_FAILED]);
      assert.ok(!(await topicNames(admin)).includes('created-by-client'), 'no topic created');
    },
    async allowed(c, admin) {
      const r: Any = await c.request(ApiKeys.CreateTopics, 7, { topics: [{ name: 'created-by-client', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
      assert.equal(r.topics[0].errorCode, Errors.NONE);
      // No DESCRIBE_CONFIGS on it: the configs are withheld.
      assert.equal(r.topics[0].topicConfigErrorCode, Errors.TOPIC_AUTHORIZATION_FAILED);
      await eventually('topic visible', async () => assert.ok((await topicNames(admin)).includes('created-by-client')));
    },
  },
  {
    name: 'CreatePartitions (forwarded): ALTER on the topic',
    grants: [topicGrant(AclOperation.ALTER)],
    async denied(c, admin) {
      const r: Any = await c.request(ApiKeys.CreatePartitions, 3, { topics: [{ name: TOPIC, count: 2, assignments: null }], timeoutMs: 10_000, validateOnly: true });
      assert.deepEqual([r.results[0].name, r.results[0].errorCode], [TOPIC, Errors.TOPIC_AUTHORIZATION_FAILED]);
      assert.equal(await partitionCount(admin, TOPIC), 1);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.CreatePartitions, 3, { topics: [{ name: TOPIC, count: 2, assignments: null }], timeoutMs: 10_000, validateOnly: true });
      assert.equal(r.results[0].errorCode, Errors.NONE);
    },
  },
  {
    name: 'DeleteTopics (forwarded): DESCRIBE and DELETE on the topic',
    grants: [topicGrant(AclOperation.DELETE, 'auto-created')],
    async denied(c, admin) {
      const r: Any = await c.request(ApiKeys.DeleteTopics, 6, { topics: [{ name: 'auto-created', topicId: ZERO_UUID_STRING }], topicNames: [], timeoutMs: 10_000 });
      assert.deepEqual([r.responses[0].name, r.responses[0].errorCode, r.responses[0].topicId], ['auto-created', Errors.TOPIC_AUTHORIZATION_FAILED, ZERO_UUID_STRING]);
      assert.ok((await topicNames(admin)).includes('auto-created'), 'the topic stays');
    },
    async allowed(c, admin) {
      const r: Any = await c.request(ApiKeys.DeleteTopics, 6, { topics: [{ name: 'auto-created', topicId: ZERO_UUID_STRING }], topicNames: [], timeoutMs: 10_000 });
      assert.equal(r.responses[0].errorCode, Errors.NONE);
      await eventually('topic gone', async () => assert.ok(!(await topicNames(admin)).includes('auto-created')));
    },
  },
  {
    name: 'DeleteRecords: DELETE on the topic',
    grants: [topicGrant(AclOperation.DELETE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.DeleteRecords, 2, { topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 5000 });
      assert.deepEqual([r.topics[0].partitions[0].errorCode, r.topics[0].partitions[0].lowWatermark], [Errors.TOPIC_AUTHORIZATION_FAILED, -1n]);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.DeleteRecords, 2, { topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 5000 });
      assert.equal(r.topics[0].partitions[0].errorCode, Errors.NONE);
    },
  },
  {
    name: 'DescribeConfigs (topic): DESCRIBE_CONFIGS on the topic',
    grants: [topicGrant(AclOperation.DESCRIBE_CONFIGS)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
      assert.deepEqual([r.results[0].errorCode, r.results[0].configs.length], [Errors.TOPIC_AUTHORIZATION_FAILED, 0]);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
      assert.equal(r.results[0].errorCode, Errors.NONE);
    },
  },
  {
    name: 'DescribeConfigs (broker): DESCRIBE_CONFIGS on the cluster',
    grants: [clusterGrant(AclOperation.DESCRIBE_CONFIGS)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.DescribeConfigs, 4, { resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['log.retention.ms'] }], includeSynonyms: false, includeDocumentation: false });
      assert.equal(r.results[0].errorCode, Errors.CLUSTER_AUTHORIZATION_FAILED);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.DescribeConfigs, 4, { resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['log.retention.ms'] }], includeSynonyms: false, includeDocumentation: false });
      assert.equal(r.results[0].errorCode, Errors.NONE);
    },
  },
  {
    name: 'IncrementalAlterConfigs (topic, forwarded): ALTER_CONFIGS on the topic',
    grants: [topicGrant(AclOperation.ALTER_CONFIGS)],
    async denied(c, admin) {
      const r: Any = await c.request(ApiKeys.IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: TOPIC, configs: [{ name: 'retention.ms', configOperation: 0, value: '12345' }] }], validateOnly: false });
      assert.equal(r.responses[0].errorCode, Errors.TOPIC_AUTHORIZATION_FAILED);
      const d: Any = await admin.request(ApiKeys.DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: TOPIC, configurationKeys: ['retention.ms'] }], includeSynonyms: false, includeDocumentation: false });
      assert.notEqual(d.results[0].configs[0].value, '12345', 'config unchanged');
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: TOPIC, configs: [{ name: 'retention.ms', configOperation: 0, value: '12345' }] }], validateOnly: true });
      assert.equal(r.responses[0].errorCode, Errors.NONE);
    },
  },
  {
    name: 'FindCoordinator (group): DESCRIBE on the group',
    grants: [groupGrant(AclOperation.DESCRIBE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.FindCoordinator, 4, { keyType: 0, coordinatorKeys: [GROUP], key: '' });
      assert.deepEqual([r.coordinators[0].errorCode, r.coordinators[0].nodeId], [Errors.GROUP_AUTHORIZATION_FAILED, -1]);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.FindCoordinator, 4, { keyType: 0, coordinatorKeys: [GROUP], key: '' });
      assert.equal(r.coordinators[0].errorCode, Errors.NONE);
    },
  },
  offsetCommitCell('READ on the group', [topicGrant(AclOperation.READ)], groupGrant(AclOperation.READ), Errors.GROUP_AUTHORIZATION_FAILED, -1n, 1n),
  offsetCommitCell('READ on the topic (group READ given)', [groupGrant(AclOperation.READ)], topicGrant(AclOperation.READ), Errors.TOPIC_AUTHORIZATION_FAILED, 1n, 2n),
  {
    name: 'OffsetFetch: DESCRIBE on the group, DESCRIBE on the topic',
    given: [groupGrant(AclOperation.DESCRIBE)],
    grants: [topicGrant(AclOperation.DESCRIBE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.OffsetFetch, 7, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }], requireStable: false });
      assert.deepEqual([r.errorCode, r.topics[0].partitions[0].errorCode, r.topics[0].partitions[0].committedOffset], [Errors.NONE, Errors.TOPIC_AUTHORIZATION_FAILED, -1n]);
      const all: Any = await c.request(ApiKeys.OffsetFetch, 7, { groupId: GROUP, topics: null, requireStable: false });
      assert.deepEqual(all.topics, [], 'an all-topics fetch hides the topic');
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.OffsetFetch, 7, { groupId: GROUP, topics: [{ name: TOPIC, partitionIndexes: [0] }], requireStable: false });
      assert.deepEqual([r.topics[0].partitions[0].errorCode, r.topics[0].partitions[0].committedOffset], [Errors.NONE, 2n]);
    },
  },
  {
    name: 'DescribeGroups: DESCRIBE on the group',
    grants: [groupGrant(AclOperation.DESCRIBE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.DescribeGroups, 5, { groups: [GROUP], includeAuthorizedOperations: true });
      assert.equal(r.groups[0].errorCode, Errors.GROUP_AUTHORIZATION_FAILED);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.DescribeGroups, 5, { groups: [GROUP], includeAuthorizedOperations: true });
      assert.deepEqual([r.groups[0].errorCode, r.groups[0].authorizedOperations], [Errors.NONE, 1 << AclOperation.DESCRIBE]);
    },
  },
  {
    name: 'ListGroups: DESCRIBE on the cluster, else only describable groups',
    grants: [groupGrant(AclOperation.DESCRIBE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.ListGroups, 4, { statesFilter: [] });
      assert.deepEqual([r.errorCode, r.groups], [Errors.NONE, []]);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.ListGroups, 4, { statesFilter: [] });
      assert.deepEqual(r.groups.map((g: Any) => g.groupId), [GROUP]);
    },
  },
  {
    name: 'JoinGroup: READ on the group',
    grants: [groupGrant(AclOperation.READ)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.JoinGroup, 5, { groupId: 'joined', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null });
      assert.equal(r.errorCode, Errors.GROUP_AUTHORIZATION_FAILED);
    },
    async allowed() {
      // Granted on GROUP, not on 'joined': the allowed join is covered by the OffsetCommit cells of GROUP.
    },
  },
  {
    name: 'DeleteGroups: DELETE on the group',
    grants: [groupGrant(AclOperation.DELETE)],
    async denied(c, admin) {
      const r: Any = await c.request(ApiKeys.DeleteGroups, 2, { groupsNames: [GROUP] });
      assert.equal(r.results[0].errorCode, Errors.GROUP_AUTHORIZATION_FAILED);
      assert.equal(await committedOffset(admin), 2n, 'the group and its offsets stay');
    },
    async allowed(c, admin) {
      const r: Any = await c.request(ApiKeys.DeleteGroups, 2, { groupsNames: [GROUP] });
      assert.equal(r.results[0].errorCode, Errors.NONE);
      assert.equal(await committedOffset(admin), -1n);
    },
  },
  {
    name: 'InitProducerId (idempotent): IDEMPOTENT_WRITE on the cluster',
    grants: [clusterGrant(AclOperation.IDEMPOTENT_WRITE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
      assert.deepEqual([r.errorCode, r.producerId], [Errors.CLUSTER_AUTHORIZATION_FAILED, -1n]);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
      assert.equal(r.errorCode, Errors.NONE);
    },
  },
  {
    name: 'InitProducerId (transactional): WRITE on the transactional id',
    grants: [txnGrant(AclOperation.WRITE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.InitProducerId, 4, { transactionalId: TXN, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
      assert.equal(r.errorCode, Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    },
    async allowed(c) {
      const r: Any = await eventually('coordinator ready', async () => {
        // FindCoordinator creates __transaction_state; WRITE implies the DESCRIBE it needs.
        const found: Any = await c.request(ApiKeys.FindCoordinator, 4, { keyType: 1, coordinatorKeys: [TXN], key: '' });
        assert.equal(found.coordinators[0].errorCode, Errors.NONE);
        const res: Any = await c.request(ApiKeys.InitProducerId, 4, { transactionalId: TXN, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 });
        assert.notEqual(res.errorCode, Errors.COORDINATOR_LOAD_IN_PROGRESS);
        assert.notEqual(res.errorCode, Errors.NOT_COORDINATOR);
        return res;
      });
      assert.equal(r.errorCode, Errors.NONE);
    },
  },
  {
    name: 'DescribeLogDirs: DESCRIBE on the cluster',
    grants: [clusterGrant(AclOperation.DESCRIBE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.DescribeLogDirs, 4, { topics: null });
      assert.deepEqual([r.errorCode, r.results.length], [Errors.CLUSTER_AUTHORIZATION_FAILED, 0]);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.DescribeLogDirs, 4, { topics: null });
      assert.equal(r.errorCode, Errors.NONE);
    },
  },
  {
    name: 'DescribeTopicPartitions: DESCRIBE on the topic (named: TOPIC_AUTHORIZATION_FAILED; all topics: hidden)',
    grants: [topicGrant(AclOperation.DESCRIBE)],
    async denied(c) {
      const named: Any = await c.request(ApiKeys.DescribeTopicPartitions, 0, { topics: [{ name: TOPIC }], responsePartitionLimit: 100, cursor: null });
      assert.deepEqual([named.topics[0].name, named.topics[0].errorCode, named.topics[0].partitions.length], [TOPIC, Errors.TOPIC_AUTHORIZATION_FAILED, 0]);
      const all: Any = await c.request(ApiKeys.DescribeTopicPartitions, 0, { topics: [], responsePartitionLimit: 100, cursor: null });
      assert.deepEqual(all.topics, []);
    },
    async allowed(c) {
      const named: Any = await c.request(ApiKeys.DescribeTopicPartitions, 0, { topics: [{ name: TOPIC }], responsePartitionLimit: 100, cursor: null });
      assert.deepEqual([named.topics[0].errorCode, named.topics[0].partitions.length], [Errors.NONE, 1]);
      // Only DESCRIBE is granted: the authorized operations say so (bit 8 of Kafka's AclOperation codes).
      assert.equal(named.topics[0].topicAuthorizedOperations, 1 << AclOperation.DESCRIBE);
    },
  },
  {
    name: 'ListPartitionReassignments (forwarded): DESCRIBE on the cluster',
    grants: [clusterGrant(AclOperation.DESCRIBE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.ListPartitionReassignments, 0, { timeoutMs: 10_000, topics: null });
      assert.equal(r.errorCode, Errors.CLUSTER_AUTHORIZATION_FAILED);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.ListPartitionReassignments, 0, { timeoutMs: 10_000, topics: null });
      assert.deepEqual([r.errorCode, r.topics], [Errors.NONE, []]);
    },
  },
  {
    name: 'DescribeAcls: DESCRIBE on the cluster',
    grants: [clusterGrant(AclOperation.DESCRIBE)],
    async denied(c) {
      const r: Any = await c.request(ApiKeys.DescribeAcls, 3, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
      assert.equal(r.errorCode, Errors.CLUSTER_AUTHORIZATION_FAILED);
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.DescribeAcls, 3, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
      assert.equal(r.errorCode, Errors.NONE);
    },
  },
  {
    name: 'WriteTxnMarkers: CLUSTER_ACTION on the cluster',
    grants: [clusterGrant(AclOperation.CLUSTER_ACTION)],
    async denied(c, admin) {
      const before = await logEndOffset(admin);
      const r: Any = await c.request(ApiKeys.WriteTxnMarkers, 1, { markers: [{ producerId: 999n, producerEpoch: 0, transactionResult: false, topics: [{ name: TOPIC, partitionIndexes: [0] }], coordinatorEpoch: 0 }] });
      assert.equal(r.markers[0].topics[0].partitions[0].errorCode, Errors.CLUSTER_AUTHORIZATION_FAILED);
      assert.equal(await logEndOffset(admin), before, 'no marker written');
    },
    async allowed(c) {
      const r: Any = await c.request(ApiKeys.WriteTxnMarkers, 1, { markers: [{ producerId: 999n, producerEpoch: 0, transactionResult: false, topics: [{ name: TOPIC, partitionIndexes: [0] }], coordinatorEpoch: 0 }] });
      assert.notEqual(r.markers[0].topics[0].partitions[0].errorCode, Errors.CLUSTER_AUTHORIZATION_FAILED);
    },
  },
];

/** The ACLs the node needs for itself (its own connections come from NODE_HOST): everything, as a super user has. */
const NODE_GRANTS: Grant[] = [
  clusterGrant(AclOperation.ALL),
  { resourceType: ResourceType.TOPIC, resourceName: '*', operation: AclOperation.ALL },
  { resourceType: ResourceType.GROUP, resourceName: '*', operation: AclOperation.ALL },
  { resourceType: ResourceType.TRANSACTIONAL_ID, resourceName: '*', operation: AclOperation.ALL },
];

describe('authorization matrix (StandardAuthorizer, allow.everyone.if.no.acl.found=false)', () => {
  let broker: TestBroker | undefined;
  before(async () => {
    const boot = await startBroker({ serverOptions: { standardAuthorizer: { superUsers: ['User:ANONYMOUS'], allowEveryoneIfNoAclFound: false } } });
    const admin = await RawKafkaClient.connect(boot.port);
    try {
      await createAcls(admin, NODE_GRANTS.map((g) => acl('User:ANONYMOUS', NODE_HOST, g)));
      const r: Any = await admin.request(ApiKeys.CreateTopics, 7, { topics: [{ name: TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
      assert.equal(r.topics[0].errorCode, Errors.NONE);
      await eventually('topic leader', async () => assert.equal((await produce(admin, 'seed')).responses[0].partitionResponses[0].errorCode, Errors.NONE));
    } finally {
      await admin.close();
    }
    await boot.stop();
    broker = await startBroker({ dataDir: boot.dataDir, serverOptions: { standardAuthorizer: { superUsers: [], allowEveryoneIfNoAclFound: false } } });
  });
  after(async () => broker?.cleanup());

  for (const row of PRINCIPALS) {
    test(`${row.principal}: each API denied without its ACL (exact error, nothing written), allowed with it`, async () => {
      const admin = await RawKafkaClient.connect(broker!.port, NODE_HOST);
      const client = await row.connect(broker!.port);
      let unauthorizedSuccesses = 0;
      try {
        for (const cell of CELLS) {
          await createAcls(admin, (cell.given ?? []).map((g) => acl(row.principal, CLIENT_HOST, g)));
          await eventually(`${cell.name}: given ACLs`, async () => assert.equal(await aclsOfHost(admin, CLIENT_HOST), cell.given?.length ?? 0));
          try {
            await cell.denied(client, admin);
          } catch (err) {
            unauthorizedSuccesses++;
            throw new Error(`${cell.name} (denied): ${(err as Error).message}`);
          }
          await createAcls(admin, cell.grants.map((g) => acl(row.principal, CLIENT_HOST, g)));
          await eventually(`${cell.name} (allowed)`, () => cell.allowed(client, admin));
          const deleted: Any = await admin.request(ApiKeys.DeleteAcls, 3, { filters: [{ resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: CLIENT_HOST, operation: 1, permissionType: 1 }] });
          assert.equal(deleted.filterResults[0].errorCode, Errors.NONE);
          await eventually(`${cell.name}: ACLs removed`, async () => assert.equal(await aclsOfHost(admin, CLIENT_HOST), 0));
        }
      } finally {
        await client.close();
        await admin.close();
      }
      assert.equal(unauthorizedSuccesses, 0);
    });
  }
});
