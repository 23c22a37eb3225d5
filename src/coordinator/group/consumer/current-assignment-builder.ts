import { ApiError } from '../../../common/api-error.ts';
import { Errors } from '../../../protocol/generated/errors.ts';
import type { Assignment } from '../assignor/partition-assignor.ts';
import { MemberState, type ConsumerGroupMember } from './consumer-group-member.ts';

/** Partitions a member reports owning in its heartbeat (null: not reported, i.e. unchanged). */
export type OwnedTopicPartitions = readonly { readonly topicId: string; readonly partitions: readonly number[] }[] | null;

function ownsAny(owned: OwnedTopicPartitions, assignment: Assignment): boolean {
  if (owned === null) return true;
  for (const tp of owned) {
    const ps = assignment.get(tp.topicId);
    if (ps !== undefined && tp.partitions.some((p) => ps.has(p))) return true;
  }
  return false;
}

/**
 * Moves a member one step towards its target assignment, after Kafka's `CurrentAssignmentBuilder` (KIP-848
 * incremental reconciliation):
 * - partitions the member holds but the target does not are revoked first: the member stays at its epoch in
 *   UNREVOKED_PARTITIONS until its heartbeat no longer reports them;
 * - then it moves to the target epoch and gets the new partitions that are free; target partitions still
 *   owned by another member (their epoch is not -1) are withheld (UNRELEASED_PARTITIONS) until released.
 * So a partition is never owned by two members at once.
 * @param currentPartitionEpoch epoch of the member owning a partition, -1 when free.
 * @throws ApiError FENCED_MEMBER_EPOCH for a member in an unknown state that still reports partitions.
 */
export function reconcileMember(
  member: ConsumerGroupMember,
  targetAssignmentEpoch: number,
  targetAssignment: Assignment,
  currentPartitionEpoch: (topicId: string, partition: number) => number,
  owned: OwnedTopicPartitions,
): ConsumerGroupMember {
  const next = (memberEpoch: number): ConsumerGroupMember => computeNextAssignment(member, memberEpoch, targetAssignmentEpoch, targetAssignment, currentPartitionEpoch, owned);
  switch (member.state) {
    case MemberState.STABLE:
      return member.memberEpoch !== targetAssignmentEpoch ? next(member.memberEpoch) : member;
    case MemberState.UNREVOKED_PARTITIONS:
      if (ownsAny(owned, member.partitionsPendingRevocation)) return member;
      return next(member.memberEpoch + 1);
    case MemberState.UNRELEASED_PARTITIONS:
      return next(member.memberEpoch);
    default:
      if (owned === null || owned.length > 0) throw new ApiError(Errors.FENCED_MEMBER_EPOCH, 'The consumer group member is in an unknown state; it must abandon its partitions and rejoin.');
      return next(targetAssignmentEpoch);
  }
}

function computeNextAssignment(
  member: ConsumerGroupMember,
  memberEpoch: number,
  targetAssignmentEpoch: number,
  target: Assignment,
  currentPartitionEpoch: (topicId: string, partition: number) => number,
  owned: OwnedTopicPartitions,
): ConsumerGroupMember {
  let hasUnreleased = false;
  const assigned = new Map<string, Set<number>>();
  const pendingRevocation = new Map<string, Set<number>>();
  const pendingAssignment = new Map<string, Set<number>>();
  for (const topicId of new Set([...target.keys(), ...member.assignedPartitions.keys()])) {
    const targetPs = target.get(topicId) ?? new Set<number>();
    const current = member.assignedPartitions.get(topicId) ?? new Set<number>();
    const keep = new Set([...current].filter((p) => targetPs.has(p)));
    const revoke = new Set([...current].filter((p) => !keep.has(p)));
    const add = new Set<number>();
    for (const p of targetPs) {
      if (keep.has(p)) continue;
      if (currentPartitionEpoch(topicId, p) !== -1) hasUnreleased = true;
      else add.add(p);
    }
    if (keep.size > 0) assigned.set(topicId, keep);
    if (revoke.size > 0) pendingRevocation.set(topicId, revoke);
    if (add.size > 0) pendingAssignment.set(topicId, add);
  }
  const withEpoch = (epoch: number): Pick<ConsumerGroupMember, 'memberEpoch' | 'previousMemberEpoch'> => ({ memberEpoch: epoch, previousMemberEpoch: member.memberEpoch });
  if (pendingRevocation.size > 0 && ownsAny(owned, pendingRevocation)) {
    return { ...member, state: MemberState.UNREVOKED_PARTITIONS, ...withEpoch(memberEpoch), assignedPartitions: assigned, partitionsPendingRevocation: pendingRevocation };
  }
  for (const [topicId, ps] of pendingAssignment) {
    const set = assigned.get(topicId) ?? new Set<number>();
    for (const p of ps) set.add(p);
    assigned.set(topicId, set);
  }
  const state = hasUnreleased ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE;
  return { ...member, state, ...withEpoch(targetAssignmentEpoch), assignedPartitions: assigned, partitionsPendingRevocation: new Map() };
}
