import { topicPartitionKey, type TopicPartition } from '../../common/topic-partition.ts';
import type { MetadataImage } from '../../metadata/metadata-image.ts';
import type { Logger } from '../../observability/logger.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { PendingCompleteTxn } from './transaction-state-shard.ts';

/** One WriteTxnMarkers marker (WritableTxnMarker): a COMMIT or ABORT for `partitions` of one leader. */
export interface TxnMarkerEntry {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  /** true: COMMIT, false: ABORT. */
  readonly commit: boolean;
  readonly partitions: readonly TopicPartition[];
}

/**
 * Writes a marker on the partitions' leader `brokerId` (WriteTxnMarkers): resolves with the error code of every
 * partition, keyed by "topic-partition". A broker it cannot reach answers NOT_LEADER_OR_FOLLOWER for all (the
 * marker is retried). Never rejects on partition errors.
 */
export type TxnMarkerSender = (brokerId: number, marker: TxnMarkerEntry) => Promise<Map<string, number>>;

export interface TransactionMarkerChannelManagerOptions {
  readonly metadataImage: () => MetadataImage;
  readonly sender: TxnMarkerSender;
  /** Writes the CompleteCommit/CompleteAbort record of `pending`; resolves with the coordinator error code. */
  readonly writeCompletion: (pending: PendingCompleteTxn) => Promise<number>;
  readonly retryBackoffMs: number;
  readonly logger: Logger;
}

/** Errors after which the marker is sent again (the leader moved, is not ready, or the ISR is short). */
const RETRIABLE = new Set<number>([
  Errors.UNKNOWN_TOPIC_OR_PARTITION,
  Errors.NOT_LEADER_OR_FOLLOWER,
  Errors.NOT_ENOUGH_REPLICAS,
  Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
  Errors.REQUEST_TIMED_OUT,
  Errors.KAFKA_STORAGE_ERROR,
]);

/**
 * Second phase of a transaction's two-phase commit, after Kafka's `TransactionMarkerChannelManager` and
 * `TransactionMarkerRequestCompletionHandler`: once PrepareCommit/PrepareAbort is in __transaction_state, a
 * COMMIT/ABORT marker is written to every partition of the transaction (grouped by leader), and only when all
 * are written is CompleteCommit/CompleteAbort appended. Per partition:
 *
 * | marker result                                          | action                                          |
 * |--------------------------------------------------------|-------------------------------------------------|
 * | NONE                                                   | partition done                                  |
 * | partition no longer exists (topic deleted)             | partition done (nothing to mark)                |
 * | UNSUPPORTED_FOR_MESSAGE_FORMAT / UNSUPPORTED_VERSION   | partition done                                  |
 * | leader unknown, NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_... | sent again after the backoff (new leader looked up) |
 * | INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED| a newer producer or coordinator owns it: stop   |
 * | anything else                                          | logged as an error and sent again               |
 *
 * A pending completion is dropped when its shard is unloaded (the next leader re-sends the markers of
 * PrepareCommit/PrepareAbort transactions when it loads the partition).
 */
export class TransactionMarkerChannelManager {
  readonly #options: TransactionMarkerChannelManagerOptions;
  /** By transactional id: the completion each transaction waits for. */
  readonly #pending = new Map<string, PendingCompleteTxn>();
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  #closed = false;

  constructor(options: TransactionMarkerChannelManagerOptions) {
    this.#options = options;
  }

  /** Transactions whose markers or completion record are not written yet (tests, metrics). */
  get numTxnsWithPendingMarkers(): number {
    return this.#pending.size;
  }

  /** Starts writing the markers of `pending` (its PrepareX record is committed; CompleteX is pending). */
  addTxnMarkersToSend(pending: PendingCompleteTxn): void {
    if (this.#closed) return;
    const previous = this.#pending.get(pending.transactionalId);
    if (previous !== undefined && previous !== pending) this.#options.logger.info({ transactionalId: pending.transactionalId }, 'Replaced a pending transaction completion');
    this.#pending.set(pending.transactionalId, pending);
    this.#sendMarkers(pending, pending.txn.partitions());
    this.#maybeWriteTxnCompletion(pending);
  }

  /** Forgets the completions of a __transaction_state partition that was unloaded. */
  removeMarkersForTxnTopicPartition(partition: number): void {
    for (const [id, p] of this.#pending) if (p.shard.topicPartition.partition === partition) this.#pending.delete(id);
  }

  /** Stops all retries. */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#pending.clear();
  }

  #isCurrent(pending: PendingCompleteTxn): boolean {
    return !this.#closed
      && this.#pending.get(pending.transactionalId) === pending
      && pending.shard.active
      && pending.shard.transactions.get(pending.transactionalId) === pending.txn
      && pending.txn.pendingState === pending.newMetadata.txnState;
  }

  #sendMarkers(pending: PendingCompleteTxn, partitions: readonly TopicPartition[]): void {
    if (!this.#isCurrent(pending) || partitions.length === 0) return;
    const image = this.#options.metadataImage();
    const byLeader = new Map<number, TopicPartition[]>();
    const unknownLeader: TopicPartition[] = [];
    for (const tp of partitions) {
      const registration = image.topicsByName.get(tp.topic)?.partitions.get(tp.partition);
      if (registration === undefined) {
        // Kafka: "these partitions are likely deleted already and hence can be skipped".
        this.#options.logger.info({ transactionalId: pending.transactionalId, partition: topicPartitionKey(tp) }, 'Skipping the transaction marker of a partition that no longer exists');
        pending.txn.removePartition(tp);
        continue;
      }
      const leader = registration.leader;
      const broker = leader < 0 ? undefined : image.brokers.get(leader);
      if (broker === undefined || broker.fenced) {
        unknownLeader.push(tp);
        continue;
      }
      let list = byLeader.get(leader);
      if (list === undefined) byLeader.set(leader, (list = []));
      list.push(tp);
    }
    if (unknownLeader.length > 0) this.#retryLater(pending, unknownLeader);
    for (const [leader, tps] of byLeader) {
      const marker: TxnMarkerEntry = {
        producerId: pending.txn.producerId,
        producerEpoch: pending.txn.producerEpoch,
        coordinatorEpoch: pending.coordinatorEpoch,
        commit: pending.commit,
        partitions: tps,
      };
      this.#options.sender(leader, marker).then(
        (errors) => this.#onMarkerResponse(pending, marker, errors),
        (err: unknown) => {
          this.#options.logger.warn({ err, transactionalId: pending.transactionalId, leader }, 'Sending transaction markers failed; retrying');
          this.#retryLater(pending, tps);
        },
      );
    }
    this.#maybeWriteTxnCompletion(pending);
  }

  #onMarkerResponse(pending: PendingCompleteTxn, marker: TxnMarkerEntry, errors: Map<string, number>): void {
    if (!this.#isCurrent(pending)) return;
    const retry: TopicPartition[] = [];
    for (const tp of marker.partitions) {
      const error = errors.get(topicPartitionKey(tp)) ?? Errors.UNKNOWN_SERVER_ERROR;
      if (error === Errors.NONE || error === Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT || error === Errors.UNSUPPORTED_VERSION) {
        pending.txn.removePartition(tp);
      } else if (RETRIABLE.has(error)) {
        retry.push(tp);
      } else if (error === Errors.INVALID_PRODUCER_EPOCH || error === Errors.TRANSACTION_COORDINATOR_FENCED) {
        this.#options.logger.info({ transactionalId: pending.transactionalId, partition: topicPartitionKey(tp), error }, 'Transaction marker permanently rejected; no more markers are sent for it');
        this.#pending.delete(pending.transactionalId);
        return;
      } else {
        this.#options.logger.error({ transactionalId: pending.transactionalId, partition: topicPartitionKey(tp), error }, 'Unexpected error writing a transaction marker; retrying');
        retry.push(tp);
      }
    }
    if (retry.length > 0) this.#retryLater(pending, retry);
    else this.#maybeWriteTxnCompletion(pending);
  }

  #retryLater(pending: PendingCompleteTxn, partitions: readonly TopicPartition[]): void {
    this.#after(() => this.#sendMarkers(pending, partitions.filter((tp) => pending.txn.hasPartition(tp))));
  }

  #maybeWriteTxnCompletion(pending: PendingCompleteTxn): void {
    if (!this.#isCurrent(pending) || pending.txn.topicPartitions.size > 0) return;
    this.#pending.delete(pending.transactionalId);
    void this.#options.writeCompletion(pending).then((error) => {
      if (error === Errors.NONE || this.#closed) return;
      if (error === Errors.COORDINATOR_NOT_AVAILABLE) {
        // The pending CompleteX state was kept: write it again after the backoff.
        this.#options.logger.info({ transactionalId: pending.transactionalId }, 'Could not write the transaction completion; retrying');
        if (!this.#pending.has(pending.transactionalId)) this.#pending.set(pending.transactionalId, pending);
        this.#after(() => this.#maybeWriteTxnCompletion(pending));
        return;
      }
      // NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS: the partition moved or is reloading; its loader completes it.
      this.#options.logger.info({ transactionalId: pending.transactionalId, error }, 'Transaction completion not written; left to the partition\'s next load');
    });
  }

  #after(fn: () => void): void {
    if (this.#closed) return;
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, this.#options.retryBackoffMs);
    t.unref?.();
    this.#timers.add(t);
  }
}
