import { Reader } from '../protocol/reader.ts';
import { Writer } from '../protocol/writer.ts';
import { DecodeError } from '../protocol/decode-error.ts';
import * as TopicRecordMsg from '../protocol/generated/records/topic-record.ts';
import * as PartitionRecordMsg from '../protocol/generated/records/partition-record.ts';
import * as PartitionChangeRecordMsg from '../protocol/generated/records/partition-change-record.ts';
import * as RemoveTopicRecordMsg from '../protocol/generated/records/remove-topic-record.ts';
import * as ConfigRecordMsg from '../protocol/generated/records/config-record.ts';
import * as RegisterBrokerRecordMsg from '../protocol/generated/records/register-broker-record.ts';
import * as UnregisterBrokerRecordMsg from '../protocol/generated/records/unregister-broker-record.ts';
import * as FenceBrokerRecordMsg from '../protocol/generated/records/fence-broker-record.ts';
import * as UnfenceBrokerRecordMsg from '../protocol/generated/records/unfence-broker-record.ts';
import * as FeatureLevelRecordMsg from '../protocol/generated/records/feature-level-record.ts';
import * as ProducerIdsRecordMsg from '../protocol/generated/records/producer-ids-record.ts';
import * as NoOpRecordMsg from '../protocol/generated/records/no-op-record.ts';
import * as RegisterControllerRecordMsg from '../protocol/generated/records/register-controller-record.ts';
import * as BrokerRegistrationChangeRecordMsg from '../protocol/generated/records/broker-registration-change-record.ts';

/**
 * The metadata records this broker applies, as a tagged union: `type` is the record's name, `version` the schema
 * version it was written with, `data` the decoded message.
 */
export type MetadataRecord =
  | { type: 'TopicRecord'; version: number; data: TopicRecordMsg.TopicRecord }
  | { type: 'PartitionRecord'; version: number; data: PartitionRecordMsg.PartitionRecord }
  | { type: 'PartitionChangeRecord'; version: number; data: PartitionChangeRecordMsg.PartitionChangeRecord }
  | { type: 'RemoveTopicRecord'; version: number; data: RemoveTopicRecordMsg.RemoveTopicRecord }
  | { type: 'ConfigRecord'; version: number; data: ConfigRecordMsg.ConfigRecord }
  | { type: 'RegisterBrokerRecord'; version: number; data: RegisterBrokerRecordMsg.RegisterBrokerRecord }
  | { type: 'UnregisterBrokerRecord'; version: number; data: UnregisterBrokerRecordMsg.UnregisterBrokerRecord }
  | { type: 'FenceBrokerRecord'; version: number; data: FenceBrokerRecordMsg.FenceBrokerRecord }
  | { type: 'UnfenceBrokerRecord'; version: number; data: UnfenceBrokerRecordMsg.UnfenceBrokerRecord }
  | { type: 'FeatureLevelRecord'; version: number; data: FeatureLevelRecordMsg.FeatureLevelRecord }
  | { type: 'ProducerIdsRecord'; version: number; data: ProducerIdsRecordMsg.ProducerIdsRecord }
  | { type: 'NoOpRecord'; version: number; data: NoOpRecordMsg.NoOpRecord }
  | { type: 'RegisterControllerRecord'; version: number; data: RegisterControllerRecordMsg.RegisterControllerRecord }
  | {
      type: 'BrokerRegistrationChangeRecord';
      version: number;
      data: BrokerRegistrationChangeRecordMsg.BrokerRegistrationChangeRecord;
    }
  /** A record type this broker does not apply (ACLs, SCRAM, quotas, ...): kept so replay can skip it. */
  | { type: 'Unknown'; version: number; apiKey: number; data: null };

interface Codec {
  readonly type: MetadataRecord['type'];
  readonly apiKey: number;
  readonly maxVersion: number;
  decode(r: Reader, version: number): unknown;
  encode(w: Writer, version: number, value: never): void;
}

function codec(
  type: MetadataRecord['type'],
  meta: { apiKey: number; maxVersion: number },
  decode: (r: Reader, v: number) => unknown,
  encode: (w: Writer, v: number, value: never) => void,
): Codec {
  return { type, apiKey: meta.apiKey, maxVersion: meta.maxVersion, decode, encode };
}

const CODECS: readonly Codec[] = [
  codec('TopicRecord', TopicRecordMsg.TopicRecordMeta, TopicRecordMsg.decodeTopicRecord, TopicRecordMsg.encodeTopicRecord),
  codec('PartitionRecord', PartitionRecordMsg.PartitionRecordMeta, PartitionRecordMsg.decodePartitionRecord, PartitionRecordMsg.encodePartitionRecord),
  codec('PartitionChangeRecord', PartitionChangeRecordMsg.PartitionChangeRecordMeta, PartitionChangeRecordMsg.decodePartitionChangeRecord, PartitionChangeRecordMsg.encodePartitionChangeRecord),
  codec('RemoveTopicRecord', RemoveTopicRecordMsg.RemoveTopicRecordMeta, RemoveTopicRecordMsg.decodeRemoveTopicRecord, RemoveTopicRecordMsg.encodeRemoveTopicRecord),
  codec('ConfigRecord', ConfigRecordMsg.ConfigRecordMeta, ConfigRecordMsg.decodeConfigRecord, ConfigRecordMsg.encodeConfigRecord),
  codec('RegisterBrokerRecord', RegisterBrokerRecordMsg.RegisterBrokerRecordMeta, RegisterBrokerRecordMsg.decodeRegisterBrokerRecord, RegisterBrokerRecordMsg.encodeRegisterBrokerRecord),
  codec('UnregisterBrokerRecord', UnregisterBrokerRecordMsg.UnregisterBrokerRecordMeta, UnregisterBrokerRecordMsg.decodeUnregisterBrokerRecord, UnregisterBrokerRecordMsg.encodeUnregisterBrokerRecord),
  codec('FenceBrokerRecord', FenceBrokerRecordMsg.FenceBrokerRecordMeta, FenceBrokerRecordMsg.decodeFenceBrokerRecord, FenceBrokerRecordMsg.encodeFenceBrokerRecord),
  codec('UnfenceBrokerRecord', UnfenceBrokerRecordMsg.UnfenceBrokerRecordMeta, UnfenceBrokerRecordMsg.decodeUnfenceBrokerRecord, UnfenceBrokerRecordMsg.encodeUnfenceBrokerRecord),
  codec('FeatureLevelRecord', FeatureLevelRecordMsg.FeatureLevelRecordMeta, FeatureLevelRecordMsg.decodeFeatureLevelRecord, FeatureLevelRecordMsg.encodeFeatureLevelRecord),
  codec('ProducerIdsRecord', ProducerIdsRecordMsg.ProducerIdsRecordMeta, ProducerIdsRecordMsg.decodeProducerIdsRecord, ProducerIdsRecordMsg.encodeProducerIdsRecord),
  codec('NoOpRecord', NoOpRecordMsg.NoOpRecordMeta, NoOpRecordMsg.decodeNoOpRecord, NoOpRecordMsg.encodeNoOpRecord),
  codec('RegisterControllerRecord', RegisterControllerRecordMsg.RegisterControllerRecordMeta, RegisterControllerRecordMsg.decodeRegisterControllerRecord, RegisterControllerRecordMsg.encodeRegisterControllerRecord),
  codec('BrokerRegistrationChangeRecord', BrokerRegistrationChangeRecordMsg.BrokerRegistrationChangeRecordMeta, BrokerRegistrationChangeRecordMsg.decodeBrokerRegistrationChangeRecord, BrokerRegistrationChangeRecordMsg.encodeBrokerRegistrationChangeRecord),
];

const BY_KEY = new Map(CODECS.map((c) => [c.apiKey, c]));
const BY_TYPE = new Map(CODECS.map((c) => [c.type, c]));

/** The frame version Kafka's AbstractApiMessageSerde writes before every metadata record. */
const FRAME_VERSION = 1;

/** Any known record without a version: the serde writes it at the newest version it knows. */
export type MetadataRecordInput = Exclude<MetadataRecord, { type: 'Unknown' }> extends infer R
  ? R extends { type: infer T; data: infer D }
    ? { type: T; data: D; version?: number }
    : never
  : never;

/**
 * Encodes a metadata record as the value of a `__cluster_metadata` record, in Kafka's
 * AbstractApiMessageSerde frame: uvarint frameVersion (1), uvarint apiKey, uvarint version, message bytes.
 * @throws Error for an unknown type or a version above the newest known.
 */
export function encodeMetadataRecord(record: MetadataRecordInput): Buffer {
  const c = BY_TYPE.get(record.type);
  if (c === undefined) throw new Error(`no codec for metadata record ${record.type}`);
  const version = record.version ?? c.maxVersion;
  const w = new Writer(128);
  w.writeUnsignedVarint(FRAME_VERSION).writeUnsignedVarint(c.apiKey).writeUnsignedVarint(version);
  c.encode(w, version, record.data as never);
  return Buffer.from(w.toBuffer());
}

/**
 * Decodes one metadata record value (see {@link encodeMetadataRecord}). Unknown api keys decode to
 * `{ type: 'Unknown' }` so replay can skip them, as a broker does for records of features it lacks.
 * @throws DecodeError on a bad frame version, a truncated message or trailing garbage.
 */
export function decodeMetadataRecord(value: Buffer): MetadataRecord {
  const r = new Reader(value);
  const frameVersion = r.readUnsignedVarint();
  if (frameVersion !== FRAME_VERSION) throw new DecodeError(`unknown metadata frame version ${frameVersion}`, 0);
  const apiKey = r.readUnsignedVarint();
  const version = r.readUnsignedVarint();
  const c = BY_KEY.get(apiKey);
  if (c === undefined) return { type: 'Unknown', version, apiKey, data: null };
  const data = c.decode(r, version);
  if (r.remaining > 0) throw new DecodeError(`${r.remaining} bytes of garbage after ${c.type}`, r.offset);
  return { type: c.type, version, data } as MetadataRecord;
}
