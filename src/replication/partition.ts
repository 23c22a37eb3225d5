import type { Time } from '../common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../common/topic-partition.ts';
import type { Logger } from '../observability/logger.ts';
import type { LeaderAppendOptions, UnifiedLog } from '../storage/unified-log.ts';
import type { LogAppendInfo } from '../storage/log-types.ts';
import type { MetadataImage, PartitionRegistration } from '../metadata/metadata-image.ts';
import { ApiError } from '../common/api-error.ts';
import { Errors } from '../protocol/generated/errors.ts';
import { OffsetOutOfRangeError, UnexpectedAppendOffsetError } from '../storage/errors.ts';
import type { PartitionLog } from './partition-log.ts';
import { ReplicaState } from './replica-state.ts';
import {
  FOLLOWER_STATE,
  committedState,
  type CommittedLeaderAndIsr,
  type IsrMember,
  type LeaderAndIsr,
  type PartitionState,
  type PendingPartitionChange,
} from './partition-state.ts';
import { verifiedWholeBatches } from './replicated-batches.ts';

/** Result of appending one partition's records as leader. */
export interface LeaderAppendResult {
  firstOffset: bigint;
  lastOffset: bigint;
  /** LogAppendTime used for the batch, or -1n for CreateTime topics. */
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
}

/** Sends an ISR change to the controller (AlterPartitionManager); rejects with an ApiError carrying its code. */
export interface AlterPartitionSubmitter {
  submit(topicId: string, partition: number, leaderAndIsr: LeaderAndIsr): Promise<CommittedLeaderAndIsr>;
}

/**
 * Told of the outcome of ISR changes of partitions led here (Kafka's IsrChangeListener, behind the ReplicaManager's
 * IsrShrinksPerSec, IsrExpandsPerSec and FailedIsrUpdatesPerSec meters).
 */
export interface IsrChangeListener {
  /** The controller committed a shrink. */
  markShrink(): void;
  /** The controller committed an expansion. */
  markExpand(): void;
  /** An AlterPartition failed (any error, as Kafka counts them). */
  markFailed(): void;
}

/** What the partitions of one broker share (the ReplicaManager builds it once). */
export interface PartitionContext {
  readonly nodeId: number;
  readonly time: Time;
  readonly logger: Logger;
  /** replica.lag.time.max.ms: a follower not caught up for longer leaves the ISR. */
  readonly replicaLagTimeMaxMs: number;
  readonly alterPartitionManager: AlterPartitionSubmitter;
  /** The topic's min.insync.replicas (topic configs change, so it is read at each use). */
  minInsyncReplicas(topic: string): number;
  /** The newest metadata image: brokers' fencing, controlled shutdown and epochs (KIP-841, KIP-903). */
  metadata(): MetadataImage;
  /** This broker's epoch, sent for its own entry of the ISR in AlterPartition. */
  brokerEpoch(): bigint;
  /** The high watermark moved: wakes the fetches and produces waiting on the partition (Kafka's tryCompleteDelayedRequests). */
  tryCompleteDelayedRequests(tp: TopicPartition): void;
  /** Counts committed and failed ISR changes (metrics); optional. */
  readonly isrChangeListener?: IsrChangeListener;
}

/** The end of the follower's last fetched epoch in the leader's log, when it diverges from the follower's (KIP-320). */
export interface DivergingEpoch {
  readonly epoch: number;
  readonly endOffset: bigint;
}

/**
 * One partition hosted by this broker, after Kafka's `kafka.cluster.Partition`: its log, its replicas, and this
 * broker's role in it as the metadata log says (leader, follower, or neither), in a leader epoch and a partition
 * epoch (KIP-497).
 *
 * As leader it
 * - appends client and coordinator records (min.insync.replicas checked against the ISR for acks=all);
 * - tracks each follower's fetch position ({@link ReplicaState}) from its Fetch requests, and moves the high
 *   watermark to the smallest log end offset among the maximal ISR and the followers that are caught up and may
 *   join it (Kafka's maybeIncrementLeaderHW; it never moves back, and stands still while the ISR is smaller than
 *   min.insync.replicas, as Kafka 3.7+ does);
 * - grows the ISR with a follower that reached the high watermark and the start of this leader epoch and whose
 *   broker is registered, unfenced, not shutting down, in the broker epoch its fetches carry (KIP-841, KIP-903),
 *   and shrinks it by followers not caught up within replica.lag.time.max.ms, each through an AlterPartition to the
 *   controller with the partition epoch (see {@link PartitionState} for the pending states);
 * - answers acks=all once the high watermark passed the records (NOT_ENOUGH_REPLICAS_AFTER_APPEND when the maximal
 *   ISR is then smaller than min.insync.replicas).
 * As follower it appends what its fetcher brings (the leader's offsets and epochs; CRCs checked) and truncates as
 * the fetcher decides; it answers produce with NOT_LEADER_OR_FOLLOWER.
 *
 * A registration whose partition epoch is older than the one this partition knows (an AlterPartition answer can
 * come before the metadata record) is skipped. State changes happen synchronously: callers on the event loop
 * never see them half done.
 */
export class Partition<L extends PartitionLog = UnifiedLog> {
  readonly topicPartition: TopicPartition;
  readonly topicId: string;
  readonly log: L;
  readonly #ctx: PartitionContext;
  #leaderId = -1;
  #leaderEpoch = -1;
  #partitionEpoch = -1;
  /** Where this broker's current leader epoch starts in its log; null unless leader. */
  #leaderEpochStartOffset: bigint | null = null;
  #state: PartitionState = FOLLOWER_STATE;
  #replicas: readonly number[] = [];
  /** The followers' states, on the leader only. */
  readonly #remoteReplicas = new Map<number, ReplicaState>();

  constructor(topicPartition: TopicPartition, topicId: string, log: L, ctx: PartitionContext) {
    this.topicPartition = topicPartition;
    this.topicId = topicId;
    this.log = log;
    this.#ctx = ctx;
  }

  /** The leader's broker id, -1 when none is known. */
  get leaderId(): number {
    return this.#leaderId;
  }

  get leaderEpoch(): number {
    return this.#leaderEpoch;
  }

  get partitionEpoch(): number {
    return this.#partitionEpoch;
  }

  /** The committed ISR (empty on a follower, which does not track it). */
  get isr(): readonly number[] {
    return this.#state.isr;
  }

  /** The ISR the high watermark and acks=all wait for (committed + a pending addition). */
  get maximalIsr(): readonly number[] {
    return this.#state.maximalIsr;
  }

  /** The ISR state with its pending AlterPartition, if any. */
  get partitionState(): PartitionState {
    return this.#state;
  }

  get replicas(): readonly number[] {
    return this.#replicas;
  }

  get isLeader(): boolean {
    return this.#leaderId === this.#ctx.nodeId;
  }

  get highWatermark(): bigint {
    return this.log.highWatermark;
  }

  get leaderEpochStartOffset(): bigint | null {
    return this.#leaderEpochStartOffset;
  }

  /** A follower's state as this leader tracks it (undefined on a follower, or for a broker not a replica). */
  followerState(brokerId: number): ReplicaState | undefined {
    return this.#remoteReplicas.get(brokerId);
  }

  /** min(min.insync.replicas, replication factor) (Kafka's effectiveMinIsr). */
  #effectiveMinIsr(): number {
    return Math.min(this.#ctx.minInsyncReplicas(this.topicPartition.topic), this.#remoteReplicas.size + 1);
  }

  /** True for a leader whose ISR is smaller than its effective min.insync.replicas. */
  get isUnderMinIsr(): boolean {
    return this.isLeader && this.#state.isr.length < this.#effectiveMinIsr();
  }

  /** Leader whose ISR is exactly the effective min.insync.replicas (Kafka's isAtMinIsr). */
  get isAtMinIsr(): boolean {
    return this.isLeader && this.#state.isr.length === this.#effectiveMinIsr();
  }

  /**
   * Leader whose ISR is smaller than its replica set (Kafka's isUnderReplicated; during a reassignment Kafka
   * leaves the adding replicas out of the replication factor, which this broker does not track here).
   */
  get isUnderReplicated(): boolean {
    return this.isLeader && this.#state.isr.length < this.#replicas.length;
  }

  #key(): string {
    return topicPartitionKey(this.topicPartition);
  }

  /**
   * Becomes (or stays) leader with `registration` (Kafka's makeLeader). The replica set and ISR are taken from it;
   * in a new leader epoch the epoch's start (this log's end) is recorded in the leader epoch cache
   * (leader-epoch-checkpoint, so that followers with entries of later epochs truncate correctly) and the followers'
   * states are reset. Memory changes happen before the first await.
   * @returns whether this broker was not the leader before; the promise settles once the leader epoch checkpoint is
   *   written (never rejects: a failed write is logged by the log).
   */
  async makeLeader(registration: PartitionRegistration): Promise<boolean> {
    const ctx = this.#ctx;
    if (registration.partitionEpoch < this.#partitionEpoch) {
      ctx.logger.info({ topicPartition: this.#key(), partitionEpoch: this.#partitionEpoch, registration: registration.partitionEpoch }, 'Skipped the become-leader state change: the partition epoch is older than the one known');
      return false;
    }
    const now = ctx.time.milliseconds();
    const isNewLeader = !this.isLeader;
    const isNewLeaderEpoch = registration.leaderEpoch > this.#leaderEpoch;
    this.#updateAssignmentAndIsr(registration.replicas, true, registration.isr);
    let written: Promise<void> | null = null;
    if (isNewLeaderEpoch) {
      const start = this.log.logEndOffset;
      ctx.logger.info(
        { topicPartition: this.#key(), leaderEpoch: registration.leaderEpoch, startOffset: String(start), partitionEpoch: registration.partitionEpoch, highWatermark: String(this.log.highWatermark), isr: registration.isr, previousLeader: this.#leaderId, previousLeaderEpoch: this.#leaderEpoch },
        'Leader starts a new leader epoch',
      );
      const latest = this.log.latestEpoch;
      if (latest === undefined || latest < registration.leaderEpoch) written = this.log.assignEpochStartOffset(registration.leaderEpoch, start);
      for (const replica of this.#remoteReplicas.values()) replica.reset(now, start, isNewLeader, registration.isr.includes(replica.brokerId));
      this.#leaderEpoch = registration.leaderEpoch;
      this.#leaderEpochStartOffset = start;
    }
    this.#partitionEpoch = registration.partitionEpoch;
    this.#leaderId = ctx.nodeId;
    if (this.#maybeIncrementLeaderHW(now)) ctx.tryCompleteDelayedRequests(this.topicPartition);
    if (written !== null) await written;
    return isNewLeader;
  }

  /**
   * Becomes (or stays) a follower of `registration.leader` (-1: no leader) (Kafka's makeFollower): the followers'
   * states and the ISR are forgotten (only leaders track them).
   * @returns true when the leader epoch changed, so the fetcher must restart from a fresh position.
   */
  makeFollower(registration: PartitionRegistration): boolean {
    if (registration.partitionEpoch < this.#partitionEpoch) {
      this.#ctx.logger.info({ topicPartition: this.#key(), partitionEpoch: this.#partitionEpoch, registration: registration.partitionEpoch }, 'Skipped the become-follower state change: the partition epoch is older than the one known');
      return false;
    }
    const isNewLeaderEpoch = registration.leaderEpoch > this.#leaderEpoch;
    if (isNewLeaderEpoch) {
      this.#ctx.logger.info(
        { topicPartition: this.#key(), leaderEpoch: registration.leaderEpoch, leader: registration.leader, logEndOffset: String(this.log.logEndOffset), highWatermark: String(this.log.highWatermark), previousLeader: this.#leaderId, previousLeaderEpoch: this.#leaderEpoch },
        'Follower starts a new leader epoch',
      );
    }
    this.#leaderId = registration.leader;
    this.#leaderEpoch = registration.leaderEpoch;
    this.#leaderEpochStartOffset = null;
    this.#partitionEpoch = registration.partitionEpoch;
    this.#updateAssignmentAndIsr(registration.replicas, false, FOLLOWER_STATE.isr);
    return isNewLeaderEpoch;
  }

  #updateAssignmentAndIsr(replicas: readonly number[], isLeader: boolean, isr: readonly number[]): void {
    this.#replicas = replicas;
    if (isLeader) {
      const nodeId = this.#ctx.nodeId;
      for (const id of replicas) if (id !== nodeId && !this.#remoteReplicas.has(id)) this.#remoteReplicas.set(id, new ReplicaState(id));
      for (const id of [...this.#remoteReplicas.keys()]) if (!replicas.includes(id)) this.#remoteReplicas.delete(id);
      this.#state = committedState(isr);
    } else {
      this.#remoteReplicas.clear();
      this.#state = FOLLOWER_STATE;
    }
  }

  /**
   * Appends validated batches as leader (Kafka's `appendRecordsToLeader`); `options` carry the append origin
   * (client or coordinator) and a KIP-890 verification guard. A client's retried batch resolves with the offsets
   * it was first written at.
   * @throws ApiError NOT_LEADER_OR_FOLLOWER (6) when not the leader; NOT_ENOUGH_REPLICAS (19) for acks=all when
   * the ISR is smaller than min.insync.replicas; the log's producer state errors (45, 47, 48, 52).
   */
  async appendRecordsToLeader(batches: Buffer, requiredAcks: number, options: LeaderAppendOptions = {}): Promise<LeaderAppendResult> {
    if (!this.isLeader) {
      throw new ApiError(Errors.NOT_LEADER_OR_FOLLOWER, `Leader not local for partition ${this.#key()} on broker ${this.#ctx.nodeId}`);
    }
    if (requiredAcks === -1 && this.#remoteReplicas.size > 0) {
      const minIsr = this.#effectiveMinIsr();
      if (this.#state.isr.length < minIsr) {
        throw new ApiError(
          Errors.NOT_ENOUGH_REPLICAS,
          `The size of the current ISR [${this.#state.isr.join(', ')}] is insufficient to satisfy the min.isr requirement of ${minIsr} for partition ${this.#key()}`,
        );
      }
    }
    const info = await this.log.appendAsLeader(batches, this.#leaderEpoch, options);
    // The ISR may be down to this broker alone: its log end offset may now be the high watermark.
    if (this.isLeader) this.#maybeIncrementLeaderHW(0);
    return {
      firstOffset: info.firstOffset,
      lastOffset: info.lastOffset,
      logAppendTimeMs: info.logAppendTime,
      logStartOffset: this.log.logStartOffset,
    };
  }

  /**
   * acks=all (Kafka's checkEnoughReplicasReachOffset): whether the records before `requiredOffset` are replicated.
   * @returns null while the high watermark is below it; NONE once it passed; NOT_ENOUGH_REPLICAS_AFTER_APPEND (20)
   *   when it passed but the maximal ISR is now smaller than min.insync.replicas; NOT_LEADER_OR_FOLLOWER (6) when
   *   this broker is no longer the leader (the records may or may not survive: the producer retries).
   */
  checkEnoughReplicasReachOffset(requiredOffset: bigint): number | null {
    if (!this.isLeader) return Errors.NOT_LEADER_OR_FOLLOWER;
    if (this.log.highWatermark < requiredOffset) return null;
    return this.#effectiveMinIsr() <= this.#state.maximalIsr.length ? Errors.NONE : Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
  }

  /**
   * The high watermark: the smallest log end offset among the leader, the maximal ISR, and the followers that are
   * caught up and may join the ISR (so that a follower catching up is not left behind forever by a leader alone in
   * its ISR); it never moves back and stays put while the ISR is under min.insync.replicas (Kafka's
   * maybeIncrementLeaderHW). @param nowMs the clock for the caught-up test, 0 to read it only when needed.
   */
  #maybeIncrementLeaderHW(nowMs: number): boolean {
    const log = this.log;
    // A partition without followers (the single-replica produce path): the log end offset is the high watermark.
    if (this.#remoteReplicas.size === 0) return this.#state.isr.length > 0 && log.maybeIncrementHighWatermark(log.logEndOffset);
    if (this.isUnderMinIsr) return false;
    const leaderEnd = log.logEndOffset;
    const maximalIsr = this.#state.maximalIsr;
    const now = nowMs === 0 ? this.#ctx.time.milliseconds() : nowMs;
    let newHighWatermark = leaderEnd;
    for (const replica of this.#remoteReplicas.values()) {
      if (replica.logEndOffset >= newHighWatermark) continue;
      if (maximalIsr.includes(replica.brokerId) || (replica.isCaughtUp(leaderEnd, now, this.#ctx.replicaLagTimeMaxMs) && this.#isReplicaIsrEligible(replica.brokerId))) {
        newHighWatermark = replica.logEndOffset;
      }
    }
    return newHighWatermark >= 0n && log.maybeIncrementHighWatermark(newHighWatermark);
  }

  /**
   * KIP-841/903: a follower may join the ISR only if its broker is registered, not fenced, not in controlled
   * shutdown, and its fetches carry its current broker epoch (or -1, which old fetch versions send).
   */
  #isReplicaIsrEligible(brokerId: number): boolean {
    const replica = this.#remoteReplicas.get(brokerId);
    const registration = this.#ctx.metadata().brokers.get(brokerId);
    if (replica === undefined || registration === undefined || registration.fenced || registration.inControlledShutdown) return false;
    const stored = replica.brokerEpoch;
    return stored !== null && (stored === -1n || stored === registration.epoch);
  }

  /** The follower replica fetching, or an error (Kafka's followerReplicaOrThrow). */
  #followerReplicaOrThrow(replicaId: number, currentLeaderEpoch: number): ReplicaState {
    const replica = this.#remoteReplicas.get(replicaId);
    if (replica !== undefined) return replica;
    // A replica not (yet) in the replica set, e.g. a reassignment target this leader has not seen: it retries.
    const code = currentLeaderEpoch >= 0 ? Errors.UNKNOWN_LEADER_EPOCH : Errors.NOT_LEADER_OR_FOLLOWER;
    throw new ApiError(code, `Replica ${replicaId} is not recognized as a valid replica of ${this.#key()} in leader epoch ${this.#leaderEpoch} with partition epoch ${this.#partitionEpoch}`);
  }

  /**
   * Checks a follower's fetch before reading (Kafka's Partition.readRecords for a follower): the follower must be
   * a replica, the fetch offset within [logStartOffset, logEndOffset], and when it says which epoch it fetched
   * last (`lastFetchedEpoch` >= 0, Fetch v12+), its log must not diverge from this one there (KIP-320).
   * @returns the diverging epoch (the follower truncates to it; nothing is read and its state is not updated), or
   *   null when the read may go ahead.
   * @throws ApiError UNKNOWN_LEADER_EPOCH (75) / NOT_LEADER_OR_FOLLOWER (6) for a broker not in the replica set,
   *   OFFSET_OUT_OF_RANGE (1) for a fetch offset out of the log, or a last fetched epoch whose end is unknown here.
   */
  validateFollowerFetch(replicaId: number, fetchOffset: bigint, lastFetchedEpoch: number, currentLeaderEpoch: number): DivergingEpoch | null {
    this.#followerReplicaOrThrow(replicaId, currentLeaderEpoch);
    const log = this.log;
    if (lastFetchedEpoch >= 0) {
      const end = log.endOffsetForEpoch(lastFetchedEpoch);
      if (end.endOffset < 0n || end.leaderEpoch < 0) {
        throw new OffsetOutOfRangeError(`Could not determine the end offset of the last fetched epoch ${lastFetchedEpoch} of ${this.#key()}`);
      }
      if (fetchOffset < log.logStartOffset) {
        throw new OffsetOutOfRangeError(`Received request for offset ${fetchOffset} for partition ${this.#key()}, but we only have log segments in the range ${log.logStartOffset} to ${log.logEndOffset}.`);
      }
      if (end.leaderEpoch < lastFetchedEpoch || end.endOffset < fetchOffset) return { epoch: end.leaderEpoch, endOffset: end.endOffset };
    }
    if (fetchOffset < log.logStartOffset || fetchOffset > log.logEndOffset) {
      throw new OffsetOutOfRangeError(`Received request for offset ${fetchOffset} for partition ${this.#key()}, but we only have log segments in the range ${log.logStartOffset} to ${log.logEndOffset}.`);
    }
    return null;
  }

  /**
   * Records a follower's fetch (Kafka's updateFollowerFetchState): its log end offset is the fetch offset; then
   * the follower may join the ISR, and the high watermark may move (waking the waiting produces and fetches).
   * Called once per fetch request, not again when a waiting fetch is completed.
   * @param leaderEndOffset this log's end offset when the fetch arrived (appends after it do not hold the follower
   *   back).
   * @throws ApiError NOT_LEADER_OR_FOLLOWER (6) for a fetch of an earlier incarnation of the follower's broker.
   */
  updateFollowerFetchState(replicaId: number, fetchOffset: bigint, followerStartOffset: bigint, fetchTimeMs: number, leaderEndOffset: bigint, brokerEpoch: bigint): void {
    const replica = this.#remoteReplicas.get(replicaId);
    if (replica === undefined || !this.isLeader) return;
    const previousEnd = replica.logEndOffset;
    const registration = this.#ctx.metadata().brokers.get(replicaId);
    const aliveEpoch = registration === undefined || registration.fenced ? null : registration.epoch;
    replica.updateFetchState(fetchOffset, followerStartOffset, fetchTimeMs, leaderEndOffset, brokerEpoch, aliveEpoch);
    this.#maybeExpandIsr(replica);
    if (previousEnd !== replica.logEndOffset && this.#maybeIncrementLeaderHW(fetchTimeMs)) this.#ctx.tryCompleteDelayedRequests(this.topicPartition);
  }

  /**
   * Adds `replica` to the ISR when it is in sync: its log reached the high watermark and the start of this leader
   * epoch (so it truncated whatever diverged), and it is eligible (Kafka's maybeExpandIsr). One change at a time.
   */
  #maybeExpandIsr(replica: ReplicaState): void {
    const state = this.#state;
    if (state.kind !== 'committed' || state.isr.includes(replica.brokerId)) return;
    const start = this.#leaderEpochStartOffset;
    if (start === null || replica.logEndOffset < this.log.highWatermark || replica.logEndOffset < start) return;
    if (!this.#isReplicaIsrEligible(replica.brokerId)) return;
    const isr = [...state.isr, replica.brokerId];
    this.#ctx.logger.info({ topicPartition: this.#key(), isr: state.isr, adding: replica.brokerId, logEndOffset: String(replica.logEndOffset), highWatermark: String(this.log.highWatermark) }, 'Expanding the ISR');
    this.#propose({ kind: 'pendingExpand', isr: state.isr, maximalIsr: isr, leaderRecoveryState: state.leaderRecoveryState, sentLeaderAndIsr: this.#leaderAndIsr(isr, state.leaderRecoveryState), lastCommittedState: state });
  }

  /**
   * Removes from the ISR the followers not caught up within replica.lag.time.max.ms (Kafka's maybeShrinkIsr: a
   * follower stuck, or too slow to reach the leader's log end offset); ReplicaManager calls it every half lag time.
   */
  maybeShrinkIsr(): void {
    const state = this.#state;
    if (!this.isLeader || state.kind !== 'committed') return;
    const nodeId = this.#ctx.nodeId;
    const leaderEnd = this.log.logEndOffset;
    const now = this.#ctx.time.milliseconds();
    const outOfSync = state.isr.filter((id) => id !== nodeId && this.#remoteReplicas.get(id)?.isCaughtUp(leaderEnd, now, this.#ctx.replicaLagTimeMaxMs) !== true);
    if (outOfSync.length === 0) return;
    const isr = state.isr.filter((id) => !outOfSync.includes(id));
    const lagging = outOfSync.map((id) => {
      const r = this.#remoteReplicas.get(id);
      return { brokerId: id, logEndOffset: r === undefined ? 'unknown' : String(r.logEndOffset), lastCaughtUpTimeMs: r?.lastCaughtUpTimeMs ?? 'unknown' };
    });
    this.#ctx.logger.info({ topicPartition: this.#key(), isr: state.isr, newIsr: isr, highWatermark: String(this.log.highWatermark), logEndOffset: String(leaderEnd), outOfSync: lagging }, 'Shrinking the ISR');
    this.#propose({ kind: 'pendingShrink', isr: state.isr, maximalIsr: state.isr, leaderRecoveryState: state.leaderRecoveryState, sentLeaderAndIsr: this.#leaderAndIsr(isr, state.leaderRecoveryState), lastCommittedState: state });
  }

  /** The AlterPartition entry for `isr`, each member with the broker epoch this leader knows for it (KIP-903). */
  #leaderAndIsr(isr: readonly number[], leaderRecoveryState: number): LeaderAndIsr {
    const nodeId = this.#ctx.nodeId;
    const members: IsrMember[] = isr.map((brokerId) => ({
      brokerId,
      // A member that has not fetched since this broker became leader: -1, the controller then checks no epoch
      // (if it crashed meanwhile, its removal bumped the partition epoch and this request is refused).
      brokerEpoch: brokerId === nodeId ? this.#ctx.brokerEpoch() : (this.#remoteReplicas.get(brokerId)?.brokerEpoch ?? -1n),
    }));
    return { leaderId: nodeId, leaderEpoch: this.#leaderEpoch, isr: members, leaderRecoveryState, partitionEpoch: this.#partitionEpoch };
  }

  #propose(proposed: PendingPartitionChange): void {
    this.#state = proposed;
    this.#submit(proposed);
  }

  /** Sends a pending change; the answer applies only if the state is still that change (Kafka's submitAlterPartition). */
  #submit(proposed: PendingPartitionChange): void {
    this.#ctx.alterPartitionManager.submit(this.topicId, this.topicPartition.partition, proposed.sentLeaderAndIsr).then(
      (committed) => {
        // Counted even when the metadata log already brought the change here (then the answer itself is moot).
        if (proposed.kind === 'pendingShrink') this.#ctx.isrChangeListener?.markShrink();
        else this.#ctx.isrChangeListener?.markExpand();
        if (this.#state !== proposed) return;
        if (this.#handleAlterPartitionUpdate(committed)) this.#ctx.tryCompleteDelayedRequests(this.topicPartition);
      },
      (e: unknown) => {
        this.#ctx.isrChangeListener?.markFailed();
        if (this.#state !== proposed) return;
        const code = e instanceof ApiError ? e.code : Errors.UNKNOWN_SERVER_ERROR;
        if (this.#handleAlterPartitionError(proposed, code)) this.#submit(proposed);
      },
    );
  }

  /** The controller committed the change (or found it already in place). @returns true when the HW moved. */
  #handleAlterPartitionUpdate(committed: CommittedLeaderAndIsr): boolean {
    const logger = this.#ctx.logger;
    if (committed.leaderEpoch !== this.#leaderEpoch) {
      logger.debug({ topicPartition: this.#key(), committed, leaderEpoch: this.#leaderEpoch }, 'Ignoring an ISR update of another leader epoch');
      return false;
    }
    if (committed.partitionEpoch < this.#partitionEpoch) {
      logger.debug({ topicPartition: this.#key(), committed, partitionEpoch: this.#partitionEpoch }, 'Ignoring an ISR update older than the partition epoch known');
      return false;
    }
    this.#state = committedState(committed.isr, committed.leaderRecoveryState);
    this.#partitionEpoch = committed.partitionEpoch;
    logger.info({ topicPartition: this.#key(), isr: committed.isr, partitionEpoch: committed.partitionEpoch, underMinIsr: this.isUnderMinIsr }, 'ISR updated');
    return this.#maybeIncrementLeaderHW(0);
  }

  /**
   * The controller refused the change (Kafka's handleAlterPartitionError). INELIGIBLE_REPLICA and
   * OPERATION_NOT_ATTEMPTED say the request was not applied with the current partition epoch: back to the last
   * committed state. The errors that mean this broker's view is stale (a newer leader or partition epoch, an unknown
   * topic, a replica set changed by a reassignment) keep the pending state until the metadata brings the new one.
   * @returns true when the change should be sent again (any other error).
   */
  #handleAlterPartitionError(proposed: PendingPartitionChange, code: number): boolean {
    switch (code) {
      case Errors.OPERATION_NOT_ATTEMPTED:
      case Errors.INELIGIBLE_REPLICA:
        this.#state = proposed.lastCommittedState;
        this.#ctx.logger.info({ topicPartition: this.#key(), proposed: proposed.sentLeaderAndIsr.isr.map((m) => m.brokerId), error: code }, 'The controller refused the ISR change; back to the committed ISR');
        return false;
      case Errors.UNKNOWN_TOPIC_OR_PARTITION:
      case Errors.UNKNOWN_TOPIC_ID:
      case Errors.FENCED_LEADER_EPOCH:
      case Errors.INVALID_UPDATE_VERSION:
      case Errors.INVALID_REQUEST:
      case Errors.NEW_LEADER_ELECTED:
        this.#ctx.logger.debug({ topicPartition: this.#key(), error: code }, 'The ISR change failed; waiting for the metadata');
        return false;
      default:
        this.#ctx.logger.warn({ topicPartition: this.#key(), error: code }, 'The ISR change failed with an unexpected error; retrying');
        return true;
    }
  }

  /**
   * Follower: appends what the leader sent, its whole batches only, CRCs checked, offsets and epochs kept (Kafka's
   * appendRecordsToFollowerOrFutureReplica). A first batch that starts before the log end of an empty log (the
   * leader's log start fell inside it: DeleteRecords) restarts this log at that batch, as Kafka does.
   * @returns the append, or null when `records` held no whole batch.
   * @throws CorruptRecordError (2) for a bad CRC; UnexpectedAppendOffsetError when the batches do not follow the
   *   log end; KafkaStorageError (56).
   */
  async appendRecordsToFollower(records: Buffer): Promise<LogAppendInfo | null> {
    const batches = await verifiedWholeBatches(records);
    if (batches.length === 0) return null;
    try {
      return await this.log.appendAsFollower(batches);
    } catch (e) {
      const log = this.log;
      if (!(e instanceof UnexpectedAppendOffsetError) || log.logEndOffset !== log.logStartOffset || e.firstOffset >= log.logEndOffset || e.lastOffset < log.logEndOffset) throw e;
      this.#ctx.logger.info({ topicPartition: this.#key(), firstOffset: String(e.firstOffset), logStartOffset: String(log.logStartOffset) }, 'First batch of an empty follower log starts before its log start offset; restarting the log at it');
      await log.truncateFullyAndStartAt(e.firstOffset);
      return await log.appendAsFollower(batches);
    }
  }
}
