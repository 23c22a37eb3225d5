import type { Logger } from '../observability/logger.ts';
import type { Batch } from '../raft/batch.ts';
import type { LeaderAndEpoch } from '../raft/leader-and-epoch.ts';
import type { RaftClientListener } from '../raft/raft-client-listener.ts';
import type { SnapshotReader } from '../raft/snapshot-reader.ts';
import { MetadataDelta, type MetadataChanges } from './metadata-delta.ts';
import { EMPTY_IMAGE, type MetadataImage } from './metadata-image.ts';
import { decodeMetadataRecord } from './metadata-record-serde.ts';

/** A component that reacts to new metadata images (Kafka's `MetadataPublisher`). */
export interface MetadataPublisher {
  readonly name: string;
  /** Called with each new image, in log order; the loader waits for a returned promise. */
  onMetadataUpdate(image: MetadataImage, changes: MetadataChanges): Promise<void> | void;
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
 * Turns committed `__cluster_metadata` batches into images and hands them to the publishers, after Kafka's
 * `MetadataLoader`: one delta per committed batch (a controller operation is one batch, so publishers never see
 * half an operation). A record that fails to decode or apply is an invariant break: it is logged and thrown,
 * which stops the node rather than serving a wrong image. Control batches (LeaderChange) change no image.
 *
 * While catching up (from start-up until it has been handed the log up to the raft client's high watermark, as
 * Kafka's loader decides) every batch, and the snapshot it started from, goes into one delta and nothing is
 * published; the publishers then get the resulting image at once. So they never act on history: a topic
 * deleted (and perhaps re-created under the same name) before the restart is never opened and then deleted
 * again, which would take the current topic's files with it. {@link caughtUp} resolves then.
 */
export class MetadataLoader implements RaftClientListener {
  #image: MetadataImage = EMPTY_IMAGE;
  readonly #publishers: MetadataPublisher[] = [];
  readonly #logger: Logger;
  #waiters: { offset: bigint; resolve: () => void }[] = [];
  #catchingUp = true;
  #catchUpDelta: MetadataDelta | null = null;
  readonly #highWatermark: () => bigint | null;
  #caughtUp!: () => void;
  readonly #caughtUpPromise = new Promise<void>((resolve) => (this.#caughtUp = resolve));
  #leader: LeaderAndEpoch | null = null;

  constructor(logger: Logger, options: MetadataLoaderOptions = {}) {
    this.#logger = logger;
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

  async handleCommit(batch: Batch): Promise<void> {
    if (this.#catchingUp) {
      if (batch.records.length > 0) this.#replay((this.#catchUpDelta ??= new MetadataDelta(this.#image)), batch);
      await this.#maybeFinishCatchUp(batch.lastOffset);
      return;
    }
    if (batch.records.length === 0) return;
    const delta = new MetadataDelta(this.#image);
    this.#replay(delta, batch);
    await this.#publish(delta);
  }

  /**
   * Starts from a snapshot: its records replayed onto an empty image, as the log before it is gone. Only at
   * start-up (while catching up): replacing a published image needs the removals a snapshot implies (Kafka's
   * MetadataDelta.finishSnapshot), which the metadata side does not have yet, so that case is a fault.
   */
  async handleLoadSnapshot(reader: SnapshotReader): Promise<void> {
    if (!this.#catchingUp) {
      const e = new Error(`Cannot load snapshot ${reader.snapshotId.offset}-${reader.snapshotId.epoch} over a published image: not supported yet`);
      this.#logger.fatal({ err: e }, 'Cannot load metadata snapshot');
      throw e;
    }
    const delta = new MetadataDelta(EMPTY_IMAGE);
    const offset = reader.lastContainedLogOffset;
    for await (const batch of reader.batches()) {
      for (const value of batch.records) this.#replayRecord(delta, value, offset, reader.lastContainedLogEpoch);
    }
    this.#catchUpDelta = delta;
    this.#logger.info({ snapshotId: `${reader.snapshotId.offset}-${reader.snapshotId.epoch}` }, 'Loaded a metadata snapshot');
    await this.#maybeFinishCatchUp(offset);
  }

  handleLeaderChange(leader: LeaderAndEpoch): void {
    this.#leader = leader;
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
    this.#catchingUp = false;
    const delta = this.#catchUpDelta;
    this.#catchUpDelta = null;
    if (delta !== null && !delta.isEmpty) {
      this.#logger.info({ offset: String(delta.offset) }, 'Caught up with the metadata log; publishing the initial image');
      await this.#publish(delta);
    }
    this.#caughtUp();
  }

  #replay(delta: MetadataDelta, batch: Batch): void {
    let offset = batch.baseOffset;
    for (const value of batch.records) this.#replayRecord(delta, value, offset++, batch.epoch);
  }

  #replayRecord(delta: MetadataDelta, value: Buffer, offset: bigint, epoch: number): void {
    try {
      delta.replay(decodeMetadataRecord(value), offset, epoch);
    } catch (e) {
      this.#logger.fatal({ err: e, offset: String(offset) }, 'Cannot apply metadata record');
      throw e;
    }
  }

  async #publish(delta: MetadataDelta): Promise<void> {
    const { image, changes } = delta.apply();
    this.#image = image;
    for (const p of this.#publishers) {
      try {
        await p.onMetadataUpdate(image, changes);
      } catch (e) {
        this.#logger.error({ err: e, publisher: p.name, offset: String(image.offset) }, 'Metadata publisher failed');
      }
    }
    const ready = this.#waiters.filter((w) => w.offset <= image.offset);
    this.#waiters = this.#waiters.filter((w) => w.offset > image.offset);
    for (const w of ready) w.resolve();
  }

  /** Resolves once an image at or past `offset` has been published. */
  waitForOffset(offset: bigint): Promise<void> {
    if (this.#image.offset >= offset) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ offset, resolve }));
  }
}
