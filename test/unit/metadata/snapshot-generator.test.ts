import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockTime } from '../../../src/common/time.ts';
import { RecordingFaultHandler } from '../../../src/common/fault-handler.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { EMPTY_IMAGE, type MetadataImage } from '../../../src/metadata/metadata-image.ts';
import { MetadataDelta, type MetadataChanges } from '../../../src/metadata/metadata-delta.ts';
import { SnapshotGenerator } from '../../../src/metadata/snapshot-generator.ts';

const MIB = 1024 * 1024;
const HOUR_MS = 3_600_000;
const CHANGES: MetadataChanges = new MetadataDelta(EMPTY_IMAGE).apply().changes;

function imageAt(offset: number): MetadataImage {
  return { ...EMPTY_IMAGE, offset: BigInt(offset), epoch: 1 };
}

/** A generator whose emitter records the offsets it was asked for and finishes when told. */
function harness(options: { maxBytes?: number; maxTimeMs?: number; fail?: boolean } = {}) {
  const time = new MockTime();
  const faults = new RecordingFaultHandler();
  const emitted: bigint[] = [];
  const times: number[] = [];
  const pending: (() => void)[] = [];
  const generator = new SnapshotGenerator({
    time,
    faultHandler: faults,
    logger: rootLogger,
    maxBytesSinceLastSnapshot: options.maxBytes ?? 20 * MIB,
    maxTimeSinceLastSnapshotMs: options.maxTimeMs ?? HOUR_MS,
    emitter: (image, lastContainedLogTimeMs) => {
      emitted.push(image.offset);
      times.push(lastContainedLogTimeMs);
      return new Promise<void>((resolve, reject) => pending.push(() => (options.fail === true ? reject(new Error('disk full')) : resolve())));
    },
  });
  let offset = 0;
  const publish = (numBytes: number, offsetBatchAligned?: boolean) => {
    offset += 10;
    generator.onMetadataUpdate(imageAt(offset), CHANGES, { type: 'LOG_DELTA', numBytes, offsetBatchAligned, lastContainedLogTimeMs: 1000 + offset });
  };
  /** Lets the emitter's promise settle and the generator observe it. */
  const finish = async () => {
    pending.shift()!();
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { time, faults, emitted, times, generator, publish, finish, offset: () => offset };
}

test('a snapshot is emitted once the committed bytes since the last one reach metadata.log.max.record.bytes.between.snapshots', async () => {
  const h = harness();
  h.publish(10 * MIB);
  h.publish(10 * MIB - 1);
  assert.deepEqual(h.emitted, []);
  h.publish(1);
  assert.deepEqual(h.emitted, [30n], 'the image that crossed the limit');
  assert.deepEqual(h.times, [1030], "with its last batch's append time (the snapshot header's lastContainedLogTimestamp)");
  assert.equal(h.generator.bytesSinceLastSnapshot, 0, 'counting restarts when the emission starts');
  await h.finish();
  h.publish(19 * MIB);
  assert.deepEqual(h.emitted, [30n]);
});

test('a snapshot is emitted for the first image published metadata.log.max.snapshot.interval.ms after the last; 0 turns the time trigger off', async () => {
  const h = harness();
  h.time.sleep(HOUR_MS - 1);
  h.publish(100);
  assert.deepEqual(h.emitted, []);
  h.time.sleep(1);
  assert.deepEqual(h.emitted, [], 'time is looked at when an image arrives, as Kafka does');
  h.publish(100);
  assert.deepEqual(h.emitted, [20n]);
  await h.finish();

  const off = harness({ maxTimeMs: 0 });
  off.time.sleep(100 * HOUR_MS);
  off.publish(100);
  assert.deepEqual(off.emitted, []);
});

test('never two snapshots at once: images published during an emission only add bytes; the next image after it may trigger', async () => {
  const h = harness({ maxBytes: 1000 });
  h.publish(1000);
  assert.deepEqual(h.emitted, [10n]);
  h.publish(600);
  h.publish(600);
  assert.deepEqual(h.emitted, [10n]);
  assert.equal(h.generator.emitting, true);
  await h.finish();
  assert.equal(h.generator.emitting, false);
  assert.equal(h.generator.bytesSinceLastSnapshot, 1200);
  h.publish(1);
  assert.deepEqual(h.emitted, [10n, 40n]);
  await h.finish();
});

test('loading a snapshot restarts both counts', () => {
  const h = harness({ maxBytes: 1000 });
  h.publish(900);
  h.time.sleep(HOUR_MS - 10);
  h.generator.onMetadataUpdate(imageAt(500), CHANGES, { type: 'SNAPSHOT', lastContainedLogTimeMs: 0 });
  h.time.sleep(10);
  h.publish(900);
  assert.deepEqual(h.emitted, []);
  assert.equal(h.generator.bytesSinceLastSnapshot, 900);
});

test('a disabled generator emits nothing (first reason kept); close() disables and waits for the snapshot in progress', async () => {
  const h = harness({ maxBytes: 10 });
  h.generator.disable('metadata loading fault');
  h.generator.disable('we are shutting down');
  h.publish(100);
  assert.deepEqual(h.emitted, []);
  assert.equal(h.generator.disabledReason, 'metadata loading fault');

  const g = harness({ maxBytes: 10 });
  g.publish(100);
  let closed = false;
  const closing = g.generator.close().then(() => (closed = true));
  await Promise.resolve();
  assert.equal(closed, false, 'close waits for the emission');
  await g.finish();
  await closing;
  assert.equal(g.generator.disabledReason, 'we are shutting down');
  g.publish(100);
  assert.deepEqual(g.emitted, [10n]);
});

test('an image that ends inside a batch is not snapshotted; an emitter failure goes to the fault handler and is retried after another interval', async () => {
  const h = harness({ maxBytes: 10, fail: true });
  h.publish(100, false);
  assert.deepEqual(h.emitted, []);
  h.publish(1);
  assert.deepEqual(h.emitted, [20n]);
  await h.finish();
  assert.equal(h.faults.firstFault?.message, 'KRaft snapshot file generation error');
  assert.match(String((h.faults.firstFault?.cause as Error).message), /disk full/);
  h.publish(5);
  assert.deepEqual(h.emitted, [20n]);
  h.publish(5);
  assert.deepEqual(h.emitted, [20n, 40n]);
});

test("Kafka's config bounds are enforced", () => {
  const options = { time: new MockTime(), faultHandler: new RecordingFaultHandler(), logger: rootLogger, emitter: async () => {} };
  assert.throws(() => new SnapshotGenerator({ ...options, maxBytesSinceLastSnapshot: 0, maxTimeSinceLastSnapshotMs: 0 }), /at least 1/);
  assert.throws(() => new SnapshotGenerator({ ...options, maxBytesSinceLastSnapshot: 1, maxTimeSinceLastSnapshotMs: -1 }), /at least 0/);
});
