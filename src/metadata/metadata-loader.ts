import type { FaultHandler } from '../common/fault-handler.ts';
import type { Logger } from '../observability/logger.ts';
import type { Batch } from '../raft/batch.ts';
import type { LeaderAndEpoch } from '../raft/leader-and-epoch.ts';
import type { RaftClientListener } from '../raft/raft-client-listener.ts';
import type { SnapshotReader } from '../raft/snapshot-reader.ts';
import { decodeSnapshotHeader } from '../raft/control-records.ts';
import { ControlRecordType } from '../protocol/records/control-record.ts';
import type { LoaderManifest } from './loader-manifest.ts';
import { MetadataDelta, type MetadataChanges } from './metadata-delta.ts';
import { EMPTY_IMAGE, type MetadataImage } from './metadata-image.ts';
import { decodeMetadataRecord, type MetadataRecord } from './metadata-record-serde.ts';

/** A component that reacts to new metadata images (Kafka's `MetadataPublisher`). */
export interface MetadataPublisher {
  readonly name: string;
  /**
   * Called with each new image, in log order; the loader waits for a returned promise. `manifest` says how the
   * image came about (log batches of so many bytes, or a snapshot).
   */
  onMetadataUpdate(image: MetadataImage, changes: MetadataChanges, manifest: LoaderManifest): Promise<void> | void;
}

/** What a {@link MetadataLoader} is built with. */
export interface MetadataLoaderOptions {
  /**
   * The raft client's high watermark (null while unknown): the loader is catching up until it has been handed
   * the log up to it (Kafka's highWaterMarkAccessor).
   */
  readonly highWatermark?: () => bigint | null;
}

/**
 * Turns committed `__cluster_metadata` batches and snapshots into images and hands them to the publishers, after
 * Kafka's `MetadataLoader`: one delta per committed batch (a controller operation is one batch, so publishers never
 * see half an operation). Control batches (LeaderChange, KIP-853 voters) change no image.
 *
 * While catching up (from start-up until it has been handed the log up to the raft client's high watermark, as
 * Kafka's loader decides) every batch, and the snapshot it started from, goes into one delta and nothing is
 * published; the publishers then get the resulting image at once. So they never act on history: a topic deleted
 * (and perhaps re-created under the same name) before the restart is never opened and then deleted again, which
 * would take the current topic's files with it. {@link caughtUp} resolves then. A snapshot loaded later (a
 * follower that fell behind the leader's log start) replaces the published image; the changes published with it
 * are the exact difference (KIP-630, Kafka's MetadataDelta snapshot loading).
 *
 * Fail-stop (Kafka's loader FaultHandler, fatal on a node with the controller role): a committed record that
 * fails to decode or to apply, an image that cannot be built, or a publisher that throws goes to the injected
 * {@link FaultHandler}. The broker's ends the process (ProcessTerminatingFaultHandler); with any other the loader
 * stops for good: the failing call and every later one reject, and no image is published again, so the node
 * never serves an image that skipped a committed batch. (Kafka's loader logs and goes on when the node is a
 * broker only; here the image would silently lack the batch, so every role stops.)
 *
 * Metadata transactions (KIP-868, Kafka's MetadataBatchLoader): the records between a BeginTransactionRecord and
 * its EndTransactionRecord apply together when the End is replayed, or not at all after an
 * AbortTransactionRecord; no image is published in between, and the End or Abort's offset is the image's. Our
 * controller writes none, but Apache Kafka's writes its bootstrap records (from `kafka-storage format`) in one, so a
 * metadata log written by Kafka loads here. A log that ends inside a transaction once caught up is a fault: only
 * Kafka's controller aborts it (ActivationRecordsGenerator), ours would keep appending to it.
 */
export class MetadataLoader implements RaftClientListener {
  #image: MetadataImage = EMPTY_IMAGE;
  readonly #publishers: MetadataPublisher[] = [];
  readonly #logger: Logger;
  readonly #faultHandler: FaultHandler;
  #waiters: { offset: bigint; resolve: () => void; reject: (e: Error) => void }[] = [];
  #catchingUp = true;
  #catchUpDelta: MetadataDelta | null = null;
  /** Bytes of the batches replayed into {@link #catchUpDelta}. */
  #catchUpBytes = 0;
  #catchUpFromSnapshot = false;
  /** Append time (ms) of the last batch (or the snapshot) replayed while catching up. */
  #catchUpLastLogTimeMs = 0;
  /** The error returned by the fault handler for the first fault; set, the loader applies nothing more. */
  #fault: Error | null = null;
  readonly #highWatermark: () => bigint | null;
  #caughtUp!: () => void;
  readonly #caughtUpPromise = new Promise<void>((resolve) => (this.#caughtUp = resolve));
  #leader: LeaderAndEpoch | null = null;
  readonly #leaderListeners: ((leader: LeaderAndEpoch) => void)[] = [];
  /** The records of the open metadata transaction (KIP-868) with their offsets and epochs, or null when none is open. */
  #transaction: { record: MetadataRecord; offset: bigint; epoch: number }[] | null = null;
  /** Offset of the open transaction's BeginTransactionRecord (for the fault message). */
  #transactionStart = -1n;

  /** @param faultHandler what a fault goes to (see the class doc). */
  constructor(logger: Logger, faultHandler: FaultHandler, options: MetadataLoaderOptions = {}) {
    this.#logger = logger;
    this.#faultHandler = faultHandler;
    this.#highWatermark = options.highWatermark ?? (() => null);
  }

  /** The newest image. */
  get image(): MetadataImage {
    return this.#image;
  }

  installPublisher(publisher: MetadataPublisher): void {
    this.#publishers.push(publisher);
  }

  /** True until the log present at start-up has been replayed and published. */
  get catchingUp(): boolean {
    return this.#catchingUp;
  }

  /** Resolves once the log present at start-up has been replayed and its image published. */
  caughtUp(): Promise<void> {
    return this.#caughtUpPromise;
  }

  /** The leader the raft client announced last, or null. */
  get leader(): LeaderAndEpoch | null {
    return this.#leader;
  }

  /**
   * Applies a committed batch (and publishes it once caught up).
   * @throws the fault handler's error after a fault in this batch or an earlier one.
   */
  async handleCommit(batch: Batch): Promise<void> {
    if (this.#fault !== null) throw this.#fault;
    if (this.#catchingUp) {
      if (batch.records.length > 0) {
        this.#replay((this.#catchUpDelta ??= new MetadataDelta(this.#image)), batch);
        this.#catchUpBytes += batch.sizeInBytes;
        this.#catchUpLastLogTimeMs = batch.appendTimestampMs;
      }
      await this.#maybeFinishCatchUp(batch.lastOffset);
      return;
    }
    if (batch.records.length === 0) return;
    const delta = new MetadataDelta(this.#image);
    this.#replay(delta, batch);
    // A batch wholly inside an open metadata transaction changes nothing yet.
    if (delta.isEmpty) return;
    await this.#publish(delta, { type: 'LOG_DELTA', numBytes: batch.sizeInBytes, lastContainedLogTimeMs: batch.appendTimestampMs });
  }

  /**
   * Starts from a snapshot: the image becomes exactly the snapshot's content (the log before it is gone). At
   * start-up the log after the snapshot follows into the same delta; later (a follower that fetched a snapshot) the
   * new image is published at once, with the difference from the previous one as its changes.
   * @throws the fault handler's error when a record does not apply or the snapshot has no metadata.version.
   */
  async handleLoadSnapshot(reader: SnapshotReader): Promise<void> {
    if (this.#fault !== null) throw this.#fault;
    const delta = this.#catchingUp ? (this.#catchUpDelta ??= new MetadataDelta(this.#image)) : new MetadataDelta(this.#image);
    const offset = reader.lastContainedLogOffset;
    const epoch = reader.lastContainedLogEpoch;
    delta.beginSnapshot();
    const where = `snapshot ${reader.snapshotId.offset}-${reader.snapshotId.epoch}`;
    // A snapshot replaces the log, an open transaction's records included (Kafka's resetToImage).
    this.#transaction = null;
    let lastContainedLogTimeMs = 0;
    for await (const batch of reader.batches()) {
      const header = batch.controlRecords.find((r) => r.type === ControlRecordType.SNAPSHOT_HEADER);
      if (header !== undefined) lastContainedLogTimeMs = Number(decodeSnapshotHeader(header.value).lastContainedLogTimestamp);
      for (const value of batch.records) this.#replayRecord(delta, value, offset, epoch, where);
    }
    try {
      delta.finishSnapshot(offset, epoch);
    } catch (e) {
      throw this.#handleFault(`Error loading metadata snapshot ${reader.snapshotId.offset}-${reader.snapshotId.epoch}`, e);
    }
    this.#logger.info({ snapshotId: `${reader.snapshotId.offset}-${reader.snapshotId.epoch}` }, 'Loaded a metadata snapshot');
    if (this.#catchingUp) {
      this.#catchUpFromSnapshot = true;
      this.#catchUpBytes = 0;
      this.#catchUpLastLogTimeMs = lastContainedLogTimeMs;
      await this.#maybeFinishCatchUp(offset);
      return;
    }
    await this.#publish(delta, { type: 'SNAPSHOT', lastContainedLogTimeMs });
  }

  /**
   * The raft client's leader announcement: for this node's own leadership, only once the loader has replayed the
   * log up to the epoch's LeaderChange record (so its image holds every record committed before the epoch).
   */
  handleLeaderChange(leader: LeaderAndEpoch): void {
    this.#leader = leader;
    for (const l of this.#leaderListeners) l(leader);
  }

  /** Calls `listener` with every leader announcement after this one (the controller takes over or renounces). */
  onLeaderChange(listener: (leader: LeaderAndEpoch) => void): void {
    this.#leaderListeners.push(listener);
  }

  /** Done catching up once handed the log up to the high watermark (Kafka's stillNeedToCatchUp). */
  async #maybeFinishCatchUp(lastOffset: bigint): Promise<void> {
    const hw = this.#highWatermark();
    if (hw === null || lastOffset + 1n < hw) return;
    await this.#finishCatchUp();
  }

  /** Publishes everything replayed while catching up as one image, then handles each commit as it comes. */
  async #finishCatchUp(): Promise<void> {
    if (!this.#catchingUp) return;
    if (this.#transaction !== null) {
      throw this.#handleFault(
        `The metadata log ends inside a metadata transaction (KIP-868) begun at offset ${this.#transactionStart}`,
        new Error('only an Apache Kafka controller can abort an unfinished metadata transaction; start Kafka on this log once to resolve it'),
      );
    }
    this.#catchingUp = false;
    const delta = this.#catchUpDelta;
    this.#catchUpDelta = null;
    if (delta !== null && !delta.isEmpty) {
      this.#logger.info({ offset: String(delta.offset) }, 'Caught up with the metadata log; publishing the initial image');
      // A start from a snapshot alone publishes as a snapshot; the log replayed after the latest snapshot is
      // counted as log bytes, which the next snapshot will have to cover (the SnapshotGenerator counts them).
      const lastContainedLogTimeMs = this.#catchUpLastLogTimeMs;
      await this.#publish(delta, this.#catchUpFromSnapshot && this.#catchUpBytes === 0
        ? { type: 'SNAPSHOT', lastContainedLogTimeMs }
        : { type: 'LOG_DELTA', numBytes: this.#catchUpBytes, lastContainedLogTimeMs });
    }
    this.#caughtUp();
  }

  /** Hands a fault to the handler (which may end the process) and stops the loader. @returns the error to throw. */
  #handleFault(message: string, cause: unknown): Error {
    const fault = this.#faultHandler.handleFault(message, cause);
    this.#fault = fault;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(fault);
    return fault;
  }

  #replay(delta: MetadataDelta, batch: Batch): void {
    let offset = batch.baseOffset;
    const where = `batch ${batch.baseOffset}-${batch.lastOffset}, epoch ${batch.epoch}`;
    for (const value of batch.records) this.#replayRecord(delta, value, offset++, batch.epoch, where);
  }

  /** @param where the batch or snapshot the record is in, for the fault message. */
  #replayRecord(delta: MetadataDelta, value: Buffer, offset: bigint, epoch: number, where: string): void {
    try {
      const record = decodeMetadataRecord(value);
      if (where.startsWith('snapshot')) delta.replay(record, offset, epoch);
      else this.#replayInTransaction(delta, record, offset, epoch);
    } catch (e) {
      const at = where.startsWith('snapshot') ? `record of ${where}` : `log record from offset ${offset} (${where})`;
      throw this.#handleFault(`Error loading metadata ${at}`, e);
    }
  }

  /**
   * Replays a log record, holding back the records of an open metadata transaction until its End (KIP-868).
   * @throws Error for a Begin inside a transaction, or an End or Abort outside one (Kafka's MetadataBatchLoader).
   */
  #replayInTransaction(delta: MetadataDelta, record: MetadataRecord, offset: bigint, epoch: number): void {
    switch (record.type) {
      case 'BeginTransactionRecord':
        if (this.#transaction !== null) throw new Error('Encountered BeginTransactionRecord while already in a transaction');
        this.#transaction = [];
        this.#transactionStart = offset;
        return;
      case 'EndTransactionRecord':
      case 'AbortTransactionRecord': {
        const held = this.#transaction;
        if (held === null) throw new Error(`Encountered ${record.type} without having seen a BeginTransactionRecord`);
        this.#transaction = null;
        if (record.type === 'EndTransactionRecord') for (const r of held) delta.replay(r.record, r.offset, r.epoch);
        // The marker itself changes no image; replaying it makes its offset the image's.
        delta.replay(record, offset, epoch);
        return;
      }
      default:
        if (this.#transaction !== null) this.#transaction.push({ record, offset, epoch });
        else delta.replay(record, offset, epoch);
    }
  }

  async #publish(delta: MetadataDelta, manifest: LoaderManifest): Promise<void> {
    let next: { image: MetadataImage; changes: MetadataChanges };
    try {
      next = delta.apply();
    } catch (e) {
      throw this.#handleFault(`Error building the metadata image ending at ${delta.offset}`, e);
    }
    const { image, changes } = next;
    this.#image = image;
    for (const p of this.#publishers) {
      try {
        await p.onMetadataUpdate(image, changes, manifest);
      } catch (e) {
        throw this.#handleFault(`Unhandled error publishing the new metadata image ending at ${image.offset} with publisher ${p.name}`, e);
      }
    }
    const ready = this.#waiters.filter((w) => w.offset <= image.offset);
    this.#waiters = this.#waiters.filter((w) => w.offset > image.offset);
    for (const w of ready) w.resolve();
  }

  /**
   * Resolves once an image at or past `offset` has been published.
   * @throws the fault handler's error once the loader stopped on a fault (see the class doc).
   */
  waitForOffset(offset: bigint): Promise<void> {
    if (this.#image.offset >= offset) return Promise.resolve();
    if (this.#fault !== null) return Promise.reject(this.#fault);
    return new Promise((resolve, reject) => this.#waiters.push({ offset, resolve, reject }));
  }
}
