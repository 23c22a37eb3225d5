// DescribeTopicPartitions (KIP-966's describe API) through @platformatic/kafka's v0 codec on a real broker: the
// partitions with leader, epochs, replicas, ISR, the (empty) eligible leader replicas and last known ELR; paging with
// responsePartitionLimit and the cursor; unknown and illegal topic names; a cursor naming a topic not requested.
// The ELR itself needs brokers that die: test/cluster/eligible-leader-replicas.test.ts shows it filled.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Connection, describeTopicPartitionsV0 } from '@platformatic/kafka';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';

describe('DescribeTopicPartitions through @platformatic/kafka', () => {
  let broker: TestBroker;
  let connection: Connection;
  const describeTopics = (names: string[], limit: number, cursor?: { topicName: string; partitionIndex: number }) =>
    describeTopicPartitionsV0.api.async(connection, names.map((name) => ({ name })), limit, cursor);

  before(async () => {
    broker = await startBroker();
    const admin = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic: 'dtp-b', numPartitions: 3 }, { topic: 'dtp-a', numPartitions: 2 }] }), true);
    await admin.disconnect();
    connection = new Connection('dtp-test');
    await connection.connect('127.0.0.1', broker.port);
  });
  after(async () => {
    await connection.close();
    await broker.cleanup();
  });

  test('every partition of the named topics, with the eligible leader replicas and last known ELR', async () => {
    const response = await describeTopics(['dtp-b'], 2000);
    assert.equal(response.nextCursor, null);
    assert.equal(response.topics.length, 1);
    const topic = response.topics[0]!;
    assert.deepEqual([topic.errorCode, topic.name, topic.isInternal], [0, 'dtp-b', false]);
    assert.notEqual(topic.topicId, '00000000-0000-0000-0000-000000000000');
    assert.deepEqual(
      topic.partitions.map((p) => [p.errorCode, p.partitionIndex, p.leaderId, p.leaderEpoch, p.replicaNodes, p.isrNodes, p.eligibleLeaderReplicas, p.lastKnownElr, p.offlineReplicas]),
      [0, 1, 2].map((i) => [0, i, 1, 0, [1], [1], [], [], []]),
    );
  });

  test('all topics in name order, paged by responsePartitionLimit and the cursor', async () => {
    const first = await describeTopics([], 3);
    assert.deepEqual(first.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]), [['dtp-a', [0, 1]], ['dtp-b', [0]]]);
    assert.deepEqual(first.nextCursor, { topicName: 'dtp-b', partitionIndex: 1 });
    const second = await describeTopics([], 3, first.nextCursor!);
    assert.deepEqual(second.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]), [['dtp-b', [1, 2]]]);
    assert.equal(second.nextCursor, null);
    const exact = await describeTopics(['dtp-a', 'dtp-b'], 2);
    assert.deepEqual(exact.topics.map((t) => t.name), ['dtp-a']);
    assert.deepEqual(exact.nextCursor, { topicName: 'dtp-b', partitionIndex: 0 }, 'the limit reached at a topic boundary: the next topic starts the next page');
  });

  test('unknown and illegal names get their errors; a cursor on a topic not named is INVALID_REQUEST', async () => {
    /** The response platformatic rejects with when a topic carries an error. */
    const rejected = async (request: Promise<unknown>) => {
      const error = await request.then(() => assert.fail('expected per-topic errors'), (e: { response?: Awaited<ReturnType<typeof describeTopics>> }) => e);
      return error.response!;
    };
    const unknown = await rejected(describeTopics(['dtp-missing', 'bad name!'], 2000));
    assert.deepEqual(unknown.topics.map((t) => [t.name, t.errorCode, t.partitions.length]), [['bad name!', 17, 0], ['dtp-missing', 3, 0]]);
    const badCursor = await rejected(describeTopics(['dtp-a'], 10, { topicName: 'dtp-b', partitionIndex: 0 }));
    assert.deepEqual(badCursor.topics.map((t) => [t.name, t.errorCode]), [['dtp-a', 42]]);
  });
});
