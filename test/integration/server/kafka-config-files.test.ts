import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { access, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../../../src/cli/main.ts';
import { KafkaRaftServer, randomClusterId } from '../../../src/server/kafka-raft-server.ts';
import { freePorts } from '../quorum/in-process-nodes.ts';

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

test('Kafka 4.x config/server.properties (a dynamic quorum) starts as a single node after format --standalone, as in Kafka\'s quick start', async () => {
  await withTempDir(async (dir) => {
    const [brokerPort, controllerPort] = await freePorts(2);
    const logDir = join(dir, 'kraft-combined-logs');
    // The file as it is; only the data directory and the ports (9092/9093 may be taken) are overridden.
    const overrides = [
      `log.dirs=${logDir}`,
      `listeners=PLAINTEXT://:${brokerPort},CONTROLLER://:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://localhost:${brokerPort},CONTROLLER://localhost:${controllerPort}`,
      `controller.quorum.bootstrap.servers=localhost:${controllerPort}`,
    ].flatMap((o) => ['--override', o]);
    const file = join(FIXTURES, 'kafka-4.0-server.properties');
    const env = { ...process.env, NODE_TEST_CONTEXT: undefined, LOG_LEVEL: 'warn' };

    // Unformatted, a controller of a dynamic quorum cannot pick its first voters: start says how to format.
    const { config } = await loadConfig(file, { 'log.dirs': logDir }, {});
    await assert.rejects(KafkaRaftServer.start(config, { formatClusterId: randomClusterId() }), /format it with kafka-broker format --cluster-id <id> --config <file> and one of --standalone, --initial-controllers or --no-initial-controllers/);
    assert.ok(await isUnformatted(logDir), 'nothing was written');

    // KAFKA_CLUSTER_ID="$(bin/kafka-storage.sh random-uuid)"; bin/kafka-storage.sh format --standalone -t $KAFKA_CLUSTER_ID -c config/server.properties
    const clusterId = (await run(process.execPath, [BIN, 'random-uuid'], { env })).stdout.trim();
    const formatted = await run(process.execPath, [BIN, 'format', '--standalone', '-t', clusterId, '-c', file, ...overrides], { env });
    const directoryId = /^directory\.id=(.+)$/m.exec(await readFile(join(logDir, 'meta.properties'), 'utf8'))![1]!;
    assert.match(formatted.stdout, new RegExp(`\\(1@localhost:${controllerPort}:${directoryId}\\)`), 'this node alone, with its directory id, is the first voter');
    // bin/kafka-server-start.sh config/server.properties
    const child = spawn(process.execPath, [BIN, 'start', '--config', file, ...overrides], { env: { ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on('line', (line) => line.includes('Kafka broker started') && resolve());
        child.once('exit', (code) => reject(new Error(`exited with ${code}`)));
      });
      child.stdout!.resume();
      const kafka = new Kafka({ brokers: [`localhost:${brokerPort}`], logLevel: logLevel.NOTHING });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'quickstart-events', messages: [{ value: 'This is my first event' }] });
      await producer.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      assert.deepEqual((await admin.fetchTopicOffsets('quickstart-events')).map((o) => o.high), ['1']);
      await admin.disconnect();
      const status = await run(process.execPath, [BIN, 'metadata-quorum', '--bootstrap-server', `localhost:${brokerPort}`, 'describe', '--status'], { env });
      assert.match(status.stdout, new RegExp(`^ClusterId: +${clusterId}$`, 'm'));
      assert.match(status.stdout, new RegExp(`^CurrentVoters: +\\[\\{"id": 1, "directoryId": "${directoryId}", "endpoints": \\["CONTROLLER://localhost:${controllerPort}"\\]\\}\\]$`, 'm'));
    } finally {
      child.kill('SIGKILL');
    }
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
