import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FaultHandlerException, RecordingFaultHandler } from '../../../src/common/fault-handler.ts';
import { MetadataLoader, type MetadataPublisher } from '../../../src/metadata/metadata-loader.ts';
import { encodeMetadataRecord } from '../../../src/metadata/metadata-record-serde.ts';
import type { MetadataImage } from '../../../src/metadata/metadata-image.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import type { RaftBatch } from '../../../src/raft/replicated-log.ts';
import { partitionRecordData } from '../../fixtures/metadata/partition-record.ts';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';
const UNKNOWN_TOPIC_ID = 'BBBBBBBBBBBBBBBBBBBBBQ';

function topicRecord(name: string, topicId = TOPIC_ID): Buffer {
  return encodeMetadataRecord({ type: 'TopicRecord', data: { name, topicId } });
}

function partitionRecord(partitionId: number, topicId = TOPIC_ID): Buffer {
  return encodeMetadataRecord({ type: 'PartitionRecord', data: partitionRecordData(topicId, partitionId) });
}

let nextOffset = 0n;
function batch(...records: Buffer[]): RaftBatch {
  const baseOffset = nextOffset;
  nextOffset += BigInt(records.length);
  return { baseOffset, lastOffset: nextOffset - 1n, epoch: 1, appendTimestampMs: 0, records };
}

/** A publisher that records the offsets of the images it got, and throws when told to. */
function recordingPublisher(name: string): MetadataPublisher & { offsets: bigint[]; failNext: boolean } {
  return {
    name,
    offsets: [],
    failNext: false,
    onMetadataUpdate(image: MetadataImage) {
      if (this.failNext) throw new Error(`${name} cannot apply`);
      this.offsets.push(image.offset);
    },
  };
}

async function caughtUpLoader(): Promise<{ loader: MetadataLoader; faults: RecordingFaultHandler; publisher: ReturnType<typeof recordingPublisher> }> {
  nextOffset = 0n;
  const faults = new RecordingFaultHandler();
  const loader = new MetadataLoader(rootLogger, faults);
  const publisher = recordingPublisher('first');
  loader.installPublisher(publisher);
  await loader.handleCommit(batch(topicRecord('t'), partitionRecord(0)));
  await loader.handleCaughtUp();
  return { loader, faults, publisher };
}

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
  const faults = new RecordingFaultHandler();
  const loader = new MetadataLoader(rootLogger, faults);
  const publisher = recordingPublisher('only');
  loader.installPublisher(publisher);
  await loader.handleCommit(batch(topicRecord('t')));
  await assert.rejects(loader.handleCommit(batch(partitionRecord(0, UNKNOWN_TOPIC_ID))), FaultHandlerException);
  await assert.rejects(loader.handleCommit(batch(partitionRecord(0))), FaultHandlerException);
  await assert.rejects(loader.handleCaughtUp(), FaultHandlerException);
  assert.deepEqual(publisher.offsets, []);
  assert.equal(loader.image.offset, -1n);
  assert.equal(faults.faults.length, 1);
});
