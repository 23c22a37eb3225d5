import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { MetadataLoader } from '../../../src/metadata/metadata-loader.ts';
import { encodeMetadataRecord } from '../../../src/metadata/metadata-record-serde.ts';
import type { MetadataImage } from '../../../src/metadata/metadata-image.ts';
import type { Batch } from '../../../src/raft/batch.ts';
import { leaderChangeRecord } from '../../../src/raft/control-records.ts';
import { SnapshotReader } from '../../../src/raft/snapshot-reader.ts';
import { SnapshotWriter } from '../../../src/raft/snapshot-writer.ts';
import type { RawSnapshotReader } from '../../../src/raft/raw-snapshot.ts';

const logger = pino({ level: 'silent' });

function topic(name: string, id: string): Buffer {
  return encodeMetadataRecord({ type: 'TopicRecord', data: { name, topicId: id } });
}

function dataBatch(baseOffset: bigint, ...records: Buffer[]): Batch {
  return { baseOffset, lastOffset: baseOffset + BigInt(records.length) - 1n, epoch: 1, appendTimestampMs: 0, sizeInBytes: 100, records, controlRecords: [] };
}

function controlBatch(offset: bigint): Batch {
  return { baseOffset: offset, lastOffset: offset, epoch: 1, appendTimestampMs: 0, sizeInBytes: 80, records: [], controlRecords: [leaderChangeRecord({ leaderId: 1, voters: [], grantingVoters: [] })] };
}

function recordingLoader(hw: { value: bigint | null }): { loader: MetadataLoader; published: MetadataImage[] } {
  const loader = new MetadataLoader(logger, { highWatermark: () => hw.value });
  const published: MetadataImage[] = [];
  loader.installPublisher({ name: 'test', onMetadataUpdate: (image) => void published.push(image) });
  return { loader, published };
}

test('catching up: the log up to the high watermark is published as one image, then each batch on its own', async () => {
  const hw = { value: 4n as bigint | null };
  const { loader, published } = recordingLoader(hw);
  let caughtUp = false;
  void loader.caughtUp().then(() => (caughtUp = true));
  await loader.handleCommit(controlBatch(0n));
  await loader.handleCommit(dataBatch(1n, topic('a', 'AAAAAAAAAAAAAAAAAAAAAw'), topic('b', 'AAAAAAAAAAAAAAAAAAAABA')));
  await new Promise((r) => setImmediate(r));
  assert.equal(published.length, 0);
  assert.equal(caughtUp, false);
  await loader.handleCommit(dataBatch(3n, topic('c', 'AAAAAAAAAAAAAAAAAAAABQ')));
  await new Promise((r) => setImmediate(r));
  assert.equal(caughtUp, true);
  assert.equal(published.length, 1);
  assert.deepEqual([...published[0]!.topicsByName.keys()].sort(), ['a', 'b', 'c']);
  hw.value = 6n;
  await loader.handleCommit(controlBatch(4n));
  await loader.handleCommit(dataBatch(5n, topic('d', 'AAAAAAAAAAAAAAAAAAAABg')));
  assert.equal(published.length, 2, 'a control batch publishes nothing');
  assert.ok(published[1]!.topicsByName.has('d'));
});

test('an empty log: the LeaderChange record alone ends the catch-up', async () => {
  const { loader, published } = recordingLoader({ value: 1n });
  await loader.handleCommit(controlBatch(0n));
  await loader.caughtUp();
  assert.equal(published.length, 0);
});

test('start-up from a snapshot: its records make the image, the log after it follows; a later snapshot is refused', async () => {
  const parts: Buffer[] = [];
  let frozen = false;
  const raw = {
    snapshotId: { offset: 10n, epoch: 2 },
    sizeInBytes: () => parts.reduce((n, p) => n + p.length, 0),
    isFrozen: () => frozen,
    append: async (b: Buffer) => void parts.push(Buffer.from(b)),
    freeze: async () => void (frozen = true),
    close: async () => {},
  };
  const w = new SnapshotWriter({ raw, lastContainedLogTimestamp: 0, maxBatchSizeBytes: 1 << 20, wallClockMs: () => 0 });
  await w.append([topic('x', 'AAAAAAAAAAAAAAAAAAAABw')]);
  await w.freeze();
  const bytes = Buffer.concat(parts);
  const reader: RawSnapshotReader = { snapshotId: raw.snapshotId, sizeInBytes: () => bytes.length, read: async (p, n) => bytes.subarray(p, p + n) };
  const hw = { value: 12n as bigint | null };
  const { loader, published } = recordingLoader(hw);
  await loader.handleLoadSnapshot(new SnapshotReader(reader));
  await loader.handleCommit(dataBatch(10n, topic('y', 'AAAAAAAAAAAAAAAAAAAACA'), topic('z', 'AAAAAAAAAAAAAAAAAAAACQ')));
  await loader.caughtUp();
  assert.deepEqual([...published[0]!.topicsByName.keys()].sort(), ['x', 'y', 'z']);
  await assert.rejects(loader.handleLoadSnapshot(new SnapshotReader(reader)), /not supported yet/);
});
