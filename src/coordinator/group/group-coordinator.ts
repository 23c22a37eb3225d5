import type { Registry } from 'prom-client';
import { coordinatorAppendError } from '../runtime/append-error.ts';
import { ApiError } from '../../common/api-error.ts';
import type { Time } from '../../common/time.ts';
import type { TopicPartition } from '../../common/topic-partition.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { MetadataImage } from '../../metadata/metadata-image.ts';
import { rootLogger, type Logger } from '../../observability/logger.ts';
import type { JoinGroupRequest } from '../../protocol/generated/messages/join-group-request.ts';
import type { SyncGroupRequest } from '../../protocol/generated/messages/sync-group-request.ts';
import type { HeartbeatRequest } from '../../protocol/generated/messages/heartbeat-request.ts';
import type { HeartbeatResponse } from '../../protocol/generated/messages/heartbeat-response.ts';
import type { LeaveGroupResponse } from '../../protocol/generated/messages/leave-group-response.ts';
import type { OffsetCommitRequest } from '../../protocol/generated/messages/offset-commit-request.ts';
import type { OffsetCommitResponse } from '../../protocol/generated/messages/offset-commit-response.ts';
import type { TxnOffsetCommitRequest } from '../../protocol/generated/messages/txn-offset-commit-request.ts';
import type { TxnOffsetCommitResponse } from '../../protocol/generated/messages/txn-offset-commit-response.ts';
import type { OffsetFetchResponseGroup } from '../../protocol/generated/messages/offset-fetch-response.ts';
import type { OffsetDeleteRequest } from '../../protocol/generated/messages/offset-delete-request.ts';
import type { OffsetDeleteResponse } from '../../protocol/generated/messages/offset-delete-response.ts';
import type { ListedGroup } from '../../protocol/generated/messages/list-groups-response.ts';
import type { DescribedGroup } from '../../protocol/generated/messages/describe-groups-response.ts';
import type { DeletableGroupResult } from '../../protocol/generated/messages/delete-groups-response.ts';
import type { ConsumerGroupHeartbeatRequest } from '../../protocol/generated/messages/consumer-group-heartbeat-request.ts';
import type { ConsumerGroupHeartbeatResponse } from '../../protocol/generated/messages/consumer-group-heartbeat-response.ts';
import type { DescribedGroup as ConsumerDescribedGroup } from '../../protocol/generated/messages/consumer-group-describe-response.ts';
import { CoordinatorRuntime } from '../runtime/coordinator-runtime.ts';
import type { PartitionWriter, TransactionalIdentity } from '../runtime/partition-writer.ts';
import { partitionFor } from '../runtime/partition-for.ts';
import type { CoordinatorRecord } from './coordinator-record.ts';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, type GroupCoordinatorConfig } from './group-coordinator-config.ts';
import { GroupCoordinatorMetrics } from './group-coordinator-metrics.ts';
import { GroupCoordinatorRecordSerde } from './group-coordinator-record-serde.ts';
import { GroupCoordinatorShard } from './group-coordinator-shard.ts';
import type { GroupRequestContext } from './group-manager-context.ts';
import type { JoinGroupResult, SyncGroupResult } from './classic/classic-group-member.ts';
import type { LeavingMember } from './classic/classic-group-manager.ts';
import type { OffsetFetchGroupRequest } from './offset-metadata-manager.ts';

/** The internal topic of the group coordinator. */
export const GROUP_METADATA_TOPIC_NAME = '__consumer_offsets';

export interface GroupCoordinatorOptions {
  /** Settings (Kafka defaults for what is missing). */
  readonly config?: Partial<GroupCoordinatorConfig>;
  readonly time: Time;
  readonly writer: PartitionWriter;
  /** The newest metadata image (topic ids and partition counts for KIP-848 assignments). */
  readonly metadataImage: () => MetadataImage;
  readonly logger?: Logger;
  /** false: timers fire only on {@link GroupCoordinator.poll} (tests with MockTime). Default true. */
  readonly autoTimers?: boolean;
  /** Log end offset of a partition led by this broker, or null (consumer lag metric). */
  readonly logEndOffset?: (tp: TopicPartition) => bigint | null;
}

/**
 * The group coordinator service, after Kafka's `GroupCoordinatorService`: routes each group request to the
 * shard of its `__consumer_offsets` partition (`abs(groupId.hashCode()) % offsets.topic.num.partitions`)
 * through the {@link CoordinatorRuntime}, and turns failures into Kafka's error codes:
 * - this broker does not lead the partition: NOT_COORDINATOR (16); loading: COORDINATOR_LOAD_IN_PROGRESS
 *   (14); append errors: UNKNOWN_TOPIC_OR_PARTITION / NOT_ENOUGH_REPLICAS / REQUEST_TIMED_OUT become
 *   COORDINATOR_NOT_AVAILABLE (15), NOT_LEADER_OR_FOLLOWER / KAFKA_STORAGE_ERROR become NOT_COORDINATOR,
 *   MESSAGE_TOO_LARGE and unexpected exceptions UNKNOWN_SERVER_ERROR (-1, logged).
 * - empty group id: INVALID_GROUP_ID (24); JoinGroup session timeout outside
 *   [group.min.session.timeout.ms, group.max.session.timeout.ms]: INVALID_SESSION_TIMEOUT (26).
 *
 * The broker wires it: `onPartitionLeadershipChange` on metadata changes of `__consumer_offsets` partitions,
 * `onNewMetadataImage` on every image, `onPartitionsDeleted` when topics are deleted.
 */
export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  readonly metrics = new GroupCoordinatorMetrics();
  readonly #runtime: CoordinatorRuntime<GroupCoordinatorShard, CoordinatorRecord>;
  readonly #logger: Logger;
  readonly #options: GroupCoordinatorOptions;
  #image: () => MetadataImage;

  constructor(options: GroupCoordinatorOptions) {
    this.#options = options;
    this.config = { ...DEFAULT_GROUP_COORDINATOR_CONFIG, ...options.config };
    this.#logger = options.logger ?? rootLogger.child({ component: 'GroupCoordinator' });
    this.#image = options.metadataImage;
    this.#runtime = new CoordinatorRuntime<GroupCoordinatorShard, CoordinatorRecord>({
      name: 'GroupCoordinator',
      time: options.time,
      writer: options.writer,
      serde: new GroupCoordinatorRecordSerde(),
      shardFactory: (ctx) => new GroupCoordinatorShard(ctx, this.config, this.metrics, () => this.#image()),
      logger: this.#logger,
      ...(options.autoTimers === undefined ? {} : { autoTimers: options.autoTimers }),
      writeTimeoutMs: this.config.offsetCommitTimeoutMs,
    });
  }

  /** The `__consumer_offsets` partition of a group id (Kafka's hash, so every tool agrees). */
  partitionFor(groupId: string): number {
    return partitionFor(groupId, this.config.offsetsTopicNumPartitions);
  }

  topicPartitionFor(groupId: string): TopicPartition {
    return { topic: GROUP_METADATA_TOPIC_NAME, partition: this.partitionFor(groupId) };
  }

  /**
   * This broker became (or stopped being) the leader of a `__consumer_offsets` partition: load its groups
   * and offsets (COORDINATOR_LOAD_IN_PROGRESS meanwhile) or unload them. Other topics are ignored.
   * @returns a promise that settles when the load finished (tests).
   */
  onPartitionLeadershipChange(tp: TopicPartition, isLeader: boolean, leaderEpoch: number): Promise<void> {
    if (tp.topic !== GROUP_METADATA_TOPIC_NAME) return Promise.resolve();
    return this.#runtime.onPartitionLeadershipChange(tp, isLeader, leaderEpoch);
  }

  /** A new metadata image was published: consumer groups re-check their subscribed topics at next heartbeat. */
  onNewMetadataImage(image: MetadataImage): void {
    this.#image = () => image;
    this.#runtime.forEachActiveShard((shard) => shard.groups.consumer.onNewMetadataImage(image));
  }

  /** Topics were deleted: their committed offsets are removed (tombstones) from every loaded partition. */
  async onPartitionsDeleted(partitions: readonly TopicPartition[]): Promise<void> {
    const writes: Promise<void>[] = [];
    this.#runtime.forEachActiveShard((_shard, tp) => {
      writes.push(this.#runtime.scheduleWriteOperation('on-partitions-deleted', tp, (s) => s.onPartitionsDeleted(partitions)).catch((err: unknown) => {
        this.#logger.warn({ err }, 'could not delete the offsets of deleted partitions');
      }));
    });
    await Promise.all(writes);
  }

  /** The state of the shard of a partition (tests, FindCoordinator diagnostics). */
  shardState(partition: number): 'loading' | 'active' | 'failed' | undefined {
    return this.#runtime.shardState({ topic: GROUP_METADATA_TOPIC_NAME, partition });
  }

  /** JoinGroup. Never rejects: errors are answered in the response (errorCode, memberId as Kafka sets it). */
  joinGroup(context: GroupRequestContext, request: JoinGroupRequest): Promise<JoinGroupResult> {
    if (request.groupId === '') return Promise.resolve({ memberId: request.memberId, errorCode: Errors.INVALID_GROUP_ID });
    if (request.sessionTimeoutMs < this.config.classicGroupMinSessionTimeoutMs || request.sessionTimeoutMs > this.config.classicGroupMaxSessionTimeoutMs) {
      return Promise.resolve({ memberId: request.memberId, errorCode: Errors.INVALID_SESSION_TIMEOUT });
    }
    return new Promise<JoinGroupResult>((resolve) => {
      this.#runtime
        .scheduleWriteOperation('classic-group-join', this.topicPartitionFor(request.groupId), (shard) => shard.groups.classic.join(context, request, resolve))
        .catch((err: unknown) => resolve({ memberId: request.memberId, errorCode: this.#errorCode('classic-group-join', err) }));
    });
  }

  /** SyncGroup. Never rejects. */
  syncGroup(_context: GroupRequestContext, request: SyncGroupRequest): Promise<SyncGroupResult> {
    if (request.groupId === '') return Promise.resolve({ errorCode: Errors.INVALID_GROUP_ID });
    return new Promise<SyncGroupResult>((resolve) => {
      this.#runtime
        .scheduleWriteOperation('classic-group-sync', this.topicPartitionFor(request.groupId), (shard) => shard.groups.classic.sync(request, resolve))
        .catch((err: unknown) => resolve({ errorCode: this.#errorCode('classic-group-sync', err) }));
    });
  }

  /** Heartbeat (classic). Never rejects; a loading coordinator answers NONE (Kafka: "blindly respond"). */
  async heartbeat(_context: GroupRequestContext, request: HeartbeatRequest): Promise<Input<HeartbeatResponse>> {
    if (request.groupId === '') return { errorCode: Errors.INVALID_GROUP_ID };
    try {
      return await this.#runtime.scheduleWriteOperation('classic-group-heartbeat', this.topicPartitionFor(request.groupId), (shard) => shard.groups.classic.heartbeat(request));
    } catch (err) {
      const code = this.#errorCode('classic-group-heartbeat', err);
      return { errorCode: code === Errors.COORDINATOR_LOAD_IN_PROGRESS ? Errors.NONE : code };
    }
  }

  /** LeaveGroup with its members (v0-2 requests normalized to one member). Never rejects. */
  async leaveGroup(_context: GroupRequestContext, groupId: string, members: readonly LeavingMember[]): Promise<Input<LeaveGroupResponse>> {
    if (groupId === '') return { errorCode: Errors.INVALID_GROUP_ID };
    try {
      return await this.#runtime.scheduleWriteOperation('classic-group-leave', this.topicPartitionFor(groupId), (shard) => shard.groups.classic.leave(groupId, members));
    } catch (err) {
      const code = this.#errorCode('classic-group-leave', err);
      if (code === Errors.UNKNOWN_MEMBER_ID) {
        return { errorCode: Errors.NONE, members: members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: Errors.UNKNOWN_MEMBER_ID })) };
      }
      return { errorCode: code };
    }
  }

  /**
   * OffsetCommit of the given (existing) partitions. Never rejects: a failure gives every partition the error.
   * The handler answers unknown topics/partitions (UNKNOWN_TOPIC_OR_PARTITION) itself.
   */
  async commitOffsets(context: GroupRequestContext, request: OffsetCommitRequest): Promise<Input<OffsetCommitResponse>> {
    const errorResponse = (errorCode: number): Input<OffsetCommitResponse> => ({
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
    });
    try {
      return await this.#runtime.scheduleWriteOperation('commit-offset', this.topicPartitionFor(request.groupId), (shard) => shard.offsets.commitOffset(context, request));
    } catch (err) {
      return errorResponse(this.#errorCode('commit-offset', err));
    }
  }

  /** TxnOffsetCommit (for the broker's TxnOffsetCommit handler). Never rejects. */
  async commitTransactionalOffsets(context: GroupRequestContext, request: TxnOffsetCommitRequest): Promise<Input<TxnOffsetCommitResponse>> {
    const errorResponse = (errorCode: number): Input<TxnOffsetCommitResponse> => ({
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
    });
    if (request.groupId === '') return errorResponse(Errors.INVALID_GROUP_ID);
    try {
      return await this.#runtime.scheduleWriteOperation('txn-commit-offset', this.topicPartitionFor(request.groupId), (shard) => shard.offsets.commitTransactionalOffset(context, request));
    } catch (err) {
      return errorResponse(this.#errorCode('txn-commit-offset', err));
    }
  }

  /**
   * A transaction that committed offsets ended (WriteTxnMarkers for a `__consumer_offsets` partition): writes
   * the marker and makes the pending offsets visible (COMMIT) or drops them (ABORT).
   * @throws (rejects) ApiError NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, or the append error.
   */
  completeTransaction(tp: TopicPartition, producer: TransactionalIdentity, coordinatorEpoch: number, commit: boolean): Promise<void> {
    return this.#runtime.scheduleTransactionCompletion(tp, producer, coordinatorEpoch, commit);
  }

  /**
   * OffsetFetch of one group (v8 form; topics null = all), from committed state (see CoordinatorRuntime: a read
   * waits for the appends in flight). Never rejects: errors become the group's errorCode.
   * `requireStable`: partitions with a pending transactional commit get UNSTABLE_OFFSET_COMMIT (88).
   */
  async fetchOffsets(_context: GroupRequestContext, request: OffsetFetchGroupRequest, requireStable: boolean): Promise<Input<OffsetFetchResponseGroup>> {
    try {
      return await this.#runtime.scheduleReadOperation('fetch-offsets', this.topicPartitionFor(request.groupId), (shard) =>
        request.topics === null ? shard.offsets.fetchAllOffsets(request, requireStable) : shard.offsets.fetchOffsets(request, requireStable));
    } catch (err) {
      return { groupId: request.groupId, errorCode: this.#errorCode('fetch-offsets', err), topics: [] };
    }
  }

  /** OffsetDelete. Never rejects: errors become the top-level errorCode. */
  async deleteOffsets(_context: GroupRequestContext, request: OffsetDeleteRequest): Promise<Input<OffsetDeleteResponse>> {
    if (request.groupId === '') return { errorCode: Errors.INVALID_GROUP_ID };
    try {
      return await this.#runtime.scheduleWriteOperation('delete-offsets', this.topicPartitionFor(request.groupId), (shard) => shard.offsets.deleteOffsets(request));
    } catch (err) {
      return { errorCode: this.#errorCode('delete-offsets', err) };
    }
  }

  /** ListGroups over the committed state of every loaded partition. Never rejects. */
  async listGroups(_context: GroupRequestContext, statesFilter: readonly string[], typesFilter: readonly string[]): Promise<{ errorCode: number; groups: Input<ListedGroup>[] }> {
    try {
      const perShard = await this.#runtime.scheduleReadAllOperation('list-groups', (shard) => shard.groups.listGroups(statesFilter, typesFilter));
      return { errorCode: Errors.NONE, groups: perShard.flat() };
    } catch (err) {
      return { errorCode: this.#errorCode('list-groups', err), groups: [] };
    }
  }

  /**
   * DescribeGroups from committed state, grouped by partition. Never rejects: a partition's error is given to
   * each of its groups.
   */
  async describeGroups(_context: GroupRequestContext, groupIds: readonly string[]): Promise<Input<DescribedGroup>[]> {
    return this.#perPartition(groupIds, async (tp, ids) => {
      try {
        return await this.#runtime.scheduleReadOperation('describe-groups', tp, (shard) => shard.groups.describeGroups(ids));
      } catch (err) {
        const errorCode = this.#errorCode('describe-groups', err);
        return ids.map((groupId) => ({ groupId, errorCode, groupState: '', protocolType: '', protocolData: '', members: [] }));
      }
    });
  }

  /** DeleteGroups, grouped by partition. Never rejects. */
  async deleteGroups(_context: GroupRequestContext, groupIds: readonly string[]): Promise<Input<DeletableGroupResult>[]> {
    return this.#perPartition(groupIds, async (tp, ids) => {
      try {
        return await this.#runtime.scheduleWriteOperation('delete-groups', tp, (shard) => shard.deleteGroups(ids));
      } catch (err) {
        const errorCode = this.#errorCode('delete-groups', err);
        return ids.map((groupId) => ({ groupId, errorCode }));
      }
    });
  }

  /** ConsumerGroupHeartbeat (KIP-848). Never rejects: errors carry errorCode and errorMessage. */
  async consumerGroupHeartbeat(context: GroupRequestContext, request: ConsumerGroupHeartbeatRequest): Promise<Input<ConsumerGroupHeartbeatResponse>> {
    try {
      return await this.#runtime.scheduleWriteOperation('consumer-group-heartbeat', this.topicPartitionFor(request.groupId), (shard) => shard.groups.consumer.heartbeat(context, request));
    } catch (err) {
      return { errorCode: this.#errorCode('consumer-group-heartbeat', err), errorMessage: err instanceof ApiError ? err.message : null };
    }
  }

  /** ConsumerGroupDescribe (KIP-848) from committed state. Never rejects. */
  async consumerGroupDescribe(_context: GroupRequestContext, groupIds: readonly string[]): Promise<Input<ConsumerDescribedGroup>[]> {
    return this.#perPartition(groupIds, async (tp, ids) => {
      try {
        return await this.#runtime.scheduleReadOperation('consumer-group-describe', tp, (shard) => shard.groups.consumer.describe(ids));
      } catch (err) {
        const errorCode = this.#errorCode('consumer-group-describe', err);
        return ids.map((groupId) => ({ groupId, errorCode }));
      }
    });
  }

  /** Runs the due timers now (with `autoTimers: false`; harmless otherwise). */
  poll(): void {
    this.#runtime.poll();
  }

  /** Resolves when every write issued so far has settled (tests). */
  idle(): Promise<void> {
    return this.#runtime.idle();
  }

  /** Registers the group metrics (group counts, rebalances, offsets, consumer lag) with a prom-client registry. */
  registerMetrics(registry: Registry): void {
    this.metrics.register(registry, {
      groupCounts: () => {
        const total = new Map<string, number>();
        this.#runtime.forEachActiveShard((shard) => {
          for (const [k, n] of shard.groups.groupCounts()) total.set(k, (total.get(k) ?? 0) + n);
        });
        return [...total].map(([k, count]) => {
          const [protocol, state] = k.split(':') as [string, string];
          return { protocol, state, count };
        });
      },
      numOffsets: () => {
        let n = 0;
        this.#runtime.forEachActiveShard((shard) => { n += shard.offsets.numOffsets; });
        return n;
      },
      consumerLag: () => {
        const out: { group: string; topic: string; partition: number; lag: number }[] = [];
        const leo = this.#options.logEndOffset;
        if (leo === undefined) return out;
        this.#runtime.forEachActiveShard((shard) => {
          for (const o of shard.offsets.allOffsets()) {
            const end = leo({ topic: o.topic, partition: o.partition });
            if (end !== null && o.offset.committedOffset >= 0n) out.push({ group: o.groupId, topic: o.topic, partition: o.partition, lag: Number(end - o.offset.committedOffset) });
          }
        });
        return out;
      },
    });
  }

  /** Unloads every partition and stops the timers. */
  close(): void {
    this.#runtime.close();
  }

  async #perPartition<T>(groupIds: readonly string[], fn: (tp: TopicPartition, ids: string[]) => Promise<T[]>): Promise<T[]> {
    const byPartition = new Map<number, string[]>();
    for (const id of groupIds) {
      const p = this.partitionFor(id);
      let ids = byPartition.get(p);
      if (ids === undefined) byPartition.set(p, (ids = []));
      ids.push(id);
    }
    const results = await Promise.all([...byPartition].map(([partition, ids]) => fn({ topic: GROUP_METADATA_TOPIC_NAME, partition }, ids)));
    return results.flat();
  }

  /** Kafka's `CoordinatorOperationExceptionHelper.handleOperationException`. */
  #errorCode(operation: string, err: unknown): number {
    if (!(err instanceof ApiError)) {
      this.#logger.error({ err, operation }, 'group coordinator operation hit an unexpected exception');
      return Errors.UNKNOWN_SERVER_ERROR;
    }
    // NETWORK_EXCEPTION: the shard was unloaded mid-operation (Kafka maps it to a retriable load error).
    if (err.code === Errors.NETWORK_EXCEPTION) return Errors.COORDINATOR_LOAD_IN_PROGRESS;
    return coordinatorAppendError(err);
  }
}
