import type { CoordinatorRecord } from './coordinator-record.ts';
import type { OffsetAndMetadata } from './offset-and-metadata.ts';
import type { ClassicGroup } from './classic/classic-group.ts';

/**
 * Value versions Kafka writes today (MetadataVersion ≥ 2.3: `groupMetadataValueVersion()` = 3,
 * `offsetCommitValueVersion()` = 3, or 1 when the commit carries an explicit expire timestamp).
 */
const GROUP_METADATA_VALUE_VERSION = 3;
const OFFSET_COMMIT_VALUE_VERSION = 3;
const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;

/**
 * Builders of the classic-group and offset records of `__consumer_offsets`, after Kafka's
 * `GroupCoordinatorRecordHelpers`, so that a dump of the topic reads like Kafka's.
 */
export const GroupRecords = {
  /** GroupMetadata of a classic group with the given assignment per member. @throws Error if a member has no assignment or the group no protocol. */
  groupMetadata(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): CoordinatorRecord {
    const members = group.allMembers().map((m) => {
      if (group.protocolName === null) throw new Error(`group ${group.groupId} has members but no protocol`);
      const memberAssignment = assignment.get(m.memberId);
      if (memberAssignment === undefined) throw new Error(`member ${m.memberId} of group ${group.groupId} has no assignment`);
      return {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: m.metadata(group.protocolName),
        assignment: memberAssignment,
      };
    });
    return {
      type: 'GroupMetadata',
      key: { group: group.groupId },
      valueVersion: GROUP_METADATA_VALUE_VERSION,
      value: {
        protocolType: group.protocolType ?? '',
        generation: group.generationId,
        protocol: group.protocolName,
        leader: group.leaderId,
        currentStateTimestamp: group.currentStateTimestampMs ?? -1n,
        members,
      },
    };
  },

  /** GroupMetadata of a group that was just created (generation 0, no members). */
  emptyGroupMetadata(group: ClassicGroup): CoordinatorRecord {
    return {
      type: 'GroupMetadata',
      key: { group: group.groupId },
      valueVersion: GROUP_METADATA_VALUE_VERSION,
      value: { protocolType: '', generation: 0, protocol: null, leader: null, currentStateTimestamp: group.currentStateTimestampMs ?? -1n, members: [] },
    };
  },

  groupMetadataTombstone(groupId: string): CoordinatorRecord {
    return { type: 'GroupMetadata', key: { group: groupId }, valueVersion: -1, value: null };
  },

  offsetCommit(groupId: string, topic: string, partition: number, o: Omit<OffsetAndMetadata, 'recordOffset'>): CoordinatorRecord {
    return {
      type: 'OffsetCommit',
      key: { group: groupId, topic, partition },
      valueVersion: o.expireTimestampMs !== null ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY : OFFSET_COMMIT_VALUE_VERSION,
      value: {
        offset: o.committedOffset,
        leaderEpoch: o.leaderEpoch,
        metadata: o.metadata,
        commitTimestamp: o.commitTimestampMs,
        expireTimestamp: o.expireTimestampMs ?? -1n,
      },
    };
  },

  offsetCommitTombstone(groupId: string, topic: string, partition: number): CoordinatorRecord {
    return { type: 'OffsetCommit', key: { group: groupId, topic, partition }, valueVersion: -1, value: null };
  },
};
