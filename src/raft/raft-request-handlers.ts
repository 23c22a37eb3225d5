// The leader's and voters' answers to the quorum's requests (Kafka's KafkaRaftClient.handle*Request). A request
// that is malformed, from another cluster or from an older epoch is answered with Kafka's error code and changes
// nothing; the state checks come before any transition the request could cause.

import { Errors } from '../protocol/generated/errors.ts';
import type { BeginQuorumEpochRequest } from '../protocol/generated/messages/begin-quorum-epoch-request.ts';
import type { BeginQuorumEpochResponse } from '../protocol/generated/messages/begin-quorum-epoch-response.ts';
import type { DescribeQuorumRequest } from '../protocol/generated/messages/describe-quorum-request.ts';
import type { DescribeQuorumResponse } from '../protocol/generated/messages/describe-quorum-response.ts';
import type { EndQuorumEpochRequest } from '../protocol/generated/messages/end-quorum-epoch-request.ts';
import type { EndQuorumEpochResponse } from '../protocol/generated/messages/end-quorum-epoch-response.ts';
import type { VoteRequest } from '../protocol/generated/messages/vote-request.ts';
import type { VoteResponse } from '../protocol/generated/messages/vote-response.ts';
import { FollowerState } from './follower-state.ts';
import { LeaderState } from './leader-state.ts';
import { compareOffsetAndEpoch } from './offset-and-epoch.ts';
import type { RaftContext } from './raft-context.ts';
import {
  beginQuorumEpochResponse,
  describeQuorumPartitionError,
  describeQuorumResponse,
  endQuorumEpochResponse,
  endpointsFromList,
  hasValidTopicPartition,
  preferredCandidates,
  voteResponse,
  type DescribedReplicaFields,
  type ResponseView,
} from './raft-messages.ts';
import { replicaKey, type ReplicaKey } from './replica-key.ts';
import { readVoteRequest } from './vote-messages.ts';
import type { ReplicaState } from './leader-state.ts';

/** The replica's current view, for a response at `apiVersion` with a partition-level `errorCode`. */
export function responseView(ctx: RaftContext, apiVersion: number, errorCode: number): ResponseView {
  return {
    apiVersion,
    listenerName: ctx.channel.listenerName,
    errorCode,
    epoch: ctx.quorum.epoch,
    leaderId: ctx.quorum.leaderId ?? -1,
    leaderEndpoints: ctx.quorum.leaderEndpoints(),
  };
}

/**
 * With a static quorum (kraft.version 0) the voter set is configuration and cannot lag, so a Vote from, or a
 * BeginQuorumEpoch/EndQuorumEpoch of, a replica outside it is a misconfiguration: INCONSISTENT_VOTER_SET, as
 * Kafka 3.x answers (Kafka 4 drops the check because KIP-853 voter sets may lag behind the log).
 */
function isUnknownStaticVoter(ctx: RaftContext, id: number): boolean {
  return ctx.kraftVersion() === 0 && !ctx.voters().voterIds().has(id);
}

/**
 * Vote (KIP-595) and pre-vote (KIP-996, Kafka's handleVoteRequest). A valid request from a higher epoch first
 * moves us to Unattached in it (durable). A vote is granted when the state allows it (see EpochState.canGrantVote)
 * and the requester's log is at least as up to date as ours, comparing (last epoch, end offset); the vote is
 * persisted before the answer. A pre-vote changes nothing beyond the epoch.
 */
export async function handleVoteRequest(ctx: RaftContext, apiVersion: number, request: VoteRequest): Promise<VoteResponse> {
  if (!ctx.hasValidClusterId(request.clusterId)) return { errorCode: Errors.INCONSISTENT_CLUSTER_ID, topics: [], nodeEndpoints: [] };
  const f = readVoteRequest(request);
  if (f === null || !hasValidTopicPartition(request.topics)) return { errorCode: Errors.INVALID_REQUEST, topics: [], nodeEndpoints: [] };
  const isIllegalEpoch = f.preVote ? f.lastOffsetEpoch > f.replicaEpoch : f.lastOffsetEpoch >= f.replicaEpoch;
  if (f.lastOffset < 0n || f.lastOffsetEpoch < 0 || isIllegalEpoch) {
    ctx.logger.info({ replicaId: f.replicaId, replicaEpoch: f.replicaEpoch, lastEpoch: f.lastOffsetEpoch, preVote: f.preVote }, 'Received a vote request with an illegal epoch');
    return voteResponse(responseView(ctx, apiVersion, Errors.INVALID_REQUEST), false);
  }
  const error = ctx.validateVoterOnlyRequest(f.replicaId, f.replicaEpoch);
  if (error !== null) return voteResponse(responseView(ctx, apiVersion, error), false);
  if (isUnknownStaticVoter(ctx, f.replicaId)) return voteResponse(responseView(ctx, apiVersion, Errors.INCONSISTENT_VOTER_SET), false);
  const nowMs = ctx.nowMs();
  if (f.replicaEpoch > ctx.quorum.epoch) await ctx.transitionToUnattached(f.replicaEpoch, null, nowMs);
  const voterKey = f.voterId < 0 ? null : replicaKey(f.voterId, f.voterDirectoryId);
  if (!ctx.isValidVoterKey(voterKey)) {
    ctx.logger.info({ replicaId: f.replicaId, voterId: f.voterId }, 'A replica sent a voter key in the VOTE request that does not match the local key; rejecting the vote');
    return voteResponse(responseView(ctx, apiVersion, Errors.INVALID_VOTER_KEY), false);
  }
  const candidate = replicaKey(f.replicaId, f.replicaDirectoryId);
  const isLogUpToDate = compareOffsetAndEpoch({ offset: f.lastOffset, epoch: f.lastOffsetEpoch }, ctx.endOffset()) >= 0;
  const granted = ctx.quorum.canGrantVote(candidate, isLogUpToDate, f.preVote);
  if (!f.preVote && granted) {
    if (ctx.quorum.isUnattachedNotVoted) await ctx.quorum.unattachedAddVotedState(f.replicaEpoch, candidate, nowMs);
    else if (ctx.quorum.isProspectiveNotVoted) await ctx.quorum.prospectiveAddVotedState(f.replicaEpoch, candidate, nowMs);
  }
  ctx.logger.info({ candidate: f.replicaId, epoch: f.replicaEpoch, preVote: f.preVote, granted }, 'Vote request handled');
  return voteResponse(responseView(ctx, apiVersion, Errors.NONE), granted);
}

/** BeginQuorumEpoch (Kafka's handleBeginQuorumEpochRequest): a new leader announces itself. */
export async function handleBeginQuorumEpochRequest(ctx: RaftContext, apiVersion: number, request: BeginQuorumEpochRequest): Promise<BeginQuorumEpochResponse> {
  if (!ctx.hasValidClusterId(request.clusterId)) return { errorCode: Errors.INCONSISTENT_CLUSTER_ID, topics: [], nodeEndpoints: [] };
  if (!hasValidTopicPartition(request.topics)) return { errorCode: Errors.INVALID_REQUEST, topics: [], nodeEndpoints: [] };
  const p = request.topics[0]!.partitions[0]!;
  const error = ctx.validateVoterOnlyRequest(p.leaderId, p.leaderEpoch);
  if (error !== null) return beginQuorumEpochResponse(responseView(ctx, apiVersion, error));
  if (isUnknownStaticVoter(ctx, p.leaderId)) return beginQuorumEpochResponse(responseView(ctx, apiVersion, Errors.INCONSISTENT_VOTER_SET));
  const endpoints = request.leaderEndpoints.length === 0 ? ctx.voters().listeners(p.leaderId) : endpointsFromList(request.leaderEndpoints);
  await ctx.maybeTransition(p.leaderId, p.leaderEpoch, endpoints, ctx.nowMs());
  const voterKey = request.voterId < 0 ? null : replicaKey(request.voterId, p.voterDirectoryId);
  if (!ctx.isValidVoterKey(voterKey)) return beginQuorumEpochResponse(responseView(ctx, apiVersion, Errors.INVALID_VOTER_KEY));
  return beginQuorumEpochResponse(responseView(ctx, apiVersion, Errors.NONE));
}

/**
 * Kafka's strictExponentialElectionBackoffMs: a resigning leader's successor at `position` (0 first) waits 0, then
 * electionBackoffMax >> (n - 1) doubling per rank, at most electionBackoffMax; a voter not named waits the maximum.
 */
export function endEpochElectionBackoffMs(ctx: RaftContext, preferred: readonly ReplicaKey[]): number {
  const localId = ctx.options.nodeId;
  let position = 0;
  for (const c of preferred) {
    if (c.id === localId && (c.directoryId === null || c.directoryId === ctx.options.nodeDirectoryId)) break;
    position++;
  }
  const max = ctx.config.electionBackoffMaxMs;
  if (position === 0) return 0;
  if (position >= preferred.length) return max;
  const base = max >> (preferred.length - 1);
  return Math.min(max, base << (position - 1));
}

/**
 * EndQuorumEpoch (Kafka's handleEndQuorumEpochRequest): the leader resigns; a follower of it shortens its fetch
 * timeout by its rank among the preferred successors, so the most up-to-date voter starts the election first.
 */
export async function handleEndQuorumEpochRequest(ctx: RaftContext, apiVersion: number, request: EndQuorumEpochRequest): Promise<EndQuorumEpochResponse> {
  if (!ctx.hasValidClusterId(request.clusterId)) return { errorCode: Errors.INCONSISTENT_CLUSTER_ID, topics: [], nodeEndpoints: [] };
  if (!hasValidTopicPartition(request.topics)) return { errorCode: Errors.INVALID_REQUEST, topics: [], nodeEndpoints: [] };
  const p = request.topics[0]!.partitions[0]!;
  const error = ctx.validateVoterOnlyRequest(p.leaderId, p.leaderEpoch);
  if (error !== null) return endQuorumEpochResponse(responseView(ctx, apiVersion, error));
  if (isUnknownStaticVoter(ctx, p.leaderId)) return endQuorumEpochResponse(responseView(ctx, apiVersion, Errors.INCONSISTENT_VOTER_SET));
  const endpoints = request.leaderEndpoints.length === 0 ? ctx.voters().listeners(p.leaderId) : endpointsFromList(request.leaderEndpoints);
  const nowMs = ctx.nowMs();
  await ctx.maybeTransition(p.leaderId, p.leaderEpoch, endpoints, nowMs);
  const state = ctx.quorum.state;
  if (state instanceof FollowerState && state.leaderId === p.leaderId) {
    const backoffMs = endEpochElectionBackoffMs(ctx, preferredCandidates(p));
    ctx.logger.debug({ backoffMs, leaderId: p.leaderId, epoch: p.leaderEpoch }, 'Overriding the follower fetch timeout after EndQuorumEpoch');
    state.overrideFetchTimeout(nowMs, backoffMs);
  }
  return endQuorumEpochResponse(responseView(ctx, apiVersion, Errors.NONE));
}

/** A replica as DescribeQuorum reports it: times turned from the raft clock into wall-clock ms. */
function describeReplica(ctx: RaftContext, s: ReplicaState, leaderId: number, nowMs: number): DescribedReplicaFields {
  const wallNow = ctx.wallClockMs();
  const toWall = (t: number): number => (t < 0 ? -1 : Math.round(wallNow - (nowMs - t)));
  const isLeader = s.replicaKey.id === leaderId;
  return {
    replicaId: s.replicaKey.id,
    replicaDirectoryId: s.replicaKey.directoryId,
    logEndOffset: s.endOffset ?? -1n,
    lastFetchTimestamp: isLeader ? wallNow : toWall(s.lastFetchTimeMs),
    lastCaughtUpTimestamp: isLeader ? wallNow : toWall(s.lastCaughtUpTimeMs),
  };
}

/** The data of a DescribeQuorum answer, from the leader's state (Kafka's RaftUtil.singletonDescribeQuorumResponse). */
export function describeLeaderQuorum(ctx: RaftContext, state: LeaderState, apiVersion: number): DescribeQuorumResponse {
  const nowMs = ctx.nowMs();
  const leaderId = ctx.options.nodeId!;
  const voters = [...state.voterStates().values()];
  return describeQuorumResponse(
    apiVersion,
    leaderId,
    state.epoch,
    state.highWatermark() ?? -1n,
    voters.map((s) => describeReplica(ctx, s, leaderId, nowMs)),
    state.observerStates(nowMs).map((s) => describeReplica(ctx, s, leaderId, nowMs)),
    voters.map((s) => ({ nodeId: s.replicaKey.id, listeners: s.listeners })),
  );
}

/** DescribeQuorum (KIP-595/KIP-836, Kafka's handleDescribeQuorumRequest): answered by the leader only. */
export function handleDescribeQuorumRequest(ctx: RaftContext, apiVersion: number, request: DescribeQuorumRequest): DescribeQuorumResponse {
  if (!hasValidTopicPartition(request.topics)) {
    const t = request.topics[0];
    return describeQuorumPartitionError(Errors.UNKNOWN_TOPIC_OR_PARTITION, t?.topicName, t?.partitions[0]?.partitionIndex);
  }
  const state = ctx.quorum.state;
  if (!(state instanceof LeaderState)) return describeQuorumPartitionError(Errors.NOT_LEADER_OR_FOLLOWER);
  return describeLeaderQuorum(ctx, state, apiVersion);
}
