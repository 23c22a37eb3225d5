import { topicPartitionKey } from '../common/topic-partition.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import type { NetworkClient } from '../network/network-client.ts';
import type { Logger } from '../observability/logger.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { WriteTxnMarkersRequest } from '../protocol/generated/messages/write-txn-markers-request.ts';
import type { WriteTxnMarkersResponse } from '../protocol/generated/messages/write-txn-markers-response.ts';
import type { Input } from '../protocol/message-input.ts';
import type { TxnMarkerEntry } from '../coordinator/transaction/transaction-marker-channel-manager.ts';

/** What a {@link TransactionMarkerChannelManager} is built with. */
export interface TransactionMarkerChannelManagerOptions {
  /** A client of its own (Kafka's `TransactionMarkerChannelManager` NetworkClient, one request in flight per broker). */
  readonly client: NetworkClient;
  readonly metadata: () => MetadataImage;
  /** inter.broker.listener.name: the partition leaders are reached on this listener of their registration. */
  readonly interBrokerListenerName: string;
  /** request.timeout.ms of a WriteTxnMarkers. */
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
}

interface Queued {
  readonly marker: TxnMarkerEntry;
  readonly resolve: (errors: Map<string, number>) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * The network half of the transaction coordinator's marker channel, after Kafka's `TransactionMarkerChannelManager`
 * (its queue per broker and its InterBrokerSendThread): markers for partitions led by another broker are queued per
 * broker and sent as WriteTxnMarkers (v1) to its inter-broker endpoint, the markers queued while a request is in
 * flight together in the next one (one request in flight per broker; two markers of one producer never share a
 * request, as the answers are keyed by producer id). Each marker's promise resolves with its partitions' error
 * codes, or every partition NOT_LEADER_OR_FOLLOWER when the broker is unknown or fenced; it rejects when the
 * request failed (disconnection, timeout). The coordinator's TransactionMarkerChannelManager (coordinator/
 * transaction) decides what is retried: it looks the leaders up again, so a marker follows a leader change.
 */
export class TransactionMarkerChannelManager {
  readonly #o: TransactionMarkerChannelManagerOptions;
  readonly #queues = new Map<number, Queued[]>();
  readonly #inFlight = new Set<number>();
  #closed = false;

  constructor(options: TransactionMarkerChannelManagerOptions) {
    this.#o = options;
  }

  /** Writes `marker` on broker `brokerId` (the coordinator's TxnMarkerSender). */
  send(brokerId: number, marker: TxnMarkerEntry): Promise<Map<string, number>> {
    if (this.#closed) return Promise.reject(new Error('the transaction marker channel is closed'));
    return new Promise((resolve, reject) => {
      let queue = this.#queues.get(brokerId);
      if (queue === undefined) this.#queues.set(brokerId, (queue = []));
      queue.push({ marker, resolve, reject });
      this.#drain(brokerId);
    });
  }

  /** Fails every queued marker and closes the connections. */
  close(): void {
    this.#closed = true;
    for (const queue of this.#queues.values()) for (const q of queue) q.reject(new Error('the transaction marker channel is closed'));
    this.#queues.clear();
    this.#o.client.close();
  }

  #drain(brokerId: number): void {
    if (this.#closed || this.#inFlight.has(brokerId)) return;
    const queue = this.#queues.get(brokerId);
    if (queue === undefined || queue.length === 0) return;
    const batch: Queued[] = [];
    const producers = new Set<bigint>();
    const rest: Queued[] = [];
    for (const q of queue) {
      if (producers.has(q.marker.producerId)) rest.push(q);
      else {
        producers.add(q.marker.producerId);
        batch.push(q);
      }
    }
    this.#queues.set(brokerId, rest);
    const broker = this.#o.metadata().brokers.get(brokerId);
    const endpoint = broker === undefined || broker.fenced ? undefined : broker.endpoints.find((e) => e.name === this.#o.interBrokerListenerName);
    if (endpoint === undefined) {
      for (const q of batch) q.resolve(new Map(q.marker.partitions.map((tp) => [topicPartitionKey(tp), Errors.NOT_LEADER_OR_FOLLOWER])));
      this.#drain(brokerId);
      return;
    }
    this.#inFlight.add(brokerId);
    const request: Input<WriteTxnMarkersRequest> = {
      markers: batch.map(({ marker }) => {
        const byTopic = new Map<string, number[]>();
        for (const tp of marker.partitions) {
          let list = byTopic.get(tp.topic);
          if (list === undefined) byTopic.set(tp.topic, (list = []));
          list.push(tp.partition);
        }
        return {
          producerId: marker.producerId,
          producerEpoch: marker.producerEpoch,
          transactionResult: marker.commit,
          coordinatorEpoch: marker.coordinatorEpoch,
          topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        };
      }),
    };
    this.#o.client
      .send<WriteTxnMarkersResponse>({ nodeId: brokerId, host: endpoint.host, port: endpoint.port }, ApiKeys.WriteTxnMarkers, {}, request, { timeoutMs: this.#o.requestTimeoutMs })
      .then(
        (response) => {
          const byProducer = new Map(response.body.markers.map((m) => [m.producerId, m]));
          for (const q of batch) {
            const errors = new Map<string, number>();
            for (const t of byProducer.get(q.marker.producerId)?.topics ?? []) {
              for (const p of t.partitions) errors.set(topicPartitionKey({ topic: t.name, partition: p.partitionIndex }), p.errorCode);
            }
            q.resolve(errors);
          }
        },
        (e: unknown) => {
          this.#o.logger.info({ err: e, brokerId }, 'WriteTxnMarkers failed; the coordinator retries');
          for (const q of batch) q.reject(e);
        },
      )
      .finally(() => {
        this.#inFlight.delete(brokerId);
        this.#drain(brokerId);
      });
  }
}
