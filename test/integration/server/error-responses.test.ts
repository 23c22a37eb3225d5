// The per-partition and per-topic error codes Kafka answers for requests that are well-formed but wrong, checked
// on the wire (a raw connection, since clients retry or hide many of them): unknown topics and partitions,
// offsets out of range, leader epochs from the future, corrupt or malformed record batches, keyless records on a
// compacted topic, bad acks, illegal topic names, duplicates within one request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';

type Any = any;

describe('error responses on the wire', () => {
  let broker: TestBroker;
  let client: RawKafkaClient;

  const produce = async (topic: string, partition: number, records: Buffer | null, acks = -1): Promise<Any> => {
    const r = await client.request<Any>(0, 9, { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] });
    return r.responses[0].partitionResponses[0];
  };
  const fetch = async (topic: string, partition: number, fetchOffset: bigint, currentLeaderEpoch = -1): Promise<Any> => {
    const r = await client.request<Any>(1, 12, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, currentLeaderEpoch, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [], rackId: '',
    });
    return r.responses[0].partitions[0];
  };
  const batch = (records: { key?: string | null; value: string }[]) => buildRecordBatchSync({ records });

  before(async () => {
    broker = await startBroker({ overrides: { 'auto.create.topics.enable': 'false' } });
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'errs', numPartitions: 2 }, { topic: 'compacted', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
    await admin.disconnect();
    client = await RawKafkaClient.connect(broker.port);
    assert.equal((await produce('errs', 0, batch([{ value: 'a' }, { value: 'b' }]))).errorCode, 0);
  });
  after(async () => {
    await client.close();
    await broker.cleanup();
  });

  test('Produce: unknown topic or partition, bad acks, corrupt and malformed batches, keyless compacted records', async () => {
    assert.equal((await produce('no-such-topic', 0, batch([{ value: 'x' }]))).errorCode, Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal((await produce('errs', 7, batch([{ value: 'x' }]))).errorCode, Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal((await produce('errs', 0, batch([{ value: 'x' }]), 2)).errorCode, Errors.INVALID_REQUIRED_ACKS);

    const corrupt = batch([{ value: 'will be flipped' }]);
    corrupt[corrupt.length - 2]! ^= 0xff;
    assert.equal((await produce('errs', 0, corrupt)).errorCode, Errors.CORRUPT_MESSAGE);
    // Produce v3+ carries exactly one batch per partition (ProduceRequest.validateRecords).
    assert.equal((await produce('errs', 0, Buffer.concat([batch([{ value: 'one' }]), batch([{ value: 'two' }])]))).errorCode, Errors.INVALID_RECORD);
    assert.equal((await produce('errs', 0, Buffer.alloc(0))).errorCode, Errors.INVALID_RECORD);

    const keyless = await produce('compacted', 0, batch([{ key: 'k', value: 'fine' }, { key: null, value: 'no key' }]));
    assert.equal(keyless.errorCode, Errors.INVALID_RECORD);
    assert.deepEqual(keyless.recordErrors.map((e: Any) => e.batchIndex), [1]);

    // None of it was appended.
    assert.equal((await fetch('errs', 0, 0n)).highWatermark, 2n);
    assert.equal((await fetch('compacted', 0, 0n)).highWatermark, 0n);
  });

  test('Fetch: unknown partition, offset out of range, a leader epoch newer than the broker knows', async () => {
    assert.equal((await fetch('no-such-topic', 0, 0n)).errorCode, Errors.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal((await fetch('errs', 9, 0n)).errorCode, Errors.UNKNOWN_TOPIC_OR_PARTITION);
    const past = await fetch('errs', 0, 100n);
    assert.equal(past.errorCode, Errors.OFFSET_OUT_OF_RANGE);
    // As Kafka: a partition in error carries no offsets.
    assert.deepEqual([past.highWatermark, past.lastStableOffset, past.logStartOffset], [-1n, -1n, -1n]);
    assert.equal((await fetch('errs', 0, -5n)).errorCode, Errors.OFFSET_OUT_OF_RANGE);
    // The current leader epoch is 0 (a single node never bumps it, so FENCED_LEADER_EPOCH cannot be provoked here).
    assert.equal((await fetch('errs', 0, 0n, 0)).errorCode, Errors.NONE);
    assert.equal((await fetch('errs', 0, 0n, 3)).errorCode, Errors.UNKNOWN_LEADER_EPOCH);
  });

  test('ListOffsets, OffsetForLeaderEpoch and DeleteRecords errors', async () => {
    const lo = await client.request<Any>(2, 7, { replicaId: -1, isolationLevel: 0, topics: [{ name: 'errs', partitions: [{ partitionIndex: 4, currentLeaderEpoch: -1, timestamp: -1n }, { partitionIndex: 0, currentLeaderEpoch: 5, timestamp: -1n }] }] });
    assert.deepEqual(lo.topics[0].partitions.map((p: Any) => p.errorCode), [Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.UNKNOWN_LEADER_EPOCH]);

    const ofle = await client.request<Any>(23, 4, { replicaId: -1, topics: [{ topic: 'errs', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 7 }, { partition: 3, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] });
    assert.deepEqual(ofle.topics[0].partitions.map((p: Any) => [p.errorCode, p.leaderEpoch, p.endOffset]), [[Errors.NONE, -1, -1n], [Errors.UNKNOWN_TOPIC_OR_PARTITION, -1, -1n]]);

    const dr = await client.request<Any>(21, 2, { topics: [{ name: 'errs', partitions: [{ partitionIndex: 0, offset: 50n }, { partitionIndex: 6, offset: 0n }] }], timeoutMs: 5000 });
    assert.deepEqual(dr.topics[0].partitions.map((p: Any) => [p.partitionIndex, p.errorCode]), [[0, Errors.OFFSET_OUT_OF_RANGE], [6, Errors.UNKNOWN_TOPIC_OR_PARTITION]]);
  });

  test('Metadata, CreateTopics, DescribeConfigs: names, duplicates, unknown resources', async () => {
    const md = await client.request<Any>(3, 12, { topics: [{ name: 'bad name!', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }, { name: 'missing', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    assert.deepEqual(md.topics.map((t: Any) => [t.name, t.errorCode]), [['bad name!', Errors.INVALID_TOPIC_EXCEPTION], ['missing', Errors.UNKNOWN_TOPIC_OR_PARTITION]]);

    const ct = await client.request<Any>(19, 7, {
      topics: [
        { name: 'twice', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: 'twice', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        { name: 'manual', numPartitions: -1, replicationFactor: -1, assignments: [{ partitionIndex: 0, brokerIds: [1] }, { partitionIndex: 1, brokerIds: [2] }], configs: [] },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.deepEqual(ct.topics.map((t: Any) => [t.name, t.errorCode]), [['twice', Errors.INVALID_REQUEST], ['manual', Errors.INVALID_REPLICA_ASSIGNMENT]]);

    const dc = await client.request<Any>(32, 4, { resources: [{ resourceType: 2, resourceName: 'missing', configurationKeys: null }, { resourceType: 4, resourceName: '99', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
    assert.deepEqual(dc.results.map((r: Any) => r.errorCode), [Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.INVALID_REQUEST]);
  });
});
