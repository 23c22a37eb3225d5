// Partition reassignment (KIP-455, issue 15 items 5 and 9) on real processes: one controller-only node and four
// broker-only nodes (ids 2-5).
// - A partition on brokers {2, 3, 4} moves to {3, 4, 5} (kafkajs admin alterPartitionReassignments) while an
//   idempotent acks=all producer writes: broker 5 fetches as an adding replica and joins the ISR, the controller
//   completes the move (ListPartitionReassignments empty, Metadata shows replicas and ISR {3, 4, 5}), leader 2 hands
//   over, every acknowledged value is consumed once, in order, and broker 2's partition directory is deleted.
// - A reassignment whose adding replica cannot catch up (its broker is paused) is listed with its adding and
//   removing replicas, then cancelled (replicas null, which kafkajs cannot send; kafkajs would also route to the
//   paused broker: our raw client, through a broker that forwards them): the replicas go back.
// - Replication throttles (KIP-73), set with IncrementalAlterConfigs (@platformatic/kafka): with
//   follower.replication.throttled.rate on the adding broker and its replica in follower.replication.throttled.replicas,
//   or leader.replication.throttled.rate on the leader and its replica in leader.replication.throttled.replicas, the
//   adding replica takes one fetch's worth and then stays behind (the reassignment stays listed); deleting the rate
//   lets it catch up and the reassignment completes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Admin as PlatformaticAdmin } from '@platformatic/kafka';
import { waitFor } from '../helpers/broker.ts';
import { RawKafkaClient } from '../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import type { AlterPartitionReassignmentsResponse } from '../../src/protocol/generated/messages/alter-partition-reassignments-response.ts';
import type { ListPartitionReassignmentsResponse } from '../../src/protocol/generated/messages/list-partition-reassignments-response.ts';
import type { ListOffsetsResponse } from '../../src/protocol/generated/messages/list-offsets-response.ts';
import { isrIs, kcatValues, waitForPartition } from './replicated-partition.ts';
import { SequenceProducer } from './sequence-producer.ts';
import { printLogsOnFailure, SHORT_BROKER_SESSION, TestCluster } from './test-cluster.ts';

async function exists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** A replica's log end offset (ListOffsets LATEST from the debugging replica id -2, which any replica answers), or null when it does not host it yet. */
async function logEndOffset(port: number, topic: string): Promise<bigint | null> {
  const client = await RawKafkaClient.connect(port);
  try {
    const r = await client.request<ListOffsetsResponse>(ApiKeys.ListOffsets, 7, {
      replicaId: -2,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
    });
    const p = r.topics[0]!.partitions[0]!;
    return p.errorCode === Errors.NONE ? p.offset : null;
  } finally {
    client.close();
  }
}

/** Resource types of IncrementalAlterConfigs: topic 2, broker 4; operations SET 0, DELETE 1. */
const TOPIC_RESOURCE = 2;
const BROKER_RESOURCE = 4;

describe('partition reassignment on one controller and four brokers', () => {
  let cluster: TestCluster;
  let admin: Admin;

  before(async () => {
    cluster = await TestCluster.start({
      controllers: 1,
      brokers: 4,
      overrides: { ...SHORT_BROKER_SESSION, 'min.insync.replicas': '2', 'replica.lag.time.max.ms': '5000' },
    });
    admin = new Kafka({ brokers: cluster.bootstrapServers(), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await admin?.disconnect();
    await cluster?.teardown();
  });

  const partitionDir = (brokerId: number, topic: string) => join(cluster.node(brokerId).logDirs[0]!, `${topic}-0`);

  test('{2,3,4} -> {3,4,5} under an idempotent acks=all producer: completes, leader 2 hands over, nothing lost or repeated, broker 2 deletes its replica', async () => {
    const topic = 'moving';
    await cluster.createTopics([{ topic, assignments: [[2, 3, 4]] }]);
    await waitForPartition(cluster, topic, 0, 'ISR {2,3,4}', (p) => isrIs([2, 3, 4])(p) && p.leader === 2);
    const producer = new SequenceProducer({ brokers: cluster.bootstrapServers(), topic, partitions: 1, idempotent: true, batch: 20 });
    await producer.start();
    try {
      // Enough records that broker 5 has something to catch up on.
      await producer.progress(2000, 60_000);
      await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [3, 4, 5] }] }], timeout: 30_000 });
      const done = await waitForPartition(cluster, topic, 0, 'replicas and ISR {3,4,5}', (p) => p.replicas.join(',') === '3,4,5' && isrIs([3, 4, 5])(p), 60_000);
      assert.equal(done.leader, 3, 'the preferred replica of the target leads after 2 left');
      const listed = await admin.listPartitionReassignments({ topics: [{ topic, partitions: [0] }], timeout: 10_000 });
      assert.deepEqual(listed.topics, []);
      // acks=all goes on with the new replicas.
      await producer.progress(200);
    } finally {
      await producer.stop();
    }
    assert.deepEqual(producer.failures, [], 'every send succeeded within its retries');
    const consumed = (await kcatValues(cluster.bootstrapServers().join(','), topic, 0)).map(Number);
    for (let i = 1; i < consumed.length; i++) assert.ok(consumed[i]! > consumed[i - 1]!, `${consumed[i]} after ${consumed[i - 1]} at position ${i}`);
    const present = new Set(consumed);
    assert.deepEqual(producer.acked.filter((v) => !present.has(v)), [], 'acknowledged values lost');
    assert.ok(consumed.every((v) => v >= 0 && v < producer.sent));
    await waitFor('broker 2 deletes its replica', async () => !(await exists(partitionDir(2, topic))), 20_000, 100);
    assert.ok(await exists(partitionDir(5, topic)), 'broker 5 holds the partition');
  });

  test('a reassignment whose adding replica cannot catch up is listed, then cancelled: the original replicas stay', async () => {
    const topic = 'staying';
    await cluster.createTopics([{ topic, assignments: [[3, 4, 2]] }]);
    await waitForPartition(cluster, topic, 0, 'ISR {2,3,4}', isrIs([2, 3, 4]));
    const broker5 = cluster.node(5);
    broker5.pause();
    const client = await RawKafkaClient.connect(cluster.node(3).brokerPort!);
    try {
      const alter = (replicas: number[] | null) =>
        client.request<AlterPartitionReassignmentsResponse>(ApiKeys.AlterPartitionReassignments, 0, { timeoutMs: 30_000, topics: [{ name: topic, partitions: [{ partitionIndex: 0, replicas }] }] });
      const list = () => client.request<ListPartitionReassignmentsResponse>(ApiKeys.ListPartitionReassignments, 0, { timeoutMs: 10_000, topics: [{ name: topic, partitionIndexes: [0] }] });
      const errors = (r: AlterPartitionReassignmentsResponse) => r.responses.map((t) => t.partitions.map((p) => [p.partitionIndex, p.errorCode]));
      assert.deepEqual(errors(await alter([3, 4, 5])), [[[0, Errors.NONE]]]);
      const listed = await list();
      assert.deepEqual(listed.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.replicas, p.addingReplicas, p.removingReplicas])]), [[topic, [[0, [3, 4, 5, 2], [5], [2]]]]]);
      assert.deepEqual(errors(await alter(null)), [[[0, Errors.NONE]]]);
      assert.deepEqual(errors(await alter(null)), [[[0, Errors.NO_REASSIGNMENT_IN_PROGRESS]]]);
      assert.deepEqual((await list()).topics, []);
    } finally {
      client.close();
      broker5.resume();
    }
    // Kafka's revert: the union without the adding replicas.
    await waitForPartition(cluster, topic, 0, 'replicas {3,4,2}, ISR {2,3,4}', (p) => p.replicas.join(',') === '3,4,2' && isrIs([2, 3, 4])(p), 30_000);
    await waitFor('broker 5 holds no replica', async () => !(await exists(partitionDir(5, topic))), 30_000, 100);
  });

  test('replication throttles hold an adding replica back until the rate is deleted: follower side on the adding broker, leader side on the leader', async () => {
    const platformatic = new PlatformaticAdmin({ clientId: 'reassignment-throttles', bootstrapBrokers: cluster.bootstrapServers() });
    const producer = new Kafka({ brokers: cluster.bootstrapServers(), logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const cases = [
        { topic: 'follower-throttled', side: 'follower', throttledBroker: 5 },
        { topic: 'leader-throttled', side: 'leader', throttledBroker: 2 },
      ];
      for (const { topic, side, throttledBroker } of cases) {
        await cluster.createTopics([{ topic, assignments: [[2, 3, 4]] }]);
        await waitForPartition(cluster, topic, 0, 'ISR {2,3,4} led by 2', (p) => isrIs([2, 3, 4])(p) && p.leader === 2);
        // 3 MiB in 100 KiB batches: more than one replica fetch takes (replica.fetch.max.bytes, 1 MiB).
        const value = Buffer.alloc(1024, 0x61);
        for (let i = 0; i < 30; i++) await producer.send({ topic, acks: -1, messages: Array.from({ length: 100 }, () => ({ partition: 0, value })) });
        const leaderEnd = await logEndOffset(cluster.node(2).brokerPort!, topic);
        assert.equal(leaderEnd, 3000n);
        // Both configs are committed before the reassignment, so broker 5 knows them when it starts fetching.
        await platformatic.incrementalAlterConfigs({ resources: [
          { resourceType: TOPIC_RESOURCE, resourceName: topic, configs: [{ name: `${side}.replication.throttled.replicas`, configOperation: 0, value: `0:${throttledBroker}` }] },
          { resourceType: BROKER_RESOURCE, resourceName: String(throttledBroker), configs: [{ name: `${side}.replication.throttled.rate`, configOperation: 0, value: '1000' }] },
        ] });
        await admin.alterPartitionReassignments({ topics: [{ topic, partitionAssignment: [{ partition: 0, replicas: [2, 3, 5] }] }], timeout: 30_000 });
        const firstFetch = await waitFor(`${topic}: broker 5 fetched once`, async () => {
          const end = await logEndOffset(cluster.node(5).brokerPort!, topic);
          return end !== null && end > 0n ? end : null;
        }, 20_000, 50);
        // At 1000 bytes/s, the first fetch's bytes (up to 1 MiB) keep the quota exceeded for the whole sample
        // window (11 s): the replica stays where it is and the reassignment stays in progress.
        for (let i = 0; i < 10; i++) {
          const end = await logEndOffset(cluster.node(5).brokerPort!, topic);
          assert.ok(end !== null && end < leaderEnd!, `${topic}: broker 5 at ${end} of ${leaderEnd} while throttled`);
          const listed = await admin.listPartitionReassignments({ topics: [{ topic, partitions: [0] }], timeout: 10_000 });
          assert.deepEqual(listed.topics.map((t) => t.partitions.map((p) => p.addingReplicas)), [[[5]]], `${topic}: the reassignment waits for 5`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        assert.ok(firstFetch < leaderEnd!);
        await platformatic.incrementalAlterConfigs({ resources: [
          { resourceType: BROKER_RESOURCE, resourceName: String(throttledBroker), configs: [{ name: `${side}.replication.throttled.rate`, configOperation: 1 }] },
        ] });
        await waitForPartition(cluster, topic, 0, 'replicas and ISR {2,3,5}', (p) => p.replicas.join(',') === '2,3,5' && isrIs([2, 3, 5])(p), 30_000);
        assert.equal(await logEndOffset(cluster.node(5).brokerPort!, topic), leaderEnd);
      }
    } finally {
      await producer.disconnect();
      await platformatic.close();
    }
  });
});
