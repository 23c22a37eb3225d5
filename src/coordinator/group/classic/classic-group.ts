import { randomUUID } from 'node:crypto';
import { ApiError } from '../../../common/api-error.ts';
import type { Time } from '../../../common/time.ts';
import { Errors } from '../../../protocol/generated/errors.ts';
import type { Input } from '../../../protocol/message-input.ts';
import type { JoinGroupResponseMember } from '../../../protocol/generated/messages/join-group-response.ts';
import type { ListedGroup } from '../../../protocol/generated/messages/list-groups-response.ts';
import type { CoordinatorRecord } from '../coordinator-record.ts';
import { CONSUMER_PROTOCOL_TYPE, ConsumerProtocol } from '../consumer-protocol.ts';
import type { Group, OffsetExpirationBase } from '../group.ts';
import { GroupRecords } from '../group-records.ts';
import { ClassicGroupMember, type ClassicProtocol, type JoinGroupResult, type SyncGroupResult } from './classic-group-member.ts';

/**
 * States of a classic group (Kafka's `ClassicGroupState`) and the states each may be entered from:
 *
 * | state               | meaning                                                   | valid previous states                     |
 * |---------------------|-----------------------------------------------------------|-------------------------------------------|
 * | Empty               | no members (offsets may still exist)                      | PreparingRebalance                        |
 * | PreparingRebalance  | collecting JoinGroups of the next generation              | Stable, CompletingRebalance, Empty        |
 * | CompletingRebalance | generation formed; waiting for the leader's SyncGroup     | PreparingRebalance                        |
 * | Stable              | assignment stored and propagated                          | CompletingRebalance                       |
 * | Dead                | removed (deleted, or partition unloaded)                  | any                                       |
 */
export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

const VALID_PREVIOUS_STATES: Record<ClassicGroupState, readonly ClassicGroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

/**
 * A group using the classic rebalance protocol (JoinGroup/SyncGroup/Heartbeat/LeaveGroup), after Kafka's
 * `ClassicGroup`. It holds the members, the static-member index (group.instance.id → member id, KIP-345),
 * members that got MEMBER_ID_REQUIRED and have not rejoined yet (pending members, KIP-394), the count of
 * parked JoinGroups, protocol support counts (a protocol is a candidate when every member supports it), and
 * the members that must still send their SyncGroup.
 */
export class ClassicGroup implements Group {
  readonly type = 'classic' as const;
  readonly groupId: string;
  readonly #time: Time;
  #state: ClassicGroupState;
  #previousState: ClassicGroupState = 'Dead';
  #currentStateTimestampMs: bigint | null;
  protocolType: string | null;
  protocolName: string | null;
  generationId: number;
  leaderId: string | null;
  readonly #members = new Map<string, ClassicGroupMember>();
  readonly #staticMembers = new Map<string, string>();
  readonly #pendingJoinMembers = new Set<string>();
  #numMembersAwaitingJoinResponse = 0;
  readonly #supportedProtocols = new Map<string, number>();
  readonly #pendingSyncMembers = new Set<string>();
  /** Topics the members subscribe to (consumer protocol only), null when unknown. */
  subscribedTopics: ReadonlySet<string> | null = null;
  /** A member joined during the initial rebalance delay: extend the delay (group.initial.rebalance.delay.ms). */
  newMemberAdded = false;

  constructor(groupId: string, initialState: ClassicGroupState, time: Time, init?: {
    generationId: number;
    protocolType: string | null;
    protocolName: string | null;
    leaderId: string | null;
    currentStateTimestampMs: bigint | null;
  }) {
    this.groupId = groupId;
    this.#time = time;
    this.#state = initialState;
    this.generationId = init?.generationId ?? 0;
    this.protocolType = init?.protocolType ?? null;
    this.protocolName = init?.protocolName ?? null;
    this.leaderId = init?.leaderId ?? null;
    this.#currentStateTimestampMs = init === undefined ? BigInt(time.milliseconds()) : init.currentStateTimestampMs;
  }

  get state(): ClassicGroupState {
    return this.#state;
  }

  get previousState(): ClassicGroupState {
    return this.#previousState;
  }

  get currentStateTimestampMs(): bigint | null {
    return this.#currentStateTimestampMs;
  }

  stateAsString(): string {
    return this.#state;
  }

  isInState(state: ClassicGroupState): boolean {
    return this.#state === state;
  }

  isEmpty(): boolean {
    return this.#state === 'Empty';
  }

  isInStates(states: ReadonlySet<string>): boolean {
    return states.has(this.#state.toLowerCase());
  }

  /** A group created by offset commits of consumers that do not use group management. */
  isSimpleGroup(): boolean {
    return this.protocolType === null && this.isEmpty() && this.#pendingJoinMembers.size === 0;
  }

  hasMember(memberId: string): boolean {
    return this.#members.has(memberId);
  }

  member(memberId: string): ClassicGroupMember | undefined {
    return this.#members.get(memberId);
  }

  get numMembers(): number {
    return this.#members.size;
  }

  allMembers(): ClassicGroupMember[] {
    return [...this.#members.values()];
  }

  allMemberIds(): string[] {
    return [...this.#members.keys()];
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** Adds a member (a joining one with its parked JoinGroup `awaitingJoin`). @throws Error on invariant breaks. */
  add(member: ClassicGroupMember, awaitingJoin: ((r: JoinGroupResult) => void) | null = null): void {
    if (member.groupInstanceId !== null) {
      if (this.#staticMembers.has(member.groupInstanceId)) throw new Error(`static member ${member.groupInstanceId} is already in group ${this.groupId}`);
      this.#staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.#members.size === 0) this.protocolType = member.protocolType;
    if (this.protocolType !== member.protocolType) throw new Error('the group and member protocol types must be the same');
    if (!this.supportsProtocols(member.protocolType, member.supportedProtocols)) throw new Error('none of the member protocols is supported');
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.#members.set(member.memberId, member);
    this.#incrementSupportedProtocols(member);
    member.awaitingJoin = awaitingJoin;
    if (member.isAwaitingJoin) this.#numMembersAwaitingJoinResponse++;
    this.#pendingJoinMembers.delete(member.memberId);
  }

  /** Removes a member (or pending member); elects another leader if it led. */
  remove(memberId: string): void {
    const removed = this.#members.get(memberId);
    if (removed !== undefined) {
      this.#members.delete(memberId);
      this.#decrementSupportedProtocols(removed);
      if (removed.isAwaitingJoin) this.#numMembersAwaitingJoinResponse--;
      if (removed.groupInstanceId !== null) this.#staticMembers.delete(removed.groupInstanceId);
    }
    if (this.isLeader(memberId)) {
      const next = this.#members.keys().next();
      this.leaderId = next.done === true ? null : next.value;
    }
    this.#pendingJoinMembers.delete(memberId);
    this.#pendingSyncMembers.delete(memberId);
  }

  /**
   * Makes sure the leader is a member that rejoined: if the current leader did not, another rejoined member
   * leads. @returns false if no member rejoined (the join phase cannot complete).
   */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const current = this.#members.get(this.leaderId);
    if (current !== undefined && current.isAwaitingJoin) return true;
    for (const m of this.#members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /**
   * A static member rejoined with a new member id: the old member's parked requests are fenced
   * (FENCED_INSTANCE_ID) and a member with the new id takes its place, keeping its assignment and leadership.
   * @returns the new member. @throws Error if `oldMemberId` is not a member.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const removed = this.#members.get(oldMemberId);
    if (removed === undefined) throw new Error(`cannot replace non-existing member ${oldMemberId}`);
    this.#members.delete(oldMemberId);
    this.completeJoin(removed, { members: [], memberId: oldMemberId, protocolName: null, protocolType: null, leader: '', skipAssignment: false, errorCode: Errors.FENCED_INSTANCE_ID });
    this.completeSync(removed, { assignment: Buffer.alloc(0), protocolName: null, protocolType: null, errorCode: Errors.FENCED_INSTANCE_ID });
    const member = new ClassicGroupMember({
      memberId: newMemberId,
      groupInstanceId: removed.groupInstanceId,
      clientId: removed.clientId,
      clientHost: removed.clientHost,
      rebalanceTimeoutMs: removed.rebalanceTimeoutMs,
      sessionTimeoutMs: removed.sessionTimeoutMs,
      protocolType: removed.protocolType,
      supportedProtocols: removed.supportedProtocols,
      assignment: removed.assignment,
    });
    this.#members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.#staticMembers.set(groupInstanceId, newMemberId);
    return member;
  }

  isPendingMember(memberId: string): boolean {
    return this.#pendingJoinMembers.has(memberId);
  }

  addPendingMember(memberId: string): void {
    if (this.hasMember(memberId)) throw new Error(`pending member ${memberId} is already a member of ${this.groupId}`);
    this.#pendingJoinMembers.add(memberId);
  }

  get numPendingJoinMembers(): number {
    return this.#pendingJoinMembers.size;
  }

  addPendingSyncMember(memberId: string): void {
    if (!this.hasMember(memberId)) throw new Error(`pending sync member ${memberId} is not a member of ${this.groupId}`);
    this.#pendingSyncMembers.add(memberId);
  }

  removePendingSyncMember(memberId: string): void {
    this.#pendingSyncMembers.delete(memberId);
  }

  hasReceivedSyncFromAllMembers(): boolean {
    return this.#pendingSyncMembers.size === 0;
  }

  allPendingSyncMembers(): string[] {
    return [...this.#pendingSyncMembers];
  }

  clearPendingSyncMembers(): void {
    this.#pendingSyncMembers.clear();
  }

  hasStaticMember(groupInstanceId: string): boolean {
    return this.#staticMembers.has(groupInstanceId);
  }

  staticMemberId(groupInstanceId: string): string | undefined {
    return this.#staticMembers.get(groupInstanceId);
  }

  /** Members that have not sent their JoinGroup of the current rebalance. */
  notYetRejoinedMembers(): ClassicGroupMember[] {
    return this.allMembers().filter((m) => !m.isAwaitingJoin);
  }

  hasAllMembersJoined(): boolean {
    return this.#members.size === this.#numMembersAwaitingJoinResponse && this.#pendingJoinMembers.size === 0;
  }

  get numAwaitingJoinResponse(): number {
    return this.#numMembersAwaitingJoinResponse;
  }

  /** The group's rebalance timeout: the largest of its members' (0 when empty). */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.#members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** Kafka's member id format: `<group.instance.id or client.id>-<uuid>`. */
  generateMemberId(clientId: string, groupInstanceId: string | null): string {
    return `${groupInstanceId ?? clientId}-${randomUUID()}`;
  }

  /**
   * Checks a request's member identity. @throws ApiError UNKNOWN_MEMBER_ID (unknown member or instance),
   * FENCED_INSTANCE_ID (the instance id belongs to another member id).
   */
  validateMember(memberId: string, groupInstanceId: string | null): void {
    if (groupInstanceId !== null) {
      const existing = this.#staticMembers.get(groupInstanceId);
      if (existing === undefined) throw new ApiError(Errors.UNKNOWN_MEMBER_ID, `unknown group instance id ${groupInstanceId}`);
      if (existing !== memberId) throw new ApiError(Errors.FENCED_INSTANCE_ID, `instance ${groupInstanceId} is owned by another member id`);
    }
    if (!this.hasMember(memberId)) throw new ApiError(Errors.UNKNOWN_MEMBER_ID, `unknown member id ${memberId}`);
  }

  validateOffsetCommit(memberId: string, groupInstanceId: string | null, generationId: number, isTransactional: boolean): void {
    if (this.isInState('Dead')) throw new ApiError(Errors.COORDINATOR_NOT_AVAILABLE, `group ${this.groupId} is dead`);
    // Admin clients and consumers without group management commit with generation -1 into an empty group.
    if (generationId < 0 && this.isInState('Empty')) return;
    if (generationId >= 0 || memberId !== '' || groupInstanceId !== null) {
      this.validateMember(memberId, groupInstanceId);
      if (generationId !== this.generationId) throw new ApiError(Errors.ILLEGAL_GENERATION, `generation ${generationId} is not ${this.generationId}`);
    } else if (!isTransactional && !this.isInState('Empty')) {
      throw new ApiError(Errors.UNKNOWN_MEMBER_ID, 'offsets without member id are accepted only for an empty group');
    }
    if (!isTransactional && this.isInState('CompletingRebalance')) {
      // The member has the new generation from its JoinGroup response but no assignment yet.
      throw new ApiError(Errors.REBALANCE_IN_PROGRESS, 'the group is completing a rebalance');
    }
  }

  validateOffsetFetch(): void {
    if (this.isInState('Dead')) throw new ApiError(Errors.GROUP_ID_NOT_FOUND, `group ${this.groupId} is dead`);
  }

  validateOffsetDelete(): void {
    switch (this.#state) {
      case 'Dead':
        throw new ApiError(Errors.GROUP_ID_NOT_FOUND, `group ${this.groupId} is dead`);
      case 'Stable':
      case 'PreparingRebalance':
      case 'CompletingRebalance':
        if (!this.usesConsumerGroupProtocol()) throw new ApiError(Errors.NON_EMPTY_GROUP, `group ${this.groupId} is not empty`);
        break;
      default:
    }
  }

  validateDeleteGroup(): void {
    switch (this.#state) {
      case 'Dead':
        throw new ApiError(Errors.GROUP_ID_NOT_FOUND, `group ${this.groupId} is dead`);
      case 'Stable':
      case 'PreparingRebalance':
      case 'CompletingRebalance':
        throw new ApiError(Errors.NON_EMPTY_GROUP, `group ${this.groupId} is not empty`);
      default:
    }
  }

  createGroupTombstoneRecords(records: CoordinatorRecord[]): void {
    records.push(GroupRecords.groupMetadataTombstone(this.groupId));
  }

  offsetExpirationCondition(): OffsetExpirationBase | null {
    if (this.protocolType !== null) {
      if (this.isInState('Empty')) {
        // Retention counts from when the group became empty (or, for old records, from each commit).
        const since = this.#currentStateTimestampMs;
        return (o) => since ?? o.commitTimestampMs;
      }
      if (this.usesConsumerGroupProtocol() && this.subscribedTopics !== null && this.isInState('Stable')) {
        return (o) => o.commitTimestampMs;
      }
      return null;
    }
    // Standalone consumers: each offset expires retention after its commit.
    return (o) => o.commitTimestampMs;
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics === null ? this.usesConsumerGroupProtocol() : this.subscribedTopics.has(topic);
  }

  usesConsumerGroupProtocol(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  asListedGroup(): Input<ListedGroup> {
    return { groupId: this.groupId, protocolType: this.protocolType ?? '', groupState: this.#state, groupType: 'classic' };
  }

  /** Whether the group may enter PreparingRebalance now. */
  canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.#state);
  }

  /** Moves to `state`, recording the time. @throws Error for a transition Kafka forbids (an invariant break). */
  transitionTo(state: ClassicGroupState): void {
    if (!VALID_PREVIOUS_STATES[state].includes(this.#state)) {
      throw new Error(`group ${this.groupId} should be in one of ${VALID_PREVIOUS_STATES[state].join(',')} before moving to ${state}, not ${this.#state}`);
    }
    this.#previousState = this.#state;
    this.#state = state;
    this.#currentStateTimestampMs = BigInt(this.#time.milliseconds());
  }

  /** The protocol of the next generation: every member votes for its preferred candidate; most votes wins. */
  selectProtocol(): string {
    if (this.#members.size === 0) throw new Error('cannot select a protocol for an empty group');
    const candidates = new Set<string>();
    for (const [name, count] of this.#supportedProtocols) if (count === this.#members.size) candidates.add(name);
    const votes = new Map<string, number>();
    for (const m of this.#members.values()) {
      const name = m.vote(candidates);
      votes.set(name, (votes.get(name) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    for (const [name, n] of votes) {
      if (n > bestVotes) {
        best = name;
        bestVotes = n;
      }
    }
    return best!;
  }

  /**
   * Whether a member with these protocol type and protocols may join: an empty group takes any non-empty
   * ones; otherwise the type must match and at least one protocol must be supported by every member.
   */
  supportsProtocols(memberProtocolType: string, memberProtocols: readonly ClassicProtocol[]): boolean {
    if (this.isInState('Empty')) return memberProtocolType !== '' && memberProtocols.length > 0;
    return this.protocolType === memberProtocolType && memberProtocols.some((p) => (this.#supportedProtocols.get(p.name) ?? 0) === this.#members.size);
  }

  /** The topics of the members' consumer-protocol subscriptions, null if not a consumer group or unreadable. */
  computeSubscribedTopics(): ReadonlySet<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.#members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    try {
      const topics = new Set<string>();
      for (const m of this.#members.values()) for (const t of ConsumerProtocol.subscribedTopics(m.metadata(this.protocolName))) topics.add(t);
      return topics;
    } catch {
      return null;
    }
  }

  /** Updates a rejoining member's protocols and timeouts and parks (or un-parks) its JoinGroup. */
  updateMember(member: ClassicGroupMember, protocols: readonly ClassicProtocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, awaitingJoin: ((r: JoinGroupResult) => void) | null): void {
    this.#decrementSupportedProtocols(member);
    member.supportedProtocols = protocols;
    this.#incrementSupportedProtocols(member);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    // A second JoinGroup of the member replaces the parked one; answer that one so its connection is not stuck.
    const displaced = member.awaitingJoin;
    if (displaced !== null && awaitingJoin !== null && displaced !== awaitingJoin) displaced({ memberId: member.memberId, errorCode: Errors.REBALANCE_IN_PROGRESS });
    if (awaitingJoin !== null && !member.isAwaitingJoin) this.#numMembersAwaitingJoinResponse++;
    else if (awaitingJoin === null && member.isAwaitingJoin) this.#numMembersAwaitingJoinResponse--;
    member.awaitingJoin = awaitingJoin;
  }

  /** Answers the member's parked JoinGroup. @returns false if none was parked. */
  completeJoin(member: ClassicGroupMember, response: JoinGroupResult): boolean {
    const resolve = member.awaitingJoin;
    if (resolve === null) return false;
    member.awaitingJoin = null;
    this.#numMembersAwaitingJoinResponse--;
    resolve(response);
    return true;
  }

  /** Answers the member's parked SyncGroup. @returns false if none was parked. */
  completeSync(member: ClassicGroupMember, response: SyncGroupResult): boolean {
    const resolve = member.awaitingSync;
    if (resolve === null) return false;
    member.awaitingSync = null;
    resolve(response);
    return true;
  }

  /** Starts the next generation: selects the protocol and moves to CompletingRebalance, or Empty without members. */
  initNextGeneration(): void {
    this.generationId++;
    if (this.#members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('CompletingRebalance');
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('Empty');
    }
    this.clearPendingSyncMembers();
  }

  /** The members list the leader gets in its JoinGroup response. @throws Error while Dead or PreparingRebalance. */
  currentMembersForLeader(): Input<JoinGroupResponseMember>[] {
    if (this.isInState('Dead') || this.isInState('PreparingRebalance')) throw new Error(`no member metadata for group ${this.groupId} in state ${this.#state}`);
    return this.allMembers().map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(this.protocolName) }));
  }

  /** The current assignment of every member. */
  groupAssignment(): Map<string, Buffer> {
    return new Map(this.allMembers().map((m) => [m.memberId, m.assignment]));
  }

  #incrementSupportedProtocols(member: ClassicGroupMember): void {
    for (const p of member.supportedProtocols) this.#supportedProtocols.set(p.name, (this.#supportedProtocols.get(p.name) ?? 0) + 1);
  }

  #decrementSupportedProtocols(member: ClassicGroupMember): void {
    for (const p of member.supportedProtocols) this.#supportedProtocols.set(p.name, (this.#supportedProtocols.get(p.name) ?? 0) - 1);
  }
}
