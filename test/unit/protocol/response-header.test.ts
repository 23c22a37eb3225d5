import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError } from '../../../src/protocol/decode-error.ts';
import { Reader } from '../../../src/protocol/reader.ts';
import {
  decodeResponseHeader,
  encodeResponseHeader,
  sizeResponseHeader,
  type ResponseHeader,
} from '../../../src/protocol/response-header.ts';
import { Writer } from '../../../src/protocol/writer.ts';

function encode(version: number, h: ResponseHeader): Buffer {
  const w = new Writer(8);
  encodeResponseHeader(w, version, h);
  return Buffer.from(w.toBuffer());
}

describe('response header', () => {
  it('v0 is the correlation id alone', () => {
    const bytes = Buffer.from('0000002a', 'hex');
    assert.deepEqual(encode(0, { correlationId: 42 }), bytes);
    assert.deepEqual(decodeResponseHeader(new Reader(bytes), 0), { correlationId: 42 });
    assert.equal(sizeResponseHeader(0, { correlationId: 42 }), 4);
  });

  it('v1 adds an empty tagged-field section', () => {
    const bytes = Buffer.from('ffffffff00', 'hex');
    assert.deepEqual(encode(1, { correlationId: -1 }), bytes);
    assert.deepEqual(decodeResponseHeader(new Reader(bytes), 1), { correlationId: -1 });
    assert.equal(sizeResponseHeader(1, { correlationId: -1 }), 5);
  });

  it('v1 keeps unknown tagged fields; v0 cannot carry them', () => {
    const bytes = Buffer.from('00000001' + '02' + '0000' + '0301aa', 'hex');
    const h = decodeResponseHeader(new Reader(bytes), 1);
    assert.deepEqual(h._unknownTaggedFields, [
      { tag: 0, data: Buffer.alloc(0) },
      { tag: 3, data: Buffer.from([0xaa]) },
    ]);
    assert.deepEqual(encode(1, h), bytes);
    assert.equal(sizeResponseHeader(1, h), bytes.length);
    assert.throws(() => encode(0, h), RangeError);
  });

  it('truncated input and unknown versions are rejected', () => {
    assert.throws(() => decodeResponseHeader(new Reader(Buffer.from('000000', 'hex')), 0), DecodeError);
    assert.throws(() => decodeResponseHeader(new Reader(Buffer.from('00000000', 'hex')), 1), DecodeError);
    assert.throws(() => decodeResponseHeader(new Reader(Buffer.from('00000000', 'hex')), 2), DecodeError);
    assert.throws(() => encode(2, { correlationId: 0 }), RangeError);
  });
});
