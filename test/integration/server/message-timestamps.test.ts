// Record timestamps as topic configs shape them: LogAppendTime topics stamp each batch with the broker's append
// time (returned in the produce response, seen by consumers as "logappend", stored in the batch on disk with its
// CRC rewritten, and used by ListOffsets), and message.timestamp.before/after.max.ms refuse CreateTime records too
// far in the past or future with INVALID_TIMESTAMP.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel, CompressionTypes, type Producer } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { kcatConsumeAll, runKcat } from '../../fixtures/e2e/kcat.ts';
import { withKafkaError } from '../../fixtures/e2e/client-errors.ts';
import { partitionDir } from '../../fixtures/e2e/partition-files.ts';
import { iterateBatches } from '../../../src/protocol/records/batch-iterator.ts';

const OLD = 1_600_000_000_000;
const HOUR = 3_600_000;

describe('message timestamps', () => {
  let broker: TestBroker;
  let producer: Producer;

  before(async () => {
    broker = await startBroker();
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'append-time', configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] },
        { topic: 'recent-only', configEntries: [{ name: 'message.timestamp.before.max.ms', value: String(HOUR) }, { name: 'message.timestamp.after.max.ms', value: String(HOUR) }] },
      ],
    });
    await admin.disconnect();
    producer = kafka.producer();
    await producer.connect();
  });
  after(async () => {
    await producer.disconnect();
    await broker.cleanup();
  });

  test('LogAppendTime: the broker time replaces the producer timestamps, in responses, fetches, files and offsets', async () => {
    const before = Date.now();
    const [plain] = await producer.send({ topic: 'append-time', messages: [{ value: 'a', timestamp: String(OLD) }, { value: 'b', timestamp: String(OLD + 5) }] });
    const [gzip] = await producer.send({ topic: 'append-time', compression: CompressionTypes.GZIP, messages: [{ value: 'c', timestamp: String(OLD) }] });
    const afterSend = Date.now();
    for (const r of [plain!, gzip!]) {
      assert.equal(r.errorCode, 0);
      const appendTime = Number(r.logAppendTime);
      assert.ok(appendTime >= before && appendTime <= afterSend, `logAppendTime ${r.logAppendTime}`);
    }

    const got = await kcatConsumeAll(broker.bootstrap, 'append-time', 0);
    assert.deepEqual(got.map((r) => [r.value!.toString(), r.timestamp]), [
      ['a', Number(plain!.logAppendTime)],
      ['b', Number(plain!.logAppendTime)],
      ['c', Number(gzip!.logAppendTime)],
    ]);
    const json = (await runKcat(['-C', '-b', broker.bootstrap, '-t', 'append-time', '-p', '0', '-o', 'beginning', '-e', '-q', '-J'])).stdout.toString().trim().split('\n').map((l) => JSON.parse(l) as { tstype: string });
    assert.deepEqual(json.map((m) => m.tstype), ['logappend', 'logappend', 'logappend']);

    const bytes = await readFile(join(partitionDir(join(broker.dataDir, 'logs'), 'append-time', 0), '00000000000000000000.log'));
    const batches = [...iterateBatches(bytes)];
    assert.deepEqual(batches.map((b) => [b.isLogAppendTime, b.maxTimestamp]), [[true, BigInt(plain!.logAppendTime!)], [true, BigInt(gzip!.logAppendTime!)]]);

    // Lookups by timestamp use the append time: nothing is as old as the producer said.
    const { stdout } = await runKcat(['-Q', '-b', broker.bootstrap, '-t', `append-time:0:${OLD + 1}`]);
    assert.match(stdout.toString(), /offset 0\b/);
    const later = await runKcat(['-Q', '-b', broker.bootstrap, '-t', `append-time:0:${Number(gzip!.logAppendTime) + 1}`]);
    assert.match(later.stdout.toString(), /offset -1\b/);
  });

  test('message.timestamp.before/after.max.ms: records too old or too far ahead are INVALID_TIMESTAMP', async () => {
    const now = Date.now();
    await assert.rejects(producer.send({ topic: 'recent-only', messages: [{ value: 'stale', timestamp: String(now - 2 * HOUR) }] }), withKafkaError('INVALID_TIMESTAMP'));
    await assert.rejects(producer.send({ topic: 'recent-only', messages: [{ value: 'ok', timestamp: String(now) }, { value: 'future', timestamp: String(now + 2 * HOUR) }] }), withKafkaError('INVALID_TIMESTAMP'));
    const [ok] = await producer.send({ topic: 'recent-only', messages: [{ value: 'fresh', timestamp: String(now - HOUR / 2) }, { value: 'soon', timestamp: String(now + HOUR / 2) }] });
    assert.equal(ok!.errorCode, 0);
    assert.deepEqual((await kcatConsumeAll(broker.bootstrap, 'recent-only', 0)).map((r) => [r.offset, r.value!.toString()]), [[0, 'fresh'], [1, 'soon']]);
  });
});
