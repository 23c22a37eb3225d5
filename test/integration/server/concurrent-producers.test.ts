// Many writers at once on the same partitions: produce requests pipelined on one connection (appended in the order
// they arrive, whatever their acks and codec) and several kafkajs and kcat producers at the same time.
// Nothing is lost or duplicated, offsets are dense, and each writer's records keep their order.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { kcatConsumeAll, runKcat, type KcatRecord } from '../../fixtures/e2e/kcat.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';

describe('concurrent producers', () => {
  let broker: TestBroker;
  let kafka: Kafka;

  before(async () => {
    broker = await startBroker();
    kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'pipelined', numPartitions: 1 }, { topic: 'shared', numPartitions: 2 }] });
    await admin.disconnect();
  });
  after(async () => {
    await broker.cleanup();
  });

  // A raw connection, because kafkajs itself may reorder concurrent sends in its request queue before they reach
  // the wire (seen: the last two of 60); here the bytes go out exactly in call order.
  test('produce requests pipelined on one connection are appended in the order they arrive', async () => {
    const client = await RawKafkaClient.connect(broker.port);
    try {
      const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
      const sends = Array.from({ length: 60 }, (_, s) => client.request<{ responses: { partitionResponses: { errorCode: number; baseOffset: bigint }[] }[] }>(0, 7, {
        transactionalId: null,
        // Mixed acks: an acks=all request waits for the high watermark, which must not let a later one overtake it.
        acks: s % 2 === 0 ? -1 : 1,
        timeoutMs: 10_000,
        topicData: [{
          name: 'pipelined',
          partitionData: [{ index: 0, records: buildRecordBatchSync({ compression: codecs[s % codecs.length], records: Array.from({ length: 25 }, (_, i) => ({ value: `s${s}-r${i}` })) }) }],
        }],
      }));
      const results = await Promise.all(sends);
      assert.deepEqual(results.map((r) => r.responses[0]!.partitionResponses[0]!), Array.from({ length: 60 }, (_, s) => ({ ...results[s]!.responses[0]!.partitionResponses[0]!, errorCode: 0, baseOffset: BigInt(s * 25) })));
    } finally {
      await client.close();
    }
    const got = await kcatConsumeAll(broker.bootstrap, 'pipelined', 0);
    assert.deepEqual(got.map((r) => r.value!.toString()), Array.from({ length: 60 * 25 }, (_, n) => `s${Math.floor(n / 25)}-r${n % 25}`));
  });

  test('four kafkajs producers and two kcat producers at once: every record once, each writer in order', async () => {
    const kafkajsWriters = Array.from({ length: 4 }, (_, w) => (async () => {
      const producer = kafka.producer();
      await producer.connect();
      try {
        for (let b = 0; b < 30; b++) {
          await producer.send({
            topic: 'shared',
            acks: -1,
            messages: Array.from({ length: 20 }, (_, i) => ({ partition: (w + b) % 2, key: `kafkajs-${w}`, value: `kafkajs-${w}:${b * 20 + i}` })),
          });
        }
      } finally {
        await producer.disconnect();
      }
    })());
    const kcatWriters = [0, 1].map((w) => {
      const lines = Array.from({ length: 1500 }, (_, n) => `kcat-${w}\x1fkcat-${w}:${n}\n`).join('');
      return runKcat(['-P', '-b', broker.bootstrap, '-t', 'shared', '-p', String(w), '-K', '\\x1f', '-X', 'max.in.flight=1', '-X', 'linger.ms=1'], { input: lines });
    });
    await Promise.all([...kafkajsWriters, ...kcatWriters]);

    const all: KcatRecord[] = [];
    for (const p of [0, 1]) {
      const got = await kcatConsumeAll(broker.bootstrap, 'shared', p);
      assert.deepEqual(got.map((r) => r.offset), got.map((_, i) => i), `dense offsets in partition ${p}`);
      all.push(...got);
    }
    assert.equal(all.length, 4 * 30 * 20 + 2 * 1500);
    const byWriter = new Map<string, number[]>();
    for (const r of all) {
      const [writer, n] = r.value!.toString().split(':') as [string, string];
      assert.equal(r.key!.toString(), writer);
      let list = byWriter.get(`${writer}/${r.partition}`);
      if (list === undefined) byWriter.set(`${writer}/${r.partition}`, (list = []));
      list.push(Number(n));
    }
    // Within each partition every writer's sequence numbers increase with the offset, and none repeats.
    for (const [writer, seq] of byWriter) {
      for (let i = 1; i < seq.length; i++) assert.ok(seq[i]! > seq[i - 1]!, `${writer} out of order at ${i}`);
    }
    const seen = new Set(all.map((r) => r.value!.toString()));
    assert.equal(seen.size, all.length, 'no record twice');
  });
});
