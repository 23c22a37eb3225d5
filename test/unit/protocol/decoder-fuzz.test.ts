import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DecodeError } from '../../../src/protocol/decode-error.ts';
import { Reader } from '../../../src/protocol/reader.ts';
import { Writer } from '../../../src/protocol/writer.ts';
import { loadAll, randomStruct, Rng, versionsOf, type Codec } from './message-values.ts';

// Every decoder, at every version, fed random bytes, truncated valid encodings and mutated valid encodings:
// the only exception allowed is DecodeError. A decoder that allocated by a hostile length or looped on bad
// input would blow the time budget of this file (the Reader bounds array counts by the remaining bytes).
const MIN_INPUTS = 100_000;
const messages = await loadAll();

/**
 * Array elements in a decoded value: what a hostile count could inflate. (Strings and byte views are
 * bounded by the bytes they are read from.)
 */
function footprint(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, e) => n + 1 + footprint(e), 0);
  if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) {
    let n = 0;
    for (const x of Object.values(v)) n += footprint(x);
    return n;
  }
  return 0;
}

function decodeOnly(codec: Codec, version: number, input: Buffer): 'ok' | 'error' {
  try {
    const value = codec.decode(new Reader(input), version);
    // Every array element costs at least one input byte.
    if (footprint(value) > input.length) throw new Error(`decoded footprint ${footprint(value)} > ${input.length} bytes`);
    return 'ok';
  } catch (e) {
    if (e instanceof DecodeError) return 'error';
    throw new Error(`non-DecodeError ${(e as Error).name}: ${(e as Error).message}; input ${input.toString('hex')}`);
  }
}

describe('generated decoders under fuzzing', () => {
  it('throw only DecodeError on random, truncated and mutated input', () => {
    const rng = new Rng(0xf022);
    const combos = messages.flatMap(({ msg, codec }) => versionsOf(msg).map((version) => ({ msg, codec, version })));
    const perCombo = Math.ceil(MIN_INPUTS / combos.length);
    let inputs = 0;
    let errors = 0;
    for (const { msg, codec, version } of combos) {
      const w = new Writer();
      codec.encode(w, version, randomStruct(msg, msg.root, version, rng));
      const valid = Buffer.from(w.toBuffer());
      for (let i = 0; i < perCombo; i++) {
        let input: Buffer;
        const mode = i % 4;
        if (mode === 0) {
          input = rng.bytes(rng.int(0, 48));
        } else if (mode === 1) {
          input = valid.subarray(0, rng.int(0, Math.max(0, valid.length - 1)));
        } else {
          input = Buffer.from(valid);
          const flips = rng.int(1, 4);
          for (let f = 0; f < flips && input.length > 0; f++) {
            const at = rng.int(0, input.length - 1);
            // Mostly small edits (lengths off by one, sign flips); sometimes 0xff to make lengths huge or -1.
            input[at] = rng.chance(0.3) ? 0xff : mode === 2 ? input[at]! ^ (1 << rng.int(0, 7)) : rng.int(0, 255);
          }
          if (mode === 3 && rng.chance(0.5)) input = input.subarray(0, rng.int(0, input.length));
        }
        let result: 'ok' | 'error';
        try {
          result = decodeOnly(codec, version, input);
        } catch (e) {
          assert.fail(`${msg.name} v${version}: ${(e as Error).message}`);
        }
        if (result === 'error') errors++;
        inputs++;
      }
    }
    assert.ok(inputs >= MIN_INPUTS, `${inputs} inputs`);
    assert.ok(errors > inputs / 3, `most inputs are rejected (${errors} of ${inputs})`);
  });

  it('rejects an array count larger than the input before allocating', () => {
    const { codec } = messages.find((m) => m.msg.name === 'MetadataRequest')!;
    // v1: topics = int32 count 0x7fffffff with nothing after it.
    assert.throws(() => codec.decode(new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])), 1), DecodeError);
    // v9: compact count 2^32-2 as a 5-byte uvarint.
    assert.throws(() => codec.decode(new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])), 9), DecodeError);
  });

  it('rejects an unknown version with DecodeError', () => {
    for (const { msg, codec } of messages) {
      assert.throws(() => codec.decode(new Reader(Buffer.alloc(0)), msg.validVersions.hi + 1), DecodeError, msg.name);
      assert.throws(() => codec.decode(new Reader(Buffer.alloc(0)), -1), DecodeError, msg.name);
    }
  });
});
