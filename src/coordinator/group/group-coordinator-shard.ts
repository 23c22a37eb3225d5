import { ApiError } from '../../common/api-error.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { DeletableGroupResult } from '../../protocol/generated/messages/delete-groups-response.ts';
import type { MetadataImage } from '../../metadata/metadata-image.ts';
import type { CoordinatorShard, ShardContext } from '../runtime/coordinator-shard.ts';
import type { CoordinatorRecord } from './coordinator-record.ts';
import type { GroupCoordinatorConfig } from './group-coordinator-config.ts';
import type { GroupCoordinatorMetrics } from './group-coordinator-metrics.ts';
import type { Group } from './group.ts';
import type { GroupManagerContext, Result } from './group-manager-context.ts';
import { GroupMetadataManager } from './group-metadata-manager.ts';
import { OffsetMetadataManager } from './offset-metadata-manager.ts';

const GROUP_EXPIRATION_KEY = 'expire-group-metadata';

/**
 * The state of one `__consumer_offsets` partition, after Kafka's `GroupCoordinatorShard`: the groups
 * ({@link GroupMetadataManager}) and their committed offsets ({@link OffsetMetadataManager}) of every group
 * id that hashes to the partition. Records are routed to the manager that owns their type; a periodic task
 * (offsets.retention.check.interval.ms) writes tombstones for expired offsets and deletes empty groups
 * whose offsets are all gone.
 */
export class GroupCoordinatorShard implements CoordinatorShard<CoordinatorRecord> {
  readonly groups: GroupMetadataManager;
  readonly offsets: OffsetMetadataManager;
  readonly #ctx: GroupManagerContext;

  constructor(context: ShardContext<CoordinatorRecord>, config: GroupCoordinatorConfig, metrics: GroupCoordinatorMetrics, image: () => MetadataImage) {
    const groups = new Map<string, Group>();
    this.#ctx = { groups, time: context.time, timer: context.timer, config, logger: context.logger, metrics, image };
    this.groups = new GroupMetadataManager(this.#ctx);
    this.offsets = new OffsetMetadataManager(this.#ctx, {
      group: (id) => groups.get(id),
      getOrCreateSimpleGroup: (id) => this.groups.classic.getOrMaybeCreateClassicGroup(id, true),
      rescheduleClassicHeartbeat: (group, memberId) => {
        const m = group.member(memberId);
        if (m !== undefined) this.groups.classic.rebalancer.rescheduleHeartbeat(group, m);
      },
    });
  }

  replay(offset: bigint, producerId: bigint, record: CoordinatorRecord): void {
    switch (record.type) {
      case 'OffsetCommit':
        this.offsets.replay(offset, producerId, record.key, record.value);
        break;
      case 'GroupMetadata':
        this.groups.replayGroupMetadata(record.key, record.value);
        break;
      default:
        this.groups.consumer.replay(record);
    }
  }

  replayEndTransactionMarker(producerId: bigint, commit: boolean): void {
    this.offsets.replayEndTransactionMarker(producerId, commit);
  }

  onLoaded(): void {
    this.groups.onLoaded();
    this.#scheduleGroupMetadataExpiration();
  }

  onUnloaded(): void {
    this.#ctx.timer.cancel(GROUP_EXPIRATION_KEY);
    this.groups.onUnloaded();
  }

  /** DeleteGroups: tombstones for each group and its offsets; per-group GROUP_ID_NOT_FOUND / NON_EMPTY_GROUP. */
  deleteGroups(groupIds: readonly string[]): Result<Input<DeletableGroupResult>[]> {
    const records: CoordinatorRecord[] = [];
    const results = groupIds.map((groupId): Input<DeletableGroupResult> => {
      try {
        this.groups.validateDeleteGroup(groupId);
        this.offsets.deleteAllOffsets(groupId, records);
        this.groups.createGroupTombstoneRecords(groupId, records);
        return { groupId, errorCode: Errors.NONE };
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        return { groupId, errorCode: e.code };
      }
    });
    return { records, response: results };
  }

  /** The periodic cleanup: expired offsets, then empty groups without offsets. */
  cleanupGroupMetadata(): Result<void> {
    const records: CoordinatorRecord[] = [];
    for (const groupId of this.groups.groupIds()) {
      if (this.offsets.cleanupExpiredOffsets(groupId, records)) this.groups.maybeDeleteGroup(groupId, records);
    }
    if (records.length > 0) this.#ctx.logger.info({ tombstones: records.length }, 'expired group metadata');
    this.#scheduleGroupMetadataExpiration();
    return { records, response: undefined };
  }

  #scheduleGroupMetadataExpiration(): void {
    this.#ctx.timer.schedule(GROUP_EXPIRATION_KEY, this.#ctx.config.offsetsRetentionCheckIntervalMs, () => this.cleanupGroupMetadata(), true);
  }

  /** Deleted topics: tombstones for their committed offsets. */
  onPartitionsDeleted(partitions: readonly { topic: string; partition: number }[]): Result<void> {
    return { records: this.offsets.onPartitionsDeleted(partitions), response: undefined };
  }
}
