import type { FaultHandler } from '../common/fault-handler.ts';
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
 * half an operation).
 *
 * While catching up (replaying the log present at start-up, until the Raft client calls `handleCaughtUp`) every
 * batch goes into one delta and nothing is published; the publishers then get the resulting image at once, as
 * Kafka's loader does. So they never act on history: a topic deleted (and perhaps re-created under the same
 * name) before the restart is never opened and then deleted again, which would take the current topic's files
 * with it.
 *
 * Fail-stop (Kafka's loader FaultHandler, fatal on a node with the controller role): a committed record that
 * fails to decode or to apply, an image that cannot be built, or a publisher that throws goes to the injected
 * {@link FaultHandler}. The broker's ends the process (ProcessTerminatingFaultHandler); with any other the loader
 * stops for good: the failing call and every later one reject, and no image is published again, so the node
 * never serves an image that skipped a committed batch, and the Raft client sees that the batch was not
 * applied. (Kafka's loader logs and goes on when the node is a broker only; here the image would silently lack
 * the batch, so every role stops.)
 */
export class MetadataLoader implements RaftClientListener {
  #image: MetadataImage = EMPTY_IMAGE;
  readonly #publishers: MetadataPublisher[] = [];
  readonly #logger: Logger;
  readonly #faultHandler: FaultHandler;
  #waiters: { offset: bigint; resolve: () => void; reject: (e: Error) => void }[] = [];
  #catchingUp = true;
  #catchUpDelta: MetadataDelta | null = null;
  /** The error returned by the fault handler for the first fault; set, the loader applies nothing more. */
  #fault: Error | null = null;

  /** @param faultHandler what a fault goes to (see the class doc). */
  constructor(logger: Logger, faultHandler: FaultHandler) {
    this.#logger = logger;
    this.#faultHandler = faultHandler;
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

  /**
   * Applies a committed batch (and publishes it once caught up).
   * @throws the fault handler's error after a fault in this batch or an earlier one.
   */
  async handleCommit(batch: RaftBatch): Promise<void> {
    if (this.#fault !== null) throw this.#fault;
    if (batch.records.length === 0) return;
    if (this.#catchingUp) {
      this.#replay((this.#catchUpDelta ??= new MetadataDelta(this.#image)), batch);
      return;
    }
    const delta = new MetadataDelta(this.#image);
    this.#replay(delta, batch);
    await this.#publish(delta);
  }

  /**
   * Publishes everything replayed while catching up as one image, then handles each commit as it comes.
   * @throws the fault handler's error after a fault.
   */
  async handleCaughtUp(): Promise<void> {
    if (this.#fault !== null) throw this.#fault;
    if (!this.#catchingUp) return;
    this.#catchingUp = false;
    const delta = this.#catchUpDelta;
    this.#catchUpDelta = null;
    if (delta !== null && !delta.isEmpty) {
      this.#logger.info({ offset: String(delta.offset) }, 'Caught up with the metadata log; publishing the initial image');
      await this.#publish(delta);
    }
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

  #replay(delta: MetadataDelta, batch: RaftBatch): void {
    let offset = batch.baseOffset;
    for (const value of batch.records) {
      try {
        delta.replay(decodeMetadataRecord(value), offset, batch.epoch);
      } catch (e) {
        throw this.#handleFault(`Error loading metadata log record from offset ${offset} (batch ${batch.baseOffset}-${batch.lastOffset}, epoch ${batch.epoch})`, e);
      }
      offset++;
    }
  }

  async #publish(delta: MetadataDelta): Promise<void> {
    let next: ReturnType<MetadataDelta['apply']>;
    try {
      next = delta.apply();
    } catch (e) {
      throw this.#handleFault(`Error generating new metadata image from metadata delta between offset ${this.#image.offset} and ${delta.offset}`, e);
    }
    const { image, changes } = next;
    this.#image = image;
    for (const p of this.#publishers) {
      try {
        await p.onMetadataUpdate(image, changes);
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
