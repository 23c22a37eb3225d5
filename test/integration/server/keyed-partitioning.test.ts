// Keyed records on a multi-partition topic: with the default partitioners (kafkajs' Java-compatible murmur2, and
// librdkafka's murmur2_random, its Java-compatible one) every record of a key lands in the partition
// murmur2(key) % n, and, read back from every partition with kcat, each key's records are in one partition in
// the order they were sent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { corpusLines } from '../../fixtures/e2e/license-corpus.ts';
import { kcatConsumeAll, runKcat, type KcatRecord } from '../../fixtures/e2e/kcat.ts';
import { partitionForKey } from '../../../src/common/murmur2.ts';

const PARTITIONS = 6;
const KEYS = 150;
const PER_KEY = 40;

/** Record j of key k: value "<k>#<j>:<corpus line>", so order and content are both checkable. */
function valueOf(key: number, seq: number): string {
  const lines = corpusLines();
  return `${key}#${seq}:${lines[(key * PER_KEY + seq) % lines.length]!.bytes.toString('latin1')}`;
}

async function readAllPartitions(bootstrap: string, topic: string): Promise<KcatRecord[]> {
  const all: KcatRecord[] = [];
  for (let p = 0; p < PARTITIONS; p++) all.push(...(await kcatConsumeAll(bootstrap, topic, p)));
  return all;
}

/** Checks every key's records: one partition, the murmur2 one, in sequence order, and all of them. */
function checkKeyed(records: KcatRecord[], keyName: (k: number) => string): void {
  assert.equal(records.length, KEYS * PER_KEY);
  const byKey = new Map<string, KcatRecord[]>();
  for (const r of records) {
    const k = r.key!.toString();
    let list = byKey.get(k);
    if (list === undefined) byKey.set(k, (list = []));
    list.push(r);
  }
  assert.equal(byKey.size, KEYS);
  const used = new Set<number>();
  for (let k = 0; k < KEYS; k++) {
    const name = keyName(k);
    const list = byKey.get(name)!;
    const partitions = new Set(list.map((r) => r.partition));
    assert.equal(partitions.size, 1, `key ${name} spread over partitions ${[...partitions].join(',')}`);
    const partition = list[0]!.partition;
    used.add(partition);
    assert.equal(partition, partitionForKey(Buffer.from(name), PARTITIONS), `key ${name}`);
    list.sort((a, b) => a.offset - b.offset);
    assert.deepEqual(list.map((r) => r.value!.toString('latin1')), Array.from({ length: PER_KEY }, (_, j) => valueOf(k, j)), `order of key ${name}`);
  }
  assert.equal(used.size, PARTITIONS, 'keys spread over every partition');
}

describe('keyed records stay in one partition, in order', () => {
  let broker: TestBroker;
  let kafka: Kafka;

  before(async () => {
    broker = await startBroker();
    kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'keyed-kafkajs', numPartitions: PARTITIONS }, { topic: 'keyed-kcat', numPartitions: PARTITIONS }] });
    await admin.disconnect();
  });
  after(async () => {
    await broker.cleanup();
  });

  test('kafkajs default partitioner: murmur2 partition per key, order kept across many sends', async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      // Round j sends record j of every key: each send spreads over all partitions.
      for (let j = 0; j < PER_KEY; j++) {
        const results = await producer.send({
          topic: 'keyed-kafkajs',
          acks: -1,
          messages: Array.from({ length: KEYS }, (_, k) => ({ key: `user-${k}`, value: valueOf(k, j) })),
        });
        assert.ok(results.every((r) => r.errorCode === 0));
      }
    } finally {
      await producer.disconnect();
    }
    checkKeyed(await readAllPartitions(broker.bootstrap, 'keyed-kafkajs'), (k) => `user-${k}`);
  });

  test('kcat with librdkafka murmur2_random: the same partitions as Java and kafkajs, order kept', async () => {
    const lines: string[] = [];
    for (let j = 0; j < PER_KEY; j++) for (let k = 0; k < KEYS; k++) lines.push(`user-${k}\x1f${valueOf(k, j)}\n`);
    await runKcat(['-P', '-b', broker.bootstrap, '-t', 'keyed-kcat', '-K', '\\x1f', '-X', 'topic.partitioner=murmur2_random', '-X', 'max.in.flight=1'], { input: lines.join('') });
    checkKeyed(await readAllPartitions(broker.bootstrap, 'keyed-kcat'), (k) => `user-${k}`);
  });
});
