import type { Logger } from '../observability/logger.ts';
import type { LeaderAndEpoch } from '../raft/leader-and-epoch.ts';
import { NotLeaderError } from '../raft/not-leader-error.ts';
import { ApiError } from '../common/api-error.ts';
import type { Random } from '../common/random.ts';
import type { Time } from '../common/time.ts';
import { Errors } from '../protocol/generated/errors.ts';
import { ConfigResourceType, type MetadataImage } from '../metadata/metadata-image.ts';
import { encodeMetadataRecord, type MetadataRecordInput } from '../metadata/metadata-record-serde.ts';
import { ELR_VERSION_FEATURE, KRAFT_VERSION_FEATURE, METADATA_VERSION_FEATURE, MetadataVersion } from '../metadata/metadata-version.ts';
import { BootstrapMetadata } from './bootstrap-metadata.ts';
import {
  ReplicationControlManager,
  type PartitionChangeQuota,
  type ReplicationControlOptions,
  type TopicCreation,
  type TopicCreationResult,
} from './replication-control-manager.ts';
import {
  ConfigControlManager,
  type ConfigAlteration,
  type ConfigAlterationResult,
  type ConfigControlOptions,
} from './config-control-manager.ts';
import { ClusterControlManager, type BrokerRegistrationInput, type ControllerRegistrationInput } from './cluster-control-manager.ts';
import { BrokerStateHandlers, MAX_ELECTIONS_PER_IMBALANCE, type BrokerHeartbeatInput, type BrokerHeartbeatReply } from './broker-state-handlers.ts';
import { PeriodicTaskControlManager } from './periodic-task-control-manager.ts';
import { alterPartition } from './alter-partition.ts';
import { electLeaders, maybeBalancePartitionLeaders } from './elect-leaders.ts';
import { alterPartitionReassignments, listPartitionReassignments } from './reassignment.ts';
import type { AlterPartitionReassignmentsRequest } from '../protocol/generated/messages/alter-partition-reassignments-request.ts';
import type { AlterPartitionReassignmentsResponse } from '../protocol/generated/messages/alter-partition-reassignments-response.ts';
import type { ListPartitionReassignmentsRequest } from '../protocol/generated/messages/list-partition-reassignments-request.ts';
import type { ListPartitionReassignmentsResponse } from '../protocol/generated/messages/list-partition-reassignments-response.ts';
import type { ElectLeadersRequest } from '../protocol/generated/messages/elect-leaders-request.ts';
import type { ElectLeadersResponse } from '../protocol/generated/messages/elect-leaders-response.ts';
import type { AlterPartitionRequest } from '../protocol/generated/messages/alter-partition-request.ts';
import type { AlterPartitionResponse } from '../protocol/generated/messages/alter-partition-response.ts';
import type { Input } from '../protocol/message-input.ts';
import { StripedReplicaPlacer } from './striped-replica-placer.ts';
import { ClientQuotaControlManager, type ClientQuotaAlteration, type ClientQuotaAlterationResult } from './client-quota-control-manager.ts';
import { AclControlManager, type AclCreationResult, type AclDeletionResult } from './acl-control-manager.ts';
import { ScramControlManager, type ScramAlterationResult } from './scram-control-manager.ts';
import type { AlterUserScramCredentialsRequest } from '../protocol/generated/messages/alter-user-scram-credentials-request.ts';
import type { AclBinding, AclBindingFilter } from '../security/authorizer/acl-binding-filter.ts';

/**
 * metadata.version this controller writes at bootstrap: 4.1-IV0 (feature level 26), the first release whose new
 * clusters have KIP-966 eligible leader replicas on (see bootstrapElrVersion). What the levels from 3.9-IV0
 * to it add in Kafka: PartitionRecord/PartitionChangeRecord v2 (ELR fields) at 4.0-IV1, and the ELR feature.
 */
export const METADATA_VERSION_LEVEL = MetadataVersion.IBP_4_1_IV0;

/** Size of the producer id blocks handed to brokers (Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE). */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/** Most records of one batch when an operation's records may be split (Kafka's DEFAULT_MAX_RECORDS_PER_BATCH). */
export const MAX_RECORDS_PER_BATCH = 10_000;

/** Kafka's QuorumController.maybeFenceStaleBrokerPeriodNs: the session check runs 8 times per session timeout. */
export function maybeFenceStaleBrokerPeriodMs(sessionTimeoutMs: number): number {
  return Math.max(1, Math.floor(sessionTimeoutMs / 8));
}

/** The part of the raft client the controller uses (KafkaRaftClient; a fake in simulations). */
export interface ControllerRaftClient {
  /** Appends records as one batch in `epoch`. @returns the last record's offset. @throws NotLeaderError */
  scheduleAppend(epoch: number, records: readonly Buffer[]): bigint;
  /** Resolves once `offset` is committed and applied by the listeners. @throws NotLeaderError */
  waitForCommit(epoch: number, offset: bigint): Promise<void>;
  /** The offset the next appended record gets while nothing is pending (the leader's log end offset). */
  readonly logEndOffset: bigint;
  /** kraft.version, finalized by the raft layer (0 static quorum, 1 KIP-853). */
  latestVoters(): { readonly kraftVersion: number };
}

export interface QuorumControllerOptions extends ReplicationControlOptions, ConfigControlOptions {
  raft: ControllerRaftClient;
  clusterId: string;
  time: Time;
  /** Replica placement's randomness. */
  random: Random;
  /** broker.session.timeout.ms. */
  sessionTimeoutMs: number;
  /** unclean.leader.election.interval.ms: how often leaderless partitions are offered an unclean election. */
  uncleanLeaderElectionIntervalMs: number;
  /**
   * leader.imbalance.check.interval.seconds in ms when auto.leader.rebalance.enable holds, else null: how often
   * partitions get their preferred leader back.
   */
  leaderImbalanceCheckIntervalMs: number | null;
  /** The static unclean.leader.election.enable (topic and dynamic broker configs override it). */
  uncleanLeaderElectionEnable: boolean;
  /** The static min.insync.replicas, written cluster-wide at bootstrap when ELR is on (default 1). */
  minInsyncReplicas?: number;
  /** The metadata.version a new cluster gets (default {@link METADATA_VERSION_LEVEL}; tests pick older ones). */
  bootstrapMetadataVersion?: number;
  /**
   * The bootstrap records `kafka-broker format` wrote into the bootstrap checkpoint (BootstrapMetadata.read); when
   * absent, {@link BootstrapMetadata.fromVersions} of bootstrapMetadataVersion.
   */
  bootstrapMetadata?: BootstrapMetadata;
  /** The newest committed image (the MetadataLoader's). */
  image(): MetadataImage;
  /**
   * The leader the metadata loader was told of last (its `leader`), or null: the raft client announces its own
   * leadership to its listeners only once they have replayed the log up to its epoch's LeaderChange record, so
   * when this names this node, `image()` holds every record committed before the epoch.
   */
  leader(): LeaderAndEpoch | null;
  logger: Logger;
}

/** NOT_CONTROLLER (41): the request must go to the active controller, which this node is not (or no longer). */
export class NotControllerError extends ApiError {
  constructor(message: string) {
    super(Errors.NOT_CONTROLLER, message);
    this.name = 'NotControllerError';
  }
}

/**
 * The KRaft controller, after Kafka's `QuorumController`: every operation runs in order on one queue, reads the
 * committed image, produces metadata records and appends them to the Raft log (as one batch unless an operation
 * may be split), and answers once they are committed and applied. Validate-only operations append nothing.
 *
 * Only the active controller (the raft leader, once its listeners have caught up with its epoch) runs operations;
 * on any other node, or when leadership is lost before an operation's records commit, the operation fails with
 * NOT_CONTROLLER (41), which clients and brokers retry against the new active controller. Because an operation
 * waits for its records to be committed and applied before the next one starts, each reads an image that holds
 * every earlier write (Kafka gets the same from applying records as it writes them and reverting on leadership
 * loss).
 *
 * Becoming active ({@link handleLeaderChange}) builds the soft state of broker membership (sessions, see
 * {@link ClusterControlManager}) and starts the periodic tasks (the stale broker check every
 * broker.session.timeout.ms / 8, unclean leader elections, preferred leader elections with
 * auto.leader.rebalance.enable); losing it drops both. The tasks are poll-driven:
 * {@link poll} runs those that are due on the injected Time and {@link nextPollDeadlineMs} says when to call it.
 */
export class QuorumController {
  readonly #options: QuorumControllerOptions;
  readonly #replication: ReplicationControlManager;
  readonly #configs: ConfigControlManager;
  readonly #cluster: ClusterControlManager;
  readonly #brokers: BrokerStateHandlers;
  readonly #periodic: PeriodicTaskControlManager;
  readonly #acls = new AclControlManager();
  readonly #clientQuotas = new ClientQuotaControlManager();
  readonly #scram = new ScramControlManager();
  #queue: Promise<unknown> = Promise.resolve();
  /** The epoch the soft state was built for, or null while inactive. */
  #activatedEpoch: number | null = null;

  constructor(options: QuorumControllerOptions) {
    this.#options = options;
    this.#replication = new ReplicationControlManager(options, new StripedReplicaPlacer(options.random));
    this.#configs = new ConfigControlManager(options);
    this.#cluster = new ClusterControlManager({ clusterId: options.clusterId, time: options.time, sessionTimeoutMs: options.sessionTimeoutMs, logger: options.logger });
    this.#brokers = new BrokerStateHandlers({
      cluster: this.#cluster,
      uncleanLeaderElectionEnabled: (image, topic) => this.#configs.uncleanLeaderElectionEnabled(image, topic, options.uncleanLeaderElectionEnable),
      logger: options.logger,
    });
    this.#periodic = new PeriodicTaskControlManager(options.time, options.logger);
    this.#periodic.registerTask({
      name: 'maybeFenceStaleBroker',
      periodMs: maybeFenceStaleBrokerPeriodMs(options.sessionTimeoutMs),
      run: () => this.#runPeriodic((image) => { const r = this.#brokers.maybeFenceOneStaleBroker(image); return { records: r.records, more: r.found }; }),
    });
    this.#periodic.registerTask({
      name: 'electUnclean',
      periodMs: options.uncleanLeaderElectionIntervalMs,
      run: () => this.#runPeriodic((image) => this.#brokers.maybeElectUncleanLeaders(image)),
    });
    if (options.leaderImbalanceCheckIntervalMs !== null) {
      this.#periodic.registerTask({
        name: 'electPreferred',
        periodMs: options.leaderImbalanceCheckIntervalMs,
        run: () => this.#runPeriodic((image) => maybeBalancePartitionLeaders(image, MAX_ELECTIONS_PER_IMBALANCE)),
      });
    }
  }

  /** The epoch this node is the active controller of. @throws NotControllerError when it is not active. */
  activeEpoch(): number {
    const leader = this.#options.leader();
    if (leader === null || leader.leaderId !== this.#options.nodeId) {
      throw new NotControllerError(`node ${this.#options.nodeId} is not the active controller${leader?.leaderId == null ? '' : ` (node ${leader.leaderId} is, in epoch ${leader.epoch})`}`);
    }
    this.#ensureActivated(leader.epoch);
    return leader.epoch;
  }

  /** Whether this node is the active controller now. */
  get isActive(): boolean {
    const leader = this.#options.leader();
    return leader !== null && leader.leaderId === this.#options.nodeId;
  }

  /**
   * The metadata loader's leader announcement: this node becomes the active controller (soft state built from the
   * image, periodic tasks started) or stops being it (both dropped).
   */
  handleLeaderChange(leader: LeaderAndEpoch): void {
    if (leader.leaderId === this.#options.nodeId) this.#ensureActivated(leader.epoch);
    else this.#deactivate();
  }

  #ensureActivated(epoch: number): void {
    if (this.#activatedEpoch === epoch) return;
    this.#deactivate();
    this.#cluster.activate(this.#options.image());
    this.#periodic.activate();
    this.#activatedEpoch = epoch;
    this.#options.logger.info({ epoch, brokers: this.#options.image().brokers.size }, 'Activated the controller: every unfenced broker has a new session');
  }

  #deactivate(): void {
    if (this.#activatedEpoch === null) return;
    this.#options.logger.info({ epoch: this.#activatedEpoch }, 'Deactivated the controller: broker sessions dropped');
    this.#activatedEpoch = null;
    this.#cluster.deactivate();
    this.#periodic.deactivate();
  }

  /** Starts the periodic tasks that are due (the server calls it at {@link nextPollDeadlineMs}). */
  poll(): void {
    this.#periodic.poll();
  }

  /** Monotonic ms (the Time's hiResClockMs) at which {@link poll} must run next; Infinity while inactive. */
  get nextPollDeadlineMs(): number {
    return this.#periodic.nextDeadlineMs();
  }

  /** `callback` runs whenever {@link nextPollDeadlineMs} may have moved earlier. */
  onWakeup(callback: () => void): void {
    this.#periodic.onReschedule(callback);
  }

  /**
   * Runs `op` after the operations before it, on the active controller only, with the epoch it runs in.
   * @throws NotControllerError when this node is not the active controller or loses leadership during `op`.
   */
  #enqueue<T>(op: (epoch: number) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const epoch = this.activeEpoch();
      try {
        return await op(epoch);
      } catch (e) {
        if (e instanceof NotLeaderError) throw new NotControllerError(e.message);
        throw e;
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Appends `records` in `epoch` (one batch when `atomic`, else batches of at most {@link MAX_RECORDS_PER_BATCH})
   * and applies the membership records to the soft state, as Kafka replays them at append time.
   * @returns the offset of the last record, or the last offset written so far when there are none.
   * @throws NotLeaderError when this node is not (or stops being) the leader of `epoch`.
   */
  #append(epoch: number, before: MetadataImage, records: MetadataRecordInput[], atomic: boolean): bigint {
    const raft = this.#options.raft;
    if (records.length === 0) return raft.logEndOffset - 1n;
    let last = -1n;
    const size = atomic ? records.length : MAX_RECORDS_PER_BATCH;
    for (let i = 0; i < records.length; i += size) {
      const chunk = records.slice(i, i + size);
      last = raft.scheduleAppend(epoch, chunk.map(encodeMetadataRecord));
      const base = last - BigInt(chunk.length) + 1n;
      chunk.forEach((r, j) => this.#cluster.replay(r, base + BigInt(j), before));
    }
    return last;
  }

  /** Appends and waits until the records are committed and applied (see {@link #append}). */
  async #commit(epoch: number, before: MetadataImage, records: MetadataRecordInput[], atomic = true): Promise<void> {
    if (records.length === 0) return;
    await this.#options.raft.waitForCommit(epoch, this.#append(epoch, before, records, atomic));
  }

  #run<T>(compute: (image: MetadataImage) => { records: MetadataRecordInput[]; results: T[] }, validateOnly: boolean): Promise<T[]> {
    return this.#enqueue(async (epoch) => {
      const image = this.#options.image();
      const { records, results } = compute(image);
      if (!validateOnly) await this.#commit(epoch, image, records);
      return results;
    });
  }

  #runPeriodic(compute: (image: MetadataImage) => { records: MetadataRecordInput[]; more: boolean }): Promise<boolean> {
    return this.#enqueue(async (epoch) => {
      const image = this.#options.image();
      const { records, more } = compute(image);
      await this.#commit(epoch, image, records, false);
      return more;
    });
  }

  /**
   * Writes the bootstrap records into an empty metadata log, on the active controller (Kafka's
   * ActivationRecordsGenerator): those of the bootstrap checkpoint written by format (metadata.version, the feature
   * levels, --add-scram's credentials) or else the default ones of bootstrapMetadataVersion; with
   * eligible.leader.replicas.version 1 (KIP-966) also the cluster-wide min.insync.replicas (this node's static
   * value), which ELR clusters keep cluster-wide. One atomic batch.
   */
  bootstrap(): Promise<void> {
    return this.#enqueue(async (epoch) => {
      const image = this.#options.image();
      if (image.features.has(METADATA_VERSION_FEATURE)) return;
      const bootstrap = this.#options.bootstrapMetadata ?? BootstrapMetadata.fromVersions(this.#options.bootstrapMetadataVersion ?? METADATA_VERSION_LEVEL, 'the default bootstrap');
      const records: MetadataRecordInput[] = [...bootstrap.records];
      if (bootstrap.featureLevel(ELR_VERSION_FEATURE) > 0) {
        records.push({ type: 'ConfigRecord', version: 0, data: { resourceType: ConfigResourceType.BROKER, resourceName: '', name: 'min.insync.replicas', value: String(this.#options.minInsyncReplicas ?? 1) } });
      }
      this.#options.logger.info({ source: bootstrap.source, records: records.length }, 'Writing the bootstrap records');
      await this.#commit(epoch, image, records);
    });
  }

  /** CreateTopics; `quota` is the request's partition change quota (KIP-599), applied per valid topic. */
  createTopics(topics: TopicCreation[], validateOnly: boolean, quota?: PartitionChangeQuota): Promise<TopicCreationResult[]> {
    return this.#run((image) => this.#replication.createTopics(image, topics, this.#cluster.usableBrokers(image), quota), validateOnly);
  }

  /** DeleteTopics; `quota` as for {@link createTopics}, with each topic's partition count. */
  deleteTopics(topics: { name: string | null; topicId: string | null }[], quota?: PartitionChangeQuota) {
    return this.#run((image) => this.#replication.deleteTopics(image, topics, quota), false);
  }

  /** CreatePartitions; `quota` as for {@link createTopics}, with the partitions added. */
  createPartitions(requests: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[], validateOnly: boolean, quota?: PartitionChangeQuota) {
    return this.#run((image) => this.#replication.createPartitions(image, requests, this.#cluster.usableBrokers(image), quota), validateOnly);
  }

  incrementalAlterConfigs(resources: ConfigAlteration[], validateOnly: boolean): Promise<ConfigAlterationResult[]> {
    return this.#run((image) => this.#configs.incrementalAlterConfigs(image, resources), validateOnly);
  }

  legacyAlterConfigs(
    resources: { resourceType: number; resourceName: string; configs: { name: string; value: string | null }[] }[],
    validateOnly: boolean,
  ): Promise<ConfigAlterationResult[]> {
    return this.#run((image) => this.#configs.legacyAlterConfigs(image, resources), validateOnly);
  }

  /**
   * CreateAcls (see {@link AclControlManager.createAcls}): one result per binding, in order; the new ACLs are
   * committed (one batch) before the answer.
   * @throws NotControllerError
   */
  createAcls(acls: readonly AclBinding[]): Promise<AclCreationResult[]> {
    return this.#run((image) => this.#acls.createAcls(image, acls), false);
  }

  /**
   * DeleteAcls (see {@link AclControlManager.deleteAcls}): one result per filter with the ACLs it matched; the
   * removals are committed (one batch) before the answer.
   * @throws NotControllerError; ApiError INVALID_REQUEST (42) past 10,000 removals.
   */
  deleteAcls(filters: readonly AclBindingFilter[]): Promise<AclDeletionResult[]> {
    return this.#run((image) => this.#acls.deleteAcls(image, filters), false);
  }

  /**
   * AlterClientQuotas (see {@link ClientQuotaControlManager.alterClientQuotas}): one result per entry, in order; the
   * valid entries' ClientQuotaRecords are committed (one batch) before the answer, none with `validateOnly`.
   * @throws NotControllerError
   */
  alterClientQuotas(alterations: readonly ClientQuotaAlteration[], validateOnly: boolean): Promise<ClientQuotaAlterationResult[]> {
    return this.#run((image) => this.#clientQuotas.alterClientQuotas(image, alterations), validateOnly);
  }

  /**
   * AlterUserScramCredentials (see {@link ScramControlManager.alterCredentials}): one result per user; the records
   * are committed (one batch) before the answer.
   * @throws NotControllerError
   */
  alterUserScramCredentials(request: Pick<AlterUserScramCredentialsRequest, 'deletions' | 'upsertions'>): Promise<ScramAlterationResult[]> {
    return this.#run((image) => this.#scram.alterCredentials(image, request), false);
  }

  /**
   * BrokerRegistration (see {@link ClusterControlManager.registerBroker} for the rules and errors). A new
   * incarnation's broker epoch is the offset of its RegisterBrokerRecord, and it starts fenced: its heartbeats
   * unfence it once it has applied that record.
   * @param apiVersion the request's version (v3+ carries previousBrokerEpoch, KIP-1033).
   * @returns the broker epoch.
   */
  registerBroker(request: BrokerRegistrationInput, apiVersion: number): Promise<bigint> {
    return this.#enqueue(async (epoch) => {
      const image = this.#options.image();
      const raft = this.#options.raft;
      const finalized = new Map(image.features);
      finalized.set(KRAFT_VERSION_FEATURE, raft.latestVoters().kraftVersion);
      const nextOffset = raft.logEndOffset;
      const { records, brokerEpoch } = this.#cluster.registerBroker(image, request, nextOffset, finalized, apiVersion >= 3, (img, id, clean, out) =>
        this.#brokers.handleBrokerShutdown(img, id, clean, out),
      );
      const last = this.#append(epoch, image, records, false);
      const registeredAt = this.#cluster.registerBrokerRecordOffset(request.brokerId);
      if (brokerEpoch === nextOffset && registeredAt !== nextOffset) {
        // Something else was appended in between (the raft layer's own control records): the epoch stays unique
        // and growing, only no longer equal to the record's offset, which unfencing reads from the append.
        this.#options.logger.warn({ brokerId: request.brokerId, brokerEpoch: String(brokerEpoch), offset: String(registeredAt) }, 'The broker epoch is not the offset of its registration record');
      }
      await this.#options.raft.waitForCommit(epoch, last);
      return brokerEpoch;
    });
  }

  /**
   * BrokerHeartbeat (Kafka's processBrokerHeartbeat): the contact is recorded at once (so a busy queue does not
   * expire the session), then the heartbeat's state transition runs in order with the other operations.
   * @param deadlineMs monotonic ms after which a heartbeat still waiting in the queue is only recorded and
   *   answered REQUEST_TIMED_OUT (7), as Kafka's (broker.heartbeat.interval.ms / 2 after its arrival).
   * @throws NotControllerError; ApiError STALE_BROKER_EPOCH (77) for an unknown broker or another epoch,
   *   REQUEST_TIMED_OUT (7).
   */
  processBrokerHeartbeat(request: BrokerHeartbeatInput, deadlineMs: number): Promise<BrokerHeartbeatReply> {
    try {
      this.activeEpoch();
    } catch (e) {
      return Promise.reject(e);
    }
    this.#cluster.trackBrokerHeartbeat(request.brokerId, request.brokerEpoch);
    return this.#enqueue(async (epoch) => {
      const image = this.#options.image();
      if (this.#options.time.hiResClockMs() > deadlineMs) {
        this.#brokers.processExpiredBrokerHeartbeat(image, request);
        throw new ApiError(Errors.REQUEST_TIMED_OUT, 'The heartbeat waited in the controller queue past its deadline');
      }
      const registerBrokerRecordOffset = this.#cluster.registerBrokerRecordOffset(request.brokerId);
      if (registerBrokerRecordOffset === null) throw new ApiError(Errors.STALE_BROKER_EPOCH, `Receive a heartbeat from broker ${request.brokerId} before registration`);
      const { records, reply } = this.#brokers.processBrokerHeartbeat(image, request, registerBrokerRecordOffset);
      const last = this.#append(epoch, image, records, false);
      // The broker may leave once every active broker has seen the batch that moved its leaderships.
      if (reply.inControlledShutdown) this.#cluster.heartbeatManager.maybeUpdateControlledShutdownOffset(request.brokerId, last);
      if (records.length > 0) await this.#options.raft.waitForCommit(epoch, last);
      return reply;
    });
  }

  /**
   * AlterPartition (KIP-497, KIP-841, KIP-903; see {@link alterPartition} for the per-partition checks and
   * errors): a leader's new ISR, committed as PartitionChangeRecords before the answer, which carries the state
   * they leave. A request without topics is answered at once, as Kafka's.
   * @param apiVersion the request's version (0-3).
   * @throws NotControllerError; ApiError STALE_BROKER_EPOCH (77) unless the sender is registered with its epoch.
   */
  alterPartition(request: AlterPartitionRequest, apiVersion: number): Promise<Input<AlterPartitionResponse>> {
    if (request.topics.length === 0) return Promise.resolve({ throttleTimeMs: 0, errorCode: Errors.NONE, topics: [] });
    return this.#enqueue(async (epoch) => {
      const image = this.#options.image();
      this.#cluster.checkBrokerEpoch(image, request.brokerId, request.brokerEpoch);
      const { records, response } = alterPartition(image, request, apiVersion, {
        uncleanLeaderElectionEnabled: (img, topic) => this.#configs.uncleanLeaderElectionEnabled(img, topic, this.#options.uncleanLeaderElectionEnable),
        logger: this.#options.logger,
      });
      await this.#commit(epoch, image, records);
      return response;
    });
  }

  /**
   * ElectLeaders (see {@link electLeaders} for the outcomes): the elections' PartitionChangeRecords are committed
   * (in batches: one request may cover every partition) before the answer. A request naming no partitions is
   * answered at once, as Kafka's.
   * @throws NotControllerError; ApiError INVALID_REQUEST (42) for an unknown election type, POLICY_VIOLATION (44)
   *   for more than 10,000 elections.
   */
  electLeaders(request: ElectLeadersRequest): Promise<Input<ElectLeadersResponse>> {
    if (request.topicPartitions !== null && request.topicPartitions.length === 0) return Promise.resolve({ throttleTimeMs: 0, errorCode: Errors.NONE, replicaElectionResults: [] });
    return this.#enqueue(async (epoch) => {
      const image = this.#options.image();
      const { records, response } = electLeaders(image, request, this.#options.logger);
      await this.#commit(epoch, image, records, false);
      return response;
    });
  }

  /**
   * AlterPartitionReassignments (KIP-455; see {@link alterPartitionReassignments} for the outcomes): the request's
   * PartitionChangeRecords are committed atomically before the answer. The adding replicas then catch up; the
   * leader's AlterPartition that brings the last one into the ISR completes the reassignment.
   * @throws NotControllerError.
   */
  alterPartitionReassignments(request: AlterPartitionReassignmentsRequest): Promise<Input<AlterPartitionReassignmentsResponse>> {
    return this.#enqueue(async (epoch) => {
      const image = this.#options.image();
      const { records, response } = alterPartitionReassignments(image, request, {
        uncleanLeaderElectionEnabled: (img, topic) => this.#configs.uncleanLeaderElectionEnabled(img, topic, this.#options.uncleanLeaderElectionEnable),
        logger: this.#options.logger,
      });
      await this.#commit(epoch, image, records);
      return response;
    });
  }

  /**
   * ListPartitionReassignments (KIP-455): the running reassignments in the committed image, read in order with the
   * writes. @throws NotControllerError.
   */
  listPartitionReassignments(request: ListPartitionReassignmentsRequest): Promise<Input<ListPartitionReassignmentsResponse>> {
    return this.#enqueue(async () => listPartitionReassignments(this.#options.image(), request));
  }

  /** ControllerRegistration (KIP-919): a RegisterControllerRecord. @throws NotControllerError; ApiError UNSUPPORTED_VERSION (35). */
  registerController(request: ControllerRegistrationInput): Promise<void> {
    return this.#enqueue(async (epoch) => {
      const image = this.#options.image();
      await this.#commit(epoch, image, this.#cluster.registerController(image, request));
      this.#options.logger.info({ controllerId: request.controllerId, incarnationId: request.incarnationId }, 'Registered controller');
    });
  }

  /**
   * UnregisterBroker (KIP-631): the broker leaves the ISRs it is in and its registration is removed.
   * @throws NotControllerError; ApiError BROKER_ID_NOT_REGISTERED (102).
   */
  unregisterBroker(brokerId: number): Promise<void> {
    return this.#enqueue(async (epoch) => {
      const image = this.#options.image();
      await this.#commit(epoch, image, this.#brokers.unregisterBroker(image, brokerId), false);
    });
  }

  /**
   * Hands out the next block of producer ids (AllocateProducerIds / KIP-730): ids
   * [start, start + PRODUCER_ID_BLOCK_SIZE) are reserved by a committed ProducerIdsRecord, so they never repeat
   * across restarts or nodes.
   * @throws ApiError STALE_BROKER_EPOCH (77) unless the broker is registered with `brokerEpoch`.
   */
  allocateProducerIds(brokerId: number, brokerEpoch: bigint): Promise<{ start: bigint; length: number }> {
    return this.#enqueue(async (epoch) => {
      const image = this.#options.image();
      this.#cluster.checkBrokerEpoch(image, brokerId, brokerEpoch);
      const start = image.nextProducerId;
      const next = start + BigInt(PRODUCER_ID_BLOCK_SIZE);
      await this.#commit(epoch, image, [{ type: 'ProducerIdsRecord', version: 0, data: { brokerId, brokerEpoch, nextProducerId: next } }]);
      return { start, length: PRODUCER_ID_BLOCK_SIZE };
    });
  }
}
