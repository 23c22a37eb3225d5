// Test support for the generated protocol code: loads the schemas and the generated modules, and builds
// seeded random and default values of any message at any version, interpreting the schema independently
// of the generator's emitters.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Reader } from '../../../src/protocol/reader.ts';
import { ZERO_UUID } from '../../../src/protocol/reader.ts';
import type { Writer } from '../../../src/protocol/writer.ts';
import { modulePath } from '../../../src/protocol/codegen/generate.ts';
import { loadMessages, type FieldSpec, type FieldType, type MessageSpec, type StructSpec } from '../../../src/protocol/codegen/schema.ts';
import { contains } from '../../../src/protocol/codegen/versions.ts';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const SCHEMA_DIR = process.env.KAFKA_PROTOCOL_DIR ?? resolve(REPO_ROOT, '../shared/kafka-protocol');
export const GENERATED_DIR = resolve(REPO_ROOT, 'src/protocol/generated');

export type Value = Record<string, unknown>;

/** The public functions of one generated module. */
export interface Codec {
  decode(r: Reader, version: number): Value;
  encode(w: Writer, version: number, value: Value): void;
  size(version: number, value: Value): number;
  meta: { name: string; apiKey: number; minVersion: number; maxVersion: number; flexibleFrom: number };
}

export interface LoadedMessage {
  msg: MessageSpec;
  codec: Codec;
}

/** Every definition with its generated module, in generator order. */
export async function loadAll(): Promise<LoadedMessage[]> {
  const out: LoadedMessage[] = [];
  for (const msg of loadMessages(SCHEMA_DIR)) {
    const mod = (await import(pathToFileURL(resolve(GENERATED_DIR, modulePath(msg))).href)) as Record<string, unknown>;
    const codec = {
      decode: mod[`decode${msg.name}`],
      encode: mod[`encode${msg.name}`],
      size: mod[`size${msg.name}`],
      meta: mod[`${msg.name}Meta`],
    } as Codec;
    out.push({ msg, codec });
  }
  return out;
}

/** mulberry32: a small seeded PRNG so every failure can be replayed. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(0, 255);
    return b;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}

function parseInt64(text: string): bigint {
  const neg = text.startsWith('-');
  const v = BigInt(neg ? text.slice(1) : text);
  return neg ? -v : v;
}

/** The default of a field, read from the schema (Kafka's FieldSpec.fieldDefault semantics). */
export function defaultValueOf(f: FieldSpec): unknown {
  const d = f.defaultText;
  const t = f.type;
  if (d === 'null' || (t.kind === 'primitive' && t.name === 'records')) return null;
  if (t.kind === 'array') return [];
  if (t.kind === 'struct') return defaultStruct(t.struct);
  switch (t.name) {
    case 'bool':
      return d.toLowerCase() === 'true';
    case 'int64':
      return d === '' ? 0n : parseInt64(d);
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
      return d === '' ? 0 : Number(parseInt64(d));
    case 'float64':
      return d === '' ? 0 : Number(d);
    case 'uuid':
      return d === '' ? ZERO_UUID : d;
    case 'string':
      return d;
    default:
      return Buffer.alloc(0);
  }
}

/** A struct with every field at its default (Kafka's `new Struct()`). */
export function defaultStruct(s: StructSpec): Value {
  const o: Value = {};
  for (const f of s.fields) o[f.camelName] = defaultValueOf(f);
  return o;
}

const STRING_ALPHABET = ['a', 'b', 'z', 'K', '0', '-', '.', '_', ' ', 'é', 'ß', '日', '本', '🙂'];

function randomPrimitive(name: string, rng: Rng): unknown {
  switch (name) {
    case 'bool':
      return rng.chance(0.5);
    case 'int8':
      return rng.int(-128, 127);
    case 'int16':
      return rng.pick([rng.int(-32768, 32767), -1, 0, 32767]);
    case 'uint16':
      return rng.int(0, 65535);
    case 'int32':
      return rng.pick([rng.int(-2147483648, 2147483647), -1, 0, 2147483647, -2147483648]);
    case 'int64':
      return rng.pick([BigInt.asIntN(64, rng.bytes(8).readBigUInt64BE()), -1n, 0n, 2n ** 63n - 1n, -(2n ** 63n)]);
    case 'float64':
      return rng.pick([rng.next() * 1e6 - 5e5, 0, -1.5, Number.MAX_VALUE, Number.MIN_VALUE]);
    case 'uuid':
      return rng.bytes(16).toString('base64url');
    case 'string': {
      let s = '';
      const n = rng.int(0, 12);
      for (let i = 0; i < n; i++) s += rng.pick(STRING_ALPHABET);
      return s;
    }
    case 'bytes':
      return rng.bytes(rng.int(0, 16));
    case 'records':
      return rng.bytes(rng.int(0, 40));
    default:
      throw new Error(`unknown primitive ${name}`);
  }
}

function randomOfType(msg: MessageSpec, t: FieldType, version: number, rng: Rng, depth: number): unknown {
  if (t.kind === 'primitive') return randomPrimitive(t.name, rng);
  if (t.kind === 'struct') return randomStruct(msg, t.struct, version, rng, depth + 1);
  const n = depth > 3 ? rng.int(0, 1) : rng.int(0, 3);
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(randomOfType(msg, t.element, version, rng, depth));
  return out;
}

/**
 * A random valid value of struct `s` at `version`: fields the version lacks hold their defaults (as a
 * decoder returns them), nullable fields are sometimes null, flexible structs sometimes carry unknown tags.
 */
export function randomStruct(msg: MessageSpec, s: StructSpec, version: number, rng: Rng, depth = 0): Value {
  const o: Value = {};
  for (const f of s.fields) {
    if (!contains(f.versions, version)) {
      o[f.camelName] = defaultValueOf(f);
    } else if (contains(f.nullableVersions, version) && rng.chance(0.2)) {
      o[f.camelName] = null;
    } else {
      o[f.camelName] = randomOfType(msg, f.type, version, rng, depth);
    }
  }
  if (contains(msg.flexibleVersions, version) && rng.chance(0.25)) {
    const used = new Set(s.fields.flatMap((f) => (f.tag === undefined ? [] : [f.tag])));
    const tags = new Set<number>();
    for (let i = rng.int(1, 3); i > 0; i--) {
      const tag = rng.chance(0.2) ? rng.int(128, 400) : rng.int(0, 40);
      if (!used.has(tag)) tags.add(tag);
    }
    if (tags.size > 0) {
      o._unknownTaggedFields = [...tags].sort((a, b) => a - b).map((tag) => ({ tag, data: rng.bytes(rng.int(0, 6)) }));
    }
  }
  return o;
}

/** Every version of a message, ascending. */
export function versionsOf(msg: MessageSpec): number[] {
  const out: number[] = [];
  for (let v = msg.validVersions.lo; v <= msg.validVersions.hi; v++) out.push(v);
  return out;
}
