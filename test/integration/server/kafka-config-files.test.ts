import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../../src/cli/main.ts';
import { KafkaRaftServer, randomClusterId } from '../../../src/server/kafka-raft-server.ts';

// Apache Kafka's own config files (their property lines, in test/fixtures/kafka-config) go through the path of
// `kafka-broker start --config`: loadConfig, then KafkaRaftServer.start. Only log.dirs (and, to start one, the ports)
// are overridden.

const FIXTURES = fileURLToPath(new URL('../../fixtures/kafka-config/', import.meta.url));
const BIN = fileURLToPath(new URL('../../../bin/kafka-broker.js', import.meta.url));
const run = promisify(execFile);

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kafka-files-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether `dir` holds no meta.properties (was never formatted) and nothing else. */
async function isUnformatted(dir: string): Promise<boolean> {
  try {
    await access(join(dir, 'meta.properties'));
    return false;
  } catch {
    return (await readdir(dir).catch(() => [])).length === 0;
  }
}

test('Kafka 4.x config files load unchanged; the features they name that are not built are listed as inactive', async () => {
  await withTempDir(async (dir) => {
    const cases: [string, string[]][] = [
      ['kafka-4.0-server.properties', ['share.coordinator.state.topic.min.isr', 'share.coordinator.state.topic.replication.factor']],
      ['kafka-4.0-broker.properties', ['share.coordinator.state.topic.min.isr', 'share.coordinator.state.topic.replication.factor']],
      ['kafka-4.3-controller.properties', ['share.coordinator.state.topic.min.isr', 'share.coordinator.state.topic.replication.factor']],
      ['kafka-3.9-kraft-server.properties', []],
    ];
    for (const [file, inactive] of cases) {
      const { config, unknownEnv } = await loadConfig(join(FIXTURES, file), { 'log.dirs': join(dir, file) }, {});
      assert.deepEqual(config.inactiveSettings().map((s) => s.name), inactive, file);
      assert.deepEqual(unknownEnv, []);
    }
  });
});

test('a dynamic quorum (Kafka 4.x server.properties) is refused with a clear message and leaves the directory unformatted', async () => {
  await withTempDir(async (dir) => {
    // A controller is told the voter to set; a broker-only node has no controller listener to name.
    const expected: [string, string][] = [
      ['kafka-4.0-server.properties', ' (for this node alone: controller.quorum.voters=1@localhost:9093)'],
      ['kafka-4.0-broker.properties', ''],
      ['kafka-4.3-controller.properties', ' (for this node alone: controller.quorum.voters=1@localhost:9093)'],
    ];
    for (const [file, example] of expected) {
      const logDir = join(dir, file);
      const { config } = await loadConfig(join(FIXTURES, file), { 'log.dirs': logDir }, {});
      await assert.rejects(KafkaRaftServer.start(config, { formatClusterId: randomClusterId() }), {
        message: 'cannot start this node:\n  controller.quorum.voters is empty: the dynamic controller quorum (KIP-853, ' +
          'controller.quorum.bootstrap.servers and kafka-storage format --standalone) is not supported yet; set a static ' +
          `quorum in controller.quorum.voters${example}`,
      }, file);
      assert.ok(await isUnformatted(logDir), `${file}: ${logDir} stays unformatted`);
    }
    // The same through the command itself: a clean exit with the message, no stack trace, nothing written.
    const logDir = join(dir, 'cli');
    const failed = await run(process.execPath, [BIN, 'start', '--config', join(FIXTURES, 'kafka-4.0-server.properties'), '--override', `log.dirs=${logDir}`], {
      env: { ...process.env, NODE_TEST_CONTEXT: undefined, LOG_LEVEL: 'warn', CLUSTER_ID: randomClusterId() },
    }).then(() => null, (e: { code: number; stderr: string; stdout: string }) => e);
    assert.ok(failed !== null, 'the start fails');
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^kafka-broker: cannot start this node:\n {2}controller\.quorum\.voters is empty: the dynamic controller quorum/);
    assert.match(failed.stdout, /These configs are accepted but have no effect yet in this broker: share\.coordinator/);
    assert.ok(await isUnformatted(logDir));
  });
});

test('Kafka 3.9 config/kraft/server.properties (a static quorum) starts and serves clients', async () => {
  await withTempDir(async (dir) => {
    const { config } = await loadConfig(join(FIXTURES, 'kafka-3.9-kraft-server.properties'), {
      'log.dirs': join(dir, 'logs'),
      // Free ports instead of 9092/9093.
      listeners: 'PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
      'advertised.listeners': 'PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
    }, {});
    const server = await KafkaRaftServer.start(config, { formatClusterId: randomClusterId() });
    try {
      const kafka = new Kafka({ brokers: [`127.0.0.1:${server.boundPort('PLAINTEXT')}`], logLevel: logLevel.NOTHING });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'from-kafka-file', messages: [{ key: 'k', value: 'v' }] });
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets('from-kafka-file');
      await admin.disconnect();
      assert.deepEqual(offsets.map((o) => o.high), ['1']);
    } finally {
      await server.shutdown();
    }
  });
});
