import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Reader } from '../../../src/protocol/reader.ts';
import { Writer } from '../../../src/protocol/writer.ts';
import { defaultStruct, loadAll, randomStruct, Rng, versionsOf, type Value } from './message-values.ts';

const SAMPLES_PER_VERSION = 30;
const messages = await loadAll();

function roundTrip(codec: { encode: Function; decode: Function; size: Function }, version: number, value: Value): Value {
  const w = new Writer(64);
  codec.encode(w, version, value);
  const bytes = w.toBuffer();
  assert.equal(codec.size(version, value), bytes.length, 'size() equals the encoded length');
  const r = new Reader(bytes);
  const decoded = codec.decode(r, version) as Value;
  assert.equal(r.offset, bytes.length, 'decode consumes exactly the encoded bytes');
  return decoded;
}

describe('generated messages round-trip at every version', () => {
  it('covers every definition file', () => {
    assert.ok(messages.length >= 240, `${messages.length} definitions`);
  });

  it('random values: encode -> decode gives the same value, and size() is exact', () => {
    const rng = new Rng(0x5eed);
    let cases = 0;
    for (const { msg, codec } of messages) {
      for (const version of versionsOf(msg)) {
        for (let i = 0; i < SAMPLES_PER_VERSION; i++) {
          const value = randomStruct(msg, msg.root, version, rng);
          let decoded: Value;
          try {
            decoded = roundTrip(codec, version, value);
            assert.deepStrictEqual(decoded, value);
          } catch (e) {
            assert.fail(`${msg.name} v${version} sample ${i}: ${(e as Error).message}`);
          }
          cases++;
        }
      }
    }
    assert.ok(cases > 20_000, `${cases} cases`);
  });

  it('an empty input encodes every field as its default', () => {
    for (const { msg, codec } of messages) {
      for (const version of versionsOf(msg)) {
        const decoded = roundTrip(codec, version, {});
        assert.deepStrictEqual(decoded, defaultStruct(msg.root), `${msg.name} v${version}`);
      }
    }
  });
});
