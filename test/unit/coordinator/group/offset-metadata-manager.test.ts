import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from '../../../../src/protocol/generated/errors.ts';
import type { Input } from '../../../../src/protocol/message-input.ts';
import type { OffsetFetchResponseGroup } from '../../../../src/protocol/generated/messages/offset-fetch-response.ts';
import { advance, commitReq, ctx, formGroup, harness, joinReq, restart, settle, subscription } from './group-test-kit.ts';

function offsetsOf(r: Input<OffsetFetchResponseGroup>): Record<string, [bigint, string, number]> {
  const out: Record<string, [bigint, string, number]> = {};
  for (const t of r.topics ?? []) for (const p of t.partitions ?? []) out[`${t.name}-${p.partitionIndex}`] = [p.committedOffset!, p.metadata as string, p.errorCode ?? 0];
  return out;
}

const fetchAll = (groupId: string) => ({ groupId, memberId: null, memberEpoch: -1, topics: null });
const fetchSome = (groupId: string, topics: { name: string; partitionIndexes: number[] }[]) => ({ groupId, memberId: null, memberEpoch: -1, topics });

test('members commit offsets of their generation; metadata and leader epoch come back exactly as stored', async () => {
  const h = await harness();
  const { memberIds } = await formGroup(h, 'g', 2);
  const r = await h.coordinator.commitOffsets(ctx(8), commitReq('g', memberIds[0]!, 1, [
    { topic: 't', partition: 0, offset: 42n, metadata: 'ünïcode 🚀 meta' },
    { topic: 't', partition: 1, offset: 7n, metadata: null },
  ]));
  assert.deepEqual(r.topics!.flatMap((t) => t.partitions!.map((p) => p.errorCode)), [Errors.NONE, Errors.NONE]);
  const fetched = await h.coordinator.fetchOffsets(ctx(8), fetchSome('g', [{ name: 't', partitionIndexes: [0, 1, 2] }]), false);
  assert.deepEqual(offsetsOf(fetched), { 't-0': [42n, 'ünïcode 🚀 meta', 0], 't-1': [7n, '', 0], 't-2': [-1n, '', 0] });
  assert.deepEqual(offsetsOf(await h.coordinator.fetchOffsets(ctx(8), fetchAll('g'), false)), { 't-0': [42n, 'ünïcode 🚀 meta', 0], 't-1': [7n, '', 0] });
});

test('commits are checked against the group: unknown member, stale generation, rebalance in progress', async () => {
  const h = await harness();
  const { memberIds } = await formGroup(h, 'g', 1);
  const code = async (memberId: string, gen: number, v = 8) => (await h.coordinator.commitOffsets(ctx(v), commitReq('g', memberId, gen, [{ topic: 't', partition: 0, offset: 1n }]))).topics![0]!.partitions![0]!.errorCode;
  assert.equal(await code('ghost', 1), Errors.UNKNOWN_MEMBER_ID);
  assert.equal(await code(memberIds[0]!, 0), Errors.ILLEGAL_GENERATION);
  assert.equal(await code('', -1), Errors.UNKNOWN_MEMBER_ID, 'a non-empty group refuses commits without member id');
  // Another member joins: the group completes a rebalance with a new generation.
  const join2 = h.coordinator.joinGroup(ctx(3), joinReq('g'));
  const join1 = h.coordinator.joinGroup(ctx(3), joinReq('g', { memberId: memberIds[0]! }));
  await settle(h);
  await Promise.all([join1, join2]);
  assert.equal(await code(memberIds[0]!, 2), Errors.REBALANCE_IN_PROGRESS, 'CompletingRebalance: no assignment yet');
  assert.equal(await code(memberIds[0]!, 9, 9), Errors.ILLEGAL_GENERATION);
  const missing = (await h.coordinator.commitOffsets(ctx(9), commitReq('nope', 'm', 3, [{ topic: 't', partition: 0, offset: 1n }]))).topics![0]!.partitions![0]!.errorCode;
  assert.equal(missing, Errors.GROUP_ID_NOT_FOUND, 'v9 reports a missing group');
  const missingOld = (await h.coordinator.commitOffsets(ctx(8), commitReq('nope', 'm', 3, [{ topic: 't', partition: 0, offset: 1n }]))).topics![0]!.partitions![0]!.errorCode;
  assert.equal(missingOld, Errors.ILLEGAL_GENERATION, 'older versions get ILLEGAL_GENERATION');
});

test('standalone consumers commit with an empty member id and generation -1 into a simple group', async () => {
  const h = await harness();
  const r = await h.coordinator.commitOffsets(ctx(2), commitReq('standalone', '', -1, [{ topic: 't', partition: 3, offset: 100n, metadata: 'm' }]));
  assert.equal(r.topics![0]!.partitions![0]!.errorCode, Errors.NONE);
  assert.deepEqual(offsetsOf(await h.coordinator.fetchOffsets(ctx(), fetchAll('standalone'), false)), { 't-3': [100n, 'm', 0] });
  const listed = await h.coordinator.listGroups(ctx(), [], []);
  assert.deepEqual(listed.groups.map((g) => [g.groupId, g.protocolType, g.groupState]), [['standalone', '', 'Empty']]);
});

test('metadata longer than offset.metadata.max.bytes is refused per partition', async () => {
  const h = await harness({ offsetMetadataMaxSize: 5 });
  const r = await h.coordinator.commitOffsets(ctx(), commitReq('s', '', -1, [{ topic: 't', partition: 0, offset: 1n, metadata: '123456' }, { topic: 't', partition: 1, offset: 1n, metadata: '12345' }]));
  assert.deepEqual(r.topics![0]!.partitions!.map((p) => p.errorCode), [Errors.OFFSET_METADATA_TOO_LARGE, Errors.NONE]);
});

test('committed offsets survive a restart, and the log holds Kafka-format records', async () => {
  const h = await harness();
  await h.coordinator.commitOffsets(ctx(), commitReq('s', '', -1, [{ topic: 't', partition: 0, offset: 5n, metadata: 'x' }]));
  await h.coordinator.commitOffsets(ctx(), commitReq('s', '', -1, [{ topic: 't', partition: 0, offset: 9n, metadata: 'y' }]));
  const entries = h.writer.entries(h.coordinator.topicPartitionFor('s'));
  const commit = entries.filter((e) => e.kind === 'record' && e.key!.readInt16BE(0) === 1);
  assert.equal(commit.length, 2);
  const last = commit[1]!;
  assert.ok(last.kind === 'record');
  assert.equal(last.value!.readInt16BE(0), 3, 'OffsetCommitValue v3');
  assert.equal(last.value!.readBigInt64BE(2), 9n);
  const h2 = await restart(h);
  assert.deepEqual(offsetsOf(await h2.coordinator.fetchOffsets(ctx(), fetchAll('s'), false)), { 't-0': [9n, 'y', 0] });
});

test('requests to a partition this broker does not lead get NOT_COORDINATOR; loading gets COORDINATOR_LOAD_IN_PROGRESS', async () => {
  const h = await harness();
  const tp = h.coordinator.topicPartitionFor('g');
  await h.coordinator.onPartitionLeadershipChange(tp, false, 1);
  const r = await h.coordinator.fetchOffsets(ctx(), fetchAll('g'), false);
  assert.equal(r.errorCode, Errors.NOT_COORDINATOR);
  assert.equal((await h.coordinator.joinGroup(ctx(), joinReq('g'))).errorCode, Errors.NOT_COORDINATOR);
  const release = h.writer.holdReads();
  const loading = h.coordinator.onPartitionLeadershipChange(tp, true, 2);
  assert.equal(h.coordinator.shardState(tp.partition), 'loading');
  assert.equal((await h.coordinator.fetchOffsets(ctx(), fetchAll('g'), false)).errorCode, Errors.COORDINATOR_LOAD_IN_PROGRESS);
  assert.equal((await h.coordinator.heartbeat(ctx(), { groupId: 'g', generationId: 1, memberId: 'm', groupInstanceId: null })).errorCode, Errors.NONE, 'heartbeats are answered blindly while loading');
  release();
  await loading;
  assert.equal((await h.coordinator.fetchOffsets(ctx(), fetchAll('g'), false)).errorCode, Errors.NONE);
});

test('OffsetDelete: refused for subscribed topics of an active consumer group, allowed for others and empty groups', async () => {
  const h = await harness();
  const { memberIds } = await formGroup(h, 'g', 1);
  await h.coordinator.commitOffsets(ctx(), commitReq('g', memberIds[0]!, 1, [{ topic: 't', partition: 0, offset: 1n }, { topic: 'old', partition: 0, offset: 2n }]));
  const r = await h.coordinator.deleteOffsets(ctx(), { groupId: 'g', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }, { name: 'old', partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(r.errorCode, Errors.NONE);
  assert.deepEqual(r.topics!.map((t) => t.partitions![0]!.errorCode), [Errors.GROUP_SUBSCRIBED_TO_TOPIC, Errors.NONE]);
  assert.deepEqual(offsetsOf(await h.coordinator.fetchOffsets(ctx(), fetchAll('g'), false)), { 't-0': [1n, '', 0] });
  assert.equal((await h.coordinator.deleteOffsets(ctx(), { groupId: 'nope', topics: [] })).errorCode, Errors.GROUP_ID_NOT_FOUND);
  // A non-consumer protocol type cannot delete offsets while members are active.
  const c = h.coordinator.joinGroup(ctx(3), joinReq('connect', { protocolType: 'connect', protocols: [{ name: 'v1', metadata: Buffer.from('x') }] }));
  await advance(h, 0);
  await c;
  assert.equal((await h.coordinator.deleteOffsets(ctx(), { groupId: 'connect', topics: [] })).errorCode, Errors.NON_EMPTY_GROUP);
});

test('DeleteGroups: NON_EMPTY_GROUP for active groups, deletes empty groups with their offsets, GROUP_ID_NOT_FOUND after', async () => {
  const h = await harness();
  const { memberIds } = await formGroup(h, 'g', 1);
  await h.coordinator.commitOffsets(ctx(), commitReq('g', memberIds[0]!, 1, [{ topic: 't', partition: 0, offset: 1n }]));
  let r = await h.coordinator.deleteGroups(ctx(), ['g', 'missing']);
  assert.deepEqual(r.map((x) => [x.groupId, x.errorCode]), [['g', Errors.NON_EMPTY_GROUP], ['missing', Errors.GROUP_ID_NOT_FOUND]]);
  await h.coordinator.leaveGroup(ctx(), 'g', [{ memberId: memberIds[0]!, groupInstanceId: null, reason: null }]);
  await settle(h);
  r = await h.coordinator.deleteGroups(ctx(), ['g']);
  assert.equal(r[0]!.errorCode, Errors.NONE);
  assert.deepEqual(offsetsOf(await h.coordinator.fetchOffsets(ctx(), fetchAll('g'), false)), {});
  assert.equal((await h.coordinator.deleteGroups(ctx(), ['g']))[0]!.errorCode, Errors.GROUP_ID_NOT_FOUND);
  const [d] = await h.coordinator.describeGroups(ctx(), ['g']);
  assert.equal(d!.groupState, 'Dead');
  const h2 = await restart(h);
  assert.equal((await h2.coordinator.listGroups(ctx(), [], [])).groups.length, 0, 'the deletion survives a restart');
});

test('ListGroups filters by state (case-insensitive) and type', async () => {
  const h = await harness();
  await formGroup(h, 'stable', 1);
  await h.coordinator.commitOffsets(ctx(), commitReq('simple', '', -1, [{ topic: 't', partition: 0, offset: 1n }]));
  const ids = async (states: string[], types: string[] = []) => (await h.coordinator.listGroups(ctx(), states, types)).groups.map((g) => g.groupId).sort();
  assert.deepEqual(await ids([]), ['simple', 'stable']);
  assert.deepEqual(await ids(['STABLE']), ['stable']);
  assert.deepEqual(await ids(['empty']), ['simple']);
  assert.deepEqual(await ids([], ['consumer']), []);
  assert.deepEqual(await ids([], ['Classic']), ['simple', 'stable']);
});

test('offsets of an empty group expire offsets.retention.minutes after it became empty, then the group is deleted', async () => {
  const h = await harness({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 });
  const { memberIds } = await formGroup(h, 'g', 1);
  await h.coordinator.commitOffsets(ctx(), commitReq('g', memberIds[0]!, 1, [{ topic: 't', partition: 0, offset: 1n }]));
  // A stable consumer group keeps offsets of subscribed topics however old they are.
  for (let i = 0; i < 10; i++) {
    await advance(h, 9_000);
    await h.coordinator.heartbeat(ctx(), { groupId: 'g', generationId: 1, memberId: memberIds[0]!, groupInstanceId: null });
  }
  assert.equal(Object.keys(offsetsOf(await h.coordinator.fetchOffsets(ctx(), fetchAll('g'), false))).length, 1);
  await h.coordinator.leaveGroup(ctx(), 'g', [{ memberId: memberIds[0]!, groupInstanceId: null, reason: null }]);
  await advance(h, 50_000);
  assert.equal(Object.keys(offsetsOf(await h.coordinator.fetchOffsets(ctx(), fetchAll('g'), false))).length, 1, 'kept until retention since empty');
  await advance(h, 20_000);
  assert.deepEqual(offsetsOf(await h.coordinator.fetchOffsets(ctx(), fetchAll('g'), false)), {});
  assert.equal((await h.coordinator.listGroups(ctx(), [], [])).groups.length, 0, 'the empty group without offsets is deleted');
  assert.equal(h.coordinator.metrics.offsetExpirations, 1);
});

test('an explicit retention time (OffsetCommit v2-4) expires the offset at that time', async () => {
  const h = await harness({ offsetsRetentionMs: 3_600_000, offsetsRetentionCheckIntervalMs: 1_000 });
  await h.coordinator.commitOffsets(ctx(2), commitReq('s', '', -1, [{ topic: 't', partition: 0, offset: 1n }], { retentionTimeMs: 5_000n }));
  const rec = h.writer.entries(h.coordinator.topicPartitionFor('s')).find((e) => e.kind === 'record' && e.key!.readInt16BE(0) === 1);
  assert.ok(rec !== undefined && rec.kind === 'record');
  assert.equal(rec.value!.readInt16BE(0), 1, 'OffsetCommitValue v1 carries the expire timestamp');
  await advance(h, 4_000);
  assert.equal(Object.keys(offsetsOf(await h.coordinator.fetchOffsets(ctx(), fetchAll('s'), false))).length, 1);
  await advance(h, 2_000);
  assert.deepEqual(offsetsOf(await h.coordinator.fetchOffsets(ctx(), fetchAll('s'), false)), {});
});

test('transactional offsets stay pending until the marker: UNSTABLE_OFFSET_COMMIT with require_stable, visible after COMMIT', async () => {
  const h = await harness();
  const tp = h.coordinator.topicPartitionFor('g');
  await h.coordinator.commitOffsets(ctx(), commitReq('g', '', -1, [{ topic: 't', partition: 0, offset: 1n }]));
  const txn = (offset: bigint, producerId: bigint) => h.coordinator.commitTransactionalOffsets(ctx(3), {
    transactionalId: 'tx', groupId: 'g', producerId, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: 'txn' }] }],
  });
  assert.equal((await txn(10n, 1000n)).topics![0]!.partitions![0]!.errorCode, Errors.NONE);
  const some = fetchSome('g', [{ name: 't', partitionIndexes: [0] }]);
  assert.deepEqual(offsetsOf(await h.coordinator.fetchOffsets(ctx(), some, false)), { 't-0': [1n, '', 0] });
  assert.deepEqual(offsetsOf(await h.coordinator.fetchOffsets(ctx(), some, true)), { 't-0': [-1n, '', Errors.UNSTABLE_OFFSET_COMMIT] });
  // The pending state is rebuilt from the log on restart.
  const h2 = await restart(h);
  assert.deepEqual(offsetsOf(await h2.coordinator.fetchOffsets(ctx(), some, true)), { 't-0': [-1n, '', Errors.UNSTABLE_OFFSET_COMMIT] });
  await h2.coordinator.completeTransaction(tp, { producerId: 1000n, producerEpoch: 0 }, 0, true);
  assert.deepEqual(offsetsOf(await h2.coordinator.fetchOffsets(ctx(), some, true)), { 't-0': [10n, 'txn', 0] });
  // An aborted transaction leaves the committed offset alone.
  await h2.coordinator.commitTransactionalOffsets(ctx(3), {
    transactionalId: 'tx', groupId: 'g', producerId: 1001n, producerEpoch: 0, generationId: -1, memberId: '', groupInstanceId: null,
    topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 99n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  await h2.coordinator.completeTransaction(tp, { producerId: 1001n, producerEpoch: 0 }, 0, false);
  assert.deepEqual(offsetsOf(await h2.coordinator.fetchOffsets(ctx(), some, true)), { 't-0': [10n, 'txn', 0] });
  const h3 = await restart(h2);
  assert.deepEqual(offsetsOf(await h3.coordinator.fetchOffsets(ctx(), some, true)), { 't-0': [10n, 'txn', 0] });
});

test('a failed offset commit is reported and leaves no trace after the partition reloads', async () => {
  const h = await harness();
  await h.coordinator.commitOffsets(ctx(), commitReq('s', '', -1, [{ topic: 't', partition: 0, offset: 1n }]));
  h.writer.failNextAppends(h.coordinator.topicPartitionFor('s'), 1);
  const r = await h.coordinator.commitOffsets(ctx(), commitReq('s', '', -1, [{ topic: 't', partition: 0, offset: 2n }]));
  assert.equal(r.topics![0]!.partitions![0]!.errorCode, Errors.NOT_COORDINATOR);
  let fetched = await h.coordinator.fetchOffsets(ctx(), fetchAll('s'), false);
  for (let i = 0; i < 20 && fetched.errorCode !== Errors.NONE; i++) {
    await settle(h);
    fetched = await h.coordinator.fetchOffsets(ctx(), fetchAll('s'), false);
  }
  assert.deepEqual(offsetsOf(fetched), { 't-0': [1n, '', 0] });
});

test('offsets of deleted partitions are removed', async () => {
  const h = await harness();
  await h.coordinator.commitOffsets(ctx(), commitReq('s', '', -1, [{ topic: 't', partition: 0, offset: 1n }, { topic: 'u', partition: 0, offset: 1n }]));
  await h.coordinator.onPartitionsDeleted([{ topic: 't', partition: 0 }]);
  assert.deepEqual(offsetsOf(await h.coordinator.fetchOffsets(ctx(), fetchAll('s'), false)), { 'u-0': [1n, '', 0] });
  void subscription;
});
