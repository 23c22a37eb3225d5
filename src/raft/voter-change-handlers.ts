// KIP-853 voter changes (Kafka's AddVoterHandler, RemoveVoterHandler, UpdateVoterHandler and the matching parts of
// KafkaRaftClient): the leader's side of AddRaftVoter, RemoveRaftVoter and UpdateRaftVoter, its ApiVersions check
// of a voter it adds, and a follower's side (a voter asking to update its endpoints, an observer asking to join).
// One change at a time, and only once the last Voters record is committed: Raft's single-server membership change.

import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { AddRaftVoterRequest } from '../protocol/generated/messages/add-raft-voter-request.ts';
import type { AddRaftVoterResponse } from '../protocol/generated/messages/add-raft-voter-response.ts';
import type { ApiVersionsResponse } from '../protocol/generated/messages/api-versions-response.ts';
import type { RemoveRaftVoterRequest } from '../protocol/generated/messages/remove-raft-voter-request.ts';
import type { RemoveRaftVoterResponse } from '../protocol/generated/messages/remove-raft-voter-response.ts';
import type { UpdateRaftVoterRequest } from '../protocol/generated/messages/update-raft-voter-request.ts';
import type { UpdateRaftVoterResponse } from '../protocol/generated/messages/update-raft-voter-response.ts';
import { AddVoterHandlerState, RemoveVoterHandlerState, voterChangeResponse } from './change-voter-state.ts';
import { FollowerState } from './follower-state.ts';
import { LeaderState } from './leader-state.ts';
import type { RaftContext } from './raft-context.ts';
import { endpointList, endpointsFromList } from './raft-messages.ts';
import { maybeSendRequest } from './raft-poll.ts';
import { formatReplicaKey, replicaKey, type ReplicaKey } from './replica-key.ts';
import type { HostAndPort, RaftNode, SupportedVersionRange } from './voter-set.ts';

/** The feature name of the KRaft protocol version in ApiVersions (Kafka's KRaftVersion.FEATURE_NAME). */
export const KRAFT_VERSION_FEATURE_NAME = 'kraft.version';

type Respond<T> = (response: T) => void;

function supportsFinalized(finalized: number, range: SupportedVersionRange | null): boolean {
  return range !== null && range.min <= finalized && range.max >= finalized;
}

/** Checks shared by AddRaftVoter and RemoveRaftVoter (cluster id, leadership). @returns the error answer, or null. */
function validateChangeRequest(ctx: RaftContext, clusterId: string | null): AddRaftVoterResponse | null {
  if (!ctx.hasValidClusterId(clusterId)) return voterChangeResponse(Errors.INCONSISTENT_CLUSTER_ID, `The given id "${clusterId}" doesn't match the cluster id "${ctx.clusterId}"`);
  const error = ctx.validateLeaderOnlyRequest(ctx.quorum.epoch);
  return error === null ? null : voterChangeResponse(error);
}

/**
 * Why the leader cannot start a voter change now (Kafka's checks in AddVoterHandler/RemoveVoterHandler), or null:
 * another change is pending, the leader has no high watermark yet, kraft.version 0, or the last Voters record is
 * not committed.
 */
function changeBlocker(ctx: RaftContext, state: LeaderState, nowMs: number, what: string): AddRaftVoterResponse | null {
  if (state.changeVoterState.isOperationPending(nowMs)) return voterChangeResponse(Errors.REQUEST_TIMED_OUT, 'Request timed out waiting for leader to handle previous voter change request');
  const hw = state.highWatermark();
  if (hw === null) return voterChangeResponse(Errors.REQUEST_TIMED_OUT, 'Request timed out waiting for leader to establish HWM and fence previous voter changes');
  const kraftVersion = ctx.kraftVersion();
  if (kraftVersion < 1) return voterChangeResponse(Errors.UNSUPPORTED_VERSION, `Cluster doesn't support ${what} voter because the kraft.version feature is ${kraftVersion}`);
  const entry = ctx.partitionState.lastVoterSetEntry();
  if (entry === undefined || entry.offset >= hw) {
    return voterChangeResponse(Errors.REQUEST_TIMED_OUT, `Request timed out waiting for voters to commit the latest voter change at ${entry?.offset ?? 'none'} with HWM ${hw}`);
  }
  return null;
}

/**
 * AddRaftVoter on the leader (Kafka's handleAddVoterRequest + AddVoterHandler): checks, then asks the new voter
 * for its ApiVersions; {@link handleApiVersionsResponse} goes on. `respond` is called once: at once on an error,
 * else when the Voters record commits (or is appended, without ackWhenCommitted), the operation times out
 * (controller.quorum.request.timeout.ms) or the leadership ends.
 */
export function handleAddVoterRequest(ctx: RaftContext, request: AddRaftVoterRequest, respond: Respond<AddRaftVoterResponse>, nowMs: number): void {
  const invalid = validateChangeRequest(ctx, request.clusterId);
  if (invalid !== null) return respond(invalid);
  const voterKey = replicaKey(request.voterId, request.voterDirectoryId);
  if (voterKey.id < 0 || voterKey.directoryId === null) return respond(voterChangeResponse(Errors.INVALID_REQUEST, 'Add voter request didn\'t include a valid voter'));
  const endpoints = endpointsFromList(request.listeners);
  const address = endpoints.get(ctx.channel.listenerName);
  if (address === undefined) {
    return respond(voterChangeResponse(Errors.INVALID_REQUEST, `Add voter request didn't include the endpoint for the default listener ${ctx.channel.listenerName}`));
  }
  const state = ctx.quorum.state as LeaderState;
  const blocked = changeBlocker(ctx, state, nowMs, 'adding');
  if (blocked !== null) return respond(blocked);
  const voters = ctx.voters();
  if (voters.voterIds().has(voterKey.id)) {
    return respond(voterChangeResponse(Errors.DUPLICATE_VOTER, `The voter id for ${formatReplicaKey(voterKey)} is already part of the set of voters ${voters}.`));
  }
  // AddRaftVoter v1 has AckWhenCommitted (default true); the generated v0 body does not.
  const ackWhenCommitted = (request as { ackWhenCommitted?: boolean }).ackWhenCommitted ?? true;
  const destination: RaftNode = { id: voterKey.id, host: address.host, port: address.port };
  const { sent } = maybeSendRequest(ctx, nowMs, destination, () => ({ apiKey: ApiKeys.ApiVersions, data: { clientSoftwareName: 'kafka-raft', clientSoftwareVersion: '1' } }));
  if (!sent) return respond(voterChangeResponse(Errors.REQUEST_TIMED_OUT, `New voter ${formatReplicaKey(voterKey)} is not ready to receive requests`));
  const timeoutMs = ctx.requestManager.remainingRequestTimeMs(destination, nowMs);
  state.changeVoterState.resetAddVoterHandlerState(Errors.UNKNOWN_SERVER_ERROR, null, new AddVoterHandlerState(voterKey, endpoints, ackWhenCommitted, nowMs, timeoutMs, respond));
}

/**
 * The new voter's ApiVersions answer (Kafka's AddVoterHandler.handleApiVersionsResponse): it must support the
 * finalized kraft.version and have caught up with the log (a lagging voter would stall the high watermark);
 * then the leader appends the Voters record that adds it.
 */
export async function handleApiVersionsResponse(ctx: RaftContext, response: ApiVersionsResponse, source: RaftNode, nowMs: number): Promise<boolean> {
  const state = ctx.quorum.state;
  if (!(state instanceof LeaderState)) return true;
  const change = state.changeVoterState;
  const current = change.addVoterHandlerState;
  if (current === null || !current.expectingApiResponse(source.id)) {
    ctx.logger.info({ source: source.id }, 'API_VERSIONS response is not expected');
    return true;
  }
  if (response.errorCode !== Errors.NONE) {
    ctx.logger.info({ voter: formatReplicaKey(current.voterKey), errorCode: response.errorCode }, 'Aborting add voter operation since API_VERSIONS returned an error');
    change.resetAddVoterHandlerState(Errors.REQUEST_TIMED_OUT, `Aborted add voter operation since API_VERSIONS returned an error ${response.errorCode}`, null);
    return false;
  }
  const feature = response.supportedFeatures.find((f) => f.name === KRAFT_VERSION_FEATURE_NAME);
  const range = feature === undefined ? null : { min: feature.minVersion, max: feature.maxVersion };
  const kraftVersion = ctx.kraftVersion();
  if (!supportsFinalized(kraftVersion, range)) {
    change.resetAddVoterHandlerState(Errors.INVALID_REQUEST, `Aborted add voter operation for ${formatReplicaKey(current.voterKey)} since its kraft.version range doesn't support the finalized version ${kraftVersion}`, null);
    return true;
  }
  if (!state.isReplicaCaughtUp(current.voterKey, nowMs)) {
    ctx.logger.info({ voter: formatReplicaKey(current.voterKey) }, 'Aborting add voter operation since the voter is lagging behind');
    change.resetAddVoterHandlerState(Errors.REQUEST_TIMED_OUT, `Aborted add voter operation for ${formatReplicaKey(current.voterKey)} since it is lagging behind`, null);
    return true;
  }
  const newVoters = ctx.voters().addVoter({ voterKey: current.voterKey, listeners: current.voterEndpoints, supportedKRaftVersion: range! });
  if (newVoters === null) throw new Error(`Unable to add ${formatReplicaKey(current.voterKey)} to the set of voters ${ctx.voters()}`);
  current.setLastOffset(state.appendVotersRecord(newVoters));
  ctx.logger.info({ voter: formatReplicaKey(current.voterKey), voters: String(newVoters) }, 'Appended a Voters record adding a voter');
  if (!current.ackWhenCommitted) current.complete(voterChangeResponse(Errors.NONE));
  ctx.wakeup();
  return true;
}

/**
 * RemoveRaftVoter on the leader (Kafka's handleRemoveVoterRequest + RemoveVoterHandler): appends the Voters record
 * without the voter (id and directory id must match; never the last voter) and answers once it commits. A leader
 * that removed itself resigns then (see {@link voterChangesOnHighWatermark}).
 */
export function handleRemoveVoterRequest(ctx: RaftContext, request: RemoveRaftVoterRequest, respond: Respond<RemoveRaftVoterResponse>, nowMs: number): void {
  const invalid = validateChangeRequest(ctx, request.clusterId);
  if (invalid !== null) return respond(invalid);
  const voterKey = replicaKey(request.voterId, request.voterDirectoryId);
  if (voterKey.id < 0 || voterKey.directoryId === null) return respond(voterChangeResponse(Errors.INVALID_REQUEST, 'Remove voter request didn\'t include a valid voter'));
  const state = ctx.quorum.state as LeaderState;
  const blocked = changeBlocker(ctx, state, nowMs, 'removing');
  if (blocked !== null) return respond(blocked);
  const voters = ctx.voters();
  const newVoters = voters.removeVoter(voterKey);
  if (newVoters === null) return respond(voterChangeResponse(Errors.VOTER_NOT_FOUND, `Cannot remove voter ${formatReplicaKey(voterKey)} from the set of voters ${voters}`));
  const offset = state.appendVotersRecord(newVoters);
  ctx.logger.info({ voter: formatReplicaKey(voterKey), voters: String(newVoters) }, 'Appended a Voters record removing a voter');
  state.changeVoterState.resetRemoveVoterHandlerState(Errors.UNKNOWN_SERVER_ERROR, null, new RemoveVoterHandlerState(offset, nowMs, ctx.config.requestTimeoutMs, respond));
  ctx.wakeup();
}

/** The leader's high watermark moved (Kafka's maybeNotifyVoterHandlerOnHWmUpdate): committed changes are answered. */
export function voterChangesOnHighWatermark(ctx: RaftContext, state: LeaderState, highWatermark: bigint): void {
  const change = state.changeVoterState;
  const add = change.addVoterHandlerState;
  if (add !== null && add.lastOffset !== null && highWatermark > add.lastOffset) change.resetAddVoterHandlerState(Errors.NONE, null, null);
  const remove = change.removeVoterHandlerState;
  if (remove !== null && highWatermark > remove.lastOffset) {
    change.resetRemoveVoterHandlerState(Errors.NONE, null, null);
    if (!ctx.voters().isVoter(ctx.quorum.localReplicaKey())) {
      ctx.logger.info({ voters: String(ctx.voters()), epoch: state.epoch }, 'Leader is not in the committed voter set: resigning');
      state.requestResign();
    }
  }
}

function updateVoterResponse(ctx: RaftContext, errorCode: number): UpdateRaftVoterResponse {
  const leader = ctx.quorum.leaderAndEpoch();
  const address = ctx.quorum.leaderEndpoints().get(ctx.channel.listenerName);
  return {
    throttleTimeMs: 0,
    errorCode,
    currentLeader: { leaderId: leader.leaderId ?? -1, leaderEpoch: leader.epoch, host: address?.host ?? '', port: address?.port ?? 0 },
  };
}

/**
 * UpdateRaftVoter on the leader (Kafka's handleUpdateVoterRequest + UpdateVoterHandler): a voter's new endpoints
 * or kraft.version range go into a new Voters record, answered at once. With kraft.version 0 the voters are
 * configuration: the request is accepted and nothing is written (Kafka 4 keeps them in memory for an upgrade of
 * kraft.version, which this implementation does not support).
 */
export function handleUpdateVoterRequest(ctx: RaftContext, request: UpdateRaftVoterRequest, nowMs: number): UpdateRaftVoterResponse {
  if (!ctx.hasValidClusterId(request.clusterId)) return updateVoterResponse(ctx, Errors.INCONSISTENT_CLUSTER_ID);
  const error = ctx.validateLeaderOnlyRequest(request.currentLeaderEpoch);
  if (error !== null) return updateVoterResponse(ctx, error);
  const voterKey = replicaKey(request.voterId, request.voterDirectoryId);
  if (voterKey.id < 0 || voterKey.directoryId === null) return updateVoterResponse(ctx, Errors.INVALID_REQUEST);
  const endpoints = endpointsFromList(request.listeners);
  if (!endpoints.has(ctx.channel.listenerName)) return updateVoterResponse(ctx, Errors.INVALID_REQUEST);
  const f = request.kRaftVersionFeature;
  if (f.minSupportedVersion < 0 || f.maxSupportedVersion < 0 || f.maxSupportedVersion < f.minSupportedVersion) return updateVoterResponse(ctx, Errors.INVALID_REQUEST);
  const state = ctx.quorum.state as LeaderState;
  if (state.changeVoterState.isOperationPending(nowMs)) return updateVoterResponse(ctx, Errors.REQUEST_TIMED_OUT);
  const hw = state.highWatermark();
  if (hw === null) return updateVoterResponse(ctx, Errors.REQUEST_TIMED_OUT);
  const kraftVersion = ctx.kraftVersion();
  const range = { min: f.minSupportedVersion, max: f.maxSupportedVersion };
  if (kraftVersion < 1) return updateVoterResponse(ctx, supportsFinalized(kraftVersion, range) ? Errors.NONE : Errors.INVALID_REQUEST);
  const entry = ctx.partitionState.lastVoterSetEntry();
  if (entry === undefined || entry.offset >= hw) return updateVoterResponse(ctx, Errors.REQUEST_TIMED_OUT);
  if (!supportsFinalized(kraftVersion, range)) return updateVoterResponse(ctx, Errors.INVALID_REQUEST);
  const updated = entry.value.updateVoter({ voterKey, listeners: endpoints, supportedKRaftVersion: range });
  if (updated === null) return updateVoterResponse(ctx, Errors.VOTER_NOT_FOUND);
  state.appendVotersRecord(updated);
  ctx.logger.info({ voter: formatReplicaKey(voterKey), voters: String(updated) }, 'Appended a Voters record updating a voter');
  state.updateCheckQuorumForFollowingVoter(voterKey, nowMs);
  ctx.wakeup();
  return updateVoterResponse(ctx, Errors.NONE);
}

// ---- the follower's side ----

/** A voter whose recorded endpoints or kraft.version range are out of date asks the leader to update them. */
export function shouldSendUpdateVoterRequest(ctx: RaftContext): boolean {
  return ctx.kraftVersion() >= 1 && ctx.voters().voterNodeNeedsUpdate(ctx.localVoterNode());
}

/** An observer that may become a voter asks to join (controller.quorum.auto.join.enable, kraft.version >= 1). */
export function shouldSendAddOrRemoveVoterRequest(ctx: RaftContext, state: FollowerState, nowMs: number): boolean {
  return ctx.kraftVersion() >= 1 && ctx.options.canBecomeVoter === true && ctx.config.autoJoin && state.hasUpdateVoterSetPeriodExpired(nowMs);
}

export function buildUpdateVoterRequest(ctx: RaftContext): { apiKey: typeof ApiKeys.UpdateRaftVoter; data: UpdateRaftVoterRequest } {
  const local = ctx.localVoterNode();
  return {
    apiKey: ApiKeys.UpdateRaftVoter,
    data: {
      clusterId: ctx.clusterId,
      currentLeaderEpoch: ctx.quorum.epoch,
      voterId: local.voterKey.id,
      voterDirectoryId: local.voterKey.directoryId ?? '',
      listeners: endpointList(local.listeners),
      kRaftVersionFeature: { minSupportedVersion: local.supportedKRaftVersion.min, maxSupportedVersion: local.supportedKRaftVersion.max },
    },
  };
}

export function buildAddVoterRequest(ctx: RaftContext): { apiKey: typeof ApiKeys.AddRaftVoter; data: AddRaftVoterRequest } {
  const local = ctx.localVoterNode();
  const data: AddRaftVoterRequest & { ackWhenCommitted: boolean } = {
    clusterId: ctx.clusterId,
    timeoutMs: ctx.config.requestTimeoutMs,
    voterId: local.voterKey.id,
    voterDirectoryId: local.voterKey.directoryId ?? '',
    listeners: endpointList(local.listeners),
    ackWhenCommitted: false,
  };
  return { apiKey: ApiKeys.AddRaftVoter, data };
}

export function buildRemoveVoterRequest(ctx: RaftContext, key: ReplicaKey): { apiKey: typeof ApiKeys.RemoveRaftVoter; data: RemoveRaftVoterRequest } {
  return { apiKey: ApiKeys.RemoveRaftVoter, data: { clusterId: ctx.clusterId, voterId: key.id, voterDirectoryId: key.directoryId ?? '' } };
}

/** Answer to an observer's own AddRaftVoter/RemoveRaftVoter (Kafka's handleAddVoterResponse/handleRemoveVoterResponse). */
export function handleVoterChangeResponse(okCodes: readonly number[], apiKey: typeof ApiKeys.AddRaftVoter | typeof ApiKeys.RemoveRaftVoter) {
  return async (ctx: RaftContext, response: AddRaftVoterResponse | RemoveRaftVoterResponse, source: RaftNode, nowMs: number): Promise<boolean> => {
    if (!okCodes.includes(response.errorCode)) return ctx.handleUnexpectedError(response.errorCode, apiKey, source);
    const state = ctx.quorum.state;
    if (state instanceof FollowerState) state.resetUpdateVoterSetPeriod(nowMs);
    return true;
  };
}

/** Answer to a voter's UpdateRaftVoter (Kafka's handleUpdateVoterResponse). */
export async function handleUpdateVoterResponse(ctx: RaftContext, response: UpdateRaftVoterResponse, source: RaftNode, nowMs: number): Promise<boolean> {
  const l = response.currentLeader;
  const leaderId = l.leaderId < 0 ? null : l.leaderId;
  const endpoints: ReadonlyMap<string, HostAndPort> = leaderId !== null && l.host !== '' ? new Map([[ctx.channel.listenerName, { host: l.host, port: l.port }]]) : new Map();
  const handled = await ctx.maybeHandleCommonResponse(response.errorCode, leaderId, l.leaderEpoch, endpoints, source, nowMs);
  if (handled !== null) return handled;
  if (response.errorCode !== Errors.NONE && response.errorCode !== Errors.UNSUPPORTED_VERSION) return ctx.handleUnexpectedError(response.errorCode, ApiKeys.UpdateRaftVoter, source);
  const state = ctx.quorum.state;
  if (state instanceof FollowerState) {
    state.setHasUpdatedLeader();
    state.resetFetchTimeoutForSuccessfulFetch(nowMs);
  }
  return true;
}
