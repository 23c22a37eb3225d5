import { Reader } from '../../protocol/reader.ts';
import { Writer } from '../../protocol/writer.ts';
import { DecodeError } from '../../protocol/decode-error.ts';
import { decodeOffsetCommitKey, encodeOffsetCommitKey } from '../../protocol/generated/records/offset-commit-key.ts';
import { decodeOffsetCommitValue, encodeOffsetCommitValue } from '../../protocol/generated/records/offset-commit-value.ts';
import { decodeGroupMetadataKey, encodeGroupMetadataKey } from '../../protocol/generated/records/group-metadata-key.ts';
import { decodeGroupMetadataValue, encodeGroupMetadataValue } from '../../protocol/generated/records/group-metadata-value.ts';
import { decodeConsumerGroupMetadataKey, encodeConsumerGroupMetadataKey } from '../../protocol/generated/records/consumer-group-metadata-key.ts';
import { decodeConsumerGroupMetadataValue, encodeConsumerGroupMetadataValue } from '../../protocol/generated/records/consumer-group-metadata-value.ts';
import { decodeConsumerGroupPartitionMetadataKey, encodeConsumerGroupPartitionMetadataKey } from '../../protocol/generated/records/consumer-group-partition-metadata-key.ts';
import { decodeConsumerGroupPartitionMetadataValue, encodeConsumerGroupPartitionMetadataValue } from '../../protocol/generated/records/consumer-group-partition-metadata-value.ts';
import { decodeConsumerGroupMemberMetadataKey, encodeConsumerGroupMemberMetadataKey } from '../../protocol/generated/records/consumer-group-member-metadata-key.ts';
import { decodeConsumerGroupMemberMetadataValue, encodeConsumerGroupMemberMetadataValue } from '../../protocol/generated/records/consumer-group-member-metadata-value.ts';
import { decodeConsumerGroupTargetAssignmentMetadataKey, encodeConsumerGroupTargetAssignmentMetadataKey } from '../../protocol/generated/records/consumer-group-target-assignment-metadata-key.ts';
import { decodeConsumerGroupTargetAssignmentMetadataValue, encodeConsumerGroupTargetAssignmentMetadataValue } from '../../protocol/generated/records/consumer-group-target-assignment-metadata-value.ts';
import { decodeConsumerGroupTargetAssignmentMemberKey, encodeConsumerGroupTargetAssignmentMemberKey } from '../../protocol/generated/records/consumer-group-target-assignment-member-key.ts';
import { decodeConsumerGroupTargetAssignmentMemberValue, encodeConsumerGroupTargetAssignmentMemberValue } from '../../protocol/generated/records/consumer-group-target-assignment-member-value.ts';
import { decodeConsumerGroupCurrentMemberAssignmentKey, encodeConsumerGroupCurrentMemberAssignmentKey } from '../../protocol/generated/records/consumer-group-current-member-assignment-key.ts';
import { decodeConsumerGroupCurrentMemberAssignmentValue, encodeConsumerGroupCurrentMemberAssignmentValue } from '../../protocol/generated/records/consumer-group-current-member-assignment-value.ts';
import type { CoordinatorRecordBytes } from '../runtime/partition-writer.ts';
import type { CoordinatorSerde } from '../runtime/coordinator-shard.ts';
import { RECORD_KEY_VERSIONS, type CoordinatorRecord } from './coordinator-record.ts';

/**
 * The bytes of `__consumer_offsets` records, Kafka's `GroupCoordinatorRecordSerde`: key = int16 key version
 * (the record type) + the key struct; value = int16 value version + the value struct, or null (tombstone).
 * Unknown key versions (share-group records 9-14, future types) deserialize to null and are skipped on load,
 * as Kafka's loader skips unknown record types. @throws DecodeError on malformed bytes.
 */
export class GroupCoordinatorRecordSerde implements CoordinatorSerde<CoordinatorRecord> {
  serialize(record: CoordinatorRecord): CoordinatorRecordBytes {
    const k = new Writer(64);
    const keyVersion = record.type === 'OffsetCommit' ? 1 : RECORD_KEY_VERSIONS[record.type];
    k.writeInt16(keyVersion);
    let v: Writer | null = null;
    if (record.value !== null) {
      v = new Writer(128);
      v.writeInt16(record.valueVersion);
    }
    switch (record.type) {
      case 'OffsetCommit':
        encodeOffsetCommitKey(k, keyVersion, record.key);
        if (v !== null && record.value !== null) encodeOffsetCommitValue(v, record.valueVersion, record.value);
        break;
      case 'GroupMetadata':
        encodeGroupMetadataKey(k, keyVersion, record.key);
        if (v !== null && record.value !== null) encodeGroupMetadataValue(v, record.valueVersion, record.value);
        break;
      case 'ConsumerGroupMetadata':
        encodeConsumerGroupMetadataKey(k, keyVersion, record.key);
        if (v !== null && record.value !== null) encodeConsumerGroupMetadataValue(v, record.valueVersion, record.value);
        break;
      case 'ConsumerGroupPartitionMetadata':
        encodeConsumerGroupPartitionMetadataKey(k, keyVersion, record.key);
        if (v !== null && record.value !== null) encodeConsumerGroupPartitionMetadataValue(v, record.valueVersion, record.value);
        break;
      case 'ConsumerGroupMemberMetadata':
        encodeConsumerGroupMemberMetadataKey(k, keyVersion, record.key);
        if (v !== null && record.value !== null) encodeConsumerGroupMemberMetadataValue(v, record.valueVersion, record.value);
        break;
      case 'ConsumerGroupTargetAssignmentMetadata':
        encodeConsumerGroupTargetAssignmentMetadataKey(k, keyVersion, record.key);
        if (v !== null && record.value !== null) encodeConsumerGroupTargetAssignmentMetadataValue(v, record.valueVersion, record.value);
        break;
      case 'ConsumerGroupTargetAssignmentMember':
        encodeConsumerGroupTargetAssignmentMemberKey(k, keyVersion, record.key);
        if (v !== null && record.value !== null) encodeConsumerGroupTargetAssignmentMemberValue(v, record.valueVersion, record.value);
        break;
      case 'ConsumerGroupCurrentMemberAssignment':
        encodeConsumerGroupCurrentMemberAssignmentKey(k, keyVersion, record.key);
        if (v !== null && record.value !== null) encodeConsumerGroupCurrentMemberAssignmentValue(v, record.valueVersion, record.value);
        break;
    }
    return { key: k.toBuffer(), value: v === null ? null : v.toBuffer() };
  }

  deserialize(key: Buffer, value: Buffer | null): CoordinatorRecord | null {
    const kr = new Reader(key);
    const keyVersion = kr.readInt16();
    let vr: Reader | null = null;
    let valueVersion = -1;
    if (value !== null) {
      vr = new Reader(value);
      valueVersion = vr.readInt16();
    }
    const end = (r: Reader | null): void => {
      if (r !== null && r.remaining > 0) throw new DecodeError(`${r.remaining} trailing bytes in a __consumer_offsets record`, r.offset);
    };
    let record: CoordinatorRecord;
    switch (keyVersion) {
      case 0:
      case 1:
        record = { type: 'OffsetCommit', key: decodeOffsetCommitKey(kr, keyVersion), value: vr === null ? null : decodeOffsetCommitValue(vr, valueVersion), valueVersion };
        break;
      case 2:
        record = { type: 'GroupMetadata', key: decodeGroupMetadataKey(kr, keyVersion), value: vr === null ? null : decodeGroupMetadataValue(vr, valueVersion), valueVersion };
        break;
      case 3:
        record = { type: 'ConsumerGroupMetadata', key: decodeConsumerGroupMetadataKey(kr, keyVersion), value: vr === null ? null : decodeConsumerGroupMetadataValue(vr, valueVersion), valueVersion };
        break;
      case 4:
        record = { type: 'ConsumerGroupPartitionMetadata', key: decodeConsumerGroupPartitionMetadataKey(kr, keyVersion), value: vr === null ? null : decodeConsumerGroupPartitionMetadataValue(vr, valueVersion), valueVersion };
        break;
      case 5:
        record = { type: 'ConsumerGroupMemberMetadata', key: decodeConsumerGroupMemberMetadataKey(kr, keyVersion), value: vr === null ? null : decodeConsumerGroupMemberMetadataValue(vr, valueVersion), valueVersion };
        break;
      case 6:
        record = { type: 'ConsumerGroupTargetAssignmentMetadata', key: decodeConsumerGroupTargetAssignmentMetadataKey(kr, keyVersion), value: vr === null ? null : decodeConsumerGroupTargetAssignmentMetadataValue(vr, valueVersion), valueVersion };
        break;
      case 7:
        record = { type: 'ConsumerGroupTargetAssignmentMember', key: decodeConsumerGroupTargetAssignmentMemberKey(kr, keyVersion), value: vr === null ? null : decodeConsumerGroupTargetAssignmentMemberValue(vr, valueVersion), valueVersion };
        break;
      case 8:
        record = { type: 'ConsumerGroupCurrentMemberAssignment', key: decodeConsumerGroupCurrentMemberAssignmentKey(kr, keyVersion), value: vr === null ? null : decodeConsumerGroupCurrentMemberAssignmentValue(vr, valueVersion), valueVersion };
        break;
      default:
        return null;
    }
    // A value may carry fields of a newer version we do not know (tagged fields are skipped); only the key must be exact.
    end(kr);
    return record;
  }
}
