import { Errors } from '../../../protocol/generated/errors.ts';
import { GroupRecords } from '../group-records.ts';
import { EMPTY_RESULT, type GroupManagerContext, type Result } from '../group-manager-context.ts';
import type { ClassicGroup } from './classic-group.ts';
import type { ClassicGroupMember } from './classic-group-member.ts';

/** Timer keys (Kafka's classicGroupHeartbeatKey / classicGroupJoinKey / classicGroupSyncKey). */
export function heartbeatKey(groupId: string, memberId: string): string {
  return `heartbeat-${groupId}-${memberId}`;
}
function joinKey(groupId: string): string {
  return `join-${groupId}`;
}
function syncKey(groupId: string): string {
  return `sync-${groupId}`;
}

/**
 * The rebalance engine of classic groups, after the corresponding part of Kafka's `GroupMetadataManager`:
 *
 * - PreparingRebalance: members rejoin; the join phase completes when every member has rejoined (and no
 *   pending MEMBER_ID_REQUIRED member is outstanding), or at the rebalance timeout (max of members'
 *   max.poll.interval.ms), which drops dynamic members that did not rejoin. A group leaving Empty waits
 *   group.initial.rebalance.delay.ms first, extended while new members keep arriving, up to the rebalance timeout.
 * - Completing the join phase starts a generation (generation id + 1, protocol chosen by vote) and answers
 *   every parked JoinGroup (the leader gets the members' metadata); members then have the rebalance timeout
 *   to send SyncGroup, or are removed and another rebalance starts.
 * - Session timeouts: every member has a heartbeat timer (session.timeout.ms) re-armed by heartbeats,
 *   commits and joins; when it fires, a member not parked in a join/sync is removed.
 */
export class ClassicGroupRebalancer {
  readonly #ctx: GroupManagerContext;
  readonly #lookup: (groupId: string) => ClassicGroup | null;
  /** When each group started its current rebalance (hiResClockMs), for the rebalance duration metric. */
  readonly #rebalanceStartMs = new Map<string, number>();

  constructor(ctx: GroupManagerContext, lookup: (groupId: string) => ClassicGroup | null) {
    this.#ctx = ctx;
    this.#lookup = lookup;
  }

  maybePrepareRebalanceOrCompleteJoin(group: ClassicGroup, reason: string): Result<void> {
    return group.canRebalance() ? this.prepareRebalance(group, reason) : this.maybeCompleteJoinPhase(group);
  }

  /** Moves the group to PreparingRebalance (answering members waiting in sync with REBALANCE_IN_PROGRESS). */
  prepareRebalance(group: ClassicGroup, reason: string): Result<void> {
    if (group.isInState('CompletingRebalance')) this.resetAndPropagateAssignmentWithError(group, Errors.REBALANCE_IN_PROGRESS);
    this.#removeSyncExpiration(group);
    const isInitialRebalance = group.isInState('Empty');
    if (isInitialRebalance) {
      const delayMs = this.#ctx.config.classicGroupInitialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs() - delayMs, 0);
      const groupId = group.groupId;
      this.#ctx.timer.schedule(joinKey(groupId), delayMs, () => this.#tryCompleteInitialRebalanceElseSchedule(groupId, delayMs, remainingMs));
    }
    group.transitionTo('PreparingRebalance');
    if (!this.#rebalanceStartMs.has(group.groupId)) this.#rebalanceStartMs.set(group.groupId, this.#ctx.time.hiResClockMs());
    this.#ctx.logger.info({ groupId: group.groupId, generationId: group.generationId, reason }, 'preparing to rebalance group');
    return isInitialRebalance ? EMPTY_RESULT : this.#maybeCompleteJoinElseSchedule(group);
  }

  /** Completes the join phase now if every member rejoined (not during the initial delay). */
  maybeCompleteJoinPhase(group: ClassicGroup): Result<void> {
    if (!group.isInState('PreparingRebalance')) return EMPTY_RESULT;
    if (group.previousState === 'Empty') return EMPTY_RESULT;
    if (!group.hasAllMembersJoined()) return EMPTY_RESULT;
    return this.completeJoin(group);
  }

  #maybeCompleteJoinElseSchedule(group: ClassicGroup): Result<void> {
    if (group.hasAllMembersJoined()) return this.completeJoin(group);
    const groupId = group.groupId;
    this.#ctx.timer.schedule(joinKey(groupId), group.rebalanceTimeoutMs(), () => this.#completeJoinById(groupId));
    return EMPTY_RESULT;
  }

  #tryCompleteInitialRebalanceElseSchedule(groupId: string, delayMs: number, remainingMs: number): Result<void> {
    const group = this.#lookup(groupId);
    if (group === null) return EMPTY_RESULT;
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const newDelayMs = Math.min(this.#ctx.config.classicGroupInitialRebalanceDelayMs, remainingMs);
      const newRemainingMs = Math.max(remainingMs - delayMs, 0);
      this.#ctx.timer.schedule(joinKey(groupId), newDelayMs, () => this.#tryCompleteInitialRebalanceElseSchedule(groupId, newDelayMs, newRemainingMs));
      return EMPTY_RESULT;
    }
    return this.completeJoin(group);
  }

  #completeJoinById(groupId: string): Result<void> {
    const group = this.#lookup(groupId);
    return group === null ? EMPTY_RESULT : this.completeJoin(group);
  }

  /**
   * Ends the join phase: removes dynamic members that did not rejoin, then starts the next generation and
   * answers the parked JoinGroups, or, with no member left, persists the now Empty group.
   */
  completeJoin(group: ClassicGroup): Result<void> {
    const groupId = group.groupId;
    this.#ctx.timer.cancel(joinKey(groupId));
    const notRejoined = group.notYetRejoinedMembers().filter((m) => !m.isStaticMember);
    for (const m of notRejoined) {
      group.remove(m.memberId);
      this.#ctx.timer.cancel(heartbeatKey(groupId, m.memberId));
    }
    if (notRejoined.length > 0) this.#ctx.logger.info({ groupId, members: notRejoined.map((m) => m.memberId) }, 'removed dynamic members that did not rejoin');
    if (group.isInState('Dead')) return EMPTY_RESULT;
    if (!group.maybeElectNewJoinedLeader() && group.numMembers > 0) {
      // Only static members remain and none rejoined: wait another rebalance timeout (their sessions may expire).
      this.#ctx.logger.error({ groupId }, 'could not complete the rebalance because no member rejoined');
      this.#ctx.timer.schedule(joinKey(groupId), group.rebalanceTimeoutMs(), () => this.#completeJoinById(groupId));
      return EMPTY_RESULT;
    }
    group.initNextGeneration();
    if (group.isInState('Empty')) {
      this.#rebalanceStartMs.delete(groupId);
      this.#ctx.logger.info({ groupId, generationId: group.generationId }, 'group is now empty');
      return {
        records: [GroupRecords.groupMetadata(group, new Map())],
        response: undefined,
        replayRecords: false,
        onAppendComplete: (err) => {
          // The previous generation stays in the log; it has no live members, so it will just time out on reload.
          if (err !== null) this.#ctx.logger.warn({ err, groupId }, 'failed to write empty group metadata');
        },
      };
    }
    this.#ctx.logger.info({ groupId, generationId: group.generationId, members: group.numMembers }, 'stabilized group generation');
    for (const member of group.allMembers()) {
      group.completeJoin(member, {
        members: group.isLeader(member.memberId) ? group.currentMembersForLeader() : [],
        memberId: member.memberId,
        generationId: group.generationId,
        protocolName: group.protocolName,
        protocolType: group.protocolType,
        leader: group.leaderId ?? '',
        skipAssignment: false,
        errorCode: Errors.NONE,
      });
      this.rescheduleHeartbeat(group, member);
      member.isNew = false;
      group.addPendingSyncMember(member.memberId);
    }
    const generationId = group.generationId;
    this.#ctx.timer.schedule(syncKey(groupId), group.rebalanceTimeoutMs(), () => this.#expirePendingSync(groupId, generationId));
    return EMPTY_RESULT;
  }

  #expirePendingSync(groupId: string, generationId: number): Result<void> {
    const group = this.#lookup(groupId);
    if (group === null || generationId !== group.generationId) return EMPTY_RESULT;
    if ((group.isInState('CompletingRebalance') || group.isInState('Stable')) && !group.hasReceivedSyncFromAllMembers()) {
      const pending = group.allPendingSyncMembers();
      for (const memberId of pending) {
        group.remove(memberId);
        this.#ctx.timer.cancel(heartbeatKey(groupId, memberId));
      }
      return this.prepareRebalance(group, `removing ${pending.join(', ')} on pending sync request expiration`);
    }
    return EMPTY_RESULT;
  }

  /** Re-arms the member's session timer (default: its session timeout). */
  rescheduleHeartbeat(group: ClassicGroup, member: ClassicGroupMember, timeoutMs = member.sessionTimeoutMs): void {
    const groupId = group.groupId;
    const memberId = member.memberId;
    this.#ctx.timer.schedule(heartbeatKey(groupId, memberId), timeoutMs, () => this.#expireHeartbeat(groupId, memberId));
  }

  cancelHeartbeat(group: ClassicGroup, memberId: string): void {
    this.#ctx.timer.cancel(heartbeatKey(group.groupId, memberId));
  }

  /** A MEMBER_ID_REQUIRED member that does not come back within its session timeout is forgotten. */
  schedulePendingMemberExpiry(group: ClassicGroup, memberId: string, sessionTimeoutMs: number): void {
    const groupId = group.groupId;
    this.#ctx.timer.schedule(heartbeatKey(groupId, memberId), sessionTimeoutMs, () => this.#expireHeartbeat(groupId, memberId));
  }

  #expireHeartbeat(groupId: string, memberId: string): Result<void> {
    const group = this.#lookup(groupId);
    if (group === null || group.isInState('Dead')) return EMPTY_RESULT;
    if (group.isPendingMember(memberId)) {
      this.#ctx.logger.info({ groupId, memberId }, 'pending member removed after session timeout');
      group.remove(memberId);
      if (group.isInState('PreparingRebalance') && group.hasAllMembersJoined()) return this.completeJoin(group);
      return EMPTY_RESULT;
    }
    const member = group.member(memberId);
    if (member === undefined || member.hasSatisfiedHeartbeat()) return EMPTY_RESULT;
    this.#ctx.logger.info({ groupId, memberId }, 'member failed its session timeout; removing it from the group');
    // A new member timing out with a parked JoinGroup gets UNKNOWN_MEMBER_ID; a live client retries.
    group.completeJoin(member, { memberId: '', errorCode: Errors.UNKNOWN_MEMBER_ID });
    group.remove(memberId);
    if (group.isInState('Stable') || group.isInState('CompletingRebalance')) {
      return this.maybePrepareRebalanceOrCompleteJoin(group, `removing member ${memberId} on heartbeat expiration`);
    }
    if (group.isInState('PreparingRebalance') && group.hasAllMembersJoined()) return this.completeJoin(group);
    return EMPTY_RESULT;
  }

  /** Clears every assignment and answers parked SyncGroups with `errorCode`. @throws Error unless CompletingRebalance. */
  resetAndPropagateAssignmentWithError(group: ClassicGroup, errorCode: number): void {
    if (!group.isInState('CompletingRebalance')) throw new Error(`group ${group.groupId} must be CompletingRebalance, not ${group.state}`);
    for (const m of group.allMembers()) m.assignment = Buffer.alloc(0);
    this.#propagateAssignment(group, errorCode);
  }

  /** Sets every member's assignment and answers parked SyncGroups. @throws Error unless CompletingRebalance. */
  setAndPropagateAssignment(group: ClassicGroup, assignment: ReadonlyMap<string, Buffer>): void {
    if (!group.isInState('CompletingRebalance')) throw new Error(`group ${group.groupId} must be CompletingRebalance, not ${group.state}`);
    for (const m of group.allMembers()) m.assignment = assignment.get(m.memberId) ?? Buffer.alloc(0);
    this.#propagateAssignment(group, Errors.NONE);
  }

  #propagateAssignment(group: ClassicGroup, errorCode: number): void {
    const ok = errorCode === Errors.NONE;
    for (const member of group.allMembers()) {
      const answered = group.completeSync(member, {
        protocolName: ok ? group.protocolName : null,
        protocolType: ok ? group.protocolType : null,
        assignment: member.assignment,
        errorCode,
      });
      // Sessions that expired while the member waited were ignored: restart them now.
      if (answered) this.rescheduleHeartbeat(group, member);
    }
  }

  removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.removePendingSyncMember(memberId);
    switch (group.state) {
      case 'Dead':
      case 'Empty':
      case 'PreparingRebalance':
        this.#ctx.timer.cancel(syncKey(group.groupId));
        break;
      case 'CompletingRebalance':
      case 'Stable':
        if (group.hasReceivedSyncFromAllMembers()) this.#ctx.timer.cancel(syncKey(group.groupId));
        break;
    }
  }

  #removeSyncExpiration(group: ClassicGroup): void {
    group.clearPendingSyncMembers();
    this.#ctx.timer.cancel(syncKey(group.groupId));
  }

  /** The group reached Stable: records the rebalance in the metrics. */
  onStable(group: ClassicGroup): void {
    const start = this.#rebalanceStartMs.get(group.groupId);
    this.#rebalanceStartMs.delete(group.groupId);
    this.#ctx.metrics.recordClassicRebalance(start === undefined ? 0 : this.#ctx.time.hiResClockMs() - start);
  }

  /** Forgets the group's timers (deleted or unloaded). */
  forgetGroup(group: ClassicGroup): void {
    this.#ctx.timer.cancel(joinKey(group.groupId));
    this.#ctx.timer.cancel(syncKey(group.groupId));
    for (const id of group.allMemberIds()) this.#ctx.timer.cancel(heartbeatKey(group.groupId, id));
    this.#rebalanceStartMs.delete(group.groupId);
  }
}
