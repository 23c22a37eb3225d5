import { ApiError } from '../../../common/api-error.ts';
import { randomUuid } from '../../../common/uuid.ts';
import { Errors } from '../../../protocol/generated/errors.ts';
import type { Input } from '../../../protocol/message-input.ts';
import type { MetadataImage } from '../../../metadata/metadata-image.ts';
import type { DescribedGroup } from '../../../protocol/generated/messages/describe-groups-response.ts';
import type { ConsumerGroupHeartbeatRequest } from '../../../protocol/generated/messages/consumer-group-heartbeat-request.ts';
import type { ConsumerGroupHeartbeatResponse } from '../../../protocol/generated/messages/consumer-group-heartbeat-response.ts';
import type { DescribedGroup as ConsumerDescribedGroup } from '../../../protocol/generated/messages/consumer-group-describe-response.ts';
import { assignmentsEqual, type Assignment, type PartitionAssignor } from '../assignor/partition-assignor.ts';
import { RangeAssignor } from '../assignor/range-assignor.ts';
import { UniformAssignor } from '../assignor/uniform-assignor.ts';
import type { CoordinatorRecord } from '../coordinator-record.ts';
import { EMPTY_RESULT, type GroupManagerContext, type GroupRequestContext, type Result } from '../group-manager-context.ts';
import { ClassicGroup } from '../classic/classic-group.ts';
import { ConsumerGroup, subscriptionMetadataEqual, type TopicMetadata } from './consumer-group.ts';
import { LEAVE_GROUP_MEMBER_EPOCH, LEAVE_GROUP_STATIC_MEMBER_EPOCH, MemberState, memberMetadataChanged, memberStateFromValue, sameTopicNames, type ConsumerGroupMember } from './consumer-group-member.ts';
import { ConsumerGroupRecords, fromTopicPartitions, toTopicPartitions } from './consumer-group-records.ts';
import { reconcileMember, type OwnedTopicPartitions } from './current-assignment-builder.ts';
import { buildTargetAssignment } from './target-assignment-builder.ts';

/** How often a group re-reads the metadata of its subscribed topics even without a new image (Kafka: 5 min). */
const METADATA_REFRESH_INTERVAL_MS = 300_000;

function sessionTimeoutKey(groupId: string, memberId: string): string {
  return `session-timeout-${groupId}-${memberId}`;
}
function rebalanceTimeoutKey(groupId: string, memberId: string): string {
  return `rebalance-timeout-${groupId}-${memberId}`;
}

function invalid(message: string): ApiError {
  return new ApiError(Errors.INVALID_REQUEST, message);
}

/**
 * The consumer group protocol of KIP-848 (ConsumerGroupHeartbeat, ConsumerGroupDescribe), after the consumer
 * half of Kafka's `GroupMetadataManager`. A heartbeat (1) creates or updates the member and bumps the group
 * epoch when subscriptions or the subscribed topics' metadata changed, (2) computes a new target assignment
 * with the server-side assignor when the group epoch is ahead of it, (3) moves the member towards its target
 * (revoke first, then assign free partitions: {@link reconcileMember}), and answers with the member epoch and,
 * when it changed, the assignment. Every change is a record replayed into the groups. Members are fenced
 * when their session (group.consumer.session.timeout.ms) expires or when they do not revoke within their
 * rebalance timeout.
 */
export class ConsumerGroupManager {
  readonly #ctx: GroupManagerContext;
  readonly #assignors: Map<string, PartitionAssignor>;
  readonly #defaultAssignor: PartitionAssignor;

  constructor(ctx: GroupManagerContext) {
    this.#ctx = ctx;
    const known: PartitionAssignor[] = [new UniformAssignor(), new RangeAssignor()];
    const wanted = ctx.config.consumerGroupAssignors.map((n) => n.toLowerCase());
    const enabled = known.filter((a) => wanted.some((w) => w === a.name || w.endsWith(`.${a.name}assignor`)));
    this.#assignors = new Map((enabled.length > 0 ? enabled : known).map((a) => [a.name, a]));
    const first = wanted.map((w) => [...this.#assignors.values()].find((a) => w === a.name || w.endsWith(`.${a.name}assignor`))).find((a) => a !== undefined);
    this.#defaultAssignor = first ?? this.#assignors.values().next().value!;
  }

  /** The consumer group `groupId`. @throws ApiError GROUP_ID_NOT_FOUND if absent or not a consumer group. */
  consumerGroup(groupId: string): ConsumerGroup {
    const g = this.#ctx.groups.get(groupId);
    if (g instanceof ConsumerGroup) return g;
    throw new ApiError(Errors.GROUP_ID_NOT_FOUND, g === undefined ? `consumer group ${groupId} not found` : `group ${groupId} is not a consumer group`);
  }

  /**
   * ConsumerGroupHeartbeat. @throws ApiError INVALID_REQUEST, UNSUPPORTED_ASSIGNOR, GROUP_ID_NOT_FOUND,
   * UNKNOWN_MEMBER_ID, FENCED_MEMBER_EPOCH, GROUP_MAX_SIZE_REACHED, UNRELEASED_INSTANCE_ID, FENCED_INSTANCE_ID.
   */
  heartbeat(context: GroupRequestContext, request: ConsumerGroupHeartbeatRequest): Result<Input<ConsumerGroupHeartbeatResponse>> {
    this.#validateRequest(request);
    if (request.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH || request.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      return this.#leave(request.groupId, request.instanceId, request.memberId, request.memberEpoch);
    }
    return this.#heartbeat(context, request);
  }

  #validateRequest(r: ConsumerGroupHeartbeatRequest): void {
    if (r.groupId === '') throw invalid("GroupId can't be empty.");
    if (r.instanceId === '') throw invalid("InstanceId can't be empty.");
    if (r.rackId === '') throw invalid("RackId can't be empty.");
    if (r.subscribedTopicRegex !== null) throw invalid('SubscribedTopicRegex is not supported yet.');
    if (r.memberEpoch > 0 || r.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) {
      if (r.memberId === '') throw invalid("MemberId can't be empty.");
    } else if (r.memberEpoch === 0) {
      if (r.rebalanceTimeoutMs === -1) throw invalid('RebalanceTimeoutMs must be provided in first request.');
      if (r.topicPartitions === null || r.topicPartitions.length > 0) throw invalid('TopicPartitions must be empty when (re-)joining.');
      if (r.subscribedTopicNames === null || r.subscribedTopicNames.length === 0) throw invalid('SubscribedTopicNames must be set in first request.');
    } else if (r.memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      if (r.memberId === '') throw invalid("MemberId can't be empty.");
      if (r.instanceId === null) throw invalid("InstanceId can't be null.");
    } else {
      throw invalid('MemberEpoch is invalid.');
    }
    if (r.serverAssignor !== null && !this.#assignors.has(r.serverAssignor)) {
      throw new ApiError(Errors.UNSUPPORTED_ASSIGNOR, `ServerAssignor ${r.serverAssignor} is not supported. Supported assignors: ${[...this.#assignors.keys()].join(', ')}.`);
    }
  }

  #getOrMaybeCreateGroup(groupId: string, create: boolean, records: CoordinatorRecord[]): ConsumerGroup {
    const g = this.#ctx.groups.get(groupId);
    if (g === undefined) {
      if (!create) throw new ApiError(Errors.GROUP_ID_NOT_FOUND, `consumer group ${groupId} not found`);
      return new ConsumerGroup(groupId);
    }
    if (g instanceof ConsumerGroup) return g;
    if (create && g instanceof ClassicGroup && g.isEmpty()) {
      // An empty classic group (e.g. one holding offsets only) becomes a consumer group; its offsets stay.
      g.createGroupTombstoneRecords(records);
      return new ConsumerGroup(groupId);
    }
    throw new ApiError(Errors.GROUP_ID_NOT_FOUND, `group ${groupId} is not a consumer group`);
  }

  #throwIfMemberEpochIsInvalid(member: ConsumerGroupMember, receivedEpoch: number, owned: OwnedTopicPartitions): void {
    if (receivedEpoch > member.memberEpoch) {
      throw new ApiError(Errors.FENCED_MEMBER_EPOCH, `The member has a greater epoch (${receivedEpoch}) than the coordinator's (${member.memberEpoch}); it must rejoin.`);
    }
    if (receivedEpoch < member.memberEpoch) {
      // The response with the bumped epoch may have been lost: accept the previous epoch with a subset of the assignment.
      if (receivedEpoch !== member.previousMemberEpoch || !isSubset(owned, member.assignedPartitions)) {
        throw new ApiError(Errors.FENCED_MEMBER_EPOCH, `The member has a smaller epoch (${receivedEpoch}) than the coordinator's (${member.memberEpoch}); it must rejoin.`);
      }
    }
  }

  #heartbeat(context: GroupRequestContext, request: ConsumerGroupHeartbeatRequest): Result<Input<ConsumerGroupHeartbeatResponse>> {
    const nowMs = this.#ctx.time.milliseconds();
    const records: CoordinatorRecord[] = [];
    const groupId = request.groupId;
    const create = request.memberEpoch === 0;
    const group = this.#getOrMaybeCreateGroup(groupId, create, records);
    const memberId = request.memberId === '' ? randomUuid() : request.memberId;
    if (group.numMembers >= this.#ctx.config.consumerGroupMaxSize && (request.memberId === '' || !group.hasMember(memberId))) {
      throw new ApiError(Errors.GROUP_MAX_SIZE_REACHED, `The consumer group has reached its maximum capacity of ${this.#ctx.config.consumerGroupMaxSize} members.`);
    }
    const owned: OwnedTopicPartitions = request.topicPartitions;
    let member: ConsumerGroupMember;
    let replacedMemberId: string | null = null;
    if (request.instanceId === null) {
      member = group.getOrMaybeCreateMember(memberId, create);
      this.#throwIfMemberEpochIsInvalid(member, request.memberEpoch, owned);
    } else {
      const existing = group.staticMember(request.instanceId);
      if (create) {
        if (existing === undefined) {
          member = group.getOrMaybeCreateMember(memberId, true);
        } else {
          // A static member rejoins: allowed only after the previous instance left temporarily (epoch -2).
          if (existing.memberEpoch !== LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
            throw new ApiError(Errors.UNRELEASED_INSTANCE_ID, `Static member ${existing.memberId} with instance id ${request.instanceId} is not released yet.`);
          }
          member = { ...existing, memberId, memberEpoch: 0, previousMemberEpoch: 0 };
          replacedMemberId = existing.memberId;
          this.#removeMemberRecords(records, groupId, existing.memberId);
          records.push(ConsumerGroupRecords.memberSubscription(groupId, member));
          records.push(ConsumerGroupRecords.targetAssignment(groupId, memberId, group.targetAssignmentOf(existing.memberId)));
          records.push(ConsumerGroupRecords.currentAssignment(groupId, member));
          this.#cancelTimers(groupId, existing.memberId);
        }
      } else {
        if (existing === undefined) throw new ApiError(Errors.UNKNOWN_MEMBER_ID, `Instance id ${request.instanceId} is unknown.`);
        if (existing.memberId !== memberId) throw new ApiError(Errors.FENCED_INSTANCE_ID, `Instance id ${request.instanceId} belongs to another member.`);
        this.#throwIfMemberEpochIsInvalid(existing, request.memberEpoch, owned);
        member = existing;
      }
    }

    // 1. Update the member; bump the group epoch if its subscription or the subscribed topics changed.
    let updated: ConsumerGroupMember = {
      ...member,
      instanceId: request.instanceId ?? member.instanceId,
      rackId: request.rackId ?? member.rackId,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs !== -1 ? request.rebalanceTimeoutMs : member.rebalanceTimeoutMs,
      serverAssignorName: request.serverAssignor ?? member.serverAssignorName,
      subscribedTopicNames: request.subscribedTopicNames ?? member.subscribedTopicNames,
      clientId: context.clientId,
      clientHost: context.clientHost,
    };
    // A replaced static member is not new: it takes over its instance's subscription and assignment.
    const isNewMember = !group.hasMember(updated.memberId) && replacedMemberId === null;
    let bumpGroupEpoch = false;
    if (isNewMember || memberMetadataChanged(member, updated)) {
      records.push(ConsumerGroupRecords.memberSubscription(groupId, updated));
      bumpGroupEpoch = isNewMember || !sameTopicNames(member.subscribedTopicNames, updated.subscribedTopicNames);
    }
    let groupEpoch = group.groupEpoch;
    let subscriptionMetadata = group.subscriptionMetadata;
    if (bumpGroupEpoch || group.hasMetadataExpired(nowMs)) {
      // `member` is the member before this request (a new one subscribes to nothing yet).
      const names = group.computeSubscribedTopicNames(member, updated);
      subscriptionMetadata = ConsumerGroup.computeSubscriptionMetadata(names, this.#ctx.image());
      if (!subscriptionMetadataEqual(subscriptionMetadata, group.subscriptionMetadata)) {
        bumpGroupEpoch = true;
        records.push(ConsumerGroupRecords.subscriptionMetadata(groupId, subscriptionMetadata));
      }
      if (bumpGroupEpoch) {
        groupEpoch += 1;
        records.push(ConsumerGroupRecords.epoch(groupId, groupEpoch));
        this.#ctx.metrics.recordConsumerRebalance();
        this.#ctx.logger.info({ groupId, groupEpoch }, 'bumped consumer group epoch');
      }
      group.setMetadataRefreshDeadline(nowMs + METADATA_REFRESH_INTERVAL_MS, groupEpoch);
    }

    // 2. A new target assignment when the group epoch moved ahead of it.
    let targetAssignmentEpoch: number;
    let target: Assignment;
    if (groupEpoch > group.assignmentEpoch) {
      const assignorName = group.computePreferredServerAssignor(member, updated) ?? this.#defaultAssignor.name;
      const assignor = this.#assignors.get(assignorName) ?? this.#defaultAssignor;
      const previousStatic = group.staticMemberId(updated.instanceId);
      const removed = previousStatic !== undefined && previousStatic !== updated.memberId ? previousStatic : null;
      const built = buildTargetAssignment(group, groupEpoch, assignor, subscriptionMetadata, updated, removed);
      records.push(...built.records);
      target = built.targets.get(updated.memberId) ?? new Map();
      targetAssignmentEpoch = groupEpoch;
    } else {
      targetAssignmentEpoch = group.assignmentEpoch;
      target = group.targetAssignmentOf(replacedMemberId ?? updated.memberId);
    }

    // 3. Reconcile the member towards its target.
    if (!(updated.state === MemberState.STABLE && updated.memberEpoch === targetAssignmentEpoch)) {
      const reconciled = reconcileMember(updated, targetAssignmentEpoch, target, (t, p) => group.currentPartitionEpoch(t, p), owned);
      if (reconciled !== updated) {
        records.push(ConsumerGroupRecords.currentAssignment(groupId, reconciled));
        if (reconciled.state === MemberState.UNREVOKED_PARTITIONS) this.#scheduleRebalanceTimeout(groupId, reconciled.memberId, reconciled.memberEpoch, reconciled.rebalanceTimeoutMs);
        else this.#ctx.timer.cancel(rebalanceTimeoutKey(groupId, reconciled.memberId));
      }
      updated = reconciled;
    } else if (isNewMember) {
      records.push(ConsumerGroupRecords.currentAssignment(groupId, updated));
    }
    this.#scheduleSessionTimeout(groupId, updated.memberId);

    const response: Input<ConsumerGroupHeartbeatResponse> = {
      errorCode: Errors.NONE,
      memberId: updated.memberId,
      memberEpoch: updated.memberEpoch,
      heartbeatIntervalMs: this.#ctx.config.consumerGroupHeartbeatIntervalMs,
    };
    // The assignment is sent on a full request (join, or after an error) or when it changed.
    const isFullRequest = request.memberEpoch === 0 || (request.rebalanceTimeoutMs !== -1 && request.subscribedTopicNames !== null && owned !== null);
    const assignment = isFullRequest || !assignmentsEqual(member.assignedPartitions, updated.assignedPartitions)
      ? { topicPartitions: toTopicPartitions(updated.assignedPartitions) }
      : null;
    return { records, response: { ...response, assignment } };
  }

  #leave(groupId: string, instanceId: string | null, memberId: string, memberEpoch: number): Result<Input<ConsumerGroupHeartbeatResponse>> {
    const group = this.consumerGroup(groupId);
    const response = { errorCode: Errors.NONE, memberId, memberEpoch, heartbeatIntervalMs: 0 };
    if (instanceId === null) {
      const member = group.getOrMaybeCreateMember(memberId, false);
      this.#ctx.logger.info({ groupId, memberId }, 'member left the consumer group');
      return this.#fenceMember(group, member, response);
    }
    const member = group.staticMember(instanceId);
    if (member === undefined) throw new ApiError(Errors.UNKNOWN_MEMBER_ID, `Instance id ${instanceId} is unknown.`);
    if (member.memberId !== memberId) throw new ApiError(Errors.FENCED_INSTANCE_ID, `Instance id ${instanceId} belongs to another member.`);
    if (memberEpoch === LEAVE_GROUP_STATIC_MEMBER_EPOCH) {
      // A static member leaving temporarily keeps its partitions until its session expires or it comes back.
      const leaving: ConsumerGroupMember = { ...member, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH, partitionsPendingRevocation: new Map() };
      return { records: [ConsumerGroupRecords.currentAssignment(groupId, leaving)], response: { ...response, memberId: member.memberId, memberEpoch: LEAVE_GROUP_STATIC_MEMBER_EPOCH } };
    }
    return this.#fenceMember(group, member, response);
  }

  /** Removes a member: tombstones, the subscription metadata without it, and a group epoch bump. */
  #fenceMember<T>(group: ConsumerGroup, member: ConsumerGroupMember, response: T): Result<T> {
    const records: CoordinatorRecord[] = [];
    this.#removeMemberRecords(records, group.groupId, member.memberId);
    const metadata = ConsumerGroup.computeSubscriptionMetadata(group.computeSubscribedTopicNames(member, undefined), this.#ctx.image());
    if (!subscriptionMetadataEqual(metadata, group.subscriptionMetadata)) records.push(ConsumerGroupRecords.subscriptionMetadata(group.groupId, metadata));
    records.push(ConsumerGroupRecords.epoch(group.groupId, group.groupEpoch + 1));
    this.#ctx.metrics.recordConsumerRebalance();
    this.#cancelTimers(group.groupId, member.memberId);
    return { records, response };
  }

  #removeMemberRecords(records: CoordinatorRecord[], groupId: string, memberId: string): void {
    records.push(ConsumerGroupRecords.currentAssignmentTombstone(groupId, memberId));
    records.push(ConsumerGroupRecords.targetAssignmentTombstone(groupId, memberId));
    records.push(ConsumerGroupRecords.memberSubscriptionTombstone(groupId, memberId));
  }

  #fenceMemberOperation(groupId: string, memberId: string, reason: string, expectedEpoch?: number): Result<void> {
    const group = this.#ctx.groups.get(groupId);
    if (!(group instanceof ConsumerGroup)) return EMPTY_RESULT;
    const member = group.members.get(memberId);
    if (member === undefined) return EMPTY_RESULT;
    if (expectedEpoch !== undefined && member.memberEpoch !== expectedEpoch) return EMPTY_RESULT;
    this.#ctx.logger.info({ groupId, memberId, reason }, 'member fenced from the consumer group');
    return this.#fenceMember(group, member, undefined);
  }

  #scheduleSessionTimeout(groupId: string, memberId: string): void {
    this.#ctx.timer.schedule(sessionTimeoutKey(groupId, memberId), this.#ctx.config.consumerGroupSessionTimeoutMs, () => this.#fenceMemberOperation(groupId, memberId, 'the member session expired'), true);
  }

  #scheduleRebalanceTimeout(groupId: string, memberId: string, memberEpoch: number, rebalanceTimeoutMs: number): void {
    this.#ctx.timer.schedule(rebalanceTimeoutKey(groupId, memberId), rebalanceTimeoutMs, () => this.#fenceMemberOperation(groupId, memberId, `it did not revoke its partitions within ${rebalanceTimeoutMs} ms`, memberEpoch), true);
  }

  #cancelTimers(groupId: string, memberId: string): void {
    this.#ctx.timer.cancel(sessionTimeoutKey(groupId, memberId));
    this.#ctx.timer.cancel(rebalanceTimeoutKey(groupId, memberId));
  }

  /** ConsumerGroupDescribe: each group with its epochs, assignor and members (assignment and target by topic). */
  describe(groupIds: readonly string[]): Input<ConsumerDescribedGroup>[] {
    const image = this.#ctx.image();
    const named = (a: Assignment): { topicPartitions: { topicId: string; topicName: string; partitions: number[] }[] } => ({
      topicPartitions: toTopicPartitions(a).map((tp) => ({ ...tp, topicName: image.topicsById.get(tp.topicId)?.name ?? '' })),
    });
    return groupIds.map((groupId): Input<ConsumerDescribedGroup> => {
      const group = this.#ctx.groups.get(groupId);
      if (!(group instanceof ConsumerGroup)) {
        return { groupId, errorCode: Errors.GROUP_ID_NOT_FOUND, errorMessage: group === undefined ? `Group ${groupId} not found.` : `Group ${groupId} is not a consumer group.` };
      }
      return {
        groupId,
        errorCode: Errors.NONE,
        groupState: group.state(),
        groupEpoch: group.groupEpoch,
        assignmentEpoch: group.assignmentEpoch,
        assignorName: group.computePreferredServerAssignor(undefined, undefined) ?? this.#defaultAssignor.name,
        members: [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          instanceId: m.instanceId,
          rackId: m.rackId,
          memberEpoch: m.memberEpoch,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: [...m.subscribedTopicNames],
          subscribedTopicRegex: m.subscribedTopicRegex,
          assignment: named(m.assignedPartitions),
          targetAssignment: named(group.targetAssignmentOf(m.memberId)),
        })),
      };
    });
  }

  /** DescribeGroups (classic API) for a consumer group: not a classic group. */
  describeAsClassic(group: ConsumerGroup): Input<DescribedGroup> {
    return { groupId: group.groupId, errorCode: Errors.GROUP_ID_NOT_FOUND, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
  }

  /** Replays a consumer group record (the group is created by its first record). */
  replay(record: CoordinatorRecord): void {
    switch (record.type) {
      case 'ConsumerGroupMetadata': {
        if (record.value !== null) {
          this.#persistedGroup(record.key.groupId, true)!.groupEpoch = record.value.epoch;
        } else {
          const g = this.#persistedGroup(record.key.groupId, false);
          if (g !== undefined && g.members.size === 0) this.#removeGroup(g);
        }
        break;
      }
      case 'ConsumerGroupPartitionMetadata': {
        const g = this.#persistedGroup(record.key.groupId, record.value !== null);
        if (g === undefined) break;
        g.subscriptionMetadata = record.value === null ? new Map() : new Map(record.value.topics.map((t): [string, TopicMetadata] => [t.topicName, {
          topicId: t.topicId,
          topicName: t.topicName,
          numPartitions: t.numPartitions,
          partitionRacks: new Map(t.partitionMetadata.map((p) => [p.partition, [...p.racks]])),
        }]));
        break;
      }
      case 'ConsumerGroupMemberMetadata': {
        const g = this.#persistedGroup(record.key.groupId, record.value !== null);
        if (g === undefined) break;
        const v = record.value;
        if (v !== null) {
          const old = g.getOrMaybeCreateMember(record.key.memberId, true);
          g.updateMember({
            ...old,
            instanceId: v.instanceId,
            rackId: v.rackId,
            clientId: v.clientId,
            clientHost: v.clientHost,
            subscribedTopicNames: [...v.subscribedTopicNames],
            subscribedTopicRegex: v.subscribedTopicRegex,
            rebalanceTimeoutMs: v.rebalanceTimeoutMs,
            serverAssignorName: v.serverAssignor,
          });
        } else {
          g.removeMember(record.key.memberId);
        }
        break;
      }
      case 'ConsumerGroupTargetAssignmentMetadata': {
        const g = this.#persistedGroup(record.key.groupId, record.value !== null);
        if (g !== undefined) g.assignmentEpoch = record.value === null ? -1 : record.value.assignmentEpoch;
        break;
      }
      case 'ConsumerGroupTargetAssignmentMember': {
        const g = this.#persistedGroup(record.key.groupId, record.value !== null);
        if (g === undefined) break;
        if (record.value !== null) g.targetAssignment.set(record.key.memberId, fromTopicPartitions(record.value.topicPartitions));
        else g.targetAssignment.delete(record.key.memberId);
        break;
      }
      case 'ConsumerGroupCurrentMemberAssignment': {
        const g = this.#persistedGroup(record.key.groupId, record.value !== null);
        if (g === undefined) break;
        const v = record.value;
        if (v !== null) {
          const old = g.getOrMaybeCreateMember(record.key.memberId, true);
          g.updateMember({
            ...old,
            memberEpoch: v.memberEpoch,
            previousMemberEpoch: v.previousMemberEpoch,
            state: memberStateFromValue(v.state),
            assignedPartitions: fromTopicPartitions(v.assignedPartitions),
            partitionsPendingRevocation: fromTopicPartitions(v.partitionsPendingRevocation),
          });
        } else {
          const old = g.members.get(record.key.memberId);
          if (old !== undefined) g.updateMember({ ...old, memberEpoch: LEAVE_GROUP_MEMBER_EPOCH, previousMemberEpoch: LEAVE_GROUP_MEMBER_EPOCH, assignedPartitions: new Map(), partitionsPendingRevocation: new Map() });
        }
        break;
      }
      default:
        break;
    }
  }

  /** The group for a replayed record; created (replacing an empty classic group) when `create`. */
  #persistedGroup(groupId: string, create: boolean): ConsumerGroup | undefined {
    const g = this.#ctx.groups.get(groupId);
    if (g instanceof ConsumerGroup) return g;
    if (!create) return undefined;
    if (g !== undefined && !g.isEmpty()) throw new Error(`group ${groupId} is not a consumer group`);
    const created = new ConsumerGroup(groupId);
    this.#ctx.groups.set(groupId, created);
    return created;
  }

  #removeGroup(group: ConsumerGroup): void {
    if (this.#ctx.groups.get(group.groupId) === group) this.#ctx.groups.delete(group.groupId);
    this.forgetGroup(group);
  }

  /** Cancels the timers of a group's members (deleted or replaced group). */
  forgetGroup(group: ConsumerGroup): void {
    for (const id of group.members.keys()) this.#cancelTimers(group.groupId, id);
  }

  /** The partition finished loading: members get a full session to heartbeat again. */
  onLoaded(group: ConsumerGroup): void {
    for (const m of group.members.values()) {
      this.#scheduleSessionTimeout(group.groupId, m.memberId);
      if (m.state === MemberState.UNREVOKED_PARTITIONS) this.#scheduleRebalanceTimeout(group.groupId, m.memberId, m.memberEpoch, m.rebalanceTimeoutMs);
    }
  }

  /** A new metadata image: groups re-check their subscribed topics at their next heartbeat. */
  onNewMetadataImage(_image: MetadataImage): void {
    for (const g of this.#ctx.groups.values()) if (g instanceof ConsumerGroup && g.subscribedTopicNames.size > 0) g.requestMetadataRefresh();
  }
}

function isSubset(owned: OwnedTopicPartitions, assignment: Assignment): boolean {
  if (owned === null) return false;
  for (const tp of owned) {
    const ps = assignment.get(tp.topicId);
    if (ps === undefined) return false;
    for (const p of tp.partitions) if (!ps.has(p)) return false;
  }
  return true;
}
