import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch-response.ts';
import type { FetchSnapshotRequest } from '../../../src/protocol/generated/messages/fetch-snapshot-request.ts';
import type { FetchSnapshotResponse } from '../../../src/protocol/generated/messages/fetch-snapshot-response.ts';
import { ElectionState } from '../../../src/raft/election-state.ts';
import { METADATA_TOPIC_NAME, fetchRequest, fetchSnapshotRequest, fetchSnapshotResponse } from '../../../src/raft/raft-messages.ts';
import { replicaKey } from '../../../src/raft/replica-key.ts';
import { ApiKeys, RaftTestContext } from '../../raft/raft-test-context.ts';

const V3 = [1, 2, 3];

/** A single-voter leader with records, a snapshot at `snapshotOffset` and its log trimmed below it. */
async function leaderWithSnapshot(): Promise<{ c: RaftTestContext; snapshotId: { offset: bigint; epoch: number } }> {
  const c = await RaftTestContext.create({ batches: [[1, 'a', 'b'], [1, 'c']] });
  await c.poll(3);
  const snapshotId = { offset: 3n, epoch: 1 };
  const w = (await c.client.createSnapshot(snapshotId, 0))!;
  await w.append(Array.from({ length: 50 }, (_, i) => Buffer.from(`state-${i}`)));
  await w.freeze();
  assert.equal(await c.log.deleteBeforeSnapshot(snapshotId), true);
  return { c, snapshotId };
}

function snapshotPartition(r: FetchSnapshotResponse) {
  assert.equal(r.errorCode, Errors.NONE);
  return r.topics[0]!.partitions[0]!;
}

describe('FetchSnapshot on the leader', () => {
  test('a fetch below the log start gets the snapshot id; the snapshot is served in chunks', async () => {
    const { c, snapshotId } = await leaderWithSnapshot();
    const epoch = c.client.epoch;
    const f = await c.request<FetchResponse>(ApiKeys.Fetch, 17, fetchRequest({ clusterId: c.clusterId, replicaId: 9, replicaDirectoryId: null, currentLeaderEpoch: epoch, fetchOffset: 0n, lastFetchedEpoch: 0, maxWaitMs: 0, maxBytes: 1 << 20 }));
    assert.deepEqual(f.responses[0]!.partitions[0]!.snapshotId, { endOffset: 3n, epoch: 1 });
    const size = (await c.log.readSnapshot(snapshotId))!.sizeInBytes();
    const chunks: Buffer[] = [];
    for (let position = 0n; position < BigInt(size); ) {
      const p = snapshotPartition(await c.request<FetchSnapshotResponse>(ApiKeys.FetchSnapshot, 1, { ...fetchSnapshotRequest(c.clusterId, replicaKey(9), epoch, snapshotId, 1 << 20, position), maxBytes: 100 }));
      assert.equal(p.errorCode, Errors.NONE);
      assert.equal(p.size, BigInt(size));
      assert.equal(p.position, position);
      const bytes = p.unalignedRecords as Buffer;
      assert.ok(bytes.length > 0 && bytes.length <= 100);
      chunks.push(bytes);
      position += BigInt(bytes.length);
    }
    const raw = (await c.log.readSnapshot(snapshotId))!;
    assert.deepEqual(Buffer.concat(chunks), await raw.read(0, size));
  });

  test('errors: position out of range, unknown snapshot, stale epoch, unknown partition', async () => {
    const { c, snapshotId } = await leaderWithSnapshot();
    const epoch = c.client.epoch;
    const req = (id: { offset: bigint; epoch: number }, position: bigint, e = epoch): FetchSnapshotRequest => fetchSnapshotRequest(c.clusterId, replicaKey(9), e, id, 1 << 20, position);
    assert.equal(snapshotPartition(await c.request(ApiKeys.FetchSnapshot, 1, req(snapshotId, 1_000_000n))).errorCode, Errors.POSITION_OUT_OF_RANGE);
    assert.equal(snapshotPartition(await c.request(ApiKeys.FetchSnapshot, 1, req(snapshotId, -1n))).errorCode, Errors.POSITION_OUT_OF_RANGE);
    assert.equal(snapshotPartition(await c.request(ApiKeys.FetchSnapshot, 1, req({ offset: 2n, epoch: 1 }, 0n))).errorCode, Errors.SNAPSHOT_NOT_FOUND);
    assert.equal(snapshotPartition(await c.request(ApiKeys.FetchSnapshot, 1, req(snapshotId, 0n, epoch - 1))).errorCode, Errors.FENCED_LEADER_EPOCH);
    const other = req(snapshotId, 0n);
    other.topics[0]!.name = 'other';
    assert.equal(snapshotPartition(await c.request(ApiKeys.FetchSnapshot, 1, other)).errorCode, Errors.UNKNOWN_TOPIC_OR_PARTITION);
    const wrongCluster = await c.request<FetchSnapshotResponse>(ApiKeys.FetchSnapshot, 1, { ...req(snapshotId, 0n), clusterId: 'x' });
    assert.equal(wrongCluster.errorCode, Errors.INCONSISTENT_CLUSTER_ID);
  });
});

describe('FetchSnapshot on a follower', () => {
  test('downloads the snapshot the leader names, replaces its log with it and loads it into its listener', async () => {
    const { c: leader, snapshotId } = await leaderWithSnapshot();
    const bytes = await (await leader.log.readSnapshot(snapshotId))!.read(0, 1 << 20);
    const f = await RaftTestContext.create({ voters: V3, election: ElectionState.withElectedLeader(4, 2, null, new Set(V3)), batches: [[1, 'stale']] });
    await f.poll();
    f.take(ApiKeys.Fetch)[0]!.respond({
      throttleTimeMs: 0,
      errorCode: 0,
      sessionId: 0,
      nodeEndpoints: [],
      responses: [{ topic: METADATA_TOPIC_NAME, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 3n, lastStableOffset: -1n, logStartOffset: 3n, divergingEpoch: { epoch: -1, endOffset: -1n }, currentLeader: { leaderId: 2, leaderEpoch: 4 }, snapshotId: { endOffset: 3n, epoch: 1 }, abortedTransactions: null, preferredReadReplica: -1, records: Buffer.alloc(0) }] }],
    });
    await f.poll();
    const view = { apiVersion: 1, listenerName: 'CONTROLLER', errorCode: 0, epoch: 4, leaderId: 2, leaderEndpoints: new Map() };
    for (let position = 0; position < bytes.length; position += 40) {
      await f.poll();
      const [req] = f.take(ApiKeys.FetchSnapshot);
      assert.ok(req !== undefined, `a FetchSnapshot at ${position}`);
      assert.equal((req.request.data as FetchSnapshotRequest).topics[0]!.partitions[0]!.position, BigInt(position));
      req.respond(fetchSnapshotResponse(view, { errorCode: 0, snapshotId, size: BigInt(bytes.length), position: BigInt(position), bytes: bytes.subarray(position, position + 40) }));
      await f.poll();
    }
    assert.equal(f.log.startOffset, 3n);
    assert.equal(f.log.endOffset, 3n);
    assert.equal(f.client.highWatermark, 3n);
    await f.poll(2);
    assert.equal(f.listener.snapshots.length, 1);
    const states: string[] = [];
    for await (const b of f.listener.snapshots[0]!.batches()) states.push(...b.records.map(String));
    assert.equal(states.length, 50);
    await f.poll();
    const next = f.take(ApiKeys.Fetch);
    assert.equal((next[0]!.request.data as ReturnType<typeof fetchRequest>).topics[0]!.partitions[0]!.fetchOffset, 3n, 'fetches on after the snapshot');
  });
});
