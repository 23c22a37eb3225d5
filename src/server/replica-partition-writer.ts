import type { TopicPartition } from '../common/topic-partition.ts';
import { ApiError } from '../common/api-error.ts';
import { Errors } from '../protocol/generated/errors.ts';
import { buildRecordBatchSync } from '../protocol/records/record-batch-builder.ts';
import { encodeControlBatch, readEndTransactionMarker } from '../protocol/records/control-record.ts';
import { iterateBatches } from '../protocol/records/batch-iterator.ts';
import { readRecords } from '../protocol/records/record-iterator.ts';
import type { ReplicaManager } from '../replication/replica-manager.ts';
import type { Time } from '../common/time.ts';
import type {
  CoordinatorRecordBytes,
  LoadedEntry,
  PartitionWriter,
  TransactionalIdentity,
} from '../coordinator/runtime/partition-writer.ts';

/** Bytes read per step when a coordinator loads a partition. */
const LOAD_CHUNK_BYTES = 1024 * 1024;

/**
 * The coordinators' view of their internal topics (`__consumer_offsets`, `__transaction_state`), implemented
 * over the ReplicaManager (Kafka's `CoordinatorPartitionWriter` + the loader's log reads): appends are v2 batches
 * of key/value records written with AppendOrigin.COORDINATOR semantics (no client validation, acks=all), and a
 * load reads the partition from an offset to its log end offset (as Kafka's CoordinatorLoaderImpl does: after an
 * unclean restart the checkpointed high watermark may lag the log), decoding records and transaction markers.
 */
export class ReplicaPartitionWriter implements PartitionWriter {
  readonly #replicaManager: ReplicaManager;
  readonly #time: Time;
  readonly #timeoutMs: number;

  /** @param appendTimeoutMs how long an append waits for the ISR (offsets.commit.timeout.ms). */
  constructor(replicaManager: ReplicaManager, time: Time, appendTimeoutMs: number) {
    this.#replicaManager = replicaManager;
    this.#time = time;
    this.#timeoutMs = appendTimeoutMs;
  }

  async append(tp: TopicPartition, records: readonly CoordinatorRecordBytes[], options?: { readonly transactional?: TransactionalIdentity }): Promise<{ lastOffset: bigint }> {
    const txn = options?.transactional;
    // Built synchronously so that appends reach the partition's append chain in call order (the writer contract).
    const batch = buildRecordBatchSync({
      baseOffset: 0n,
      // Coordinator records are compacted by key; compression.type=producer keeps them uncompressed here.
      defaultTimestamp: this.#time.milliseconds(),
      ...(txn === undefined ? {} : { isTransactional: true, producerId: txn.producerId, producerEpoch: txn.producerEpoch, baseSequence: -1 }),
      records: records.map((r) => ({ key: r.key, value: r.value })),
    });
    const { lastOffset } = await this.#replicaManager.appendToLocalLog(tp, batch, this.#timeoutMs);
    return { lastOffset };
  }

  async appendEndTransactionMarker(tp: TopicPartition, producer: TransactionalIdentity, coordinatorEpoch: number, commit: boolean): Promise<{ lastOffset: bigint }> {
    const batch = encodeControlBatch({
      producerId: producer.producerId,
      producerEpoch: producer.producerEpoch,
      type: commit ? 'COMMIT' : 'ABORT',
      coordinatorEpoch,
      timestamp: this.#time.milliseconds(),
    });
    const { lastOffset } = await this.#replicaManager.appendToLocalLog(tp, batch, this.#timeoutMs);
    return { lastOffset };
  }

  async *read(tp: TopicPartition, fromOffset: bigint): AsyncIterable<LoadedEntry> {
    const partition = this.#replicaManager.getPartition(tp);
    if (partition === undefined) throw new ApiError(Errors.NOT_LEADER_OR_FOLLOWER, `partition ${tp.topic}-${tp.partition} is not hosted here`);
    const log = partition.log;
    let offset = fromOffset < log.logStartOffset ? log.logStartOffset : fromOffset;
    const end = log.logEndOffset;
    while (offset < end) {
      const info = await log.read(offset, LOAD_CHUNK_BYTES, end, true);
      const bytes = await info.records.readInto();
      if (bytes.length === 0) break;
      let progressed = false;
      for (const batch of iterateBatches(bytes)) {
        if (batch.nextOffset <= offset) continue;
        progressed = true;
        offset = batch.nextOffset;
        if (batch.isControl) {
          const marker = readEndTransactionMarker(batch);
          if (marker !== null) yield { kind: 'marker', offset: batch.lastOffset, producerId: batch.producerId, commit: marker.type === 'COMMIT' };
          continue;
        }
        const producerId = batch.isTransactional ? batch.producerId : -1n;
        for (const r of await readRecords(batch)) {
          if (r.offset < fromOffset) continue;
          yield { kind: 'record', offset: r.offset, producerId, key: r.key, value: r.value };
        }
      }
      if (!progressed) throw new Error(`no whole batch at offset ${offset} of ${tp.topic}-${tp.partition}`);
    }
  }
}
