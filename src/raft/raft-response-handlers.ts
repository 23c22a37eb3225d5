// Responses to the election requests (Kafka's KafkaRaftClient.handleVoteResponse, handleBeginQuorumEpochResponse,
// handleEndQuorumEpochResponse); Fetch and FetchSnapshot responses are in raft-fetch-handlers.ts.

import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { BeginQuorumEpochResponse } from '../protocol/generated/messages/begin-quorum-epoch-response.ts';
import type { EndQuorumEpochResponse } from '../protocol/generated/messages/end-quorum-epoch-response.ts';
import type { VoteResponse } from '../protocol/generated/messages/vote-response.ts';
import { CandidateState } from './candidate-state.ts';
import { LeaderState } from './leader-state.ts';
import { ProspectiveState } from './prospective-state.ts';
import type { RaftApiKey } from './network-channel.ts';
import type { RaftContext } from './raft-context.ts';
import { endpointsFromNodeEndpoints, hasValidTopicPartition } from './raft-messages.ts';
import { ResignedState } from './resigned-state.ts';
import type { HostAndPort, RaftNode } from './voter-set.ts';

/** The leader a response names and its endpoints (from nodeEndpoints, else the voter set). */
function responseLeader(ctx: RaftContext, leaderIdOrNil: number, nodeEndpoints: readonly { nodeId: number; host: string; port: number }[]): { leaderId: number | null; endpoints: ReadonlyMap<string, HostAndPort> } {
  if (leaderIdOrNil < 0) return { leaderId: null, endpoints: new Map() };
  const fromResponse = endpointsFromNodeEndpoints(ctx.channel.listenerName, leaderIdOrNil, nodeEndpoints);
  return { leaderId: leaderIdOrNil, endpoints: fromResponse.size > 0 ? fromResponse : ctx.voters().listeners(leaderIdOrNil) };
}

/**
 * After a lost pre-vote (rejected by a majority, or timed out): back to following the leader the prospective knew,
 * or Unattached (Kafka's prospectiveTransitionAfterElectionLoss).
 */
export async function prospectiveTransitionAfterElectionLoss(ctx: RaftContext, state: ProspectiveState, nowMs: number): Promise<void> {
  const endpoints = state.leaderEndpoints();
  if (state.leaderId !== null && endpoints.size > 0) await ctx.transitionToFollower(state.epoch, state.leaderId, endpoints, nowMs);
  else await ctx.transitionToUnattached(state.epoch, state.leaderId, nowMs);
}

/**
 * The steps every election response shares (Vote, BeginQuorumEpoch, EndQuorumEpoch): the top-level error, the
 * partition, the leader and epoch it names (maybeHandleCommonResponse), the partition error; then `onSuccess`.
 * @returns whether it was handled successfully.
 */
async function handleElectionResponse<P extends { errorCode: number; leaderId: number; leaderEpoch: number; partitionIndex: number }>(
  ctx: RaftContext,
  apiKey: RaftApiKey,
  response: { errorCode: number; topics: { topicName: string; partitions: P[] }[]; nodeEndpoints: { nodeId: number; host: string; port: number }[] },
  source: RaftNode,
  nowMs: number,
  onSuccess: (partition: P) => Promise<void> | void,
): Promise<boolean> {
  if (response.errorCode !== Errors.NONE) return ctx.handleTopLevelError(response.errorCode, apiKey, source);
  if (!hasValidTopicPartition(response.topics)) return false;
  const p = response.topics[0]!.partitions[0]!;
  const { leaderId, endpoints } = responseLeader(ctx, p.leaderId, response.nodeEndpoints);
  const handled = await ctx.maybeHandleCommonResponse(p.errorCode, leaderId, p.leaderEpoch, endpoints, source, nowMs);
  if (handled !== null) return handled;
  if (p.errorCode !== Errors.NONE) return ctx.handleUnexpectedError(p.errorCode, apiKey, source);
  await onSuccess(p);
  return true;
}

/** A Vote response (Kafka's handleVoteResponse): records the (pre-)vote and moves on when the election is decided. */
export async function handleVoteResponse(ctx: RaftContext, response: VoteResponse, source: RaftNode, nowMs: number): Promise<boolean> {
  if (response.errorCode === Errors.UNSUPPORTED_VERSION && ctx.quorum.isProspective) {
    // A voter without Vote v2 cannot answer a pre-vote: run the real election at once (KIP-996 compatibility).
    ctx.logger.info({ epoch: ctx.quorum.epoch, source: source.id }, 'Prospective received an unsupported version error; at least one voter does not support pre-vote: becoming Candidate');
    await ctx.transitionToCandidate(nowMs);
    return true;
  }
  return handleElectionResponse(ctx, ApiKeys.Vote, response, source, nowMs, async (p) => {
    const state = ctx.quorum.state;
    if (!(state instanceof ProspectiveState || state instanceof CandidateState)) return;
    if (p.voteGranted) {
      state.recordGrantedVote(source.id);
      await ctx.maybeTransitionForward(state, nowMs);
      return;
    }
    state.recordRejectedVote(source.id);
    if (state instanceof ProspectiveState && state.epochElection.isVoteRejected()) {
      ctx.logger.info({ election: String(state.epochElection) }, 'Insufficient remaining votes to become candidate');
      await prospectiveTransitionAfterElectionLoss(ctx, state, nowMs);
    } else if (state instanceof CandidateState && state.epochElection.isVoteRejected()) {
      ctx.logger.info({ remainingMs: state.remainingElectionTimeMs(nowMs), election: String(state.epochElection) }, 'Insufficient remaining votes to become leader; waiting out the election timeout');
    }
  });
}

/** A BeginQuorumEpoch response: the voter acknowledged us as leader. */
export function handleBeginQuorumEpochResponse(ctx: RaftContext, response: BeginQuorumEpochResponse, source: RaftNode, nowMs: number): Promise<boolean> {
  return handleElectionResponse(ctx, ApiKeys.BeginQuorumEpoch, response, source, nowMs, () => {
    const state = ctx.quorum.state;
    if (state instanceof LeaderState && !state.addAcknowledgementFrom(source.id)) ctx.logger.info({ source: source.id }, 'BeginQuorumEpoch acknowledged by a replica that is no voter any more');
  });
}

/** An EndQuorumEpoch response: the voter learnt of our resignation. */
export function handleEndQuorumEpochResponse(ctx: RaftContext, response: EndQuorumEpochResponse, source: RaftNode, nowMs: number): Promise<boolean> {
  return handleElectionResponse(ctx, ApiKeys.EndQuorumEpoch, response, source, nowMs, () => {
    const state = ctx.quorum.state;
    if (state instanceof ResignedState) state.acknowledgeResignation(source.id);
  });
}
