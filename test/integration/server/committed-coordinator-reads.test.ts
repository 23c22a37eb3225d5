// OffsetFetch answers from committed state only, through kafkajs: an offset commit whose __consumer_offsets
// append is held back and then fails is replayed into the group coordinator but never returned to a reader,
// which gets the offset committed before it. The hold is injected into the broker's real ReplicaManager.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { ApiError } from '../../../src/common/api-error.ts';
import type { TopicPartition } from '../../../src/common/topic-partition.ts';

type Any = any;

const TOPIC = 'committed-reads';
const GROUP = 'committed-reads-group';

let broker: TestBroker;
let kafka: Kafka;

before(async () => {
  broker = await startBroker();
  kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
});
after(async () => {
  await broker.cleanup();
});

const commit = (client: RawKafkaClient, offset: bigint): Promise<Any> => client.request<Any>(ApiKeys.OffsetCommit, 8, {
  groupId: GROUP, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
  topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' }] }],
});

test('kafkajs fetchOffsets never sees an offset commit whose append failed after it was replayed', async (t) => {
  const client = await RawKafkaClient.connect(broker.port);
  const admin = kafka.admin();
  await admin.connect();
  try {
    // kafkajs's fetchOffsets does not retry: poll it while the coordinator answers with retriable errors.
    const committedOffset = (): Promise<string> => waitFor('an OffsetFetch answer', async () => {
      try {
        const [result] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
        return result!.partitions[0]!.offset;
      } catch (e) {
        if ((e as Any).retriable === true) return null;
        throw e;
      }
    });
    assert.equal(await committedOffset(), '-1');
    const first = await commit(client, 5n);
    assert.equal(first.topics[0].partitions[0].errorCode, Errors.NONE);

    const replicaManager = broker.server.replicaManager;
    const appendToLocalLog = replicaManager.appendToLocalLog.bind(replicaManager);
    let failHeld!: () => void;
    const held = new Promise<void>((resolve) => (failHeld = resolve));
    let heldAppends = 0;
    t.mock.method(replicaManager, 'appendToLocalLog', (tp: TopicPartition, batches: Buffer, timeoutMs: number) => {
      if (tp.topic !== '__consumer_offsets') return appendToLocalLog(tp, batches, timeoutMs);
      heldAppends++;
      return held.then(() => {
        throw new ApiError(Errors.NOT_ENOUGH_REPLICAS, 'injected: the ISR shrank below min.insync.replicas');
      });
    });
    const fetchOffsets = t.mock.method(broker.server.groupCoordinator, 'fetchOffsets');

    const second = commit(client, 9n);
    await waitFor('the second commit to be appended (held)', () => heldAppends === 1);
    const fetched = admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] }).then((r) => r, (e: unknown) => e as Any);
    await waitFor('the OffsetFetch to reach the group coordinator', () => fetchOffsets.mock.callCount() >= 1);
    failHeld();
    assert.notEqual((await second).topics[0].partitions[0].errorCode, Errors.NONE);
    t.mock.restoreAll();
    // The read waited for the append and the partition was reverted (reloaded) under it: a retriable error,
    // never the offset 9 that was replayed but not committed.
    const outcome = await fetched;
    assert.deepEqual([outcome.name, outcome.code, outcome.retriable], ['KafkaJSProtocolError', Errors.NOT_COORDINATOR, true], `OffsetFetch answered ${JSON.stringify(outcome)}`);
    assert.equal(await committedOffset(), '5');
  } finally {
    await admin.disconnect();
    await client.close();
  }
});
