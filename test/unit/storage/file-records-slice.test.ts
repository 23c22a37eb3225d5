import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY_RECORDS, FileRecordsSlice, type SliceSource } from '../../../src/storage/file-records-slice.ts';

function source(): SliceSource & { releases: number } {
  return {
    fd: 42,
    releases: 0,
    async readAt(position: number, length: number) {
      return Buffer.alloc(length, position);
    },
    release() {
      this.releases++;
    },
  };
}

test('a slice is an ExternalRecords region of its file and releases its reference exactly once', async () => {
  const src = source();
  const slice = new FileRecordsSlice(src, 100, 50);
  assert.deepEqual(slice.regions, [{ fd: 42, position: 100, length: 50 }]);
  assert.equal(slice.sizeInBytes, 50);
  slice.release();
  slice.release();
  assert.equal(src.releases, 1);
  await assert.rejects(slice.readInto(), /already released/);
});

test('readInto reads then releases; the empty slice reads as no bytes', async () => {
  const src = source();
  const slice = new FileRecordsSlice(src, 7, 3);
  assert.deepEqual([...(await slice.readInto())], [7, 7, 7]);
  assert.equal(src.releases, 1);
  assert.equal(EMPTY_RECORDS.sizeInBytes, 0);
  assert.deepEqual(EMPTY_RECORDS.regions, []);
  assert.equal((await EMPTY_RECORDS.readInto()).length, 0);
  assert.equal(EMPTY_RECORDS.fd, -1);
});
