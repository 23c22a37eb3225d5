// Resource exhaustion (issue 16 item 6) on a broker process: thousands of idle and half-open connections while a
// real client keeps producing; a Fetch of every partition asking for the largest sizes the wire allows. Each stays
// within Kafka's own bounds (connections are cheap and closable; fetch.max.bytes caps a response), and other
// clients keep being served. (Frames announced huge and trickled: hostile-connections.test.ts; CreateTopics and
// CreatePartitions beyond 10,000 partitions per request: topic-admin-kafkajs.test.ts.)
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBrokerProcess, waitFor, type BrokerProcess } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { rssOf } from '../network/hostile-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { freePorts } from '../../cluster/test-cluster.ts';

let dataDir: string;
let broker: BrokerProcess;
let metricsPort: number;


async function openConnections(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let total = 0;
  for (const m of text.matchAll(/^kafka_server_socket_server_metrics_connection_count\{[^}]*listener="PLAINTEXT"[^}]*\} (\d+)$/gm)) total += Number(m[1]);
  return total;
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'exhaustion-'));
  metricsPort = (await freePorts(1))[0]!;
  broker = await startBrokerProcess(dataDir, { overrides: { 'metrics.prometheus.listener': `127.0.0.1:${metricsPort}` } });
});
after(async () => {
  await broker.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

test('2,000 idle and 500 half-open connections: a kafkajs producer keeps producing, and closing them frees them all', { timeout: 120_000 }, async () => {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'exhaustion', messages: [{ value: 'warm-up' }] });
  const baseline = await openConnections();
  const rssBefore = rssOf(broker.child.pid!);
  const sockets: net.Socket[] = [];
  const connect = (halfOpen: boolean): Promise<void> => new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: broker.port }, () => {
      // Half-open: the first two bytes of a size prefix, then nothing (a slow-loris frame).
      if (halfOpen) s.write(Buffer.from([0, 0]));
      resolve();
    });
    s.on('error', reject);
    sockets.push(s);
  });
  // In waves the broker has accepted before the next: a burst beyond the listen backlog leaves connections that
  // the client sees open and the broker has not accepted yet (as with Kafka's socket.listen.backlog.size).
  for (let i = 0; i < 2500; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => connect(i + j >= 2000)));
    await waitFor(`the broker to count ${i + 100} more connections`, async () => (await openConnections()) >= baseline + i + 100, 30_000, 100);
  }
  // Served while they are open: 50 produce requests, each acknowledged.
  for (let i = 0; i < 50; i++) await producer.send({ topic: 'exhaustion', acks: -1, messages: [{ value: `during-${i}` }] });
  const rssGrowthMb = (rssOf(broker.child.pid!) - rssBefore) / 1e6;
  assert.ok(rssGrowthMb < 200, `2,500 idle connections grew the broker's RSS by ${rssGrowthMb.toFixed(0)} MB`);
  for (const s of sockets) s.destroy();
  await waitFor('every idle connection to be closed on the broker', async () => (await openConnections()) <= baseline, 30_000, 200);
  await producer.disconnect();
});

test('a Fetch of every partition with the largest max_bytes returns at most fetch.max.bytes, and other clients are served meanwhile', { timeout: 120_000 }, async () => {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'wide', numPartitions: 1000 }, { topic: 'full', numPartitions: 4 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const chunk = Buffer.alloc(900_000, 7);
  // 4 partitions x 24 MB: more than the 55 MiB fetch.max.bytes.
  for (let p = 0; p < 4; p++) for (let i = 0; i < 24; i++) await producer.send({ topic: 'full', messages: [{ partition: p, value: chunk }] });
  const client = await RawKafkaClient.connect(broker.port);
  try {
    const meta = await client.request<{ topics: { name: string; topicId: string }[] }>(ApiKeys.Metadata, 12, { topics: [{ name: 'wide', topicId: null }, { name: 'full', topicId: null }], allowAutoTopicCreation: false });
    const topics = meta.topics.map((t) => ({ topic: t.name, topicId: t.topicId, partitions: Array.from({ length: t.name === 'wide' ? 1000 : 4 }, (_, p) => ({ partition: p, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 0x7fffffff })) }));
    const t0 = performance.now();
    const fetchPromise = client.request<{ errorCode: number; responses: { partitions: { records: Buffer | null }[] }[] }>(ApiKeys.Fetch, 12, {
      clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1n }, maxWaitMs: 0, minBytes: 1, maxBytes: 0x7fffffff, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
      topics, forgottenTopicsData: [], rackId: '',
    }, 60_000);
    // Another client is served while that response is built and sent.
    await producer.send({ topic: 'exhaustion', acks: -1, messages: [{ value: 'beside-the-big-fetch' }] });
    const fetched = await fetchPromise;
    const bytes = fetched.responses.flatMap((t) => t.partitions).reduce((n, p) => n + (p.records?.length ?? 0), 0);
    assert.equal(fetched.errorCode, 0);
    assert.ok(bytes > 0, 'the fetch returned records');
    assert.ok(bytes <= 57_671_680 + 1_000_000, `the response carried ${bytes} bytes of records, above fetch.max.bytes (55 MiB) plus one batch`);
    assert.ok(performance.now() - t0 < 60_000);
  } finally {
    await client.close();
    await producer.disconnect();
  }
});
