import type { TopicPartition } from '../common/topic-partition.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';
import type { NetworkClient } from '../network/network-client.ts';
import type { Logger } from '../observability/logger.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { AddPartitionsToTxnRequest } from '../protocol/generated/messages/add-partitions-to-txn-request.ts';
import type { AddPartitionsToTxnResponse } from '../protocol/generated/messages/add-partitions-to-txn-response.ts';
import type { Input } from '../protocol/message-input.ts';
import { produceErrorOfVerification, type TransactionCoordinator, type TransactionVerifier } from '../coordinator/transaction/transaction-coordinator.ts';

/**
 * AddPartitionsToTxn v4 is the first version with verifyOnly (KIP-890); Kafka's brokers send it to each other.
 */
const VERIFY_VERSION = 4;

/** What an {@link AddPartitionsToTxnManager} is built with. */
export interface AddPartitionsToTxnManagerOptions {
  readonly nodeId: number;
  /** A client of its own (Kafka's AddPartitionsToTxnSenderThread NetworkClient). */
  readonly client: NetworkClient;
  readonly metadata: () => MetadataImage;
  /** This broker's transaction coordinator: answers for the transactional ids whose partition this broker leads. */
  readonly coordinator: TransactionCoordinator;
  /** inter.broker.listener.name: the coordinators are reached on this listener of their registration. */
  readonly interBrokerListenerName: string;
  /** request.timeout.ms of one AddPartitionsToTxn. */
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * KIP-890 verification of transactional produce on a partition leader, after Kafka's AddPartitionsToTxnManager:
 * before the first transactional batch of a transaction is appended to a partition, the leader asks the
 * transactional id's coordinator whether the partition was added to the ongoing transaction. The coordinator is
 * the leader of the id's __transaction_state partition in this broker's metadata image: this broker's own
 * TransactionCoordinator when it leads that partition, else the leader's inter-broker endpoint, asked with
 * AddPartitionsToTxn v4 (verifyOnly). The answer becomes the produce error as Kafka maps it
 * ({@link produceErrorOfVerification}): a coordinator that is unknown, unreachable, loading or moved gives the
 * retriable NOT_ENOUGH_REPLICAS (19), so the producer retries until the coordinator moved with its partition.
 * Kafka batches the verifications per coordinator; this sends one request per verification (one per transaction
 * and partition, as the log's verification guard asks once).
 */
export class AddPartitionsToTxnManager {
  readonly #o: AddPartitionsToTxnManagerOptions;

  constructor(options: AddPartitionsToTxnManagerOptions) {
    this.#o = options;
  }

  /** The ReplicaManager's TransactionVerifier; NONE when transaction.partition.verification.enable is false. */
  readonly verifyTransaction: TransactionVerifier = async (transactionalId, producerId, producerEpoch, tp, supportsTransactionAbortable = false) => {
    const { coordinator, nodeId } = this.#o;
    if (!coordinator.config.transactionPartitionVerificationEnable) return Errors.NONE;
    const stateTp = coordinator.topicPartitionFor(transactionalId);
    const leader = this.#o.metadata().topicsByName.get(stateTp.topic)?.partitions.get(stateTp.partition)?.leader ?? -1;
    if (leader === nodeId) return coordinator.verifyTransaction(transactionalId, producerId, producerEpoch, tp, supportsTransactionAbortable);
    const code = leader < 0 ? Errors.COORDINATOR_NOT_AVAILABLE : await this.#verifyRemotely(leader, transactionalId, producerId, producerEpoch, tp);
    return produceErrorOfVerification(code, supportsTransactionAbortable);
  };

  /** Closes the connections. */
  close(): void {
    this.#o.client.close();
  }

  /** AddPartitionsToTxn v4 verifyOnly for `tp` to broker `brokerId`: the partition's error code, NETWORK_EXCEPTION when it failed. */
  async #verifyRemotely(brokerId: number, transactionalId: string, producerId: bigint, producerEpoch: number, tp: TopicPartition): Promise<number> {
    const broker = this.#o.metadata().brokers.get(brokerId);
    const endpoint = broker === undefined || broker.fenced ? undefined : broker.endpoints.find((e) => e.name === this.#o.interBrokerListenerName);
    if (endpoint === undefined) return Errors.COORDINATOR_NOT_AVAILABLE;
    const request: Input<AddPartitionsToTxnRequest> = {
      transactions: [{ transactionalId, producerId, producerEpoch, verifyOnly: true, topics: [{ name: tp.topic, partitions: [tp.partition] }] }],
    };
    try {
      const { body } = await this.#o.client.send<AddPartitionsToTxnResponse>(
        { nodeId: brokerId, host: endpoint.host, port: endpoint.port },
        ApiKeys.AddPartitionsToTxn,
        VERIFY_VERSION,
        request,
        { timeoutMs: this.#o.requestTimeoutMs },
      );
      if (body.errorCode !== Errors.NONE) return body.errorCode;
      const result = body.resultsByTransaction.find((t) => t.transactionalId === transactionalId);
      const partition = result?.topicResults.find((t) => t.name === tp.topic)?.resultsByPartition.find((p) => p.partitionIndex === tp.partition);
      return partition?.partitionErrorCode ?? Errors.UNKNOWN_SERVER_ERROR;
    } catch (err) {
      this.#o.logger.warn({ err, brokerId, transactionalId }, 'Transaction verification request to the coordinator failed');
      return Errors.NETWORK_EXCEPTION;
    }
  }
}
