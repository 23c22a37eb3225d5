import { Reader } from '../protocol/reader.ts';
import { Writer } from '../protocol/writer.ts';
import { DecodeError } from '../protocol/decode-error.ts';
import type { JsonObject } from '../protocol/json-node.ts';
import * as TopicRecordMsg from '../protocol/generated/records/topic-record.ts';
import * as PartitionRecordMsg from '../protocol/generated/records/partition-record.ts';
import * as PartitionChangeRecordMsg from '../protocol/generated/records/partition-change-record.ts';
import * as RemoveTopicRecordMsg from '../protocol/generated/records/remove-topic-record.ts';
import * as ConfigRecordMsg from '../protocol/generated/records/config-record.ts';
import * as RegisterBrokerRecordMsg from '../protocol/generated/records/register-broker-record.ts';
import * as UnregisterBrokerRecordMsg from '../protocol/generated/records/unregister-broker-record.ts';
import * as FenceBrokerRecordMsg from '../protocol/generated/records/fence-broker-record.ts';
import * as UnfenceBrokerRecordMsg from '../protocol/generated/records/unfence-broker-record.ts';
import * as BrokerRegistrationChangeRecordMsg from '../protocol/generated/records/broker-registration-change-record.ts';
import * as RegisterControllerRecordMsg from '../protocol/generated/records/register-controller-record.ts';
import * as FeatureLevelRecordMsg from '../protocol/generated/records/feature-level-record.ts';
import * as ProducerIdsRecordMsg from '../protocol/generated/records/producer-ids-record.ts';
import * as ClientQuotaRecordMsg from '../protocol/generated/records/client-quota-record.ts';
import * as AccessControlEntryRecordMsg from '../protocol/generated/records/access-control-entry-record.ts';
import * as RemoveAccessControlEntryRecordMsg from '../protocol/generated/records/remove-access-control-entry-record.ts';
import * as UserScramCredentialRecordMsg from '../protocol/generated/records/user-scram-credential-record.ts';
import * as RemoveUserScramCredentialRecordMsg from '../protocol/generated/records/remove-user-scram-credential-record.ts';
import * as DelegationTokenRecordMsg from '../protocol/generated/records/delegation-token-record.ts';
import * as RemoveDelegationTokenRecordMsg from '../protocol/generated/records/remove-delegation-token-record.ts';
import * as NoOpRecordMsg from '../protocol/generated/records/no-op-record.ts';
import * as ZkMigrationStateRecordMsg from '../protocol/generated/records/zk-migration-record.ts';
import * as BeginTransactionRecordMsg from '../protocol/generated/records/begin-transaction-record.ts';
import * as EndTransactionRecordMsg from '../protocol/generated/records/end-transaction-record.ts';
import * as AbortTransactionRecordMsg from '../protocol/generated/records/abort-transaction-record.ts';

/** The metadata record types this broker decodes (every type of Kafka's Oct-2024 definitions), by name. */
interface RecordTypes {
  TopicRecord: TopicRecordMsg.TopicRecord;
  PartitionRecord: PartitionRecordMsg.PartitionRecord;
  PartitionChangeRecord: PartitionChangeRecordMsg.PartitionChangeRecord;
  RemoveTopicRecord: RemoveTopicRecordMsg.RemoveTopicRecord;
  ConfigRecord: ConfigRecordMsg.ConfigRecord;
  RegisterBrokerRecord: RegisterBrokerRecordMsg.RegisterBrokerRecord;
  UnregisterBrokerRecord: UnregisterBrokerRecordMsg.UnregisterBrokerRecord;
  FenceBrokerRecord: FenceBrokerRecordMsg.FenceBrokerRecord;
  UnfenceBrokerRecord: UnfenceBrokerRecordMsg.UnfenceBrokerRecord;
  BrokerRegistrationChangeRecord: BrokerRegistrationChangeRecordMsg.BrokerRegistrationChangeRecord;
  RegisterControllerRecord: RegisterControllerRecordMsg.RegisterControllerRecord;
  FeatureLevelRecord: FeatureLevelRecordMsg.FeatureLevelRecord;
  ProducerIdsRecord: ProducerIdsRecordMsg.ProducerIdsRecord;
  ClientQuotaRecord: ClientQuotaRecordMsg.ClientQuotaRecord;
  AccessControlEntryRecord: AccessControlEntryRecordMsg.AccessControlEntryRecord;
  RemoveAccessControlEntryRecord: RemoveAccessControlEntryRecordMsg.RemoveAccessControlEntryRecord;
  UserScramCredentialRecord: UserScramCredentialRecordMsg.UserScramCredentialRecord;
  RemoveUserScramCredentialRecord: RemoveUserScramCredentialRecordMsg.RemoveUserScramCredentialRecord;
  DelegationTokenRecord: DelegationTokenRecordMsg.DelegationTokenRecord;
  RemoveDelegationTokenRecord: RemoveDelegationTokenRecordMsg.RemoveDelegationTokenRecord;
  NoOpRecord: NoOpRecordMsg.NoOpRecord;
  ZkMigrationStateRecord: ZkMigrationStateRecordMsg.ZkMigrationStateRecord;
  BeginTransactionRecord: BeginTransactionRecordMsg.BeginTransactionRecord;
  EndTransactionRecord: EndTransactionRecordMsg.EndTransactionRecord;
  AbortTransactionRecord: AbortTransactionRecordMsg.AbortTransactionRecord;
}

/**
 * A metadata record as a tagged union: `type` is the record's name, `version` the schema version it was written
 * with, `data` the decoded message. `Unknown` is an api key this build has no definition of (Kafka 4.4's
 * ClearElrRecord and UnregisterControllerRecord among them): replay refuses it, as Kafka's MetadataRecordType does.
 */
export type MetadataRecord =
  | { [T in keyof RecordTypes]: { type: T; version: number; data: RecordTypes[T] } }[keyof RecordTypes]
  | { type: 'Unknown'; version: number; apiKey: number; data: null };

interface Codec {
  readonly type: MetadataRecord['type'];
  readonly apiKey: number;
  readonly maxVersion: number;
  decode(r: Reader, version: number): unknown;
  encode(w: Writer, version: number, value: never): void;
  toJson(value: never, version: number): JsonObject;
}

function codec(
  type: MetadataRecord['type'],
  meta: { apiKey: number; maxVersion: number },
  decode: (r: Reader, v: number) => unknown,
  encode: (w: Writer, v: number, value: never) => void,
  toJson: (value: never, v: number) => JsonObject,
): Codec {
  return { type, apiKey: meta.apiKey, maxVersion: meta.maxVersion, decode, encode, toJson };
}

const CODECS: readonly Codec[] = [
  codec('TopicRecord', TopicRecordMsg.TopicRecordMeta, TopicRecordMsg.decodeTopicRecord, TopicRecordMsg.encodeTopicRecord, TopicRecordMsg.topicRecordToJson),
  codec('PartitionRecord', PartitionRecordMsg.PartitionRecordMeta, PartitionRecordMsg.decodePartitionRecord, PartitionRecordMsg.encodePartitionRecord, PartitionRecordMsg.partitionRecordToJson),
  codec('PartitionChangeRecord', PartitionChangeRecordMsg.PartitionChangeRecordMeta, PartitionChangeRecordMsg.decodePartitionChangeRecord, PartitionChangeRecordMsg.encodePartitionChangeRecord, PartitionChangeRecordMsg.partitionChangeRecordToJson),
  codec('RemoveTopicRecord', RemoveTopicRecordMsg.RemoveTopicRecordMeta, RemoveTopicRecordMsg.decodeRemoveTopicRecord, RemoveTopicRecordMsg.encodeRemoveTopicRecord, RemoveTopicRecordMsg.removeTopicRecordToJson),
  codec('ConfigRecord', ConfigRecordMsg.ConfigRecordMeta, ConfigRecordMsg.decodeConfigRecord, ConfigRecordMsg.encodeConfigRecord, ConfigRecordMsg.configRecordToJson),
  codec('RegisterBrokerRecord', RegisterBrokerRecordMsg.RegisterBrokerRecordMeta, RegisterBrokerRecordMsg.decodeRegisterBrokerRecord, RegisterBrokerRecordMsg.encodeRegisterBrokerRecord, RegisterBrokerRecordMsg.registerBrokerRecordToJson),
  codec('UnregisterBrokerRecord', UnregisterBrokerRecordMsg.UnregisterBrokerRecordMeta, UnregisterBrokerRecordMsg.decodeUnregisterBrokerRecord, UnregisterBrokerRecordMsg.encodeUnregisterBrokerRecord, UnregisterBrokerRecordMsg.unregisterBrokerRecordToJson),
  codec('FenceBrokerRecord', FenceBrokerRecordMsg.FenceBrokerRecordMeta, FenceBrokerRecordMsg.decodeFenceBrokerRecord, FenceBrokerRecordMsg.encodeFenceBrokerRecord, FenceBrokerRecordMsg.fenceBrokerRecordToJson),
  codec('UnfenceBrokerRecord', UnfenceBrokerRecordMsg.UnfenceBrokerRecordMeta, UnfenceBrokerRecordMsg.decodeUnfenceBrokerRecord, UnfenceBrokerRecordMsg.encodeUnfenceBrokerRecord, UnfenceBrokerRecordMsg.unfenceBrokerRecordToJson),
  codec('BrokerRegistrationChangeRecord', BrokerRegistrationChangeRecordMsg.BrokerRegistrationChangeRecordMeta, BrokerRegistrationChangeRecordMsg.decodeBrokerRegistrationChangeRecord, BrokerRegistrationChangeRecordMsg.encodeBrokerRegistrationChangeRecord, BrokerRegistrationChangeRecordMsg.brokerRegistrationChangeRecordToJson),
  codec('RegisterControllerRecord', RegisterControllerRecordMsg.RegisterControllerRecordMeta, RegisterControllerRecordMsg.decodeRegisterControllerRecord, RegisterControllerRecordMsg.encodeRegisterControllerRecord, RegisterControllerRecordMsg.registerControllerRecordToJson),
  codec('FeatureLevelRecord', FeatureLevelRecordMsg.FeatureLevelRecordMeta, FeatureLevelRecordMsg.decodeFeatureLevelRecord, FeatureLevelRecordMsg.encodeFeatureLevelRecord, FeatureLevelRecordMsg.featureLevelRecordToJson),
  codec('ProducerIdsRecord', ProducerIdsRecordMsg.ProducerIdsRecordMeta, ProducerIdsRecordMsg.decodeProducerIdsRecord, ProducerIdsRecordMsg.encodeProducerIdsRecord, ProducerIdsRecordMsg.producerIdsRecordToJson),
  codec('ClientQuotaRecord', ClientQuotaRecordMsg.ClientQuotaRecordMeta, ClientQuotaRecordMsg.decodeClientQuotaRecord, ClientQuotaRecordMsg.encodeClientQuotaRecord, ClientQuotaRecordMsg.clientQuotaRecordToJson),
  codec('AccessControlEntryRecord', AccessControlEntryRecordMsg.AccessControlEntryRecordMeta, AccessControlEntryRecordMsg.decodeAccessControlEntryRecord, AccessControlEntryRecordMsg.encodeAccessControlEntryRecord, AccessControlEntryRecordMsg.accessControlEntryRecordToJson),
  codec('RemoveAccessControlEntryRecord', RemoveAccessControlEntryRecordMsg.RemoveAccessControlEntryRecordMeta, RemoveAccessControlEntryRecordMsg.decodeRemoveAccessControlEntryRecord, RemoveAccessControlEntryRecordMsg.encodeRemoveAccessControlEntryRecord, RemoveAccessControlEntryRecordMsg.removeAccessControlEntryRecordToJson),
  codec('UserScramCredentialRecord', UserScramCredentialRecordMsg.UserScramCredentialRecordMeta, UserScramCredentialRecordMsg.decodeUserScramCredentialRecord, UserScramCredentialRecordMsg.encodeUserScramCredentialRecord, UserScramCredentialRecordMsg.userScramCredentialRecordToJson),
  codec('RemoveUserScramCredentialRecord', RemoveUserScramCredentialRecordMsg.RemoveUserScramCredentialRecordMeta, RemoveUserScramCredentialRecordMsg.decodeRemoveUserScramCredentialRecord, RemoveUserScramCredentialRecordMsg.encodeRemoveUserScramCredentialRecord, RemoveUserScramCredentialRecordMsg.removeUserScramCredentialRecordToJson),
  codec('DelegationTokenRecord', DelegationTokenRecordMsg.DelegationTokenRecordMeta, DelegationTokenRecordMsg.decodeDelegationTokenRecord, DelegationTokenRecordMsg.encodeDelegationTokenRecord, DelegationTokenRecordMsg.delegationTokenRecordToJson),
  codec('RemoveDelegationTokenRecord', RemoveDelegationTokenRecordMsg.RemoveDelegationTokenRecordMeta, RemoveDelegationTokenRecordMsg.decodeRemoveDelegationTokenRecord, RemoveDelegationTokenRecordMsg.encodeRemoveDelegationTokenRecord, RemoveDelegationTokenRecordMsg.removeDelegationTokenRecordToJson),
  codec('NoOpRecord', NoOpRecordMsg.NoOpRecordMeta, NoOpRecordMsg.decodeNoOpRecord, NoOpRecordMsg.encodeNoOpRecord, NoOpRecordMsg.noOpRecordToJson),
  codec('ZkMigrationStateRecord', ZkMigrationStateRecordMsg.ZkMigrationStateRecordMeta, ZkMigrationStateRecordMsg.decodeZkMigrationStateRecord, ZkMigrationStateRecordMsg.encodeZkMigrationStateRecord, ZkMigrationStateRecordMsg.zkMigrationStateRecordToJson),
  codec('BeginTransactionRecord', BeginTransactionRecordMsg.BeginTransactionRecordMeta, BeginTransactionRecordMsg.decodeBeginTransactionRecord, BeginTransactionRecordMsg.encodeBeginTransactionRecord, BeginTransactionRecordMsg.beginTransactionRecordToJson),
  codec('EndTransactionRecord', EndTransactionRecordMsg.EndTransactionRecordMeta, EndTransactionRecordMsg.decodeEndTransactionRecord, EndTransactionRecordMsg.encodeEndTransactionRecord, EndTransactionRecordMsg.endTransactionRecordToJson),
  codec('AbortTransactionRecord', AbortTransactionRecordMsg.AbortTransactionRecordMeta, AbortTransactionRecordMsg.decodeAbortTransactionRecord, AbortTransactionRecordMsg.encodeAbortTransactionRecord, AbortTransactionRecordMsg.abortTransactionRecordToJson),
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
 * `{ type: 'Unknown' }`, which MetadataDelta refuses: the caller decides how to fail.
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

/**
 * A decoded metadata record as the JSON tree of Kafka's MetadataJsonConverters.writeJson (what kafka-dump-log and
 * the metadata shell print). @throws Error for an `Unknown` record.
 */
export function metadataRecordToJson(record: MetadataRecord): JsonObject {
  const c = record.type === 'Unknown' ? undefined : BY_TYPE.get(record.type);
  if (c === undefined) throw new Error(`no codec for metadata record ${record.type}`);
  return c.toJson(record.data as never, record.version);
}
