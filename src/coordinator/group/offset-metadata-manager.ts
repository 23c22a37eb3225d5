import { ApiError } from '../../common/api-error.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { OffsetCommitRequest } from '../../protocol/generated/messages/offset-commit-request.ts';
import type { OffsetCommitResponse, OffsetCommitResponseTopic } from '../../protocol/generated/messages/offset-commit-response.ts';
import type { OffsetDeleteRequest } from '../../protocol/generated/messages/offset-delete-request.ts';
import type { OffsetDeleteResponse, OffsetDeleteResponseTopic } from '../../protocol/generated/messages/offset-delete-response.ts';
import type { OffsetFetchResponseGroup, OffsetFetchResponseTopics } from '../../protocol/generated/messages/offset-fetch-response.ts';
import type { TxnOffsetCommitRequest } from '../../protocol/generated/messages/txn-offset-commit-request.ts';
import type { TxnOffsetCommitResponse, TxnOffsetCommitResponseTopic } from '../../protocol/generated/messages/txn-offset-commit-response.ts';
import type { OffsetCommitKey } from '../../protocol/generated/records/offset-commit-key.ts';
import type { OffsetCommitValue } from '../../protocol/generated/records/offset-commit-value.ts';
import type { CoordinatorRecord } from './coordinator-record.ts';
import { GroupRecords } from './group-records.ts';
import type { Group } from './group.ts';
import type { GroupManagerContext, GroupRequestContext, Result } from './group-manager-context.ts';
import { offsetAndMetadataFromRecord, type OffsetAndMetadata } from './offset-and-metadata.ts';
import { ClassicGroup } from './classic/classic-group.ts';

/** Offsets by group, topic and partition. */
class Offsets {
  readonly byGroup = new Map<string, Map<string, Map<number, OffsetAndMetadata>>>();

  get(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.byGroup.get(groupId)?.get(topic)?.get(partition);
  }

  put(groupId: string, topic: string, partition: number, value: OffsetAndMetadata): OffsetAndMetadata | undefined {
    let topics = this.byGroup.get(groupId);
    if (topics === undefined) this.byGroup.set(groupId, (topics = new Map()));
    let partitions = topics.get(topic);
    if (partitions === undefined) topics.set(topic, (partitions = new Map()));
    const previous = partitions.get(partition);
    partitions.set(partition, value);
    return previous;
  }

  remove(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    const topics = this.byGroup.get(groupId);
    const partitions = topics?.get(topic);
    const removed = partitions?.get(partition);
    if (removed === undefined) return undefined;
    partitions!.delete(partition);
    if (partitions!.size === 0) topics!.delete(topic);
    if (topics!.size === 0) this.byGroup.delete(groupId);
    return removed;
  }
}

/** What the offset manager needs from the group side of the shard. */
export interface OffsetGroupAccess {
  /** The group, or undefined. */
  group(groupId: string): Group | undefined;
  /** Creates (if needed) the "simple" classic group of standalone consumers. */
  getOrCreateSimpleGroup(groupId: string): ClassicGroup;
  /** Re-arms a classic member's session timer (commits keep sessions alive in Stable/PreparingRebalance). */
  rescheduleClassicHeartbeat(group: ClassicGroup, memberId: string): void;
}

/** A group of an OffsetFetch request (v8 form; older versions are normalized to one group). */
export interface OffsetFetchGroupRequest {
  readonly groupId: string;
  readonly memberId: string | null;
  readonly memberEpoch: number;
  /** null: every committed offset of the group. */
  readonly topics: readonly { readonly name: string; readonly partitionIndexes: readonly number[] }[] | null;
}

/**
 * Committed offsets of the groups of one shard, after Kafka's `OffsetMetadataManager`: OffsetCommit,
 * TxnOffsetCommit (pending until the transaction marker), OffsetFetch, OffsetDelete, group deletion and
 * offset expiration (offsets.retention.minutes). Offsets change only by replaying OffsetCommit records and
 * transaction markers, so loading a partition rebuilds exactly what was committed.
 */
export class OffsetMetadataManager {
  readonly #ctx: GroupManagerContext;
  readonly #groups: OffsetGroupAccess;
  readonly #offsets = new Offsets();
  /** Transactional offsets by producer id, until the transaction's marker. */
  readonly #pendingTransactionalOffsets = new Map<bigint, Offsets>();
  readonly #openTransactionsByGroup = new Map<string, Set<bigint>>();
  #numOffsets = 0;

  constructor(ctx: GroupManagerContext, groups: OffsetGroupAccess) {
    this.#ctx = ctx;
    this.#groups = groups;
  }

  get numOffsets(): number {
    return this.#numOffsets;
  }

  /** Every committed offset (metrics: consumer lag). */
  *allOffsets(): Generator<{ groupId: string; topic: string; partition: number; offset: OffsetAndMetadata }> {
    for (const [groupId, topics] of this.#offsets.byGroup) {
      for (const [topic, partitions] of topics) for (const [partition, offset] of partitions) yield { groupId, topic, partition, offset };
    }
  }

  /** The committed offset of a partition, or undefined (tests, lag). */
  offset(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.#offsets.get(groupId, topic, partition);
  }

  #isMetadataInvalid(metadata: string | null): boolean {
    return metadata !== null && metadata.length > this.#ctx.config.offsetMetadataMaxSize;
  }

  #validateOffsetCommit(context: GroupRequestContext, request: OffsetCommitRequest): Group {
    let group = this.#groups.group(request.groupId);
    if (group === undefined) {
      if (request.generationIdOrMemberEpoch < 0) {
        // Admin clients and consumers without group management create a "simple" group by committing.
        this.#ctx.logger.info({ groupId: request.groupId }, 'creating a simple consumer group via manual offset commit');
        group = this.#groups.getOrCreateSimpleGroup(request.groupId);
      } else if (context.apiVersion >= 9) {
        throw new ApiError(Errors.GROUP_ID_NOT_FOUND, `group ${request.groupId} not found`);
      } else {
        throw new ApiError(Errors.ILLEGAL_GENERATION, `group ${request.groupId} not found`);
      }
    }
    group.validateOffsetCommit(request.memberId, request.groupInstanceId, request.generationIdOrMemberEpoch, false, context.apiVersion);
    return group;
  }

  /**
   * OffsetCommit: one OffsetCommit record per partition (OFFSET_METADATA_TOO_LARGE per partition for a too
   * long metadata string). The request's topics must already be filtered to existing partitions.
   * @throws ApiError from the group's validation (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, ...).
   */
  commitOffset(context: GroupRequestContext, request: OffsetCommitRequest): Result<Input<OffsetCommitResponse>> {
    const group = this.#validateOffsetCommit(context, request);
    // In the classic protocol a commit maintains the member's session.
    if (group instanceof ClassicGroup && (group.isInState('Stable') || group.isInState('PreparingRebalance')) && group.hasMember(request.memberId)) {
      this.#groups.rescheduleClassicHeartbeat(group, request.memberId);
    }
    const nowMs = BigInt(this.#ctx.time.milliseconds());
    // OffsetCommit v2-4 retention_time_ms: -1 means "broker default" (no explicit expiry).
    const expireTimestampMs = request.retentionTimeMs === -1n ? null : nowMs + request.retentionTimeMs;
    const records: CoordinatorRecord[] = [];
    const topics: Input<OffsetCommitResponseTopic>[] = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (this.#isMetadataInvalid(p.committedMetadata)) return { partitionIndex: p.partitionIndex, errorCode: Errors.OFFSET_METADATA_TOO_LARGE };
        records.push(GroupRecords.offsetCommit(request.groupId, t.name, p.partitionIndex, {
          committedOffset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata ?? '',
          // OffsetCommit v1 carries a client commit timestamp; -1 means "now".
          commitTimestampMs: p.commitTimestamp === -1n ? nowMs : p.commitTimestamp,
          expireTimestampMs,
        }));
        return { partitionIndex: p.partitionIndex, errorCode: Errors.NONE };
      }),
    }));
    if (records.length > 0) this.#ctx.metrics.recordOffsetCommits(records.length);
    return { records, response: { topics } };
  }

  /**
   * TxnOffsetCommit: the offsets are written in the producer's transaction and stay pending (invisible to
   * OffsetFetch, UNSTABLE_OFFSET_COMMIT with require_stable) until its COMMIT marker.
   * @throws ApiError ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID.
   */
  commitTransactionalOffset(context: GroupRequestContext, request: TxnOffsetCommitRequest): Result<Input<TxnOffsetCommitResponse>> {
    let group = this.#groups.group(request.groupId);
    if (group === undefined) {
      if (request.generationId >= 0) throw new ApiError(Errors.ILLEGAL_GENERATION, `group ${request.groupId} not found`);
      group = this.#groups.getOrCreateSimpleGroup(request.groupId);
    }
    try {
      group.validateOffsetCommit(request.memberId, request.groupInstanceId, request.generationId, true, context.apiVersion);
    } catch (e) {
      if (e instanceof ApiError && e.code === Errors.STALE_MEMBER_EPOCH) throw new ApiError(Errors.ILLEGAL_GENERATION, e.message);
      throw e;
    }
    const nowMs = BigInt(this.#ctx.time.milliseconds());
    const records: CoordinatorRecord[] = [];
    const topics: Input<TxnOffsetCommitResponseTopic>[] = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (this.#isMetadataInvalid(p.committedMetadata)) return { partitionIndex: p.partitionIndex, errorCode: Errors.OFFSET_METADATA_TOO_LARGE };
        records.push(GroupRecords.offsetCommit(request.groupId, t.name, p.partitionIndex, {
          committedOffset: p.committedOffset,
          leaderEpoch: p.committedLeaderEpoch,
          metadata: p.committedMetadata ?? '',
          commitTimestampMs: nowMs,
          expireTimestampMs: null,
        }));
        return { partitionIndex: p.partitionIndex, errorCode: Errors.NONE };
      }),
    }));
    if (records.length > 0) this.#ctx.metrics.recordOffsetCommits(records.length);
    return { records, response: { topics }, transactional: { producerId: request.producerId, producerEpoch: request.producerEpoch } };
  }

  /**
   * OffsetDelete: tombstones for the given partitions; GROUP_SUBSCRIBED_TO_TOPIC for topics the group
   * still consumes. @throws ApiError GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP.
   */
  deleteOffsets(request: OffsetDeleteRequest): Result<Input<OffsetDeleteResponse>> {
    const group = this.#groups.group(request.groupId);
    if (group === undefined) throw new ApiError(Errors.GROUP_ID_NOT_FOUND, `group ${request.groupId} not found`);
    group.validateOffsetDelete();
    const records: CoordinatorRecord[] = [];
    const topics: Input<OffsetDeleteResponseTopic>[] = request.topics.map((t) => {
      if (group.isSubscribedToTopic(t.name)) {
        return { name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: Errors.GROUP_SUBSCRIBED_TO_TOPIC })) };
      }
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          if (this.#offsets.get(request.groupId, t.name, p.partitionIndex) !== undefined || this.#hasPendingTransactionalOffsets(request.groupId, t.name, p.partitionIndex)) {
            records.push(GroupRecords.offsetCommitTombstone(request.groupId, t.name, p.partitionIndex));
          }
          return { partitionIndex: p.partitionIndex, errorCode: Errors.NONE };
        }),
      };
    });
    this.#ctx.metrics.recordOffsetDeletions(records.length);
    return { records, response: { errorCode: Errors.NONE, topics } };
  }

  /** Appends tombstones for every offset of the group (DeleteGroups). @returns how many. */
  deleteAllOffsets(groupId: string, records: CoordinatorRecord[]): number {
    let n = 0;
    for (const [topic, partitions] of this.#offsets.byGroup.get(groupId) ?? []) {
      for (const partition of partitions.keys()) {
        records.push(GroupRecords.offsetCommitTombstone(groupId, topic, partition));
        n++;
      }
    }
    // Pending transactional offsets too (one tombstone per partition is enough).
    for (const producerId of this.#openTransactionsByGroup.get(groupId) ?? []) {
      for (const [topic, partitions] of this.#pendingTransactionalOffsets.get(producerId)?.byGroup.get(groupId) ?? []) {
        for (const partition of partitions.keys()) {
          if (this.#offsets.get(groupId, topic, partition) === undefined) {
            records.push(GroupRecords.offsetCommitTombstone(groupId, topic, partition));
            n++;
          }
        }
      }
    }
    this.#ctx.metrics.recordOffsetDeletions(n);
    return n;
  }

  #hasPendingTransactionalOffsets(groupId: string, topic: string, partition: number): boolean {
    for (const producerId of this.#openTransactionsByGroup.get(groupId) ?? []) {
      if (this.#pendingTransactionalOffsets.get(producerId)?.get(groupId, topic, partition) !== undefined) return true;
    }
    return false;
  }

  /** Whether the group has transactions that wrote offsets and are not finished. */
  hasOpenTransactions(groupId: string): boolean {
    return this.#openTransactionsByGroup.has(groupId);
  }

  #validateOffsetFetch(request: OffsetFetchGroupRequest): boolean {
    const group = this.#groups.group(request.groupId);
    if (group === undefined) return false;
    try {
      group.validateOffsetFetch(request.memberId, request.memberEpoch);
    } catch (e) {
      if (e instanceof ApiError && e.code === Errors.GROUP_ID_NOT_FOUND) return false;
      throw e;
    }
    return true;
  }

  /**
   * OffsetFetch of the given partitions: committed offset, leader epoch and metadata as stored, or -1/''
   * when none; UNSTABLE_OFFSET_COMMIT per partition when `requireStable` and a transaction holds a pending
   * commit for it. @throws ApiError UNKNOWN_MEMBER_ID / STALE_MEMBER_EPOCH (consumer groups, v9).
   */
  fetchOffsets(request: OffsetFetchGroupRequest, requireStable: boolean): Input<OffsetFetchResponseGroup> {
    const exists = this.#validateOffsetFetch(request);
    const groupOffsets = exists ? this.#offsets.byGroup.get(request.groupId) : undefined;
    const topics: Input<OffsetFetchResponseTopics>[] = (request.topics ?? []).map((t) => {
      const topicOffsets = groupOffsets?.get(t.name);
      return {
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          if (requireStable && this.#hasPendingTransactionalOffsets(request.groupId, t.name, partitionIndex)) {
            return { partitionIndex, errorCode: Errors.UNSTABLE_OFFSET_COMMIT, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '' };
          }
          const o = topicOffsets?.get(partitionIndex);
          if (o === undefined) return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: Errors.NONE };
          return { partitionIndex, committedOffset: o.committedOffset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: Errors.NONE };
        }),
      };
    });
    return { groupId: request.groupId, topics, errorCode: Errors.NONE };
  }

  /** OffsetFetch of every committed offset of the group (topics = null). */
  fetchAllOffsets(request: OffsetFetchGroupRequest, requireStable: boolean): Input<OffsetFetchResponseGroup> {
    if (!this.#validateOffsetFetch(request)) return { groupId: request.groupId, topics: [], errorCode: Errors.NONE };
    const topics: Input<OffsetFetchResponseTopics>[] = [];
    for (const [topic, partitions] of this.#offsets.byGroup.get(request.groupId) ?? []) {
      topics.push({
        name: topic,
        partitions: [...partitions].map(([partitionIndex, o]) => {
          if (requireStable && this.#hasPendingTransactionalOffsets(request.groupId, topic, partitionIndex)) {
            return { partitionIndex, errorCode: Errors.UNSTABLE_OFFSET_COMMIT, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '' };
          }
          return { partitionIndex, committedOffset: o.committedOffset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: Errors.NONE };
        }),
      });
    }
    return { groupId: request.groupId, topics, errorCode: Errors.NONE };
  }

  /**
   * Appends tombstones for the group's expired offsets (Kafka's `cleanupExpiredOffsets`): an offset expires
   * when its explicit expire timestamp passed, or `offsetsRetentionMs` after the group's expiration base
   * (when the group became empty, or the commit time), unless the group still subscribes to its topic or a
   * transaction holds a pending commit for it. @returns whether every offset of the group expired (and no
   * transaction is open), i.e. an empty group may be deleted.
   */
  cleanupExpiredOffsets(groupId: string, records: CoordinatorRecord[]): boolean {
    const byTopic = this.#offsets.byGroup.get(groupId);
    if (byTopic === undefined) return !this.#openTransactionsByGroup.has(groupId);
    const group = this.#groups.group(groupId);
    if (group === undefined) return false;
    const base = group.offsetExpirationCondition();
    if (base === null) return false;
    const nowMs = BigInt(this.#ctx.time.milliseconds());
    const retentionMs = BigInt(this.#ctx.config.offsetsRetentionMs);
    let allExpired = true;
    let expired = 0;
    for (const [topic, partitions] of byTopic) {
      if (group.isSubscribedToTopic(topic)) {
        allExpired = false;
        continue;
      }
      for (const [partition, o] of partitions) {
        const isExpired = o.expireTimestampMs !== null ? nowMs >= o.expireTimestampMs : nowMs - base(o) >= retentionMs;
        if (isExpired && !this.#hasPendingTransactionalOffsets(groupId, topic, partition)) {
          records.push(GroupRecords.offsetCommitTombstone(groupId, topic, partition));
          expired++;
        } else {
          allExpired = false;
        }
      }
    }
    if (expired > 0) this.#ctx.metrics.recordOffsetExpirations(expired);
    return allExpired && !this.#openTransactionsByGroup.has(groupId);
  }

  /** Tombstones for every offset of deleted partitions (topic deletion). */
  onPartitionsDeleted(partitions: readonly { topic: string; partition: number }[]): CoordinatorRecord[] {
    const records: CoordinatorRecord[] = [];
    const byTopic = new Map<string, Set<number>>();
    for (const tp of partitions) {
      let s = byTopic.get(tp.topic);
      if (s === undefined) byTopic.set(tp.topic, (s = new Set()));
      s.add(tp.partition);
    }
    const collect = (offsets: Offsets): void => {
      for (const [groupId, topics] of offsets.byGroup) {
        for (const [topic, ps] of topics) {
          const deleted = byTopic.get(topic);
          if (deleted === undefined) continue;
          for (const p of ps.keys()) if (deleted.has(p)) records.push(GroupRecords.offsetCommitTombstone(groupId, topic, p));
        }
      }
    };
    collect(this.#offsets);
    for (const pending of this.#pendingTransactionalOffsets.values()) collect(pending);
    return records;
  }

  /** Applies an OffsetCommit record (value null: tombstone). */
  replay(recordOffset: bigint, producerId: bigint, key: OffsetCommitKey, value: OffsetCommitValue | null): void {
    const { group: groupId, topic, partition } = key;
    if (value !== null) {
      // Offsets without group management belong to a "simple" group, created on replay.
      if (this.#groups.group(groupId) === undefined) this.#groups.getOrCreateSimpleGroup(groupId);
      const o = offsetAndMetadataFromRecord(recordOffset, value);
      if (producerId === -1n) {
        if (this.#offsets.put(groupId, topic, partition, o) === undefined) this.#numOffsets++;
      } else {
        let pending = this.#pendingTransactionalOffsets.get(producerId);
        if (pending === undefined) this.#pendingTransactionalOffsets.set(producerId, (pending = new Offsets()));
        pending.put(groupId, topic, partition, o);
        let open = this.#openTransactionsByGroup.get(groupId);
        if (open === undefined) this.#openTransactionsByGroup.set(groupId, (open = new Set()));
        open.add(producerId);
      }
    } else {
      if (this.#offsets.remove(groupId, topic, partition) !== undefined) this.#numOffsets--;
      for (const pid of this.#openTransactionsByGroup.get(groupId) ?? []) this.#pendingTransactionalOffsets.get(pid)?.remove(groupId, topic, partition);
    }
  }

  /** Applies a transaction marker: COMMIT materializes the producer's pending offsets, ABORT drops them. */
  replayEndTransactionMarker(producerId: bigint, commit: boolean): void {
    const pending = this.#pendingTransactionalOffsets.get(producerId);
    if (pending === undefined) return;
    this.#pendingTransactionalOffsets.delete(producerId);
    for (const groupId of pending.byGroup.keys()) {
      const open = this.#openTransactionsByGroup.get(groupId);
      if (open === undefined) continue;
      open.delete(producerId);
      if (open.size === 0) this.#openTransactionsByGroup.delete(groupId);
    }
    if (!commit) return;
    for (const [groupId, topics] of pending.byGroup) {
      for (const [topic, partitions] of topics) {
        for (const [partition, o] of partitions) {
          const existing = this.#offsets.get(groupId, topic, partition);
          // The most recent commit wins, by position in the log (a plain commit may follow the transactional one).
          if (existing === undefined || o.recordOffset > existing.recordOffset) {
            if (this.#offsets.put(groupId, topic, partition, o) === undefined) this.#numOffsets++;
          }
        }
      }
    }
  }
}
