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
 */
export class MetadataLoader implements RaftClientListener {
  #image: MetadataImage = EMPTY_IMAGE;
  readonly #publishers: MetadataPublisher[] = [];
  readonly #logger: Logger;
  #waiters: { offset: bigint; resolve: () => void }[] = [];

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

  async handleCommit(batch: RaftBatch): Promise<void> {
    if (batch.records.length === 0) return;
    const delta = new MetadataDelta(this.#image);
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
