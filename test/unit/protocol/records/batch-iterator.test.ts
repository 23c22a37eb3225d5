import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { iterateBatches } from '../../../../src/protocol/records/batch-iterator.ts';
import { buildRecordBatch } from '../../../../src/protocol/records/record-batch-builder.ts';
import { BatchLayout } from '../../../../src/protocol/records/record-batch.ts';
import { readRecords } from '../../../../src/protocol/records/record-iterator.ts';

async function segment(): Promise<{ buf: Buffer; sizes: number[] }> {
  const batches = [
    await buildRecordBatch({ baseOffset: 0n, records: [{ value: 'a' }, { value: 'b' }] }),
    await buildRecordBatch({ baseOffset: 2n, compression: 'gzip', records: [{ value: 'c' }] }),
    await buildRecordBatch({ baseOffset: 3n, compression: 'lz4', records: [{ value: 'd' }, { value: 'e' }, { value: 'f' }] }),
  ];
  return { buf: Buffer.concat(batches), sizes: batches.map((b) => b.length) };
}

describe('iterateBatches', () => {
  it('yields every batch of a concatenated buffer as views, in order', async () => {
    const { buf, sizes } = await segment();
    const it = iterateBatches(buf);
    const batches = Array.from(it);
    assert.deepEqual(batches.map((b) => b.baseOffset), [0n, 2n, 3n]);
    assert.deepEqual(batches.map((b) => b.sizeInBytes), sizes);
    assert.deepEqual(batches.map((b) => b.offset), [0, sizes[0], sizes[0]! + sizes[1]!]);
    assert.ok(batches.every((b) => b.buf === buf && b.isValid()));
    assert.equal(it.validBytes, buf.length);
    assert.equal(it.tail, null);
    const values = [];
    for (const b of batches) for (const r of await readRecords(b)) values.push(r.value!.toString());
    assert.deepEqual(values, ['a', 'b', 'c', 'd', 'e', 'f']);
  });

  it('reports a truncated tail at every cut point of the last batch instead of throwing', async () => {
    const { buf, sizes } = await segment();
    const lastStart = sizes[0]! + sizes[1]!;
    for (let cut = lastStart + 1; cut < buf.length; cut++) {
      const it = iterateBatches(buf.subarray(0, cut));
      assert.equal(Array.from(it).length, 2);
      assert.equal(it.validBytes, lastStart, `cut at ${cut}`);
      assert.equal(it.tail?.reason, 'truncated');
      assert.equal(it.tail?.position, lastStart);
    }
    const empty = iterateBatches(Buffer.alloc(0));
    assert.equal(Array.from(empty).length, 0);
    assert.equal(empty.tail, null);
  });

  it('stops on a corrupt length, a foreign magic, a too-small v2 batch, or a batch above maxBatchBytes', async () => {
    const { buf, sizes } = await segment();
    const second = sizes[0]!;
    const cases: [string, (b: Buffer) => void, string][] = [
      ['batchLength < 14', (b) => b.writeInt32BE(13, second + BatchLayout.BATCH_LENGTH), 'corrupt'],
      ['negative batchLength', (b) => b.writeInt32BE(-1, second + BatchLayout.BATCH_LENGTH), 'corrupt'],
      ['magic 1', (b) => b.writeInt8(1, second + BatchLayout.MAGIC), 'magic'],
      ['v2 smaller than its header', (b) => b.writeInt32BE(30, second + BatchLayout.BATCH_LENGTH), 'corrupt'],
    ];
    for (const [name, edit, reason] of cases) {
      const copy = Buffer.from(buf);
      edit(copy);
      const it = iterateBatches(copy);
      assert.equal(Array.from(it).length, 1, name);
      assert.equal(it.validBytes, second, name);
      assert.equal(it.tail?.reason, reason, name);
    }
    const limited = iterateBatches(buf, { maxBatchBytes: sizes[0]! });
    assert.equal(Array.from(limited).length, 1);
    assert.equal(limited.tail?.reason, 'corrupt');
  });

  it('honours start and end', async () => {
    const { buf, sizes } = await segment();
    const it = iterateBatches(buf, { start: sizes[0], end: sizes[0]! + sizes[1]! });
    assert.deepEqual(Array.from(it).map((b) => b.baseOffset), [2n]);
    assert.equal(it.validBytes, sizes[1]);
    assert.equal(it.position, sizes[0]! + sizes[1]!);
  });
});
