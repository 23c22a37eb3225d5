import { ConsumerProtocol } from '../coordinator/group/consumer-protocol.ts';
import type { NodeEndpoint } from '../network/network-client.ts';
import { UnsupportedVersionError } from '../network/network-client-errors.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { ConsumerGroupDescribeResponse } from '../protocol/generated/messages/consumer-group-describe-response.ts';
import type { DeleteGroupsResponse } from '../protocol/generated/messages/delete-groups-response.ts';
import type { DescribeGroupsResponse } from '../protocol/generated/messages/describe-groups-response.ts';
import type { ListGroupsResponse } from '../protocol/generated/messages/list-groups-response.ts';
import type { OffsetCommitResponse } from '../protocol/generated/messages/offset-commit-response.ts';
import type { OffsetFetchResponse } from '../protocol/generated/messages/offset-fetch-response.ts';
import { AdminError, type AdminClient } from './admin-client.ts';

/** ListOffsets' special timestamps (Kafka's ListOffsetsRequest.LATEST_TIMESTAMP / EARLIEST_TIMESTAMP). */
export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;

/** Kafka's GroupState names, by their lower-case form (GroupState.parse is case-insensitive). */
const GROUP_STATES = new Map(['Unknown', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling'].map((s) => [s.toLowerCase(), s]));

/** "topic-partition", Kafka's TopicPartition.toString. */
export type TopicPartitionKey = string;

/** A member as Kafka's MemberDescription. */
export interface GroupMember {
  readonly consumerId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly host: string;
  /** Assigned partitions, as [topic, partition]. */
  readonly assignment: readonly (readonly [string, number])[];
  readonly targetAssignment: readonly (readonly [string, number])[];
  /** The member epoch (consumer groups), or null (classic). */
  readonly memberEpoch: number | null;
}

/** A group as Kafka's ConsumerGroupDescription. */
export interface GroupDescription {
  readonly groupId: string;
  /** Kafka's GroupState name: Stable, Empty, Dead, PreparingRebalance... */
  readonly state: string;
  readonly coordinator: NodeEndpoint;
  readonly partitionAssignor: string;
  readonly members: readonly GroupMember[];
  readonly groupEpoch: number | null;
  readonly targetAssignmentEpoch: number | null;
}

/** A group listed by ListGroups. */
export interface GroupListing {
  readonly groupId: string;
  readonly state: string;
  readonly type: string;
}

/**
 * The admin calls behind `kafka-broker consumer-groups` (what Kafka's ConsumerGroupCommand asks its Admin client):
 * ListGroups, ConsumerGroupDescribe with DescribeGroups for classic groups, OffsetFetch, ListOffsets at the partition
 * leaders, OffsetCommit of a reset, DeleteGroups. Broker errors are thrown as AdminError.
 */
export class ConsumerGroupService {
  readonly #client: AdminClient;

  constructor(client: AdminClient) {
    this.#client = client;
  }

  /** The consumer groups (classic with the consumer protocol, or consumer), filtered by lower-case `states`. */
  async listGroups(states: readonly string[]): Promise<GroupListing[]> {
    const r = await this.#client.send<ListGroupsResponse>(ApiKeys.ListGroups, { statesFilter: [...states], typesFilter: [] });
    if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, null);
    return r.groups
      .filter((g) => g.protocolType === 'consumer' || g.protocolType === '' || g.groupType === 'consumer')
      .map((g) => ({ groupId: g.groupId, state: stateName(g.groupState), type: g.groupType === '' ? (g.protocolType === 'consumer' ? 'Classic' : 'Unknown') : capitalize(g.groupType) }));
  }

  /**
   * Describes a group at its coordinator: ConsumerGroupDescribe (KIP-848), then DescribeGroups when it is not a
   * consumer group (GROUP_ID_NOT_FOUND, or a broker without the API). A group that does not exist is "Dead".
   */
  async describeGroup(groupId: string): Promise<GroupDescription> {
    const coordinator = await this.#client.groupCoordinator(groupId);
    try {
      const r = await this.#client.send<ConsumerGroupDescribeResponse>(ApiKeys.ConsumerGroupDescribe, { groupIds: [groupId], includeAuthorizedOperations: false }, { node: coordinator });
      const g = r.groups[0];
      if (g !== undefined && g.errorCode === Errors.NONE) {
        const pairs = (a: { topicPartitions: { topicName: string; partitions: number[] }[] }) => a.topicPartitions.flatMap((t) => t.partitions.map((p) => [t.topicName, p] as const));
        return {
          groupId,
          state: stateName(g.groupState),
          coordinator,
          partitionAssignor: g.assignorName,
          members: g.members.map((m) => ({ consumerId: m.memberId, groupInstanceId: m.instanceId, clientId: m.clientId, host: m.clientHost, assignment: pairs(m.assignment), targetAssignment: pairs(m.targetAssignment), memberEpoch: m.memberEpoch })),
          groupEpoch: g.groupEpoch,
          targetAssignmentEpoch: g.assignmentEpoch,
        };
      }
      if (g !== undefined && g.errorCode !== Errors.GROUP_ID_NOT_FOUND) throw new AdminError(g.errorCode, g.errorMessage);
    } catch (e) {
      if (!(e instanceof UnsupportedVersionError)) throw e;
    }
    const r = await this.#client.send<DescribeGroupsResponse>(ApiKeys.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false }, { node: coordinator });
    const g = r.groups[0];
    if (g === undefined) throw new Error(`DescribeGroups answered without group ${groupId}`);
    if (g.errorCode !== Errors.NONE) throw new AdminError(g.errorCode, null);
    if (g.protocolType !== '' && g.protocolType !== 'consumer') throw new Error(`Group ${groupId} is not a consumer group.`);
    return {
      groupId,
      state: stateName(g.groupState),
      coordinator,
      partitionAssignor: g.protocolData,
      members: g.members.map((m) => {
        const assignment = m.memberAssignment.length === 0 ? [] : ConsumerProtocol.deserializeAssignment(Buffer.from(m.memberAssignment)).assignedPartitions.flatMap((t) => t.partitions.map((p) => [t.topic, p] as const));
        return { consumerId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, host: m.clientHost, assignment, targetAssignment: [], memberEpoch: null };
      }),
      groupEpoch: null,
      targetAssignmentEpoch: null,
    };
  }

  /** The committed offsets of a group (OffsetFetch of all its partitions), keyed "topic-partition". */
  async committedOffsets(groupId: string): Promise<Map<TopicPartitionKey, { topic: string; partition: number; offset: bigint; leaderEpoch: number }>> {
    const coordinator = await this.#client.groupCoordinator(groupId);
    // v8+ (KIP-709, batched): every broker of Kafka 3.x/4.x offers it.
    const r = await this.#client.send<OffsetFetchResponse>(ApiKeys.OffsetFetch, { groups: [{ groupId, memberId: null, memberEpoch: -1, topics: null }], requireStable: true }, { node: coordinator, version: { min: 8 } });
    const group = r.groups.find((g) => g.groupId === groupId);
    if (group === undefined) throw new Error(`OffsetFetch answered without group ${groupId}`);
    if (group.errorCode !== Errors.NONE) throw new AdminError(group.errorCode, null);
    const out = new Map<TopicPartitionKey, { topic: string; partition: number; offset: bigint; leaderEpoch: number }>();
    for (const t of group.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== Errors.NONE) throw new AdminError(p.errorCode, null);
        if (p.committedOffset >= 0n) out.set(`${t.name}-${p.partitionIndex}`, { topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch });
      }
    }
    return out;
  }

  /**
   * The offsets at `timestamp` (LATEST_TIMESTAMP, EARLIEST_TIMESTAMP, or ms since the epoch) of each partition
   * (AdminClient.listOffsets); -1n when a timestamp finds no record; partitions without a leader are left out.
   * @throws AdminError for a partition's error.
   */
  async logOffsets(partitions: readonly (readonly [string, number])[], timestamp: (tp: readonly [string, number]) => bigint): Promise<Map<TopicPartitionKey, bigint>> {
    const out = new Map<TopicPartitionKey, bigint>();
    for (const [key, result] of await this.#client.listOffsets(partitions, timestamp)) {
      if (result.offset === null) throw new AdminError(result.errorCode, null);
      out.set(key, result.offset);
    }
    return out;
  }

  /** The partitions of `topics` (Metadata), with their leaders (-1: none). @throws AdminError for an unknown topic. */
  async partitionsOf(topics: readonly string[]): Promise<{ topic: string; partition: number; leader: number }[]> {
    if (topics.length === 0) return [];
    const metadata = await this.#client.metadata(topics);
    return metadata.topics.flatMap((t) => {
      if (t.errorCode !== Errors.NONE) throw new AdminError(t.errorCode, null);
      return t.partitions.map((p) => ({ topic: t.name!, partition: p.partitionIndex, leader: p.leaderId })).sort((a, b) => a.partition - b.partition);
    });
  }

  /**
   * Commits `offsets` for an inactive group as Kafka's Admin.alterConsumerGroupOffsets (OffsetCommit with no member
   * and generation -1). @throws AdminError with the first partition's error.
   */
  async alterOffsets(groupId: string, offsets: readonly { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    const coordinator = await this.#client.groupCoordinator(groupId);
    const topics = [...new Set(offsets.map((o) => o.topic))].map((name) => ({
      name,
      partitions: offsets.filter((o) => o.topic === name).map((o) => ({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: '' })),
    }));
    const r = await this.#client.send<OffsetCommitResponse>(ApiKeys.OffsetCommit, { groupId, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, topics }, { node: coordinator });
    for (const t of r.topics) for (const p of t.partitions) if (p.errorCode !== Errors.NONE) throw new AdminError(p.errorCode, null);
  }

  /** Deletes groups (DeleteGroups at each one's coordinator): the error of each, null when deleted. */
  async deleteGroups(groupIds: readonly string[]): Promise<Map<string, AdminError | null>> {
    const out = new Map<string, AdminError | null>();
    for (const groupId of groupIds) {
      const coordinator = await this.#client.groupCoordinator(groupId);
      const r = await this.#client.send<DeleteGroupsResponse>(ApiKeys.DeleteGroups, { groupsNames: [groupId] }, { node: coordinator });
      const result = r.results.find((g) => g.groupId === groupId);
      out.set(groupId, result === undefined || result.errorCode === Errors.NONE ? null : new AdminError(result.errorCode, null));
    }
    return out;
  }
}

/** Kafka's GroupState name of a broker's state string ("Unknown" for one it does not know). */
function stateName(state: string): string {
  return GROUP_STATES.get(state.toLowerCase()) ?? 'Unknown';
}

function capitalize(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1).toLowerCase();
}
