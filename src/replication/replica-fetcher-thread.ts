import type { Time } from '../common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../common/topic-partition.ts';
import type { Logger } from '../observability/logger.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { FetchPartition, FetchRequest } from '../protocol/generated/messages/fetch-request.ts';
import type { FetchResponse, PartitionData } from '../protocol/generated/messages/fetch-response.ts';
import type { Input } from '../protocol/message-input.ts';
import { ApiError } from '../common/api-error.ts';
import { CorruptRecordError, InvalidRecordError, KafkaStorageError, OffsetOutOfRangeError } from '../storage/errors.ts';
import type { LogAppendInfo } from '../storage/log-types.ts';
import type { Partition } from './partition.ts';
import type { PartitionLog } from './partition-log.ts';
import { FetchSessionHandler, type FetchPartitionData, type FetchSessionRequest } from './fetch-session-handler.ts';
import type { BrokerEndPoint, LeaderEndPoint } from './leader-end-point.ts';
import type { Timer } from './timer.ts';
import type { ReplicaQuota } from './replication-quota-manager.ts';

/** Where a follower starts fetching a partition from its leader (Kafka's InitialFetchState). */
export interface InitialFetchState {
  readonly topicPartition: TopicPartition;
  readonly topicId: string;
  readonly leader: BrokerEndPoint;
  readonly currentLeaderEpoch: number;
  /** The log end offset when the log has leader epochs (divergence is then found by the leader), else the high watermark. */
  readonly initOffset: bigint;
}

/** A partition's fetch position (Kafka's PartitionFetchState); replaced, never mutated, so a change is visible by identity. */
export interface PartitionFetchState {
  readonly topicPartition: TopicPartition;
  readonly topicId: string;
  readonly fetchOffset: bigint;
  /** The leader's high watermark minus the next fetch offset at the last fetch; null before the first. */
  readonly lag: bigint | null;
  readonly currentLeaderEpoch: number;
  /** Monotonic ms before which the partition is not fetched (after an error); 0 when not delayed. */
  readonly delayedUntilMs: number;
  /** 'truncating': truncate to the high watermark first (a log without leader epochs). */
  readonly state: 'fetching' | 'truncating';
  readonly lastFetchedEpoch: number | null;
}

/** Settings of a fetcher (replica.fetch.* configs). */
export interface ReplicaFetcherConfig {
  /** replica.fetch.wait.max.ms */
  readonly maxWaitMs: number;
  /** replica.fetch.min.bytes */
  readonly minBytes: number;
  /** replica.fetch.response.max.bytes */
  readonly maxBytes: number;
  /** replica.fetch.max.bytes (per partition) */
  readonly partitionMaxBytes: number;
  /** replica.fetch.backoff.ms */
  readonly backoffMs: number;
}

/** What a {@link ReplicaFetcherThread} is built with. */
export interface ReplicaFetcherThreadOptions<L extends PartitionLog> {
  /** `ReplicaFetcherThread-<fetcherId>-<leaderId>`, for logs. */
  readonly name: string;
  readonly leader: LeaderEndPoint;
  /** This broker's id (the Fetch's replica id). */
  readonly replicaId: number;
  readonly config: ReplicaFetcherConfig;
  /**
   * follower.replication.throttled.rate over follower.replication.throttled.replicas (none: unthrottled): a
   * throttled partition that is not caught up is left out of the fetches while the quota is exceeded (Kafka's
   * shouldFollowerThrottle); the bytes fetched for throttled partitions are recorded.
   */
  readonly quota?: ReplicaQuota;
  /** The hosted partition (the ReplicaManager's), undefined when it is gone. */
  partition(tp: TopicPartition): Partition<L> | undefined;
  /**
   * The partition's high watermark moved: consumer fetches waiting on this follower (KIP-392) are read again
   * (Kafka's ReplicaManager.completeDelayedFetchRequests for the partitions with a new high watermark).
   */
  completeDelayedFetchRequests?(tp: TopicPartition): void;
  readonly time: Time;
  readonly timer: Timer;
  readonly logger: Logger;
}

type Diverging = { readonly epoch: number; readonly endOffset: bigint };

/**
 * The follower side of replication for the partitions one broker follows from one leader, after Kafka's
 * `AbstractFetcherThread` + `ReplicaFetcherThread`: a loop (an async task here) that
 * 1. truncates to the high watermark the partitions whose log has no leader epochs (`truncating`): with no last
 *    fetched epoch there is nothing to ask OffsetForLeaderEpoch about, and Kafka 4's fetcher sends that request only
 *    for a truncating partition that has epochs, which a leader supporting truncation on fetch never leaves it in;
 * 2. sends one Fetch for every partition ready (not backing off), in an incremental fetch session (KIP-227), with
 *    each partition's fetch offset (= the log end offset), the epoch of its last batch (`lastFetchedEpoch`) and the
 *    current leader epoch, as replica `replicaId` (the leader then reads up to its log end offset, tracks this
 *    follower, and answers with a diverging epoch when this log went another way, KIP-320);
 * 3. appends what came back as follower (the leader's offsets and epochs, CRCs checked), takes the leader's high
 *    watermark (clamped to this log's end) and log start offset, or truncates to where the logs agree
 *    (the end offset the leader gave for the diverging epoch, bounded by this log's own end of that epoch);
 * 4. on a partition error backs the partition off for replica.fetch.backoff.ms (OFFSET_OUT_OF_RANGE: finds the
 *    leader's log start and end offsets with ListOffsets first; FENCED_LEADER_EPOCH in the current epoch: the
 *    partition fails until the metadata gives a new leader epoch), on a request error backs all of them off.
 * Response processing is serialized with {@link removePartitions}: a partition leaving this fetcher (it becomes
 * leader, or follows another leader) is never appended to or truncated by it afterwards.
 */
export class ReplicaFetcherThread<L extends PartitionLog> {
  readonly name: string;
  readonly #o: ReplicaFetcherThreadOptions<L>;
  readonly #session: FetchSessionHandler;
  readonly #states = new Map<string, PartitionFetchState>();
  /** Partitions that failed (storage error, unexpected error, fenced); they wait for a new leader epoch. */
  readonly #failed = new Set<string>();
  #closed = false;
  #running: Promise<void> | null = null;
  /** Settles once the current response processing or truncation is done (removals wait for it). */
  #processing: Promise<void> | null = null;
  #wake: (() => void) | null = null;

  constructor(options: ReplicaFetcherThreadOptions<L>) {
    this.name = options.name;
    this.#o = options;
    this.#session = new FetchSessionHandler(options.logger);
  }

  get leader(): BrokerEndPoint {
    return this.#o.leader.leader;
  }

  get partitionCount(): number {
    return this.#states.size;
  }

  /** The fetch states of every partition of this fetcher (metrics: their lag). */
  fetchStates(): IterableIterator<PartitionFetchState> {
    return this.#states.values();
  }

  /** The fetch state of a partition (tests, the simulation). */
  fetchState(tp: TopicPartition): PartitionFetchState | undefined {
    return this.#states.get(topicPartitionKey(tp));
  }

  /** Partitions of this fetcher that failed. */
  get failedPartitions(): ReadonlySet<string> {
    return this.#failed;
  }

  /** Starts the fetch loop. */
  start(): void {
    this.#running ??= this.#run();
  }

  /**
   * Starts (or keeps) fetching `states` (Kafka's addPartitions): a partition already fetched in the same leader
   * epoch keeps its position; otherwise a log with leader epochs fetches from `initOffset` (its end) and lets the
   * leader find any divergence, one without truncates to `initOffset` (its high watermark) first.
   */
  addPartitions(states: readonly InitialFetchState[]): void {
    for (const init of states) {
      const key = topicPartitionKey(init.topicPartition);
      this.#failed.delete(key);
      const current = this.#states.get(key);
      if (current !== undefined && current.currentLeaderEpoch === init.currentLeaderEpoch) continue;
      const latest = this.#o.partition(init.topicPartition)?.log.latestEpoch;
      this.#states.set(key, {
        topicPartition: init.topicPartition,
        topicId: init.topicId,
        fetchOffset: init.initOffset,
        lag: null,
        currentLeaderEpoch: init.currentLeaderEpoch,
        delayedUntilMs: 0,
        state: latest === undefined ? 'truncating' : 'fetching',
        lastFetchedEpoch: latest ?? null,
      });
    }
    this.#wakeUp();
  }

  /**
   * Stops fetching `tps`; resolves once no response processing or truncation that may touch them is running, so
   * the caller may then make them leaders or re-add them at a fresh position.
   * @returns the states removed.
   */
  async removePartitions(tps: Iterable<TopicPartition>): Promise<PartitionFetchState[]> {
    const removed: PartitionFetchState[] = [];
    for (const tp of tps) {
      const key = topicPartitionKey(tp);
      const s = this.#states.get(key);
      if (s !== undefined) removed.push(s);
      this.#states.delete(key);
      this.#failed.delete(key);
    }
    if (this.#processing !== null) await this.#processing;
    return removed;
  }

  /** Stops the loop and closes the connection; resolves once the loop ended. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    this.#o.leader.close();
    this.#wakeUp();
    await this.#running;
  }

  #wakeUp(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  /** Waits `ms`, or less when woken (partitions added, shutdown). */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        cancel();
        if (this.#wake === finish) this.#wake = null;
        resolve();
      };
      const cancel = this.#o.timer.schedule(ms, finish);
      this.#wake = finish;
    });
  }

  /** Runs `fn` as the processing that removals wait for. */
  async #exclusive(fn: () => Promise<void>): Promise<void> {
    let done!: () => void;
    this.#processing = new Promise((resolve) => (done = resolve));
    try {
      await fn();
    } finally {
      this.#processing = null;
      done();
    }
  }

  async #run(): Promise<void> {
    const logger = this.#o.logger;
    logger.info({ fetcher: this.name }, 'Replica fetcher starting');
    while (!this.#closed) {
      try {
        await this.#exclusive(() => this.#truncateToHighWatermark());
        const fetch = this.#buildFetch();
        if (fetch === null) {
          await this.#sleep(this.#idleWaitMs());
          continue;
        }
        await this.#processFetchRequest(fetch);
      } catch (e) {
        if (this.#closed) break;
        logger.error({ err: e, fetcher: this.name }, 'Unexpected error in the replica fetcher; backing off');
        await this.#sleep(this.#o.config.backoffMs);
      }
    }
    logger.info({ fetcher: this.name }, 'Replica fetcher stopped');
  }

  /** How long to wait with nothing to fetch: the backoff, or until the first delayed partition is ready. */
  #idleWaitMs(): number {
    const now = this.#o.time.hiResClockMs();
    let wait = this.#o.config.backoffMs;
    for (const s of this.#states.values()) if (s.delayedUntilMs > now) wait = Math.min(wait, s.delayedUntilMs - now);
    return Math.max(1, Math.ceil(wait));
  }

  /** Kafka's shouldFollowerThrottle: not caught up with the leader's high watermark (lag unknown or > 0), throttled, over quota. */
  #shouldFollowerThrottle(s: PartitionFetchState): boolean {
    const quota = this.#o.quota;
    if (quota === undefined || s.lag === 0n) return false;
    return quota.isThrottled(s.topicPartition) && quota.isQuotaExceeded();
  }

  /** The next Fetch, or null when no partition is ready and none must be forgotten. */
  #buildFetch(): { request: Input<FetchRequest>; session: FetchSessionRequest } | null {
    const now = this.#o.time.hiResClockMs();
    const config = this.#o.config;
    const ready: FetchPartitionData[] = [];
    for (const s of this.#states.values()) {
      if (s.state !== 'fetching' || s.delayedUntilMs > now) continue;
      const partition = this.#o.partition(s.topicPartition);
      if (partition === undefined) continue;
      if (this.#shouldFollowerThrottle(s)) continue;
      ready.push({
        topic: s.topicPartition.topic,
        partition: s.topicPartition.partition,
        fetchOffset: s.fetchOffset,
        logStartOffset: partition.log.logStartOffset,
        partitionMaxBytes: config.partitionMaxBytes,
        currentLeaderEpoch: s.currentLeaderEpoch,
        lastFetchedEpoch: s.lastFetchedEpoch ?? -1,
      });
    }
    const session = this.#session.build(ready);
    if (session === null) return null;
    const topics: { topic: string; partitions: Input<FetchPartition>[] }[] = [];
    for (const p of session.toSend) {
      let t = topics.at(-1);
      if (t === undefined || t.topic !== p.topic) topics.push((t = { topic: p.topic, partitions: [] }));
      t.partitions.push({ partition: p.partition, currentLeaderEpoch: p.currentLeaderEpoch, fetchOffset: p.fetchOffset, lastFetchedEpoch: p.lastFetchedEpoch, logStartOffset: p.logStartOffset, partitionMaxBytes: p.partitionMaxBytes });
    }
    const forgotten = new Map<string, number[]>();
    for (const f of session.toForget) {
      let list = forgotten.get(f.topic);
      if (list === undefined) forgotten.set(f.topic, (list = []));
      list.push(f.partition);
    }
    return {
      session,
      request: {
        replicaId: this.#o.replicaId,
        maxWaitMs: config.maxWaitMs,
        minBytes: config.minBytes,
        maxBytes: config.maxBytes,
        isolationLevel: 0,
        sessionId: session.sessionId,
        sessionEpoch: session.sessionEpoch,
        topics,
        forgottenTopicsData: [...forgotten].map(([topic, partitions]) => ({ topic, partitions })),
        rackId: '',
      },
    };
  }

  /** The fetch states' keys ("topic-partition") of the partitions of a request's session. */
  #requestedKeys(session: FetchSessionRequest): string[] {
    return [...session.sessionPartitions.values()].map((p) => topicPartitionKey({ topic: p.topic, partition: p.partition }));
  }

  #delayPartitions(keys: Iterable<string>, delayMs: number): void {
    const until = this.#o.time.hiResClockMs() + delayMs;
    for (const key of keys) {
      const s = this.#states.get(key);
      if (s !== undefined) this.#states.set(key, { ...s, delayedUntilMs: until });
    }
  }

  #markPartitionFailed(key: string, reason: string, err?: unknown): void {
    this.#states.delete(key);
    this.#failed.add(key);
    this.#o.logger.warn({ err, topicPartition: key, fetcher: this.name, reason }, 'Partition marked as failed; it waits for a new leader epoch');
  }

  async #processFetchRequest(fetch: { request: Input<FetchRequest>; session: FetchSessionRequest }): Promise<void> {
    const { config, logger } = this.#o;
    let response: FetchResponse;
    try {
      response = await this.#o.leader.fetch(fetch.request);
    } catch (e) {
      if (this.#closed) return;
      this.#session.handleError();
      logger.warn({ err: e, fetcher: this.name }, 'Error in the fetch request to the leader; backing off');
      this.#delayPartitions(this.#requestedKeys(fetch.session), config.backoffMs);
      // Kafka's fetcher waits replica.fetch.backoff.ms after a failed request (a refused connection fails at once).
      await this.#sleep(config.backoffMs);
      return;
    }
    try {
      if (this.#closed) return;
      await this.#processFetchResponse(fetch.session, response);
    } finally {
      // Every append that read the response's records has completed (written, or failed before writing).
      this.#o.leader.releaseResponse?.(response);
    }
  }

  async #processFetchResponse(session: FetchSessionRequest, response: FetchResponse): Promise<void> {
    const answered = new Map<string, PartitionData>();
    for (const t of response.responses) for (const p of t.partitions) answered.set(`${t.topic}:${p.partitionIndex}`, p);
    if (!this.#session.handleResponse(response.errorCode, response.sessionId, answered.keys())) {
      // A session error is fixed by the next (full) fetch; anything else from the leader is backed off.
      if (response.errorCode !== Errors.FETCH_SESSION_ID_NOT_FOUND && response.errorCode !== Errors.INVALID_FETCH_SESSION_EPOCH) {
        this.#delayPartitions(this.#requestedKeys(session), this.#o.config.backoffMs);
      }
      return;
    }
    await this.#exclusive(() => this.#processResponse(session, answered));
  }

  async #processResponse(session: FetchSessionRequest, answered: Map<string, PartitionData>): Promise<void> {
    const withError: string[] = [];
    const diverging = new Map<string, Diverging>();
    for (const [sessionKey, data] of answered) {
      const requested = session.sessionPartitions.get(sessionKey);
      if (requested === undefined) continue;
      const tp = { topic: requested.topic, partition: requested.partition };
      const key = topicPartitionKey(tp);
      const state = this.#states.get(key);
      // A partition removed, re-added or truncated while the fetch was out: its answer is for an old position.
      if (state === undefined || state.state !== 'fetching' || state.fetchOffset !== requested.fetchOffset || state.delayedUntilMs > this.#o.time.hiResClockMs()) continue;
      switch (data.errorCode) {
        case Errors.NONE: {
          if (data.divergingEpoch.epoch >= 0) {
            diverging.set(key, { epoch: data.divergingEpoch.epoch, endOffset: data.divergingEpoch.endOffset });
            break;
          }
          await this.#appendPartitionData(key, state, data, withError);
          break;
        }
        case Errors.OFFSET_OUT_OF_RANGE:
          if (!(await this.#handleOutOfRange(key, state))) withError.push(key);
          break;
        case Errors.FENCED_LEADER_EPOCH:
          if (this.#onPartitionFenced(key, requested.currentLeaderEpoch)) withError.push(key);
          break;
        case Errors.UNKNOWN_LEADER_EPOCH:
        case Errors.NOT_LEADER_OR_FOLLOWER:
        case Errors.UNKNOWN_TOPIC_OR_PARTITION:
        case Errors.UNKNOWN_TOPIC_ID:
        case Errors.INCONSISTENT_TOPIC_ID:
        case Errors.KAFKA_STORAGE_ERROR:
          this.#o.logger.debug({ topicPartition: key, error: data.errorCode, fetcher: this.name }, 'The leader answered a partition with an error; backing it off');
          withError.push(key);
          break;
        default:
          this.#o.logger.error({ topicPartition: key, error: data.errorCode, fetchOffset: String(state.fetchOffset), fetcher: this.name }, 'Error for a partition of the fetch response');
          withError.push(key);
      }
    }
    if (diverging.size > 0) await this.#truncateToEpochEndOffsets(diverging);
    this.#delayPartitions(withError, this.#o.config.backoffMs);
  }

  /** Appends one partition's records and moves its fetch state (Kafka's processPartitionData). */
  async #appendPartitionData(key: string, state: PartitionFetchState, data: PartitionData, withError: string[]): Promise<void> {
    const partition = this.#o.partition(state.topicPartition);
    if (partition === undefined) {
      this.#markPartitionFailed(key, 'the partition is no longer hosted');
      return;
    }
    const log = partition.log;
    let info: LogAppendInfo | null = null;
    try {
      if (state.fetchOffset !== log.logEndOffset) {
        throw new Error(`Offset mismatch for partition ${key}: fetched offset = ${state.fetchOffset}, log end offset = ${log.logEndOffset}`);
      }
      const records = data.records;
      if (records !== null && !Buffer.isBuffer(records)) throw new Error(`records of ${key} are not bytes`);
      if (records !== null && records.length > 0) {
        if (this.#o.quota?.isThrottled(state.topicPartition) === true) this.#o.quota.record(records.length);
        info = await partition.appendRecordsToFollower(records);
      }
      if (this.#states.get(key) !== state) return;
      if (log.updateHighWatermark(data.highWatermark)) this.#o.completeDelayedFetchRequests?.(state.topicPartition);
      if (data.logStartOffset > log.logStartOffset) {
        await log.maybeIncrementLogStartOffset(data.logStartOffset, 'leader offset increment').catch((e: unknown) => {
          if (!(e instanceof OffsetOutOfRangeError)) throw e;
        });
      }
    } catch (e) {
      if (e instanceof CorruptRecordError || e instanceof InvalidRecordError) {
        // Possibly a transient state of the leader's log (a partial write): the next fetch may fix it.
        this.#o.logger.error({ err: e, topicPartition: key, fetchOffset: String(state.fetchOffset) }, 'Found invalid records in the fetch response');
        withError.push(key);
      } else if (e instanceof KafkaStorageError) {
        this.#markPartitionFailed(key, 'storage error while appending', e);
      } else {
        this.#markPartitionFailed(key, 'unexpected error while appending', e);
      }
      return;
    }
    if (this.#states.get(key) !== state) return;
    const appended = info !== null && info.validBytes > 0;
    const nextOffset = appended ? info!.lastOffset + 1n : state.fetchOffset;
    const lag = data.highWatermark > nextOffset ? data.highWatermark - nextOffset : 0n;
    if (appended || state.lag === null) {
      this.#states.set(key, { ...state, fetchOffset: nextOffset, lag, delayedUntilMs: 0, lastFetchedEpoch: log.latestEpoch ?? state.lastFetchedEpoch });
    }
  }

  /**
   * The offset to truncate to for a diverging epoch (Kafka's getOffsetTruncationState): this log's end of that
   * epoch bounded by the leader's; when this log does not know the epoch, the end of its largest epoch below it (the
   * next fetch asks again from there); when it knows none, the leader's end offset; never past this log's end.
   */
  static truncationOffset(log: PartitionLog, leaderEpoch: number, leaderEndOffset: bigint): bigint {
    const end = log.logEndOffset;
    const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
    if (leaderEndOffset < 0n) return min(log.highWatermark, end);
    if (leaderEpoch < 0) return min(leaderEndOffset, end);
    const own = log.endOffsetForEpoch(leaderEpoch);
    if (own.endOffset < 0n) return min(leaderEndOffset, end);
    if (own.leaderEpoch !== leaderEpoch) return min(own.endOffset, end);
    return min(min(own.endOffset, leaderEndOffset), end);
  }

  async #truncateToEpochEndOffsets(diverging: Map<string, Diverging>): Promise<void> {
    for (const [key, d] of diverging) {
      const state = this.#states.get(key);
      const partition = state === undefined ? undefined : this.#o.partition(state.topicPartition);
      if (state === undefined || partition === undefined) continue;
      const offset = ReplicaFetcherThread.truncationOffset(partition.log, d.epoch, d.endOffset);
      this.#o.logger.info({ topicPartition: key, divergingEpoch: d.epoch, leaderEndOffset: String(d.endOffset), offset: String(offset), fetcher: this.name }, 'Truncating to the end of the diverging epoch');
      await this.#truncate(key, state, partition, offset);
    }
  }

  /** Truncates and fetches from `offset` next (Kafka's truncate + updateFetchOffsetAndMaybeMarkTruncationComplete). */
  async #truncate(key: string, state: PartitionFetchState, partition: Partition<L>, offset: bigint): Promise<void> {
    const log = partition.log;
    if (offset < log.highWatermark) {
      this.#o.logger.warn({ topicPartition: key, offset: String(offset), highWatermark: String(log.highWatermark) }, 'Truncating below the high watermark');
    }
    try {
      await log.truncateTo(offset);
    } catch (e) {
      this.#markPartitionFailed(key, 'truncation failed', e);
      return;
    }
    if (this.#states.get(key) !== state) return;
    this.#states.set(key, { ...state, fetchOffset: offset, state: 'fetching', lastFetchedEpoch: log.latestEpoch ?? null });
  }

  /** Partitions without leader epochs truncate to their high watermark (the fetch offset they were added with). */
  async #truncateToHighWatermark(): Promise<void> {
    for (const [key, state] of [...this.#states]) {
      if (state.state !== 'truncating' || state.delayedUntilMs > this.#o.time.hiResClockMs()) continue;
      const partition = this.#o.partition(state.topicPartition);
      if (partition === undefined) continue;
      this.#o.logger.info({ topicPartition: key, offset: String(state.fetchOffset), fetcher: this.name }, 'Truncating to the local high watermark');
      await this.#truncate(key, state, partition, state.fetchOffset);
    }
  }

  /**
   * OFFSET_OUT_OF_RANGE (Kafka's fetchOffsetAndTruncate): this log ends past the leader's (an unclean election),
   * so it truncates to the leader's end; or it ends before the leader's start (retention), so it starts over at the
   * leader's start; otherwise it keeps fetching from its own end.
   * @returns false when the partition should back off and retry.
   */
  async #handleOutOfRange(key: string, state: PartitionFetchState): Promise<boolean> {
    const partition = this.#o.partition(state.topicPartition);
    if (partition === undefined) return false;
    const log = partition.log;
    try {
      const latest = await this.#listOffset(state, -1n);
      if (this.#states.get(key) !== state) return true;
      const replicaEnd = log.logEndOffset;
      if (latest < replicaEnd) {
        this.#o.logger.warn({ topicPartition: key, from: String(replicaEnd), to: String(latest) }, "Reset the fetch offset to the current leader's latest offset");
        await log.truncateTo(latest);
        if (this.#states.get(key) === state) this.#states.set(key, { ...state, fetchOffset: latest, lag: 0n, lastFetchedEpoch: log.latestEpoch ?? null });
        return true;
      }
      const earliest = await this.#listOffset(state, -2n);
      if (this.#states.get(key) !== state) return true;
      const offset = earliest > log.logEndOffset ? earliest : log.logEndOffset;
      if (earliest > log.logEndOffset) {
        this.#o.logger.warn({ topicPartition: key, from: String(log.logEndOffset), to: String(earliest) }, "Truncating fully: the log ends before the leader's log start offset");
        await log.truncateFullyAndStartAt(earliest);
      }
      if (this.#states.get(key) === state) this.#states.set(key, { ...state, fetchOffset: offset, lag: latest - offset, lastFetchedEpoch: log.latestEpoch ?? null });
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.code === Errors.FENCED_LEADER_EPOCH) return !this.#onPartitionFenced(key, state.currentLeaderEpoch);
      this.#o.logger.info({ err: e, topicPartition: key }, 'Could not fetch the leader offsets of a partition out of range');
      return false;
    }
  }

  async #listOffset(state: PartitionFetchState, timestamp: bigint): Promise<bigint> {
    const r = await this.#o.leader.listOffset(state.topicPartition, state.currentLeaderEpoch, timestamp);
    if (r.errorCode !== Errors.NONE) throw new ApiError(r.errorCode, `ListOffsets of ${topicPartitionKey(state.topicPartition)} failed with error ${r.errorCode}`);
    return r.offset;
  }

  /**
   * The leader has a newer epoch than the one this fetcher fetched with (Kafka's onPartitionFenced): if this
   * fetcher is still in that epoch, the partition fails until the metadata brings the new epoch; if it already
   * moved on, the answer was for an old request.
   * @returns true when the partition should back off and retry.
   */
  #onPartitionFenced(key: string, requestEpoch: number): boolean {
    const state = this.#states.get(key);
    if (state === undefined) return false;
    if (requestEpoch === state.currentLeaderEpoch) {
      this.#markPartitionFailed(key, `the leader has a newer epoch than ${requestEpoch}`);
      return false;
    }
    return true;
  }
}
