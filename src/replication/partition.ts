import type { TopicPartition } from '../common/topic-partition.ts';
import type { LeaderAppendOptions, UnifiedLog } from '../storage/unified-log.ts';
import type { PartitionRegistration } from '../metadata/metadata-image.ts';
import { ApiError } from '../common/api-error.ts';
import { Errors } from '../protocol/generated/errors.ts';

const RESOLVED: Promise<void> = Promise.resolve();

/** Result of appending one partition's records as leader. */
export interface LeaderAppendResult {
  firstOffset: bigint;
  lastOffset: bigint;
  /** LogAppendTime used for the batch, or -1n for CreateTime topics. */
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
}

/**
 * One partition hosted by this broker, after Kafka's `kafka.cluster.Partition`: its log, its replica set, ISR and
 * leader epoch as the metadata log says, and the high watermark. This node is leader or follower of it; only
 * leaders accept produce and consumer fetches.
 *
 * High watermark: the smallest log end offset among the ISR. With this node as the only ISR member it is the
 * leader's log end offset right after each append (followers' fetch positions extend this rule when replication
 * arrives).
 */
export class Partition {
  readonly topicPartition: TopicPartition;
  readonly topicId: string;
  readonly log: UnifiedLog;
  readonly #nodeId: number;
  #registration: PartitionRegistration;

  constructor(topicPartition: TopicPartition, topicId: string, log: UnifiedLog, nodeId: number, registration: PartitionRegistration) {
    this.topicPartition = topicPartition;
    this.topicId = topicId;
    this.log = log;
    this.#nodeId = nodeId;
    this.#registration = registration;
  }

  get leaderId(): number {
    return this.#registration.leader;
  }

  get leaderEpoch(): number {
    return this.#registration.leaderEpoch;
  }

  get partitionEpoch(): number {
    return this.#registration.partitionEpoch;
  }

  get isr(): readonly number[] {
    return this.#registration.isr;
  }

  get replicas(): readonly number[] {
    return this.#registration.replicas;
  }

  get isLeader(): boolean {
    return this.#registration.leader === this.#nodeId;
  }

  get highWatermark(): bigint {
    return this.log.highWatermark;
  }

  /**
   * Applies a new registration from the metadata log. Becoming leader in a new epoch records the epoch's start
   * offset (leader-epoch-checkpoint, for OffsetForLeaderEpoch) and recomputes the high watermark.
   */
  update(registration: PartitionRegistration): void {
    const wasLeaderEpoch = this.#registration.leaderEpoch;
    const wasLeader = this.isLeader;
    this.#registration = registration;
    if (this.isLeader && (!wasLeader || registration.leaderEpoch !== wasLeaderEpoch || this.log.latestEpoch === undefined)) {
      void this.makeLeader();
    }
  }

  /**
   * Starts this node's leadership in the current leader epoch: the epoch starts at the log end offset
   * (leader-epoch-checkpoint) and the high watermark is recomputed, both at once in memory.
   * @returns a promise of the checkpoint write (never rejected; a failure is logged by the log).
   */
  makeLeader(): Promise<void> {
    const latest = this.log.latestEpoch;
    const written = latest === undefined || latest < this.leaderEpoch ? this.log.assignEpochStartOffset(this.leaderEpoch, this.log.logEndOffset) : RESOLVED;
    this.#maybeIncrementHighWatermark();
    return written;
  }

  #maybeIncrementHighWatermark(): void {
    // Only this node's replica is tracked so far, so the ISR's minimum log end offset is ours.
    if (this.isr.length === 1 && this.isr[0] === this.#nodeId && this.log.highWatermark < this.log.logEndOffset) {
      this.log.highWatermark = this.log.logEndOffset;
    }
  }

  /**
   * Appends validated batches as leader (Kafka's `appendRecordsToLeader`); `options` carry the append origin
   * (client or coordinator) and a KIP-890 verification guard. A client's retried batch resolves with the offsets
   * it was first written at.
   * @throws ApiError NOT_LEADER_OR_FOLLOWER (6) when not the leader; NOT_ENOUGH_REPLICAS (19) for acks=all when
   * the ISR is smaller than min.insync.replicas; the log's producer state errors (45, 47, 48, 52).
   */
  async appendRecordsToLeader(batches: Buffer, requiredAcks: number, minInsyncReplicas: number, options: LeaderAppendOptions = {}): Promise<LeaderAppendResult> {
    if (!this.isLeader) {
      throw new ApiError(Errors.NOT_LEADER_OR_FOLLOWER, `This server is not the leader for partition ${this.topicPartition.topic}-${this.topicPartition.partition}`);
    }
    if (requiredAcks === -1 && this.isr.length < minInsyncReplicas) {
      throw new ApiError(
        Errors.NOT_ENOUGH_REPLICAS,
        `The size of the current ISR [${this.isr.join(', ')}] is insufficient to satisfy the min.isr requirement of ${minInsyncReplicas} for partition ${this.topicPartition.topic}-${this.topicPartition.partition}`,
      );
    }
    const info = await this.log.appendAsLeader(batches, this.leaderEpoch, options);
    this.#maybeIncrementHighWatermark();
    return {
      firstOffset: info.firstOffset,
      lastOffset: info.lastOffset,
      logAppendTimeMs: info.logAppendTime,
      logStartOffset: this.log.logStartOffset,
    };
  }
}
