import { coordinatorAppendError } from '../../runtime/append-error.ts';
import { ApiError } from '../../../common/api-error.ts';
import { Errors } from '../../../protocol/generated/errors.ts';
import type { JoinGroupRequest } from '../../../protocol/generated/messages/join-group-request.ts';
import type { SyncGroupRequest } from '../../../protocol/generated/messages/sync-group-request.ts';
import type { HeartbeatRequest } from '../../../protocol/generated/messages/heartbeat-request.ts';
import type { HeartbeatResponse } from '../../../protocol/generated/messages/heartbeat-response.ts';
import type { LeaveGroupResponse, MemberResponse } from '../../../protocol/generated/messages/leave-group-response.ts';
import type { Input } from '../../../protocol/message-input.ts';
import type { CoordinatorRecord } from '../coordinator-record.ts';
import { GroupRecords } from '../group-records.ts';
import { EMPTY_RESULT, type GroupManagerContext, type GroupRequestContext, type Result } from '../group-manager-context.ts';
import { ClassicGroup } from './classic-group.ts';
import { ClassicGroupMember, type ClassicProtocol, type JoinGroupResult, type SyncGroupResult } from './classic-group-member.ts';
import { ClassicGroupRebalancer } from './classic-group-rebalancer.ts';

/** A member of a LeaveGroup request (v0-2 requests are normalized to one member). */
export interface LeavingMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly reason: string | null;
}

/** JoinGroup v4+ requires a known member id (KIP-394: MEMBER_ID_REQUIRED two-step join). */
function requiresKnownMemberId(apiVersion: number): boolean {
  return apiVersion >= 4;
}

/** JoinGroup v9+ lets a rejoining static leader skip the assignment (KIP-814). */
function supportsSkippingAssignment(apiVersion: number): boolean {
  return apiVersion >= 9;
}

/** Protocols of a request, deduplicated by name keeping the first (Kafka's JoinGroupRequestProtocolCollection). */
function protocolsOf(request: JoinGroupRequest): ClassicProtocol[] {
  const seen = new Set<string>();
  const out: ClassicProtocol[] = [];
  for (const p of request.protocols) {
    if (seen.has(p.name)) continue;
    seen.add(p.name);
    out.push({ name: p.name, metadata: Buffer.from(p.metadata) });
  }
  return out;
}

function isProtocolInconsistent(requested: string | null, current: string | null): boolean {
  return requested !== null && current !== null && requested !== current;
}

/**
 * The classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), after the classic half of Kafka's
 * `GroupMetadataManager`: every request runs as one coordinator operation on the group's shard; parked
 * JoinGroup/SyncGroup requests are answered through their `respond` callbacks when the rebalance
 * progresses; session, join and sync deadlines are shard timers (see {@link ClassicGroupRebalancer}).
 * Classic groups keep soft state in memory and persist a GroupMetadata snapshot (members, assignment,
 * generation) when a generation's assignment is stored or the group becomes empty; those records are not
 * replayed at write time (`replayRecords: false`), exactly like Kafka.
 */
export class ClassicGroupManager {
  readonly #ctx: GroupManagerContext;
  readonly #rebalancer: ClassicGroupRebalancer;

  constructor(ctx: GroupManagerContext) {
    this.#ctx = ctx;
    this.#rebalancer = new ClassicGroupRebalancer(ctx, (groupId) => this.classicGroupOrNull(groupId));
  }

  get rebalancer(): ClassicGroupRebalancer {
    return this.#rebalancer;
  }

  /** The classic group `groupId`, or null if absent or of another type. */
  classicGroupOrNull(groupId: string): ClassicGroup | null {
    const g = this.#ctx.groups.get(groupId);
    return g instanceof ClassicGroup ? g : null;
  }

  /**
   * The classic group `groupId`, created Empty when absent and `create`.
   * @throws ApiError GROUP_ID_NOT_FOUND when absent and not created, or when the group is not classic.
   */
  getOrMaybeCreateClassicGroup(groupId: string, create: boolean): ClassicGroup {
    const g = this.#ctx.groups.get(groupId);
    if (g === undefined) {
      if (!create) throw new ApiError(Errors.GROUP_ID_NOT_FOUND, `group ${groupId} not found`);
      const created = new ClassicGroup(groupId, 'Empty', this.#ctx.time);
      this.#ctx.groups.set(groupId, created);
      return created;
    }
    if (g instanceof ClassicGroup) return g;
    throw new ApiError(Errors.GROUP_ID_NOT_FOUND, `group ${groupId} is not a classic group`);
  }

  /**
   * JoinGroup: adds or updates the member and drives the rebalance; `respond` is called when the member's
   * join completes (possibly much later, when the generation forms). Errors are answered through `respond`.
   */
  join(context: GroupRequestContext, request: JoinGroupRequest, respond: (r: JoinGroupResult) => void): Result<void> {
    const existing = this.#ctx.groups.get(request.groupId);
    if (existing !== undefined && !(existing instanceof ClassicGroup)) {
      if (!existing.isEmpty()) {
        // Online migration of a consumer (KIP-848) group to classic members is not supported.
        respond({ memberId: '', errorCode: Errors.INCONSISTENT_GROUP_PROTOCOL });
        return EMPTY_RESULT;
      }
      // An empty consumer group is replaced by a classic one (Kafka converts it the same way).
      const records: CoordinatorRecord[] = [];
      existing.createGroupTombstoneRecords(records);
      this.#ctx.groups.delete(request.groupId);
      const r = this.#joinClassic(context, request, respond);
      return { ...r, records: [...records, ...r.records], replayRecords: false };
    }
    return this.#joinClassic(context, request, respond);
  }

  #joinClassic(context: GroupRequestContext, request: JoinGroupRequest, respond: (r: JoinGroupResult) => void): Result<void> {
    const memberId = request.memberId;
    const isUnknownMember = memberId === '';
    const isNewGroup = !this.#ctx.groups.has(request.groupId);
    let group: ClassicGroup;
    try {
      group = this.getOrMaybeCreateClassicGroup(request.groupId, isUnknownMember);
    } catch {
      respond({ memberId, errorCode: Errors.UNKNOWN_MEMBER_ID });
      return EMPTY_RESULT;
    }
    let result: Result<void> = EMPTY_RESULT;
    if (!this.#acceptJoiningMember(group, memberId)) {
      group.remove(memberId);
      respond({ memberId: '', errorCode: Errors.GROUP_MAX_SIZE_REACHED });
    } else if (isUnknownMember) {
      result = this.#joinNewMember(context, request, group, respond);
    } else {
      result = this.#joinExistingMember(context, request, group, respond);
    }
    if (isNewGroup && result.records.length === 0) {
      // Persist the new group so that it survives a restart even if its first join never completes.
      return {
        records: [GroupRecords.emptyGroupMetadata(group)],
        response: undefined,
        replayRecords: false,
        onAppendComplete: (err) => {
          if (err !== null) respond({ memberId, errorCode: appendErrorToResponseError(err) });
        },
      };
    }
    return result;
  }

  #acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    const max = this.#ctx.config.classicGroupMaxSize;
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        // Counting parked joins lets the last members to rejoin be the ones refused if the limit shrank.
        return (group.member(memberId)?.isAwaitingJoin ?? false) || group.numAwaitingJoinResponse < max;
      case 'CompletingRebalance':
      case 'Stable':
        return group.hasMember(memberId) || group.numMembers < max;
    }
  }

  #joinNewMember(context: GroupRequestContext, request: JoinGroupRequest, group: ClassicGroup, respond: (r: JoinGroupResult) => void): Result<void> {
    const protocols = protocolsOf(request);
    if (group.isInState('Dead')) {
      respond({ memberId: '', errorCode: Errors.COORDINATOR_NOT_AVAILABLE });
      return EMPTY_RESULT;
    }
    if (!group.supportsProtocols(request.protocolType, protocols)) {
      respond({ memberId: '', errorCode: Errors.INCONSISTENT_GROUP_PROTOCOL });
      return EMPTY_RESULT;
    }
    const newMemberId = group.generateMemberId(context.clientId, request.groupInstanceId);
    if (request.groupInstanceId !== null) {
      const existingMemberId = group.staticMemberId(request.groupInstanceId);
      if (existingMemberId !== undefined) {
        this.#ctx.logger.info({ groupId: group.groupId, groupInstanceId: request.groupInstanceId, state: group.state }, 'static member rejoins with an unknown member id; replacing the previous member id');
        return this.#updateStaticMemberThenRebalanceOrCompleteJoin(context, request, protocols, group, existingMemberId, newMemberId, respond);
      }
      return this.#addMemberThenRebalanceOrCompleteJoin(context, request, protocols, group, newMemberId, respond);
    }
    if (requiresKnownMemberId(context.apiVersion)) {
      // KIP-394: hand out the id and wait for the member to come back with it, so that a client retrying a
      // timed-out JoinGroup does not leave defunct members behind.
      group.addPendingMember(newMemberId);
      this.#rebalancer.schedulePendingMemberExpiry(group, newMemberId, request.sessionTimeoutMs);
      respond({ memberId: newMemberId, errorCode: Errors.MEMBER_ID_REQUIRED });
      return EMPTY_RESULT;
    }
    return this.#addMemberThenRebalanceOrCompleteJoin(context, request, protocols, group, newMemberId, respond);
  }

  #joinExistingMember(context: GroupRequestContext, request: JoinGroupRequest, group: ClassicGroup, respond: (r: JoinGroupResult) => void): Result<void> {
    const memberId = request.memberId;
    const protocols = protocolsOf(request);
    if (group.isInState('Dead')) {
      respond({ memberId, errorCode: Errors.COORDINATOR_NOT_AVAILABLE });
      return EMPTY_RESULT;
    }
    if (!group.supportsProtocols(request.protocolType, protocols)) {
      respond({ memberId, errorCode: Errors.INCONSISTENT_GROUP_PROTOCOL });
      return EMPTY_RESULT;
    }
    if (group.isPendingMember(memberId)) {
      if (request.groupInstanceId !== null) {
        respond({ memberId, errorCode: Errors.INVALID_REQUEST });
        return EMPTY_RESULT;
      }
      // The pending member comes back with its id: it joins now, with this request's client id and host.
      return this.#addMemberThenRebalanceOrCompleteJoin(context, request, protocols, group, memberId, respond);
    }
    try {
      group.validateMember(memberId, request.groupInstanceId);
    } catch (e) {
      respond({ memberId, errorCode: (e as ApiError).code, protocolType: null, protocolName: null });
      return EMPTY_RESULT;
    }
    const member = group.member(memberId)!;
    const reason = request.reason ?? 'not provided';
    switch (group.state) {
      case 'PreparingRebalance':
        return this.#updateMemberThenRebalanceOrCompleteJoin(request, protocols, group, member, `member ${memberId} joining during PreparingRebalance; client reason: ${reason}`, respond);
      case 'CompletingRebalance':
        if (member.matches(protocols)) {
          // Same metadata: the member probably missed its JoinGroup response; answer with the current generation.
          respond({
            members: group.isLeader(memberId) ? group.currentMembersForLeader() : [],
            memberId,
            generationId: group.generationId,
            protocolName: group.protocolName,
            protocolType: group.protocolType,
            leader: group.leaderId ?? '',
            skipAssignment: false,
            errorCode: Errors.NONE,
          });
          return EMPTY_RESULT;
        }
        return this.#updateMemberThenRebalanceOrCompleteJoin(request, protocols, group, member, `member ${memberId} updated its metadata during CompletingRebalance; client reason: ${reason}`, respond);
      case 'Stable':
        if (group.isLeader(memberId)) {
          // A leader rejoin forces a rebalance: it lets the leader react to changes the member metadata does not
          // show (e.g. a topic gained partitions).
          return this.#updateMemberThenRebalanceOrCompleteJoin(request, protocols, group, member, `leader ${memberId} rejoining; client reason: ${reason}`, respond);
        }
        if (!member.matches(protocols)) {
          return this.#updateMemberThenRebalanceOrCompleteJoin(request, protocols, group, member, `member ${memberId} updated its metadata; client reason: ${reason}`, respond);
        }
        respond({
          members: [],
          memberId,
          generationId: group.generationId,
          protocolName: group.protocolName,
          protocolType: group.protocolType,
          leader: group.leaderId ?? '',
          skipAssignment: false,
          errorCode: Errors.NONE,
        });
        return EMPTY_RESULT;
      default:
        this.#ctx.logger.warn({ groupId: group.groupId, memberId, state: group.state }, 'rejoining member in unexpected group state');
        respond({ memberId, errorCode: Errors.UNKNOWN_MEMBER_ID });
        return EMPTY_RESULT;
    }
  }

  #updateMemberThenRebalanceOrCompleteJoin(request: JoinGroupRequest, protocols: ClassicProtocol[], group: ClassicGroup, member: ClassicGroupMember, reason: string, respond: (r: JoinGroupResult) => void): Result<void> {
    group.updateMember(member, protocols, request.rebalanceTimeoutMs, request.sessionTimeoutMs, respond);
    return this.#rebalancer.maybePrepareRebalanceOrCompleteJoin(group, reason);
  }

  #addMemberThenRebalanceOrCompleteJoin(context: GroupRequestContext, request: JoinGroupRequest, protocols: ClassicProtocol[], group: ClassicGroup, memberId: string, respond: (r: JoinGroupResult) => void): Result<void> {
    const member = new ClassicGroupMember({
      memberId,
      groupInstanceId: request.groupInstanceId,
      clientId: context.clientId,
      clientHost: context.clientHost,
      rebalanceTimeoutMs: request.rebalanceTimeoutMs,
      sessionTimeoutMs: request.sessionTimeoutMs,
      protocolType: request.protocolType,
      supportedProtocols: protocols,
    });
    member.isNew = true;
    // A member joining during the initial delay extends it (up to the rebalance timeout).
    if (group.isInState('PreparingRebalance') && group.previousState === 'Empty') group.newMemberAdded = true;
    group.add(member, respond);
    // New members cannot heartbeat yet and parked sockets hide disconnects: expire their join after a while.
    this.#rebalancer.rescheduleHeartbeat(group, member, this.#ctx.config.classicGroupNewMemberJoinTimeoutMs);
    return this.#rebalancer.maybePrepareRebalanceOrCompleteJoin(group, `adding new member ${memberId} with group instance id ${request.groupInstanceId}; client reason: ${request.reason ?? 'not provided'}`);
  }

  #updateStaticMemberThenRebalanceOrCompleteJoin(
    context: GroupRequestContext,
    request: JoinGroupRequest,
    protocols: ClassicProtocol[],
    group: ClassicGroup,
    oldMemberId: string,
    newMemberId: string,
    respond: (r: JoinGroupResult) => void,
  ): Result<void> {
    const groupInstanceId = request.groupInstanceId!;
    const currentLeader = group.leaderId;
    const newMember = group.replaceStaticMember(groupInstanceId, oldMemberId, newMemberId);
    // The old member id's session timer now finds no member; a new one starts for the new id.
    this.#rebalancer.cancelHeartbeat(group, oldMemberId);
    this.#rebalancer.rescheduleHeartbeat(group, newMember);
    const oldRebalanceTimeoutMs = newMember.rebalanceTimeoutMs;
    const oldSessionTimeoutMs = newMember.sessionTimeoutMs;
    const oldProtocols = newMember.supportedProtocols;
    group.updateMember(newMember, protocols, request.rebalanceTimeoutMs, request.sessionTimeoutMs, respond);
    if (group.isInState('Stable')) {
      if ((group.protocolName ?? '') === group.selectProtocol()) {
        // KIP-345: the restarted static member gets its previous assignment back without a rebalance; only
        // the new member id is persisted.
        const assignment = group.groupAssignment();
        return {
          records: [GroupRecords.groupMetadata(group, assignment)],
          response: undefined,
          replayRecords: false,
          onAppendComplete: (err) => {
            if (err !== null) {
              this.#ctx.logger.warn({ err, groupId: group.groupId, groupInstanceId }, 'could not persist the replaced static member; reverting');
              group.updateMember(newMember, oldProtocols, oldRebalanceTimeoutMs, oldSessionTimeoutMs, null);
              const oldMember = group.replaceStaticMember(groupInstanceId, newMemberId, oldMemberId);
              this.#rebalancer.cancelHeartbeat(group, newMemberId);
              this.#rebalancer.rescheduleHeartbeat(group, oldMember);
              respond({
                memberId: '',
                generationId: group.generationId,
                protocolName: group.protocolName,
                protocolType: group.protocolType,
                leader: currentLeader ?? '',
                skipAssignment: false,
                errorCode: appendErrorToResponseError(err),
              });
            } else if (supportsSkippingAssignment(context.apiVersion)) {
              const isLeader = group.isLeader(newMemberId);
              group.completeJoin(newMember, {
                members: isLeader ? group.currentMembersForLeader() : [],
                memberId: newMemberId,
                generationId: group.generationId,
                protocolName: group.protocolName,
                protocolType: group.protocolType,
                leader: group.leaderId ?? '',
                skipAssignment: isLeader,
                errorCode: Errors.NONE,
              });
            } else {
              // Older clients must not run the assignor: they are told the old leader leads.
              group.completeJoin(newMember, {
                members: [],
                memberId: newMemberId,
                generationId: group.generationId,
                protocolName: group.protocolName,
                protocolType: group.protocolType,
                leader: currentLeader ?? '',
                skipAssignment: false,
                errorCode: Errors.NONE,
              });
            }
          },
        };
      }
      return this.#rebalancer.maybePrepareRebalanceOrCompleteJoin(group, `static member ${newMemberId} (${groupInstanceId}) joined with another protocol`);
    }
    if (group.isInState('CompletingRebalance')) {
      // The leader may already be assigning with the old member id: start over.
      return this.#rebalancer.prepareRebalance(group, `updating metadata of static member ${newMemberId} (${groupInstanceId})`);
    }
    if (group.isInState('Empty') || group.isInState('Dead')) {
      throw new Error(`group ${group.groupId} was not supposed to be ${group.state} when static member ${groupInstanceId} rejoins`);
    }
    return this.#rebalancer.maybeCompleteJoinPhase(group);
  }

  /** SyncGroup: followers wait for the leader's assignment; the leader's assignment is stored then propagated. */
  sync(request: SyncGroupRequest, respond: (r: SyncGroupResult) => void): Result<void> {
    const group = this.#ctx.groups.get(request.groupId);
    if (group === undefined || group.isEmpty() || !(group instanceof ClassicGroup)) {
      respond({ errorCode: Errors.UNKNOWN_MEMBER_ID });
      return EMPTY_RESULT;
    }
    const memberId = request.memberId;
    const error = this.#validateSyncGroup(group, request);
    if (error !== Errors.NONE) {
      respond({ errorCode: error });
      return EMPTY_RESULT;
    }
    switch (group.state) {
      case 'PreparingRebalance':
        respond({ errorCode: Errors.REBALANCE_IN_PROGRESS });
        return EMPTY_RESULT;
      case 'CompletingRebalance': {
        const syncing = group.member(memberId)!;
        // A second SyncGroup of the member replaces the first; answer the first so its connection is not stuck.
        syncing.awaitingSync?.({ errorCode: Errors.REBALANCE_IN_PROGRESS });
        syncing.awaitingSync = respond;
        this.#rebalancer.removePendingSyncMember(group, memberId);
        if (!group.isLeader(memberId)) return EMPTY_RESULT;
        const assignment = new Map<string, Buffer>();
        for (const a of request.assignments) assignment.set(a.memberId, Buffer.from(a.assignment));
        const missing = group.allMemberIds().filter((id) => !assignment.has(id));
        for (const id of missing) assignment.set(id, Buffer.alloc(0));
        if (missing.length > 0) this.#ctx.logger.warn({ groupId: group.groupId, generationId: group.generationId, missing }, 'leader sent no assignment for some members; they get an empty one');
        // Only members of this generation are stored.
        for (const id of [...assignment.keys()]) if (!group.hasMember(id)) assignment.delete(id);
        const generationId = request.generationId;
        return {
          records: [GroupRecords.groupMetadata(group, assignment)],
          response: undefined,
          replayRecords: false,
          onAppendComplete: (err) => {
            // Members may have joined meanwhile: act only if the same generation is still completing.
            if (!group.isInState('CompletingRebalance') || generationId !== group.generationId) return;
            if (err !== null) {
              const code = appendErrorToResponseError(err);
              this.#rebalancer.resetAndPropagateAssignmentWithError(group, code);
              this.#rebalancer.maybePrepareRebalanceOrCompleteJoin(group, `error ${code} storing the assignment of generation ${generationId}`);
            } else {
              this.#rebalancer.setAndPropagateAssignment(group, assignment);
              group.transitionTo('Stable');
              this.#rebalancer.onStable(group);
            }
          },
        };
      }
      case 'Stable': {
        this.#rebalancer.removePendingSyncMember(group, memberId);
        respond({ protocolType: group.protocolType, protocolName: group.protocolName, assignment: group.member(memberId)!.assignment, errorCode: Errors.NONE });
        return EMPTY_RESULT;
      }
      default:
        throw new Error(`unexpected SyncGroup for group ${group.groupId} in state ${group.state}`);
    }
  }

  #validateSyncGroup(group: ClassicGroup, request: SyncGroupRequest): number {
    if (group.isInState('Dead')) return Errors.COORDINATOR_NOT_AVAILABLE;
    try {
      group.validateMember(request.memberId, request.groupInstanceId);
    } catch (e) {
      return (e as ApiError).code;
    }
    if (request.generationId !== group.generationId) return Errors.ILLEGAL_GENERATION;
    if (isProtocolInconsistent(request.protocolType, group.protocolType) || isProtocolInconsistent(request.protocolName, group.protocolName)) {
      return Errors.INCONSISTENT_GROUP_PROTOCOL;
    }
    return Errors.NONE;
  }

  /**
   * Heartbeat: keeps the member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.
   * @throws ApiError UNKNOWN_MEMBER_ID (unknown group or member), FENCED_INSTANCE_ID, ILLEGAL_GENERATION, COORDINATOR_NOT_AVAILABLE.
   */
  heartbeat(request: HeartbeatRequest): Result<Input<HeartbeatResponse>> {
    const group = this.#ctx.groups.get(request.groupId);
    if (group === undefined || !(group instanceof ClassicGroup)) throw new ApiError(Errors.UNKNOWN_MEMBER_ID, `group ${request.groupId} not found`);
    if (group.isInState('Dead')) throw new ApiError(Errors.COORDINATOR_NOT_AVAILABLE, `group ${request.groupId} is dead`);
    group.validateMember(request.memberId, request.groupInstanceId);
    if (request.generationId !== group.generationId) throw new ApiError(Errors.ILLEGAL_GENERATION, `generation ${request.generationId} is not ${group.generationId}`);
    switch (group.state) {
      case 'Empty':
        return { records: [], response: { errorCode: Errors.UNKNOWN_MEMBER_ID } };
      case 'PreparingRebalance':
        this.#rebalancer.rescheduleHeartbeat(group, group.member(request.memberId)!);
        return { records: [], response: { errorCode: Errors.REBALANCE_IN_PROGRESS } };
      case 'CompletingRebalance':
      case 'Stable':
        // Members may heartbeat between their JoinGroup response and their SyncGroup.
        this.#rebalancer.rescheduleHeartbeat(group, group.member(request.memberId)!);
        return { records: [], response: { errorCode: Errors.NONE } };
      default:
        throw new Error(`unexpected state ${group.state} of group ${group.groupId}`);
    }
  }

  /**
   * LeaveGroup (batch, KIP-345): removes each member (or, with an empty member id, the static member of the
   * instance id: admin removal) and rebalances. Per-member errors: UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID.
   * @throws ApiError UNKNOWN_MEMBER_ID when the group does not exist.
   */
  leave(groupId: string, members: readonly LeavingMember[]): Result<Input<LeaveGroupResponse>> {
    const group = this.#ctx.groups.get(groupId);
    if (group === undefined || !(group instanceof ClassicGroup)) throw new ApiError(Errors.UNKNOWN_MEMBER_ID, `group ${groupId} not found`);
    if (group.isInState('Dead')) return { records: [], response: { errorCode: Errors.COORDINATOR_NOT_AVAILABLE } };
    const responses: Input<MemberResponse>[] = [];
    for (const m of members) {
      const reason = m.reason ?? 'not provided';
      if (m.memberId === '') {
        const staticId = m.groupInstanceId === null ? undefined : group.staticMemberId(m.groupInstanceId);
        if (staticId !== undefined) {
          this.#removeCurrentMember(group, staticId, reason);
          responses.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: Errors.NONE });
        } else {
          responses.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: Errors.UNKNOWN_MEMBER_ID });
        }
      } else if (group.isPendingMember(m.memberId)) {
        group.remove(m.memberId);
        this.#rebalancer.cancelHeartbeat(group, m.memberId);
        responses.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: Errors.NONE });
      } else {
        try {
          group.validateMember(m.memberId, m.groupInstanceId);
          this.#removeCurrentMember(group, m.memberId, reason);
          responses.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: Errors.NONE });
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          responses.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: e.code });
        }
      }
    }
    const left = responses.filter((r) => r.errorCode === Errors.NONE).map((r) => r.memberId);
    let result: Result<void> = EMPTY_RESULT;
    if (left.length > 0) {
      const reason = `explicit LeaveGroup request for (${left.join(', ')}) members`;
      if (group.isInState('Stable') || group.isInState('CompletingRebalance')) result = this.#rebalancer.maybePrepareRebalanceOrCompleteJoin(group, reason);
      else if (group.isInState('PreparingRebalance')) result = this.#rebalancer.maybeCompleteJoinPhase(group);
    }
    return { ...result, response: { errorCode: Errors.NONE, members: responses } };
  }

  #removeCurrentMember(group: ClassicGroup, memberId: string, reason: string): void {
    const member = group.member(memberId)!;
    this.#rebalancer.cancelHeartbeat(group, memberId);
    this.#ctx.logger.info({ groupId: group.groupId, memberId, reason }, 'member left the group');
    // A member leaving while its JoinGroup is parked gets UNKNOWN_MEMBER_ID so a live client rejoins.
    group.completeJoin(member, { memberId: '', errorCode: Errors.UNKNOWN_MEMBER_ID });
    group.remove(memberId);
  }
}

/** Kafka's `appendGroupMetadataErrorToResponseError`: the error a client gets when a group write failed. */
export function appendErrorToResponseError(err: Error): number {
  return coordinatorAppendError(err);
}
