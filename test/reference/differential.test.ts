// The first differential corpus: the same raw requests to Apache Kafka 4.4.0 and to our broker, at every version both
// serve where the request can be written, compared after normalisation (differential-harness.ts). Scenarios run in
// order on both brokers, so their states stay alike: topics are created, written and read identically on both. Every
// difference must be listed with its reason in accepted-deviations.json. Skipped when the reference jars are not
// resolved (mvn -f reference/pom.xml dependency:build-classpath; .ci/run does it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { buildRecordBatchSync } from '../../src/protocol/records/record-batch-builder.ts';
import { startBroker, waitFor, type TestBroker } from '../helpers/broker.ts';
import { REFERENCE_KAFKA_AVAILABLE, startReferenceKafka, TEST_HEAP_OPTS, type ReferenceKafka } from '../helpers/reference-kafka.ts';
import { DifferentialHarness, type Side } from './differential-harness.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
const TOPIC = 'ref-a';
/** A topic whose max.message.bytes is small, for the oversize batch. */
const SMALL_TOPIC = 'ref-small';
/**
 * Record timestamps are set by the test, so stored batches (and Fetch's record bytes) are identical on both brokers;
 * recent, so that time-based retention (7 days), which each broker checks on its own schedule, deletes nothing.
 */
const T0 = Date.now() - 60_000;

function batch(values: string[], timestamp = T0, extraBytes = 0): Buffer {
  return buildRecordBatchSync({
    defaultTimestamp: timestamp,
    records: values.map((v, i) => ({ key: `k${i}`, value: extraBytes > 0 ? v + 'x'.repeat(extraBytes) : v, timestamp: timestamp + i })),
  });
}

describe('differential: Apache Kafka 4.4.0 and our broker answer the same requests alike', { skip: !REFERENCE_KAFKA_AVAILABLE && 'reference Kafka jars not resolved (mvn -f reference/pom.xml dependency:build-classpath)' }, () => {
  let kafka: ReferenceKafka | undefined;
  let ours: TestBroker | undefined;
  let h: DifferentialHarness;
  const topicIds: Record<Side, Map<string, string>> = { kafka: new Map(), ours: new Map() };

  before(async () => {
    // The same config on both (referenceKafkaProps is testBrokerProps on fixed ports).
    // Both start at once; if one fails, the other is kept for after() to stop (a broker left running would keep
    // this test file's process alive).
    const [k, o] = await Promise.allSettled([startReferenceKafka({ heapOpts: TEST_HEAP_OPTS }), startBroker()]);
    if (k.status === 'fulfilled') kafka = k.value;
    if (o.status === 'fulfilled') ours = o.value;
    if (k.status === 'rejected') throw k.reason;
    if (o.status === 'rejected') throw o.reason;
    h = await DifferentialHarness.connect(kafka!.port, ours!.port);
  });

  after(async () => {
    await h?.close();
    await Promise.all([kafka?.stop(), ours?.cleanup()]);
    if (h !== undefined) process.stdout.write(`${h.summary()}\n`);
  });

  test('ApiVersions', async () => {
    await h.everyVersion('', ApiKeys.ApiVersions, (v) => (v >= 3 ? { clientSoftwareName: 'differential', clientSoftwareVersion: '1.0' } : {}));
    await h.everyVersion('invalid client software name', ApiKeys.ApiVersions, () => ({ clientSoftwareName: '-bad name!', clientSoftwareVersion: '1.0' }));
  });

  test('CreateTopics', async () => {
    const topic = (name: string, extra: object = {}): object => ({ name, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [], ...extra });
    // The topics the later scenarios use, created alike on both.
    await h.exchange('setup', ApiKeys.CreateTopics, 5, () => ({
      topics: [topic(TOPIC), topic(SMALL_TOPIC, { numPartitions: 1, configs: [{ name: 'max.message.bytes', value: '1000' }] })],
      timeoutMs: 30_000,
    }));
    await h.everyVersion('good', ApiKeys.CreateTopics, (v) => ({ topics: [topic(`ct-good-v${v}`)], timeoutMs: 30_000 }));
    await h.everyVersion('default partitions and replication', ApiKeys.CreateTopics, (v) => ({ topics: [topic(`ct-default-v${v}`, { numPartitions: -1, replicationFactor: -1 })], timeoutMs: 30_000 }));
    await h.everyVersion('already exists', ApiKeys.CreateTopics, () => ({ topics: [topic(TOPIC)], timeoutMs: 30_000 }));
    await h.everyVersion('invalid name', ApiKeys.CreateTopics, () => ({ topics: [topic('bad/name'), topic('..'), topic('x'.repeat(250))], timeoutMs: 30_000 }));
    await h.everyVersion('invalid replication factor', ApiKeys.CreateTopics, (v) => ({ topics: [topic(`ct-rf-v${v}`, { replicationFactor: 3 })], timeoutMs: 30_000 }));
    await h.everyVersion('invalid partitions', ApiKeys.CreateTopics, (v) => ({ topics: [topic(`ct-parts-v${v}`, { numPartitions: 0 })], timeoutMs: 30_000 }));
    await h.everyVersion('invalid config value', ApiKeys.CreateTopics, (v) => ({ topics: [topic(`ct-cfg-v${v}`, { configs: [{ name: 'cleanup.policy', value: 'nope' }] })], timeoutMs: 30_000 }));
    await h.everyVersion('unknown config', ApiKeys.CreateTopics, (v) => ({ topics: [topic(`ct-unknown-cfg-v${v}`, { configs: [{ name: 'no.such.config', value: '1' }] })], timeoutMs: 30_000 }));
    await h.everyVersion('validate only', ApiKeys.CreateTopics, (v) => ({ topics: [topic(`ct-validate-v${v}`)], timeoutMs: 30_000, validateOnly: true }));
    await h.everyVersion('duplicate topic in request', ApiKeys.CreateTopics, (v) => ({ topics: [topic(`ct-dup-v${v}`), topic(`ct-dup-v${v}`)], timeoutMs: 30_000 }));
  });

  test('Metadata', async () => {
    // allowAutoTopicCreation=false cannot be written before v4: those versions are skipped (counted as not writable).
    const metadata = (names: string[], includeTopicAuthorizedOperations = false) => () => ({
      topics: names.map((name) => ({ name, topicId: ZERO_UUID })),
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations,
    });
    await h.everyVersion('known topic', ApiKeys.Metadata, metadata([TOPIC]));
    await h.everyVersion('known topic, auto-create allowed', ApiKeys.Metadata, () => ({ topics: [{ name: TOPIC, topicId: ZERO_UUID }] }));
    await h.everyVersion('unknown topic, auto-create off', ApiKeys.Metadata, metadata(['no-such-topic']));
    await h.everyVersion('invalid topic name', ApiKeys.Metadata, metadata(['bad/name']));
    await h.everyVersion('topic authorized operations', ApiKeys.Metadata, metadata([TOPIC], true));
    for (const side of ['kafka', 'ours'] as const) {
      const r = await h.request<{ topics: { name: string; topicId: string }[] }>(side, ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false });
      for (const t of r.topics) topicIds[side].set(t.name, t.topicId);
    }
    assert.ok(topicIds.kafka.has(TOPIC) && topicIds.ours.has(TOPIC));
  });

  test('Produce', async () => {
    const produce = (name: string, partition: number, records: Buffer, acks = 1) => () => ({
      acks,
      timeoutMs: 30_000,
      topicData: [{ name, partitionData: [{ index: partition, records }] }],
    });
    await h.everyVersion('good', ApiKeys.Produce, produce(TOPIC, 0, batch(['a', 'b', 'c'])));
    await h.everyVersion('acks=all', ApiKeys.Produce, produce(TOPIC, 1, batch(['d']), -1));
    await h.everyVersion('unknown topic', ApiKeys.Produce, produce('no-such-topic', 0, batch(['a'])));
    await h.everyVersion('bad partition', ApiKeys.Produce, produce(TOPIC, 99, batch(['a'])));
    await h.everyVersion('oversize batch', ApiKeys.Produce, produce(SMALL_TOPIC, 0, batch(['a'], T0, 2000)));
    await h.everyVersion('invalid acks', ApiKeys.Produce, produce(TOPIC, 0, batch(['a']), 2));
  });

  test('Fetch', async () => {
    const fetch = (offset: bigint, partition = 0, topic = TOPIC) => (v: number, side: Side) => ({
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 1,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, topicId: v >= 13 ? (topicIds[side].get(topic) ?? ZERO_UUID) : ZERO_UUID, partitions: [{ partition, fetchOffset: offset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1n }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    await h.everyVersion('good', ApiKeys.Fetch, fetch(0n));
    await h.everyVersion('from the middle', ApiKeys.Fetch, fetch(2n));
    await h.everyVersion('at log end', ApiKeys.Fetch, fetch(1000n, 1));
    await h.everyVersion('out of range offset', ApiKeys.Fetch, fetch(100_000n));
    await h.everyVersion('bad partition', ApiKeys.Fetch, fetch(0n, 99));
    await h.everyVersion('unknown topic', ApiKeys.Fetch, fetch(0n, 0, 'no-such-topic'));
  });

  test('ListOffsets', async () => {
    const listOffsets = (timestamp: bigint, partitionIndex = 0, name = TOPIC) => () => ({
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name, partitions: [{ partitionIndex, timestamp, currentLeaderEpoch: -1, maxNumOffsets: 1 }] }],
      timeoutMs: 30_000,
    });
    await h.everyVersion('latest', ApiKeys.ListOffsets, listOffsets(-1n));
    await h.everyVersion('earliest', ApiKeys.ListOffsets, listOffsets(-2n));
    await h.everyVersion('max timestamp', ApiKeys.ListOffsets, listOffsets(-3n), 7);
    await h.everyVersion('by timestamp', ApiKeys.ListOffsets, listOffsets(BigInt(T0 + 1)));
    await h.everyVersion('timestamp after the last record', ApiKeys.ListOffsets, listOffsets(BigInt(T0 + 1_000_000)));
    await h.everyVersion('bad partition', ApiKeys.ListOffsets, listOffsets(-1n, 99));
    await h.everyVersion('unknown topic', ApiKeys.ListOffsets, listOffsets(-1n, 0, 'no-such-topic'));
  });

  test('DescribeConfigs', async () => {
    const describeConfigs = (resourceType: number, resourceName: string, configurationKeys: string[] | null) => (v: number) => ({
      resources: [{ resourceType, resourceName, configurationKeys }],
      includeSynonyms: v >= 1,
      includeDocumentation: false,
    });
    await h.everyVersion('topic, some keys', ApiKeys.DescribeConfigs, describeConfigs(2, SMALL_TOPIC, ['max.message.bytes', 'cleanup.policy', 'retention.ms', 'segment.bytes', 'min.insync.replicas']));
    await h.everyVersion('topic, all keys', ApiKeys.DescribeConfigs, describeConfigs(2, TOPIC, null));
    await h.everyVersion('unknown topic', ApiKeys.DescribeConfigs, describeConfigs(2, 'no-such-topic', null));
    await h.everyVersion('broker, some keys', ApiKeys.DescribeConfigs, describeConfigs(4, '1', ['num.partitions', 'log.retention.hours', 'message.max.bytes', 'auto.create.topics.enable', 'offsets.topic.replication.factor']));
    await h.everyVersion('other broker', ApiKeys.DescribeConfigs, describeConfigs(4, '2', ['num.partitions']));
    await h.everyVersion('invalid broker id', ApiKeys.DescribeConfigs, describeConfigs(4, 'not-a-number', ['num.partitions']));
  });

  test('FindCoordinator', async () => {
    // __consumer_offsets and __transaction_state are created on the first lookup; wait until both serve, then compare.
    for (const side of ['kafka', 'ours'] as const) {
      for (const keyType of [0, 1]) {
        await waitFor(`${side} coordinator of key type ${keyType}`, async () => {
          const r = await h.request<{ coordinators: { errorCode: number }[] }>(side, ApiKeys.FindCoordinator, 4, { keyType, coordinatorKeys: ['warm-up'] });
          return r.coordinators[0]!.errorCode === 0;
        }, 30_000, 100);
      }
    }
    const find = (keyType: number, keys: string[]) => (v: number) => (v >= 4 ? { keyType, coordinatorKeys: keys } : { keyType, key: keys[0] });
    await h.everyVersion('group', ApiKeys.FindCoordinator, find(0, ['ref-group']));
    await h.everyVersion('transaction', ApiKeys.FindCoordinator, find(1, ['ref-txn']));
    await h.everyVersion('several groups', ApiKeys.FindCoordinator, (v) => (v >= 4 ? { keyType: 0, coordinatorKeys: ['g1', 'g2', 'g3'] } : { key: 'g1' }));
    await h.everyVersion('invalid key type', ApiKeys.FindCoordinator, find(5, ['ref-group']));
  });

  test('JoinGroup error cases', async () => {
    const join = (groupId: string, extra: object) => () => ({
      groupId,
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
      ...extra,
    });
    await h.everyVersion('session timeout too small', ApiKeys.JoinGroup, join('ref-join-a', { sessionTimeoutMs: 1 }));
    await h.everyVersion('session timeout too large', ApiKeys.JoinGroup, join('ref-join-a', { sessionTimeoutMs: 10_000_000 }));
    await h.everyVersion('unknown member id', ApiKeys.JoinGroup, join('ref-join-b', { memberId: 'no-such-member' }));
    await h.everyVersion('empty protocols', ApiKeys.JoinGroup, join('ref-join-c', { protocols: [] }));
    await h.everyVersion('empty group id', ApiKeys.JoinGroup, join('', {}));
    // v4+: a first join without a member id is told MEMBER_ID_REQUIRED with the id to use.
    await h.everyVersion('member id required', ApiKeys.JoinGroup, (v) => join(`ref-join-new-v${v}`, {})(), 4);
  });

  test('InitProducerId', async () => {
    // A broker hands out producer ids from a block it asks the controller for, answering COORDINATOR_LOAD_IN_PROGRESS
    // until the first block arrives: wait until both have one, then compare.
    for (const side of ['kafka', 'ours'] as const) {
      await waitFor(`${side} producer id block`, async () => (await h.request<{ errorCode: number }>(side, ApiKeys.InitProducerId, 0, { transactionalId: null, transactionTimeoutMs: 60_000 })).errorCode === 0, 30_000, 100);
    }
    await h.everyVersion('idempotent', ApiKeys.InitProducerId, () => ({ transactionalId: null, transactionTimeoutMs: 60_000 }));
    await h.everyVersion('transactional', ApiKeys.InitProducerId, (v) => ({ transactionalId: `ref-txn-v${v}`, transactionTimeoutMs: 60_000 }));
    await h.everyVersion('transaction timeout too large', ApiKeys.InitProducerId, (v) => ({ transactionalId: `ref-txn-big-v${v}`, transactionTimeoutMs: 1_000_000_000 }));
    await h.everyVersion('unknown producer id to bump', ApiKeys.InitProducerId, () => ({ transactionalId: null, transactionTimeoutMs: 60_000, producerId: 123_456n, producerEpoch: 3 }));
  });

  test('CreatePartitions, DeleteTopics, DeleteRecords', async () => {
    const names = [0, 1, 2, 3].map((v) => `cp-v${v}`).concat([1, 2, 3, 4, 5, 6].map((v) => `dt-v${v}`));
    await h.exchange('setup', ApiKeys.CreateTopics, 5, () => ({ topics: names.map((name) => ({ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] })), timeoutMs: 30_000 }));
    const createPartitions = (name: string, count: number, validateOnly = false) => () => ({ topics: [{ name, count, assignments: null }], timeoutMs: 30_000, validateOnly });
    await h.everyVersion('good', ApiKeys.CreatePartitions, (v) => createPartitions(`cp-v${v}`, 3)());
    await h.everyVersion('validate only', ApiKeys.CreatePartitions, createPartitions(TOPIC, 5, true));
    await h.everyVersion('fewer partitions', ApiKeys.CreatePartitions, createPartitions(TOPIC, 1));
    await h.everyVersion('same count', ApiKeys.CreatePartitions, createPartitions(TOPIC, 2));
    await h.everyVersion('unknown topic', ApiKeys.CreatePartitions, createPartitions('no-such-topic', 3));
    const deleteTopics = (name: string) => (v: number) => (v >= 6 ? { topics: [{ name, topicId: ZERO_UUID }], timeoutMs: 30_000 } : { topicNames: [name], timeoutMs: 30_000 });
    await h.everyVersion('good', ApiKeys.DeleteTopics, (v) => deleteTopics(`dt-v${v}`)(v));
    await h.everyVersion('unknown topic', ApiKeys.DeleteTopics, deleteTopics('no-such-topic'));
    const deleteRecords = (name: string, partitionIndex: number, offset: bigint) => () => ({ topics: [{ name, partitions: [{ partitionIndex, offset }] }], timeoutMs: 30_000 });
    await h.everyVersion('at the start', ApiKeys.DeleteRecords, deleteRecords(SMALL_TOPIC, 0, 0n));
    await h.everyVersion('beyond the high watermark', ApiKeys.DeleteRecords, deleteRecords(TOPIC, 0, 100_000n));
    await h.everyVersion('bad partition', ApiKeys.DeleteRecords, deleteRecords(TOPIC, 99, 0n));
    await h.everyVersion('unknown topic', ApiKeys.DeleteRecords, deleteRecords('no-such-topic', 0, 0n));
  });

  test('group APIs without members: OffsetCommit, OffsetFetch, DescribeGroups, ListGroups', async () => {
    const commit = (groupId: string, generationIdOrMemberEpoch: number, memberId: string) => () => ({
      groupId,
      generationIdOrMemberEpoch,
      memberId,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, committedMetadata: 'm' }] }],
    });
    await h.everyVersion('standalone commit', ApiKeys.OffsetCommit, (v) => commit(`ref-commit-v${v}`, -1, '')());
    await h.everyVersion('unknown member of an unknown group', ApiKeys.OffsetCommit, (v) => commit(`ref-commit-unknown-v${v}`, 5, 'no-such-member')());
    await h.everyVersion('unknown topic', ApiKeys.OffsetCommit, (v) => ({ groupId: `ref-commit-v${v}`, generationIdOrMemberEpoch: -1, memberId: '', topics: [{ name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] }] }));
    const fetchOffsets = (groupId: string, name: string) => (v: number) =>
      v >= 8 ? { groups: [{ groupId, topics: [{ name, partitionIndexes: [0, 1] }] }], requireStable: true } : { groupId, topics: [{ name, partitionIndexes: [0, 1] }], requireStable: v >= 7 };
    await h.everyVersion('committed', ApiKeys.OffsetFetch, fetchOffsets('ref-commit-v2', TOPIC));
    await h.everyVersion('unknown group', ApiKeys.OffsetFetch, fetchOffsets('no-such-group', TOPIC));
    await h.everyVersion('unknown topic', ApiKeys.OffsetFetch, fetchOffsets('ref-commit-v2', 'no-such-topic'));
    await h.everyVersion('unknown group', ApiKeys.DescribeGroups, () => ({ groups: ['no-such-group'], includeAuthorizedOperations: false }));
    await h.everyVersion('group of committed offsets', ApiKeys.DescribeGroups, () => ({ groups: ['ref-commit-v2'], includeAuthorizedOperations: false }));
    await h.everyVersion('all', ApiKeys.ListGroups, () => ({}));
    await h.everyVersion('by state', ApiKeys.ListGroups, () => ({ statesFilter: ['Empty'] }));
    await h.everyVersion('by type', ApiKeys.ListGroups, () => ({ statesFilter: [], typesFilter: ['classic'] }));
  });

  test('DeleteTopics of an internal topic (last: Kafka deletes it, and every group with it)', async () => {
    const v = h.versions(ApiKeys.DeleteTopics).at(-1)!;
    await h.exchange('internal topic', ApiKeys.DeleteTopics, v, () => ({ topics: [{ name: '__consumer_offsets', topicId: ZERO_UUID }], timeoutMs: 30_000 }));
  });

  test('every difference from Apache Kafka is an accepted deviation', () => {
    assert.ok(h.results.length > 100, `too few exchanges compared: ${h.results.length}`);
    const unexplained = h.results.filter((r) => r.unexplained.length > 0);
    assert.deepEqual([unexplained.length, h.staleDeviations().length], [0, 0], h.summary());
  });
});
