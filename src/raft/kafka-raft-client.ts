import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { AddRaftVoterRequest } from '../protocol/generated/messages/add-raft-voter-request.ts';
import type { AddRaftVoterResponse } from '../protocol/generated/messages/add-raft-voter-response.ts';
import type { RemoveRaftVoterRequest } from '../protocol/generated/messages/remove-raft-voter-request.ts';
import type { RemoveRaftVoterResponse } from '../protocol/generated/messages/remove-raft-voter-response.ts';
import type { UpdateRaftVoterRequest } from '../protocol/generated/messages/update-raft-voter-request.ts';
import type { UpdateRaftVoterResponse } from '../protocol/generated/messages/update-raft-voter-response.ts';
import type { BeginQuorumEpochRequest } from '../protocol/generated/messages/begin-quorum-epoch-request.ts';
import type { BeginQuorumEpochResponse } from '../protocol/generated/messages/begin-quorum-epoch-response.ts';
import type { DescribeQuorumRequest } from '../protocol/generated/messages/describe-quorum-request.ts';
import type { DescribeQuorumResponse } from '../protocol/generated/messages/describe-quorum-response.ts';
import type { EndQuorumEpochRequest } from '../protocol/generated/messages/end-quorum-epoch-request.ts';
import type { EndQuorumEpochResponse } from '../protocol/generated/messages/end-quorum-epoch-response.ts';
import type { FetchRequest } from '../protocol/generated/messages/fetch-request.ts';
import type { FetchResponse } from '../protocol/generated/messages/fetch-response.ts';
import type { FetchSnapshotRequest } from '../protocol/generated/messages/fetch-snapshot-request.ts';
import type { FetchSnapshotResponse } from '../protocol/generated/messages/fetch-snapshot-response.ts';
import type { VoteRequest } from '../protocol/generated/messages/vote-request.ts';
import type { VoteResponse } from '../protocol/generated/messages/vote-response.ts';
import { kraftVersionRecord, votersRecord, type ControlRecord } from './control-records.ts';
import type { ElectionState } from './election-state.ts';
import type { EpochStateName } from './epoch-state.ts';
import type { RaftMetricValues } from './kafka-raft-metrics.ts';
import type { LeaderAndEpoch } from './leader-and-epoch.ts';
import { LeaderState } from './leader-state.ts';
import { ListenerManager } from './listener-manager.ts';
import type { RaftApiKey, RaftRequestData, RaftResponseData } from './network-channel.ts';
import { NotLeaderError } from './not-leader-error.ts';
import type { OffsetAndEpoch } from './offset-and-epoch.ts';
import { MAX_BATCH_SIZE_BYTES } from './quorum-config.ts';
import type { RaftClientListener } from './raft-client-listener.ts';
import { RaftContext, type InboundRequest, type InboundResponse, type KafkaRaftClientOptions } from './raft-context.ts';
import { handleFetchRequest, handleFetchResponse, handleFetchSnapshotRequest, handleFetchSnapshotResponse } from './raft-fetch-handlers.ts';
import { raftErrorResponse } from './raft-messages.ts';
import { pollCurrentState } from './raft-poll.ts';
import {
  describeLeaderQuorum,
  handleBeginQuorumEpochRequest,
  handleDescribeQuorumRequest,
  handleEndQuorumEpochRequest,
  handleVoteRequest,
} from './raft-request-handlers.ts';
import { handleBeginQuorumEpochResponse, handleEndQuorumEpochResponse, handleVoteResponse } from './raft-response-handlers.ts';
import { SnapshotWriter } from './snapshot-writer.ts';
import {
  handleAddVoterRequest,
  handleApiVersionsResponse,
  handleRemoveVoterRequest,
  handleUpdateVoterRequest,
  handleUpdateVoterResponse,
  handleVoterChangeResponse,
} from './voter-change-handlers.ts';
import type { RaftNode, VoterSet } from './voter-set.ts';

export type { KafkaRaftClientOptions } from './raft-context.ts';

/** The APIs {@link KafkaRaftClient.handleInboundRequest} serves. */
const RAFT_API_KEYS: ReadonlySet<number> = new Set([
  ApiKeys.Fetch,
  ApiKeys.Vote,
  ApiKeys.BeginQuorumEpoch,
  ApiKeys.EndQuorumEpoch,
  ApiKeys.DescribeQuorum,
  ApiKeys.FetchSnapshot,
  ApiKeys.AddRaftVoter,
  ApiKeys.RemoveRaftVoter,
  ApiKeys.UpdateRaftVoter,
]);

/** The response handlers by API (Kafka's handleResponse). */
const RESPONSE_HANDLERS: Partial<Record<RaftApiKey, (ctx: RaftContext, data: never, source: RaftNode, nowMs: number) => Promise<boolean>>> = {
  [ApiKeys.Fetch]: handleFetchResponse,
  [ApiKeys.Vote]: handleVoteResponse,
  [ApiKeys.BeginQuorumEpoch]: handleBeginQuorumEpochResponse,
  [ApiKeys.EndQuorumEpoch]: handleEndQuorumEpochResponse,
  [ApiKeys.FetchSnapshot]: handleFetchSnapshotResponse,
  [ApiKeys.ApiVersions]: handleApiVersionsResponse,
  [ApiKeys.AddRaftVoter]: handleVoterChangeResponse([Errors.NONE, Errors.REQUEST_TIMED_OUT, Errors.DUPLICATE_VOTER], ApiKeys.AddRaftVoter),
  [ApiKeys.RemoveRaftVoter]: handleVoterChangeResponse([Errors.NONE, Errors.REQUEST_TIMED_OUT, Errors.VOTER_NOT_FOUND], ApiKeys.RemoveRaftVoter),
  [ApiKeys.UpdateRaftVoter]: handleUpdateVoterResponse,
};

/** Rounds of (messages, state) one poll runs at most before it yields to the driver. */
const MAX_PASSES_PER_POLL = 8;

/** How often the log's snapshot and segment retention runs (Kafka's RaftMetadataLogCleanerManager, 60 s). */
const LOG_CLEAN_INTERVAL_MS = 60_000;

/**
 * The KRaft client of the metadata log (Kafka's `KafkaRaftClient`, KIP-595 with KIP-996 pre-vote and KIP-630
 * snapshots): a poll-driven state machine over an injected log, quorum-state store, network channel, clock and
 * random source. Nothing here sleeps, reads a clock or touches the network on its own: {@link poll} does one step
 * (the state's timers and sends, the queued requests and responses, the listeners) and says when it needs to run
 * again ({@link nextPollDeadlineMs}); {@link onWakeup} says when to run sooner. The process runs it with a
 * RaftClientDriver; the simulation calls poll itself.
 *
 * Use: `await initialize()`, `register(listener)`, then poll. The leader appends with {@link scheduleAppend} and
 * waits with {@link waitForCommit}; every node hands committed batches to its listeners. Requests from other
 * replicas come in through {@link handleInboundRequest}; requests go out through the NetworkChannel.
 * Any error that escapes poll is fatal (a broken invariant, a failed fsync, a failed listener): the driver hands it
 * to the fault handler, as Kafka's raft thread does.
 */
export class KafkaRaftClient {
  readonly #ctx: RaftContext;
  #initialized = false;
  #polling = false;
  #closed = false;
  #shutdownDone: Promise<boolean> | null = null;
  #shutdownCompleted = false;
  #nextPollDeadlineMs = 0;
  #nextCleanMs = 0;

  constructor(options: KafkaRaftClientOptions) {
    this.#ctx = new RaftContext(options);
    this.#ctx.listeners = new ListenerManager(this.#ctx);
  }

  /**
   * Reads the quorum state and enters the initial state (Kafka's initialize). The only voter of a quorum elects
   * itself at once: it is leader (in a new epoch, persisted first) when this resolves.
   * @throws Error when the quorum-state file cannot be read, or the log and the stored state disagree.
   */
  async initialize(): Promise<void> {
    const ctx = this.#ctx;
    const nowMs = ctx.nowMs();
    // The voters: the log's and its latest snapshot's (KIP-853), else the static ones.
    await ctx.partitionState.updateState();
    if (ctx.options.voters.isEmpty && (ctx.options.bootstrapServers ?? []).length === 0) {
      throw new Error('Missing kraft bootstrap servers. Must specify a value for controller.quorum.bootstrap.servers.');
    }
    await ctx.quorum.initialize(ctx.endOffset(), nowMs);
    ctx.logger.info({ voters: String(ctx.voters()), state: String(ctx.quorum.state) }, 'Initialized the raft client');
    if (ctx.quorum.isLeader) throw new Error('Voter cannot initialize as a Leader');
    const q = ctx.quorum;
    if (q.isOnlyVoter && (q.isUnattached || q.isFollower || q.isResigned)) await ctx.transitionToProspective(nowMs);
    else if (q.isCandidate) await ctx.onBecomeCandidate(nowMs);
    this.#nextCleanMs = nowMs + this.#cleanIntervalMs;
    ctx.updateStateMetrics();
    this.#initialized = true;
  }

  /** Adds a listener; it gets the committed log from the start (or the latest snapshot) from the next poll. */
  register(listener: RaftClientListener): void {
    this.#ctx.listeners.register(listener);
  }

  /** Called when the client wants a poll sooner than {@link nextPollDeadlineMs} (a message, an append...). */
  onWakeup(callback: () => void): void {
    this.#ctx.onWakeup = callback;
  }

  get nodeId(): number | null {
    return this.#ctx.options.nodeId;
  }

  get leaderAndEpoch(): LeaderAndEpoch {
    return this.#ctx.quorum.leaderAndEpoch();
  }

  get epoch(): number {
    return this.#ctx.quorum.epoch;
  }

  get isLeader(): boolean {
    return this.#ctx.quorum.isLeader;
  }

  /** The state's name (Leader, Follower, Candidate, Prospective, Unattached, Resigned). */
  get stateName(): EpochStateName {
    return this.#ctx.quorum.state.name;
  }

  /** The election state (epoch, leader, vote) this node acts on: what its quorum-state file must hold. */
  get election(): ElectionState {
    return this.#ctx.quorum.state.election();
  }

  /** The committed offset (exclusive), or null while unknown (after a restart, until the leader says). */
  get highWatermark(): bigint | null {
    return this.#ctx.quorum.highWatermark();
  }

  /**
   * The latest voter set (KIP-853: of the log, in effect from the offset of its Voters record even before it
   * commits; else the static one), with that offset (-1: the bootstrap checkpoint; null: static voters) and the
   * kraft.version.
   */
  latestVoters(): { readonly voters: VoterSet; readonly offset: bigint | null; readonly kraftVersion: number } {
    const ctx = this.#ctx;
    return { voters: ctx.voters(), offset: ctx.partitionState.lastVoterSetEntry()?.offset ?? null, kraftVersion: ctx.kraftVersion() };
  }

  get logEndOffset(): bigint {
    return this.#ctx.log.endOffset;
  }

  /** Monotonic ms (the Time's hiResClockMs) by which {@link poll} must run again; Infinity when only a wake-up matters. */
  get nextPollDeadlineMs(): number {
    return this.#nextPollDeadlineMs;
  }

  /** False once a graceful shutdown completed or timed out, or the client is closed. */
  get isRunning(): boolean {
    return !this.#closed && !this.#shutdownCompleted;
  }

  /**
   * Appends `records` (metadata record values) as one batch in `epoch` (Kafka's prepareAppend +
   * schedulePreparedAppend): all of them get consecutive offsets in one batch, written after
   * controller.quorum.append.linger.ms. Synchronous; pair it with {@link waitForCommit}.
   * @returns the offset of the last record.
   * @throws NotLeaderError when this node is not the leader of `epoch`; Error for an empty list or too many
   * pending batches; ApiError RECORD_LIST_TOO_LARGE (18) when the records exceed one batch (8 MiB).
   */
  scheduleAppend(epoch: number, records: readonly Buffer[]): bigint {
    const state = this.#initialized && !this.#closed ? this.#ctx.quorum.state : null;
    if (!(state instanceof LeaderState)) throw new NotLeaderError(`Append failed because node ${this.nodeId} is not the current leader`);
    const wasEmpty = state.accumulator.isEmpty;
    const offset = state.accumulator.append(epoch, records);
    if (wasEmpty || state.accumulator.timeUntilDrain(this.#ctx.nowMs()) === 0) this.#ctx.wakeup();
    return offset;
  }

  /**
   * Resolves once `offset` (appended by {@link scheduleAppend} in `epoch`) is committed and every listener has
   * been handed it, so the caller's own state (the controller's image) reflects it. Rejects with NotLeaderError
   * when this node is not the leader of `epoch` now, or loses that leadership before the offset is committed.
   */
  waitForCommit(epoch: number, offset: bigint): Promise<void> {
    if (!this.#initialized || this.#closed) return Promise.reject(new NotLeaderError('The raft client is not running'));
    return this.#ctx.waitForCommit(epoch, offset);
  }

  /** Gives up leadership of `epoch` (Kafka's resign): the next poll resigns. A stale epoch is ignored. */
  resign(epoch: number): void {
    const state = this.#ctx.quorum.state;
    if (epoch > state.epoch) throw new Error(`Attempt to resign from epoch ${epoch} which is larger than the current epoch ${state.epoch}`);
    if (epoch < state.epoch || !(state instanceof LeaderState)) return;
    state.requestResign();
    this.#ctx.wakeup();
  }

  /**
   * Queues a request from another replica (Kafka's RaftMessageQueue) and resolves with the response body once a
   * poll handled it; a Fetch may be parked up to its maxWaitMs. After close the answer is a top-level
   * BROKER_NOT_AVAILABLE.
   * @throws Error for an API the quorum does not serve.
   */
  handleInboundRequest(apiKey: typeof ApiKeys.Fetch, apiVersion: number, data: FetchRequest): Promise<FetchResponse>;
  handleInboundRequest(apiKey: typeof ApiKeys.Vote, apiVersion: number, data: VoteRequest): Promise<VoteResponse>;
  handleInboundRequest(apiKey: typeof ApiKeys.BeginQuorumEpoch, apiVersion: number, data: BeginQuorumEpochRequest): Promise<BeginQuorumEpochResponse>;
  handleInboundRequest(apiKey: typeof ApiKeys.EndQuorumEpoch, apiVersion: number, data: EndQuorumEpochRequest): Promise<EndQuorumEpochResponse>;
  handleInboundRequest(apiKey: typeof ApiKeys.DescribeQuorum, apiVersion: number, data: DescribeQuorumRequest): Promise<DescribeQuorumResponse>;
  handleInboundRequest(apiKey: typeof ApiKeys.FetchSnapshot, apiVersion: number, data: FetchSnapshotRequest): Promise<FetchSnapshotResponse>;
  handleInboundRequest(apiKey: typeof ApiKeys.AddRaftVoter, apiVersion: number, data: AddRaftVoterRequest): Promise<AddRaftVoterResponse>;
  handleInboundRequest(apiKey: typeof ApiKeys.RemoveRaftVoter, apiVersion: number, data: RemoveRaftVoterRequest): Promise<RemoveRaftVoterResponse>;
  handleInboundRequest(apiKey: typeof ApiKeys.UpdateRaftVoter, apiVersion: number, data: UpdateRaftVoterRequest): Promise<UpdateRaftVoterResponse>;
  handleInboundRequest(apiKey: RaftApiKey, apiVersion: number, data: RaftRequestData): Promise<RaftResponseData>;
  handleInboundRequest(apiKey: RaftApiKey, apiVersion: number, data: RaftRequestData): Promise<RaftResponseData> {
    if (!RAFT_API_KEYS.has(apiKey)) throw new Error(`API ${apiKey} is not a quorum API`);
    if (this.#closed) return Promise.resolve(raftErrorResponse(apiKey, Errors.BROKER_NOT_AVAILABLE));
    return new Promise((resolve) => {
      this.#ctx.queue.push({ kind: 'request', apiKey, apiVersion, data, resolve });
      this.#ctx.wakeup();
    });
  }

  /**
   * One step (Kafka's poll): completes a graceful shutdown when it can, runs the current state (timers, sends,
   * the leader's appends), the queued requests and responses (the state runs again after one of them changed it),
   * the log cleaner, parked fetches whose wait ended, and the listeners. Polls must not overlap.
   * @throws whatever broke: fatal for the node.
   */
  async poll(): Promise<void> {
    if (!this.#initialized) throw new Error('The raft client must be initialized before polling');
    if (this.#polling) throw new Error('poll is already running');
    if (this.#closed || this.#shutdownCompleted) return;
    this.#polling = true;
    const ctx = this.#ctx;
    try {
      const failure = ctx.listeners.failure;
      if (failure !== null) throw failure.error;
      const nowMs = ctx.nowMs();
      if (this.#maybeCompleteShutdown(nowMs)) {
        this.#nextPollDeadlineMs = Infinity;
        return;
      }
      // Kafka's order: the state first, then the messages. A message that changes the state stops the handling, and
      // the new state runs before the next message (a new leader appends its LeaderChange before anything else); a
      // handled response (a fetch answered) is followed at once by the state's next send. Bounded passes.
      let stateNowMs = nowMs;
      let timeoutMs = await pollCurrentState(ctx, stateNowMs);
      for (let pass = 0; pass < MAX_PASSES_PER_POLL && ctx.queue.length > 0; pass++) {
        const state = ctx.quorum.state;
        let respondedTo = false;
        while (ctx.queue.length > 0 && ctx.quorum.state === state) {
          const m = ctx.queue.shift()!;
          await this.#handleInboundMessage(m);
          if (m.kind === 'response') respondedTo = true;
        }
        if (ctx.quorum.state === state && !respondedTo) break;
        stateNowMs = ctx.nowMs();
        timeoutMs = await pollCurrentState(ctx, stateNowMs);
      }
      if (stateNowMs >= this.#nextCleanMs) {
        this.#nextCleanMs = stateNowMs + this.#cleanIntervalMs;
        try {
          await ctx.log.maybeClean();
        } catch (e) {
          ctx.logger.error({ err: e }, 'Had an error during log cleaning');
        }
      }
      timeoutMs = Math.min(timeoutMs, this.#nextCleanMs - stateNowMs);
      ctx.fetchPurgatory.expire(ctx.nowMs());
      while (ctx.readyFetches.length > 0) for (const f of ctx.readyFetches.splice(0)) await f();
      await ctx.listeners.poll();
      ctx.updateStateMetrics();
      timeoutMs = Math.min(timeoutMs, ctx.fetchPurgatory.timeUntilNextExpirationMs(stateNowMs));
      if (ctx.queue.length > 0 || ctx.listeners.hasPendingWork()) timeoutMs = 0;
      this.#nextPollDeadlineMs = stateNowMs + Math.max(0, timeoutMs);
    } finally {
      this.#polling = false;
    }
  }

  get #cleanIntervalMs(): number {
    return this.#ctx.options.logCleanIntervalMs ?? LOG_CLEAN_INTERVAL_MS;
  }

  async #handleInboundMessage(m: InboundRequest | InboundResponse): Promise<void> {
    const ctx = this.#ctx;
    const nowMs = ctx.nowMs();
    if (m.kind === 'request') {
      const v = m.apiVersion;
      switch (m.apiKey) {
        case ApiKeys.Fetch:
          return handleFetchRequest(ctx, v, m.data as FetchRequest, m.resolve);
        case ApiKeys.Vote:
          return m.resolve(await handleVoteRequest(ctx, v, m.data as VoteRequest));
        case ApiKeys.BeginQuorumEpoch:
          return m.resolve(await handleBeginQuorumEpochRequest(ctx, v, m.data as BeginQuorumEpochRequest));
        case ApiKeys.EndQuorumEpoch:
          return m.resolve(await handleEndQuorumEpochRequest(ctx, v, m.data as EndQuorumEpochRequest));
        case ApiKeys.DescribeQuorum:
          return m.resolve(handleDescribeQuorumRequest(ctx, v, m.data as DescribeQuorumRequest));
        case ApiKeys.FetchSnapshot:
          return m.resolve(await handleFetchSnapshotRequest(ctx, v, m.data as FetchSnapshotRequest));
        case ApiKeys.AddRaftVoter:
          return handleAddVoterRequest(ctx, m.data as AddRaftVoterRequest, m.resolve, nowMs);
        case ApiKeys.RemoveRaftVoter:
          return handleRemoveVoterRequest(ctx, m.data as RemoveRaftVoterRequest, m.resolve, nowMs);
        case ApiKeys.UpdateRaftVoter:
          return m.resolve(handleUpdateVoterRequest(ctx, m.data as UpdateRaftVoterRequest, nowMs));
        case ApiKeys.ApiVersions:
          throw new Error('ApiVersions requests are answered by the node, not the raft client');
      }
    }
    if (!ctx.requestManager.isResponseExpected(m.source, m.correlationId)) {
      ctx.logger.debug({ source: m.source.id, correlationId: m.correlationId }, 'Ignoring a response that is no longer needed');
      return;
    }
    const handler = RESPONSE_HANDLERS[m.apiKey];
    if (handler === undefined) throw new Error(`Received unexpected response type ${m.apiKey}`);
    const handled = await handler(ctx, m.data as never, m.source, nowMs);
    ctx.requestManager.onResponseResult(m.source, m.correlationId, handled, ctx.nowMs());
  }

  /**
   * Graceful shutdown (Kafka's shutdown(timeoutMs)): a leader resigns and sends EndQuorumEpoch so the voters elect
   * a successor at once; the shutdown completes when another node is leader, this node is an observer or the only
   * voter, or `timeoutMs` passed. Keep polling until it settles.
   * @returns true when it completed, false when it timed out.
   */
  shutdown(timeoutMs: number): Promise<boolean> {
    if (this.#shutdownDone !== null) return this.#shutdownDone;
    const ctx = this.#ctx;
    ctx.logger.info({ timeoutMs }, 'Beginning graceful shutdown');
    this.#shutdownDone = new Promise<boolean>((resolve) => {
      ctx.shutdown = { deadlineMs: ctx.nowMs() + timeoutMs, resolve };
    });
    ctx.listeners.beginShutdown();
    ctx.wakeup();
    return this.#shutdownDone;
  }

  #maybeCompleteShutdown(nowMs: number): boolean {
    const ctx = this.#ctx;
    const s = ctx.shutdown;
    if (s === null) return false;
    if (nowMs >= s.deadlineMs) {
      ctx.logger.warn('Graceful shutdown timed out');
      ctx.shutdown = null;
      this.#shutdownCompleted = true;
      s.resolve(false);
      return true;
    }
    if (!ctx.quorum.isObserver && !ctx.quorum.isOnlyVoter && !ctx.quorum.hasRemoteLeader) return false;
    ctx.logger.info('Graceful shutdown completed');
    ctx.shutdown = null;
    this.#shutdownCompleted = true;
    s.resolve(true);
    return true;
  }

  /**
   * Stops the client: queued requests get BROKER_NOT_AVAILABLE, commit waits fail, the state is closed and the log
   * is flushed and closed (Kafka's close). Call after the driver stopped polling.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const ctx = this.#ctx;
    for (const m of ctx.queue.splice(0)) if (m.kind === 'request') m.resolve(raftErrorResponse(m.apiKey, Errors.BROKER_NOT_AVAILABLE));
    ctx.fetchPurgatory.completeAllExceptionally(Errors.BROKER_NOT_AVAILABLE);
    for (const f of ctx.readyFetches.splice(0)) await f();
    ctx.failAllCommitWaiters(new NotLeaderError('The raft client is closed'));
    if (this.#initialized) await ctx.quorum.state.close();
    await ctx.log.close();
  }

  /**
   * A writer for a snapshot at `snapshotId` (end offset exclusive, and the epoch of the log there) of the state
   * the caller built from the committed log up to it (Kafka's createSnapshot, KIP-630). The id must be committed
   * and on a batch boundary.
   * @returns null when a snapshot with that id exists already or the offset is below the log start.
   * @throws Error when the id is above the high watermark or not valid for the log.
   */
  async createSnapshot(snapshotId: OffsetAndEpoch, lastContainedLogTimeMs: number): Promise<SnapshotWriter | null> {
    if (!this.#initialized) throw new Error('Cannot create a snapshot before the replica has been initialized');
    const ctx = this.#ctx;
    const raw = await ctx.log.createNewSnapshot(snapshotId);
    if (raw === null) return null;
    // KIP-853: a snapshot of a kraft.version >= 1 log carries the kraft.version and voters in effect at its end.
    const lastContainedLogOffset = snapshotId.offset - 1n;
    const kraftVersion = ctx.partitionState.kraftVersionAtOffset(lastContainedLogOffset);
    let headerExtras: ControlRecord[] = [];
    if (kraftVersion >= 1) {
      const voters = ctx.partitionState.voterSetAtOffset(lastContainedLogOffset);
      if (voters === undefined) throw new Error(`kraft.version is ${kraftVersion} but there is no voter set at offset ${lastContainedLogOffset}`);
      headerExtras = [kraftVersionRecord(kraftVersion), votersRecord(voters.toVotersRecord())];
    }
    return new SnapshotWriter({
      raw,
      lastContainedLogTimestamp: lastContainedLogTimeMs,
      maxBatchSizeBytes: MAX_BATCH_SIZE_BYTES,
      wallClockMs: () => ctx.wallClockMs(),
      headerExtras,
      onFrozen: (id) => ctx.partitionState.truncateOldEntries(id.offset),
    });
  }

  latestSnapshotId(): OffsetAndEpoch | null {
    return this.#ctx.log.latestSnapshotId();
  }

  /**
   * What DescribeQuorum v2 returns (leader, epoch, high watermark, every voter and observer with its log end offset,
   * last fetch and last caught-up times in wall-clock ms, voters' endpoints), or null when this node is not the
   * leader (only the leader knows).
   */
  describeQuorum(): DescribeQuorumResponse | null {
    const state = this.#ctx.quorum.state;
    return state instanceof LeaderState ? describeLeaderQuorum(this.#ctx, state, 2) : null;
  }

  /**
   * The raft metrics (Kafka's names) at this moment. Their windows run on the monotonic clock the client records
   * them with (appends, commits, fetches, elections).
   */
  metrics(): RaftMetricValues {
    return this.#ctx.metrics.snapshot(this.#ctx.nowMs());
  }

  /** Records one driver cycle for poll-idle-ratio-avg. */
  recordPollIdle(idleMs: number, totalMs: number): void {
    this.#ctx.metrics.updatePollIdle(idleMs, totalMs, this.#ctx.nowMs());
  }
}
