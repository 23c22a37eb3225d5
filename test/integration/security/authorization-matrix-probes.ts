// The API probes of the principal x resource matrix (authorization-matrix-principals.test.ts): each sends one
// request about the resources of one matrix cell, says which error Kafka's KafkaApis / ControllerApis (4.4) answers
// given the principal's rights (checks in Kafka's order, the rights computed by the test's ACL model), and reads
// back what the request could have written so a denied request is shown to leave nothing behind.
import assert from 'node:assert/strict';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { AclOperation as Op, ResourceType as RT } from '../../../src/security/authorizer/acl-codes.ts';
import { buildRecordBatch } from '../../../src/protocol/records/record-batch-builder.ts';
import { ZERO_UUID_STRING } from '../../../src/common/uuid.ts';

type Any = any;

export const CLUSTER = 'kafka-cluster';

/** The resource names of one (principal, column) pair: all start with `prefix`, which no other pair shares. */
export interface Names {
  readonly prefix: string;
  readonly topic: string;
  readonly group: string;
  readonly joinGroup: string;
  readonly txn: string;
  /** Topics the principal tries to create (CreateTopics, Metadata auto-creation) and the ACL CreateAcls writes. */
  readonly newTopic: string;
  readonly autoTopic: string;
  readonly aclTopic: string;
}

export function namesOf(prefix: string): Names {
  return { prefix, topic: `${prefix}t`, group: `${prefix}g`, joinGroup: `${prefix}j`, txn: `${prefix}x`, newTopic: `${prefix}new`, autoTopic: `${prefix}auto`, aclTopic: `${prefix}acl` };
}

export interface ProbeContext {
  readonly client: RawKafkaClient;
  /** The node's own view (every right), to read state and list what exists. */
  readonly admin: RawKafkaClient;
  readonly n: Names;
  /** The model's decision for the principal under test. */
  may(op: number, resourceType: number, name: string): boolean;
  mayByResourceType(op: number, resourceType: number): boolean;
}

/** A request whose outcome is one error code: `expect` gives Kafka's (NONE when allowed). */
export interface CodeProbe {
  readonly api: string;
  expect(c: ProbeContext): number;
  run(c: ProbeContext): Promise<number>;
  /** Codes an allowed request may answer (default NONE); 'any': any code but an authorization error. */
  readonly ok?: readonly number[] | 'any';
  /** What the request could write, read through the admin connection; equal before and after a denied request. */
  state?(c: ProbeContext): Promise<unknown>;
}

/** A request that lists resources: the principal sees exactly those of `all` the model lets it describe. */
export interface ListingProbe {
  readonly api: string;
  list(c: ProbeContext): Promise<string[]>;
  all(c: ProbeContext): Promise<string[]>;
  visible(c: ProbeContext, name: string): boolean;
}

export type Probe = CodeProbe | ListingProbe;

/** The first failing check's error, else NONE: Kafka answers the first authorization that fails. */
function firstFailing(...checks: [boolean, number][]): number {
  return checks.find(([ok]) => !ok)?.[1] ?? Errors.NONE;
}

const TAF = Errors.TOPIC_AUTHORIZATION_FAILED;
const GAF = Errors.GROUP_AUTHORIZATION_FAILED;
const CAF = Errors.CLUSTER_AUTHORIZATION_FAILED;
const XAF = Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;

const metadataOf = (names: string[] | null, autoCreate = false) => ({
  topics: names === null ? null : names.map((name) => ({ topicId: ZERO_UUID_STRING, name })),
  allowAutoTopicCreation: autoCreate, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
});

export async function topicNames(admin: RawKafkaClient): Promise<string[]> {
  const r: Any = await admin.request(ApiKeys.Metadata, 12, metadataOf(null));
  return r.topics.map((t: Any) => t.name).sort();
}

async function offsetOf(admin: RawKafkaClient, topic: string, timestamp: bigint): Promise<bigint> {
  const r: Any = await admin.request(ApiKeys.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }] });
  return r.topics[0].partitions[0].offset;
}

async function committedOffset(admin: RawKafkaClient, n: Names): Promise<bigint> {
  const r: Any = await admin.request(ApiKeys.OffsetFetch, 7, { groupId: n.group, topics: [{ name: n.topic, partitionIndexes: [0] }], requireStable: false });
  return r.topics[0]?.partitions[0]?.committedOffset ?? -1n;
}

async function aclCount(admin: RawKafkaClient, n: Names): Promise<number> {
  const r: Any = await admin.request(ApiKeys.DescribeAcls, 3, { resourceTypeFilter: RT.TOPIC, resourceNameFilter: n.aclTopic, patternTypeFilter: 3, principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: 1 });
  return r.resources.reduce((k: number, x: Any) => k + x.acls.length, 0);
}

async function listTransactions(client: RawKafkaClient): Promise<string[]> {
  const r: Any = await client.request(ApiKeys.ListTransactions, 0, { stateFilters: [], producerIdFilters: [], durationFilter: -1n });
  return r.transactionStates.map((t: Any) => t.transactionalId).sort();
}

/** Retries `run` (which throws until its condition holds) every 50 ms until it passes or `timeoutMs` runs out. */
export async function eventually<T>(what: string, run: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await run();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Creates `acls` (CreateAcls creations) through `admin`; each must succeed. */
export async function createAcls(admin: RawKafkaClient, acls: readonly object[]): Promise<void> {
  if (acls.length === 0) return;
  const r: Any = await admin.request(ApiKeys.CreateAcls, 3, { creations: acls });
  assert.deepEqual(r.results.map((x: Any) => x.errorCode), acls.map(() => Errors.NONE));
}

/** How many ACLs of `host` the broker's authorizer holds (DescribeAcls reads the cache its decisions use). */
export async function aclsOfHost(admin: RawKafkaClient, host: string): Promise<number> {
  const r: Any = await admin.request(ApiKeys.DescribeAcls, 3, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: host, operation: 1, permissionType: 1 });
  assert.equal(r.errorCode, Errors.NONE);
  return r.resources.reduce((k: number, x: Any) => k + x.acls.length, 0);
}

export async function produce(client: RawKafkaClient, topic: string, value: string): Promise<number> {
  const records = await buildRecordBatch({ records: [{ value }] });
  const r: Any = await client.request(ApiKeys.Produce, 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  return r.responses[0].partitionResponses[0].errorCode;
}

const leo = (c: ProbeContext) => offsetOf(c.admin, c.n.topic, -1n);
const topicExists = (name: (n: Names) => string) => async (c: ProbeContext) => (await topicNames(c.admin)).includes(name(c.n));
const topicConfig = async (c: ProbeContext): Promise<string> => {
  const d: Any = await c.admin.request(ApiKeys.DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: c.n.topic, configurationKeys: ['retention.ms'] }], includeSynonyms: false, includeDocumentation: false });
  return d.results[0].configs[0].value;
};
const may = (op: number, type: number, name: (n: Names) => string) => (c: ProbeContext) => c.may(op, type, name(c.n));
const onCluster = (op: number) => (c: ProbeContext) => c.may(op, RT.CLUSTER, CLUSTER);

/** A request denied with `error` unless the principal may `op` on the topic. */
function topicProbe(api: string, op: number, run: (c: ProbeContext) => Promise<number>, extra: Partial<CodeProbe> = {}): CodeProbe {
  return { api, expect: (c) => firstFailing([c.may(op, RT.TOPIC, c.n.topic), TAF]), run, ...extra };
}

/** A request denied with CLUSTER_AUTHORIZATION_FAILED unless the principal may `op` on the cluster. */
function clusterProbe(api: string, op: number, run: (c: ProbeContext) => Promise<number>, extra: Partial<CodeProbe> = {}): CodeProbe {
  return { api, expect: (c) => firstFailing([onCluster(op)(c), CAF]), run, ...extra };
}

const fetchOf = (topic: string) => ({
  replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, rackId: '',
  topics: [{ topic, topicId: ZERO_UUID_STRING, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
  forgottenTopicsData: [], replicaState: { replicaId: -1, replicaEpoch: -1n },
});

const describeCluster = (c: ProbeContext, api: number, version: number, body: object) => c.client.request<Any>(api, version, body).then((r) => r.errorCode as number);

/** The probes in the order they run: reads first, then writes, then the deletions of the pair's resources. */
export const PROBES: readonly Probe[] = [
  {
    api: 'Metadata (all topics): exactly the describable topics',
    list: async (c) => ((await c.client.request<Any>(ApiKeys.Metadata, 12, metadataOf(null))).topics.map((t: Any) => t.name).sort()),
    all: (c) => topicNames(c.admin),
    visible: (c, name) => c.may(Op.DESCRIBE, RT.TOPIC, name),
  },
  topicProbe('Metadata (named topic)', Op.DESCRIBE, async (c) => (await c.client.request<Any>(ApiKeys.Metadata, 12, metadataOf([c.n.topic]))).topics[0].errorCode),
  topicProbe('DescribeTopicPartitions', Op.DESCRIBE, async (c) => (await c.client.request<Any>(ApiKeys.DescribeTopicPartitions, 0, { topics: [{ name: c.n.topic }], responsePartitionLimit: 100, cursor: null })).topics[0].errorCode),
  topicProbe('ListOffsets', Op.DESCRIBE, async (c) => (await c.client.request<Any>(ApiKeys.ListOffsets, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: c.n.topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] })).topics[0].partitions[0].errorCode),
  topicProbe('Fetch', Op.READ, async (c) => (await c.client.request<Any>(ApiKeys.Fetch, 12, fetchOf(c.n.topic))).responses[0].partitions[0].errorCode),
  topicProbe('DescribeProducers', Op.READ, async (c) => (await c.client.request<Any>(ApiKeys.DescribeProducers, 0, { topics: [{ name: c.n.topic, partitionIndexes: [0] }] })).topics[0].partitions[0].errorCode),
  topicProbe('DescribeConfigs (topic)', Op.DESCRIBE_CONFIGS, async (c) => (await c.client.request<Any>(ApiKeys.DescribeConfigs, 4, { resources: [{ resourceType: 2, resourceName: c.n.topic, configurationKeys: null }], includeSynonyms: false, includeDocumentation: false })).results[0].errorCode),
  clusterProbe('DescribeConfigs (broker)', Op.DESCRIBE_CONFIGS, async (c) => (await c.client.request<Any>(ApiKeys.DescribeConfigs, 4, { resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['log.retention.ms'] }], includeSynonyms: false, includeDocumentation: false })).results[0].errorCode),
  clusterProbe('DescribeLogDirs', Op.DESCRIBE, (c) => describeCluster(c, ApiKeys.DescribeLogDirs, 4, { topics: null })),
  clusterProbe('DescribeAcls', Op.DESCRIBE, (c) => describeCluster(c, ApiKeys.DescribeAcls, 3, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 })),
  clusterProbe('ListPartitionReassignments', Op.DESCRIBE, (c) => describeCluster(c, ApiKeys.ListPartitionReassignments, 0, { timeoutMs: 10_000, topics: null })),
  clusterProbe('DescribeUserScramCredentials', Op.DESCRIBE, (c) => describeCluster(c, ApiKeys.DescribeUserScramCredentials, 0, { users: null })),
  clusterProbe('DescribeClientQuotas', Op.DESCRIBE_CONFIGS, (c) => describeCluster(c, ApiKeys.DescribeClientQuotas, 1, { components: [], strict: false })),
  {
    api: 'FindCoordinator (group)',
    expect: (c) => firstFailing([may(Op.DESCRIBE, RT.GROUP, (n) => n.group)(c), GAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.FindCoordinator, 4, { keyType: 0, coordinatorKeys: [c.n.group], key: '' })).coordinators[0].errorCode,
  },
  topicProbe('Produce', Op.WRITE, (c) => produce(c.client, c.n.topic, 'probe'), { state: leo }),
  {
    api: 'OffsetCommit: READ on the group, then READ on the topic',
    expect: (c) => firstFailing([may(Op.READ, RT.GROUP, (n) => n.group)(c), GAF], [c.may(Op.READ, RT.TOPIC, c.n.topic), TAF]),
    run: async (c) => {
      const body = { groupId: c.n.group, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: c.n.topic, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }] }] };
      return (await c.client.request<Any>(ApiKeys.OffsetCommit, 8, body)).topics[0].partitions[0].errorCode;
    },
    state: (c) => committedOffset(c.admin, c.n),
  },
  {
    api: 'OffsetFetch: DESCRIBE on the group, then DESCRIBE on the topic',
    expect: (c) => firstFailing([may(Op.DESCRIBE, RT.GROUP, (n) => n.group)(c), GAF], [c.may(Op.DESCRIBE, RT.TOPIC, c.n.topic), TAF]),
    run: async (c) => {
      const r: Any = await c.client.request(ApiKeys.OffsetFetch, 7, { groupId: c.n.group, topics: [{ name: c.n.topic, partitionIndexes: [0] }], requireStable: false });
      return r.errorCode !== Errors.NONE ? r.errorCode : r.topics[0].partitions[0].errorCode;
    },
  },
  {
    api: 'DescribeGroups',
    expect: (c) => firstFailing([may(Op.DESCRIBE, RT.GROUP, (n) => n.group)(c), GAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.DescribeGroups, 5, { groups: [c.n.group], includeAuthorizedOperations: false })).groups[0].errorCode,
  },
  {
    api: 'JoinGroup',
    expect: (c) => firstFailing([may(Op.READ, RT.GROUP, (n) => n.joinGroup)(c), GAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.JoinGroup, 5, { groupId: c.n.joinGroup, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }], reason: null })).errorCode,
    ok: [Errors.MEMBER_ID_REQUIRED],
  },
  {
    api: 'ListGroups: every group with DESCRIBE on the cluster, else exactly the describable groups',
    list: async (c) => ((await c.client.request<Any>(ApiKeys.ListGroups, 4, { statesFilter: [] })).groups.map((g: Any) => g.groupId).sort()),
    all: async (c) => ((await c.admin.request<Any>(ApiKeys.ListGroups, 4, { statesFilter: [] })).groups.map((g: Any) => g.groupId).sort()),
    visible: (c, name) => c.may(Op.DESCRIBE, RT.CLUSTER, CLUSTER) || c.may(Op.DESCRIBE, RT.GROUP, name),
  },
  {
    api: 'InitProducerId (idempotent): IDEMPOTENT_WRITE on the cluster or WRITE on some topic',
    expect: (c) => firstFailing([onCluster(Op.IDEMPOTENT_WRITE)(c) || c.mayByResourceType(Op.WRITE, RT.TOPIC), CAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.InitProducerId, 4, { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })).errorCode,
  },
  {
    api: 'FindCoordinator + InitProducerId (transactional): WRITE on the transactional id',
    expect: (c) => firstFailing([may(Op.DESCRIBE, RT.TRANSACTIONAL_ID, (n) => n.txn)(c), XAF], [may(Op.WRITE, RT.TRANSACTIONAL_ID, (n) => n.txn)(c), XAF]),
    run: async (c) => {
      const found: Any = await c.client.request(ApiKeys.FindCoordinator, 4, { keyType: 1, coordinatorKeys: [c.n.txn], key: '' });
      if (found.coordinators[0].errorCode !== Errors.NONE) return found.coordinators[0].errorCode;
      return (await c.client.request<Any>(ApiKeys.InitProducerId, 4, { transactionalId: c.n.txn, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 })).errorCode;
    },
  },
  {
    api: 'DescribeTransactions',
    expect: (c) => firstFailing([may(Op.DESCRIBE, RT.TRANSACTIONAL_ID, (n) => n.txn)(c), XAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.DescribeTransactions, 0, { transactionalIds: [c.n.txn] })).transactionStates[0].errorCode,
    ok: [Errors.NONE, Errors.TRANSACTIONAL_ID_NOT_FOUND],
  },
  {
    api: 'ListTransactions: exactly the describable transactional ids',
    list: async (c) => listTransactions(c.client),
    all: (c) => listTransactions(c.admin),
    visible: (c, id) => c.may(Op.DESCRIBE, RT.TRANSACTIONAL_ID, id),
  },
  {
    api: 'AddPartitionsToTxn (v3, client): WRITE on the transactional id, then WRITE on the topic',
    expect: (c) => firstFailing([may(Op.WRITE, RT.TRANSACTIONAL_ID, (n) => n.txn)(c), XAF], [c.may(Op.WRITE, RT.TOPIC, c.n.topic), TAF]),
    run: async (c) => {
      const body = { transactions: [], v3AndBelowTransactionalId: c.n.txn, v3AndBelowProducerId: 424242n, v3AndBelowProducerEpoch: 0, v3AndBelowTopics: [{ name: c.n.topic, partitions: [0] }] };
      return (await c.client.request<Any>(ApiKeys.AddPartitionsToTxn, 3, body)).resultsByTopicV3AndBelow[0].resultsByPartition[0].partitionErrorCode;
    },
    ok: [Errors.INVALID_PRODUCER_ID_MAPPING],
  },
  {
    api: 'AddOffsetsToTxn: WRITE on the transactional id, then READ on the group',
    expect: (c) => firstFailing([may(Op.WRITE, RT.TRANSACTIONAL_ID, (n) => n.txn)(c), XAF], [may(Op.READ, RT.GROUP, (n) => n.group)(c), GAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.AddOffsetsToTxn, 3, { transactionalId: c.n.txn, producerId: 424242n, producerEpoch: 0, groupId: c.n.group })).errorCode,
    ok: [Errors.INVALID_PRODUCER_ID_MAPPING],
  },
  {
    api: 'TxnOffsetCommit: WRITE on the transactional id, READ on the group, READ on the topic',
    expect: (c) => firstFailing([may(Op.WRITE, RT.TRANSACTIONAL_ID, (n) => n.txn)(c), XAF], [may(Op.READ, RT.GROUP, (n) => n.group)(c), GAF], [c.may(Op.READ, RT.TOPIC, c.n.topic), TAF]),
    run: async (c) => {
      const body = { transactionalId: c.n.txn, groupId: c.n.group, producerId: 424242n, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null, topics: [{ name: c.n.topic, partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, committedMetadata: '' }] }] };
      return (await c.client.request<Any>(ApiKeys.TxnOffsetCommit, 3, body)).topics[0].partitions[0].errorCode;
    },
    ok: 'any',
    state: (c) => committedOffset(c.admin, c.n),
  },
  {
    api: 'EndTxn: WRITE on the transactional id',
    expect: (c) => firstFailing([may(Op.WRITE, RT.TRANSACTIONAL_ID, (n) => n.txn)(c), XAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.EndTxn, 3, { transactionalId: c.n.txn, producerId: 424242n, producerEpoch: 0, committed: false })).errorCode,
    ok: [Errors.INVALID_PRODUCER_ID_MAPPING],
  },
  {
    api: 'Heartbeat: READ on the group',
    expect: (c) => firstFailing([may(Op.READ, RT.GROUP, (n) => n.group)(c), GAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.Heartbeat, 4, { groupId: c.n.group, generationId: 1, memberId: 'matrix-member', groupInstanceId: null })).errorCode,
    ok: [Errors.UNKNOWN_MEMBER_ID],
  },
  {
    api: 'LeaveGroup: READ on the group',
    expect: (c) => firstFailing([may(Op.READ, RT.GROUP, (n) => n.group)(c), GAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.LeaveGroup, 5, { groupId: c.n.group, memberId: '', members: [{ memberId: 'matrix-member', groupInstanceId: null, reason: null }] })).errorCode,
    ok: [Errors.NONE],
  },
  {
    api: 'ConsumerGroupDescribe: DESCRIBE on the group',
    expect: (c) => firstFailing([may(Op.DESCRIBE, RT.GROUP, (n) => n.group)(c), GAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.ConsumerGroupDescribe, 0, { groupIds: [c.n.group], includeAuthorizedOperations: false })).groups[0].errorCode,
    ok: [Errors.NONE, Errors.GROUP_ID_NOT_FOUND],
  },
  topicProbe('OffsetForLeaderEpoch (client)', Op.DESCRIBE, async (c) => (await c.client.request<Any>(ApiKeys.OffsetForLeaderEpoch, 4, { replicaId: -1, topics: [{ topic: c.n.topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] })).topics[0].partitions[0].errorCode),
  topicProbe('AlterConfigs (topic, validate only)', Op.ALTER_CONFIGS, async (c) => (await c.client.request<Any>(ApiKeys.AlterConfigs, 2, { resources: [{ resourceType: 2, resourceName: c.n.topic, configs: [{ name: 'retention.ms', value: '7654321' }] }], validateOnly: true })).responses[0].errorCode),
  clusterProbe('AlterClientQuotas (validate only)', Op.ALTER_CONFIGS, async (c) => (await c.client.request<Any>(ApiKeys.AlterClientQuotas, 1, { entries: [{ entity: [{ entityType: 'user', entityName: 'matrix-quota' }], ops: [{ key: 'producer_byte_rate', value: 1024, remove: false }] }], validateOnly: true })).entries[0].errorCode),
  clusterProbe('AlterUserScramCredentials', Op.ALTER, async (c) => (await c.client.request<Any>(ApiKeys.AlterUserScramCredentials, 0, { deletions: [{ name: 'matrix-nobody', mechanism: 1 }], upsertions: [] })).results[0].errorCode, { ok: [Errors.RESOURCE_NOT_FOUND] }),
  {
    api: 'Metadata auto-creation: DESCRIBE, then CREATE on the cluster or the topic',
    expect: (c) => firstFailing([c.may(Op.DESCRIBE, RT.TOPIC, c.n.autoTopic), TAF], [onCluster(Op.CREATE)(c) || c.may(Op.CREATE, RT.TOPIC, c.n.autoTopic), TAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.Metadata, 12, metadataOf([c.n.autoTopic], true))).topics[0].errorCode,
    ok: [Errors.NONE, Errors.LEADER_NOT_AVAILABLE],
    state: topicExists((n) => n.autoTopic),
  },
  {
    api: 'CreateTopics: CREATE on the cluster or the topic',
    expect: (c) => firstFailing([onCluster(Op.CREATE)(c) || c.may(Op.CREATE, RT.TOPIC, c.n.newTopic), TAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.CreateTopics, 7, { topics: [{ name: c.n.newTopic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false })).topics[0].errorCode,
    state: topicExists((n) => n.newTopic),
  },
  topicProbe('CreatePartitions (validate only)', Op.ALTER, async (c) => (await c.client.request<Any>(ApiKeys.CreatePartitions, 3, { topics: [{ name: c.n.topic, count: 2, assignments: null }], timeoutMs: 10_000, validateOnly: true })).results[0].errorCode),
  topicProbe('IncrementalAlterConfigs (topic)', Op.ALTER_CONFIGS, async (c) => (await c.client.request<Any>(ApiKeys.IncrementalAlterConfigs, 1, { resources: [{ resourceType: 2, resourceName: c.n.topic, configs: [{ name: 'retention.ms', configOperation: 0, value: '7654321' }] }], validateOnly: false })).responses[0].errorCode, { state: topicConfig }),
  clusterProbe('IncrementalAlterConfigs (broker, validate only)', Op.ALTER_CONFIGS, async (c) => (await c.client.request<Any>(ApiKeys.IncrementalAlterConfigs, 1, { resources: [{ resourceType: 4, resourceName: '1', configs: [{ name: 'log.cleaner.threads', configOperation: 0, value: '1' }] }], validateOnly: true })).responses[0].errorCode),
  clusterProbe('ElectLeaders', Op.ALTER, async (c) => (await c.client.request<Any>(ApiKeys.ElectLeaders, 2, { electionType: 0, topicPartitions: [{ topic: c.n.topic, partitions: [0] }], timeoutMs: 10_000 })).errorCode),
  clusterProbe('CreateAcls', Op.ALTER, async (c) => {
    const creation = { resourceType: RT.TOPIC, resourceName: c.n.aclTopic, resourcePatternType: 3, principal: 'User:matrix-probe', host: '*', operation: Op.READ, permissionType: 3 };
    return (await c.client.request<Any>(ApiKeys.CreateAcls, 3, { creations: [creation] })).results[0].errorCode;
  }, { state: (c) => aclCount(c.admin, c.n) }),
  clusterProbe('DeleteAcls', Op.ALTER, async (c) => {
    const filter = { resourceTypeFilter: RT.TOPIC, resourceNameFilter: c.n.aclTopic, patternTypeFilter: 3, principalFilter: null, hostFilter: null, operation: Op.ANY, permissionType: 1 };
    return (await c.client.request<Any>(ApiKeys.DeleteAcls, 3, { filters: [filter] })).filterResults[0].errorCode;
  }, { state: (c) => aclCount(c.admin, c.n) }),
  {
    // KIP-1037 (Kafka 3.8): ALTER on the cluster, as for an admin aborting a hanging transaction, else CLUSTER_ACTION.
    api: 'WriteTxnMarkers: ALTER or CLUSTER_ACTION on the cluster',
    expect: (c) => firstFailing([onCluster(Op.ALTER)(c) || onCluster(Op.CLUSTER_ACTION)(c), CAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.WriteTxnMarkers, 1, { markers: [{ producerId: 999n, producerEpoch: 0, transactionResult: false, topics: [{ name: c.n.topic, partitionIndexes: [0] }], coordinatorEpoch: 0 }] })).markers[0].topics[0].partitions[0].errorCode,
    ok: 'any',
    state: leo,
  },
  topicProbe('DeleteRecords', Op.DELETE, async (c) => (await c.client.request<Any>(ApiKeys.DeleteRecords, 2, { topics: [{ name: c.n.topic, partitions: [{ partitionIndex: 0, offset: 1n }] }], timeoutMs: 10_000 })).topics[0].partitions[0].errorCode, { state: (c) => offsetOf(c.admin, c.n.topic, -2n) }),
  {
    api: 'OffsetDelete: DELETE on the group, then READ on the topic',
    expect: (c) => firstFailing([may(Op.DELETE, RT.GROUP, (n) => n.group)(c), GAF], [c.may(Op.READ, RT.TOPIC, c.n.topic), TAF]),
    run: async (c) => {
      const r: Any = await c.client.request(ApiKeys.OffsetDelete, 0, { groupId: c.n.group, topics: [{ name: c.n.topic, partitions: [{ partitionIndex: 0 }] }] });
      return r.errorCode !== Errors.NONE ? r.errorCode : r.topics[0].partitions[0].errorCode;
    },
    ok: [Errors.NONE, Errors.GROUP_ID_NOT_FOUND],
    state: (c) => committedOffset(c.admin, c.n),
  },
  {
    api: 'DeleteGroups',
    expect: (c) => firstFailing([may(Op.DELETE, RT.GROUP, (n) => n.group)(c), GAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.DeleteGroups, 2, { groupsNames: [c.n.group] })).results[0].errorCode,
    ok: [Errors.NONE, Errors.GROUP_ID_NOT_FOUND],
    state: (c) => committedOffset(c.admin, c.n),
  },
  {
    api: 'DeleteTopics: DESCRIBE, then DELETE on the topic',
    expect: (c) => firstFailing([c.may(Op.DESCRIBE, RT.TOPIC, c.n.topic), TAF], [c.may(Op.DELETE, RT.TOPIC, c.n.topic), TAF]),
    run: async (c) => (await c.client.request<Any>(ApiKeys.DeleteTopics, 6, { topics: [{ name: c.n.topic, topicId: ZERO_UUID_STRING }], topicNames: [], timeoutMs: 10_000 })).responses[0].errorCode,
    state: topicExists((n) => n.topic),
  },
];

/** The authorization errors: an answer outside them is a request that got past authorization. */
export const AUTHORIZATION_ERRORS: ReadonlySet<number> = new Set([TAF, GAF, CAF, XAF]);
