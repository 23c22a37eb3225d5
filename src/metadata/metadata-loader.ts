import type { Logger } from '../observability/logger.ts';
import type { RaftBatch } from '../raft/replicated-log.ts';
import type { RaftClientListener } from '../raft/kafka-raft-client.ts';
import { MetadataDelta, type MetadataChanges } from './metadata-delta.ts';
import { EMPTY_IMAGE, type MetadataImage } from './metadata-image.ts';
import { decodeMetadataRecord } from './metadata-record-serde.ts';

/** A component that reacts to new metadata images (Kafka's `MetadataPublisher`). */
export interface MetadataPublisher {
  readonly name: string;
  /** Called with each new image, in log order; the loader waits for a returned promise. */
  onMetadataUpdate(image: MetadataImage, changes: MetadataChanges): Promise<void> | void;
}

/**
 * Turns committed `__cluster_metadata` batches into images and hands them to the publishers, after Kafka's
 * `MetadataLoader`: one delta per committed batch (a controller operation is one batch, so publishers never see
 * half an operation). A record that fails to decode or apply is an invariant break: it is logged and thrown,
 * which stops the node rather than serving a wrong image.
 *
 * While catching up (replaying the log present at start-up, until the Raft client calls `handleCaughtUp`) every
 * batch goes into one delta and nothing is published; the publishers then get the resulting image at once, as
 * Kafka's loader does. So they never act on history: a topic deleted (and perhaps re-created under the same
 * name) before the restart is never opened and then deleted again, which would take the current topic's files
 * with it.
 */
export class MetadataLoader implements RaftClientListener {
  #image: MetadataImage = EMPTY_IMAGE;
  readonly #publishers: MetadataPublisher[] = [];
  readonly #logger: Logger;
  #waiters: { offset: bigint; resolve: () => void }[] = [];
  #catchingUp = true;
  #catchUpDelta: MetadataDelta | null = null;

  constructor(logger: Logger) {
    this.#logger = logger;
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

  async handleCommit(batch: RaftBatch): Promise<void> {
    if (batch.records.length === 0) return;
    if (this.#catchingUp) {
      this.#replay((this.#catchUpDelta ??= new MetadataDelta(this.#image)), batch);
      return;
    }
    const delta = new MetadataDelta(this.#image);
    this.#replay(delta, batch);
    await this.#publish(delta);
  }

  /** Publishes everything replayed while catching up as one image, then handles each commit as it comes. */
  async handleCaughtUp(): Promise<void> {
    if (!this.#catchingUp) return;
    this.#catchingUp = false;
    const delta = this.#catchUpDelta;
    this.#catchUpDelta = null;
    if (delta !== null && !delta.isEmpty) {
      this.#logger.info({ offset: String(delta.offset) }, 'Caught up with the metadata log; publishing the initial image');
      await this.#publish(delta);
    }
  }

  #replay(delta: MetadataDelta, batch: RaftBatch): void {
    let offset = batch.baseOffset;
    for (const value of batch.records) {
      try {
        delta.replay(decodeMetadataRecord(value), offset, batch.epoch);
      } catch (e) {
        this.#logger.fatal({ err: e, offset: String(offset) }, 'Cannot apply metadata record');
        throw e;
      }
      offset++;
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
