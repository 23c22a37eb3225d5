import type { Logger } from '../observability/logger.ts';
import type { Time } from '../common/time.ts';
import type { QuorumStateStore } from './quorum-state-store.ts';
import type { RaftBatch, ReplicatedLog } from './replicated-log.ts';

/** Receives the committed log, in order (Kafka's `RaftClient.Listener`). */
export interface RaftClientListener {
  /** A committed batch; the client waits for a returned promise before delivering the next one. */
  handleCommit(batch: RaftBatch): Promise<void> | void;
  /** Leadership changed; `leaderId` -1 when unknown. */
  handleLeaderChange?(leaderId: number, epoch: number): void;
  /**
   * Every batch committed before start-up has been delivered (the client has caught up with the high
   * watermark). Called once, before {@link KafkaRaftClient.start} resolves; the client waits for a returned
   * promise. A listener may hold back work until then, as Kafka's MetadataLoader publishes nothing while it
   * is catching up.
   */
  handleCaughtUp?(): Promise<void> | void;
}

/** Thrown by {@link KafkaRaftClient.scheduleAppend} when this node is not the leader (NOT_CONTROLLER to clients). */
export class NotLeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotLeaderError';
  }
}

export interface KafkaRaftClientOptions {
  nodeId: number;
  /** Voter ids of the quorum (controller.quorum.voters). */
  voters: readonly number[];
  log: ReplicatedLog;
  stateStore: QuorumStateStore;
  time: Time;
  logger: Logger;
}

/**
 * A KRaft client after KIP-595 (Kafka's `KafkaRaftClient`), for the metadata log.
 *
 * State transitions (KIP-595 QuorumState; only the single-voter path is implemented so far):
 * ```
 * Unattached --(sole voter: elect self, epoch+1 persisted)--> Leader
 * Leader     --(close)-->                                     Resigned
 * ```
 * With a single voter the leader's own flushed log end offset is the majority, so an append is committed as
 * soon as it is on disk: `scheduleAppend` appends, fsyncs, advances the high watermark and delivers the batch
 * to the listeners before it resolves. On start-up every batch already in the log is committed (it was flushed
 * before it was acknowledged) and is replayed to the listeners. A quorum of several voters (Vote,
 * BeginQuorumEpoch, Fetch between voters) slots in behind the same interface.
 */
export class KafkaRaftClient {
  readonly #options: KafkaRaftClientOptions;
  readonly #listeners: RaftClientListener[] = [];
  #epoch = 0;
  #leaderId = -1;
  #highWatermark = 0n;
  #appendChain: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: KafkaRaftClientOptions) {
    if (options.voters.length !== 1 || options.voters[0] !== options.nodeId) {
      throw new Error(`controller.quorum.voters ${options.voters.join(',')}: only a single-voter quorum containing this node (${options.nodeId}) is supported so far`);
    }
    this.#options = options;
  }

  register(listener: RaftClientListener): void {
    this.#listeners.push(listener);
  }

  get epoch(): number {
    return this.#epoch;
  }

  get leaderId(): number {
    return this.#leaderId;
  }

  get isLeader(): boolean {
    return this.#leaderId === this.#options.nodeId;
  }

  /** Offset up to which (exclusive) the log is committed. */
  get highWatermark(): bigint {
    return this.#highWatermark;
  }

  /**
   * Replays the committed log to the listeners, tells them they have caught up (`handleCaughtUp`), then elects
   * this node (the only voter) leader in a new epoch.
   */
  async start(): Promise<void> {
    const { log, stateStore, nodeId, voters, logger } = this.#options;
    let replayed = 0;
    for await (const batch of log.readBatches(0n)) {
      await this.#deliver(batch);
      replayed += batch.records.length;
    }
    this.#highWatermark = log.endOffset;
    log.updateHighWatermark(this.#highWatermark);
    for (const l of this.#listeners) await l.handleCaughtUp?.();
    const stored = await stateStore.read();
    const epoch = Math.max(stored?.leaderEpoch ?? 0, log.lastFetchedEpoch) + 1;
    await stateStore.write({ leaderId: nodeId, leaderEpoch: epoch, votedId: nodeId, currentVoters: [...voters] });
    log.assignEpochStartOffset(epoch, log.endOffset);
    this.#epoch = epoch;
    this.#leaderId = nodeId;
    logger.info({ epoch, replayedRecords: replayed, endOffset: String(log.endOffset) }, 'Elected leader of the metadata quorum (single voter)');
    for (const l of this.#listeners) l.handleLeaderChange?.(nodeId, epoch);
  }

  async #deliver(batch: RaftBatch): Promise<void> {
    for (const l of this.#listeners) await l.handleCommit(batch);
  }

  /**
   * Appends `records` (metadata record values) as one batch in the current epoch and resolves once it is
   * committed and every listener has applied it. Appends are ordered: a later call commits after an earlier one.
   * @returns the offset of the last record.
   * @throws NotLeaderError when this node is not the leader (or the client is closed).
   */
  scheduleAppend(records: readonly Buffer[]): Promise<bigint> {
    if (!this.isLeader || this.#closed) {
      return Promise.reject(new NotLeaderError(`node ${this.#options.nodeId} is not the metadata leader`));
    }
    const epoch = this.#epoch;
    const run = async (): Promise<bigint> => {
      if (this.#closed || epoch !== this.#epoch) throw new NotLeaderError('leadership lost before the append');
      const { log, time } = this.#options;
      const timestampMs = time.milliseconds();
      const { baseOffset, lastOffset } = await log.appendAsLeader(records, epoch, timestampMs);
      await log.flush();
      this.#highWatermark = lastOffset + 1n;
      log.updateHighWatermark(this.#highWatermark);
      await this.#deliver({ baseOffset, lastOffset, epoch, appendTimestampMs: timestampMs, records });
      return lastOffset;
    };
    const result = this.#appendChain.then(run, run);
    this.#appendChain = result.catch(() => undefined);
    return result;
  }

  /** Stops accepting appends, waits for pending ones, and closes the log. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#appendChain;
    this.#leaderId = -1;
    await this.#options.log.close();
  }
}
