import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError } from '../../../src/protocol/decode-error.ts';
import { Reader } from '../../../src/protocol/reader.ts';
import {
  decodeRequestHeader,
  encodeRequestHeader,
  peekRequestHeader,
  sizeRequestHeader,
  type RequestHeader,
} from '../../../src/protocol/request-header.ts';
import { Writer } from '../../../src/protocol/writer.ts';
import * as generated from '../../../src/protocol/generated/messages/request-header.ts';
import { Rng } from './message-values.ts';

function encode(version: number, h: RequestHeader): Buffer {
  const w = new Writer(8);
  encodeRequestHeader(w, version, h);
  return Buffer.from(w.toBuffer());
}

const header: RequestHeader = { requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'kcat' };

describe('request header', () => {
  it('v1: api key, api version, correlation id, int16-length client id', () => {
    const bytes = Buffer.from('0012' + '0003' + '00000007' + '0004' + Buffer.from('kcat').toString('hex'), 'hex');
    assert.deepEqual(encode(1, header), bytes);
    assert.deepEqual(decodeRequestHeader(new Reader(bytes), 1), header);
    assert.equal(sizeRequestHeader(1, header), bytes.length);
  });

  it('v2: client id stays a non-compact string; a tagged-field section follows', () => {
    const bytes = Buffer.from('0012000300000007' + '0004' + Buffer.from('kcat').toString('hex') + '00', 'hex');
    assert.deepEqual(encode(2, header), bytes);
    const r = new Reader(bytes);
    assert.deepEqual(decodeRequestHeader(r, 2), header);
    assert.equal(r.offset, bytes.length);
  });

  it('null client id is int16 -1', () => {
    const h = { ...header, clientId: null };
    const bytes = Buffer.from('0012000300000007ffff00', 'hex');
    assert.deepEqual(encode(2, h), bytes);
    assert.equal(decodeRequestHeader(new Reader(bytes), 2).clientId, null);
  });

  it('v0 (ControlledShutdown v0) has no client id: decodes as "" and encodes without it', () => {
    const bytes = Buffer.from('0007000000000001', 'hex');
    assert.deepEqual(decodeRequestHeader(new Reader(bytes), 0), {
      requestApiKey: 7,
      requestApiVersion: 0,
      correlationId: 1,
      clientId: '',
    });
    assert.deepEqual(encode(0, { requestApiKey: 7, requestApiVersion: 0, correlationId: 1, clientId: 'x' }), bytes);
  });

  it('keeps unknown tagged fields of a v2 header and writes them back', () => {
    const bytes = Buffer.from('00000009' + '00000001' + 'ffff' + '01' + '05' + '02' + 'beef', 'hex');
    const h = decodeRequestHeader(new Reader(bytes), 2);
    assert.deepEqual(h._unknownTaggedFields, [{ tag: 5, data: Buffer.from('beef', 'hex') }]);
    assert.deepEqual(encode(2, h), bytes);
    assert.equal(sizeRequestHeader(2, h), bytes.length);
    assert.throws(() => encode(1, h), RangeError);
  });

  it('body bytes after the header are left for the body decoder', () => {
    const bytes = Buffer.concat([encode(1, header), Buffer.from([0xaa, 0xbb])]);
    const r = new Reader(bytes);
    decodeRequestHeader(r, 1);
    assert.equal(r.remaining, 2);
  });

  it('truncated headers and unknown versions fail with DecodeError / RangeError', () => {
    const bytes = encode(2, header);
    for (let n = 0; n < bytes.length; n++) {
      assert.throws(() => decodeRequestHeader(new Reader(bytes.subarray(0, n)), 2), DecodeError, `${n} bytes`);
    }
    assert.throws(() => decodeRequestHeader(new Reader(bytes), 3), DecodeError);
    assert.throws(() => encode(3, header), RangeError);
  });

  it('peekRequestHeader reads the fixed 8-byte prefix of any header version', () => {
    for (const v of [0, 1, 2]) {
      assert.deepEqual(peekRequestHeader(encode(v, header)), {
        requestApiKey: 18,
        requestApiVersion: 3,
        correlationId: 7,
      });
    }
    assert.deepEqual(peekRequestHeader(Buffer.from('ffff7fff80000000', 'hex')), {
      requestApiKey: -1,
      requestApiVersion: 32767,
      correlationId: -2147483648,
    });
    assert.throws(() => peekRequestHeader(Buffer.alloc(7)), DecodeError);
  });

  it('agrees byte for byte with the header generated from RequestHeader.json', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 500; i++) {
      const version = rng.int(0, 2);
      const h: RequestHeader = {
        requestApiKey: rng.int(-32768, 32767),
        requestApiVersion: rng.int(0, 20),
        correlationId: rng.int(-2147483648, 2147483647),
        clientId: version === 0 ? '' : rng.chance(0.2) ? null : rng.bytes(rng.int(0, 10)).toString('hex'),
      };
      const bytes = encode(version, h);
      const w = new Writer();
      generated.encodeRequestHeader(w, version, h);
      assert.deepEqual(Buffer.from(w.toBuffer()), bytes);
      assert.deepEqual(generated.decodeRequestHeader(new Reader(bytes), version), decodeRequestHeader(new Reader(bytes), version));
    }
  });
});
