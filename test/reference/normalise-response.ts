// Turns a decoded response body (our generated codecs' output) into plain JSON with what legitimately differs
// between two brokers replaced by a placeholder, so that Apache Kafka's answer and ours compare field by field:
// ports, cluster and topic ids, producer ids, member ids, throttle times, error message texts, append times,
// fetch session ids and feature epochs. Node ids, leader epochs, offsets and error codes are kept: both brokers are
// node 1 of a fresh single-node cluster fed the same requests, so those must match. Arrays keyed by a name (ApiVersions' api keys, a
// resource's configs, features) become objects keyed by that name, so a difference reads "apiKeys.Produce.maxVersion"
// rather than an index, and arrays of named structs are sorted by name or group id (order carries no meaning there).
import { API_MESSAGES } from '../../src/protocol/generated/api-messages.ts';

/** A normalised value: JSON-compatible. */
export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
/**
 * Fields whose value differs between any two brokers: only their presence in the version is compared. Error message
 * texts are free text; Kafka itself sends null, '' or a text for the same outcome depending on the code path.
 */
const OPAQUE = new Set(['port', 'clusterId', 'throttleTimeMs', 'finalizedFeaturesEpoch', 'errorMessage']);
/** Fields where "no value" (-1, zero uuid, null, '') is meaningful and kept; any other value becomes a placeholder. */
const OPAQUE_WHEN_SET = new Set(['topicId', 'producerId', 'memberId', 'leader', 'logAppendTimeMs', 'sessionId']);

/** The fields that name an element of an array of structs (topics, configs, groups): such arrays are compared sorted by it. */
const IDENTITY_KEYS = ['name', 'groupId'];

function isUnset(v: unknown): boolean {
  return v === null || v === undefined || v === '' || v === ZERO_UUID || v === -1 || v === -1n;
}

function byName(items: readonly Plain[], key: string): Plain {
  const out: Record<string, Plain> = {};
  for (const item of items) {
    const { [key]: name, ...rest } = item as Record<string, Plain>;
    out[String(name)] = rest;
  }
  return out;
}

function plain(value: unknown, field: string): Plain {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex');
  if (Array.isArray(value)) {
    const items = value.map((v) => plain(v, field));
    if (field === 'apiKeys') {
      const named = items.map((k) => ({ ...(k as Record<string, Plain>), apiKey: API_MESSAGES.get((k as { apiKey: number }).apiKey)?.name ?? String((k as { apiKey: number }).apiKey) }));
      return byName(named, 'apiKey');
    }
    if (field === 'configs' && items.every((c) => typeof c === 'object' && c !== null && 'name' in c)) return byName(items, 'name');
    if (field === 'supportedFeatures' || field === 'finalizedFeatures') return byName(items, 'name');
    const identity = IDENTITY_KEYS.find((key) => items.length > 1 && items.every((c) => typeof c === 'object' && c !== null && !Array.isArray(c) && typeof c[key] === 'string'));
    if (identity === undefined) return items;
    const idOf = (item: Plain): string => String((item as Record<string, Plain>)[identity]);
    return [...items].sort((a, b) => idOf(a).localeCompare(idOf(b)));
  }
  if (typeof value === 'object') {
    const out: Record<string, Plain> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '_unknownTaggedFields') {
        if (Array.isArray(v) && v.length > 0) out[k] = v.map((t: { tag: number }) => t.tag);
        continue;
      }
      if (OPAQUE.has(k)) out[k] = `<${k}>`;
      else if (OPAQUE_WHEN_SET.has(k) && typeof v !== 'object' && !isUnset(v)) out[k] = `<${k}>`;
      else out[k] = plain(v, k);
    }
    return out;
  }
  return String(value);
}

/** The normalised form of a decoded response body (see the file header). */
export function normaliseResponse(body: object): Plain {
  return plain(body, '');
}

/** One field that differs: its path ("topics[0].partitions[1].errorCode") and both values (undefined = absent). */
export interface FieldDifference {
  readonly path: string;
  readonly kafka: Plain | undefined;
  readonly ours: Plain | undefined;
}

/** Compares two normalised values; returns every leaf that differs and counts compared leaves in `counter.leaves`. */
export function compareNormalised(kafka: Plain | undefined, ours: Plain | undefined, counter: { leaves: number }, path = ''): FieldDifference[] {
  const isObject = (v: Plain | undefined): v is { [key: string]: Plain } => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (Array.isArray(kafka) && Array.isArray(ours)) {
    const diffs: FieldDifference[] = [];
    for (let i = 0; i < Math.max(kafka.length, ours.length); i++) diffs.push(...compareNormalised(kafka[i], ours[i], counter, `${path}[${i}]`));
    return diffs;
  }
  if (isObject(kafka) && isObject(ours)) {
    const diffs: FieldDifference[] = [];
    for (const key of new Set([...Object.keys(kafka), ...Object.keys(ours)])) {
      diffs.push(...compareNormalised(kafka[key], ours[key], counter, path === '' ? key : `${path}.${key}`));
    }
    return diffs;
  }
  counter.leaves++;
  if (JSON.stringify(kafka) === JSON.stringify(ours)) return [];
  return [{ path, kafka, ours }];
}
