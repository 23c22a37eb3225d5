// How `kafka-broker dump-log` prints a record's key and value (Kafka 4.4 DumpLogSegments' MessageParser): as UTF-8
// text by default, or decoded as the records of an internal topic and printed as the JSON Kafka's generated
// JsonConverters write: --offsets-decoder (__consumer_offsets), --transaction-log-decoder (__transaction_state),
// --cluster-metadata-decoder (__cluster_metadata). Decoding goes through the broker's own record serdes.

import { GroupCoordinatorRecordSerde } from '../coordinator/group/group-coordinator-record-serde.ts';
import type { CoordinatorRecord } from '../coordinator/group/coordinator-record.ts';
import { TransactionLogRecordSerde } from '../coordinator/transaction/transaction-log-record-serde.ts';
import { TransactionState } from '../coordinator/transaction/transaction-state.ts';
import { decodeMetadataRecord, metadataRecordToJson } from '../metadata/metadata-record-serde.ts';
import { jsonText, type JsonObject } from '../protocol/json-node.ts';
import { Reader } from '../protocol/reader.ts';
import type { DefaultRecord } from '../protocol/records/default-record.ts';
import { consumerProtocolAssignmentToJson, decodeConsumerProtocolAssignment } from '../protocol/generated/messages/consumer-protocol-assignment.ts';
import { consumerProtocolSubscriptionToJson, decodeConsumerProtocolSubscription } from '../protocol/generated/messages/consumer-protocol-subscription.ts';
import { consumerGroupCurrentMemberAssignmentKeyToJson } from '../protocol/generated/records/consumer-group-current-member-assignment-key.ts';
import { consumerGroupCurrentMemberAssignmentValueToJson } from '../protocol/generated/records/consumer-group-current-member-assignment-value.ts';
import { consumerGroupMemberMetadataKeyToJson } from '../protocol/generated/records/consumer-group-member-metadata-key.ts';
import { consumerGroupMemberMetadataValueToJson } from '../protocol/generated/records/consumer-group-member-metadata-value.ts';
import { consumerGroupMetadataKeyToJson } from '../protocol/generated/records/consumer-group-metadata-key.ts';
import { consumerGroupMetadataValueToJson } from '../protocol/generated/records/consumer-group-metadata-value.ts';
import { consumerGroupPartitionMetadataKeyToJson } from '../protocol/generated/records/consumer-group-partition-metadata-key.ts';
import { consumerGroupPartitionMetadataValueToJson } from '../protocol/generated/records/consumer-group-partition-metadata-value.ts';
import { consumerGroupTargetAssignmentMemberKeyToJson } from '../protocol/generated/records/consumer-group-target-assignment-member-key.ts';
import { consumerGroupTargetAssignmentMemberValueToJson } from '../protocol/generated/records/consumer-group-target-assignment-member-value.ts';
import { consumerGroupTargetAssignmentMetadataKeyToJson } from '../protocol/generated/records/consumer-group-target-assignment-metadata-key.ts';
import { consumerGroupTargetAssignmentMetadataValueToJson } from '../protocol/generated/records/consumer-group-target-assignment-metadata-value.ts';
import { groupMetadataKeyToJson } from '../protocol/generated/records/group-metadata-key.ts';
import { groupMetadataValueToJson } from '../protocol/generated/records/group-metadata-value.ts';
import { offsetCommitKeyToJson } from '../protocol/generated/records/offset-commit-key.ts';
import { offsetCommitValueToJson } from '../protocol/generated/records/offset-commit-value.ts';
import { transactionLogKeyToJson } from '../protocol/generated/records/transaction-log-key.ts';
import { transactionLogValueToJson } from '../protocol/generated/records/transaction-log-value.ts';

/** What a parser prints for a record: ` key: <key>` and ` payload: <value>`, each only when present. */
export interface ParsedRecord {
  readonly key?: string;
  readonly value?: string;
}

/** Kafka's MessageParser: a record's printable key and value. */
export type MessageParser = (record: DefaultRecord) => ParsedRecord;

/** The default (StringDecoder for keys and values): the bytes as UTF-8. */
export const stringParser: MessageParser = (record) => ({
  ...(record.key === null ? {} : { key: record.key.toString('utf8') }),
  ...(record.value === null ? {} : { value: record.value.toString('utf8') }),
});

const TRANSACTION_STATE_NAMES = new Map<number, string>(Object.entries(TransactionState).map(([name, id]) => [id, name]));

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A coordinator record's key and value as JSON, with the version of each (the key's is its record type). */
interface CoordinatorJson {
  readonly recordType: number;
  readonly key: JsonObject;
  /** null for a tombstone. */
  readonly value: { version: number; data: JsonObject } | null;
}

/**
 * Kafka's CoordinatorRecordMessageParser: `{"type":"<record type>","data":<key>}` and `{"version":"<v>","data":
 * <value>}` (or `<DELETE>` for a tombstone); a record type the serde does not know, or bytes that do not decode,
 * print an "... skipping." key and no value. @throws Error for a record without a key, as Kafka's tool stops there.
 */
function coordinatorParser(decode: (key: Buffer, value: Buffer | null) => CoordinatorJson | null): MessageParser {
  return (record) => {
    if (record.key === null) throw new Error(`Failed to decode message at offset ${record.offset} using the specified decoder (message had a missing key)`);
    try {
      const parsed = decode(record.key, record.value);
      if (parsed === null) return { key: `Unknown record type ${record.key.readInt16BE(0)} at offset ${record.offset}, skipping.` };
      const key = jsonText({ type: String(parsed.recordType), data: parsed.key });
      return { key, value: parsed.value === null ? '<DELETE>' : jsonText({ version: String(parsed.value.version), data: parsed.value.data }) };
    } catch (e) {
      return { key: `Error at offset ${record.offset}, skipping. ${message(e)}` };
    }
  };
}

/** Replaces a consumer group member's embedded protocol bytes by their JSON, as Kafka does; left as is when they do not decode. */
function replaceEmbedded(member: JsonObject, field: string, toJson: (bytes: Buffer) => JsonObject): void {
  const text = member[field];
  if (typeof text !== 'string') return;
  try {
    member[field] = toJson(Buffer.from(text, 'base64'));
  } catch {
    // Kafka's tool keeps the base64 bytes of an embedded message it cannot read.
  }
}

function embedded<T>(decode: (r: Reader, version: number) => T, toJson: (value: T, version: number) => JsonObject): (bytes: Buffer) => JsonObject {
  return (bytes) => {
    const r = new Reader(bytes);
    const version = r.readInt16();
    return toJson(decode(r, version), version);
  };
}

const subscriptionJson = embedded(decodeConsumerProtocolSubscription, consumerProtocolSubscriptionToJson);
const assignmentJson = embedded(decodeConsumerProtocolAssignment, consumerProtocolAssignmentToJson);

/** The JSON of a __consumer_offsets record's key and value (Kafka's OffsetsMessageParser). */
function groupRecordJson(r: CoordinatorRecord, keyVersion: number): Pick<CoordinatorJson, 'key'> & { value: JsonObject | null } {
  const v = r.valueVersion;
  switch (r.type) {
    case 'OffsetCommit':
      return { key: offsetCommitKeyToJson(r.key, keyVersion), value: r.value && offsetCommitValueToJson(r.value, v) };
    case 'GroupMetadata': {
      const value = r.value && groupMetadataValueToJson(r.value, v);
      if (value !== null && value.protocolType === 'consumer' && Array.isArray(value.members)) {
        for (const member of value.members as JsonObject[]) {
          replaceEmbedded(member, 'subscription', subscriptionJson);
          replaceEmbedded(member, 'assignment', assignmentJson);
        }
      }
      return { key: groupMetadataKeyToJson(r.key, keyVersion), value };
    }
    case 'ConsumerGroupMetadata':
      return { key: consumerGroupMetadataKeyToJson(r.key, keyVersion), value: r.value && consumerGroupMetadataValueToJson(r.value, v) };
    case 'ConsumerGroupPartitionMetadata':
      return { key: consumerGroupPartitionMetadataKeyToJson(r.key, keyVersion), value: r.value && consumerGroupPartitionMetadataValueToJson(r.value, v) };
    case 'ConsumerGroupMemberMetadata':
      return { key: consumerGroupMemberMetadataKeyToJson(r.key, keyVersion), value: r.value && consumerGroupMemberMetadataValueToJson(r.value, v) };
    case 'ConsumerGroupTargetAssignmentMetadata':
      return { key: consumerGroupTargetAssignmentMetadataKeyToJson(r.key, keyVersion), value: r.value && consumerGroupTargetAssignmentMetadataValueToJson(r.value, v) };
    case 'ConsumerGroupTargetAssignmentMember':
      return { key: consumerGroupTargetAssignmentMemberKeyToJson(r.key, keyVersion), value: r.value && consumerGroupTargetAssignmentMemberValueToJson(r.value, v) };
    case 'ConsumerGroupCurrentMemberAssignment':
      return { key: consumerGroupCurrentMemberAssignmentKeyToJson(r.key, keyVersion), value: r.value && consumerGroupCurrentMemberAssignmentValueToJson(r.value, v) };
  }
}

const groupSerde = new GroupCoordinatorRecordSerde();
const transactionSerde = new TransactionLogRecordSerde();

/** --offsets-decoder: __consumer_offsets records. */
export const offsetsParser: MessageParser = coordinatorParser((key, value) => {
  const record = groupSerde.deserialize(key, value);
  if (record === null) return null;
  const keyVersion = key.readInt16BE(0);
  const json = groupRecordJson(record, keyVersion);
  return { recordType: keyVersion, key: json.key, value: json.value === null ? null : { version: record.valueVersion, data: json.value } };
});

/** --transaction-log-decoder: __transaction_state records, the status printed by its state name. */
export const transactionLogParser: MessageParser = coordinatorParser((key, value) => {
  const record = transactionSerde.deserialize(key, value);
  if (record === null) return null;
  const keyJson = transactionLogKeyToJson({ transactionalId: record.transactionalId }, 0);
  if (record.value === null || value === null) return { recordType: 0, key: keyJson, value: null };
  const version = value.readInt16BE(0);
  const data = transactionLogValueToJson(record.value, version);
  data.transactionStatus = TRANSACTION_STATE_NAMES.get(record.value.transactionStatus) ?? String(record.value.transactionStatus);
  return { recordType: 0, key: keyJson, value: { version, data } };
});

/** Kafka's MetadataRecordType constant names: TopicRecord → TOPIC_RECORD. */
function metadataTypeName(type: string): string {
  return type.replace(/(?<!^)([A-Z])/g, '_$1').toUpperCase();
}

/** --cluster-metadata-decoder: `{"type":"TOPIC_RECORD","version":0,"data":{...}}` as the payload, no key. */
export const clusterMetadataParser: MessageParser = (record) => {
  try {
    if (record.value === null) throw new Error('null value');
    const decoded = decodeMetadataRecord(record.value);
    if (decoded.type === 'Unknown') throw new Error(`Unknown metadata id ${decoded.apiKey}`);
    return { value: jsonText({ type: metadataTypeName(decoded.type), version: decoded.version, data: metadataRecordToJson(decoded) }) };
  } catch (e) {
    return { value: `Error at ${record.offset}, skipping. ${message(e)}` };
  }
};
