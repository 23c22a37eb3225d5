// A handler that throws or rejects (a failing component behind it) answers that request with the API's error
// response and keeps the connection, as Kafka's KafkaApis.handleError does; Produce with acks=0, which has no
// response to carry the error, closes the connection. Failures are injected into the broker's real services
// (ReplicaManager, GroupCoordinator) with node:test mocks that are restored after each test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { ApiError } from '../../../src/common/api-error.ts';

type Any = any;

const TOPIC = 'failing-handlers';

/** kafkajs reports error code -1 (UNKNOWN_SERVER_ERROR, its type 'UNKNOWN') as a KafkaJSProtocolError, maybe wrapped. */
function isUnknownServerError(e: Any): boolean {
  for (let err = e; err !== undefined && err !== null; err = err.cause ?? err.originalError) {
    if (err.name === 'KafkaJSProtocolError' && err.code === Errors.UNKNOWN_SERVER_ERROR) return true;
  }
  return false;
}

describe('handler exceptions keep the connection and answer with the API error', () => {
  let broker: TestBroker;
  /** Sockets kafkajs opened to the broker, and how many of them closed. */
  const sockets = { opened: 0, closed: 0 };
  let kafka: Kafka;

  before(async () => {
    broker = await startBroker();
    kafka = new Kafka({
      brokers: [broker.bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      socketFactory: ({ host, port, onConnect }) => {
        sockets.opened++;
        const socket = net.connect({ host, port }, onConnect);
        socket.once('close', () => sockets.closed++);
        return socket;
      },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true });
    await admin.disconnect();
  });
  after(async () => {
    await broker.cleanup();
  });

  test('kafkajs admin: ListGroups failing in the group coordinator gets UNKNOWN_SERVER_ERROR, the next call works on the same connection', async (t) => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.deepEqual((await admin.listGroups()).groups, []);
      const before = { ...sockets };
      const failure = t.mock.method(broker.server.groupCoordinator, 'listGroups', async () => {
        throw new Error('injected: coordinator state unreadable');
      });
      await assert.rejects(admin.listGroups(), isUnknownServerError);
      assert.equal(failure.mock.callCount(), 1);
      failure.mock.restore();
      assert.deepEqual((await admin.listGroups()).groups, []);
      assert.deepEqual(sockets, before, 'no connection was closed or opened');
    } finally {
      await admin.disconnect();
    }
  });

  test('kafkajs producer: an append that throws gets UNKNOWN_SERVER_ERROR; the same producer then produces on the same connection', async (t) => {
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    try {
      await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: 'first', partition: 0 }] });
      const before = { ...sockets };
      const failure = t.mock.method(broker.server.replicaManager, 'appendRecords', () => {
        throw new Error('injected: append path broken');
      });
      await assert.rejects(producer.send({ topic: TOPIC, acks: -1, messages: [{ value: 'lost', partition: 0 }] }), isUnknownServerError);
      failure.mock.restore();
      const [sent] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ value: 'second', partition: 0 }] });
      assert.equal(sent!.baseOffset, '1', 'the failed request wrote nothing');
      assert.deepEqual(sockets, before, 'no connection was closed or opened');
    } finally {
      await producer.disconnect();
    }
  });

  test('raw wire: an ApiError keeps its code; a pipelined request behind the failing one is answered on the same connection', async (t) => {
    const client = await RawKafkaClient.connect(broker.port);
    try {
      t.mock.method(broker.server.groupCoordinator, 'listGroups', () => Promise.reject(new ApiError(Errors.COORDINATOR_LOAD_IN_PROGRESS, 'injected: loading')));
      const [listed, versions] = await Promise.all([
        client.request<Any>(ApiKeys.ListGroups, 4, { statesFilter: [] }),
        client.request<Any>(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' }),
      ]);
      assert.equal(listed.errorCode, Errors.COORDINATOR_LOAD_IN_PROGRESS);
      assert.deepEqual(listed.groups, []);
      assert.equal(versions.errorCode, Errors.NONE);
      assert.equal(client.isClosed, false);
    } finally {
      await client.close();
    }
  });

  test('raw wire: OffsetFetch v8 and Fetch v12 failures mirror every group and partition of the request', async (t) => {
    const client = await RawKafkaClient.connect(broker.port);
    try {
      t.mock.method(broker.server.groupCoordinator, 'fetchOffsets', () => {
        throw new Error('injected');
      });
      const offsets = await client.request<Any>(ApiKeys.OffsetFetch, 8, {
        groups: [{ groupId: 'g1', topics: [{ name: TOPIC, partitionIndexes: [0, 1] }] }, { groupId: 'g2', topics: null }],
        requireStable: false,
      });
      assert.deepEqual(offsets.groups.map((g: Any) => [g.groupId, g.errorCode, g.topics.length]), [['g1', -1, 0], ['g2', -1, 0]]);

      t.mock.method(broker.server.replicaManager, 'fetchMessages', () => Promise.reject(new Error('injected')));
      const fetched = await client.request<Any>(ApiKeys.Fetch, 12, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: TOPIC, partitions: [0, 1].map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 })) }],
        forgottenTopicsData: [], rackId: '',
      });
      assert.equal(fetched.errorCode, Errors.UNKNOWN_SERVER_ERROR);
      assert.deepEqual(fetched.responses.flatMap((r: Any) => r.partitions.map((p: Any) => [r.topic, p.partitionIndex, p.errorCode, p.highWatermark])), [
        [TOPIC, 0, -1, -1n],
        [TOPIC, 1, -1, -1n],
      ]);
      t.mock.restoreAll();
      const ok = await client.request<Any>(ApiKeys.Fetch, 12, {
        replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: TOPIC, partitions: [{ partition: 1, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
        forgottenTopicsData: [], rackId: '',
      });
      assert.equal(ok.errorCode, Errors.NONE);
      assert.equal(ok.responses[0].partitions[0].errorCode, Errors.NONE);
    } finally {
      await client.close();
    }
  });

  test('raw wire: Produce with acks=0 whose handler throws closes the connection (Kafka: no response to carry the error)', async (t) => {
    const client = await RawKafkaClient.connect(broker.port);
    try {
      const produce = (acks: number): Promise<Any> => client.request<Any>(ApiKeys.Produce, 9, {
        transactionalId: null, acks, timeoutMs: 5000,
        topicData: [{ name: TOPIC, partitionData: [{ index: 1, records: buildRecordBatchSync({ records: [{ value: 'x' }] }) }] }],
      }, 2_000);
      t.mock.method(broker.server.replicaManager, 'appendRecords', () => {
        throw new Error('injected');
      });
      const acked = await produce(1);
      assert.equal(acked.responses[0].partitionResponses[0].errorCode, Errors.UNKNOWN_SERVER_ERROR);
      assert.equal(acked.responses[0].partitionResponses[0].baseOffset, -1n);
      assert.equal(client.isClosed, false);
      void produce(0).catch(() => undefined);
      await waitFor('the broker to close the acks=0 connection', () => client.isClosed);
    } finally {
      await client.close();
    }
  });
});
