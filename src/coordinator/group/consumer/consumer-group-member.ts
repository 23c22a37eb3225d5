import type { Assignment } from '../assignor/partition-assignor.ts';

/**
 * Reconciliation state of a KIP-848 member (Kafka's `MemberState`, persisted as an int8):
 * - 0 STABLE: the member owns its target assignment at its epoch (or waits for a new one);
 * - 1 UNREVOKED_PARTITIONS: it must first give up `partitionsPendingRevocation` (it stays at its epoch);
 * - 2 UNRELEASED_PARTITIONS: it is at the target epoch but some target partitions are still owned by others;
 * - 127 UNKNOWN: a state written by a newer coordinator.
 */
export const MemberState = { STABLE: 0, UNREVOKED_PARTITIONS: 1, UNRELEASED_PARTITIONS: 2, UNKNOWN: 127 } as const;
export type MemberStateValue = (typeof MemberState)[keyof typeof MemberState];

/** The member epoch a member sends to leave the group. */
export const LEAVE_GROUP_MEMBER_EPOCH = -1;
/** The member epoch a static member sends to leave temporarily (it keeps its partitions until its session expires). */
export const LEAVE_GROUP_STATIC_MEMBER_EPOCH = -2;

/**
 * A member of a consumer (KIP-848) group, immutable like Kafka's `ConsumerGroupMember`: an update builds a new
 * object, and the old and new versions are compared to decide which records to write.
 */
export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  readonly state: MemberStateValue;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  /** max.poll.interval.ms: how long the member may take to revoke partitions. */
  readonly rebalanceTimeoutMs: number;
  readonly clientId: string;
  readonly clientHost: string;
  readonly subscribedTopicNames: readonly string[];
  readonly subscribedTopicRegex: string | null;
  readonly serverAssignorName: string | null;
  readonly assignedPartitions: Assignment;
  readonly partitionsPendingRevocation: Assignment;
}

/** A new member as Kafka's builder starts it (epoch 0, previous epoch -1, nothing assigned). */
export function newConsumerGroupMember(memberId: string): ConsumerGroupMember {
  return {
    memberId,
    memberEpoch: 0,
    previousMemberEpoch: -1,
    state: MemberState.STABLE,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: -1,
    clientId: '',
    clientHost: '',
    subscribedTopicNames: [],
    subscribedTopicRegex: null,
    serverAssignorName: null,
    assignedPartitions: new Map(),
    partitionsPendingRevocation: new Map(),
  };
}

/** Whether the member owns its target assignment of `targetAssignmentEpoch`. */
export function isReconciledTo(member: ConsumerGroupMember, targetAssignmentEpoch: number): boolean {
  return member.state === MemberState.STABLE && member.memberEpoch === targetAssignmentEpoch;
}

/** Maps a persisted state byte to a state (unknown values become UNKNOWN). */
export function memberStateFromValue(v: number): MemberStateValue {
  return v === 0 || v === 1 || v === 2 ? v : MemberState.UNKNOWN;
}

/** Whether the fields persisted by ConsumerGroupMemberMetadata differ. */
export function memberMetadataChanged(a: ConsumerGroupMember, b: ConsumerGroupMember): boolean {
  return a.instanceId !== b.instanceId || a.rackId !== b.rackId || a.rebalanceTimeoutMs !== b.rebalanceTimeoutMs || a.clientId !== b.clientId
    || a.clientHost !== b.clientHost || a.subscribedTopicRegex !== b.subscribedTopicRegex || a.serverAssignorName !== b.serverAssignorName
    || !sameTopicNames(a.subscribedTopicNames, b.subscribedTopicNames);
}

/** Whether two subscriptions name the same topics (order and duplicates do not matter). */
export function sameTopicNames(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((t) => sb.has(t));
}
