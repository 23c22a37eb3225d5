// Replication of the log (Kafka's KafkaRaftClient Fetch and FetchSnapshot handling, KIP-595 and KIP-630): the
// leader answers a follower's position with records, a diverging epoch (the follower truncates) or a snapshot id
// (the follower downloads it with FetchSnapshot); followers append, flush and take the leader's high watermark.

import { Errors } from '../protocol/generated/errors.ts';
import type { FetchRequest, FetchPartition } from '../protocol/generated/messages/fetch-request.ts';
import type { FetchResponse } from '../protocol/generated/messages/fetch-response.ts';
import type { FetchSnapshotRequest } from '../protocol/generated/messages/fetch-snapshot-request.ts';
import type { FetchSnapshotResponse } from '../protocol/generated/messages/fetch-snapshot-response.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { RecordsError } from '../protocol/records/records-error.ts';
import { wholeBatchesLength } from './batch.ts';
import { FollowerState } from './follower-state.ts';
import { LeaderState } from './leader-state.ts';
import type { OffsetAndEpoch } from './offset-and-epoch.ts';
import { MAX_BATCH_SIZE_BYTES } from './quorum-config.ts';
import type { RaftContext } from './raft-context.ts';
import {
  METADATA_PARTITION,
  METADATA_TOPIC_NAME,
  endpointsFromNodeEndpoints,
  fetchReplicaId,
  fetchResponse,
  fetchSnapshotResponse,
  hasValidFetchResponseTopicPartition,
  hasValidFetchTopicPartition,
} from './raft-messages.ts';
import { responseView } from './raft-request-handlers.ts';
import { replicaKey, type ReplicaKey } from './replica-key.ts';
import { truncateToEndOffset, validateOffsetAndEpoch } from './replicated-log.ts';
import { isBootstrapSnapshot } from './snapshot-path.ts';
import type { ValidOffsetAndEpoch } from './valid-offset-and-epoch.ts';
import type { RaftNode } from './voter-set.ts';

function emptyFetchResponse(ctx: RaftContext, apiVersion: number, errorCode: number, highWatermark: bigint | null): FetchResponse {
  return fetchResponse(responseView(ctx, apiVersion, Errors.NONE), {
    errorCode,
    records: Buffer.alloc(0),
    highWatermark: highWatermark ?? -1n,
    logStartOffset: ctx.log.startOffset,
    divergingEpoch: null,
    snapshotId: null,
  });
}

/**
 * Fetch on the leader (Kafka's handleFetchRequest). Answers at once with records, a diverging epoch, a snapshot
 * id or an error; with nothing to return (and maxWaitMs > 0) the fetch is parked until the log end passes the
 * fetch offset or the high watermark moves, then answered from poll. `respond` is called exactly once.
 */
export async function handleFetchRequest(ctx: RaftContext, apiVersion: number, request: FetchRequest, respond: (r: FetchResponse) => void): Promise<void> {
  if (!ctx.hasValidClusterId(request.clusterId)) return respond({ throttleTimeMs: 0, errorCode: Errors.INCONSISTENT_CLUSTER_ID, sessionId: 0, responses: [], nodeEndpoints: [] });
  if (!hasValidFetchTopicPartition(request.topics)) return respond({ throttleTimeMs: 0, errorCode: Errors.INVALID_REQUEST, sessionId: 0, responses: [], nodeEndpoints: [] });
  const fp = request.topics[0]!.partitions[0]!;
  if (request.maxWaitMs < 0 || fp.fetchOffset < 0n || fp.lastFetchedEpoch < 0 || fp.lastFetchedEpoch > fp.currentLeaderEpoch) {
    return respond(emptyFetchResponse(ctx, apiVersion, Errors.INVALID_REQUEST, null));
  }
  const key = replicaKey(fetchReplicaId(request), fp.replicaDirectoryId);
  const maxBytes = Math.max(1, Math.min(request.maxBytes, MAX_BATCH_SIZE_BYTES));
  // Every answer to a known replica records the high watermark it carried, so that a later fetch is parked only
  // when the replica already knows the current high watermark.
  const send = (r: FetchResponse): void => {
    const state = ctx.quorum.state;
    const hw = r.responses[0]?.partitions[0]?.highWatermark;
    if (state instanceof LeaderState && hw !== undefined) state.recordHighWatermarkSent(key, hw);
    respond(r);
  };
  const response = await tryCompleteFetchRequest(ctx, apiVersion, key, fp, maxBytes, ctx.nowMs());
  const p = response.responses[0]?.partitions[0];
  // A replica that has not been sent the current high watermark is answered at once (Kafka 4.1+ does the same from
  // the fetcher's HighWatermark field, KIP-1166): followers and brokers apply a commit now, not maxWaitMs later.
  const state = ctx.quorum.state;
  const highWatermarkUnsent = state instanceof LeaderState && state.highWatermarkUnsentTo(key);
  const parkable = p !== undefined && p.errorCode === Errors.NONE && (p.records === null || recordsLength(p.records) === 0) && request.maxWaitMs !== 0 && !highWatermarkUnsent && p.divergingEpoch.epoch < 0 && p.divergingEpoch.endOffset < 0n && p.snapshotId.epoch < 0 && p.snapshotId.endOffset < 0n;
  if (!parkable) return send(response);
  ctx.fetchPurgatory.await(fp.fetchOffset, request.maxWaitMs, ctx.nowMs(), (outcome) => {
    ctx.readyFetches.push(async () => {
      if (outcome.kind === 'expired') return send(response);
      if (outcome.kind === 'failed') return respond(emptyFetchResponse(ctx, apiVersion, outcome.errorCode, null));
      send(await tryCompleteFetchRequest(ctx, apiVersion, key, fp, maxBytes, ctx.nowMs()));
    });
  });
}

function recordsLength(records: NonNullable<FetchResponse['responses'][number]['partitions'][number]['records']>): number {
  return Buffer.isBuffer(records) ? records.length : records.sizeInBytes;
}

/** Kafka's tryCompleteFetchRequest: the leader's answer to a follower at (fetchOffset, lastFetchedEpoch). */
async function tryCompleteFetchRequest(ctx: RaftContext, apiVersion: number, key: ReplicaKey, fp: FetchPartition, maxBytes: number, nowMs: number): Promise<FetchResponse> {
  const error = ctx.validateLeaderOnlyRequest(fp.currentLeaderEpoch);
  if (error !== null) return emptyFetchResponse(ctx, apiVersion, error, null);
  const state = ctx.quorum.state as LeaderState;
  try {
    const latest = ctx.log.latestSnapshotId();
    const valid: ValidOffsetAndEpoch = fp.fetchOffset === 0n && latest !== null && !isBootstrapSnapshot(latest)
      ? { kind: 'SNAPSHOT', offsetAndEpoch: latest }
      : validateOffsetAndEpoch(ctx.log, fp.fetchOffset, fp.lastFetchedEpoch);
    let records: Buffer = Buffer.alloc(0);
    if (valid.kind === 'VALID') {
      const info = await ctx.log.read(fp.fetchOffset, 'UNCOMMITTED', maxBytes);
      if (ctx.quorum.state !== state) return emptyFetchResponse(ctx, apiVersion, Errors.NOT_LEADER_OR_FOLLOWER, null);
      if (state.updateReplicaState(key, nowMs, info.startOffset)) await ctx.onUpdateLeaderHighWatermark(state, nowMs);
      records = info.records;
    }
    return fetchResponse(responseView(ctx, apiVersion, Errors.NONE), {
      errorCode: Errors.NONE,
      records,
      highWatermark: state.highWatermark() ?? -1n,
      logStartOffset: ctx.log.startOffset,
      divergingEpoch: valid.kind === 'DIVERGING' ? valid.offsetAndEpoch : null,
      snapshotId: valid.kind === 'SNAPSHOT' ? valid.offsetAndEpoch : null,
    });
  } catch (e) {
    ctx.logger.error({ err: e, replicaId: key.id, fetchOffset: String(fp.fetchOffset) }, 'Unexpected error in fetch completion');
    return emptyFetchResponse(ctx, apiVersion, Errors.UNKNOWN_SERVER_ERROR, null);
  }
}

/** FetchSnapshot on the leader (Kafka's handleFetchSnapshotRequest): one chunk of a snapshot file. */
export async function handleFetchSnapshotRequest(ctx: RaftContext, apiVersion: number, request: FetchSnapshotRequest): Promise<FetchSnapshotResponse> {
  if (!ctx.hasValidClusterId(request.clusterId)) return { throttleTimeMs: 0, errorCode: Errors.INCONSISTENT_CLUSTER_ID, topics: [], nodeEndpoints: [] };
  if (request.topics.length !== 1 || request.topics[0]!.partitions.length !== 1) return { throttleTimeMs: 0, errorCode: Errors.INVALID_REQUEST, topics: [], nodeEndpoints: [] };
  const topic = request.topics[0]!;
  const p = topic.partitions[0]!;
  const empty = { snapshotId: null, size: 0n, position: 0n, bytes: Buffer.alloc(0) };
  if (topic.name !== METADATA_TOPIC_NAME || p.partition !== METADATA_PARTITION) {
    return fetchSnapshotResponse(responseView(ctx, apiVersion, Errors.NONE), { errorCode: Errors.UNKNOWN_TOPIC_OR_PARTITION, ...empty }, topic.name, p.partition);
  }
  const view = responseView(ctx, apiVersion, Errors.NONE);
  const error = ctx.validateLeaderOnlyRequest(p.currentLeaderEpoch);
  if (error !== null) return fetchSnapshotResponse(view, { errorCode: error, ...empty });
  const snapshotId = { offset: p.snapshotId.endOffset, epoch: p.snapshotId.epoch };
  const raw = isBootstrapSnapshot(snapshotId) ? null : await ctx.log.readSnapshot(snapshotId);
  if (raw === null) return fetchSnapshotResponse(view, { errorCode: Errors.SNAPSHOT_NOT_FOUND, ...empty });
  const size = raw.sizeInBytes();
  if (p.position < 0n || p.position >= BigInt(size)) return fetchSnapshotResponse(view, { errorCode: Errors.POSITION_OUT_OF_RANGE, ...empty });
  const maxBytes = Math.max(1, Math.min(request.maxBytes, MAX_BATCH_SIZE_BYTES));
  const bytes = await raw.read(Number(p.position), maxBytes);
  const state = ctx.quorum.state;
  if (state instanceof LeaderState) state.updateCheckQuorumForFollowingVoter(replicaKey(request.replicaId, p.replicaDirectoryId), ctx.nowMs());
  return fetchSnapshotResponse(responseView(ctx, apiVersion, Errors.NONE), { errorCode: Errors.NONE, snapshotId, size: BigInt(size), position: p.position, bytes });
}

/** Appends fetched records (whole batches) and, on a voter, makes them durable before it fetches again. */
async function appendAsFollower(ctx: RaftContext, records: Buffer): Promise<void> {
  if (records.length === 0) return;
  const whole = records.subarray(0, wholeBatchesLength(records));
  if (whole.length === 0) return;
  try {
    const info = await ctx.log.appendAsFollower(whole, ctx.quorum.epoch);
    ctx.metrics.updateFetchedRecords(Number(info.lastOffset - info.firstOffset + 1n), ctx.nowMs());
  } catch (e) {
    if (!(e instanceof RecordsError)) throw e;
    ctx.logger.info({ err: e }, 'Failed to append the fetched records to the log');
  }
  // Only a voter's end offset counts toward the high watermark, so only a voter (or a replica that a Voters record
  // may make one) must flush before it reports it.
  if (ctx.quorum.isVoter() || ctx.options.canBecomeVoter === true) await ctx.log.flush();
  await ctx.partitionState.updateStateFromAppended(whole);
}

/** A Fetch response on a follower (Kafka's handleFetchResponse). @returns whether it was handled successfully. */
export async function handleFetchResponse(ctx: RaftContext, response: FetchResponse, source: RaftNode, nowMs: number): Promise<boolean> {
  if (response.errorCode !== Errors.NONE) return ctx.handleTopLevelError(response.errorCode, ApiKeys.Fetch, source);
  if (!hasValidFetchResponseTopicPartition(response.responses)) return false;
  const p = response.responses[0]!.partitions[0]!;
  const leaderId = p.currentLeader.leaderId < 0 ? null : p.currentLeader.leaderId;
  const endpoints = leaderId === null ? new Map() : endpointsFromNodeEndpoints(ctx.channel.listenerName, leaderId, response.nodeEndpoints);
  const handled = await ctx.maybeHandleCommonResponse(p.errorCode, leaderId, p.currentLeader.leaderEpoch, endpoints, source, nowMs);
  if (handled !== null) return handled;
  const state = ctx.quorum.state;
  if (!(state instanceof FollowerState)) throw new Error(`Expected to be Follower after a fetch response, but the current state is ${state}`);
  if (p.errorCode !== Errors.NONE) return ctx.handleUnexpectedError(p.errorCode, ApiKeys.Fetch, source);
  if (p.divergingEpoch.epoch >= 0) {
    const diverging = { offset: p.divergingEpoch.endOffset, epoch: p.divergingEpoch.epoch };
    const hw = state.highWatermark();
    if (hw !== null && diverging.offset < hw) throw new Error(`The leader requested truncation to offset ${diverging.offset}, which is below the current high watermark ${hw}`);
    const truncatedTo = await truncateToEndOffset(ctx.log, diverging);
    ctx.partitionState.truncateNewEntries(truncatedTo);
    ctx.logger.info({ offset: String(truncatedTo), leaderId: ctx.quorum.leaderId }, 'Truncated the log after a diverging epoch from the leader');
  } else if (p.snapshotId.epoch < 0 && p.snapshotId.endOffset < 0n) {
    const records = p.records === null ? Buffer.alloc(0) : Buffer.isBuffer(p.records) ? p.records : null;
    if (records === null) throw new Error('A fetch response to the raft client must carry its records in memory');
    await appendAsFollower(ctx, records);
    ctx.updateFollowerHighWatermark(state, p.highWatermark < 0n ? null : p.highWatermark);
  } else {
    if (p.snapshotId.epoch < 0 || p.snapshotId.endOffset < 0n) {
      ctx.logger.error({ snapshotId: `${p.snapshotId.endOffset}-${p.snapshotId.epoch}` }, 'The leader sent an invalid snapshot id');
      return false;
    }
    const snapshotId = { offset: p.snapshotId.endOffset, epoch: p.snapshotId.epoch };
    await state.setFetchingSnapshot(await ctx.log.createNewSnapshotUnchecked(snapshotId));
    ctx.logger.info({ snapshotId: `${snapshotId.offset}-${snapshotId.epoch}`, leaderId: ctx.quorum.leaderId, stored: state.fetchingSnapshot === null }, 'Fetching a snapshot from the leader');
  }
  state.resetFetchTimeoutForSuccessfulFetch(nowMs);
  return true;
}

/** A FetchSnapshot response on a follower (Kafka's handleFetchSnapshotResponse): appends the chunk. */
export async function handleFetchSnapshotResponse(ctx: RaftContext, response: FetchSnapshotResponse, source: RaftNode, nowMs: number): Promise<boolean> {
  if (response.errorCode !== Errors.NONE) return ctx.handleTopLevelError(response.errorCode, ApiKeys.FetchSnapshot, source);
  if (response.topics.length !== 1 || response.topics[0]!.partitions.length !== 1) return false;
  const topic = response.topics[0]!;
  const p = topic.partitions[0]!;
  if (topic.name !== METADATA_TOPIC_NAME || p.index !== METADATA_PARTITION) return false;
  const leaderId = p.currentLeader.leaderId < 0 ? null : p.currentLeader.leaderId;
  let endpoints = leaderId === null ? new Map() : endpointsFromNodeEndpoints(ctx.channel.listenerName, leaderId, response.nodeEndpoints);
  if (endpoints.size === 0 && leaderId !== null) endpoints = new Map(ctx.voters().listeners(leaderId));
  const handled = await ctx.maybeHandleCommonResponse(p.errorCode, leaderId, p.currentLeader.leaderEpoch, endpoints, source, nowMs);
  if (handled !== null) return handled;
  const state = ctx.quorum.state;
  if (!(state instanceof FollowerState)) throw new Error(`Expected to be Follower after a fetch snapshot response, but the current state is ${state}`);
  if (p.errorCode === Errors.SNAPSHOT_NOT_FOUND || p.snapshotId.endOffset < 0n || p.snapshotId.epoch < 0) {
    ctx.logger.info({ errorCode: p.errorCode }, 'The leader does not know the snapshot being fetched');
    await state.setFetchingSnapshot(null);
    state.resetFetchTimeoutForSuccessfulFetch(nowMs);
    return true;
  }
  if (p.errorCode !== Errors.NONE) return ctx.handleUnexpectedError(p.errorCode, ApiKeys.FetchSnapshot, source);
  const snapshot = state.fetchingSnapshot;
  if (snapshot === null) throw new Error(`Received unexpected fetch snapshot response for ${p.snapshotId.endOffset}-${p.snapshotId.epoch}`);
  if (snapshot.snapshotId.offset !== p.snapshotId.endOffset || snapshot.snapshotId.epoch !== p.snapshotId.epoch) {
    throw new Error(`Received fetch snapshot response with an invalid id. Expected ${snapshot.snapshotId.offset}-${snapshot.snapshotId.epoch}; received ${p.snapshotId.endOffset}-${p.snapshotId.epoch}`);
  }
  if (BigInt(snapshot.sizeInBytes()) !== p.position) {
    throw new Error(`Received fetch snapshot response with an invalid position. Expected ${snapshot.sizeInBytes()}; received ${p.position}`);
  }
  const bytes = p.unalignedRecords === null ? Buffer.alloc(0) : Buffer.isBuffer(p.unalignedRecords) ? p.unalignedRecords : null;
  if (bytes === null) throw new Error('A fetch snapshot response to the raft client must carry its bytes in memory');
  if (bytes.length > 0) await snapshot.append(bytes);
  if (BigInt(snapshot.sizeInBytes()) > p.size) throw new Error(`Snapshot ${p.snapshotId.endOffset}-${p.snapshotId.epoch} grew past its size ${p.size}`);
  if (BigInt(snapshot.sizeInBytes()) === p.size) {
    await snapshot.freeze();
    await state.setFetchingSnapshot(null);
    if (!(await ctx.log.truncateToLatestSnapshot())) {
      throw new Error(`Full log truncation expected but did not happen. Snapshot of ${snapshot.snapshotId.offset}-${snapshot.snapshotId.epoch}, log end offset ${ctx.log.endOffset}, last fetched epoch ${ctx.log.lastFetchedEpoch}`);
    }
    ctx.logger.info({ snapshotId: `${snapshot.snapshotId.offset}-${snapshot.snapshotId.epoch}`, leaderId: ctx.quorum.leaderId }, 'Fully truncated the log after downloading a snapshot from the leader');
    // The voters come from the new snapshot now (reset: the log it replaced may have reached past its offset).
    ctx.partitionState.reset();
    await ctx.partitionState.updateState();
    ctx.updateFollowerHighWatermark(state, ctx.log.highWatermark);
  }
  state.resetFetchTimeoutForSuccessfulFetch(nowMs);
  return true;
}
