import type { Logger } from '../observability/logger.ts';
import { readEndTransactionMarker } from '../protocol/records/control-record.ts';
import { BatchLayout, RecordBatch } from '../protocol/records/record-batch.ts';
import { CorruptSnapshotError, InvalidProducerEpochError, InvalidTxnStateError } from './errors.ts';
import { type AppendOrigin, type CompletedTxn, ProducerAppendInfo, type StartedTxn, type VerificationStateEntry } from './producer-append-info.ts';
import { type BatchMetadata, ProducerStateEntry } from './producer-state-entry.ts';
import { ProducerSnapshotFile } from './producer-snapshot-file.ts';

/** Settings of a {@link ProducerStateManager} (Kafka's ProducerStateManagerConfig). */
export interface ProducerStateManagerConfig {
  /** producer.id.expiration.ms: a producer idle this long (and not in a transaction) is forgotten. Default 1 day. */
  readonly producerIdExpirationMs: number;
  /** transaction.partition.verification.enable: a transaction's first client batch must carry a verification. */
  readonly transactionVerificationEnabled: boolean;
}

export const DEFAULT_PRODUCER_STATE_CONFIG: ProducerStateManagerConfig = Object.freeze({
  producerIdExpirationMs: 86_400_000,
  transactionVerificationEnabled: false,
});

/** What {@link ProducerStateManager.analyzeAppend} found: a duplicate to answer with, or the state to apply. */
export interface AppendAnalysis {
  /** The earlier batch this (retried) client batch duplicates: nothing is written, its offsets are returned. */
  readonly duplicate: BatchMetadata | null;
  readonly updatedProducers: ReadonlyMap<bigint, ProducerAppendInfo>;
  readonly completedTxns: readonly CompletedTxn[];
}

/** An aborted transaction to add to the active segment's transaction index, with the LSO at its marker. */
export interface AbortedTxnToIndex {
  readonly txn: CompletedTxn;
  readonly lastStableOffset: number;
}

type CompletedTxnMetadata = StartedTxn & { readonly lastOffset: number };

const EMPTY_UPDATES: ReadonlyMap<bigint, ProducerAppendInfo> = new Map();
const NO_PRODUCERS: ReadonlyMap<bigint, ProducerStateEntry> = new Map();
/** The empty list of every idle partition (frozen, shared): lists only grow through insertSorted, which replaces it. */
const NONE = Object.freeze([]) as unknown as never[];
const NO_COMPLETED_TXNS: readonly CompletedTxn[] = [];
const NO_ABORTED: readonly AbortedTxnToIndex[] = [];

/**
 * The idempotent and transactional producer state of one partition (Kafka's ProducerStateManager): per producer
 * id its epoch, last batches, coordinator epoch and open transaction; the open transactions ordered by first
 * offset, and the completed ones whose marker is not yet below the high watermark, which together give the first
 * unstable offset (the last stable offset is min(first unstable offset, high watermark)).
 *
 * Snapshots (`<offset>.snapshot`, see ProducerSnapshotFile) are taken at segment rolls and clean shutdown; on
 * open the latest valid one is loaded and the log after it replayed (see rebuildProducerState). `mapEndOffset` is
 * the offset the in-memory state is complete up to (exclusive).
 *
 * The owner (UnifiedLog) calls every mutating method from its append queue; offsets are plain numbers.
 *
 * Most partitions never see a producer id: the maps and lists are allocated on first use.
 */
export class ProducerStateManager {
  readonly topicPartition: string;
  readonly dir: string;
  config: ProducerStateManagerConfig;
  readonly #parentLogger: Logger;
  #producers: Map<bigint, ProducerStateEntry> | null = null;
  #verification: Map<bigint, VerificationStateEntry> | null = null;
  /** Ongoing transactions, ascending by first offset. */
  #ongoing: StartedTxn[] = NONE;
  /** Completed transactions whose marker is at or above the high watermark, ascending by first offset. */
  #unreplicated: CompletedTxnMetadata[] = NONE;
  /** Offsets of the snapshot files on disk, ascending. */
  #snapshots: number[] = NONE;
  #lastMapOffset = 0;
  #lastSnapOffset = 0;

  private constructor(topicPartition: string, dir: string, config: ProducerStateManagerConfig, logger: Logger) {
    this.topicPartition = topicPartition;
    this.dir = dir;
    this.config = config;
    this.#parentLogger = logger;
  }

  /** A manager for the partition directory `dir`, knowing the snapshot files there (none loaded yet). */
  static async create(topicPartition: string, dir: string, config: ProducerStateManagerConfig, logger: Logger): Promise<ProducerStateManager> {
    const m = new ProducerStateManager(topicPartition, dir, config, logger);
    m.#snapshots = await ProducerSnapshotFile.list(dir);
    return m;
  }

  /** A manager for a directory just created (no snapshot files: nothing is read). */
  static createEmpty(topicPartition: string, dir: string, config: ProducerStateManagerConfig, logger: Logger): ProducerStateManager {
    return new ProducerStateManager(topicPartition, dir, config, logger);
  }

  /** A child logger per message, not kept: this manager logs rarely (snapshot loads and problems). */
  get #logger(): Logger {
    return this.#parentLogger.child({ component: 'ProducerStateManager' });
  }

  #producerMap(): Map<bigint, ProducerStateEntry> {
    return (this.#producers ??= new Map());
  }

  /** The producers with state, by id. */
  get activeProducers(): ReadonlyMap<bigint, ProducerStateEntry> {
    return this.#producers ?? NO_PRODUCERS;
  }

  get producerIdCount(): number {
    return this.#producers?.size ?? 0;
  }

  get isEmpty(): boolean {
    return this.producerIdCount === 0 && this.#unreplicated.length === 0;
  }

  /** The offset the state is complete up to (exclusive). */
  get mapEndOffset(): number {
    return this.#lastMapOffset;
  }

  updateMapEndOffset(offset: number): void {
    this.#lastMapOffset = offset;
  }

  lastEntry(producerId: bigint): ProducerStateEntry | undefined {
    return this.#producers?.get(producerId);
  }

  /** The snapshot offsets on disk, ascending. */
  get snapshotOffsets(): readonly number[] {
    return this.#snapshots;
  }

  get latestSnapshotOffset(): number | undefined {
    return this.#snapshots.at(-1);
  }

  get oldestSnapshotOffset(): number | undefined {
    return this.#snapshots[0];
  }

  /**
   * The first offset that is undecided (in an open transaction) or decided by a marker not yet below the high
   * watermark; null when none (Kafka's firstUnstableOffset).
   */
  get firstUnstableOffset(): number | null {
    const undecided = this.#ongoing[0]?.firstOffset;
    const unreplicated = this.#unreplicated[0]?.firstOffset;
    if (undecided === undefined) return unreplicated ?? null;
    if (unreplicated === undefined) return undecided;
    return Math.min(undecided, unreplicated);
  }

  /** The first offset of the oldest open transaction, or null (Kafka's firstUndecidedOffset). */
  get firstUndecidedOffset(): number | null {
    return this.#ongoing[0]?.firstOffset ?? null;
  }

  /** Completed transactions whose markers are now below the high watermark stop holding back the LSO. */
  onHighWatermarkUpdated(highWatermark: number): void {
    this.#removeUnreplicatedTransactions(highWatermark);
  }

  #removeUnreplicatedTransactions(offset: number): void {
    if (this.#unreplicated.length === 0) return;
    this.#unreplicated = this.#unreplicated.filter((t) => t.lastOffset >= offset);
  }

  /** True when `producerId` has an open transaction in `producerEpoch`. */
  hasOngoingTransaction(producerId: bigint, producerEpoch: number): boolean {
    const e = this.#producers?.get(producerId);
    return e !== undefined && e.currentTxnFirstOffset !== null && e.producerEpoch === producerEpoch;
  }

  /**
   * Starts (or joins) the KIP-890 verification of a transactional produce (Kafka's
   * UnifiedLog.maybeStartTransactionVerification): null when the producer's transaction is already open here (no
   * verification needed), else the guard the append must present.
   * @throws InvalidProducerEpochError when `producerEpoch` is older than the producer's.
   */
  maybeStartTransactionVerification(producerId: bigint, sequence: number, producerEpoch: number, now: number): object | null {
    const entry = this.#producers?.get(producerId);
    if (entry !== undefined && producerEpoch < entry.producerEpoch) {
      throw new InvalidProducerEpochError(`Epoch of producer ${producerId} is ${producerEpoch}, which is smaller than the last seen epoch ${entry.producerEpoch}`);
    }
    if (this.hasOngoingTransaction(producerId, producerEpoch)) return null;
    const existing = this.#verification?.get(producerId);
    if (existing !== undefined && producerEpoch >= existing.epoch) {
      existing.lowestSequence = existing.epoch === producerEpoch ? Math.min(existing.lowestSequence, sequence) : sequence;
      existing.epoch = producerEpoch;
      return existing.guard;
    }
    const created: VerificationStateEntry = { guard: {}, timestamp: now, lowestSequence: sequence, epoch: producerEpoch };
    (this.#verification ??= new Map()).set(producerId, created);
    return created.guard;
  }

  /** A fresh append-info for `producerId` (Kafka's prepareUpdate). */
  prepareUpdate(producerId: bigint, origin: AppendOrigin): ProducerAppendInfo {
    const current = this.#producers?.get(producerId) ?? ProducerStateEntry.empty(producerId);
    return new ProducerAppendInfo(this.topicPartition, producerId, current, origin, this.#verification?.get(producerId));
  }

  /**
   * Validates the producer state of an append whose offsets are assigned (Kafka's
   * UnifiedLog.analyzeAndValidateProducerState). Pure: nothing changes until {@link applyAppend}, except that a
   * transactional batch ends its producer's verification.
   * @throws InvalidProducerEpochError (47), OutOfOrderSequenceError (45), InvalidTxnStateError (48),
   * TransactionCoordinatorFencedError (52).
   */
  analyzeAppend(records: Buffer, origin: AppendOrigin, verificationGuard: object | null): AppendAnalysis {
    // Allocated on the first batch with a producer id: plain appends stay allocation-free.
    let updatedProducers: Map<bigint, ProducerAppendInfo> | null = null;
    let completedTxns: CompletedTxn[] | null = null;
    for (let at = 0; at < records.length; ) {
      const batchStart = at;
      at += records.readInt32BE(at + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
      if (records.readBigInt64BE(batchStart + BatchLayout.PRODUCER_ID) < 0n) continue;
      const batch = new RecordBatch(records, batchStart);
      const producerId = batch.producerId;
      updatedProducers ??= new Map();
      if (origin === 'client') {
        const duplicate = this.#producers?.get(producerId)?.findDuplicateBatch(batch.producerEpoch, batch.baseSequence, batch.lastSequence);
        if (duplicate !== undefined) return { duplicate, updatedProducers: EMPTY_UPDATES, completedTxns: NO_COMPLETED_TXNS };
        // KIP-890: a transaction's first batch is written only if the coordinator confirmed the partition is in
        // it. The coordinator's own transactional appends (offset commits) are trusted.
        if (batch.isTransactional && !this.hasOngoingTransaction(producerId, batch.producerEpoch)) {
          const entry = this.#producers?.get(producerId);
          if (entry !== undefined && batch.producerEpoch < entry.producerEpoch) {
            throw new InvalidProducerEpochError(`Epoch of producer ${producerId} is ${batch.producerEpoch}, which is smaller than the last seen epoch ${entry.producerEpoch}`);
          }
          if (this.config.transactionVerificationEnabled && !batch.isControl && (verificationGuard === null || this.#verification?.get(producerId)?.guard !== verificationGuard)) {
            throw new InvalidTxnStateError('Record was not part of an ongoing transaction');
          }
        }
      }
      let info = updatedProducers.get(producerId);
      if (info === undefined) {
        info = this.prepareUpdate(producerId, origin);
        updatedProducers.set(producerId, info);
      }
      const completed = appendBatch(info, batch);
      if (completed !== null) (completedTxns ??= []).push(completed);
      if (batch.isTransactional) this.#verification?.delete(producerId);
    }
    return { duplicate: null, updatedProducers: updatedProducers ?? EMPTY_UPDATES, completedTxns: completedTxns ?? NO_COMPLETED_TXNS };
  }

  /**
   * Applies an analysed append (Kafka's update + completeTxn): producer entries, opened and completed
   * transactions. @returns the aborted transactions with their last stable offsets, for the transaction index.
   */
  applyAppend(analysis: AppendAnalysis): readonly AbortedTxnToIndex[] {
    if (analysis.updatedProducers.size === 0) return NO_ABORTED;
    for (const info of analysis.updatedProducers.values()) this.update(info);
    const aborted: AbortedTxnToIndex[] = [];
    for (const txn of analysis.completedTxns) {
      const lastStableOffset = this.lastStableOffset(txn);
      if (txn.isAborted) aborted.push({ txn, lastStableOffset });
      this.completeTxn(txn);
    }
    return aborted;
  }

  /** Folds an append-info into the producer map and opens its transactions (Kafka's update). */
  update(info: ProducerAppendInfo): void {
    const next = info.toEntry();
    const producers = this.#producerMap();
    const current = producers.get(info.producerId);
    if (current !== undefined) current.update(next);
    else producers.set(info.producerId, next);
    for (const txn of info.startedTransactions) this.#ongoing = insertSorted(this.#ongoing, txn);
  }

  /**
   * The LSO to record with a completed transaction in the transaction index: the first offset of the oldest open
   * transaction of another producer, or the offset after the marker.
   */
  lastStableOffset(txn: CompletedTxn): number {
    for (const t of this.#ongoing) if (t.producerId !== txn.producerId) return t.firstOffset;
    return txn.lastOffset + 1;
  }

  /** Marks a transaction complete; it keeps holding back the LSO until the high watermark passes its marker. */
  completeTxn(txn: CompletedTxn): void {
    const i = this.#ongoing.findIndex((t) => t.firstOffset === txn.firstOffset);
    if (i < 0) throw new Error(`Attempted to complete transaction ${JSON.stringify({ ...txn, producerId: String(txn.producerId) })} on partition ${this.topicPartition} which was not started`);
    this.#ongoing.splice(i, 1);
    this.#unreplicated = insertSorted(this.#unreplicated, { producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset });
  }

  /** Adds an entry read from a snapshot (Kafka's loadProducerEntry). */
  loadProducerEntry(entry: ProducerStateEntry): void {
    this.#producerMap().set(entry.producerId, entry);
    if (entry.currentTxnFirstOffset !== null) this.#ongoing = insertSorted(this.#ongoing, { producerId: entry.producerId, firstOffset: entry.currentTxnFirstOffset });
  }

  #isExpired(now: number, e: ProducerStateEntry): boolean {
    return e.currentTxnFirstOffset === null && now - e.lastTimestamp >= this.config.producerIdExpirationMs;
  }

  /** Forgets producers idle for producer.id.expiration.ms outside a transaction (Kafka's removeExpiredProducers). */
  removeExpiredProducers(now: number): number {
    let removed = 0;
    const producers = this.#producers;
    if (producers !== null) {
      for (const [id, e] of producers) {
        if (this.#isExpired(now, e)) {
          producers.delete(id);
          removed++;
        }
      }
      if (producers.size === 0) this.#producers = null;
    }
    const verification = this.#verification;
    if (verification !== null) {
      for (const [id, v] of verification) if (now - v.timestamp >= this.config.producerIdExpirationMs) verification.delete(id);
      if (verification.size === 0) this.#verification = null;
    }
    return removed;
  }

  /**
   * Makes the state match a log of [logStartOffset, logEndOffset) (Kafka's truncateAndReload): snapshots outside
   * that range are deleted, and unless the state already ends at `logEndOffset` it is reloaded from the latest
   * valid snapshot (corrupt ones are deleted); the caller then replays the log from {@link mapEndOffset}.
   */
  async truncateAndReload(logStartOffset: number, logEndOffset: number, now: number): Promise<void> {
    for (const offset of [...this.#snapshots]) {
      if (offset > logEndOffset || offset <= logStartOffset) await this.#removeAndDeleteSnapshot(offset);
    }
    if (logEndOffset !== this.#lastMapOffset) {
      this.#producers = null;
      this.#ongoing = NONE;
      this.#unreplicated = NONE;
      await this.#loadFromSnapshot(logStartOffset, now);
    } else {
      this.onLogStartOffsetIncremented(logStartOffset);
    }
  }

  async #loadFromSnapshot(logStartOffset: number, now: number): Promise<void> {
    for (;;) {
      const offset = this.#snapshots.at(-1);
      if (offset === undefined) {
        this.#lastSnapOffset = logStartOffset;
        this.#lastMapOffset = logStartOffset;
        return;
      }
      const path = ProducerSnapshotFile.path(this.dir, offset);
      try {
        const entries = await ProducerSnapshotFile.read(path);
        this.#logger.info({ topicPartition: this.topicPartition, snapshot: path, producers: entries.length }, 'Loading producer state from snapshot file');
        for (const e of entries) if (!this.#isExpired(now, e)) this.loadProducerEntry(e);
        this.#lastSnapOffset = offset;
        this.#lastMapOffset = offset;
        return;
      } catch (e) {
        if (!(e instanceof CorruptSnapshotError) && (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        this.#logger.warn({ topicPartition: this.topicPartition, snapshot: path, reason: (e as Error).message }, 'Failed to load producer snapshot; deleting it');
        await this.#removeAndDeleteSnapshot(offset);
      }
    }
  }

  /**
   * Writes a snapshot at {@link mapEndOffset} unless one exists there already (Kafka's takeSnapshot). Without
   * `sync` the file is not fsynced: call ProducerSnapshotFile.flush later (the roll does it in the background).
   * @returns the path written, or null.
   */
  async takeSnapshot(sync = true): Promise<string | null> {
    const offset = this.#lastMapOffset;
    if (offset <= this.#lastSnapOffset) return null;
    const path = ProducerSnapshotFile.path(this.dir, offset);
    const data = ProducerSnapshotFile.encode(this.activeProducers.values());
    await ProducerSnapshotFile.write(path, data, sync);
    if (!this.#snapshots.includes(offset)) this.#snapshots = insertSortedNumber(this.#snapshots, offset);
    this.#lastSnapOffset = Math.max(this.#lastSnapOffset, offset);
    if (this.#parentLogger.isLevelEnabled('debug')) this.#logger.debug({ topicPartition: this.topicPartition, offset, producers: this.producerIdCount }, 'Wrote producer snapshot');
    return path;
  }

  /** The log start offset moved: completed transactions below it are forgotten (Kafka's onLogStartOffsetIncremented). */
  onLogStartOffsetIncremented(logStartOffset: number): void {
    this.#removeUnreplicatedTransactions(logStartOffset);
    if (this.#lastMapOffset < logStartOffset) this.#lastMapOffset = logStartOffset;
    this.#lastSnapOffset = this.latestSnapshotOffset ?? logStartOffset;
  }

  /** Forgets everything and deletes every snapshot; the state restarts empty at `offset`. */
  async truncateFullyAndStartAt(offset: number): Promise<void> {
    this.#producers = null;
    this.#verification = null;
    this.#ongoing = NONE;
    this.#unreplicated = NONE;
    for (const o of [...this.#snapshots]) await this.#removeAndDeleteSnapshot(o);
    this.#lastSnapOffset = 0;
    this.#lastMapOffset = offset;
  }

  /** Deletes the snapshots below `offset`. */
  async deleteSnapshotsBefore(offset: number): Promise<void> {
    for (const o of this.#snapshots.filter((s) => s < offset)) await this.#removeAndDeleteSnapshot(o);
  }

  /** Deletes the snapshot taken at `offset` (that of a deleted segment), if any. */
  async deleteSnapshot(offset: number): Promise<void> {
    await this.#removeAndDeleteSnapshot(offset);
  }

  async #removeAndDeleteSnapshot(offset: number): Promise<void> {
    const i = this.#snapshots.indexOf(offset);
    if (i < 0) return;
    this.#snapshots.splice(i, 1);
    await ProducerSnapshotFile.deleteIfExists(ProducerSnapshotFile.path(this.dir, offset));
  }

  /**
   * Deletes snapshots that match no segment, except the newest one when it lies beyond every segment base (the
   * one a clean shutdown wrote at the log end) (Kafka's removeStraySnapshots).
   */
  async removeStraySnapshots(segmentBaseOffsets: readonly number[]): Promise<void> {
    const bases = new Set(segmentBaseOffsets);
    const maxBase = segmentBaseOffsets.length === 0 ? undefined : Math.max(...segmentBaseOffsets);
    let latestStray: number | undefined;
    for (const offset of [...this.#snapshots]) {
      if (bases.has(offset)) continue;
      if (latestStray !== undefined) await this.#removeAndDeleteSnapshot(latestStray);
      latestStray = offset;
    }
    if (latestStray !== undefined && maxBase !== undefined && latestStray < maxBase) await this.#removeAndDeleteSnapshot(latestStray);
  }
}

/**
 * Validates and records one batch with a producer id (Kafka's ProducerAppendInfo.append): a control batch ends the
 * producer's transaction, a data batch extends its sequence. An empty control batch (cleaned) changes nothing.
 */
export function appendBatch(info: ProducerAppendInfo, batch: RecordBatch): CompletedTxn | null {
  const baseOffset = Number(batch.baseOffset);
  if (batch.isControl) {
    const marker = readEndTransactionMarker(batch);
    if (marker === null) return null;
    const timestamp = Number(batch.maxTimestamp);
    return info.appendEndTxnMarker(marker.type === 'ABORT', marker.coordinatorEpoch, batch.producerEpoch, baseOffset, timestamp);
  }
  const lastOffset = baseOffset + batch.lastOffsetDelta;
  info.appendDataBatch(batch.producerEpoch, batch.baseSequence, batch.lastSequence, Number(batch.maxTimestamp), baseOffset, lastOffset, batch.isTransactional);
  return null;
}

/** Inserts `item` by first offset (replacing an entry with the same one); returns the list (a new one when empty). */
function insertSorted<T extends { readonly firstOffset: number }>(list: T[], item: T): T[] {
  if (list.length === 0) return [item];
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.firstOffset < item.firstOffset) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo]?.firstOffset === item.firstOffset) list[lo] = item;
  else list.splice(lo, 0, item);
  return list;
}

/** Inserts `n` in ascending order; returns the list (a new one when empty). */
function insertSortedNumber(list: number[], n: number): number[] {
  if (list.length === 0) return [n];
  let i = list.length;
  while (i > 0 && list[i - 1]! > n) i--;
  list.splice(i, 0, n);
  return list;
}
