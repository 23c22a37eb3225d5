import type { UnifiedLog } from '../storage/unified-log.ts';
import { buildRecordBatchSync } from '../protocol/records/record-batch-builder.ts';
import { iterateBatches } from '../protocol/records/batch-iterator.ts';
import { readRecordsSync } from '../protocol/records/record-iterator.ts';
import type { RaftBatch, ReplicatedLog } from './replicated-log.ts';

/** Bytes read from the log per step when replaying it. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * The `__cluster_metadata-0` log as Raft sees it (Kafka's `KafkaMetadataLog`): one UnifiedLog whose batches are
 * written with the leader epoch as partitionLeaderEpoch and hold metadata record values with null keys.
 */
export class KafkaMetadataLog implements ReplicatedLog {
  readonly #log: UnifiedLog;

  constructor(log: UnifiedLog) {
    this.#log = log;
  }

  get endOffset(): bigint {
    return this.#log.logEndOffset;
  }

  get lastFetchedEpoch(): number {
    return this.#log.latestEpoch ?? 0;
  }

  async appendAsLeader(records: readonly Buffer[], epoch: number, timestampMs: number): Promise<{ baseOffset: bigint; lastOffset: bigint }> {
    const batch = buildRecordBatchSync({
      baseOffset: 0n,
      partitionLeaderEpoch: epoch,
      defaultTimestamp: timestampMs,
      records: records.map((value) => ({ key: null, value })),
    });
    const info = await this.#log.appendAsLeader(batch, epoch);
    return { baseOffset: info.firstOffset, lastOffset: info.lastOffset };
  }

  assignEpochStartOffset(epoch: number, startOffset: bigint): void {
    this.#log.assignEpochStartOffset(epoch, startOffset);
  }

  async *readBatches(fromOffset: bigint): AsyncIterable<RaftBatch> {
    let offset = fromOffset;
    while (offset < this.#log.logEndOffset) {
      const info = await this.#log.read(offset, READ_CHUNK_BYTES, null, true);
      const bytes = await info.records.readInto();
      if (bytes.length === 0) break;
      let progressed = false;
      for (const batch of iterateBatches(bytes)) {
        if (batch.nextOffset <= offset) continue;
        offset = batch.nextOffset;
        progressed = true;
        if (batch.isControl) continue;
        yield {
          baseOffset: batch.baseOffset,
          lastOffset: batch.lastOffset,
          epoch: batch.partitionLeaderEpoch,
          appendTimestampMs: Number(batch.maxTimestamp),
          records: readRecordsSync(batch).map((r) => r.value ?? Buffer.alloc(0)),
        };
      }
      if (!progressed) throw new Error(`metadata log: no whole batch at offset ${offset}`);
    }
  }

  flush(): Promise<void> {
    return this.#log.flush();
  }

  updateHighWatermark(offset: bigint): void {
    this.#log.highWatermark = offset;
  }

  close(): Promise<void> {
    return this.#log.close();
  }
}
