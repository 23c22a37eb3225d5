import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '../../helpers/broker.ts';
import { runKcat } from '../../fixtures/e2e/kcat.ts';

/** A port nothing listens on right now (the broker binds it a moment later). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Bytes of the .log segments of one partition: what a consumer reading it from the start receives. */
async function logBytes(logDir: string, topicPartition: string): Promise<number> {
  const dir = join(logDir, topicPartition);
  let total = 0;
  for (const f of await readdir(dir)) if (f.endsWith('.log')) total += (await stat(join(dir, f))).size;
  return total;
}

/** The value of `name` with exactly the labels `labels` (`''` for none) in a Prometheus text exposition. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels === '' ? '' : `{${labels}}`} `));
  assert.ok(line !== undefined, `${name}{${labels}} is exported`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The sum of every series of `name` whose labels contain `labels` (e.g. every version of one request). */
function sumOf(text: string, name: string, labels: string): number {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`) && l.includes(labels)).reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

/** Polls `read` until it returns `expected` (deadline 15 s), then returns it; fails with the last value. */
async function eventually(read: () => Promise<number>, expected: number, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last = NaN;
  while (Date.now() < deadline) {
    if ((last = await read()) === expected) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${what}: expected ${expected}, last ${last}`);
}

test('BytesOut counts the record bytes of consumer fetches per topic and in all (sendfile path), BytesIn/MessagesIn too, read from the Prometheus endpoint', async () => {
  const metricsPort = await freePort();
  const broker = await startBroker({ overrides: { 'metrics.prometheus.listener': `127.0.0.1:${metricsPort}` } });
  try {
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'out-a', numPartitions: 1 }, { topic: 'out-b', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 5; i++) {
      await producer.send({ topic: 'out-a', messages: Array.from({ length: 10 }, (_, j) => ({ key: `a${i}-${j}`, value: 'x'.repeat(200) })) });
    }
    await producer.send({ topic: 'out-b', messages: Array.from({ length: 7 }, (_, j) => ({ key: `b${j}`, value: 'y'.repeat(50) })) });
    await producer.disconnect();

    // Each kcat run reads its partition from the beginning to the end once: every stored batch goes out once.
    const consume = (topic: string) => runKcat(['-b', broker.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k\n']);
    assert.equal((await consume('out-a')).stdout.toString().split('\n').length - 1, 50);
    assert.equal((await consume('out-a')).stdout.toString().split('\n').length - 1, 50);
    assert.equal((await consume('out-b')).stdout.toString().split('\n').length - 1, 7);

    const logDir = join(broker.dataDir, 'logs');
    const sizeA = await logBytes(logDir, 'out-a-0');
    const sizeB = await logBytes(logDir, 'out-b-0');
    assert.ok(sizeA > 50 * 200 && sizeB > 7 * 50);
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    assert.equal(res.status, 200);
    const text = await res.text();
    const out = 'kafka_server_brokertopicmetrics_bytesout_total';
    assert.equal(sample(text, out, 'topic="out-a"'), 2 * sizeA);
    assert.equal(sample(text, out, 'topic="out-b"'), sizeB);
    assert.equal(sample(text, out, ''), 2 * sizeA + sizeB, 'the series without a topic label is the total');
    assert.equal(sample(text, 'kafka_server_brokertopicmetrics_bytesin_total', 'topic="out-a"'), sizeA);
    assert.equal(sample(text, 'kafka_server_brokertopicmetrics_bytesin_total', ''), sizeA + sizeB);
    assert.equal(sample(text, 'kafka_server_brokertopicmetrics_messagesin_total', 'topic="out-b"'), 7);
    assert.equal(sample(text, 'kafka_server_brokertopicmetrics_messagesin_total', ''), 57);
  } finally {
    await broker.cleanup();
  }
});

test('after kafkajs traffic: BrokerTopicMetrics, RequestMetrics, Log gauges, groups and consumer lag by their JMX exporter names; /healthz and /readyz', async () => {
  const metricsPort = await freePort();
  const broker = await startBroker({ overrides: { 'metrics.prometheus.listener': `127.0.0.1:${metricsPort}` } });
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const topic = 'traffic';
  try {
    const health = await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
    assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }]);
    const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`);
    assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready' }], 'ready once serving');
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status, 404);
    const healthcheck = (url: string) => promisify(execFile)(process.execPath, [new URL('../../../docker/healthcheck.ts', import.meta.url).pathname, url]);
    await healthcheck(`http://127.0.0.1:${metricsPort}/readyz`);
    await assert.rejects(healthcheck(`http://127.0.0.1:${metricsPort}/missing`), (e: { code?: number }) => e.code === 1, 'the container health check fails on anything but 200');

    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '2000' }, { name: 'flush.messages', value: '1' }] }] });
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < 3; i++) await producer.send({ topic, messages: Array.from({ length: 10 }, (_, j) => ({ value: `v${i}-${j}` })) });
    await assert.rejects(producer.send({ topic, messages: [{ value: 'z'.repeat(5000) }] }), /too large|larger/i);

    const consumer = kafka.consumer({ groupId: 'metrics-group' });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let received = 0;
    await consumer.run({ eachMessage: async () => void received++ });
    await eventually(async () => received, 30, 'records consumed');
    await eventually(async () => sample(await scrape(metricsPort), 'kafka_consumergroup_lag', `consumergroup="metrics-group",topic="${topic}",partition="0"`), 0, 'lag after consuming everything');
    await consumer.disconnect();
    const consumedSize = await logBytes(join(broker.dataDir, 'logs'), `${topic}-0`);
    await producer.send({ topic, messages: Array.from({ length: 12 }, (_, j) => ({ value: `late-${j}` })) });
    await producer.disconnect();
    const [committed] = await admin.fetchOffsets({ groupId: 'metrics-group', topics: [topic] });
    await admin.disconnect();
    assert.equal(committed!.partitions[0]!.offset, '30');

    const text = await scrape(metricsPort);
    const t = `topic="${topic}"`;
    assert.equal(sample(text, 'kafka_consumergroup_lag', `consumergroup="metrics-group",${t},partition="0"`), 42 - 30, 'produced minus committed');
    assert.equal(sample(text, 'kafka_server_brokertopicmetrics_messagesin_total', t), 42);
    const logSize = await logBytes(join(broker.dataDir, 'logs'), `${topic}-0`);
    assert.equal(sample(text, 'kafka_server_brokertopicmetrics_bytesin_total', t), logSize);
    assert.equal(sample(text, 'kafka_server_brokertopicmetrics_totalproducerequests_total', t), 5, 'four accepted sends and the rejected one');
    assert.ok(sample(text, 'kafka_server_brokertopicmetrics_bytesrejected_total', t) > 5000, 'the too-large batch');
    assert.equal(sample(text, 'kafka_server_brokertopicmetrics_failedproducerequests_total', t), 0, 'too large is not a failure, as in Kafka');
    assert.ok(sample(text, 'kafka_server_brokertopicmetrics_bytesout_total', t) >= consumedSize, 'the consumer read the first 30 records');
    assert.ok(sample(text, 'kafka_server_brokertopicmetrics_totalfetchrequests_total', t) >= 1);
    assert.equal(sample(text, 'kafka_server_brokertopicmetrics_failedfetchrequests_total', t), 0);
    assert.ok(sample(text, 'kafka_server_brokertopicmetrics_messagesin_total', '') >= 42, 'the all-topics series (offsets commits included)');

    assert.equal(sumOf(text, 'kafka_network_requestmetrics_requests_total', 'request="Produce"'), 5);
    assert.equal(sample(text, 'kafka_network_requestmetrics_totaltimems_count', 'request="Produce"'), 5);
    assert.ok(sumOf(text, 'kafka_network_requestmetrics_requests_total', 'request="FetchConsumer"') >= 1);
    assert.equal(sumOf(text, 'kafka_network_requestmetrics_requests_total', 'request="Fetch"'), sumOf(text, 'kafka_network_requestmetrics_requests_total', 'request="FetchConsumer"'));
    assert.ok(sumOf(text, 'kafka_network_requestmetrics_requests_total', 'request="JoinGroup"') >= 1);
    assert.ok(sample(text, 'kafka_network_requestmetrics_totaltimems', 'quantile="0.99",request="Produce"') >= 0);
    assert.ok(sample(text, 'kafka_network_requestmetrics_remotetimems_count', 'request="Fetch"') >= 1);
    // Every produce was answered before the scrape: each has all six phases, and they add up to its total (Kafka's
    // RequestChannel.updateRequestMetrics).
    const phases = ['requestqueuetimems', 'localtimems', 'remotetimems', 'responsequeuetimems', 'responsesendtimems'];
    for (const phase of phases) assert.equal(sample(text, `kafka_network_requestmetrics_${phase}_count`, 'request="Produce"'), 5, phase);
    const phaseSum = phases.reduce((a, phase) => a + sample(text, `kafka_network_requestmetrics_${phase}_sum`, 'request="Produce"'), 0);
    assert.ok(Math.abs(sample(text, 'kafka_network_requestmetrics_totaltimems_sum', 'request="Produce"') - phaseSum) < 1e-6);
    assert.ok(sample(text, 'kafka_network_requestmetrics_responsesendtimems', 'quantile="0.99",request="FetchConsumer"') >= 0);

    assert.equal(sample(text, 'kafka_log_log_logendoffset', `${t},partition="0"`), 42);
    assert.equal(sample(text, 'kafka_log_log_logstartoffset', `${t},partition="0"`), 0);
    assert.equal(sample(text, 'kafka_log_log_size', `${t},partition="0"`), logSize);
    assert.ok(sample(text, 'kafka_log_logflushstats_logflushrateandtimems_count', '') >= 4, 'flush.messages=1: each accepted produce flushed');
    assert.ok(sample(text, 'kafka_log_logflushstats_logflushrateandtimems', 'quantile="0.99"') >= 0);
    assert.ok(sample(text, 'kafka_server_socket_server_metrics_connection_creation_total', 'listener="PLAINTEXT",networkProcessor="0"') >= 3);
    assert.equal(sample(text, 'kafka_coordinator_group_groupmetadatamanager_numgroupsempty', ''), 1, 'the group, its member gone');
    assert.equal(sample(text, 'kafka_server_group_coordinator_metrics_group_completed_rebalance_count', ''), 1);
    assert.equal(sample(text, 'kafka_server_replicamanager_partitioncount', ''), sample(text, 'kafka_server_replicamanager_leadercount', ''));
    assert.equal(sample(text, 'kafka_controller_kafkacontroller_activecontrollercount', ''), 1);

    // Every metric docker/grafana/dashboards/kafka-broker.json queries is one this broker exports.
    const types = new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const dashboard = await readFile(new URL('../../../docker/grafana/dashboards/kafka-broker.json', import.meta.url), 'utf8');
    const queried = new Set([...dashboard.matchAll(/\b(?:kafka|nodejs|process)_[a-z0-9_]+/g)].map((m) => m[0]));
    assert.ok(queried.size > 30);
    for (const name of queried) {
      const base = name.replace(/_(sum|count|bucket)$/, '');
      assert.ok(types.has(name) || ['summary', 'histogram'].includes(types.get(base) ?? ''), `the dashboard's ${name} is exported`);
    }

    // A deleted topic's series go (the all-topics totals stay), as Kafka's BrokerTopicStats.removeMetrics.
    const cleanup = kafka.admin();
    await cleanup.connect();
    await cleanup.deleteTopics({ topics: [topic] });
    await cleanup.disconnect();
    await eventually(async () => (await scrape(metricsPort)).split('\n').filter((l) => l.startsWith('kafka_') && l.includes(t)).length, 0, 'series of the deleted topic');
    assert.ok(sample(await scrape(metricsPort), 'kafka_server_brokertopicmetrics_messagesin_total', '') >= 42);
  } finally {
    await broker.cleanup();
  }
});
