import type { Logger } from '../observability/logger.ts';
import type { Time } from '../common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../common/topic-partition.ts';
import { ApiError } from '../common/api-error.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { ExternalRecords, RecordsData } from '../protocol/writer.ts';
import type { MetadataChanges } from '../metadata/metadata-delta.ts';
import { EMPTY_IMAGE, type MetadataImage, type PartitionRegistration, type TopicImage } from '../metadata/metadata-image.ts';
import type { MetadataPublisher } from '../metadata/metadata-loader.ts';
import { KafkaStorageError } from '../storage/errors.ts';
import type { LogConfig } from '../storage/log-config.ts';
import type { UnifiedLog } from '../storage/unified-log.ts';
import { RecordBatch } from '../protocol/records/record-batch.ts';
import { Partition, type AlterPartitionSubmitter, type DivergingEpoch, type IsrChangeListener, type PartitionContext } from './partition.ts';
import type { PartitionLog, PartitionLogManager } from './partition-log.ts';
import { DelayedOperationPurgatory } from './delayed-operation-purgatory.ts';
import { deleteStrayLogs } from './delete-stray-logs.ts';
import type { ReplicaQuota } from './replication-quota-manager.ts';
import { ReplicaFetcherManager } from './replica-fetcher-manager.ts';
import { ReplicaFetcherThread, type InitialFetchState, type ReplicaFetcherConfig } from './replica-fetcher-thread.ts';
import type { BrokerEndPoint, LeaderEndPoint } from './leader-end-point.ts';
import { findPreferredReadReplica } from './preferred-read-replica.ts';
import type { ClientMetadata, ReplicaSelector } from './replica-selector.ts';
import { BACKGROUND_TIMER, SYSTEM_TIMER, type Timer } from './timer.ts';

/** Outcome of one partition of a produce request (ProduceResponse.PartitionProduceResponse). */
export interface ProducePartitionResult {
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordErrors: { batchIndex: number; batchIndexErrorMessage: string | null }[];
}

/** One partition to read (FetchRequest.FetchPartition, resolved to a name). */
export interface FetchPartitionRequest {
  topicPartition: TopicPartition;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** Follower fetches (v12+): the epoch of the follower's last batch, -1 when unknown. */
  lastFetchedEpoch?: number;
  /** Follower fetches: the follower's log start offset, -1n when unknown. */
  logStartOffset?: bigint;
}

/** One partition of a fetch result (FetchResponse.PartitionData without the index). */
export interface FetchPartitionResult {
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  /** File slices of the log (or converted bytes for old fetch versions), or null when nothing was read. */
  records: RecordsData | null;
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
  /** A follower's log diverges from this leader's at its last fetched epoch (KIP-320): truncate to here. */
  divergingEpoch?: DivergingEpoch;
  /** KIP-392: the replica the consumer should fetch this partition from; no records are read then. */
  preferredReadReplica?: number;
}

export interface FetchParams {
  /** -1 for consumers; a broker id for follower fetches. */
  replicaId: number;
  /** The follower's broker epoch (Fetch v15+ ReplicaState), -1n when not sent. */
  replicaEpoch?: bigint;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  /** 0 READ_UNCOMMITTED, 1 READ_COMMITTED. */
  isolationLevel: number;
  partitions: FetchPartitionRequest[];
  /**
   * A consumer's Fetch v11+ (Kafka's ClientMetadata): it may read from a follower and be sent to a preferred read
   * replica (KIP-392). Absent or null (older consumers, followers): only the leader serves the fetch.
   */
  clientMetadata?: ClientMetadata | null;
}

/** Validates and prepares one partition's produce payload for the log (LogValidator). */
export type ProduceValidator = (
  records: Buffer | null,
  topicPartition: TopicPartition,
  produceVersion: number,
) => Promise<{ batches: Buffer; recordCount: number }>;

/**
 * KIP-890 part 1: asks the transaction coordinator whether `tp` is in the ongoing transaction of
 * `transactionalId` with this producer id and epoch. Resolves with an error code already mapped for the produce
 * response (NONE, INVALID_TXN_STATE, INVALID_PRODUCER_EPOCH, NOT_ENOUGH_REPLICAS for retriable coordinator
 * states, TRANSACTION_ABORTABLE when `supportsTransactionAbortable`); never rejects.
 */
export type TransactionVerifier = (transactionalId: string, producerId: bigint, producerEpoch: number, tp: TopicPartition, supportsTransactionAbortable?: boolean) => Promise<number>;

/** The verifier used until a transaction coordinator is wired in: every partition is accepted. */
export const ALWAYS_VERIFIED: TransactionVerifier = async () => Errors.NONE;

/** What following leaders needs (absent: this broker leads its partitions and follows none, e.g. in unit tests). */
export interface FollowerOptions {
  /** A connection of its own to `leader`'s inter-broker listener for the fetcher `fetcherId` (`broker-<id>-fetcher-<n>`). */
  leaderEndPoint(leader: BrokerEndPoint, fetcherId: number): LeaderEndPoint;
  /** inter.broker.listener.name: the leader's endpoint of this name in its registration is fetched from. */
  readonly interBrokerListenerName: string;
  readonly fetcher: ReplicaFetcherConfig;
  /** num.replica.fetchers (read when partitions are added). */
  numFetchers(): number;
  /** follower.replication.throttled.rate over follower.replication.throttled.replicas (none: unthrottled). */
  readonly quota?: ReplicaQuota;
}

export interface ReplicaManagerOptions<L extends PartitionLog = UnifiedLog> {
  nodeId: number;
  logManager: PartitionLogManager<L>;
  time: Time;
  logger: Logger;
  /** Effective log config of a topic (topic overrides over broker defaults). */
  logConfig(topic: string): LogConfig;
  /**
   * leader.replication.throttled.rate over leader.replication.throttled.replicas (none: unthrottled): what this
   * leader returns to followers outside the ISR (Kafka's ReplicationQuotaManager of QuotaType.LEADER_REPLICATION).
   */
  leaderQuota?: ReplicaQuota;
  /** min.insync.replicas of a topic. */
  minInsyncReplicas(topic: string): number;
  validate: ProduceValidator;
  /** The KIP-890 verification of transactional produce (default {@link ALWAYS_VERIFIED}). */
  verifyTransaction?: TransactionVerifier;
  /** Counts committed and failed ISR changes of the partitions led here (metrics); default none. */
  isrChangeListener?: IsrChangeListener;
  /** replica.lag.time.max.ms (default 30000). */
  replicaLagTimeMaxMs?: number;
  /** Sends ISR changes to the controller (default: none can be sent; a single replica never needs to). */
  alterPartitionManager?: AlterPartitionSubmitter;
  /** This broker's epoch (default -1n). */
  brokerEpoch?(): bigint;
  follower?: FollowerOptions;
  /**
   * This broker's incarnation (its registration's incarnation id). When set, partitions are led or followed only
   * from the first image that holds this incarnation's registration (Kafka's brokers act once caught up past their
   * registration): an older image may still name this broker leader of an epoch the controller has since moved
   * away from it (a crashed leader that restarts), and acting on it could serve a log that lost its unflushed tail.
   * Logs are created and loaded before that (the coordinators read them).
   */
  incarnationId?: string;
  /** Timer of the purgatories (default: process timers). */
  timer?: Timer;
  /** Timer of ISR expiry and of the fetchers' backoff (default: unref'd process timers). */
  backgroundTimer?: Timer;
  /** replica.selector.class (KIP-392), null (the default) for none: consumers are never sent to a follower. */
  replicaSelector?: ReplicaSelector | null;
}

const EMPTY_FETCH: Omit<FetchPartitionResult, 'errorCode'> = {
  highWatermark: -1n,
  lastStableOffset: -1n,
  logStartOffset: -1n,
  records: null,
  abortedTransactions: null,
};

/** Logs created at once by one metadata update (see onMetadataUpdate). */
const LOG_CREATION_CONCURRENCY = 16;

/** The submitter of a broker that cannot reach a controller: every change is refused (nothing was applied). */
const NO_ALTER_PARTITION: AlterPartitionSubmitter = {
  submit: () => Promise.reject(new ApiError(Errors.OPERATION_NOT_ATTEMPTED, 'this broker sends no AlterPartition')),
};

/**
 * Runs `fn` over `items` with at most `concurrency` calls in flight. Every item is tried; the first error is
 * rethrown once all are done.
 */
async function forEachConcurrently<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        failure ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}

function errorOf(e: unknown): { code: number; message: string | null } {
  if (e instanceof ApiError) return { code: e.code, message: e.message };
  const code = (e as { errorCode?: unknown }).errorCode;
  if (typeof code === 'number') return { code, message: (e as Error).message };
  return { code: Errors.UNKNOWN_SERVER_ERROR, message: null };
}

/** A partition of this broker in a metadata update. */
interface LocalChange {
  readonly tp: TopicPartition;
  readonly key: string;
  readonly topic: TopicImage;
  readonly registration: PartitionRegistration;
}

/**
 * The partitions this broker hosts and the produce and fetch paths over them, after Kafka's `ReplicaManager`.
 *
 * - Metadata (a MetadataPublisher, Kafka's applyDelta): creates the logs of partitions assigned to this node;
 *   makes it leader where the metadata log says so (after its fetcher let go of the partition), follower elsewhere
 *   (a new leader epoch restarts the partition's fetching from the new leader's inter-broker endpoint; the produce
 *   requests waiting on it are answered NOT_LEADER_OR_FOLLOWER); deletes the logs of removed topics and of
 *   partitions moved off this broker.
 * - Produce (`appendRecords`): per partition, validation and append run on a per-partition chain started
 *   synchronously, so pipelined requests append in arrival order. acks=-1 waits in the produce purgatory until the
 *   high watermark passes the appended records (Kafka's DelayedProduce).
 * - Fetch (`fetchMessages`): a consumer reads file slices up to the high watermark (the last stable offset for
 *   read_committed); a follower (replica id >= 0) reads up to the log end offset, after its last fetched epoch is
 *   checked against this log (a diverging epoch is answered at once), and its fetch moves its replica state, the
 *   ISR and the high watermark. At least one whole batch for the first partition that has data (KIP-74); long
 *   polls in the fetch purgatory until `minBytes` are available or `maxWaitMs` passes. The same zero-copy read
 *   serves both.
 * - ISR expiry: every replica.lag.time.max.ms / 2, each led partition drops the followers that fell behind.
 */
export class ReplicaManager<L extends PartitionLog = UnifiedLog> implements MetadataPublisher {
  readonly name = 'ReplicaManager';
  readonly #options: ReplicaManagerOptions<L>;
  readonly #ctx: PartitionContext;
  readonly #partitions = new Map<string, Partition<L>>();
  /** Assigned partitions whose log could not be created because its log dir failed (Kafka's HostedPartition.Offline). */
  readonly #offlinePartitions = new Set<string>();
  readonly #appendChains = new Map<string, Promise<unknown>>();
  readonly fetchPurgatory: DelayedOperationPurgatory;
  readonly producePurgatory: DelayedOperationPurgatory;
  readonly #fetchers: ReplicaFetcherManager<L> | null;
  /**
   * Verifies a transaction's first batch on a partition (KIP-890). The broker wiring sets it once the
   * transaction coordinator exists (it is built after this ReplicaManager).
   */
  transactionVerifier: TransactionVerifier;
  #image: MetadataImage = EMPTY_IMAGE;
  #firstImage = true;
  #registered: boolean;
  #cancelIsrExpiration: (() => void) | null = null;
  #closed = false;

  constructor(options: ReplicaManagerOptions<L>) {
    this.#options = options;
    this.transactionVerifier = options.verifyTransaction ?? ALWAYS_VERIFIED;
    this.#registered = options.incarnationId === undefined;
    const timer = options.timer ?? SYSTEM_TIMER;
    this.fetchPurgatory = new DelayedOperationPurgatory('Fetch', timer);
    this.producePurgatory = new DelayedOperationPurgatory('Produce', timer);
    const brokerEpoch = options.brokerEpoch ?? ((): bigint => -1n);
    this.#ctx = {
      nodeId: options.nodeId,
      time: options.time,
      logger: options.logger,
      replicaLagTimeMaxMs: options.replicaLagTimeMaxMs ?? 30_000,
      alterPartitionManager: options.alterPartitionManager ?? NO_ALTER_PARTITION,
      minInsyncReplicas: (topic) => options.minInsyncReplicas(topic),
      metadata: () => this.#image,
      brokerEpoch,
      tryCompleteDelayedRequests: (tp) => this.#tryCompleteDelayedRequests(topicPartitionKey(tp)),
      ...(options.isrChangeListener === undefined ? {} : { isrChangeListener: options.isrChangeListener }),
    };
    const follower = options.follower;
    const background = options.backgroundTimer ?? BACKGROUND_TIMER;
    this.#fetchers = follower === undefined ? null : new ReplicaFetcherManager<L>({
      numFetchers: () => follower.numFetchers(),
      logger: options.logger,
      createFetcher: (leader, fetcherId) => new ReplicaFetcherThread<L>({
        name: `ReplicaFetcherThread-${fetcherId}-${leader.nodeId}`,
        leader: follower.leaderEndPoint(leader, fetcherId),
        replicaId: options.nodeId,
        config: follower.fetcher,
        quota: follower.quota,
        partition: (tp) => this.getPartition(tp),
        completeDelayedFetchRequests: (tp) => this.fetchPurgatory.checkAndComplete(topicPartitionKey(tp)),
        time: options.time,
        timer: background,
        logger: options.logger,
      }),
    });
    this.#scheduleIsrExpiration(background);
  }

  /** Kafka's "isr-expiration" task: every replica.lag.time.max.ms / 2, each led partition checks its followers. */
  #scheduleIsrExpiration(timer: Timer): void {
    const period = Math.max(1, Math.floor(this.#ctx.replicaLagTimeMaxMs / 2));
    const run = (): void => {
      if (this.#closed) return;
      for (const p of this.#partitions.values()) if (p.isLeader && !p.log.isOffline) p.maybeShrinkIsr();
      this.#cancelIsrExpiration = timer.schedule(period, run);
    };
    this.#cancelIsrExpiration = timer.schedule(period, run);
  }

  #tryCompleteDelayedRequests(key: string): void {
    this.fetchPurgatory.checkAndComplete(key);
    this.producePurgatory.checkAndComplete(key);
  }

  /** The hosted partition, or undefined. */
  getPartition(tp: TopicPartition): Partition<L> | undefined {
    return this.#partitions.get(topicPartitionKey(tp));
  }

  /** All hosted partitions. */
  allPartitions(): IterableIterator<Partition<L>> {
    return this.#partitions.values();
  }

  /**
   * Partitions assigned here that cannot be served because their log is offline (Kafka's OfflineReplicaCount:
   * a log dir failed before the log was created, or under a hosted partition's log).
   */
  offlineReplicaCount(): number {
    let n = this.#offlinePartitions.size;
    for (const p of this.#partitions.values()) if (p.log.isOffline) n++;
    return n;
  }

  /** The replica fetchers (null when this broker follows nothing). */
  get fetcherManager(): ReplicaFetcherManager<L> | null {
    return this.#fetchers;
  }

  /**
   * The partition if this node leads it (or only hosts it, leader or follower, with `requireLeader` false: Kafka's
   * fetchOnlyFromLeader, false for ListOffsets from the debugging replica id).
   * @throws ApiError UNKNOWN_TOPIC_OR_PARTITION (3) when not hosted, NOT_LEADER_OR_FOLLOWER (6) when not leader,
   * FENCED_LEADER_EPOCH (74) / UNKNOWN_LEADER_EPOCH (75) when `currentLeaderEpoch` (if >= 0) is older / newer,
   * KAFKA_STORAGE_ERROR (56) when its log dir failed (Kafka's getPartitionOrException for an offline partition).
   */
  leaderPartition(tp: TopicPartition, currentLeaderEpoch = -1, requireLeader = true): Partition<L> {
    const p = this.getPartition(tp);
    if (p?.log.isOffline === true || (p === undefined && this.#offlinePartitions.has(topicPartitionKey(tp)))) {
      throw new ApiError(Errors.KAFKA_STORAGE_ERROR, `Partition ${topicPartitionKey(tp)} is in an offline log directory`);
    }
    if (p === undefined) throw new ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
    if (currentLeaderEpoch >= 0) {
      if (currentLeaderEpoch < p.leaderEpoch) throw new ApiError(Errors.FENCED_LEADER_EPOCH, `The leader epoch in the request (${currentLeaderEpoch}) is older than the current one (${p.leaderEpoch}).`);
      if (currentLeaderEpoch > p.leaderEpoch) throw new ApiError(Errors.UNKNOWN_LEADER_EPOCH, `The leader epoch in the request (${currentLeaderEpoch}) is newer than the current one (${p.leaderEpoch}).`);
    }
    if (requireLeader && !p.isLeader) throw new ApiError(Errors.NOT_LEADER_OR_FOLLOWER, 'This server is not the leader for that topic-partition.');
    return p;
  }

  async onMetadataUpdate(image: MetadataImage, changes: MetadataChanges): Promise<void> {
    const { nodeId, logManager, logger } = this.#options;
    this.#image = image;
    if (this.#firstImage) {
      this.#firstImage = false;
      await deleteStrayLogs(image, nodeId, logManager, logger);
    }
    for (const [, topic] of changes.deletedTopics) {
      for (const partitionId of topic.partitions.keys()) await this.#stopPartition({ topic: topic.name, partition: partitionId }, topic.id, 'its topic was deleted');
    }
    // From the first image with this broker's own registration on, every partition is (re)applied once.
    const registeredNow = !this.#registered && image.brokers.get(nodeId)?.incarnationId === this.#options.incarnationId;
    if (registeredNow) {
      this.#registered = true;
      logger.info({ brokerEpoch: String(image.brokers.get(nodeId)!.epoch) }, 'Registration in the metadata: applying the partition states');
    }
    const local: LocalChange[] = [];
    const ids = registeredNow ? [...image.topicsById.values()].flatMap((t) => [...t.partitions.keys()].map((p) => `${t.id}:${p}`)) : changes.changedPartitions;
    for (const id of ids) {
      const sep = id.lastIndexOf(':');
      const topic = image.topicsById.get(id.slice(0, sep));
      if (topic === undefined) continue;
      const partitionId = Number(id.slice(sep + 1));
      const registration = topic.partitions.get(partitionId)!;
      const tp = { topic: topic.name, partition: partitionId };
      if (!registration.replicas.includes(nodeId)) {
        // Moved off this broker (a reassignment): the replica goes, as Kafka's stopPartitions with deleteLocalLog.
        if (this.#partitions.get(topicPartitionKey(tp))?.topicId === topic.id) await this.#stopPartition(tp, topic.id, 'it is no longer assigned to this broker');
        continue;
      }
      local.push({ tp, key: topicPartitionKey(tp), topic, registration });
    }
    await this.#createPartitions(local.filter((c) => !this.#partitions.has(c.key)));
    if (this.#registered) {
      await this.#applyLocalLeaders(local.filter((c) => c.registration.leader === nodeId));
      await this.#applyLocalFollowers(local.filter((c) => c.registration.leader !== nodeId), image, changes);
    }
    for (const key of changes.changedConfigs) {
      const [type, name] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
      if (type !== '2' && type !== '4') continue;
      for (const p of this.#partitions.values()) {
        if (type === '4' || p.topicPartition.topic === name) p.log.updateConfig(this.#options.logConfig(p.topicPartition.topic));
      }
    }
  }

  /** Removes a hosted partition of topic id `topicId` and deletes its log (its fetcher stops first). */
  async #stopPartition(tp: TopicPartition, topicId: string, reason: string): Promise<void> {
    const key = topicPartitionKey(tp);
    this.#offlinePartitions.delete(key);
    const p = this.#partitions.get(key);
    // Only this incarnation's log: a partition of the same name may already belong to a re-created topic.
    if (p === undefined || p.topicId !== topicId) return;
    await this.#fetchers?.removeFetcherForPartitions([tp]);
    this.#partitions.delete(key);
    this.#tryCompleteDelayedRequests(key);
    await this.#options.logManager.deleteLog(tp);
    this.#options.logger.info({ topicPartition: key, reason }, 'Deleted partition log');
  }

  /**
   * New partitions' logs (a CreateTopics of thousands of partitions): a few at a time, so the file operations keep
   * the libuv pool busy without queueing thousands of them.
   */
  async #createPartitions(changes: readonly LocalChange[]): Promise<void> {
    const { logManager, logger } = this.#options;
    await forEachConcurrently(changes, LOG_CREATION_CONCURRENCY, async ({ tp, key, topic }) => {
      let log: L;
      try {
        log = await logManager.getOrCreateLog(tp, this.#options.logConfig(topic.name), topic.id);
      } catch (e) {
        // Kafka's makeLeader on a KafkaStorageException: the partition is offline, the other ones go on.
        if (!(e instanceof KafkaStorageError)) throw e;
        this.#offlinePartitions.add(key);
        logger.error({ err: e, topicPartition: key }, 'Cannot create the log of a partition: its log dir failed; the partition is offline');
        return;
      }
      this.#offlinePartitions.delete(key);
      this.#partitions.set(key, new Partition<L>(tp, topic.id, log, this.#ctx));
    });
  }

  /** Kafka's applyLocalLeadersDelta: the fetchers let go of the partitions first, then they become leaders. */
  async #applyLocalLeaders(changes: readonly LocalChange[]): Promise<void> {
    if (changes.length === 0) return;
    await this.#fetchers?.removeFetcherForPartitions(changes.map((c) => c.tp));
    for (const c of changes) {
      const p = this.#partitions.get(c.key);
      if (p === undefined || p.log.isOffline) continue;
      await p.makeLeader(c.registration);
    }
  }

  /**
   * Kafka's applyLocalFollowersDelta: every partition takes the new state; those in a new leader epoch stop
   * fetching (their waiting produces are answered) and start again from the new leader, at their log end offset
   * when the log has leader epochs (the leader finds any divergence), at their high watermark otherwise. A leader
   * whose inter-broker endpoint changed (it re-registered) gets new connections.
   */
  async #applyLocalFollowers(changes: readonly LocalChange[], image: MetadataImage, metadataChanges: MetadataChanges): Promise<void> {
    const restart: Partition<L>[] = [];
    for (const c of changes) {
      const p = this.#partitions.get(c.key);
      if (p === undefined || p.log.isOffline) continue;
      if (p.makeFollower(c.registration)) restart.push(p);
    }
    const fetchers = this.#fetchers;
    if (fetchers === null) return;
    if (metadataChanges.brokersChanged) {
      for (const p of this.#partitions.values()) {
        if (p.isLeader || p.leaderId < 0 || !metadataChanges.changedBrokers.has(p.leaderId) || restart.includes(p)) continue;
        const current = fetchers.fetcherFor(p.topicPartition)?.leader;
        const endpoint = this.#leaderEndpoint(image, p.leaderId);
        if (current !== undefined && endpoint !== null && (current.host !== endpoint.host || current.port !== endpoint.port)) restart.push(p);
      }
    }
    if (restart.length === 0) return;
    await fetchers.removeFetcherForPartitions(restart.map((p) => p.topicPartition));
    for (const p of restart) this.#tryCompleteDelayedRequests(topicPartitionKey(p.topicPartition));
    const states: InitialFetchState[] = [];
    for (const p of restart) {
      // Appends queued while this broker led the partition land before the fetch position is taken.
      await p.log.runExclusive(async () => undefined);
      const leader = this.#leaderEndpoint(image, p.leaderId);
      if (leader === null) {
        this.#options.logger.info({ topicPartition: topicPartitionKey(p.topicPartition), leader: p.leaderId }, 'Not fetching: the leader is unknown or has no inter-broker endpoint');
        continue;
      }
      const log = p.log;
      states.push({ topicPartition: p.topicPartition, topicId: p.topicId, leader, currentLeaderEpoch: p.leaderEpoch, initOffset: log.latestEpoch !== undefined ? log.logEndOffset : log.highWatermark });
    }
    await fetchers.addFetcherForPartitions(states);
    await fetchers.shutdownIdleFetcherThreads();
  }

  /** The inter-broker endpoint of broker `id` in `image`, or null. */
  #leaderEndpoint(image: MetadataImage, id: number): BrokerEndPoint | null {
    if (id < 0 || this.#options.follower === undefined) return null;
    const name = this.#options.follower.interBrokerListenerName;
    const e = image.brokers.get(id)?.endpoints.find((ep) => ep.name === name);
    return e === undefined ? null : { nodeId: id, host: e.host, port: e.port };
  }

  /**
   * Appends each partition's records (Kafka's `appendRecords`). Results are in input order.
   * Errors per partition: UNKNOWN_TOPIC_OR_PARTITION (3), NOT_LEADER_OR_FOLLOWER (6), NOT_ENOUGH_REPLICAS (19),
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND (20) and REQUEST_TIMED_OUT (7) for acks=-1, the validator's codes
   * (CORRUPT_MESSAGE 2, MESSAGE_TOO_LARGE 10, INVALID_TIMESTAMP 32, INVALID_RECORD 87, ...), the producer state's
   * (OUT_OF_ORDER_SEQUENCE_NUMBER 45, INVALID_PRODUCER_EPOCH 47, INVALID_TXN_STATE 48) and the transaction
   * verification's. A retried idempotent batch that is already in the log gets NONE and its original base offset.
   *
   * Transactional produce (`transactionalId` set, transactional batch): unless the producer's transaction is
   * already open on the partition, the transaction coordinator must confirm the partition is in the transaction
   * before the first batch is written (KIP-890 part 1, Kafka 3.6+ behaviour).
   */
  appendRecords(params: {
    requiredAcks: number;
    timeoutMs: number;
    produceVersion: number;
    transactionalId?: string | null;
    entries: { topicPartition: TopicPartition; records: Buffer | null }[];
  }): Promise<ProducePartitionResult[]> {
    const { requiredAcks, timeoutMs, produceVersion } = params;
    const transactionalId = params.transactionalId ?? null;
    // For acks=-1: the offset the high watermark must reach for each appended partition (last offset + 1).
    const requiredOffsets = params.entries.map(() => -1n);
    const results = params.entries.map(({ topicPartition, records }, index) => {
      const key = topicPartitionKey(topicPartition);
      const run = async (release: () => void): Promise<ProducePartitionResult> => {
        try {
          const partition = this.leaderPartition(topicPartition);
          const { batches } = await this.#options.validate(records, topicPartition, produceVersion);
          const verificationGuard = await this.#verifyTransaction(partition, transactionalId, batches, produceVersion);
          if (typeof verificationGuard === 'number') {
            const message = verificationGuard === Errors.INVALID_TXN_STATE ? 'Partition was not added to the transaction' : null;
            return { errorCode: verificationGuard, errorMessage: message, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [] };
          }
          const appended = partition.appendRecordsToLeader(batches, requiredAcks, { origin: 'client', verificationGuard });
          // Queued in the log (synchronously, in order): the next request's validation may run during this write.
          release();
          const info = await appended;
          requiredOffsets[index] = info.lastOffset + 1n;
          this.#tryCompleteDelayedRequests(key);
          return { errorCode: Errors.NONE, errorMessage: null, baseOffset: info.firstOffset, logAppendTimeMs: info.logAppendTimeMs, logStartOffset: info.logStartOffset, recordErrors: [] };
        } catch (e) {
          const { code, message } = errorOf(e);
          if (code === Errors.UNKNOWN_SERVER_ERROR) this.#options.logger.error({ err: e, topicPartition: key }, 'Append failed');
          const recordErrors = (e as { recordErrors?: ProducePartitionResult['recordErrors'] }).recordErrors ?? [];
          return { errorCode: code, errorMessage: message, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors };
        }
      };
      return this.#chain(key, run);
    });
    const all = Promise.all(results);
    if (requiredAcks !== -1) return all;
    return all.then((res) => this.#awaitReplication(params.entries, res, requiredOffsets, timeoutMs));
  }

  /**
   * KIP-890 verification of a transactional batch (Kafka's maybeSendPartitionsToTransactionCoordinator): the
   * guard to append with (null: not transactional, or its transaction is already open here), or the error code
   * that rejects the partition.
   * @throws InvalidProducerEpochError when the batch's epoch is older than the partition's.
   */
  async #verifyTransaction(partition: Partition<L>, transactionalId: string | null, batches: Buffer, produceVersion: number): Promise<object | null | number> {
    if (transactionalId === null || batches.length < 61) return null;
    const batch = new RecordBatch(batches, 0);
    if (!batch.isTransactional || batch.producerId < 0n) return null;
    const guard = partition.log.maybeStartTransactionVerification(batch.producerId, batch.baseSequence, batch.producerEpoch);
    if (guard === null) return null;
    // Produce v11+ clients understand TRANSACTION_ABORTABLE (KIP-890).
    const code = await this.transactionVerifier(transactionalId, batch.producerId, batch.producerEpoch, partition.topicPartition, produceVersion >= 11);
    return code === Errors.NONE ? guard : code;
  }

  /**
   * Runs `run` once every earlier append to the same partition has been queued in the log (per-partition ordering
   * of appends). `run` calls `release` as soon as its own append is queued (the log's queue keeps the order from
   * there, and coalesces the appends that wait behind a write into one writev); settling releases too.
   */
  #chain<T>(key: string, run: (release: () => void) => Promise<T>): Promise<T> {
    const prev = this.#appendChains.get(key) ?? Promise.resolve();
    let release!: () => void;
    const tail = new Promise<void>((resolve) => (release = resolve));
    const start = (): Promise<T> => run(release);
    const result = prev.then(start, start);
    result.then(release, release);
    this.#appendChains.set(key, tail);
    void tail.then(() => {
      if (this.#appendChains.get(key) === tail) this.#appendChains.delete(key);
    });
    return result;
  }

  /**
   * Appends batches the broker writes itself (coordinator records, transaction markers: Kafka's
   * AppendOrigin.COORDINATOR): no client validation, ordered with client appends to the partition, resolved once
   * the ISR has them (acks=all).
   * @throws ApiError UNKNOWN_TOPIC_OR_PARTITION / NOT_LEADER_OR_FOLLOWER / NOT_ENOUGH_REPLICAS /
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND / REQUEST_TIMED_OUT (after `timeoutMs`), or the log's error.
   */
  async appendToLocalLog(tp: TopicPartition, batches: Buffer, timeoutMs: number): Promise<{ firstOffset: bigint; lastOffset: bigint }> {
    const key = topicPartitionKey(tp);
    const info = await this.#chain(key, async (release) => {
      const partition = this.leaderPartition(tp);
      const pending = partition.appendRecordsToLeader(batches, -1, { origin: 'coordinator' });
      release();
      const appended = await pending;
      this.#tryCompleteDelayedRequests(key);
      return appended;
    });
    const [result] = await this.#awaitReplication([{ topicPartition: tp }], [
      { errorCode: Errors.NONE, errorMessage: null, baseOffset: info.firstOffset, logAppendTimeMs: -1n, logStartOffset: -1n, recordErrors: [] },
    ], [info.lastOffset + 1n], timeoutMs);
    if (result!.errorCode !== Errors.NONE) throw new ApiError(result!.errorCode, result!.errorMessage ?? 'append failed');
    return { firstOffset: info.firstOffset, lastOffset: info.lastOffset };
  }

  /**
   * DelayedProduce: waits until every successfully appended partition is replicated up to `requiredOffsets[i]`
   * (its last appended offset + 1) or fails (Kafka's DelayedProduce with Partition.checkEnoughReplicasReachOffset):
   * NONE, NOT_ENOUGH_REPLICAS_AFTER_APPEND, NOT_LEADER_OR_FOLLOWER (leadership moved meanwhile), REQUEST_TIMED_OUT.
   */
  #awaitReplication(entries: { topicPartition: TopicPartition }[], results: ProducePartitionResult[], requiredOffsets: readonly bigint[], timeoutMs: number): Promise<ProducePartitionResult[]> {
    const acked = results.map((r) => r.errorCode !== Errors.NONE);
    /** Settles what can be settled; true when every partition is. */
    const check = (): boolean => {
      let done = true;
      results.forEach((r, i) => {
        if (acked[i]) return;
        const p = this.getPartition(entries[i]!.topicPartition);
        const code = p === undefined ? Errors.NOT_LEADER_OR_FOLLOWER : p.checkEnoughReplicasReachOffset(requiredOffsets[i]!);
        if (code === null) {
          done = false;
          return;
        }
        acked[i] = true;
        if (code !== Errors.NONE) results[i] = { ...r, errorCode: code, errorMessage: null };
      });
      return done;
    };
    if (check()) return Promise.resolve(results);
    return new Promise((resolve) => {
      this.producePurgatory.watch(
        {
          tryComplete: () => {
            if (!check()) return false;
            resolve(results);
            return true;
          },
          onExpiration: () => {
            results.forEach((r, i) => {
              if (!acked[i]) results[i] = { ...r, errorCode: Errors.REQUEST_TIMED_OUT, errorMessage: 'Disconnected from the ISR before the records were replicated.' };
            });
            resolve(results);
          },
        },
        entries.map((e) => topicPartitionKey(e.topicPartition)),
        timeoutMs,
      );
    });
  }

  /**
   * Reads every partition once (Kafka's `readFromLocalLog`); returns results and the bytes read. A follower's
   * fetch updates its replica state only on the first read of a request (`updateFetchState`), not when a waiting
   * fetch is read again. A throttled partition (leader quota) read for a follower outside the ISR returns no
   * records while the quota is exceeded (Kafka's shouldLeaderThrottle); `throttledBytes` is what the results hold
   * for throttled partitions, recorded into the quota once they are sent.
   */
  async #readFromLocalLog(params: FetchParams, updateFetchState: boolean): Promise<{ results: FetchPartitionResult[]; bytes: number; respondNow: boolean; throttledBytes: number }> {
    let remaining = params.maxBytes;
    let bytes = 0;
    let throttledBytes = 0;
    let respondNow = false;
    const quota = params.replicaId >= 0 ? this.#options.leaderQuota : undefined;
    const results: FetchPartitionResult[] = [];
    const isFollower = params.replicaId >= 0;
    for (const req of params.partitions) {
      try {
        const clientMetadata = isFollower ? null : (params.clientMetadata ?? null);
        // Kafka's FetchParams.fetchOnlyLeader: a consumer that sent client metadata (v11+) may read a follower.
        const p = this.leaderPartition(req.topicPartition, req.currentLeaderEpoch, clientMetadata === null);
        const log = p.log;
        const preferredReadReplica = clientMetadata === null
          ? null
          : findPreferredReadReplica(p, this.#image, this.#options.replicaSelector ?? null, clientMetadata, params.replicaId, req.fetchOffset, this.#options.time.milliseconds());
        if (preferredReadReplica !== null) {
          // Nothing is read: the consumer is told where to fetch and answered at once (Kafka's readFromLog).
          respondNow = true;
          results.push({ errorCode: Errors.NONE, highWatermark: p.highWatermark, lastStableOffset: log.lastStableOffset, logStartOffset: log.logStartOffset, records: null, abortedTransactions: null, preferredReadReplica });
          continue;
        }
        let highWatermark: bigint;
        let lastStableOffset: bigint;
        let maxOffset: bigint;
        if (isFollower) {
          const diverging = p.validateFollowerFetch(params.replicaId, req.fetchOffset, req.lastFetchedEpoch ?? -1, req.currentLeaderEpoch);
          if (diverging !== null) {
            respondNow = true;
            results.push({ errorCode: Errors.NONE, highWatermark: p.highWatermark, lastStableOffset: log.lastStableOffset, logStartOffset: log.logStartOffset, records: null, abortedTransactions: null, divergingEpoch: diverging });
            continue;
          }
          // Followers read up to the log end offset as of the fetch (Kafka's FetchIsolation.LOG_END).
          maxOffset = log.logEndOffset;
          if (updateFetchState) p.updateFollowerFetchState(params.replicaId, req.fetchOffset, req.logStartOffset ?? -1n, this.#options.time.milliseconds(), maxOffset, params.replicaEpoch ?? -1n);
          // Read after the follower's own fetch moved it: the follower learns the new high watermark at once.
          highWatermark = p.highWatermark;
          lastStableOffset = log.lastStableOffset;
        } else {
          highWatermark = p.highWatermark;
          lastStableOffset = log.lastStableOffset;
          maxOffset = params.isolationLevel === 1 ? lastStableOffset : highWatermark;
        }
        const logStartOffset = log.logStartOffset;
        if (req.fetchOffset < logStartOffset || req.fetchOffset > log.logEndOffset) {
          throw new ApiError(Errors.OFFSET_OUT_OF_RANGE, `Fetch offset ${req.fetchOffset} is out of range [${logStartOffset}, ${log.logEndOffset}]`);
        }
        const limit = Math.min(req.partitionMaxBytes, Math.max(remaining, 0));
        let records: ExternalRecords | null = null;
        // read_committed: the aborted transactions overlapping the bytes returned (an empty list without data).
        let abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null = params.isolationLevel === 1 ? [] : null;
        const throttled = quota?.isThrottled(req.topicPartition) === true;
        const held = throttled && !p.isr.includes(params.replicaId) && quota!.isQuotaExceeded();
        if (req.fetchOffset < maxOffset && (limit > 0 || bytes === 0) && !held) {
          const info = await log.read(req.fetchOffset, Math.max(limit, 1), maxOffset, bytes === 0);
          if (info.records !== null && info.records.sizeInBytes > 0) {
            records = info.records;
            bytes += info.records.sizeInBytes;
            if (throttled) throttledBytes += info.records.sizeInBytes;
            remaining -= info.records.sizeInBytes;
            if (abortedTransactions !== null) abortedTransactions = log.abortedTransactionsForRead(info).map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
          }
        }
        results.push({ errorCode: Errors.NONE, highWatermark, lastStableOffset, logStartOffset, records, abortedTransactions });
      } catch (e) {
        respondNow = true;
        const { code } = errorOf(e);
        if (code === Errors.UNKNOWN_SERVER_ERROR) this.#options.logger.error({ err: e, topicPartition: topicPartitionKey(req.topicPartition) }, 'Fetch read failed');
        // Kafka's ReplicaManager.createLogReadResult: a partition in error reports no offsets (-1), whatever the log holds.
        results.push({ ...EMPTY_FETCH, errorCode: code });
      }
    }
    return { results, bytes, respondNow, throttledBytes };
  }

  /** The results of a read that is answered: its throttled bytes count against the leader quota (Kafka's KafkaApis records them as it sends). */
  #answer(read: { results: FetchPartitionResult[]; throttledBytes: number }): FetchPartitionResult[] {
    if (read.throttledBytes > 0) this.#options.leaderQuota?.record(read.throttledBytes);
    return read.results;
  }

  /** Releases the file slices of results that will not be sent. */
  #release(results: FetchPartitionResult[]): void {
    for (const r of results) if (r.records !== null && !Buffer.isBuffer(r.records)) r.records.release?.();
  }

  /**
   * Fetches from leader logs, long-polling up to `maxWaitMs` until `minBytes` are available (Kafka's
   * `fetchMessages` + DelayedFetch); an error or a diverging epoch is answered at once. Results are in request order.
   */
  async fetchMessages(params: FetchParams): Promise<FetchPartitionResult[]> {
    const versionBeforeRead = this.fetchPurgatory.version;
    const first = await this.#readFromLocalLog(params, true);
    if (params.maxWaitMs <= 0 || first.bytes >= params.minBytes || first.respondNow || params.partitions.length === 0) {
      return this.#answer(first);
    }
    this.#release(first.results);
    return new Promise((resolve) => {
      let finished = false;
      this.fetchPurgatory.watch(
        {
          tryComplete: async () => {
            if (finished) return true;
            const attempt = await this.#readFromLocalLog(params, false);
            if (finished) {
              this.#release(attempt.results);
              return true;
            }
            if (attempt.bytes >= params.minBytes || attempt.respondNow) {
              finished = true;
              resolve(this.#answer(attempt));
              return true;
            }
            this.#release(attempt.results);
            return false;
          },
          onExpiration: async () => {
            if (finished) return;
            finished = true;
            const last = await this.#readFromLocalLog(params, false);
            resolve(this.#answer(last));
          },
        },
        params.partitions.map((p) => topicPartitionKey(p.topicPartition)),
        params.maxWaitMs,
        // An append that completed during the first read found nothing to wake: this fetch then re-reads now
        // instead of waiting for the next append or maxWaitMs.
        versionBeforeRead,
      );
    });
  }

  /** Stops the fetchers and ISR expiry, answers waiting requests, and lets queued appends finish, before the logs close. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    this.#cancelIsrExpiration?.();
    await this.#fetchers?.shutdown();
    await this.fetchPurgatory.shutdown();
    await this.producePurgatory.shutdown();
    await Promise.all([...this.#appendChains.values()]);
  }
}
