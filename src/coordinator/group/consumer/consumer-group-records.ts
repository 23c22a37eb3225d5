import type { Assignment } from '../assignor/partition-assignor.ts';
import type { CoordinatorRecord } from '../coordinator-record.ts';
import type { ConsumerGroupMember } from './consumer-group-member.ts';
import type { TopicMetadata } from './consumer-group.ts';

/** An assignment as the records' TopicPartitions list (sorted for stable bytes). */
export function toTopicPartitions(a: Assignment): { topicId: string; partitions: number[] }[] {
  return [...a]
    .filter(([, ps]) => ps.size > 0)
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
    .map(([topicId, ps]) => ({ topicId, partitions: [...ps].sort((x, y) => x - y) }));
}

/** The records' TopicPartitions list as an assignment. */
export function fromTopicPartitions(list: readonly { topicId: string; partitions: readonly number[] }[]): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const tp of list) {
    let ps = out.get(tp.topicId);
    if (ps === undefined) out.set(tp.topicId, (ps = new Set()));
    for (const p of tp.partitions) ps.add(p);
  }
  return out;
}

/**
 * Builders of the consumer-group (KIP-848) records of `__consumer_offsets`, after Kafka's
 * `GroupCoordinatorRecordHelpers` (all values are version 0).
 */
export const ConsumerGroupRecords = {
  memberSubscription(groupId: string, m: ConsumerGroupMember): CoordinatorRecord {
    return {
      type: 'ConsumerGroupMemberMetadata',
      key: { groupId, memberId: m.memberId },
      valueVersion: 0,
      value: {
        instanceId: m.instanceId,
        rackId: m.rackId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: [...m.subscribedTopicNames],
        subscribedTopicRegex: m.subscribedTopicRegex,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        serverAssignor: m.serverAssignorName,
        classicMemberMetadata: null,
      },
    };
  },

  memberSubscriptionTombstone(groupId: string, memberId: string): CoordinatorRecord {
    return { type: 'ConsumerGroupMemberMetadata', key: { groupId, memberId }, valueVersion: -1, value: null };
  },

  subscriptionMetadata(groupId: string, metadata: ReadonlyMap<string, TopicMetadata>): CoordinatorRecord {
    return {
      type: 'ConsumerGroupPartitionMetadata',
      key: { groupId },
      valueVersion: 0,
      value: {
        topics: [...metadata.values()].map((t) => ({
          topicId: t.topicId,
          topicName: t.topicName,
          numPartitions: t.numPartitions,
          partitionMetadata: [...t.partitionRacks].sort((a, b) => a[0] - b[0]).map(([partition, racks]) => ({ partition, racks: [...racks] })),
        })),
      },
    };
  },

  subscriptionMetadataTombstone(groupId: string): CoordinatorRecord {
    return { type: 'ConsumerGroupPartitionMetadata', key: { groupId }, valueVersion: -1, value: null };
  },

  epoch(groupId: string, epoch: number): CoordinatorRecord {
    return { type: 'ConsumerGroupMetadata', key: { groupId }, valueVersion: 0, value: { epoch } };
  },

  epochTombstone(groupId: string): CoordinatorRecord {
    return { type: 'ConsumerGroupMetadata', key: { groupId }, valueVersion: -1, value: null };
  },

  targetAssignment(groupId: string, memberId: string, assignment: Assignment): CoordinatorRecord {
    return { type: 'ConsumerGroupTargetAssignmentMember', key: { groupId, memberId }, valueVersion: 0, value: { topicPartitions: toTopicPartitions(assignment) } };
  },

  targetAssignmentTombstone(groupId: string, memberId: string): CoordinatorRecord {
    return { type: 'ConsumerGroupTargetAssignmentMember', key: { groupId, memberId }, valueVersion: -1, value: null };
  },

  targetAssignmentEpoch(groupId: string, assignmentEpoch: number): CoordinatorRecord {
    return { type: 'ConsumerGroupTargetAssignmentMetadata', key: { groupId }, valueVersion: 0, value: { assignmentEpoch } };
  },

  targetAssignmentEpochTombstone(groupId: string): CoordinatorRecord {
    return { type: 'ConsumerGroupTargetAssignmentMetadata', key: { groupId }, valueVersion: -1, value: null };
  },

  currentAssignment(groupId: string, m: ConsumerGroupMember): CoordinatorRecord {
    return {
      type: 'ConsumerGroupCurrentMemberAssignment',
      key: { groupId, memberId: m.memberId },
      valueVersion: 0,
      value: {
        memberEpoch: m.memberEpoch,
        previousMemberEpoch: m.previousMemberEpoch,
        state: m.state,
        assignedPartitions: toTopicPartitions(m.assignedPartitions),
        partitionsPendingRevocation: toTopicPartitions(m.partitionsPendingRevocation),
      },
    };
  },

  currentAssignmentTombstone(groupId: string, memberId: string): CoordinatorRecord {
    return { type: 'ConsumerGroupCurrentMemberAssignment', key: { groupId, memberId }, valueVersion: -1, value: null };
  },
};
