import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaBroker, kafkaTool, type ToolRun } from '../../helpers/admin-tools.ts';

// `kafka-broker dump-log` over files our broker wrote (a topic with keys, headers, gzip batches, a committed and an
// aborted transaction, so that the segment has control batches, the producer snapshot an entry and the
// transaction index an aborted transaction), compared line for line with Kafka's own DumpLogSegments on the same
// files when Kafka's tools are installed.

let broker: TestBroker;
let partitionDir: string;
/** A file of the first segment, or of the one at `baseOffset` (the transactions start a new segment). */
const seg = (suffix: string, baseOffset = 0): string => join(partitionDir, `${String(baseOffset).padStart(20, '0')}${suffix}`);

before(async () => {
  // A metadata snapshot soon after the first records, so that a .checkpoint file is there to dump.
  broker = await startBroker({ overrides: { 'metadata.log.max.snapshot.interval.ms': '200' } });
  const kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'dump-log-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // index.interval.bytes=1: an index and time index entry for every batch.
  await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 1, configEntries: [{ name: 'index.interval.bytes', value: '1' }] }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'events', messages: [{ key: 'k1', value: 'hello', headers: { h1: 'a', h2: 'b' }, timestamp: '1000' }, { value: 'no key', timestamp: '2000' }] });
  await producer.send({ topic: 'events', compression: CompressionTypes.GZIP, messages: [1, 2, 3].map((i) => ({ key: `g${i}`, value: `zipped ${i}`, timestamp: String(3000 + i) })) });
  await producer.send({ topic: 'events', messages: [{ key: 'tombstone', value: null, timestamp: '4000' }] });
  await producer.disconnect();
  const txProducer = kafka.producer({ transactionalId: 'dump-log-tx', idempotent: true, maxInFlightRequests: 1 });
  await txProducer.connect();
  const aborted = await txProducer.transaction();
  await aborted.send({ topic: 'events', messages: [{ key: 'a', value: 'aborted', timestamp: '5000' }] });
  await aborted.abort();
  const committed = await txProducer.transaction();
  await committed.send({ topic: 'events', messages: [{ key: 'c', value: 'committed', timestamp: '6000' }] });
  await committed.commit();
  await txProducer.disconnect();
  // A group that commits offsets: GroupMetadata and OffsetCommit records in __consumer_offsets.
  const consumer = kafka.consumer({ groupId: 'dump-log-group' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'events', fromBeginning: true });
  let seen = 0;
  await consumer.run({ eachMessage: async () => void seen++ });
  await waitFor('the group consumed the committed records', () => seen >= 6);
  await consumer.disconnect();
  const metadataDir = join(broker.dataDir, 'logs', '__cluster_metadata-0');
  await waitFor('a metadata snapshot', async () => (await readdir(metadataDir)).some((f) => /^\d{20}-\d{10}\.checkpoint$/.test(f)));
  // A clean shutdown trims the indexes and writes the producer snapshot.
  await broker.stop();
  partitionDir = join(broker.dataDir, 'logs', 'events-0');
});
after(async () => {
  await broker.cleanup();
});

async function sameAsKafka(args: string[]): Promise<ToolRun> {
  const ours = await kafkaBroker(['dump-log', ...args]);
  if (KAFKA_TOOLS_AVAILABLE) {
    const theirs = await kafkaTool('org.apache.kafka.tools.DumpLogSegments', args);
    assert.equal(ours.stdout, theirs.stdout, `kafka-dump-log ${args.join(' ')}`);
    assert.equal(ours.stderr, theirs.stderr, `kafka-dump-log ${args.join(' ')} (stderr)`);
    assert.equal(ours.code, theirs.code);
  }
  return ours;
}

test('segments: one line per batch, records and their contents with --print-data-log, as Kafka', async () => {
  const logs = (await readdir(partitionDir)).filter((f) => f.endsWith('.log')).sort().map((f) => join(partitionDir, f));
  assert.equal(logs.length, 2, 'the transactions roll a second segment');
  const files = logs.join(',');
  const shallow = await sameAsKafka(['--files', files]);
  assert.equal(shallow.code, 0, shallow.stderr);
  const lines = shallow.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 2), [`Dumping ${logs[0]}`, 'Log starting offset: 0']);
  // 4 plain batches (one gzip), then the aborted batch's marker, the committed batch and its marker.
  assert.equal(lines.filter((l) => l.startsWith('baseOffset: ')).length, 7);
  assert.match(lines[3]!, /^baseOffset: 2 lastOffset: 4 count: 3 .* position: 99 CreateTime: 3003 size: \d+ magic: 2 compresscodec: gzip crc: \d+ isvalid: true$/);
  assert.match(shallow.stdout, /baseOffset: 7 lastOffset: 7 count: 1 .* isTransactional: true isControl: true /);
  const deep = await sameAsKafka(['--files', files, '--print-data-log']);
  assert.match(deep.stdout, /\| offset: 0 CreateTime: 1000 keySize: 2 valueSize: 5 sequence: 0 headerKeys: \[h1,h2\] key: k1 payload: hello\n/);
  assert.match(deep.stdout, /\| offset: 1 CreateTime: 2000 keySize: -1 valueSize: 6 sequence: 1 headerKeys: \[\] payload: no key\n/);
  assert.match(deep.stdout, /keySize: 9 valueSize: -1 .* key: tombstone\n/);
  assert.match(deep.stdout, /\| offset: 7 .* endTxnMarker: ABORT coordinatorEpoch: \d+\n/);
  assert.match(deep.stdout, /\| offset: 9 .* endTxnMarker: COMMIT coordinatorEpoch: \d+\n/);
  // The second segment starts at 7: its first record does not follow offset -1.
  assert.match(deep.stderr, /^Non-consecutive offsets in .*00000000000000000007\.log\n {2}-1 is followed by 7\n$/);
  await sameAsKafka(['--files', files, '--print-data-log', '--skip-record-metadata']);
  const limited = await sameAsKafka(['--files', seg('.log'), '--deep-iteration', '--max-bytes', '250']);
  assert.equal(limited.stdout.split('\n').filter((l) => l.startsWith('baseOffset: ')).length, 2);
});

test('indexes, producer snapshots and the transaction index, with --verify-index-only and --index-sanity-check, as Kafka', async () => {
  const snapshots = (await readdir(partitionDir)).filter((f) => f.endsWith('.snapshot')).sort().map((f) => join(partitionDir, f));
  assert.ok(snapshots.length > 0, 'a clean shutdown leaves a producer snapshot');
  const all = await sameAsKafka(['--files', [seg('.index'), seg('.timeindex'), ...snapshots, seg('.txnindex', 7)].join(',')]);
  // index.interval.bytes=1: every batch but the first of a segment is indexed.
  assert.match(all.stdout, /^Dumping .*\.index\noffset: 4 position: 99\noffset: 5 position: \d+\n/);
  assert.match(all.stdout, /\.timeindex\ntimestamp: 3003 offset: 4\ntimestamp: 4000 offset: 5\n/);
  assert.match(all.stdout, /producerId: \d+ producerEpoch: \d+ coordinatorEpoch: \d+ currentTxnFirstOffset: OptionalLong.empty lastTimestamp: \d+ firstSequence: 1 lastSequence: 1 lastOffset: 8 offsetDelta: 0 timestamp: \d+\n/);
  assert.match(all.stdout, /\.txnindex\nversion: 0 producerId: \d+ firstOffset: 6 lastOffset: 7 lastStableOffset: 8\n$/);
  const indexes = `${seg('.index')},${seg('.timeindex')},${seg('.index', 7)},${seg('.timeindex', 7)}`;
  const verified = await sameAsKafka(['--files', indexes, '--verify-index-only']);
  assert.deepEqual([verified.stdout, verified.stderr], [indexes.split(',').map((f) => `Dumping ${f}\n`).join(''), '']);
  const sane = await sameAsKafka(['--files', indexes, '--index-sanity-check']);
  assert.equal(sane.stdout.split('\n').filter((l) => l.endsWith(' passed sanity check.')).length, 4);
  // An offset index without entries (an internal topic's) is "empty" before the sanity check; a time index is not.
  const offsetsDir = join(broker.dataDir, 'logs', '__consumer_offsets-0');
  const empty = await sameAsKafka(['--files', `${join(offsetsDir, '00000000000000000000.index')},${join(offsetsDir, '00000000000000000000.timeindex')}`, '--index-sanity-check']);
  assert.match(empty.stdout, /\.index is empty\.\nDumping .*\.timeindex\n.*\.timeindex passed sanity check\.\n$/);
});

test('damaged copies: trailing bytes and a wrong index entry are reported as Kafka reports them', async () => {
  const dir = join(broker.dataDir, 'damaged');
  await mkdir(dir, { recursive: true });
  const copy = (suffix: string): string => join(dir, `00000000000000000000${suffix}`);
  await writeFile(copy('.log'), Buffer.concat([await readFile(seg('.log')), Buffer.from('torn write')]));
  // The last index entry claims offset 7 where the batch at its position ends at offset 6.
  const index = await readFile(seg('.index'));
  index.writeInt32BE(7, index.length - 8);
  await writeFile(copy('.index'), index);
  await copyFile(seg('.timeindex'), copy('.timeindex'));
  const damaged = await sameAsKafka(['--files', `${copy('.log')},${copy('.index')},${copy('.timeindex')}`, '--verify-index-only']);
  assert.match(damaged.stdout, /Found 10 invalid bytes at the end of 00000000000000000000\.log\nDumping /);
  assert.match(damaged.stderr, /^Mismatches in :.*\.index\n {2}Index offset: 7, log offset: 6\n/);
});

/** The non-empty segments of an internal topic's partitions. */
async function internalSegments(topic: string): Promise<string[]> {
  const logs = join(broker.dataDir, 'logs');
  const files: string[] = [];
  for (const dir of (await readdir(logs)).filter((d) => d.startsWith(`${topic}-`)).sort()) {
    for (const f of (await readdir(join(logs, dir))).filter((n) => n.endsWith('.log')).sort()) {
      if ((await readFile(join(logs, dir, f))).length > 0) files.push(join(logs, dir, f));
    }
  }
  return files;
}

test('__consumer_offsets, __transaction_state and __cluster_metadata records with their decoders, as Kafka', async () => {
  const offsets = await sameAsKafka(['--files', (await internalSegments('__consumer_offsets')).join(','), '--offsets-decoder']);
  assert.match(offsets.stdout, / key: \{"type":"2","data":\{"group":"dump-log-group"\}\} payload: \{"version":"\d","data":\{"protocolType":"consumer",.*"subscription":\{/);
  assert.match(offsets.stdout, / key: \{"type":"1","data":\{"group":"dump-log-group","topic":"events","partition":0\}\} payload: \{"version":"\d","data":\{"offset":\d+,/);
  const txns = await sameAsKafka(['--files', (await internalSegments('__transaction_state')).join(','), '--transaction-log-decoder']);
  assert.match(txns.stdout, / key: \{"type":"0","data":\{"transactionalId":"dump-log-tx"\}\} payload: \{"version":"\d","data":\{.*"transactionStatus":"CompleteCommit"/);
  // The metadata log and its snapshots: control records (LeaderChange, KRaftVersion, KRaftVoters, snapshot header
  // and footer) print as JSON with or without the decoder.
  const metadataDir = join(broker.dataDir, 'logs', '__cluster_metadata-0');
  const snapshots = (await readdir(metadataDir)).filter((f) => f.endsWith('.checkpoint')).sort().map((f) => join(metadataDir, f));
  const metadata = await sameAsKafka(['--files', [...(await internalSegments('__cluster_metadata')), ...snapshots].join(','), '--cluster-metadata-decoder']);
  assert.match(metadata.stdout, / payload: \{"type":"TOPIC_RECORD","version":0,"data":\{"name":"events","topicId":"[\w-]{22}"\}\}\n/);
  assert.match(metadata.stdout, / KRaftVersion \{"version":0,"kRaftVersion":\d\}| LeaderChange: \{"version":0,"leaderId":1,/);
  assert.match(metadata.stdout, /Snapshot end offset: \d+, epoch: \d+\n/);
  assert.match(metadata.stdout, / SnapshotHeader \{"version":0,"lastContainedLogTimestamp":\d+\}\n/);
  assert.match(metadata.stdout, / SnapshotFooter \{"version":0\}\n/);
});

test('bad arguments and unsupported decoders exit with 1 and a message, no stack trace', async () => {
  const none = await kafkaBroker(['dump-log']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^This tool helps to parse a log file/);
  const noFiles = await kafkaBroker(['dump-log', '--print-data-log']);
  assert.equal(noFiles.code, 1);
  assert.match(noFiles.stderr, /^Missing required argument "\[files\]"/);
  const decoder = await kafkaBroker(['dump-log', '--files', seg('.log'), '--share-group-state-decoder']);
  assert.deepEqual([decoder.code, decoder.stdout], [1, '']);
  assert.match(decoder.stderr, /--share-group-state-decoder is not supported/);
  const missing = await kafkaBroker(['dump-log', '--files', join(partitionDir, '00000000000000000042.log')]);
  assert.equal(missing.code, 1);
  assert.doesNotMatch(missing.stderr, /\n\s+at /);
  const unknown = await sameAsKafka(['--files', join(partitionDir, 'leader-epoch-checkpoint')]);
  assert.match(unknown.stderr, /^Ignoring unknown file /);
});
