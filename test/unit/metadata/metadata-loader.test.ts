import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultHandlerException, RecordingFaultHandler } from '../../../src/common/fault-handler.ts';
import { MetadataLoader, type MetadataPublisher } from '../../../src/metadata/metadata-loader.ts';
import { encodeMetadataRecord } from '../../../src/metadata/metadata-record-serde.ts';
import type { MetadataChanges } from '../../../src/metadata/metadata-delta.ts';
import type { MetadataImage } from '../../../src/metadata/metadata-image.ts';
import type { LoaderManifest } from '../../../src/metadata/loader-manifest.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import type { Batch } from '../../../src/raft/batch.ts';
import { leaderChangeRecord } from '../../../src/raft/control-records.ts';
import { SnapshotReader } from '../../../src/raft/snapshot-reader.ts';
import { SnapshotWriter } from '../../../src/raft/snapshot-writer.ts';
import type { RawSnapshotReader } from '../../../src/raft/raw-snapshot.ts';
import { partitionRecordData } from '../../fixtures/metadata/partition-record.ts';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const UNKNOWN_TOPIC_ID = 'BBBBBBBBBBBBBBBBBBBBBQ';
const METADATA_VERSION = encodeMetadataRecord({ type: 'FeatureLevelRecord', data: { name: 'metadata.version', featureLevel: 21 } });

function topicRecord(name: string, topicId = TOPIC_ID): Buffer {
  return encodeMetadataRecord({ type: 'TopicRecord', data: { name, topicId } });
}

function partitionRecord(partitionId: number, topicId = TOPIC_ID): Buffer {
  return encodeMetadataRecord({ type: 'PartitionRecord', data: partitionRecordData(topicId, partitionId) });
}

function dataBatch(baseOffset: bigint, ...records: Buffer[]): Batch {
  return { baseOffset, lastOffset: baseOffset + BigInt(records.length) - 1n, epoch: 1, appendTimestampMs: 500 + Number(baseOffset), sizeInBytes: 100, records, controlRecords: [] };
}

function controlBatch(offset: bigint): Batch {
  return { baseOffset: offset, lastOffset: offset, epoch: 1, appendTimestampMs: 0, sizeInBytes: 80, records: [], controlRecords: [leaderChangeRecord({ leaderId: 1, voters: [], grantingVoters: [] })] };
}

let nextOffset = 0n;
/** The next data batch of the log (offsets follow each other). */
function batch(...records: Buffer[]): Batch {
  const b = dataBatch(nextOffset, ...records);
  nextOffset += BigInt(records.length);
  return b;
}

/** A publisher that records what it got, and throws when told to. */
function recordingPublisher(name: string): MetadataPublisher & { offsets: bigint[]; images: MetadataImage[]; updates: { changes: MetadataChanges; manifest: LoaderManifest }[]; failNext: boolean } {
  return {
    name,
    offsets: [],
    images: [],
    updates: [],
    failNext: false,
    onMetadataUpdate(image: MetadataImage, changes: MetadataChanges, manifest: LoaderManifest) {
      if (this.failNext) throw new Error(`${name} cannot apply`);
      this.offsets.push(image.offset);
      this.images.push(image);
      this.updates.push({ changes, manifest });
    },
  };
}

/** A loader whose high watermark is `hw.value`, with a recording publisher. */
function recordingLoader(hw: { value: bigint | null }): { loader: MetadataLoader; faults: RecordingFaultHandler; publisher: ReturnType<typeof recordingPublisher> } {
  const faults = new RecordingFaultHandler();
  const loader = new MetadataLoader(rootLogger, faults, { highWatermark: () => hw.value });
  const publisher = recordingPublisher('first');
  loader.installPublisher(publisher);
  return { loader, faults, publisher };
}

/** A loader that caught up with a log of one topic and its partition 0 (offsets 0-1). */
async function caughtUpLoader(): Promise<ReturnType<typeof recordingLoader>> {
  nextOffset = 0n;
  const parts = recordingLoader({ value: 2n });
  await parts.loader.handleCommit(batch(topicRecord('t'), partitionRecord(0)));
  await parts.loader.caughtUp();
  return parts;
}

/** A snapshot of `records` at `offset`, through the raft layer's writer and reader. */
async function snapshotOf(offset: bigint, records: Buffer[]): Promise<SnapshotReader> {
  const parts: Buffer[] = [];
  let frozen = false;
  const raw = {
    snapshotId: { offset, epoch: 2 },
    sizeInBytes: () => parts.reduce((n, p) => n + p.length, 0),
    isFrozen: () => frozen,
    append: async (b: Buffer) => void parts.push(Buffer.from(b)),
    freeze: async () => void (frozen = true),
    close: async () => {},
  };
  const w = new SnapshotWriter({ raw, lastContainedLogTimestamp: Number(offset) * 1000, maxBatchSizeBytes: 1 << 20, wallClockMs: () => 0 });
  await w.append(records);
  await w.freeze();
  const bytes = Buffer.concat(parts);
  const reader: RawSnapshotReader = { snapshotId: raw.snapshotId, sizeInBytes: () => bytes.length, read: async (p, n) => bytes.subarray(p, p + n) };
  return new SnapshotReader(reader);
}

test('catching up: the log up to the high watermark is published as one image, then each batch on its own', async () => {
  const hw = { value: 4n as bigint | null };
  const { loader, publisher } = recordingLoader(hw);
  let caughtUp = false;
  void loader.caughtUp().then(() => (caughtUp = true));
  await loader.handleCommit(controlBatch(0n));
  await loader.handleCommit(dataBatch(1n, topicRecord('a', 'AAAAAAAAAAAAAAAAAAAAAw'), topicRecord('b', 'AAAAAAAAAAAAAAAAAAAABA')));
  await new Promise((r) => setImmediate(r));
  assert.equal(publisher.images.length, 0);
  assert.equal(caughtUp, false);
  await loader.handleCommit(dataBatch(3n, topicRecord('c', 'AAAAAAAAAAAAAAAAAAAABQ')));
  await new Promise((r) => setImmediate(r));
  assert.equal(caughtUp, true);
  assert.equal(publisher.images.length, 1);
  assert.deepEqual([...publisher.images[0]!.topicsByName.keys()].sort(), ['a', 'b', 'c']);
  assert.deepEqual(publisher.updates[0]!.manifest, { type: 'LOG_DELTA', numBytes: 200, lastContainedLogTimeMs: 503 }, 'the bytes and the append time of the last batch');
  hw.value = 6n;
  await loader.handleCommit(controlBatch(4n));
  await loader.handleCommit(dataBatch(5n, topicRecord('d', 'AAAAAAAAAAAAAAAAAAAABg')));
  assert.equal(publisher.images.length, 2, 'a control batch publishes nothing');
  assert.ok(publisher.images[1]!.topicsByName.has('d'));
  assert.deepEqual(publisher.updates[1]!.manifest, { type: 'LOG_DELTA', numBytes: 100, lastContainedLogTimeMs: 505 });
});

test('an empty log: the LeaderChange record alone ends the catch-up', async () => {
  const { loader, publisher } = recordingLoader({ value: 1n });
  await loader.handleCommit(controlBatch(0n));
  await loader.caughtUp();
  assert.equal(publisher.images.length, 0);
});

test('start-up from a snapshot: its records make the image and the log after it follows; a later snapshot replaces the published image with exact changes', async () => {
  const hw = { value: 12n as bigint | null };
  const { loader, publisher } = recordingLoader(hw);
  await loader.handleLoadSnapshot(await snapshotOf(10n, [METADATA_VERSION, topicRecord('x', 'AAAAAAAAAAAAAAAAAAAABw')]));
  await loader.handleCommit(dataBatch(10n, topicRecord('y', 'AAAAAAAAAAAAAAAAAAAACA'), topicRecord('z', 'AAAAAAAAAAAAAAAAAAAACQ')));
  await loader.caughtUp();
  assert.deepEqual([...publisher.images[0]!.topicsByName.keys()].sort(), ['x', 'y', 'z']);
  assert.deepEqual(publisher.updates[0]!.manifest, { type: 'LOG_DELTA', numBytes: 100, lastContainedLogTimeMs: 510 }, 'the log after the snapshot counts toward the next one');
  // A follower that fell behind the leader's log start fetches a newer snapshot: y and z are gone from it.
  await loader.handleLoadSnapshot(await snapshotOf(20n, [METADATA_VERSION, topicRecord('x', 'AAAAAAAAAAAAAAAAAAAABw'), topicRecord('w', 'AAAAAAAAAAAAAAAAAAAACg')]));
  assert.equal(publisher.images.length, 2);
  const latest = publisher.images[1]!;
  assert.deepEqual([...latest.topicsByName.keys()].sort(), ['w', 'x']);
  assert.equal(latest.offset, 19n);
  const { changes, manifest } = publisher.updates[1]!;
  assert.deepEqual(manifest, { type: 'SNAPSHOT', lastContainedLogTimeMs: 20_000 }, "the snapshot header's lastContainedLogTimestamp");
  assert.deepEqual([...changes.deletedTopics.values()].map((t) => t.name).sort(), ['y', 'z']);
  assert.deepEqual([...changes.createdTopics], ['AAAAAAAAAAAAAAAAAAAACg']);
});

test('a committed record for an unknown topic id goes to the fault handler, and the loader applies nothing after it', async () => {
  const { loader, faults, publisher } = await caughtUpLoader();
  assert.deepEqual(publisher.offsets, [1n]);
  const bad = batch(partitionRecord(1), partitionRecord(0, UNKNOWN_TOPIC_ID));
  await assert.rejects(loader.handleCommit(bad), FaultHandlerException);
  assert.equal(faults.faults.length, 1);
  assert.equal(faults.firstFault!.message, 'Error loading metadata log record from offset 3 (batch 2-3, epoch 1)');
  assert.match(String(faults.firstFault!.cause), /unknown topic id BBBBBBBBBBBBBBBBBBBBBQ/);
  // Not half of the batch, and nothing later: the node never serves an image that skipped a committed batch.
  assert.equal(loader.image.offset, 1n);
  assert.equal(loader.image.topicsById.get(TOPIC_ID)!.partitions.size, 1);
  await assert.rejects(loader.handleCommit(batch(partitionRecord(2))), FaultHandlerException);
  await assert.rejects(loader.waitForOffset(10n), FaultHandlerException);
  assert.deepEqual(publisher.offsets, [1n]);
  assert.equal(faults.faults.length, 1, 'one fault, not one per later batch');
});

test('a record that does not decode goes to the fault handler', async () => {
  const { loader, faults } = await caughtUpLoader();
  const truncated = topicRecord('another').subarray(0, 6);
  await assert.rejects(loader.handleCommit(batch(truncated)), FaultHandlerException);
  assert.equal(faults.firstFault!.message, 'Error loading metadata log record from offset 2 (batch 2-2, epoch 1)');
  assert.equal((faults.firstFault!.cause as Error).name, 'DecodeError');
});

test('a publisher that throws goes to the fault handler; the publishers after it and later batches are not run', async () => {
  const { loader, faults, publisher } = await caughtUpLoader();
  const second = recordingPublisher('second');
  loader.installPublisher(second);
  publisher.failNext = true;
  await assert.rejects(loader.handleCommit(batch(partitionRecord(1))), FaultHandlerException);
  assert.equal(faults.firstFault!.message, 'Unhandled error publishing the new metadata image ending at 2 with publisher first');
  assert.equal((faults.firstFault!.cause as Error).message, 'first cannot apply');
  assert.deepEqual(second.offsets, []);
  publisher.failNext = false;
  await assert.rejects(loader.handleCommit(batch(partitionRecord(2))), FaultHandlerException);
  assert.deepEqual(publisher.offsets, [1n]);
});

test('a fault while replaying the start-up log stops the catch-up: nothing is published', async () => {
  nextOffset = 0n;
  const { loader, faults, publisher } = recordingLoader({ value: 3n });
  let caughtUp = false;
  void loader.caughtUp().then(() => (caughtUp = true));
  await loader.handleCommit(batch(topicRecord('t')));
  await assert.rejects(loader.handleCommit(batch(partitionRecord(0, UNKNOWN_TOPIC_ID))), FaultHandlerException);
  await assert.rejects(loader.handleCommit(batch(partitionRecord(0))), FaultHandlerException);
  await new Promise((r) => setImmediate(r));
  assert.equal(caughtUp, false);
  assert.deepEqual(publisher.offsets, []);
  assert.equal(loader.image.offset, -1n);
  assert.equal(faults.faults.length, 1);
});

test('a snapshot without metadata.version goes to the fault handler', async () => {
  const { loader, faults } = recordingLoader({ value: 5n });
  await assert.rejects(loader.handleLoadSnapshot(await snapshotOf(5n, [topicRecord('x')])), FaultHandlerException);
  assert.equal(faults.firstFault!.message, 'Error loading metadata snapshot 5-2');
});

test('start-up from a snapshot with nothing after it publishes a SNAPSHOT manifest with its header time', async () => {
  const { loader, publisher } = recordingLoader({ value: 10n });
  await loader.handleLoadSnapshot(await snapshotOf(10n, [METADATA_VERSION, topicRecord('x', 'AAAAAAAAAAAAAAAAAAAABw')]));
  await loader.caughtUp();
  assert.deepEqual(publisher.updates.map((u) => u.manifest), [{ type: 'SNAPSHOT', lastContainedLogTimeMs: 10_000 }]);
});

const BEGIN = encodeMetadataRecord({ type: 'BeginTransactionRecord', data: { name: 'bootstrap' } });
const END = encodeMetadataRecord({ type: 'EndTransactionRecord', data: {} });
const ABORT = encodeMetadataRecord({ type: 'AbortTransactionRecord', data: { reason: 'test' } });

test('a metadata transaction (KIP-868) across batches is published at its End, with the End as the image offset', async () => {
  const { loader, faults, publisher } = await caughtUpLoader();
  // Offsets 2-4: a record before the Begin is published on its own; the transaction's records wait.
  await loader.handleCommit(batch(topicRecord('before', UNKNOWN_TOPIC_ID), BEGIN, topicRecord('inside', 'CCCCCCCCCCCCCCCCCCCCCQ')));
  assert.deepEqual(publisher.offsets, [1n, 2n]);
  assert.equal(loader.image.topicsByName.has('inside'), false);
  await loader.handleCommit(batch(partitionRecord(0, 'CCCCCCCCCCCCCCCCCCCCCQ')));
  assert.deepEqual(publisher.offsets, [1n, 2n], 'a batch wholly inside the transaction publishes nothing');
  await loader.handleCommit(batch(END));
  assert.deepEqual(publisher.offsets, [1n, 2n, 6n]);
  assert.equal(loader.image.topicsByName.get('inside')!.partitions.size, 1);
  assert.equal(faults.faults.length, 0);
});

test('an aborted metadata transaction applies none of its records; the catch-up replays transactions the same way', async () => {
  nextOffset = 0n;
  const { loader, publisher } = recordingLoader({ value: 7n });
  await loader.handleCommit(batch(METADATA_VERSION, BEGIN, topicRecord('dropped'), ABORT));
  await loader.handleCommit(batch(BEGIN, topicRecord('kept')));
  assert.deepEqual(publisher.offsets, [], 'nothing is published while catching up');
  await loader.handleCommit(batch(END));
  await loader.caughtUp();
  assert.deepEqual(publisher.offsets, [6n]);
  assert.deepEqual([...loader.image.topicsByName.keys()], ['kept']);
});

test('transaction markers out of order, or a log that ends inside a transaction, go to the fault handler', async () => {
  const stray = await caughtUpLoader();
  await assert.rejects(stray.loader.handleCommit(batch(END)), FaultHandlerException);
  assert.match(String(stray.faults.firstFault!.cause), /EndTransactionRecord without having seen a BeginTransactionRecord/);
  const nested = await caughtUpLoader();
  await assert.rejects(nested.loader.handleCommit(batch(BEGIN, BEGIN)), FaultHandlerException);
  assert.match(String(nested.faults.firstFault!.cause), /BeginTransactionRecord while already in a transaction/);
  nextOffset = 0n;
  const open = recordingLoader({ value: 3n });
  await assert.rejects(open.loader.handleCommit(batch(METADATA_VERSION, BEGIN, topicRecord('never'))), FaultHandlerException);
  assert.equal(open.faults.firstFault!.message, 'The metadata log ends inside a metadata transaction (KIP-868) begun at offset 1');
  assert.deepEqual(open.publisher.offsets, []);
});
