/**
 * How the metadata loader came to an image it publishes, after Kafka's `LoaderManifest` (LogDeltaManifest /
 * SnapshotManifest): publishers that count log bytes (the {@link SnapshotGenerator}) need it beside the image.
 */
export type LoaderManifest =
  | {
      readonly type: 'LOG_DELTA';
      /** Size in bytes of the committed record batches replayed into this image since the previous one. */
      readonly numBytes: number;
      /**
       * False when the image ends inside a batch (Kafka publishes within a batch only for metadata transactions):
       * no snapshot is taken of it. Default true.
       */
      readonly offsetBatchAligned?: boolean;
      /** Append time (ms) of the last batch replayed (Kafka's MetadataProvenance.lastContainedLogTimeMs). */
      readonly lastContainedLogTimeMs: number;
    }
  | {
      readonly type: 'SNAPSHOT';
      /** The snapshot header's lastContainedLogTimestamp (ms). */
      readonly lastContainedLogTimeMs: number;
    };
