import { assignmentsEqual, type Assignment, type AssignmentMemberSpec, type AssignmentTopic, type PartitionAssignor } from '../assignor/partition-assignor.ts';
import type { CoordinatorRecord } from '../coordinator-record.ts';
import type { ConsumerGroup, TopicMetadata } from './consumer-group.ts';
import type { ConsumerGroupMember } from './consumer-group-member.ts';
import { ConsumerGroupRecords } from './consumer-group-records.ts';

/**
 * Computes a group's new target assignment for `groupEpoch`, after Kafka's `TargetAssignmentBuilder`: the
 * group's members with `updated` applied (and `removedMemberId`, a replaced static member, left out) are given
 * to the assignor with their current targets (a static member that rejoined with a new id inherits the target
 * of its instance); records are written for the members whose target changed, then the assignment epoch.
 * @returns the new targets by member id and the records.
 */
export function buildTargetAssignment(
  group: ConsumerGroup,
  groupEpoch: number,
  assignor: PartitionAssignor,
  subscriptionMetadata: ReadonlyMap<string, TopicMetadata>,
  updated: ConsumerGroupMember,
  removedMemberId: string | null,
): { targets: Map<string, Assignment>; records: CoordinatorRecord[] } {
  const members = new Map(group.members);
  members.set(updated.memberId, updated);
  if (removedMemberId !== null) members.delete(removedMemberId);
  const topicIdByName = new Map([...subscriptionMetadata.values()].map((t) => [t.topicName, t.topicId]));
  const topics = new Map<string, AssignmentTopic>([...subscriptionMetadata.values()].map((t) => [t.topicId, { topicId: t.topicId, numPartitions: t.numPartitions }]));
  const specs: AssignmentMemberSpec[] = [...members.values()].map((m) => {
    let current = group.targetAssignment.get(m.memberId);
    if (current === undefined && m.instanceId !== null) {
      const previous = group.staticMemberId(m.instanceId);
      if (previous !== undefined) current = group.targetAssignment.get(previous);
    }
    return {
      memberId: m.memberId,
      instanceId: m.instanceId,
      rackId: m.rackId,
      subscribedTopicIds: new Set(m.subscribedTopicNames.map((n) => topicIdByName.get(n)).filter((id): id is string => id !== undefined)),
      currentAssignment: current ?? new Map(),
    };
  });
  const computed = assignor.assign(specs, topics);
  const records: CoordinatorRecord[] = [];
  const targets = new Map<string, Assignment>();
  for (const m of members.values()) {
    const next = computed.get(m.memberId) ?? new Map();
    targets.set(m.memberId, next);
    const previous = group.targetAssignment.get(m.memberId);
    if (previous === undefined || !assignmentsEqual(previous, next)) records.push(ConsumerGroupRecords.targetAssignment(group.groupId, m.memberId, next));
  }
  records.push(ConsumerGroupRecords.targetAssignmentEpoch(group.groupId, groupEpoch));
  return { targets, records };
}
