import type { Input } from '../../protocol/message-input.ts';
import type { ListedGroup } from '../../protocol/generated/messages/list-groups-response.ts';
import type { CoordinatorRecord } from './coordinator-record.ts';
import type { OffsetAndMetadata } from './offset-and-metadata.ts';

/** The kinds of groups this coordinator hosts (Kafka's `Group.GroupType`; share groups are not served). */
export type GroupType = 'classic' | 'consumer';

/**
 * Of an offset, the timestamp its retention counts from, or null when the group keeps it regardless
 * (Kafka's `OffsetExpirationCondition`). An offset with an explicit expire timestamp (OffsetCommit v2-4
 * retention_time_ms) expires at that time instead.
 */
export type OffsetExpirationBase = (offset: OffsetAndMetadata) => bigint;

/**
 * What the offset and admin paths need from a group of either protocol (Kafka's `Group` interface).
 * Validation methods throw an ApiError carrying the Kafka error code.
 */
export interface Group {
  readonly type: GroupType;
  readonly groupId: string;
  /** The state name DescribeGroups / ListGroups report (e.g. 'Stable', 'Empty'). */
  stateAsString(): string;
  /** Whether the group has no members (its offsets may expire and it may be deleted). */
  isEmpty(): boolean;
  /** Whether the group is in one of `states` (lower-case state names). */
  isInStates(states: ReadonlySet<string>): boolean;
  /** @throws ApiError COORDINATOR_NOT_AVAILABLE, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID, REBALANCE_IN_PROGRESS, STALE_MEMBER_EPOCH. */
  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationIdOrMemberEpoch: number, isTransactional: boolean, apiVersion: number): void;
  /** @throws ApiError GROUP_ID_NOT_FOUND, UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH. */
  validateOffsetFetch(memberId: string | null, memberEpoch: number): void;
  /** @throws ApiError GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP. */
  validateOffsetDelete(): void;
  /** @throws ApiError GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP. */
  validateDeleteGroup(): void;
  /** Whether an OffsetDelete for `topic` must be refused (GROUP_SUBSCRIBED_TO_TOPIC) and its offsets kept. */
  isSubscribedToTopic(topic: string): boolean;
  /** How this group's offsets expire now, or null if they are all kept. */
  offsetExpirationCondition(): OffsetExpirationBase | null;
  /** Appends the records that delete the group (not its offsets). */
  createGroupTombstoneRecords(records: CoordinatorRecord[]): void;
  asListedGroup(): Input<ListedGroup>;
}
