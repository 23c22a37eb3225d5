import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, startBrokerProcess } from '../../helpers/broker.ts';

const run = promisify(execFile);

test('kafkajs creates a topic and produces; kcat reads the records back; they survive a restart', async () => {
  const broker = await startBroker();
  try {
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    assert.equal(await admin.createTopics({ topics: [{ topic: 'smoke', numPartitions: 2 }] }), true);
    assert.deepEqual((await admin.listTopics()).sort(), ['smoke']);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'smoke', messages: [{ key: 'k', value: 'hello', partition: 0 }, { key: 'k2', value: 'world', partition: 0 }] });
    await producer.disconnect();
    await admin.disconnect();
    const { stdout } = await run('kcat', ['-b', broker.bootstrap, '-C', '-t', 'smoke', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\n']);
    assert.equal(stdout, 'k=hello\nk2=world\n');
    await broker.stop();
    const again = await startBrokerProcess(broker.dataDir);
    try {
      const { stdout: after } = await run('kcat', ['-b', again.bootstrap, '-C', '-t', 'smoke', '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\n']);
      assert.equal(after, 'k=hello\nk2=world\n');
    } finally {
      assert.equal(await again.kill('SIGTERM'), 0);
    }
  } finally {
    await broker.cleanup();
  }
});
