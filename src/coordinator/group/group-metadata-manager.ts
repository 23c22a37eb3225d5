import { ApiError } from '../../common/api-error.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { DescribedGroup } from '../../protocol/generated/messages/describe-groups-response.ts';
import type { ListedGroup } from '../../protocol/generated/messages/list-groups-response.ts';
import type { GroupMetadataKey } from '../../protocol/generated/records/group-metadata-key.ts';
import type { GroupMetadataValue } from '../../protocol/generated/records/group-metadata-value.ts';
import type { CoordinatorRecord } from './coordinator-record.ts';
import type { Group } from './group.ts';
import type { GroupManagerContext } from './group-manager-context.ts';
import { ClassicGroup } from './classic/classic-group.ts';
import { ClassicGroupMember } from './classic/classic-group-member.ts';
import { ClassicGroupManager } from './classic/classic-group-manager.ts';
import { ConsumerGroupManager } from './consumer/consumer-group-manager.ts';
import { ConsumerGroup } from './consumer/consumer-group.ts';

/**
 * The groups of one shard, after Kafka's `GroupMetadataManager`: the group map shared by the classic
 * ({@link ClassicGroupManager}) and consumer ({@link ConsumerGroupManager}) protocols, the replay of
 * GroupMetadata records (classic groups are rebuilt from their latest snapshot on load), the admin views
 * (ListGroups, DescribeGroups, DeleteGroups) and load/unload hooks.
 */
export class GroupMetadataManager {
  readonly #ctx: GroupManagerContext;
  readonly classic: ClassicGroupManager;
  readonly consumer: ConsumerGroupManager;

  constructor(ctx: GroupManagerContext) {
    this.#ctx = ctx;
    this.classic = new ClassicGroupManager(ctx);
    this.consumer = new ConsumerGroupManager(ctx);
  }

  group(groupId: string): Group | undefined {
    return this.#ctx.groups.get(groupId);
  }

  groupIds(): string[] {
    return [...this.#ctx.groups.keys()];
  }

  /** Replays a GroupMetadata record: the classic group as of its last persisted generation (null: deleted). */
  replayGroupMetadata(key: GroupMetadataKey, value: GroupMetadataValue | null): void {
    const groupId = key.group;
    if (value === null) {
      this.#removeGroup(groupId);
      return;
    }
    const protocolType = value.protocolType === '' ? null : value.protocolType;
    const group = new ClassicGroup(groupId, value.members.length === 0 ? 'Empty' : 'Stable', this.#ctx.time, {
      generationId: value.generation,
      protocolType,
      protocolName: value.protocol,
      leaderId: value.leader,
      currentStateTimestampMs: value.currentStateTimestamp === -1n ? null : value.currentStateTimestamp,
    });
    for (const m of value.members) {
      group.add(new ClassicGroupMember({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeout === -1 ? m.sessionTimeout : m.rebalanceTimeout,
        sessionTimeoutMs: m.sessionTimeout,
        protocolType: value.protocolType,
        supportedProtocols: [{ name: value.protocol ?? '', metadata: m.subscription }],
        assignment: m.assignment,
      }));
    }
    const previous = this.#ctx.groups.get(groupId);
    if (previous instanceof ClassicGroup) this.classic.rebalancer.forgetGroup(previous);
    this.#ctx.groups.set(groupId, group);
    group.subscribedTopics = group.computeSubscribedTopics();
  }

  #removeGroup(groupId: string): void {
    const group = this.#ctx.groups.get(groupId);
    if (group === undefined) return;
    this.#ctx.groups.delete(groupId);
    if (group instanceof ClassicGroup) {
      // A group deleted under live requests answers them as Kafka does for a Dead group.
      if (!group.isInState('Dead')) group.transitionTo('Dead');
      this.classic.rebalancer.forgetGroup(group);
    } else if (group instanceof ConsumerGroup) {
      this.consumer.forgetGroup(group);
    }
  }

  /** ListGroups: groups in one of `statesFilter` (case-insensitive; empty = all) and of `typesFilter` (empty = all). */
  listGroups(statesFilter: readonly string[], typesFilter: readonly string[]): Input<ListedGroup>[] {
    const states = new Set(statesFilter.map((s) => s.trim().toLowerCase()));
    const types = new Set(typesFilter.map((t) => t.trim().toLowerCase()));
    const out: Input<ListedGroup>[] = [];
    for (const g of this.#ctx.groups.values()) {
      if (states.size > 0 && !g.isInStates(states)) continue;
      if (types.size > 0 && !types.has(g.type)) continue;
      out.push(g.asListedGroup());
    }
    return out;
  }

  /**
   * DescribeGroups (classic groups): Stable groups show each member's metadata and assignment, other states
   * members only. Unknown groups are reported Dead with no error, as Kafka does; consumer groups are
   * reported with GROUP_ID_NOT_FOUND (they are described with ConsumerGroupDescribe).
   */
  describeGroups(groupIds: readonly string[]): Input<DescribedGroup>[] {
    return groupIds.map((groupId): Input<DescribedGroup> => {
      const group = this.#ctx.groups.get(groupId);
      if (group instanceof ConsumerGroup) return this.consumer.describeAsClassic(group);
      if (!(group instanceof ClassicGroup)) return { groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [], errorCode: Errors.NONE };
      if (group.isInState('Stable')) {
        return {
          groupId,
          groupState: group.state,
          protocolType: group.protocolType ?? '',
          protocolData: group.protocolName ?? '',
          members: group.allMembers().map((m) => m.describe(group.protocolName ?? '')),
          errorCode: Errors.NONE,
        };
      }
      return { groupId, groupState: group.state, protocolType: group.protocolType ?? '', protocolData: '', members: group.allMembers().map((m) => m.describeNoMetadata()), errorCode: Errors.NONE };
    });
  }

  /** @throws ApiError GROUP_ID_NOT_FOUND (absent or dead) or NON_EMPTY_GROUP. */
  validateDeleteGroup(groupId: string): void {
    const group = this.#ctx.groups.get(groupId);
    if (group === undefined) throw new ApiError(Errors.GROUP_ID_NOT_FOUND, `group ${groupId} not found`);
    group.validateDeleteGroup();
  }

  createGroupTombstoneRecords(groupId: string, records: CoordinatorRecord[]): void {
    this.#ctx.groups.get(groupId)?.createGroupTombstoneRecords(records);
  }

  /** Deletes the group if it is empty (its offsets all expired). */
  maybeDeleteGroup(groupId: string, records: CoordinatorRecord[]): void {
    const group = this.#ctx.groups.get(groupId);
    if (group !== undefined && group.isEmpty()) group.createGroupTombstoneRecords(records);
  }

  /** The partition finished loading: restart member session timers (members have a full session to come back). */
  onLoaded(): void {
    for (const group of this.#ctx.groups.values()) {
      if (group instanceof ClassicGroup) {
        for (const m of group.allMembers()) this.classic.rebalancer.rescheduleHeartbeat(group, m);
        if (group.numMembers > this.#ctx.config.classicGroupMaxSize) {
          this.classic.rebalancer.prepareRebalance(group, `loaded group is over capacity ${this.#ctx.config.classicGroupMaxSize}`);
        }
      } else if (group instanceof ConsumerGroup) {
        this.consumer.onLoaded(group);
      }
    }
  }

  /** Leadership lost: classic groups become Dead and their parked requests get NOT_COORDINATOR. */
  onUnloaded(): void {
    for (const group of this.#ctx.groups.values()) {
      if (!(group instanceof ClassicGroup)) continue;
      const previous = group.state;
      group.transitionTo('Dead');
      if (previous === 'PreparingRebalance') {
        for (const m of group.allMembers()) group.completeJoin(m, { memberId: m.memberId, errorCode: Errors.NOT_COORDINATOR });
      } else if (previous === 'CompletingRebalance' || previous === 'Stable') {
        for (const m of group.allMembers()) group.completeSync(m, { errorCode: Errors.NOT_COORDINATOR });
      }
    }
  }

  /** Group counts by protocol and state (metrics). */
  groupCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const g of this.#ctx.groups.values()) {
      const key = `${g.type}:${g.stateAsString()}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }
}
