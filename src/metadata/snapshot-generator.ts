import type { Time } from '../common/time.ts';
import type { FaultHandler } from '../common/fault-handler.ts';
import type { Logger } from '../observability/logger.ts';
import type { MetadataImage } from './metadata-image.ts';
import type { MetadataChanges } from './metadata-delta.ts';
import type { LoaderManifest } from './loader-manifest.ts';

export interface SnapshotGeneratorOptions {
  readonly time: Time;
  /**
   * Writes a snapshot of `image` (Kafka's SnapshotEmitter: the Raft client's snapshot writer fed with
   * writeMetadataImage's batches); `lastContainedLogTimeMs` is the append time of the image's last batch. Its
   * failure goes to `faultHandler`.
   */
  readonly emitter: (image: MetadataImage, lastContainedLogTimeMs: number) => Promise<void>;
  /** Gets emitter failures ("KRaft snapshot file generation error"); Kafka passes a non-fatal (logging) one. */
  readonly faultHandler: FaultHandler;
  readonly logger: Logger;
  /** metadata.log.max.record.bytes.between.snapshots: committed log bytes that trigger a snapshot (>= 1; Kafka: 20 MiB). */
  readonly maxBytesSinceLastSnapshot: number;
  /** metadata.log.max.snapshot.interval.ms: time since the last snapshot that triggers one (0: never by time; Kafka: 1 h). */
  readonly maxTimeSinceLastSnapshotMs: number;
}

/**
 * Decides when this node writes a snapshot of its metadata image (KIP-630), after Kafka's
 * `org.apache.kafka.image.publisher.SnapshotGenerator`. Installed as a metadata publisher, it counts the bytes of
 * the committed batches each published image adds (the loader publishes committed images only) and emits a
 * snapshot of the image that crosses `maxBytesSinceLastSnapshot`, or of the first image published at least
 * `maxTimeSinceLastSnapshotMs` after the last snapshot (time is only looked at when an image arrives, as Kafka
 * does: the active controller's NoOpRecords keep them coming). Loading a snapshot restarts both counts.
 *
 * At most one snapshot is written at a time: images published meanwhile only add to the count, and the first one
 * after it finishes may trigger the next. The counts restart when an emission starts (so a failed one is retried
 * after another full interval). Snapshots are never emitted once {@link disable}d (Kafka's disabledReason: a
 * metadata loading fault, or shutdown) nor of an image that ends inside a batch, nor twice of one offset.
 * {@link onMetadataUpdate} never waits for the snapshot: the emitter runs beside the loader.
 */
export class SnapshotGenerator {
  readonly name = 'SnapshotGenerator';
  readonly #options: SnapshotGeneratorOptions;
  #bytesSinceLastSnapshot = 0;
  #lastSnapshotTimeMs: number;
  #lastSnapshotOffset = -1n;
  #inFlight: Promise<void> | null = null;
  #disabledReason: string | null = null;

  /** @throws RangeError for a byte limit below 1 or a negative interval (Kafka's config validators). */
  constructor(options: SnapshotGeneratorOptions) {
    if (!(options.maxBytesSinceLastSnapshot >= 1)) throw new RangeError('metadata.log.max.record.bytes.between.snapshots must be at least 1');
    if (!(options.maxTimeSinceLastSnapshotMs >= 0)) throw new RangeError('metadata.log.max.snapshot.interval.ms must be at least 0');
    this.#options = options;
    this.#lastSnapshotTimeMs = options.time.hiResClockMs();
  }

  /** Why snapshots are off, or null while they are on. */
  get disabledReason(): string | null {
    return this.#disabledReason;
  }

  /** True while a snapshot is being written. */
  get emitting(): boolean {
    return this.#inFlight !== null;
  }

  /** Committed log bytes published since the last snapshot (written or loaded). */
  get bytesSinceLastSnapshot(): number {
    return this.#bytesSinceLastSnapshot;
  }

  /** Turns snapshots off for good; the first reason is kept (Kafka: "metadata loading fault", ...). */
  disable(reason: string): void {
    this.#disabledReason ??= reason;
  }

  #resetCounters(): void {
    this.#bytesSinceLastSnapshot = 0;
    this.#lastSnapshotTimeMs = this.#options.time.hiResClockMs();
  }

  /** Counts a published image and starts a snapshot of it when one is due (see the class comment). */
  onMetadataUpdate(image: MetadataImage, _changes: MetadataChanges, manifest: LoaderManifest): void {
    if (manifest.type === 'SNAPSHOT') {
      this.#resetCounters();
      this.#lastSnapshotOffset = image.offset;
      return;
    }
    this.#bytesSinceLastSnapshot += manifest.numBytes;
    const { maxBytesSinceLastSnapshot: maxBytes, maxTimeSinceLastSnapshotMs: maxTimeMs } = this.#options;
    let reason: string;
    if (this.#bytesSinceLastSnapshot >= maxBytes) reason = `we have replayed at least ${maxBytes} bytes`;
    else if (maxTimeMs !== 0 && this.#options.time.hiResClockMs() - this.#lastSnapshotTimeMs >= maxTimeMs) reason = `we have waited at least ${maxTimeMs} ms`;
    else return;
    if (this.#inFlight !== null) return;
    this.#maybeEmit(reason, image, manifest.offsetBatchAligned ?? true, manifest.lastContainedLogTimeMs);
  }

  #maybeEmit(reason: string, image: MetadataImage, offsetBatchAligned: boolean, lastContainedLogTimeMs: number): void {
    const snapshot = `snapshot at offset ${image.offset} epoch ${image.epoch}`;
    const logger = this.#options.logger;
    if (this.#disabledReason !== null) {
      logger.error(`Not emitting ${snapshot} despite the fact that ${reason} because snapshots are disabled; ${this.#disabledReason}`);
      return;
    }
    if (!offsetBatchAligned) {
      logger.debug(`Not emitting ${snapshot} despite the fact that ${reason} because the metadata image is not batch aligned`);
      return;
    }
    if (image.offset < 0n || image.offset === this.#lastSnapshotOffset) return;
    this.#resetCounters();
    logger.info(`Creating new KRaft ${snapshot} because ${reason}`);
    this.#inFlight = (async () => {
      try {
        await this.#options.emitter(image, lastContainedLogTimeMs);
        this.#lastSnapshotOffset = image.offset;
      } catch (e) {
        this.#options.faultHandler.handleFault('KRaft snapshot file generation error', e);
      } finally {
        this.#inFlight = null;
      }
    })();
  }

  /** Turns snapshots off ("we are shutting down") and waits for the one being written, if any. */
  async close(): Promise<void> {
    this.disable('we are shutting down');
    await this.#inFlight;
  }
}
