// The group coordinator's reads (OffsetFetch, ListGroups, DescribeGroups, ConsumerGroupDescribe) answer from
// committed state only: records replayed but held back by the in-memory partition writer are never returned,
// and a held append that fails is reverted before any read runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Errors } from '../../../../src/protocol/generated/errors.ts';
import type { Input } from '../../../../src/protocol/message-input.ts';
import type { OffsetFetchResponseGroup } from '../../../../src/protocol/generated/messages/offset-fetch-response.ts';
import { commitReq, ctx, harness, imageWith, isSettled, settle, type Harness } from './group-test-kit.ts';

const fetchT0 = { groupId: 'g', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0] }] };

function committedOffset(r: Input<OffsetFetchResponseGroup>): bigint | number | undefined {
  if ((r.errorCode ?? Errors.NONE) !== Errors.NONE) return r.errorCode;
  return r.topics?.[0]?.partitions?.[0]?.committedOffset;
}

async function activeAgain(h: Harness): Promise<void> {
  for (let i = 0; i < 50 && h.coordinator.shardState(h.coordinator.partitionFor('g')) !== 'active'; i++) await settle(h);
  assert.equal(h.coordinator.shardState(h.coordinator.partitionFor('g')), 'active');
}

/** Offset 5 committed, then a commit of 9 held back by the writer and an OffsetFetch scheduled behind it. */
async function heldCommit() {
  const h = await harness();
  const tp = h.coordinator.topicPartitionFor('g');
  await h.coordinator.commitOffsets(ctx(8), commitReq('g', '', -1, [{ topic: 't', partition: 0, offset: 5n }]));
  h.writer.pause(tp);
  const commit = h.coordinator.commitOffsets(ctx(8), commitReq('g', '', -1, [{ topic: 't', partition: 0, offset: 9n }]));
  const fetched = h.coordinator.fetchOffsets(ctx(8), fetchT0, false);
  assert.equal(await isSettled(fetched), false, 'no answer while the commit of 9 is held back');
  return { h, tp, commit, fetched };
}

test('OffsetFetch: a held offset commit is not returned until it commits', async () => {
  const { h, tp, commit, fetched } = await heldCommit();
  h.writer.resume(tp);
  await commit;
  assert.equal(committedOffset(await fetched), 9n);
});

test('OffsetFetch: a held offset commit that fails is never returned; the committed offset is', async () => {
  const { h, tp, commit, fetched } = await heldCommit();
  h.writer.failHeld(tp);
  assert.notEqual((await commit).topics![0]!.partitions![0]!.errorCode, Errors.NONE);
  assert.equal(committedOffset(await fetched), Errors.NOT_COORDINATOR, 'a retriable error, never the reverted offset 9');
  h.writer.resume(tp);
  await activeAgain(h);
  assert.equal(committedOffset(await h.coordinator.fetchOffsets(ctx(8), fetchT0, false)), 5n);
});

test('ListGroups, ConsumerGroupDescribe, DescribeGroups: a consumer group whose creation is held back is invisible, and gone once its append failed', async () => {
  const h = await harness({}, undefined, undefined, imageWith([{ name: 't', partitions: 2 }]));
  const tp = h.coordinator.topicPartitionFor('g');
  h.writer.pause(tp);
  const joined = h.coordinator.consumerGroupHeartbeat(ctx(0), {
    groupId: 'g', memberId: '', memberEpoch: 0, instanceId: null, rackId: null, rebalanceTimeoutMs: 30_000, subscribedTopicNames: ['t'],
    subscribedTopicRegex: null, serverAssignor: null, topicPartitions: [],
  });
  const listed = h.coordinator.listGroups(ctx(5), [], []);
  const described = h.coordinator.consumerGroupDescribe(ctx(0), ['g']);
  const describedClassic = h.coordinator.describeGroups(ctx(5), ['g']);
  assert.equal(await isSettled(listed), false);
  h.writer.failHeld(tp);
  assert.notEqual((await joined).errorCode, Errors.NONE);
  const list = await listed;
  assert.ok(list.errorCode === Errors.NOT_COORDINATOR && list.groups.length === 0, `ListGroups answered ${JSON.stringify(list)}`);
  assert.equal((await described)[0]!.errorCode, Errors.NOT_COORDINATOR);
  assert.equal((await describedClassic)[0]!.errorCode, Errors.NOT_COORDINATOR);
  h.writer.resume(tp);
  await activeAgain(h);
  assert.deepEqual((await h.coordinator.listGroups(ctx(5), [], [])).groups, []);
  assert.equal((await h.coordinator.consumerGroupDescribe(ctx(0), ['g']))[0]!.errorCode, Errors.GROUP_ID_NOT_FOUND);
});
