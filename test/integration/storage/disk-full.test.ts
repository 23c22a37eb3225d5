// A real full disk (a small tmpfs mounted by the test, so needs root): writes fail with ENOSPC, which Kafka treats
// as a log dir failure. With another log dir left, the full one goes offline (KAFKA_STORAGE_ERROR for its
// partitions, the rest goes on) and SIGTERM still stops the broker cleanly, exit 0 with its locks released. With
// no log dir left the broker halts, as Kafka's does. Either way a restart after space is freed has every
// acknowledged record.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { kafkaErrorNames, withKafkaError } from '../../fixtures/e2e/client-errors.ts';
import { kcatConsumeAll } from '../../fixtures/e2e/kcat.ts';
import { logRecords, mountTmpfs, spawnBroker, type SpawnedBroker } from './fail-stop-kit.ts';
import { waitFor } from '../../helpers/broker.ts';

const FATAL = 60;
const ERROR = 50;
const VALUE_BYTES = 32 * 1024;

/** The value of the `i`th record of the filling topic: distinct, so a restart can check each one. */
function valueAt(i: number): Buffer {
  return Buffer.alloc(VALUE_BYTES, `record ${i} `);
}

function kafkaAt(port: number): Kafka {
  return new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
}

async function createTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Sends one acks=all record at a time to `fill` until a send fails. @returns how many were acknowledged, and the error. */
async function fillUntilFailure(producer: Producer): Promise<{ acked: number; error: unknown }> {
  for (let i = 0; ; i++) {
    try {
      await producer.send({ topic: 'fill', acks: -1, messages: [{ key: `k${i}`, value: valueAt(i) }] });
    } catch (error) {
      return { acked: i, error };
    }
    if (i > 10_000) throw new Error('the disk never filled up');
  }
}

/** Restarts on the same dirs and checks every acknowledged record of `fill` is there, byte for byte. */
async function assertAcknowledgedRecordsBack(dataDir: string, overrides: Record<string, string>, acked: number): Promise<void> {
  const broker = spawnBroker(dataDir, { overrides });
  try {
    const port = await broker.started();
    const records = await kcatConsumeAll(`127.0.0.1:${port}`, 'fill', 0);
    assert.ok(records.length >= acked, `${records.length} records back, ${acked} acknowledged`);
    for (let i = 0; i < acked; i++) {
      assert.equal(records[i]!.offset, i);
      assert.ok(records[i]!.value!.equals(valueAt(i)), `record ${i}`);
    }
    assert.equal(await broker.stop(), 0);
  } finally {
    await broker.stop('SIGKILL');
  }
}

/**
 * Runs `fn` with a fresh data dir holding `small`, a 4 MB tmpfs, then kills what is left and removes both;
 * skips the test when a tmpfs cannot be mounted.
 */
async function withSmallDisk(t: TestContext, fn: (dataDir: string, small: string, tmpfs: { resize(sizeMb: number): void }, brokers: SpawnedBroker[]) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'disk-full-'));
  const small = join(dataDir, 'small');
  const tmpfs = await mountTmpfs(small, 4);
  const brokers: SpawnedBroker[] = [];
  try {
    if ('skip' in tmpfs) t.skip(tmpfs.skip);
    else await fn(dataDir, small, tmpfs, brokers);
  } finally {
    for (const b of brokers) await b.stop('SIGKILL');
    if (!('skip' in tmpfs)) tmpfs.unmount();
    await rm(dataDir, { recursive: true, force: true });
  }
}

test('a full disk takes its log dir offline while the other dir goes on; SIGTERM still stops the broker cleanly (exit 0, locks released)', { timeout: 180_000 }, (t) =>
  withSmallDisk(t, async (dataDir, small, tmpfs, brokers) => {
    const logs = join(dataDir, 'logs');
    // The full dir is the first, so the first topic's log goes there; the metadata log is on the other one.
    const overrides = { 'log.dirs': `${small},${logs}`, 'metadata.log.dir': logs };
    const broker = spawnBroker(dataDir, { overrides });
    brokers.push(broker);
    const port = await broker.started();
    const kafka = kafkaAt(port);
    await createTopics(kafka, ['fill']);
    await createTopics(kafka, ['other']);
    assert.ok((await readdir(small)).includes('fill-0'));
    assert.ok((await readdir(logs)).includes('other-0'));

    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    const { acked, error } = await fillUntilFailure(producer);
    assert.ok(acked > 10, `${acked} records of ${VALUE_BYTES} bytes before the 4 MB disk was full`);
    assert.ok(kafkaErrorNames(error).includes('KAFKA_STORAGE_ERROR'), `${String(error)}: ${kafkaErrorNames(error).join(', ')}`);
    // The error reaches the client as soon as the append fails; the log line may be read from stdout a little later.
    const failure = await waitFor('the log dir failure line', () => logRecords(broker.lines, ERROR).find((r) => r.msg === 'Stopping serving logs in a failed log directory'));
    assert.equal(failure.dir, small);
    assert.match(JSON.stringify(failure.err), /ENOSPC/);

    // The failed dir stays offline; the broker and its other dir go on.
    await assert.rejects(producer.send({ topic: 'fill', acks: -1, messages: [{ value: 'after' }] }), withKafkaError('KAFKA_STORAGE_ERROR'));
    await producer.send({ topic: 'other', acks: -1, messages: [{ value: 'still served' }] });
    await producer.disconnect();
    assert.deepEqual((await kcatConsumeAll(`127.0.0.1:${port}`, 'other', 0)).map((r) => r.value!.toString()), ['still served']);

    assert.equal(await broker.stop(), 0);
    assert.ok(broker.lines.some((l) => l.includes('"Shut down cleanly"')));
    assert.deepEqual(logRecords(broker.lines, FATAL), []);

    // A new process takes both locks (and, with space freed, every acknowledged record is back).
    tmpfs.resize(64);
    await assertAcknowledgedRecordsBack(dataDir, overrides, acked);
  }),
);

test('when the only log dir fills up the broker halts (exit 1, "all log dirs have failed"); a restart after space is freed has every acknowledged record', { timeout: 180_000 }, (t) =>
  withSmallDisk(t, async (dataDir, small, tmpfs, brokers) => {
    const overrides = { 'log.dirs': small };
    const broker = spawnBroker(dataDir, { overrides });
    brokers.push(broker);
    const kafka = kafkaAt(await broker.started());
    await createTopics(kafka, ['fill']);
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
    await producer.connect();
    const { acked } = await fillUntilFailure(producer);
    await producer.disconnect().catch(() => undefined);
    assert.equal(await broker.exited, 1);
    const fatal = logRecords(broker.lines, FATAL);
    assert.deepEqual(fatal.map((r) => r.msg), [`Fault: Shutdown broker because all log dirs in ${small} have failed; halting the process`]);
    assert.ok(!broker.lines.some((l) => l.includes('"Shut down cleanly"')), 'a halt, not a clean shutdown');

    tmpfs.resize(64);
    await assertAcknowledgedRecordsBack(dataDir, overrides, acked);
  }),
);
