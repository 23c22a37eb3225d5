import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
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
