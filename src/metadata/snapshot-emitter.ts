import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Time } from '../common/time.ts';
import type { Logger } from '../observability/logger.ts';
import type { OffsetAndEpoch } from '../raft/offset-and-epoch.ts';
import { snapshotFileName } from '../raft/snapshot-path.ts';
import type { SnapshotWriter } from '../raft/snapshot-writer.ts';
import { METADATA_VERSION_FEATURE } from './metadata-version.ts';
import { writeMetadataImage } from './metadata-image-writer.ts';
import type { MetadataImage } from './metadata-image.ts';

/** What the emitter needs of the raft client (KafkaRaftClient.createSnapshot). */
export interface SnapshotSource {
  createSnapshot(snapshotId: OffsetAndEpoch, lastContainedLogTimeMs: number): Promise<SnapshotWriter | null>;
}

/** What a {@link SnapshotEmitter} is built with. */
export interface SnapshotEmitterOptions {
  readonly raft: SnapshotSource;
  readonly time: Time;
  readonly logger: Logger;
  /** Records per snapshot batch (Kafka's SnapshotEmitter default, 1024). */
  readonly batchSize?: number;
}

/** Kafka's SnapshotEmitter batch size. */
const DEFAULT_BATCH_SIZE = 1024;

/**
 * Writes a metadata image as a KRaft snapshot, after Kafka's `org.apache.kafka.image.publisher.SnapshotEmitter`:
 * the id is the image's provenance (offset + 1 = the end offset the snapshot covers, and the epoch of the batch
 * holding the image's last record: Kafka's MetadataProvenance.snapshotId), which the raft client accepts only when
 * it is committed and on a batch boundary (the loader publishes committed, whole batches). The image's records
 * (writeMetadataImage, at its own metadata.version) go to the raft client's SnapshotWriter in batches of
 * `batchSize`, yielding to the event loop between them, and the writer is frozen (fsynced, renamed into place).
 * Keeps Kafka's SnapshotEmitterMetrics values: the size and time of the latest snapshot written.
 */
export class SnapshotEmitter {
  readonly #options: SnapshotEmitterOptions;
  #latestSnapshotGeneratedBytes = 0;
  #latestSnapshotGeneratedTimeMs: number;

  constructor(options: SnapshotEmitterOptions) {
    this.#options = options;
    this.#latestSnapshotGeneratedTimeMs = options.time.milliseconds();
  }

  /** Size in bytes of the latest snapshot this emitter wrote (LatestSnapshotGeneratedBytes); 0 before the first. */
  get latestSnapshotGeneratedBytes(): number {
    return this.#latestSnapshotGeneratedBytes;
  }

  /** Ms since the latest snapshot was written, or since start before the first (LatestSnapshotGeneratedAgeMs). */
  get latestSnapshotGeneratedAgeMs(): number {
    return this.#options.time.milliseconds() - this.#latestSnapshotGeneratedTimeMs;
  }

  /**
   * Writes a snapshot of `image` (Kafka's maybeEmit). Logs and returns when a snapshot with that id exists already
   * (or the log start passed it).
   * @throws Error when the image has no metadata.version, the raft client refuses the id (not committed, not on a
   *   batch boundary) or a write fails; the partial snapshot file is removed.
   */
  async emit(image: MetadataImage, lastContainedLogTimeMs: number): Promise<void> {
    const { raft, logger, time } = this.#options;
    if (!image.features.has(METADATA_VERSION_FEATURE)) throw new Error(`cannot snapshot the metadata image at offset ${image.offset}: it has no metadata.version`);
    const snapshotId: OffsetAndEpoch = { offset: image.offset + 1n, epoch: image.epoch };
    const name = `snapshot ${snapshotFileName(snapshotId)}`;
    const writer = await raft.createSnapshot(snapshotId, lastContainedLogTimeMs);
    if (writer === null) {
      logger.error(`Not generating ${name} because it already exists.`);
      return;
    }
    try {
      for (const batch of writeMetadataImage(image, { maxRecordsPerBatch: this.#options.batchSize ?? DEFAULT_BATCH_SIZE })) {
        await writer.append(batch);
        // The image may hold hundreds of thousands of records: requests are served between batches.
        await yieldToEventLoop();
      }
      const bytes = await writer.freeze();
      this.#latestSnapshotGeneratedBytes = bytes;
      this.#latestSnapshotGeneratedTimeMs = time.milliseconds();
      logger.info({ bytes }, `Successfully wrote ${name}`);
    } catch (e) {
      logger.error({ err: e }, `Encountered error while writing ${name}`);
      throw e;
    } finally {
      await writer.close();
    }
  }
}
