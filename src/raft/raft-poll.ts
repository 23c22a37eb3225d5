// What each state does when the client polls, and how it sends (Kafka's KafkaRaftClient.poll* and maybeSend*):
// every function returns the ms until it needs to run again (Infinity: not before something happens).

import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { CompletedBatch } from './batch-accumulator.ts';
import { CandidateState } from './candidate-state.ts';
import { FollowerState } from './follower-state.ts';
import { LeaderState } from './leader-state.ts';
import { RAFT_REQUEST_VERSIONS, type RaftApiKey, type RaftRequestData } from './network-channel.ts';
import { ProspectiveState } from './prospective-state.ts';
import { FETCH_MAX_WAIT_MS } from './quorum-config.ts';
import type { RaftContext } from './raft-context.ts';
import {
  METADATA_PARTITION,
  METADATA_TOPIC_NAME,
  beginQuorumEpochRequest,
  endQuorumEpochRequest,
  fetchRequest,
  fetchSnapshotRequest,
  raftErrorResponse,
} from './raft-messages.ts';
import { prospectiveTransitionAfterElectionLoss } from './raft-response-handlers.ts';
import { NO_DIRECTORY_ID, type ReplicaKey } from './replica-key.ts';
import { ResignedState } from './resigned-state.ts';
import { UnattachedState } from './unattached-state.ts';
import {
  buildAddVoterRequest,
  buildRemoveVoterRequest,
  buildUpdateVoterRequest,
  shouldSendAddOrRemoveVoterRequest,
  shouldSendUpdateVoterRequest,
} from './voter-change-handlers.ts';
import { buildVoteRequest } from './vote-messages.ts';
import type { RaftNode } from './voter-set.ts';

/** A request to build when the destination is ready. */
interface OutboundBody {
  readonly apiKey: RaftApiKey;
  readonly data: RaftRequestData;
}

/** The error code a rejected send stands for: its numeric `errorCode`, else BROKER_NOT_AVAILABLE (disconnect). */
function errorCodeOf(e: unknown): number {
  const code = (e as { errorCode?: unknown } | null)?.errorCode;
  return typeof code === 'number' ? code : Errors.BROKER_NOT_AVAILABLE;
}

/**
 * Sends to `destination` when the RequestManager lets us (Kafka's maybeSendRequest); the response, or an error
 * response standing for a failed send, is queued for a later poll.
 * @returns whether it sent, and the ms until this destination may be sent to again.
 */
export function maybeSendRequest(ctx: RaftContext, nowMs: number, destination: RaftNode, build: () => OutboundBody): { sent: boolean; timeToWaitMs: number } {
  const rm = ctx.requestManager;
  if (rm.isBackingOff(destination, nowMs)) return { sent: false, timeToWaitMs: rm.remainingBackoffMs(destination, nowMs) };
  let sent = false;
  if (rm.isReady(destination, nowMs)) {
    const correlationId = ctx.newCorrelationId();
    const { apiKey, data } = build();
    rm.onRequestSent(destination, correlationId, nowMs);
    const request = { correlationId, destination, apiKey, apiVersion: RAFT_REQUEST_VERSIONS[apiKey], data, createdTimeMs: nowMs, timeoutMs: ctx.config.requestTimeoutMs };
    Promise.resolve()
      .then(() => ctx.channel.send(request))
      .then(
        (response) => ctx.queue.push({ kind: 'response', source: destination, correlationId, apiKey, data: response }),
        (e: unknown) => ctx.queue.push({ kind: 'response', source: destination, correlationId, apiKey, data: raftErrorResponse(apiKey, errorCodeOf(e)) }),
      )
      .then(() => ctx.wakeup());
    sent = true;
  }
  return { sent, timeToWaitMs: rm.remainingRequestTimeMs(destination, nowMs) };
}

function maybeSendRequests(ctx: RaftContext, nowMs: number, destinations: readonly ReplicaKey[], build: (voter: ReplicaKey) => OutboundBody): number {
  let min = Infinity;
  for (const voter of destinations) min = Math.min(min, maybeSendRequest(ctx, nowMs, ctx.voterNode(voter.id), () => build(voter)).timeToWaitMs);
  return min;
}

function buildFetch(ctx: RaftContext): OutboundBody {
  return {
    apiKey: ApiKeys.Fetch,
    data: fetchRequest({
      clusterId: ctx.clusterId,
      replicaId: ctx.options.nodeId ?? -1,
      replicaDirectoryId: ctx.options.nodeDirectoryId,
      currentLeaderEpoch: ctx.quorum.epoch,
      fetchOffset: ctx.log.endOffset,
      lastFetchedEpoch: ctx.log.lastFetchedEpoch,
      maxWaitMs: FETCH_MAX_WAIT_MS,
      maxBytes: ctx.config.fetchMaxBytes,
    }),
  };
}

function maybeSendFetchToAnyBootstrap(ctx: RaftContext, nowMs: number): number {
  const node = ctx.requestManager.findReadyBootstrapServer(nowMs);
  if (node === undefined) return ctx.requestManager.backoffBeforeAvailableBootstrapServer(nowMs);
  return maybeSendRequest(ctx, nowMs, node, () => buildFetch(ctx)).timeToWaitMs;
}

function maybeSendFetchOrFetchSnapshot(ctx: RaftContext, state: FollowerState, leader: RaftNode, nowMs: number): number {
  const snapshot = state.fetchingSnapshot;
  const build = snapshot === null
    ? () => buildFetch(ctx)
    : () => ({
        apiKey: ApiKeys.FetchSnapshot,
        data: fetchSnapshotRequest(ctx.clusterId, ctx.quorum.localReplicaKeyOrObserver(), ctx.quorum.epoch, snapshot.snapshotId, ctx.config.fetchSnapshotMaxBytes, BigInt(snapshot.sizeInBytes())),
      });
  return maybeSendRequest(ctx, nowMs, leader, build).timeToWaitMs;
}

/** Fetches from the leader, or from a bootstrap server while the leader does not answer (Kafka's maybeSendFetchToBestNode). */
function maybeSendFetchToBestNode(ctx: RaftContext, state: FollowerState, nowMs: number): number {
  const leader = leaderNode(ctx, state);
  const rm = ctx.requestManager;
  let backoffMs: number;
  if (rm.hasRequestTimedOut(leader, nowMs)) {
    rm.reset(leader);
    backoffMs = maybeSendFetchToAnyBootstrap(ctx, nowMs);
  } else if (rm.isBackingOff(leader, nowMs)) {
    backoffMs = maybeSendFetchToAnyBootstrap(ctx, nowMs);
  } else if (!rm.hasAnyInflightRequest(nowMs)) {
    backoffMs = maybeSendFetchOrFetchSnapshot(ctx, state, leader, nowMs);
  } else {
    backoffMs = rm.backoffBeforeAvailableBootstrapServer(nowMs);
  }
  // Only a voter acts on its fetch timeout; an observer just keeps fetching.
  return ctx.quorum.isVoter() ? Math.min(backoffMs, state.remainingFetchTimeMs(nowMs)) : backoffMs;
}

async function appendBatch(ctx: RaftContext, state: LeaderState, batch: CompletedBatch, nowMs: number): Promise<void> {
  const info = await ctx.log.appendAsLeader(batch.data, state.epoch);
  if (info.firstOffset !== batch.baseOffset || info.lastOffset !== batch.lastOffset) {
    throw new Error(`Leader append got offsets ${info.firstOffset}-${info.lastOffset} for the batch the accumulator numbered ${batch.baseOffset}-${batch.lastOffset}`);
  }
  const votersBefore = ctx.partitionState.lastVoterSetEntry();
  await ctx.partitionState.updateStateFromAppended(batch.data);
  // A Voters record in the batch: the leader counts with the new voter set from now on.
  if (ctx.partitionState.lastVoterSetEntry() !== votersBefore && state.updateVoterSet(ctx.voters())) await ctx.onUpdateLeaderHighWatermark(state, nowMs);
  const numRecords = Number(batch.lastOffset - batch.baseOffset + 1n);
  ctx.metrics.updateAppendRecords(numRecords, nowMs);
  ctx.appendPurgatory.await(batch.lastOffset + 1n, Infinity, nowMs, (outcome) => {
    if (outcome.kind === 'completed') ctx.metrics.updateCommitLatency(Math.max(0, outcome.timeMs - nowMs) / numRecords, outcome.timeMs);
  });
}

/** Drains the accumulator into the log and starts its flush (Kafka's maybeAppendBatches + flushLeaderLog). */
async function maybeAppendBatches(ctx: RaftContext, state: LeaderState, nowMs: number): Promise<number> {
  const accumulator = state.accumulator;
  if (accumulator.timeUntilDrain(nowMs) <= 0) {
    const batches = accumulator.drain();
    for (const b of batches) await appendBatch(ctx, state, b, nowMs);
    // Parked fetches of followers at the old log end can return the new batches now (before our own flush).
    if (batches.length > 0) ctx.fetchPurgatory.maybeComplete(ctx.log.endOffset, nowMs);
  }
  ctx.maybeStartLeaderFlush(state);
  return accumulator.timeUntilDrain(nowMs);
}

async function pollLeader(ctx: RaftContext, state: LeaderState, nowMs: number): Promise<number> {
  ctx.listeners.maybeFireLeaderChange();
  const timeUntilCheckQuorumExpires = state.timeUntilCheckQuorumExpires(nowMs);
  if (ctx.shutdown !== null || state.isResignRequested || timeUntilCheckQuorumExpires === 0) {
    if (timeUntilCheckQuorumExpires === 0) ctx.logger.info({ epoch: state.epoch }, 'Did not receive fetch requests from a majority of the voters within the check quorum timeout: resigning');
    await ctx.transitionToResigned(state.nonLeaderVotersByDescendingFetchOffset(), nowMs);
    return 0;
  }
  const timeUntilVoterChangeExpires = state.changeVoterState.maybeExpirePendingOperation(nowMs);
  await ctx.maybeCompleteLeaderFlush(state, nowMs);
  const timeUntilDrain = await maybeAppendBatches(ctx, state, nowMs);
  let timeUntilBegin = state.timeUntilBeginQuorumEpochTimerExpires(nowMs);
  if (timeUntilBegin === 0) {
    const localId = ctx.options.nodeId!;
    const endpoints = ctx.quorum.leaderEndpoints();
    const backoff = maybeSendRequests(ctx, nowMs, state.needToSendBeginQuorumRequests(nowMs), (voter) => ({
      apiKey: ApiKeys.BeginQuorumEpoch,
      data: beginQuorumEpochRequest(ctx.clusterId, state.epoch, localId, endpoints, voter),
    }));
    state.resetBeginQuorumEpochTimer(nowMs);
    timeUntilBegin = Math.min(backoff, state.timeUntilBeginQuorumEpochTimerExpires(nowMs));
  }
  return Math.min(timeUntilDrain, timeUntilBegin, timeUntilCheckQuorumExpires, timeUntilVoterChangeExpires);
}

async function pollResigned(ctx: RaftContext, state: ResignedState, nowMs: number): Promise<number> {
  const unacked = [...state.unackedVoters()].map((id) => ctx.voters().voterNode(id)?.voterKey ?? { id, directoryId: null });
  const endpoints = state.leaderEndpoints();
  const backoff = maybeSendRequests(ctx, nowMs, unacked, () => ({
    apiKey: ApiKeys.EndQuorumEpoch,
    data: endQuorumEpochRequest(ctx.clusterId, state.epoch, state.localId, endpoints, state.preferredSuccessors),
  }));
  let stateTimeoutMs: number;
  if (ctx.shutdown !== null) {
    stateTimeoutMs = Math.max(0, ctx.shutdown.deadlineMs - nowMs);
  } else if (state.hasElectionTimeoutExpired(nowMs)) {
    await ctx.transitionToUnattached(state.epoch + 1, null, nowMs);
    stateTimeoutMs = 0;
  } else {
    stateTimeoutMs = state.remainingElectionTimeMs(nowMs);
  }
  return Math.min(stateTimeoutMs, backoff);
}

function maybeSendVoteRequests(ctx: RaftContext, state: ProspectiveState | CandidateState, nowMs: number): number {
  if (state.epochElection.isVoteRejected()) return Infinity;
  const preVote = state instanceof ProspectiveState;
  const local = ctx.quorum.localReplicaKey();
  const end = ctx.endOffset();
  return maybeSendRequests(ctx, nowMs, state.epochElection.unrecordedVoters(), (voter) => ({
    apiKey: ApiKeys.Vote,
    data: buildVoteRequest({
      clusterId: ctx.clusterId,
      topicName: METADATA_TOPIC_NAME,
      partitionIndex: METADATA_PARTITION,
      voterId: voter.id,
      voterDirectoryId: voter.directoryId ?? NO_DIRECTORY_ID,
      replicaId: local.id,
      replicaDirectoryId: local.directoryId ?? NO_DIRECTORY_ID,
      replicaEpoch: state.epoch,
      lastOffsetEpoch: end.epoch,
      lastOffset: end.offset,
      preVote,
    }),
  }));
}

async function pollNominee(ctx: RaftContext, state: ProspectiveState | CandidateState, nowMs: number): Promise<number> {
  if (ctx.shutdown !== null) return Math.min(Math.max(0, ctx.shutdown.deadlineMs - nowMs), maybeSendVoteRequests(ctx, state, nowMs));
  if (state.hasElectionTimeoutExpired(nowMs)) {
    if (state instanceof CandidateState) {
      ctx.logger.info({ epoch: state.epoch }, 'Election was not granted, transitioning to prospective');
      await ctx.transitionToProspective(nowMs);
    } else {
      ctx.logger.info({ election: String(state.epochElection) }, 'Election timed out before receiving sufficient vote responses to become candidate');
      await prospectiveTransitionAfterElectionLoss(ctx, state, nowMs);
    }
    return 0;
  }
  return Math.min(maybeSendVoteRequests(ctx, state, nowMs), state.remainingElectionTimeMs(nowMs));
}

/** The leader as a destination on the quorum listener. */
function leaderNode(ctx: RaftContext, state: FollowerState): RaftNode {
  const address = state.leaderEndpoints().get(ctx.channel.listenerName);
  if (address === undefined) throw new Error(`Unknown endpoint for leader ${state.leaderId} and listener ${ctx.channel.listenerName}`);
  return { id: state.leaderId, host: address.host, port: address.port };
}

/**
 * A follower (Kafka's pollFollowerAsVoter / pollFollowerAsObserver): a voter starts an election when its fetches
 * fail for fetch.timeout, and once per fetch.timeout asks the leader to update its Voters entry when it is out of
 * date (KIP-853); an observer that may become a voter asks to join (auto-join); otherwise it fetches.
 */
async function pollFollower(ctx: RaftContext, state: FollowerState, nowMs: number): Promise<number> {
  if (!ctx.quorum.isVoter()) {
    if (ctx.shutdown !== null) return 0;
    if (!shouldSendAddOrRemoveVoterRequest(ctx, state, nowMs)) return maybeSendFetchToBestNode(ctx, state, nowMs);
    const local = ctx.quorum.localReplicaKey();
    const old = ctx.voters().voterNode(local.id);
    const result = maybeSendRequest(ctx, nowMs, leaderNode(ctx, state), () => (old !== undefined ? buildRemoveVoterRequest(ctx, old.voterKey) : buildAddVoterRequest(ctx)));
    if (result.sent) state.resetUpdateVoterSetPeriod(nowMs);
    return result.timeToWaitMs;
  }
  if (ctx.shutdown !== null) return 0;
  if (state.hasFetchTimeoutExpired(nowMs)) {
    ctx.logger.info({ epoch: state.epoch, leaderId: state.leaderId }, 'Transitioning to Prospective state due to fetch timeout');
    await ctx.transitionToProspective(nowMs);
    return 0;
  }
  let backoffMs: number;
  if (state.hasUpdateVoterSetPeriodExpired(nowMs)) {
    let reset = true;
    if (shouldSendUpdateVoterRequest(ctx)) {
      const result = maybeSendRequest(ctx, nowMs, leaderNode(ctx, state), () => buildUpdateVoterRequest(ctx));
      reset = result.sent;
      backoffMs = result.timeToWaitMs;
    } else {
      backoffMs = maybeSendFetchToBestNode(ctx, state, nowMs);
    }
    if (reset) state.resetUpdateVoterSetPeriod(nowMs);
  } else {
    backoffMs = maybeSendFetchToBestNode(ctx, state, nowMs);
  }
  return Math.min(backoffMs, state.remainingFetchTimeMs(nowMs));
}

async function pollUnattached(ctx: RaftContext, state: UnattachedState, nowMs: number): Promise<number> {
  if (ctx.quorum.isVoter()) {
    if (ctx.shutdown !== null) return Math.max(0, ctx.shutdown.deadlineMs - nowMs);
    // Entered as an observer (no election timer), made a voter since (KIP-853): it may have to start elections.
    if (state.electionTimeoutMs === Infinity) state.resetElectionTimeout(nowMs, ctx.quorum.randomElectionTimeoutMs());
    if (state.hasElectionTimeoutExpired(nowMs)) {
      await ctx.transitionToProspective(nowMs);
      return 0;
    }
  }
  const fetchBackoffMs = maybeSendFetchToAnyBootstrap(ctx, nowMs);
  // An observer has no election to start: its timer does not bound the wait (Kafka's initial timer of an observer
  // expires and would make it poll in a loop until it finds the leader).
  return ctx.quorum.isVoter() ? Math.min(fetchBackoffMs, state.remainingElectionTimeMs(nowMs)) : fetchBackoffMs;
}

/** One step of the current state (Kafka's pollCurrentState). @returns ms until it needs to run again. */
export async function pollCurrentState(ctx: RaftContext, nowMs: number): Promise<number> {
  const state = ctx.quorum.state;
  if (state instanceof LeaderState) return pollLeader(ctx, state, nowMs);
  if (state instanceof CandidateState || state instanceof ProspectiveState) return pollNominee(ctx, state, nowMs);
  if (state instanceof FollowerState) return pollFollower(ctx, state, nowMs);
  if (state instanceof UnattachedState) return pollUnattached(ctx, state, nowMs);
  if (state instanceof ResignedState) return pollResigned(ctx, state, nowMs);
  throw new Error(`Unexpected quorum state ${String(state)}`);
}
