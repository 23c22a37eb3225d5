import { Errors } from '../protocol/generated/errors.ts';
import type { BatchAccumulator } from './batch-accumulator.ts';
import { ChangeVoterHandlerState } from './change-voter-state.ts';
import { votersRecord } from './control-records.ts';
import { ElectionState } from './election-state.ts';
import type { EpochState } from './epoch-state.ts';
import type { LeaderAndEpoch } from './leader-and-epoch.ts';
import { RaftTimer } from './raft-timer.ts';
import { formatReplicaKey, replicaKeyMatches, type ReplicaKey } from './replica-key.ts';
import type { HostAndPort, VoterSet } from './voter-set.ts';

/** An observer that has not fetched for this long is forgotten (Kafka's OBSERVER_SESSION_TIMEOUT_MS, 5 min). */
export const OBSERVER_SESSION_TIMEOUT_MS = 300_000;
/** How recently a replica must have fetched to be added as a voter (Kafka's LeaderState.isReplicaCaughtUp: 1 h). */
const CAUGHT_UP_FETCH_WINDOW_MS = 3_600_000;
/** The leader resigns after fetch.timeout * 1.5 without fetches from a majority (Kafka's CHECK_QUORUM_TIMEOUT_FACTOR). */
export const CHECK_QUORUM_TIMEOUT_FACTOR = 1.5;

/**
 * What the leader knows of one replica (Kafka's `LeaderState.ReplicaState`). Times are on the raft's monotonic
 * clock; -1 is never.
 */
export class ReplicaState {
  replicaKey: ReplicaKey;
  listeners: ReadonlyMap<string, HostAndPort>;
  /** The replica's log end offset as of its last fetch (for the leader itself: its flushed log end). */
  endOffset: bigint | null = null;
  lastFetchTimeMs = -1;
  lastFetchLeaderLogEndOffset = -1n;
  lastCaughtUpTimeMs = -1;
  /** The high watermark of the last fetch answer sent to this replica (null: none yet). */
  sentHighWatermark: bigint | null = null;
  hasAcknowledgedLeader: boolean;

  constructor(replicaKey: ReplicaKey, hasAcknowledgedLeader: boolean, listeners: ReadonlyMap<string, HostAndPort>) {
    this.replicaKey = replicaKey;
    this.hasAcknowledgedLeader = hasAcknowledgedLeader;
    this.listeners = listeners;
  }

  matchesKey(key: ReplicaKey): boolean {
    return replicaKeyMatches(this.replicaKey, key);
  }

  /**
   * A fetch at `fetchOffset` (Kafka's updateFollowerState): caught up when it reached the leader's end, or the end
   * the leader had at its previous fetch (then it was caught up at that previous fetch's time).
   */
  updateFollowerState(nowMs: number, fetchOffset: bigint, leaderEndOffset: bigint | null): void {
    if (leaderEndOffset !== null) {
      if (fetchOffset >= leaderEndOffset) this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, nowMs);
      else if (this.lastFetchLeaderLogEndOffset > 0n && fetchOffset >= this.lastFetchLeaderLogEndOffset) this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, this.lastFetchTimeMs);
      this.lastFetchLeaderLogEndOffset = leaderEndOffset;
    }
    this.lastFetchTimeMs = Math.max(this.lastFetchTimeMs, nowMs);
    this.endOffset = fetchOffset;
    this.hasAcknowledgedLeader = true;
  }
}

/** Kafka's ReplicaState.compareTo: by end offset descending (unknown last), then by id. */
function byDescendingEndOffset(a: ReplicaState, b: ReplicaState): number {
  if (a.endOffset === b.endOffset) return a.replicaKey.id - b.replicaKey.id;
  if (a.endOffset === null) return 1;
  if (b.endOffset === null) return -1;
  return a.endOffset > b.endOffset ? -1 : 1;
}

function observerKey(key: ReplicaKey): string {
  return formatReplicaKey(key);
}

/**
 * Leader (Kafka's `LeaderState`): appends through its BatchAccumulator, tracks every voter's and observer's
 * fetch progress, and computes the high watermark: the end offset reached by a majority of voters, where its
 * own end offset counts only once flushed (the client passes the flushed offset to {@link updateLocalState}).
 * The high watermark moves only past `epochStartOffset` (a new leader commits nothing until an entry of its own
 * epoch, the LeaderChange record, is on a majority: the Raft rule that a leader never commits an older term's
 * entries by counting replicas) and never backwards. It resigns when a majority of voters has not fetched within
 * fetch.timeout * 1.5 (check quorum), and re-sends BeginQuorumEpoch to voters that have not fetched within
 * fetch.timeout / 2.
 */
export class LeaderState implements EpochState {
  readonly name = 'Leader' as const;
  /** What this state persists (recomputed when the voter set changes). */
  #election: ElectionState | null = null;
  readonly epoch: number;
  readonly epochStartOffset: bigint;
  readonly accumulator: BatchAccumulator;
  readonly grantingVoters: ReadonlySet<number>;
  /** The voter change (KIP-853 AddRaftVoter/RemoveRaftVoter) in progress. */
  readonly changeVoterState = new ChangeVoterHandlerState();
  readonly #localKey: ReplicaKey;
  readonly #localListeners: ReadonlyMap<string, HostAndPort>;
  #voterStates = new Map<number, ReplicaState>();
  readonly #observerStates = new Map<string, ReplicaState>();
  readonly #fetchedVoters = new Set<number>();
  readonly #checkQuorumTimeoutMs: number;
  readonly #checkQuorumTimer: RaftTimer;
  readonly #beginQuorumEpochTimeoutMs: number;
  readonly #beginQuorumEpochTimer: RaftTimer;
  #highWatermark: bigint | null = null;
  #resignRequested = false;

  constructor(
    nowMs: number,
    localKey: ReplicaKey,
    localListeners: ReadonlyMap<string, HostAndPort>,
    epoch: number,
    epochStartOffset: bigint,
    voters: VoterSet,
    grantingVoters: ReadonlySet<number>,
    accumulator: BatchAccumulator,
    fetchTimeoutMs: number,
  ) {
    if (!voters.isVoter(localKey)) throw new Error(`Local replica ${formatReplicaKey(localKey)} is not a voter in ${voters}`);
    this.#localKey = localKey;
    this.#localListeners = localListeners;
    this.epoch = epoch;
    this.epochStartOffset = epochStartOffset;
    for (const v of voters.voterNodes()) {
      this.#voterStates.set(v.voterKey.id, new ReplicaState(v.voterKey, replicaKeyMatches(v.voterKey, localKey), v.listeners));
    }
    this.grantingVoters = new Set(grantingVoters);
    this.accumulator = accumulator;
    this.#checkQuorumTimeoutMs = Math.trunc(fetchTimeoutMs * CHECK_QUORUM_TIMEOUT_FACTOR);
    this.#checkQuorumTimer = new RaftTimer(nowMs, this.#checkQuorumTimeoutMs);
    this.#beginQuorumEpochTimeoutMs = Math.trunc(fetchTimeoutMs / 2);
    this.#beginQuorumEpochTimer = new RaftTimer(nowMs, 0);
  }

  election(): ElectionState {
    return (this.#election ??= ElectionState.withElectedLeader(this.epoch, this.#localKey.id, null, new Set(this.#voterStates.keys())));
  }

  leaderAndEpoch(): LeaderAndEpoch {
    return { leaderId: this.#localKey.id, epoch: this.epoch };
  }

  leaderEndpoints(): ReadonlyMap<string, HostAndPort> {
    return this.#localListeners;
  }

  highWatermark(): bigint | null {
    return this.#highWatermark;
  }

  /** A leader grants nothing in its own epoch. */
  canGrantVote(): boolean {
    return false;
  }

  get isResignRequested(): boolean {
    return this.#resignRequested;
  }

  requestResign(): void {
    this.#resignRequested = true;
  }

  /** Appends a Voters record with `voters` (KIP-853). @returns its offset. */
  appendVotersRecord(voters: VoterSet): bigint {
    return this.accumulator.appendControlBatch([votersRecord(voters.toVotersRecord())]);
  }

  /**
   * Observer `key` has caught up with the log at least once and fetched within the last hour: it may be added as a
   * voter (Kafka's isReplicaCaughtUp).
   */
  isReplicaCaughtUp(key: ReplicaKey, nowMs: number): boolean {
    const s = this.#observerStates.get(observerKey(key));
    return s !== undefined && s.lastCaughtUpTimeMs >= 0 && s.lastFetchTimeMs >= 0 && s.lastFetchTimeMs > nowMs - CAUGHT_UP_FETCH_WINDOW_MS;
  }

  timeUntilBeginQuorumEpochTimerExpires(nowMs: number): number {
    return this.#beginQuorumEpochTimer.remainingMs(nowMs);
  }

  resetBeginQuorumEpochTimer(nowMs: number): void {
    this.#beginQuorumEpochTimer.update(nowMs);
    this.#beginQuorumEpochTimer.reset(this.#beginQuorumEpochTimeoutMs);
  }

  /** Voters (not us) that have not fetched within fetch.timeout / 2: they get BeginQuorumEpoch again. */
  needToSendBeginQuorumRequests(nowMs: number): ReplicaKey[] {
    const out: ReplicaKey[] = [];
    for (const s of this.#voterStates.values()) {
      if (s.replicaKey.id !== this.#localKey.id && (s.lastFetchTimeMs < 0 || nowMs - s.lastFetchTimeMs >= this.#beginQuorumEpochTimeoutMs)) out.push(s.replicaKey);
    }
    return out;
  }

  /** Ms until the check-quorum timer expires (0: resign); Infinity with a single voter. */
  timeUntilCheckQuorumExpires(nowMs: number): number {
    if (this.#voterStates.size === 1) return Infinity;
    return this.#checkQuorumTimer.remainingMs(nowMs);
  }

  /** A voter fetched (Fetch or FetchSnapshot): once a majority of the other voters did, the timer restarts. */
  updateCheckQuorumForFollowingVoter(key: ReplicaKey, nowMs: number): void {
    if (key.id === this.#localKey.id) throw new Error('Received a FETCH/FETCH_SNAPSHOT request from the leader itself');
    const s = this.#voterStates.get(key.id);
    if (s !== undefined && s.matchesKey(key)) this.#fetchedVoters.add(key.id);
    let majority = Math.floor(this.#voterStates.size / 2) + 1;
    if (this.#voterStates.has(this.#localKey.id)) majority--;
    if (this.#fetchedVoters.size >= majority) {
      this.#fetchedVoters.clear();
      this.#checkQuorumTimer.update(nowMs);
      this.#checkQuorumTimer.reset(this.#checkQuorumTimeoutMs);
    }
  }

  /**
   * The leader's own durable end offset moved.
   * @returns true when the high watermark moved.
   * @throws Error when it goes backwards.
   */
  updateLocalState(flushedEndOffset: bigint, voters: VoterSet): boolean {
    const s = this.#getOrCreateReplicaState(this.#localKey);
    if (s.endOffset !== null && s.endOffset > flushedEndOffset) throw new Error(`Detected non-monotonic update of local end offset: ${s.endOffset} -> ${flushedEndOffset}`);
    s.endOffset = flushedEndOffset;
    this.#updateVoterAndObserverStates(voters);
    return this.#maybeUpdateHighWatermark();
  }

  /**
   * Replica `key` fetched at `fetchOffset` (its log end).
   * @returns true when the high watermark moved.
   */
  updateReplicaState(key: ReplicaKey, nowMs: number, fetchOffset: bigint): boolean {
    if (key.id < 0) return false;
    if (key.id === this.#localKey.id) throw new Error(`Remote replica id ${key.id} matches the local leader id`);
    const s = this.#getOrCreateReplicaState(key);
    const leaderEnd = this.#getOrCreateReplicaState(this.#localKey).endOffset;
    s.updateFollowerState(nowMs, fetchOffset, leaderEnd);
    this.updateCheckQuorumForFollowingVoter(key, nowMs);
    const voter = this.#voterStates.get(key.id);
    return voter !== undefined && voter.matchesKey(key) && this.#maybeUpdateHighWatermark();
  }

  /**
   * Whether replica `key` has not been sent the current high watermark yet (the effect of Kafka 4.1+'s
   * isHighWatermarkUpdated, KIP-1166, whose fetcher-side HighWatermark field our Fetch versions do not carry: the
   * leader remembers what it sent instead). False for anonymous replicas (id < 0) and while no high watermark is known.
   */
  highWatermarkUnsentTo(key: ReplicaKey): boolean {
    if (key.id < 0 || this.#highWatermark === null) return false;
    const sent = this.#getOrCreateReplicaState(key).sentHighWatermark;
    return sent === null || sent < this.#highWatermark;
  }

  /** A fetch answer carrying `highWatermark` went to replica `key`. */
  recordHighWatermarkSent(key: ReplicaKey, highWatermark: bigint): void {
    if (key.id < 0 || highWatermark < 0n) return;
    const s = this.#getOrCreateReplicaState(key);
    if (s.sentHighWatermark === null || s.sentHighWatermark < highWatermark) s.sentHighWatermark = highWatermark;
  }

  /** Voters other than us, most replicated first: the preferred successors of a resignation. */
  nonLeaderVotersByDescendingFetchOffset(): ReplicaKey[] {
    return [...this.#voterStates.values()]
      .sort(byDescendingEndOffset)
      .filter((s) => !s.matchesKey(this.#localKey))
      .map((s) => s.replicaKey);
  }

  /**
   * BeginQuorumEpoch acknowledged by voter `id`. Ignored when `id` is no voter any more (a Voters record removed it
   * while the request was out; Kafka 4.4 throws).
   * @returns whether `id` is a voter.
   */
  addAcknowledgementFrom(id: number): boolean {
    const s = this.#voterStates.get(id);
    if (s === undefined) return false;
    s.hasAcknowledgedLeader = true;
    return true;
  }

  /**
   * The voter set changed (a Voters record was appended, KIP-853): the voters' and observers' states follow at once
   * (a leader uses a voter set from the moment it is in its log).
   * @returns true when the high watermark moved.
   */
  updateVoterSet(voters: VoterSet): boolean {
    this.#updateVoterAndObserverStates(voters);
    return this.#maybeUpdateHighWatermark();
  }

  voterStates(): ReadonlyMap<number, ReplicaState> {
    return this.#voterStates;
  }

  /** Observers that fetched within the last 5 minutes (older ones are forgotten). */
  observerStates(nowMs: number): ReplicaState[] {
    for (const [k, s] of this.#observerStates) {
      if (nowMs - s.lastFetchTimeMs >= OBSERVER_SESSION_TIMEOUT_MS && !s.matchesKey(this.#localKey)) this.#observerStates.delete(k);
    }
    return [...this.#observerStates.values()];
  }

  replicaState(key: ReplicaKey): ReplicaState | undefined {
    const v = this.#voterStates.get(key.id);
    if (v !== undefined && v.matchesKey(key)) return v;
    return this.#observerStates.get(observerKey(key));
  }

  #getOrCreateReplicaState(key: ReplicaKey): ReplicaState {
    const v = this.#voterStates.get(key.id);
    if (v !== undefined && v.matchesKey(key)) return v;
    const k = observerKey(key);
    let o = this.#observerStates.get(k);
    if (o === undefined) {
      o = new ReplicaState(key, false, new Map());
      this.#observerStates.set(k, o);
    }
    return o;
  }

  /** Follows a changed voter set (KIP-853): new voters move out of the observers, removed ones into them. */
  #updateVoterAndObserverStates(voters: VoterSet): void {
    const next = new Map<number, ReplicaState>();
    const old = new Map(this.#voterStates);
    for (const node of voters.voterNodes()) {
      const s = this.replicaState(node.voterKey) ?? new ReplicaState(node.voterKey, false, node.listeners);
      old.delete(node.voterKey.id);
      this.#observerStates.delete(observerKey(node.voterKey));
      s.replicaKey = node.voterKey;
      s.listeners = node.listeners;
      next.set(node.voterKey.id, s);
    }
    if (next.size !== this.#voterStates.size || [...next.keys()].some((id) => !this.#voterStates.has(id))) this.#election = null;
    this.#voterStates = next;
    for (const s of old.values()) {
      s.listeners = new Map();
      if (!this.#observerStates.has(observerKey(s.replicaKey))) this.#observerStates.set(observerKey(s.replicaKey), s);
    }
  }

  #maybeUpdateHighWatermark(): boolean {
    const sorted = [...this.#voterStates.values()].sort(byDescendingEndOffset);
    const candidate = sorted[Math.floor(this.#voterStates.size / 2)]?.endOffset ?? null;
    if (candidate === null || candidate <= this.epochStartOffset) return false;
    if (this.#highWatermark !== null && candidate <= this.#highWatermark) return false;
    this.#highWatermark = candidate;
    return true;
  }

  async close(): Promise<void> {
    this.changeVoterState.maybeResetPendingVoterHandlerState(Errors.NOT_LEADER_OR_FOLLOWER);
    this.accumulator.close();
  }

  toString(): string {
    const voters = [...this.#voterStates.values()].map((s) => `${s.replicaKey.id}@${s.endOffset ?? '?'}`);
    return `Leader(epoch=${this.epoch}, epochStartOffset=${this.epochStartOffset}, highWatermark=${this.#highWatermark ?? 'unknown'}, voters=[${voters.join(', ')}])`;
  }
}
