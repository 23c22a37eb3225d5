import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { incrementSequence, readDefaultRecord, sizeOfRecordBody, writeDefaultRecord } from '../../../../src/protocol/records/default-record.ts';
import type { RecordContext } from '../../../../src/protocol/records/default-record.ts';
import { RecordReader } from '../../../../src/protocol/records/record-reader.ts';
import { RecordsError } from '../../../../src/protocol/records/records-error.ts';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../../../../src/protocol/records/varint.ts';

const CTX: RecordContext = { baseOffset: 100n, baseTimestamp: 1_700_000_000_000n, baseSequence: 5, logAppendTime: null };

function invalidRecord(fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => err instanceof RecordsError && err.errorCode === 87);
}

describe('varints', () => {
  it('round-trips int32 varints at the edges, with sizes matching', () => {
    for (const v of [0, 1, -1, 63, -64, 64, -65, 8191, -8192, 2 ** 31 - 1, -(2 ** 31), 123456789, -987654321]) {
      const buf = Buffer.alloc(5);
      const end = writeVarint(buf, 0, v);
      assert.equal(end, sizeOfVarint(v));
      const r = new RecordReader(buf, 0, end);
      assert.equal(r.varint(), v);
      assert.equal(r.remaining, 0);
    }
  });

  it('round-trips varlongs (numbers and bigints), exact beyond 2^53 through varlongBig', () => {
    const values: (number | bigint)[] = [0, -1, 1, 2 ** 52, -(2 ** 52), 1_700_000_000_000, -1_700_000_000_000, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 60n + 7n];
    for (const v of values) {
      const buf = Buffer.alloc(10);
      const end = writeVarlong(buf, 0, v);
      assert.equal(end, sizeOfVarlong(v));
      assert.equal(new RecordReader(buf, 0, end).varlongBig(), BigInt(v));
      const r = new RecordReader(buf, 0, end);
      const n = r.varlong();
      const big = BigInt(v);
      assert.equal(r.lossy, big >= 2n ** 52n || big < -(2n ** 52n));
      if (!r.lossy) assert.equal(n, v);
    }
  });

  it('matches Kafka ByteUtils encodings for known values', () => {
    const enc = (v: number): string => {
      const b = Buffer.alloc(5);
      return b.subarray(0, writeVarint(b, 0, v)).toString('hex');
    };
    assert.equal(enc(0), '00');
    assert.equal(enc(-1), '01');
    assert.equal(enc(1), '02');
    assert.equal(enc(300), 'd804');
    assert.equal(enc(-(2 ** 31)), 'ffffffff0f');
  });

  it('rejects truncated and over-long varints as INVALID_RECORD', () => {
    invalidRecord(() => new RecordReader(Buffer.from([0x80])).varint());
    invalidRecord(() => new RecordReader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).varint());
    invalidRecord(() => new RecordReader(Buffer.alloc(11, 0x80)).varlong());
    invalidRecord(() => new RecordReader(Buffer.alloc(11, 0x80)).varlongBig());
    invalidRecord(() => new RecordReader(Buffer.alloc(0)).int8());
    invalidRecord(() => new RecordReader(Buffer.alloc(3)).bytes(4));
  });
});

function encode(
  offsetDelta: number,
  timestampDelta: number,
  key: Buffer | null,
  value: Buffer | null,
  headers: { key: Buffer; value: Buffer | null }[] = [],
): Buffer {
  const body = sizeOfRecordBody(offsetDelta, timestampDelta, key, value, headers);
  const buf = Buffer.alloc(sizeOfVarint(body) + body);
  assert.equal(writeDefaultRecord(buf, 0, body, offsetDelta, timestampDelta, key, value, headers), buf.length);
  return buf;
}

describe('DefaultRecord', () => {
  it('decodes what it encodes: offsets, timestamps, sequence, key/value views, headers', () => {
    const key = Buffer.from('key');
    const value = Buffer.from('value');
    const buf = encode(3, 25, key, value, [
      { key: Buffer.from('h1'), value: Buffer.from('v1') },
      { key: Buffer.from('ü'), value: null },
    ]);
    const r = new RecordReader(buf);
    const rec = readDefaultRecord(r, CTX);
    assert.equal(r.remaining, 0);
    assert.equal(rec.offset, 103n);
    assert.equal(rec.offsetDelta, 3);
    assert.equal(rec.timestamp, CTX.baseTimestamp + 25n);
    assert.equal(rec.sequence, 8);
    assert.equal(rec.sizeInBytes, buf.length);
    assert.deepEqual(rec.key, key);
    assert.deepEqual(rec.value, value);
    assert.equal(rec.value!.buffer, buf.buffer, 'value is a view, not a copy');
    assert.deepEqual(rec.headers, [
      { key: 'h1', value: Buffer.from('v1') },
      { key: 'ü', value: null },
    ]);
  });

  it('null key and value; LogAppendTime replaces the timestamp; no sequence without a base sequence', () => {
    const rec = readDefaultRecord(new RecordReader(encode(0, -5, null, null)), { ...CTX, baseSequence: -1, logAppendTime: 42n });
    assert.equal(rec.key, null);
    assert.equal(rec.value, null);
    assert.equal(rec.timestamp, 42n);
    assert.equal(rec.sequence, -1);
  });

  it('treats any negative key/value length as null, like Kafka Utils.readBytes', () => {
    // length 3 | attributes 0 | tsDelta 0 | offsetDelta 0 | key len -2 (0x03) | value len -1 | headers 0 -> wrong
    // body size on purpose is avoided: body = 00 00 00 03 01 00 (6 bytes)
    const buf = Buffer.from([0x0c, 0x00, 0x00, 0x00, 0x03, 0x01, 0x00]);
    const rec = readDefaultRecord(new RecordReader(buf), CTX);
    assert.equal(rec.key, null);
    assert.equal(rec.value, null);
  });

  it('sequence numbers wrap at int32 max (DefaultRecordBatch.incrementSequence)', () => {
    assert.equal(incrementSequence(2 ** 31 - 1, 1), 0);
    assert.equal(incrementSequence(2 ** 31 - 2, 3), 1);
    assert.equal(incrementSequence(10, 5), 15);
  });

  it('rejects a negative header key, a negative header count, a size mismatch, a truncated body', () => {
    // body: attrs 0, ts 0, off 0, key -1, value -1, headers 1, header key len -1
    invalidRecord(() => readDefaultRecord(new RecordReader(Buffer.from([0x0e, 0, 0, 0, 1, 1, 2, 1])), CTX));
    invalidRecord(() => readDefaultRecord(new RecordReader(Buffer.from([0x0c, 0, 0, 0, 1, 1, 1])), CTX));
    const ok = encode(0, 0, Buffer.from('k'), Buffer.from('v'));
    const bigger = Buffer.concat([ok, Buffer.from([0])]);
    bigger[0] = ok[0]! + 2; // claims one more byte than its fields take
    invalidRecord(() => readDefaultRecord(new RecordReader(bigger), CTX));
    invalidRecord(() => readDefaultRecord(new RecordReader(ok.subarray(0, ok.length - 1)), CTX));
    const negative = Buffer.from(ok);
    negative[0] = 0x01; // body size -1
    invalidRecord(() => readDefaultRecord(new RecordReader(negative), CTX));
  });

  it('a field cannot read past its own record into the next one', () => {
    const a = encode(0, 0, Buffer.from('k'), Buffer.from('v'));
    const b = encode(1, 0, Buffer.from('kk'), Buffer.from('vv'));
    const both = Buffer.concat([a, b]);
    // Make record a's value claim 2 bytes: it would have to borrow from record b.
    const valueLenAt = 1 + 1 + 1 + 1 + 1 + 1; // len, attrs, ts, off, keyLen, key
    both[valueLenAt] = 0x04;
    invalidRecord(() => readDefaultRecord(new RecordReader(both), CTX));
  });
});
