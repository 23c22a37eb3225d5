import type { Time } from '../common/time.ts';
import type { Random } from '../common/random.ts';
import type { Logger } from '../observability/logger.ts';
import { Errors } from '../protocol/generated/errors.ts';
import { BatchAccumulator } from './batch-accumulator.ts';
import { CandidateState } from './candidate-state.ts';
import { kraftVersionRecord, leaderChangeRecord, votersRecord, type ControlRecord } from './control-records.ts';
import { FollowerState } from './follower-state.ts';
import { KafkaRaftMetrics } from './kafka-raft-metrics.ts';
import { KRaftControlRecordStateMachine } from './kraft-control-record-state-machine.ts';
import { LeaderState } from './leader-state.ts';
import type { ListenerManager } from './listener-manager.ts';
import type { NetworkChannel, RaftApiKey, RaftRequestData, RaftResponseData } from './network-channel.ts';
import { NotLeaderError } from './not-leader-error.ts';
import type { OffsetAndEpoch } from './offset-and-epoch.ts';
import { ProspectiveState } from './prospective-state.ts';
import { MAX_BATCH_SIZE_BYTES, MAX_NUMBER_OF_BATCHES, type QuorumConfig } from './quorum-config.ts';
import { QuorumState } from './quorum-state.ts';
import type { QuorumStateStore } from './quorum-state-store.ts';
import type { ReplicatedLog } from './replicated-log.ts';
import { replicaKey, type ReplicaKey } from './replica-key.ts';
import { RequestManager } from './request-manager.ts';
import { UnattachedState } from './unattached-state.ts';
import { ThresholdPurgatory } from './threshold-purgatory.ts';
import { voterChangesOnHighWatermark } from './voter-change-handlers.ts';
import type { HostAndPort, RaftNode, SupportedVersionRange, VoterNode, VoterSet } from './voter-set.ts';

/** What a KafkaRaftClient is built with (everything it touches is injected: the simulation swaps each one). */
export interface KafkaRaftClientOptions {
  /** node.id; null for an observer without one. */
  readonly nodeId: number | null;
  /** directory.id of the metadata log directory (KIP-853); null when unknown. */
  readonly nodeDirectoryId: string | null;
  /** The cluster id requests must carry (INCONSISTENT_CLUSTER_ID otherwise). */
  readonly clusterId: string;
  /**
   * The static voters (controller.quorum.voters); empty with a dynamic quorum (KIP-853), whose voters come from the
   * log and its snapshots (the bootstrap checkpoint written by format first).
   */
  readonly voters: VoterSet;
  /** The kraft.version range this node supports (KIP-853); default 0-1. */
  readonly localSupportedKRaftVersion?: SupportedVersionRange;
  /**
   * This node may be made a voter (it runs a controller: Kafka's canBecomeVoter). Such an observer flushes what it
   * fetches, as a voter does, since it may count toward the high watermark as soon as a Voters record names it;
   * with controller.quorum.auto.join.enable it asks to join. Default: false.
   */
  readonly canBecomeVoter?: boolean;
  /** controller.quorum.bootstrap.servers: where a replica that knows no leader fetches (default: the voters). */
  readonly bootstrapServers?: readonly HostAndPort[];
  /** This node's endpoints on the controller listeners (advertised to followers when it leads). */
  readonly localListeners: ReadonlyMap<string, HostAndPort>;
  readonly config: QuorumConfig;
  readonly log: ReplicatedLog;
  readonly store: QuorumStateStore;
  readonly channel: NetworkChannel;
  readonly time: Time;
  readonly random: Random;
  readonly logger: Logger;
  /** How often the log's retention runs (Kafka's RaftMetadataLogCleanerManager: 60 s); shorter in simulations. */
  readonly logCleanIntervalMs?: number;
}

/** A request from another replica waiting in the client's queue (Kafka's RaftRequest.Inbound). */
export interface InboundRequest {
  readonly kind: 'request';
  readonly apiKey: RaftApiKey;
  readonly apiVersion: number;
  readonly data: RaftRequestData;
  readonly resolve: (data: RaftResponseData) => void;
}

/** A response to one of our requests waiting in the queue (Kafka's RaftResponse.Inbound). */
export interface InboundResponse {
  readonly kind: 'response';
  readonly source: RaftNode;
  readonly correlationId: number;
  readonly apiKey: RaftApiKey;
  readonly data: RaftResponseData;
}

/** A graceful shutdown in progress (Kafka's KafkaRaftClient.GracefulShutdown). */
export interface GracefulShutdown {
  readonly deadlineMs: number;
  readonly resolve: (completed: boolean) => void;
}

/** A commit wait of the leader's caller (see KafkaRaftClient.waitForCommit). */
interface CommitWaiter {
  readonly epoch: number;
  readonly offset: bigint;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/**
 * The state and the transitions shared by the parts of the KafkaRaftClient (request handlers, response handlers,
 * per-state polling, listener delivery), after the private core of Kafka's KafkaRaftClient. Internal to src/raft:
 * the broker uses KafkaRaftClient. Every method runs inside a poll (or the client's initialize), one at a time.
 */
export class RaftContext {
  readonly options: KafkaRaftClientOptions;
  readonly config: QuorumConfig;
  readonly log: ReplicatedLog;
  readonly channel: NetworkChannel;
  readonly time: Time;
  readonly random: Random;
  readonly logger: Logger;
  readonly clusterId: string;
  readonly quorum: QuorumState;
  /** The voter set and kraft.version of the log (KIP-853). */
  readonly partitionState: KRaftControlRecordStateMachine;
  readonly metrics = new KafkaRaftMetrics();
  readonly requestManager: RequestManager;
  /** Long-poll fetches parked on the leader until its log end or high watermark moves. */
  readonly fetchPurgatory = new ThresholdPurgatory();
  /** The leader's appends until the high watermark passes them (commit latency). */
  readonly appendPurgatory = new ThresholdPurgatory();
  /** Requests and responses waiting for the next poll. */
  readonly queue: (InboundRequest | InboundResponse)[] = [];
  /** Parked fetches whose wait ended, answered at the end of the poll. */
  readonly readyFetches: (() => Promise<void>)[] = [];
  listeners!: ListenerManager;
  shutdown: GracefulShutdown | null = null;
  onWakeup: (() => void) | null = null;
  #correlationId = 0;
  #commitWaiters: CommitWaiter[] = [];
  /** The leader's background flush: its own end offset counts toward the high watermark once it completes. */
  #leaderFlush: { epoch: number; promise: Promise<void>; done: boolean; error: unknown } | null = null;

  constructor(options: KafkaRaftClientOptions) {
    this.options = options;
    this.config = options.config;
    this.log = options.log;
    this.channel = options.channel;
    this.time = options.time;
    this.random = options.random;
    this.logger = options.logger;
    this.clusterId = options.clusterId;
    this.partitionState = new KRaftControlRecordStateMachine(options.voters, options.log, options.logger);
    this.quorum = new QuorumState({
      localId: options.nodeId,
      localDirectoryId: options.nodeDirectoryId,
      localListeners: options.localListeners,
      voters: () => this.voters(),
      kraftVersion: () => this.kraftVersion(),
      electionTimeoutMs: options.config.electionTimeoutMs,
      fetchTimeoutMs: options.config.fetchTimeoutMs,
      store: options.store,
      random: options.random,
      logger: options.logger,
    });
    const bootstrap: RaftNode[] = options.bootstrapServers !== undefined && options.bootstrapServers.length > 0
      // Kafka numbers bootstrap servers -2, -3, ... (they are not known by node id).
      ? options.bootstrapServers.map((a, i) => ({ id: -2 - i, host: a.host, port: a.port }))
      : options.voters.voterNodes().flatMap((v) => {
          const n = options.voters.raftNode(v.voterKey.id, options.channel.listenerName);
          return n === undefined ? [] : [n];
        });
    this.requestManager = new RequestManager(bootstrap, options.config.retryBackoffMs, options.config.requestTimeoutMs, options.random);
  }

  /** Monotonic ms: every timer of the client runs on it. */
  nowMs(): number {
    return this.time.hiResClockMs();
  }

  /** Wall-clock ms: batch timestamps and DescribeQuorum's fetch times. */
  wallClockMs(): number {
    return this.time.milliseconds();
  }

  /** The latest voter set (the log's, else the static one). */
  voters(): VoterSet {
    return this.partitionState.lastVoterSet();
  }

  /** The latest kraft.version (0 for a static quorum). */
  kraftVersion(): number {
    return this.partitionState.lastKraftVersion();
  }

  /** This node as a voter (key, endpoints, supported kraft.version range). */
  localVoterNode(): VoterNode {
    return {
      voterKey: replicaKey(this.options.nodeId!, this.options.nodeDirectoryId),
      listeners: this.options.localListeners,
      supportedKRaftVersion: this.options.localSupportedKRaftVersion ?? { min: 0, max: 1 },
    };
  }

  /** The log's (end offset, last fetched epoch). */
  endOffset(): OffsetAndEpoch {
    return { offset: this.log.endOffset, epoch: this.log.lastFetchedEpoch };
  }

  newCorrelationId(): number {
    return this.#correlationId++;
  }

  wakeup(): void {
    this.onWakeup?.();
  }

  /** Voter `id` as a destination on the quorum listener. @throws Error when its endpoint is unknown. */
  voterNode(id: number): RaftNode {
    const n = this.voters().raftNode(id, this.channel.listenerName);
    if (n === undefined) throw new Error(`Unknown endpoint for voter id ${id} for listener name ${this.channel.listenerName}`);
    return n;
  }

  // ---- commit waits (the controller's purgatory) ----

  /** See KafkaRaftClient.waitForCommit. */
  waitForCommit(epoch: number, offset: bigint): Promise<void> {
    const state = this.quorum.state;
    if (!(state instanceof LeaderState) || state.epoch !== epoch) {
      return Promise.reject(new NotLeaderError(`Node ${this.options.nodeId} is not the leader of epoch ${epoch} (current: ${this.quorum.leaderAndEpoch().leaderId ?? 'none'} in epoch ${this.quorum.epoch})`));
    }
    if (this.listeners.appliedOffset() > offset) return Promise.resolve();
    return new Promise((resolve, reject) => this.#commitWaiters.push({ epoch, offset, resolve, reject }));
  }

  /** The listeners have been handed everything below `appliedOffset`: resolves the waits it covers. */
  completeCommitWaiters(appliedOffset: bigint): void {
    if (this.#commitWaiters.length === 0) return;
    const done = this.#commitWaiters.filter((w) => w.offset < appliedOffset);
    if (done.length === 0) return;
    this.#commitWaiters = this.#commitWaiters.filter((w) => w.offset >= appliedOffset);
    for (const w of done) w.resolve();
  }

  /**
   * Leadership of `epoch` ended with high watermark `highWatermark`: waits at or past it can no longer be
   * committed by us and fail; waits below it are committed and still resolve once applied.
   */
  #failUncommittedWaiters(highWatermark: bigint | null): void {
    const hw = highWatermark ?? -1n;
    const failed = this.#commitWaiters.filter((w) => w.offset >= hw);
    this.#commitWaiters = this.#commitWaiters.filter((w) => w.offset < hw);
    for (const w of failed) w.reject(new NotLeaderError(`Leadership of epoch ${w.epoch} was lost before offset ${w.offset} was committed`));
  }

  /** Fails every wait (the client stopped). */
  failAllCommitWaiters(error: Error): void {
    const all = this.#commitWaiters;
    this.#commitWaiters = [];
    for (const w of all) w.reject(error);
  }

  // ---- the leader's flush ----

  /** Starts an fsync of the leader's log when something is not yet durable and none is running. */
  maybeStartLeaderFlush(state: LeaderState): void {
    if (this.#leaderFlush !== null || this.log.lastFlushedOffset >= this.log.endOffset) return;
    const flush = { epoch: state.epoch, promise: Promise.resolve(), done: false, error: undefined as unknown };
    flush.promise = this.log.flush().then(
      () => {
        flush.done = true;
        this.wakeup();
      },
      (e: unknown) => {
        flush.done = true;
        flush.error = e;
        this.wakeup();
      },
    );
    this.#leaderFlush = flush;
  }

  /**
   * A finished leader flush: the leader's durable end offset moves, maybe the high watermark with it.
   * @throws the flush's error (a failed fsync is fatal: Kafka's log dir failure).
   */
  async maybeCompleteLeaderFlush(state: LeaderState, nowMs: number): Promise<void> {
    const flush = this.#leaderFlush;
    if (flush === null || !flush.done) return;
    this.#leaderFlush = null;
    if (flush.error !== undefined) throw flush.error;
    if (flush.epoch !== state.epoch) return;
    if (state.updateLocalState(this.log.lastFlushedOffset, this.voters())) await this.onUpdateLeaderHighWatermark(state, nowMs);
  }

  async #awaitLeaderFlush(): Promise<void> {
    const flush = this.#leaderFlush;
    this.#leaderFlush = null;
    if (flush !== null) await flush.promise;
    if (flush?.error !== undefined) throw flush.error;
  }

  // ---- high watermark ----

  async onUpdateLeaderHighWatermark(state: LeaderState, nowMs: number): Promise<void> {
    const hw = state.highWatermark();
    if (hw === null) return;
    this.log.updateHighWatermark(hw);
    this.metrics.highWatermark = Number(hw);
    this.appendPurgatory.maybeComplete(hw, nowMs);
    voterChangesOnHighWatermark(this, state, hw);
    // Followers learn the new high watermark from their parked fetches at once.
    this.fetchPurgatory.completeAll(nowMs);
  }

  /** A follower's high watermark from the leader, capped at its own log end. */
  updateFollowerHighWatermark(state: FollowerState, highWatermark: bigint | null): void {
    if (highWatermark === null) return;
    const hw = highWatermark < this.log.endOffset ? highWatermark : this.log.endOffset;
    if (state.updateHighWatermark(hw)) {
      this.log.updateHighWatermark(hw);
      this.metrics.highWatermark = Number(hw);
    }
  }

  // ---- transitions (Kafka's KafkaRaftClient.transitionTo* / onBecome*) ----

  async onBecomeLeader(nowMs: number): Promise<void> {
    const endOffset = this.log.endOffset;
    const epoch = this.quorum.epoch;
    const accumulator = new BatchAccumulator({
      epoch,
      baseOffset: endOffset,
      lingerMs: this.config.appendLingerMs,
      maxBatchSizeBytes: MAX_BATCH_SIZE_BYTES,
      maxNumberOfBatches: MAX_NUMBER_OF_BATCHES,
      nowMs: () => this.nowMs(),
      wallClockMs: () => this.wallClockMs(),
    });
    const state = await this.quorum.transitionToLeader(endOffset, accumulator, nowMs);
    await this.log.initializeLeaderEpoch(epoch);
    // KIP-595: a new leader's first entry is its LeaderChange record; nothing commits before it does.
    const voters = [...state.voterStates().keys()].sort((a, b) => a - b).map((voterId) => ({ voterId }));
    const granting = [...state.grantingVoters].sort((a, b) => a - b).map((voterId) => ({ voterId }));
    accumulator.appendControlBatch([leaderChangeRecord({ version: 0, leaderId: this.options.nodeId!, voters, grantingVoters: granting }), ...this.#startOfEpochVoterRecords()]);
    this.requestManager.resetAll();
    this.metrics.maybeUpdateElectionLatency(nowMs);
    this.logger.info({ epoch, epochStartOffset: String(endOffset), grantingVoters: [...state.grantingVoters] }, 'Became leader');
    this.wakeup();
  }

  /**
   * KIP-853 (Kafka's appendStartOfEpochControlRecords): with kraft.version >= 1 a new leader writes the
   * KRaftVersion and Voters records after its LeaderChange when the voters are only in the bootstrap checkpoint
   * (which is not replicated) or its own entry (endpoints, kraft.version range) is out of date.
   */
  #startOfEpochVoterRecords(): ControlRecord[] {
    const kraftVersion = this.kraftVersion();
    if (kraftVersion < 1) return [];
    const entry = this.partitionState.lastVoterSetEntry();
    if (entry === undefined) throw new Error(`The kraft.version is ${kraftVersion} but there is no voter set in the log or checkpoint`);
    const local = this.localVoterNode();
    if (entry.offset !== -1n && !entry.value.voterNodeNeedsUpdate(local)) return [];
    const updated = entry.value.voterNodeNeedsUpdate(local) ? entry.value.updateVoter(local) : entry.value;
    if (updated === null) throw new Error(`Update expected for leader node ${this.options.nodeId} and voter set ${entry.value}`);
    return [kraftVersionRecord(kraftVersion), votersRecord(updated.toVotersRecord())];
  }

  async maybeTransitionToLeader(state: CandidateState, nowMs: number): Promise<boolean> {
    if (!state.epochElection.isVoteGranted()) return false;
    await this.onBecomeLeader(nowMs);
    return true;
  }

  async maybeTransitionToCandidate(state: ProspectiveState, nowMs: number): Promise<boolean> {
    if (!state.epochElection.isVoteGranted()) return false;
    await this.transitionToCandidate(nowMs);
    return true;
  }

  async maybeTransitionForward(state: ProspectiveState | CandidateState, nowMs: number): Promise<void> {
    if (state instanceof ProspectiveState) await this.maybeTransitionToCandidate(state, nowMs);
    else await this.maybeTransitionToLeader(state, nowMs);
  }

  async onBecomeCandidate(nowMs: number): Promise<void> {
    const state = this.quorum.state;
    if (!(state instanceof CandidateState)) throw new Error(`Expected to be Candidate, but the current state is ${state}`);
    if (!(await this.maybeTransitionToLeader(state, nowMs))) {
      this.requestManager.resetAll();
      this.metrics.updateElectionStartMs(nowMs);
    }
  }

  async transitionToCandidate(nowMs: number): Promise<void> {
    await this.quorum.transitionToCandidate(nowMs);
    this.listeners.maybeFireLeaderChange();
    await this.onBecomeCandidate(nowMs);
  }

  async onBecomeProspective(nowMs: number): Promise<void> {
    const state = this.quorum.state;
    if (!(state instanceof ProspectiveState)) throw new Error(`Expected to be Prospective, but the current state is ${state}`);
    if (!(await this.maybeTransitionToCandidate(state, nowMs))) {
      this.requestManager.resetAll();
      this.metrics.updateElectionStartMs(nowMs);
    }
  }

  async transitionToProspective(nowMs: number): Promise<void> {
    await this.quorum.transitionToProspective(nowMs);
    await this.onBecomeProspective(nowMs);
  }

  async transitionToUnattached(epoch: number, leaderId: number | null, nowMs: number): Promise<void> {
    await this.#leaving(() => this.quorum.transitionToUnattached(epoch, leaderId, nowMs));
    this.listeners.maybeFireLeaderChange();
    this.requestManager.resetAll();
  }

  async transitionToResigned(preferredSuccessors: readonly ReplicaKey[], nowMs: number): Promise<void> {
    this.fetchPurgatory.completeAllExceptionally(Errors.NOT_LEADER_OR_FOLLOWER);
    await this.#leaving(() => this.quorum.transitionToResigned(preferredSuccessors, nowMs));
    this.requestManager.resetAll();
  }

  async transitionToFollower(epoch: number, leaderId: number, endpoints: ReadonlyMap<string, HostAndPort>, nowMs: number): Promise<void> {
    if (endpoints.size === 0) throw new Error(`Unknown leader endpoints after request or response with leader (${leaderId}) and the voters ${this.voters()}`);
    await this.#leaving(() => this.quorum.transitionToFollower(epoch, leaderId, endpoints, nowMs));
    this.listeners.maybeFireLeaderChange();
    this.metrics.maybeUpdateElectionLatency(nowMs);
    this.requestManager.resetAll();
    this.fetchPurgatory.completeAllExceptionally(Errors.NOT_LEADER_OR_FOLLOWER);
    this.appendPurgatory.completeAllExceptionally(Errors.NOT_LEADER_OR_FOLLOWER);
  }

  /** Runs a transition; when it takes us out of leadership, the leader's flush ends first and its waits settle. */
  async #leaving(transition: () => Promise<void>): Promise<void> {
    const previous = this.quorum.state;
    if (!(previous instanceof LeaderState)) return transition();
    await this.#awaitLeaderFlush();
    const hw = previous.highWatermark();
    await transition();
    this.#failUncommittedWaiters(hw);
  }

  /**
   * Follows what a request or response says of the epoch and leader (Kafka's maybeTransition): a higher epoch
   * makes us Follower (leader known) or Unattached; the same epoch with a newly known leader (or more of its
   * endpoints) makes us Follower.
   * @throws Error when it contradicts what we know of the epoch's leader (an invariant break).
   */
  async maybeTransition(leaderId: number | null, epoch: number, endpoints: ReadonlyMap<string, HostAndPort>, nowMs: number): Promise<void> {
    if (!this.#hasConsistentLeader(epoch, leaderId)) {
      throw new Error(`Received request or response with leader ${leaderId} and epoch ${epoch} which is inconsistent with current leader ${this.quorum.leaderId} and epoch ${this.quorum.epoch}`);
    }
    if (epoch > this.quorum.epoch) {
      // A leader without endpoints (named by a replica that does not know them either, and not in our voter set):
      // Unattached with the leader's id, as Kafka's QuorumState.initialize does in that case, until a bootstrap
      // server or the leader's BeginQuorumEpoch tells where it is (Kafka 4.4 throws here).
      if (leaderId !== null && endpoints.size > 0) await this.transitionToFollower(epoch, leaderId, endpoints, nowMs);
      else await this.transitionToUnattached(epoch, leaderId, nowMs);
    } else if (leaderId !== null && endpoints.size > 0 && (!this.quorum.hasLeader || endpoints.size > this.quorum.leaderEndpoints().size)) {
      await this.transitionToFollower(epoch, leaderId, endpoints, nowMs);
    }
  }

  #hasConsistentLeader(epoch: number, leaderId: number | null): boolean {
    if (leaderId !== null && leaderId === this.options.nodeId) return this.quorum.isLeader;
    return epoch !== this.quorum.epoch || leaderId === null || this.quorum.leaderId === null || leaderId === this.quorum.leaderId;
  }

  /**
   * The handling every response shares (Kafka's maybeHandleCommonResponse).
   * @returns true/false when the response was handled (successfully or not), null when the caller goes on.
   */
  async maybeHandleCommonResponse(errorCode: number, responseLeaderId: number | null, epoch: number, endpoints: ReadonlyMap<string, HostAndPort>, source: RaftNode, nowMs: number): Promise<boolean | null> {
    const leaderId = this.#forgetUnknownSelfLeadership(responseLeaderId, epoch, source);
    const leaderEndpoints = endpoints.size === 0 && leaderId !== null ? this.voters().listeners(leaderId) : endpoints;
    if (epoch < this.quorum.epoch || errorCode === Errors.UNKNOWN_LEADER_EPOCH) return true;
    if (epoch > this.quorum.epoch || errorCode === Errors.FENCED_LEADER_EPOCH || errorCode === Errors.NOT_LEADER_OR_FOLLOWER) {
      await this.maybeTransition(leaderId, epoch, leaderEndpoints, nowMs);
      return true;
    }
    // Also Unattached with a known leader id whose endpoints were unknown (it fetches from bootstrap servers): the
    // answer of the leader tells where it is (Kafka 4.4 goes on and fails, expecting to be a Follower).
    const unattachedWithLeader = this.quorum.state instanceof UnattachedState && leaderEndpoints.size > 0;
    if (epoch === this.quorum.epoch && leaderId !== null && (!this.quorum.hasLeader || unattachedWithLeader)) {
      if (leaderEndpoints.size === 0) return true;
      if (!this.#hasConsistentLeader(epoch, leaderId)) throw new Error(`Received a response with leader ${leaderId} and epoch ${epoch} which is inconsistent with current leader ${this.quorum.leaderId} and epoch ${this.quorum.epoch}`);
      await this.transitionToFollower(epoch, leaderId, leaderEndpoints, nowMs);
      return errorCode === Errors.NONE ? null : true;
    }
    if (errorCode === Errors.BROKER_NOT_AVAILABLE) return false;
    if (errorCode === Errors.INVALID_VOTER_KEY) {
      this.logger.info({ source: source.id }, 'Voter key in the VOTE or BEGIN_QUORUM_EPOCH request did not match the receiver\'s replica key');
      return true;
    }
    if (errorCode === Errors.INVALID_REQUEST) throw new Error(`Received unexpected invalid request error from node ${source.id}`);
    return null;
  }

  /**
   * A response that names this node the leader of an epoch it does not remember leading: only a former replica on
   * this node's id can have led it (the disk was lost, and the node was formatted again with a new directory id).
   * The leader is then unknown (Kafka 4.4 throws: its raft thread dies until the other replicas move on).
   */
  #forgetUnknownSelfLeadership(leaderId: number | null, epoch: number, source: RaftNode): number | null {
    if (leaderId === null || leaderId !== this.options.nodeId || this.quorum.isLeader) return leaderId;
    if (epoch < this.quorum.epoch || (epoch === this.quorum.epoch && this.quorum.leaderId === leaderId)) return leaderId;
    this.logger.warn({ epoch, source: source.id }, 'A response names this node the leader of an epoch it did not lead here (a former replica of this node id?): leader unknown');
    return null;
  }

  /** A response whose top-level error is set (Kafka's handleTopLevelError). @returns false: the destination backs off. */
  handleTopLevelError(errorCode: number, apiKey: RaftApiKey, source: RaftNode): boolean {
    if (errorCode !== Errors.BROKER_NOT_AVAILABLE) this.logger.warn({ errorCode, apiKey, source: source.id }, 'Error in response');
    return false;
  }

  /** A response with an error no rule covers (Kafka's handleUnexpectedError). */
  handleUnexpectedError(errorCode: number, apiKey: RaftApiKey, source: RaftNode): boolean {
    this.logger.error({ errorCode, apiKey, source: source.id }, 'Unexpected error in response');
    return false;
  }

  /** Kafka's validateVoterOnlyRequest: FENCED_LEADER_EPOCH for an old epoch, INVALID_REQUEST for a bad id. */
  validateVoterOnlyRequest(remoteNodeId: number, requestEpoch: number): number | null {
    if (requestEpoch < this.quorum.epoch) return Errors.FENCED_LEADER_EPOCH;
    if (remoteNodeId < 0) return Errors.INVALID_REQUEST;
    return null;
  }

  /**
   * Kafka's validateLeaderOnlyRequest: FENCED_LEADER_EPOCH (older epoch), UNKNOWN_LEADER_EPOCH (newer),
   * NOT_LEADER_OR_FOLLOWER (not leader), BROKER_NOT_AVAILABLE (shutting down).
   */
  validateLeaderOnlyRequest(requestEpoch: number): number | null {
    if (requestEpoch < this.quorum.epoch) return Errors.FENCED_LEADER_EPOCH;
    if (requestEpoch > this.quorum.epoch) return Errors.UNKNOWN_LEADER_EPOCH;
    if (!this.quorum.isLeader) return Errors.NOT_LEADER_OR_FOLLOWER;
    if (this.shutdown !== null) return Errors.BROKER_NOT_AVAILABLE;
    return null;
  }

  /** A request's cluster id matches ours (null: an old client that sent none). */
  hasValidClusterId(clusterId: string | null): boolean {
    return clusterId === null || clusterId === this.clusterId;
  }

  /** A voter key sent to us names us: our id, and our directory id when it has one. */
  isValidVoterKey(key: ReplicaKey | null): boolean {
    if (key === null) return true;
    if (key.id !== this.options.nodeId) return false;
    return key.directoryId === null || key.directoryId === this.options.nodeDirectoryId;
  }

  /** Updates the gauges of {@link KafkaRaftMetrics} from the current state. */
  updateStateMetrics(): void {
    const m = this.metrics;
    const s = this.quorum.state;
    const leaderAndEpoch = s.leaderAndEpoch();
    m.currentEpoch = s.epoch;
    m.currentLeader = leaderAndEpoch.leaderId ?? -1;
    m.currentVote = s.election().votedKey?.id ?? -1;
    m.logEndOffset = Number(this.log.endOffset);
    m.logEndEpoch = this.log.lastFetchedEpoch;
    m.numberOfVoters = this.voters().size;
    m.numberOfObservers = s instanceof LeaderState ? s.observerStates(this.nowMs()).length : 0;
    const change = s instanceof LeaderState ? s.changeVoterState : null;
    m.uncommittedVoterChange = change !== null && (change.addVoterHandlerState !== null || change.removeVoterHandlerState !== null) ? 1 : 0;
    const hw = s.highWatermark();
    m.highWatermark = hw === null ? -1 : Number(hw);
    const voted = s.election().votedKey !== null;
    m.currentState = s.name === 'Leader' ? 'leader'
      : s.name === 'Candidate' ? 'candidate'
        : s.name === 'Prospective' ? (voted ? 'prospective-voted' : 'prospective')
          : s.name === 'Follower' ? (this.quorum.isObserver ? 'observer' : 'follower')
            : s.name === 'Resigned' ? 'resigned'
              : voted ? 'unattached-voted' : 'unattached';
  }
}
