// Every file our broker writes, checked by Apache Kafka's own DumpLogSegments (kafka-tools 4.4.0 from the reference
// jars) with its verification options: after a realistic workload (plain, gzip/lz4/zstd/snappy batches with keys and
// headers, a committed and an aborted transaction, a consumer group committing offsets, a compacted topic the
// cleaner has cleaned, the __cluster_metadata log with a snapshot), one JVM run per option set over all the files
// (--deep-iteration, --verify-index-only, --index-sanity-check, --cluster-metadata-decoder) reports nothing
// wrong. Skipped when the reference jars are not resolved.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, waitFor, type TestBroker } from '../helpers/broker.ts';
import { REFERENCE_KAFKA_AVAILABLE, runReferenceJava } from '../helpers/reference-kafka.ts';
import { CODEC_NAMES, KAFKAJS_CODEC, registerKafkajsCodecs } from '../fixtures/e2e/kafkajs-codecs.ts';

const DUMP = 'org.apache.kafka.tools.DumpLogSegments';
const SEGMENT = /^(\d{20})\.(log|index|timeindex|txnindex|snapshot)$/;
const METADATA_SNAPSHOT = /^\d{20}-\d{10}\.checkpoint$/;

describe('DumpLogSegments (Kafka 4.4) verifies every file our broker wrote', { skip: !REFERENCE_KAFKA_AVAILABLE && 'reference Kafka jars not resolved (mvn -f reference/pom.xml dependency:build-classpath)' }, () => {
  let broker: TestBroker;
  /** Every data file of every partition directory, the metadata log's included. */
  let files: string[];
  const ofKind = (...suffixes: string[]): string[] => files.filter((f) => suffixes.some((s) => f.endsWith(s)));
  const inDir = (prefix: string, ...suffixes: string[]): string[] => ofKind(...suffixes).filter((f) => f.includes(`/${prefix}`));

  before(async () => {
    registerKafkajsCodecs();
    broker = await startBroker({
      overrides: { 'metadata.log.max.snapshot.interval.ms': '200', 'log.cleaner.backoff.ms': '100' },
    });
    const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'dump-log-verify', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        // index.interval.bytes=1: an index entry per batch, so --verify-index-only checks many of them.
        { topic: 'plain', numPartitions: 2, configEntries: [{ name: 'index.interval.bytes', value: '1' }] },
        { topic: 'compacted', numPartitions: 1, configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'segment.ms', value: '100' },
          { name: 'min.cleanable.dirty.ratio', value: '0.01' },
          { name: 'index.interval.bytes', value: '1' },
        ] },
      ],
    });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (const [i, codec] of CODEC_NAMES.entries()) {
      await producer.send({
        topic: 'plain',
        compression: KAFKAJS_CODEC[codec],
        messages: Array.from({ length: 20 }, (_, j) => ({ key: `${codec}-${j}`, value: `${codec} value ${j}`.repeat(j + 1), headers: { codec, j: String(j) }, timestamp: String(1_000 * i + j) })),
      });
    }
    await producer.send({ topic: 'plain', messages: [{ key: 'tombstone', value: null }, { key: null, value: 'no key' }] });
    // Three generations of the same ten keys, each in its own segment (segment.ms=100), for the cleaner.
    for (let generation = 0; generation < 3; generation++) {
      await producer.send({ topic: 'compacted', messages: Array.from({ length: 10 }, (_, k) => ({ key: `key-${k}`, value: `generation ${generation}` })) });
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
    await producer.send({ topic: 'compacted', messages: [{ key: 'roll', value: 'rolls the last generation out of the active segment' }] });
    await producer.disconnect();
    const txProducer = kafka.producer({ transactionalId: 'dump-log-verify-tx', idempotent: true, maxInFlightRequests: 1 });
    await txProducer.connect();
    const aborted = await txProducer.transaction();
    await aborted.send({ topic: 'plain', messages: [0, 1].map((partition) => ({ partition, key: 'a', value: 'aborted' })) });
    await aborted.abort();
    const committed = await txProducer.transaction();
    await committed.send({ topic: 'plain', messages: [0, 1].map((partition) => ({ partition, key: 'c', value: 'committed' })) });
    await committed.commit();
    await txProducer.disconnect();
    const consumer = kafka.consumer({ groupId: 'dump-log-verify-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'plain', fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void seen++ });
    await waitFor('the group consumed the committed records', () => seen >= 104);
    await consumer.disconnect();
    const logs = join(broker.dataDir, 'logs');
    await waitFor('the cleaner cleaned the compacted topic', async () => (await readFile(join(logs, 'cleaner-offset-checkpoint'), 'utf8').catch(() => '')).includes('compacted 0 '));
    await waitFor('a metadata snapshot', async () => (await readdir(join(logs, '__cluster_metadata-0'))).some((f) => METADATA_SNAPSHOT.test(f)));
    // A clean shutdown trims the indexes and writes the producer snapshots.
    await broker.stop();
    files = [];
    for (const dir of (await readdir(logs, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
      for (const name of (await readdir(join(logs, dir))).sort()) {
        if (SEGMENT.test(name) || METADATA_SNAPSHOT.test(name)) files.push(join(logs, dir, name));
      }
    }
  });
  after(async () => {
    await broker?.cleanup();
  });

  test('--deep-iteration over every segment, index, producer snapshot, transaction index and metadata snapshot: all valid', async () => {
    assert.ok(ofKind('.txnindex').length >= 2, 'the aborted transaction left transaction indexes');
    assert.ok(inDir('compacted-0', '.log').length >= 2 && inDir('__cluster_metadata-0', '.checkpoint').length >= 1);
    const run = await runReferenceJava([DUMP, '--deep-iteration', '--files', files.join(',')]);
    assert.equal(run.code, 0, run.output);
    assert.equal(run.stdout.split('\n').filter((l) => l.startsWith('Dumping ')).length, files.length);
    const batches = run.stdout.split('\n').filter((l) => l.startsWith('baseOffset: '));
    assert.ok(batches.length > 50, `${batches.length} batches`);
    assert.deepEqual(batches.filter((l) => !l.endsWith('isvalid: true')), [], 'every batch passes its CRC');
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) assert.ok(batches.some((l) => l.includes(`compresscodec: ${codec} `)), codec);
    assert.doesNotMatch(run.stdout, /invalid bytes|Exception|Error/);
    // The only remarks: DumpLogSegments starts each segment's offset check at -1, so a segment that does not start at
    // 0 is "non-consecutive" after -1; and the compacted topic's cleaned segments have holes (the cleaner's purpose).
    const remarks = run.stderr.split(/\n(?=\S)/).filter((r) => r.trim() !== '');
    for (const remark of remarks) {
      const [head, ...pairs] = remark.trimEnd().split('\n');
      const file = /^Non-consecutive offsets in (.*)$/.exec(head!)?.[1];
      assert.ok(file !== undefined, `unexpected remark:\n${remark}`);
      if (file.includes('/compacted-0/')) continue;
      assert.deepEqual(pairs, [`  -1 is followed by ${BigInt(SEGMENT.exec(file.slice(file.lastIndexOf('/') + 1))![1]!)}`], remark);
    }
  });

  test('--verify-index-only and --index-sanity-check over every offset and time index: no mismatch, every one sane', async () => {
    const indexes = ofKind('.index', '.timeindex');
    const verified = await runReferenceJava([DUMP, '--verify-index-only', '--files', indexes.join(',')]);
    assert.equal(verified.code, 0, verified.output);
    assert.equal(verified.stderr, '', 'no Mismatches, timestamp mismatch, out of order timestamp or offset not found');
    // Only the file names, and a note for each index without entries (an internal topic's few small batches).
    const lines = verified.stdout.trimEnd().split('\n');
    assert.deepEqual(lines.filter((l) => l.startsWith('Dumping ')), indexes.map((f) => `Dumping ${f}`));
    assert.deepEqual(lines.filter((l) => !l.startsWith('Dumping ') && !/^\S+\.index is empty\.$/.test(l)), []);
    const sane = await runReferenceJava([DUMP, '--index-sanity-check', '--files', indexes.join(',')]);
    assert.equal(sane.code, 0, sane.output);
    // Each index passed, or is an offset index without entries, which Kafka calls empty before checking it.
    const verdicts = sane.stdout.split('\n').filter((l) => / (passed sanity check|is empty)\.$/.test(l)).map((l) => l.replace(/ (passed sanity check|is empty)\.$/, ''));
    assert.deepEqual(verdicts, indexes);
    assert.ok(sane.stdout.split('\n').filter((l) => l.endsWith(' passed sanity check.')).length > indexes.length / 2);
    assert.equal(sane.stderr, '');
  });

  test('the cluster-metadata decoder reads every record of the metadata log and its snapshot', async () => {
    // (dump-log-command.test.ts compares all three decoders' output with ours; here: Kafka reads all of it.)
    const run = await runReferenceJava([DUMP, '--cluster-metadata-decoder', '--files', inDir('__cluster_metadata-', '.log', '.checkpoint').join(',')]);
    assert.equal(run.code, 0, run.output);
    assert.match(run.stdout, /"type":"TOPIC_RECORD".*"name":"compacted"/);
    assert.doesNotMatch(run.output, /Exception|Error|Could not|Unknown/);
  });
});
