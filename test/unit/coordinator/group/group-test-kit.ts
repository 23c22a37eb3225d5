// Helpers for group coordinator unit tests: a coordinator over an in-memory __consumer_offsets with MockTime
// and manual timers, and request builders with Kafka's defaults.
import { MockTime } from '../../../../src/common/time.ts';
import { Writer } from '../../../../src/protocol/writer.ts';
import { EMPTY_IMAGE, type MetadataImage } from '../../../../src/metadata/metadata-image.ts';
import { encodeConsumerProtocolSubscription } from '../../../../src/protocol/generated/messages/consumer-protocol-subscription.ts';
import { encodeConsumerProtocolAssignment } from '../../../../src/protocol/generated/messages/consumer-protocol-assignment.ts';
import type { JoinGroupRequest } from '../../../../src/protocol/generated/messages/join-group-request.ts';
import type { SyncGroupRequest } from '../../../../src/protocol/generated/messages/sync-group-request.ts';
import type { HeartbeatRequest } from '../../../../src/protocol/generated/messages/heartbeat-request.ts';
import type { OffsetCommitRequest } from '../../../../src/protocol/generated/messages/offset-commit-request.ts';
import { GroupCoordinator, GROUP_METADATA_TOPIC_NAME } from '../../../../src/coordinator/group/group-coordinator.ts';
import type { GroupCoordinatorConfig } from '../../../../src/coordinator/group/group-coordinator-config.ts';
import type { GroupRequestContext } from '../../../../src/coordinator/group/group-manager-context.ts';
import { InMemoryPartitionWriter } from '../../../../src/coordinator/runtime/in-memory-partition-writer.ts';

export const NUM_PARTITIONS = 4;

export function ctx(apiVersion = 5, clientId = 'client'): GroupRequestContext {
  return { clientId, clientHost: '/127.0.0.1', apiVersion };
}

/** Consumer protocol subscription metadata (version 1) for `topics`. */
export function subscription(topics: string[], version = 1): Buffer {
  const w = new Writer(64);
  w.writeInt16(version);
  encodeConsumerProtocolSubscription(w, version, { topics, userData: null, ownedPartitions: [] });
  return w.toBuffer();
}

/** Consumer protocol assignment (version 1). */
export function assignment(parts: { topic: string; partitions: number[] }[]): Buffer {
  const w = new Writer(64);
  w.writeInt16(1);
  encodeConsumerProtocolAssignment(w, 1, { assignedPartitions: parts, userData: null });
  return w.toBuffer();
}

export function joinReq(groupId: string, over: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    reason: null,
    ...over,
  };
}

export function syncReq(groupId: string, memberId: string, generationId: number, assignments: { memberId: string; assignment: Buffer }[] = [], over: Partial<SyncGroupRequest> = {}): SyncGroupRequest {
  return { groupId, generationId, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments, ...over };
}

export function hbReq(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null = null): HeartbeatRequest {
  return { groupId, generationId, memberId, groupInstanceId };
}

export function commitReq(groupId: string, memberId: string, generationId: number, offsets: { topic: string; partition: number; offset: bigint; metadata?: string | null }[], over: Partial<OffsetCommitRequest> = {}): OffsetCommitRequest {
  const byTopic = new Map<string, OffsetCommitRequest['topics'][number]>();
  for (const o of offsets) {
    let t = byTopic.get(o.topic);
    if (t === undefined) byTopic.set(o.topic, (t = { name: o.topic, partitions: [] }));
    t.partitions.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: o.metadata === undefined ? '' : o.metadata });
  }
  return { groupId, generationIdOrMemberEpoch: generationId, memberId, groupInstanceId: null, retentionTimeMs: -1n, topics: [...byTopic.values()], ...over };
}

export interface Harness {
  time: MockTime;
  writer: InMemoryPartitionWriter;
  coordinator: GroupCoordinator;
  config: Partial<GroupCoordinatorConfig>;
  image: MetadataImage;
}

/** A coordinator with every partition loaded. */
export async function harness(config: Partial<GroupCoordinatorConfig> = {}, writer = new InMemoryPartitionWriter(), time = new MockTime(), image: MetadataImage = EMPTY_IMAGE): Promise<Harness> {
  const full = { offsetsTopicNumPartitions: NUM_PARTITIONS, classicGroupInitialRebalanceDelayMs: 0, ...config };
  const coordinator = new GroupCoordinator({ config: full, time, writer, metadataImage: () => image, autoTimers: false });
  await Promise.all(Array.from({ length: full.offsetsTopicNumPartitions }, (_, p) => coordinator.onPartitionLeadershipChange({ topic: GROUP_METADATA_TOPIC_NAME, partition: p }, true, 0)));
  return { time, writer, coordinator, config: full, image };
}

/** A new coordinator over the same log (a broker restart). */
export function restart(h: Harness): Promise<Harness> {
  h.coordinator.close();
  return harness(h.config, h.writer, h.time, h.image);
}

/** Advances the clock and runs due timers, then lets appends settle. */
export async function advance(h: Harness, ms: number): Promise<void> {
  h.time.sleep(ms);
  h.coordinator.poll();
  await settle(h);
}

/** Lets pending appends and microtasks settle. */
export async function settle(h: Harness): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await h.coordinator.idle();
    await new Promise((r) => setImmediate(r));
  }
}

/** Whether a promise has settled (without waiting). */
export async function isSettled(p: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const r = await Promise.race([p, new Promise((res) => setImmediate(() => res(marker)))]);
  return r !== marker;
}

/**
 * Joins `n` dynamic members with the v5 two-step join and completes the rebalance (leader syncs `assign`).
 * @returns the member ids (leader first) and the generation.
 */
export async function formGroup(h: Harness, groupId: string, n: number, assign?: (memberIds: string[]) => Map<string, Buffer>): Promise<{ memberIds: string[]; generationId: number; leader: string }> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const first = await h.coordinator.joinGroup(ctx(5, `c${i}`), joinReq(groupId));
    ids.push(first.memberId!);
  }
  const joins = ids.map((id) => h.coordinator.joinGroup(ctx(5), joinReq(groupId, { memberId: id })));
  await advance(h, h.config.classicGroupInitialRebalanceDelayMs ?? 0);
  const responses = await Promise.all(joins);
  const leader = responses[0]!.leader!;
  const generationId = responses[0]!.generationId!;
  const memberIds = [leader, ...ids.filter((id) => id !== leader)];
  const assignments = assign?.(memberIds) ?? new Map(memberIds.map((id, i) => [id, assignment([{ topic: 't', partitions: [i] }])]));
  const syncs = memberIds.map((id) => h.coordinator.syncGroup(ctx(), syncReq(groupId, id, generationId, id === leader ? [...assignments].map(([memberId, a]) => ({ memberId, assignment: a })) : [])));
  await settle(h);
  await Promise.all(syncs);
  return { memberIds, generationId, leader };
}

/** A deterministic topic id (Kafka's base64 Uuid form) for a topic name. */
export function topicId(name: string): string {
  const b = Buffer.alloc(16, 7);
  b.write(name.slice(0, 15), 1);
  return b.toString('base64url');
}

/** A metadata image with the given topics (ids from {@link topicId}, replicas on broker 1 in rack r1). */
export function imageWith(topics: { name: string; partitions: number }[]): MetadataImage {
  const byName = new Map(topics.map((t) => [t.name, {
    name: t.name,
    id: topicId(t.name),
    partitions: new Map(Array.from({ length: t.partitions }, (_, p) => [p, { replicas: [1], isr: [1], removingReplicas: [], addingReplicas: [], directories: [], elr: [], lastKnownElr: [], leader: 1, leaderRecoveryState: 0, leaderEpoch: 0, partitionEpoch: 0 }])),
  }]));
  return {
    ...EMPTY_IMAGE,
    brokers: new Map([[1, { id: 1, epoch: 0n, incarnationId: 'x', endpoints: [], supportedFeatures: [], rack: 'r1', fenced: false, inControlledShutdown: false, isMigratingZkBroker: false, directories: [] }]]),
    topicsByName: byName,
    topicsById: new Map([...byName.values()].map((t) => [t.id, t])),
  };
}
