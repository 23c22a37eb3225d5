import type { OffsetCommitKey } from '../../protocol/generated/records/offset-commit-key.ts';
import type { OffsetCommitValue } from '../../protocol/generated/records/offset-commit-value.ts';
import type { GroupMetadataKey } from '../../protocol/generated/records/group-metadata-key.ts';
import type { GroupMetadataValue } from '../../protocol/generated/records/group-metadata-value.ts';
import type { ConsumerGroupMetadataKey } from '../../protocol/generated/records/consumer-group-metadata-key.ts';
import type { ConsumerGroupMetadataValue } from '../../protocol/generated/records/consumer-group-metadata-value.ts';
import type { ConsumerGroupPartitionMetadataKey } from '../../protocol/generated/records/consumer-group-partition-metadata-key.ts';
import type { ConsumerGroupPartitionMetadataValue } from '../../protocol/generated/records/consumer-group-partition-metadata-value.ts';
import type { ConsumerGroupMemberMetadataKey } from '../../protocol/generated/records/consumer-group-member-metadata-key.ts';
import type { ConsumerGroupMemberMetadataValue } from '../../protocol/generated/records/consumer-group-member-metadata-value.ts';
import type { ConsumerGroupTargetAssignmentMetadataKey } from '../../protocol/generated/records/consumer-group-target-assignment-metadata-key.ts';
import type { ConsumerGroupTargetAssignmentMetadataValue } from '../../protocol/generated/records/consumer-group-target-assignment-metadata-value.ts';
import type { ConsumerGroupTargetAssignmentMemberKey } from '../../protocol/generated/records/consumer-group-target-assignment-member-key.ts';
import type { ConsumerGroupTargetAssignmentMemberValue } from '../../protocol/generated/records/consumer-group-target-assignment-member-value.ts';
import type { ConsumerGroupCurrentMemberAssignmentKey } from '../../protocol/generated/records/consumer-group-current-member-assignment-key.ts';
import type { ConsumerGroupCurrentMemberAssignmentValue } from '../../protocol/generated/records/consumer-group-current-member-assignment-value.ts';

/**
 * A record of `__consumer_offsets`, Kafka's `CoordinatorRecord` (key + value messages with their versions).
 * The key's version selects the record type (Kafka's `GroupCoordinatorRecordSerde`): 0-1 OffsetCommit,
 * 2 GroupMetadata, 3 ConsumerGroupMetadata, 4 ConsumerGroupPartitionMetadata, 5 ConsumerGroupMemberMetadata,
 * 6 ConsumerGroupTargetAssignmentMetadata, 7 ConsumerGroupTargetAssignmentMember,
 * 8 ConsumerGroupCurrentMemberAssignment. A null value is a tombstone (the log cleaner then drops the key).
 */
export type CoordinatorRecord =
  | { readonly type: 'OffsetCommit'; readonly key: OffsetCommitKey; readonly value: OffsetCommitValue | null; readonly valueVersion: number }
  | { readonly type: 'GroupMetadata'; readonly key: GroupMetadataKey; readonly value: GroupMetadataValue | null; readonly valueVersion: number }
  | { readonly type: 'ConsumerGroupMetadata'; readonly key: ConsumerGroupMetadataKey; readonly value: ConsumerGroupMetadataValue | null; readonly valueVersion: number }
  | { readonly type: 'ConsumerGroupPartitionMetadata'; readonly key: ConsumerGroupPartitionMetadataKey; readonly value: ConsumerGroupPartitionMetadataValue | null; readonly valueVersion: number }
  | { readonly type: 'ConsumerGroupMemberMetadata'; readonly key: ConsumerGroupMemberMetadataKey; readonly value: ConsumerGroupMemberMetadataValue | null; readonly valueVersion: number }
  | { readonly type: 'ConsumerGroupTargetAssignmentMetadata'; readonly key: ConsumerGroupTargetAssignmentMetadataKey; readonly value: ConsumerGroupTargetAssignmentMetadataValue | null; readonly valueVersion: number }
  | { readonly type: 'ConsumerGroupTargetAssignmentMember'; readonly key: ConsumerGroupTargetAssignmentMemberKey; readonly value: ConsumerGroupTargetAssignmentMemberValue | null; readonly valueVersion: number }
  | { readonly type: 'ConsumerGroupCurrentMemberAssignment'; readonly key: ConsumerGroupCurrentMemberAssignmentKey; readonly value: ConsumerGroupCurrentMemberAssignmentValue | null; readonly valueVersion: number };

/** The key version that identifies each record type on the wire. */
export const RECORD_KEY_VERSIONS = {
  OffsetCommit: 1,
  GroupMetadata: 2,
  ConsumerGroupMetadata: 3,
  ConsumerGroupPartitionMetadata: 4,
  ConsumerGroupMemberMetadata: 5,
  ConsumerGroupTargetAssignmentMetadata: 6,
  ConsumerGroupTargetAssignmentMember: 7,
  ConsumerGroupCurrentMemberAssignment: 8,
} as const satisfies Record<CoordinatorRecord['type'], number>;
