import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FileRecords } from '../../../src/storage/file-records.ts';
import { buildBatch, simpleRecords } from './batches.ts';

let dir: string;
let n = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'file-records-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withBatches(count: number): Promise<{ records: FileRecords; batches: Buffer[] }> {
  const records = await FileRecords.open(join(dir, `${n++}.log`), true);
  const batches = Array.from({ length: count }, (_, i) => buildBatch(simpleRecords(1 + (i % 3), 50 + i * 7), { baseOffset: i * 10 }));
  await records.append(batches, batches.reduce((s, b) => s + b.length, 0));
  return { records, batches };
}

test('append makes bytes visible after the write; readAt and slices read them back', async () => {
  const { records, batches } = await withBatches(5);
  const total = Buffer.concat(batches);
  assert.equal(records.sizeInBytes, total.length);
  assert.ok((await records.readAt(0, total.length)).equals(total));
  assert.ok((await records.readAt(batches[0]!.length, 10_000)).equals(total.subarray(batches[0]!.length)), 'clamped to the end');
  const slice = records.slice(10, 100_000);
  assert.equal(slice.sizeInBytes, total.length - 10);
  assert.deepEqual(slice.regions, [{ fd: records.fd, position: 10, length: total.length - 10 }]);
  const target = Buffer.alloc(total.length);
  const view = await slice.readInto(target);
  assert.equal(view.buffer, target.buffer, 'read into the given buffer');
  assert.ok(view.equals(total.subarray(10)));
  assert.equal(slice.released, true);
  assert.equal(records.slice(total.length, 10).sizeInBytes, 0);
  await records.close();
});

test('close waits for outstanding slices; tryRetain fails once closed', async () => {
  const { records } = await withBatches(2);
  const slice = records.slice(0, 20);
  await records.close();
  assert.equal(records.tryRetain(), true, 'still open while a slice holds it');
  records.release();
  assert.equal((await slice.readInto()).length, 20);
  const deadline = Date.now() + 5000;
  while (records.tryRetain() && Date.now() < deadline) {
    records.release();
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(records.tryRetain(), false);
});

test('scanBatches reports the end, a torn tail and a corrupt length; header-only and whole modes agree', async () => {
  const { records, batches } = await withBatches(30);
  const positions: number[] = [];
  const end = await records.scanBatches(0, records.sizeInBytes, false, (_b, _a, position) => void positions.push(position), 61);
  assert.equal(end.status, 'end');
  assert.equal(positions.length, 30);
  const whole: number[] = [];
  await records.scanBatches(0, records.sizeInBytes, true, (buf, at, position, size) => {
    assert.ok(buf.subarray(at, at + size).equals(batches[whole.length]!));
    whole.push(position);
  }, 100);
  assert.deepEqual(whole, positions);
  await appendFile(records.path, batches[0]!.subarray(0, 30));
  const reopened = await FileRecords.open(records.path, false);
  const torn = await reopened.scanBatches(0, reopened.sizeInBytes, true, () => true);
  assert.deepEqual(torn, { position: records.sizeInBytes, status: 'incomplete' });
  const bad = Buffer.from(batches[0]!);
  bad.writeInt32BE(20, 8);
  await appendFile(records.path, bad);
  const again = await FileRecords.open(records.path, false);
  assert.equal((await again.scanBatches(records.sizeInBytes + 30, again.sizeInBytes, false, () => true)).status, 'corrupt');
  const stopped = await records.scanBatches(0, records.sizeInBytes, false, (_b, _a, position) => position < positions[3]!);
  assert.deepEqual(stopped, { position: positions[3], status: 'stopped' });
  await Promise.all([records.close(), reopened.close(), again.close()]);
});

test('searchForOffsetWithSize finds the batch holding an offset; truncateTo shrinks the file', async () => {
  const { records, batches } = await withBatches(10);
  let position = 0;
  for (let i = 0; i < 10; i++) {
    const found = await records.searchForOffsetWithSize(i * 10, 0);
    assert.deepEqual(found, { lastOffset: i * 10 + (i % 3), position, size: batches[i]!.length });
    position += batches[i]!.length;
  }
  assert.equal(await records.searchForOffsetWithSize(1000, 0), null);
  const removed = await records.truncateTo(batches[0]!.length);
  assert.equal(removed, position - batches[0]!.length);
  assert.equal(records.sizeInBytes, batches[0]!.length);
  await assert.rejects(records.truncateTo(10_000_000), RangeError);
  await records.close();
});
