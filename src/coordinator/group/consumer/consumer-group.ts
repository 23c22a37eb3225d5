import { ApiError } from '../../../common/api-error.ts';
import { Errors } from '../../../protocol/generated/errors.ts';
import type { Input } from '../../../protocol/message-input.ts';
import type { ListedGroup } from '../../../protocol/generated/messages/list-groups-response.ts';
import type { MetadataImage } from '../../../metadata/metadata-image.ts';
import type { Assignment } from '../assignor/partition-assignor.ts';
import type { CoordinatorRecord } from '../coordinator-record.ts';
import type { Group, OffsetExpirationBase } from '../group.ts';
import { ConsumerGroupRecords } from './consumer-group-records.ts';
import { isReconciledTo, MemberState, newConsumerGroupMember, type ConsumerGroupMember } from './consumer-group-member.ts';

/** Metadata of a subscribed topic as the group last saw it (ConsumerGroupPartitionMetadata). */
export interface TopicMetadata {
  readonly topicId: string;
  readonly topicName: string;
  readonly numPartitions: number;
  /** Racks of each partition's replicas (empty when brokers have no rack). */
  readonly partitionRacks: ReadonlyMap<number, readonly string[]>;
}

/**
 * States of a consumer group (Kafka's `ConsumerGroupState`), derived from its epochs and members:
 *
 * | state       | when                                                                    |
 * |-------------|-------------------------------------------------------------------------|
 * | Empty       | no members                                                              |
 * | Assigning   | group epoch > target assignment epoch (a new target must be computed)   |
 * | Reconciling | some member has not reached the target assignment at its epoch          |
 * | Stable      | every member owns its target assignment at the target epoch             |
 */
export type ConsumerGroupState = 'Empty' | 'Assigning' | 'Reconciling' | 'Stable';

function topicMetadataEqual(a: TopicMetadata, b: TopicMetadata): boolean {
  if (a.topicId !== b.topicId || a.topicName !== b.topicName || a.numPartitions !== b.numPartitions || a.partitionRacks.size !== b.partitionRacks.size) return false;
  for (const [p, racks] of a.partitionRacks) {
    const other = b.partitionRacks.get(p);
    if (other === undefined || other.length !== racks.length || racks.some((r, i) => other[i] !== r)) return false;
  }
  return true;
}

/** Whether two subscription metadata maps are equal. */
export function subscriptionMetadataEqual(a: ReadonlyMap<string, TopicMetadata>, b: ReadonlyMap<string, TopicMetadata>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, m] of a) {
    const other = b.get(name);
    if (other === undefined || !topicMetadataEqual(m, other)) return false;
  }
  return true;
}

/**
 * A group using the consumer rebalance protocol (KIP-848), after Kafka's `ConsumerGroup`: the group epoch
 * (bumped when subscriptions or subscribed topics change), the target assignment and its epoch, the members
 * with their current assignments, and which member epoch owns each partition (a partition is handed to a new
 * owner only after the previous one revoked it). All of it is rebuilt by replaying the group's records.
 */
export class ConsumerGroup implements Group {
  readonly type = 'consumer' as const;
  readonly groupId: string;
  groupEpoch = 0;
  assignmentEpoch = 0;
  readonly members = new Map<string, ConsumerGroupMember>();
  readonly #staticMembers = new Map<string, string>();
  /** Subscribed topic name → number of members subscribing. */
  readonly subscribedTopicNames = new Map<string, number>();
  subscriptionMetadata: ReadonlyMap<string, TopicMetadata> = new Map();
  readonly targetAssignment = new Map<string, Assignment>();
  readonly #currentPartitionEpoch = new Map<string, Map<number, number>>();
  readonly #serverAssignors = new Map<string, number>();
  #metadataRefreshDeadlineMs = 0;
  #metadataRefreshEpoch = -1;

  constructor(groupId: string) {
    this.groupId = groupId;
  }

  state(): ConsumerGroupState {
    if (this.members.size === 0) return 'Empty';
    if (this.groupEpoch > this.assignmentEpoch) return 'Assigning';
    for (const m of this.members.values()) if (!isReconciledTo(m, this.assignmentEpoch)) return 'Reconciling';
    return 'Stable';
  }

  stateAsString(): string {
    return this.state();
  }

  isEmpty(): boolean {
    return this.members.size === 0;
  }

  isInStates(states: ReadonlySet<string>): boolean {
    return states.has(this.state().toLowerCase());
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get numMembers(): number {
    return this.members.size;
  }

  /** The member, or (with `create`) a new one not yet in the group. @throws ApiError UNKNOWN_MEMBER_ID. */
  getOrMaybeCreateMember(memberId: string, create: boolean): ConsumerGroupMember {
    const m = this.members.get(memberId);
    if (m !== undefined) return m;
    if (!create) throw new ApiError(Errors.UNKNOWN_MEMBER_ID, `member ${memberId} is not a member of group ${this.groupId}`);
    return newConsumerGroupMember(memberId);
  }

  staticMember(instanceId: string): ConsumerGroupMember | undefined {
    const id = this.#staticMembers.get(instanceId);
    return id === undefined ? undefined : this.members.get(id);
  }

  staticMemberId(instanceId: string | null): string | undefined {
    return instanceId === null ? undefined : this.#staticMembers.get(instanceId);
  }

  /** Adds or replaces a member (replay), keeping the indexes (subscriptions, assignors, partition owners) right. */
  updateMember(member: ConsumerGroupMember): void {
    const old = this.members.get(member.memberId);
    this.members.set(member.memberId, member);
    this.#updateIndexes(old, member);
  }

  removeMember(memberId: string): void {
    const old = this.members.get(memberId);
    if (old === undefined) return;
    this.members.delete(memberId);
    this.#updateIndexes(old, undefined);
  }

  #updateIndexes(old: ConsumerGroupMember | undefined, next: ConsumerGroupMember | undefined): void {
    for (const t of new Set(old?.subscribedTopicNames ?? [])) {
      const n = (this.subscribedTopicNames.get(t) ?? 0) - 1;
      if (n <= 0) this.subscribedTopicNames.delete(t);
      else this.subscribedTopicNames.set(t, n);
    }
    for (const t of new Set(next?.subscribedTopicNames ?? [])) this.subscribedTopicNames.set(t, (this.subscribedTopicNames.get(t) ?? 0) + 1);
    if (old?.serverAssignorName != null) {
      const n = (this.#serverAssignors.get(old.serverAssignorName) ?? 0) - 1;
      if (n <= 0) this.#serverAssignors.delete(old.serverAssignorName);
      else this.#serverAssignors.set(old.serverAssignorName, n);
    }
    if (next?.serverAssignorName != null) this.#serverAssignors.set(next.serverAssignorName, (this.#serverAssignors.get(next.serverAssignorName) ?? 0) + 1);
    if (old !== undefined) {
      this.#removePartitionEpochs(old.assignedPartitions, old.memberEpoch);
      this.#removePartitionEpochs(old.partitionsPendingRevocation, old.memberEpoch);
      if (old.instanceId !== null && this.#staticMembers.get(old.instanceId) === old.memberId) this.#staticMembers.delete(old.instanceId);
    }
    if (next !== undefined) {
      this.#addPartitionEpochs(next.assignedPartitions, next.memberEpoch);
      this.#addPartitionEpochs(next.partitionsPendingRevocation, next.memberEpoch);
      if (next.instanceId !== null) this.#staticMembers.set(next.instanceId, next.memberId);
    }
  }

  #removePartitionEpochs(assignment: Assignment, epoch: number): void {
    for (const [topicId, ps] of assignment) {
      const epochs = this.#currentPartitionEpoch.get(topicId);
      if (epochs === undefined) continue;
      for (const p of ps) if (epochs.get(p) === epoch) epochs.delete(p);
      if (epochs.size === 0) this.#currentPartitionEpoch.delete(topicId);
    }
  }

  #addPartitionEpochs(assignment: Assignment, epoch: number): void {
    for (const [topicId, ps] of assignment) {
      let epochs = this.#currentPartitionEpoch.get(topicId);
      if (epochs === undefined) this.#currentPartitionEpoch.set(topicId, (epochs = new Map()));
      for (const p of ps) epochs.set(p, epoch);
    }
  }

  /** Epoch of the member owning (or revoking) the partition, or -1 when it is free. */
  currentPartitionEpoch(topicId: string, partition: number): number {
    return this.#currentPartitionEpoch.get(topicId)?.get(partition) ?? -1;
  }

  /** The member's target assignment (empty if none). */
  targetAssignmentOf(memberId: string): Assignment {
    return this.targetAssignment.get(memberId) ?? new Map();
  }

  /** Subscribed topic names after replacing `oldMember` with `newMember` (either may be undefined). */
  computeSubscribedTopicNames(oldMember: ConsumerGroupMember | undefined, newMember: ConsumerGroupMember | undefined): Map<string, number> {
    const names = new Map(this.subscribedTopicNames);
    for (const t of new Set(oldMember?.subscribedTopicNames ?? [])) {
      const n = (names.get(t) ?? 0) - 1;
      if (n <= 0) names.delete(t);
      else names.set(t, n);
    }
    for (const t of new Set(newMember?.subscribedTopicNames ?? [])) names.set(t, (names.get(t) ?? 0) + 1);
    return names;
  }

  /** Metadata of the subscribed topics that exist in `image` (ids, partition counts, racks). */
  static computeSubscriptionMetadata(names: ReadonlyMap<string, number>, image: MetadataImage): Map<string, TopicMetadata> {
    const out = new Map<string, TopicMetadata>();
    for (const name of [...names.keys()].sort()) {
      const topic = image.topicsByName.get(name);
      if (topic === undefined) continue;
      const partitionRacks = new Map<number, string[]>();
      for (const [p, reg] of topic.partitions) {
        const racks = [...new Set(reg.replicas.map((id) => image.brokers.get(id)?.rack ?? null).filter((r): r is string => r !== null))].sort();
        partitionRacks.set(p, racks);
      }
      out.set(name, { topicId: topic.id, topicName: name, numPartitions: topic.partitions.size, partitionRacks });
    }
    return out;
  }

  /** The assignor most members asked for (after the member update), or null to use the default. */
  computePreferredServerAssignor(oldMember: ConsumerGroupMember | undefined, newMember: ConsumerGroupMember | undefined): string | null {
    const counts = new Map(this.#serverAssignors);
    if (oldMember?.serverAssignorName != null) counts.set(oldMember.serverAssignorName, (counts.get(oldMember.serverAssignorName) ?? 0) - 1);
    if (newMember !== undefined && newMember.serverAssignorName !== null) counts.set(newMember.serverAssignorName, (counts.get(newMember.serverAssignorName) ?? 0) + 1);
    let best: string | null = null;
    let bestCount = 0;
    for (const [name, n] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (n > bestCount) {
        best = name;
        bestCount = n;
      }
    }
    return best;
  }

  /** Whether the subscription metadata must be recomputed (deadline passed or group epoch moved). */
  hasMetadataExpired(nowMs: number): boolean {
    return nowMs >= this.#metadataRefreshDeadlineMs || this.groupEpoch !== this.#metadataRefreshEpoch;
  }

  setMetadataRefreshDeadline(deadlineMs: number, groupEpoch: number): void {
    this.#metadataRefreshDeadlineMs = deadlineMs;
    this.#metadataRefreshEpoch = groupEpoch;
  }

  /** Forces a metadata check at the next heartbeat (a subscribed topic changed). */
  requestMetadataRefresh(): void {
    this.#metadataRefreshDeadlineMs = 0;
  }

  /** Whether the member waits for a target partition another member still owns. */
  waitingOnUnreleasedPartition(member: ConsumerGroupMember): boolean {
    if (member.state !== MemberState.UNRELEASED_PARTITIONS) return false;
    for (const [topicId, ps] of this.targetAssignmentOf(member.memberId)) {
      const assigned = member.assignedPartitions.get(topicId);
      for (const p of ps) if (assigned?.has(p) !== true && this.currentPartitionEpoch(topicId, p) !== -1) return true;
    }
    return false;
  }

  validateOffsetCommit(memberId: string, _groupInstanceId: string | null, memberEpoch: number, isTransactional: boolean, apiVersion: number): void {
    // Admin clients and consumers without group management commit with epoch -1 into an empty group.
    if (memberEpoch < 0 && this.members.size === 0) return;
    const member = this.getOrMaybeCreateMember(memberId, false);
    if (!isTransactional && apiVersion < 9) throw new ApiError(Errors.UNSUPPORTED_VERSION, 'OffsetCommit version 9 or above must be used by members using the consumer group protocol');
    if (memberEpoch !== member.memberEpoch) throw new ApiError(Errors.STALE_MEMBER_EPOCH, `member epoch ${memberEpoch} is not ${member.memberEpoch}`);
  }

  validateOffsetFetch(memberId: string | null, memberEpoch: number): void {
    if (memberId === null && memberEpoch < 0) return;
    const member = memberId === null ? undefined : this.members.get(memberId);
    if (member === undefined) throw new ApiError(Errors.UNKNOWN_MEMBER_ID, `member ${memberId} is not a member of group ${this.groupId}`);
    if (memberEpoch !== member.memberEpoch) throw new ApiError(Errors.STALE_MEMBER_EPOCH, `member epoch ${memberEpoch} is not ${member.memberEpoch}`);
  }

  validateOffsetDelete(): void {}

  validateDeleteGroup(): void {
    if (this.state() !== 'Empty') throw new ApiError(Errors.NON_EMPTY_GROUP, `group ${this.groupId} is not empty`);
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopicNames.has(topic);
  }

  offsetExpirationCondition(): OffsetExpirationBase | null {
    return (o) => o.commitTimestampMs;
  }

  createGroupTombstoneRecords(records: CoordinatorRecord[]): void {
    for (const id of this.members.keys()) records.push(ConsumerGroupRecords.currentAssignmentTombstone(this.groupId, id));
    for (const id of this.members.keys()) records.push(ConsumerGroupRecords.targetAssignmentTombstone(this.groupId, id));
    records.push(ConsumerGroupRecords.targetAssignmentEpochTombstone(this.groupId));
    for (const id of this.members.keys()) records.push(ConsumerGroupRecords.memberSubscriptionTombstone(this.groupId, id));
    records.push(ConsumerGroupRecords.subscriptionMetadataTombstone(this.groupId));
    records.push(ConsumerGroupRecords.epochTombstone(this.groupId));
  }

  asListedGroup(): Input<ListedGroup> {
    return { groupId: this.groupId, protocolType: 'consumer', groupState: this.state(), groupType: 'consumer' };
  }
}
