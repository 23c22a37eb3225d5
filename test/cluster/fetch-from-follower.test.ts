// Issue 15 item 7, KIP-392 (fetch from the closest replica) on real processes: one controller and three brokers in
// racks a, b and c (broker.rack) with replica.selector.class = Kafka's RackAwareReplicaSelector, a RF 3 partition led
// by the broker of rack a. librdkafka (kcat) consumers with client.rack set read it:
// - from rack b: the leader answers its Fetch with the preferred read replica (the follower of rack b) and no
//   records; the consumer then reads every record from that follower;
// - without a rack: from the leader;
// - a kafkajs group member with rackId c: from the follower of rack c.
// Who served the records is read from each broker's own BytesOut counter (consumer fetch bytes, per topic) on its
// Prometheus endpoint: follower fetches are not counted there.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import type { FetchResponse, PartitionData } from '../../src/protocol/generated/messages/fetch-response.ts';
import { waitFor } from '../helpers/broker.ts';
import { runKcat } from '../fixtures/e2e/kcat.ts';
import { RawKafkaClient } from '../fixtures/e2e/raw-kafka-client.ts';
import { isrIs, waitForPartition } from './replicated-partition.ts';
import { freePorts, printLogsOnFailure, SHORT_BROKER_SESSION, TestCluster } from './test-cluster.ts';

const BROKERS = [2, 3, 4];
const RACKS: Record<number, string> = { 2: 'a', 3: 'b', 4: 'c' };
const RECORDS = 300;

/** BytesOut of `topic` on the broker whose Prometheus endpoint is on `port` (0 when it never sent any). */
async function bytesOut(port: number, topic: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const prefix = `kafka_server_brokertopicmetrics_bytesout_total{topic="${topic}"} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line === undefined ? 0 : Number(line.slice(prefix.length));
}

/** The values of partition 0 of `topic` from the beginning, `count` of them, read by kcat with `extra` options. */
async function kcatConsume(bootstrap: string, topic: string, count: number, extra: readonly string[]): Promise<string[]> {
  const { stdout } = await runKcat(['-C', '-b', bootstrap, '-t', topic, '-p', '0', '-o', 'beginning', '-c', String(count), '-q', '-f', '%s\\n', ...extra], { timeoutMs: 30_000 });
  return stdout.toString().split('\n').filter((l) => l !== '');
}

/** One consumer Fetch (replica id -1, no wait, no session) of partition 0 of `topic` at `fetchOffset` to broker `port`. */
async function consumerFetch(port: number, version: number, topic: string, fetchOffset: bigint, rackId: string): Promise<PartitionData> {
  const client = await RawKafkaClient.connect(port);
  try {
    const r = await client.request<FetchResponse>(ApiKeys.Fetch, version, {
      replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1024 * 1024, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, logStartOffset: -1n, partitionMaxBytes: 1024 * 1024 }] }],
      forgottenTopicsData: [], rackId,
    });
    return r.responses[0]!.partitions[0]!;
  } finally {
    client.socket.destroy();
  }
}

/** Bytes of records in a decoded fetch response partition (the raw client decodes them as a Buffer). */
function recordBytes(p: PartitionData): number {
  return (p.records as Buffer | null)?.length ?? 0;
}

describe('fetch from the closest replica (KIP-392) with the rack-aware replica selector', () => {
  const topic = 'closest';
  const expected = Array.from({ length: RECORDS }, (_, i) => `v${i}`);
  let cluster: TestCluster | undefined;
  let metricsPorts: Record<number, number>;

  before(async () => {
    const ports = await freePorts(BROKERS.length);
    metricsPorts = Object.fromEntries(BROKERS.map((id, i) => [id, ports[i]!]));
    cluster = await TestCluster.start({
      controllers: 1,
      brokers: 3,
      overrides: { ...SHORT_BROKER_SESSION, 'replica.lag.time.max.ms': '5000', 'replica.selector.class': 'org.apache.kafka.common.replica.RackAwareReplicaSelector' },
      nodeOverrides: Object.fromEntries(BROKERS.map((id) => [id, { 'broker.rack': RACKS[id]!, 'metrics.prometheus.listener': `127.0.0.1:${metricsPorts[id]}` }])),
    });
    await cluster.createTopics([{ topic, assignments: [[2, 3, 4]] }]);
    await waitForPartition(cluster, topic, 0, 'led by 2 with the whole ISR', (p) => isrIs(BROKERS)(p) && p.leader === 2);
    const producer = new Kafka({ brokers: cluster.bootstrapServers(), logLevel: logLevel.NOTHING }).producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (let i = 0; i < RECORDS; i += 50) await producer.send({ topic, acks: -1, messages: expected.slice(i, i + 50).map((value) => ({ partition: 0, value })) });
    } finally {
      await producer.disconnect();
    }
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('a consumer in rack b is sent by the leader (rack a) to the follower in rack b, which serves it every record', async () => {
    const c = cluster!;
    const before = await Promise.all(BROKERS.map((id) => bytesOut(metricsPorts[id]!, topic)));
    assert.deepEqual(before, [0, 0, 0], 'no consumer read the topic yet');
    // Bootstrapped on the leader only: the follower is found through the leader's preferred read replica.
    const values = await kcatConsume(c.node(2).bootstrap, topic, RECORDS, ['-X', 'client.rack=b']);
    assert.deepEqual(values, expected);
    const [leader, rackB, rackC] = await Promise.all(BROKERS.map((id) => bytesOut(metricsPorts[id]!, topic)));
    assert.equal(leader, 0, 'the leader sent the rack b consumer no records');
    assert.equal(rackC, 0, 'the follower of rack c sent none');
    assert.ok(rackB! >= RECORDS * 4, `the follower of rack b sent the records (${rackB} bytes)`);
  });

  test('a consumer without a rack reads from the leader', async () => {
    const c = cluster!;
    const [leaderBefore, rackBBefore] = await Promise.all([2, 3].map((id) => bytesOut(metricsPorts[id]!, topic)));
    const values = await kcatConsume(c.bootstrapServers().join(','), topic, RECORDS, []);
    assert.deepEqual(values, expected);
    const [leaderAfter, rackBAfter] = await Promise.all([2, 3].map((id) => bytesOut(metricsPorts[id]!, topic)));
    assert.ok(leaderAfter! - leaderBefore! >= RECORDS * 4, 'the leader sent the records');
    assert.equal(rackBAfter, rackBBefore, 'the follower sent nothing more');
  });

  test('a kafkajs group member with rackId c consumes every record from the follower in rack c', async () => {
    const c = cluster!;
    const [leaderBefore, rackCBefore] = await Promise.all([2, 4].map((id) => bytesOut(metricsPorts[id]!, topic)));
    const kafka = new Kafka({ brokers: [c.node(2).bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: 'rack-c', rackId: 'c' });
    const values: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value!.toString()) });
      await waitFor(`${RECORDS} records consumed`, () => values.length >= RECORDS, 60_000, 50);
    } finally {
      await consumer.disconnect();
    }
    assert.deepEqual(values, expected);
    const [leaderAfter, rackCAfter] = await Promise.all([2, 4].map((id) => bytesOut(metricsPorts[id]!, topic)));
    assert.equal(leaderAfter, leaderBefore, 'the leader sent the rack c member no records');
    assert.ok(rackCAfter! - rackCBefore! >= RECORDS * 4, 'the follower of rack c sent the records');
  });

  test('Fetch as Kafka answers it: the leader names a follower of the consumer\'s rack (v11+) and reads nothing; a follower serves v11+ consumers up to its high watermark, refuses older versions and offsets past its log end', async () => {
    const c = cluster!;
    const leaderPort = c.node(2).brokerPort!;
    const followerPort = c.node(4).brokerPort!;
    const toRackC = await consumerFetch(leaderPort, 11, topic, 0n, 'c');
    assert.deepEqual([toRackC.errorCode, toRackC.preferredReadReplica, recordBytes(toRackC), toRackC.highWatermark], [Errors.NONE, 4, 0, BigInt(RECORDS)]);
    // Where the leader is in the consumer's rack, or no replica is, the leader serves the fetch.
    for (const rack of ['a', 'z', '']) {
      const here = await consumerFetch(leaderPort, 11, topic, 0n, rack);
      assert.deepEqual([here.errorCode, here.preferredReadReplica], [Errors.NONE, -1], `rack '${rack}'`);
      assert.ok(recordBytes(here) > 0, `rack '${rack}': records from the leader`);
    }
    // Fetch v10 carries no client metadata: only the leader serves it.
    assert.equal((await consumerFetch(followerPort, 10, topic, 0n, '')).errorCode, Errors.NOT_LEADER_OR_FOLLOWER);
    // The follower learns the high watermark from its own fetches.
    const served = await waitFor('the follower of rack c to serve up to the high watermark', async () => {
      const r = await consumerFetch(followerPort, 11, topic, 0n, 'c');
      return r.highWatermark === BigInt(RECORDS) ? r : null;
    }, 10_000, 100);
    assert.deepEqual([served.errorCode, served.preferredReadReplica], [Errors.NONE, -1], 'a follower never redirects');
    assert.ok(recordBytes(served) > 0);
    assert.equal(recordBytes(await consumerFetch(followerPort, 11, topic, BigInt(RECORDS), 'c')), 0, 'nothing at the high watermark');
    assert.equal((await consumerFetch(followerPort, 11, topic, BigInt(RECORDS + 10), 'c')).errorCode, Errors.OFFSET_OUT_OF_RANGE);
  });
});
