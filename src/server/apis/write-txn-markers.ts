// WriteTxnMarkers (key 27): v0-1 (inter-broker: the transaction coordinator to partition leaders)
// Behaviour: for each marker, writes a COMMIT or ABORT control batch (producer id/epoch, coordinator epoch) to
// every listed partition this broker leads, acks=all. A __consumer_offsets partition is handed to the group
// coordinator, which writes the marker and makes the transaction's pending offsets visible (COMMIT) or drops them
// (ABORT). The same function writes the markers of this broker's own transaction coordinator (single node: no
// network hop). Per partition errors: UNKNOWN_TOPIC_OR_PARTITION (3) for partitions not hosted here,
// NOT_LEADER_OR_FOLLOWER (6) (also for a group coordinator that is loading or moved), NOT_ENOUGH_REPLICAS (19),
// REQUEST_TIMED_OUT (7), and the log's producer-state errors (INVALID_PRODUCER_EPOCH (47),
// TRANSACTION_COORDINATOR_FENCED (52)).
// Not yet: authorization (CLUSTER_ACTION).
// Version notes: v1 flexible.
// Authorization (Kafka's KafkaApis): ALTER or CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED
// (31) on every partition.
import { AclOperation } from '../../security/authorizer/acl-codes.ts';
import { authorizeCluster, authorizeClusterOperation } from '../auth-helper.ts';
import { defineHandler } from '../api-handler.ts';
import { ApiKeys } from '../../protocol/generated/api-keys.ts';
import { ApiError } from '../../common/api-error.ts';
import { topicPartitionKey, type TopicPartition } from '../../common/topic-partition.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { WriteTxnMarkersRequest } from '../../protocol/generated/messages/write-txn-markers-request.ts';
import type { WriteTxnMarkersResponse, WritableTxnMarkerTopicResult } from '../../protocol/generated/messages/write-txn-markers-response.ts';
import type { Input } from '../../protocol/message-input.ts';
import type { MetadataImage } from '../../metadata/metadata-image.ts';
import type { TransactionalIdentity } from '../../coordinator/runtime/partition-writer.ts';
import type { TxnMarkerEntry } from '../../coordinator/transaction/transaction-marker-channel-manager.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../../coordinator/group/group-coordinator.ts';
import { ReplicaPartitionWriter } from '../replica-partition-writer.ts';
import type { BrokerServices } from '../broker-services.ts';

/** What writing markers on this broker needs. */
export interface TxnMarkerWriterDeps {
  metadata(): MetadataImage;
  /** Appends a control batch to a partition led here (resolves when committed). @throws ApiError with the append error. */
  appendEndTransactionMarker(tp: TopicPartition, producer: TransactionalIdentity, coordinatorEpoch: number, commit: boolean): Promise<unknown>;
  /** GroupCoordinator.completeTransaction for __consumer_offsets partitions. */
  completeTransaction(tp: TopicPartition, producer: TransactionalIdentity, coordinatorEpoch: number, commit: boolean): Promise<void>;
}

function codeOf(err: unknown): number {
  if (err instanceof ApiError) return err.code;
  const code = (err as { errorCode?: unknown } | null)?.errorCode;
  return typeof code === 'number' ? code : Errors.UNKNOWN_SERVER_ERROR;
}

/**
 * Writes one marker on this broker (Kafka's `KafkaApis.handleWriteTxnMarkersRequest` for one WritableTxnMarker):
 * resolves with the error code of each partition keyed by "topic-partition". Never rejects.
 */
export async function writeTxnMarkers(deps: TxnMarkerWriterDeps, marker: TxnMarkerEntry): Promise<Map<string, number>> {
  const image = deps.metadata();
  const producer = { producerId: marker.producerId, producerEpoch: marker.producerEpoch };
  const results = await Promise.all(marker.partitions.map(async (tp): Promise<[string, number]> => {
    if (image.topicsByName.get(tp.topic)?.partitions.has(tp.partition) !== true) return [topicPartitionKey(tp), Errors.UNKNOWN_TOPIC_OR_PARTITION];
    try {
      if (tp.topic === GROUP_METADATA_TOPIC_NAME) {
        await deps.completeTransaction(tp, producer, marker.coordinatorEpoch, marker.commit);
      } else {
        await deps.appendEndTransactionMarker(tp, producer, marker.coordinatorEpoch, marker.commit);
      }
      return [topicPartitionKey(tp), Errors.NONE];
    } catch (err) {
      let code = codeOf(err);
      // The transaction coordinator does not expect group coordinator states: "not ready yet" means retry.
      if (tp.topic === GROUP_METADATA_TOPIC_NAME && (code === Errors.COORDINATOR_NOT_AVAILABLE || code === Errors.COORDINATOR_LOAD_IN_PROGRESS || code === Errors.NOT_COORDINATOR)) {
        code = Errors.NOT_LEADER_OR_FOLLOWER;
      }
      return [topicPartitionKey(tp), code];
    }
  }));
  return new Map(results);
}

const markerWriters = new WeakMap<object, ReplicaPartitionWriter>();

/** The marker writer of a broker's services (request.timeout.ms for the ISR wait, as Kafka's handler). */
export function txnMarkerWriterDeps(services: BrokerServices): TxnMarkerWriterDeps {
  let writer = markerWriters.get(services.replicaManager);
  if (writer === undefined) {
    writer = new ReplicaPartitionWriter(services.replicaManager, services.time, services.config.getInt('request.timeout.ms'));
    markerWriters.set(services.replicaManager, writer);
  }
  const w = writer;
  return {
    metadata: () => services.metadata(),
    appendEndTransactionMarker: (tp, producer, coordinatorEpoch, commit) => w.appendEndTransactionMarker(tp, producer, coordinatorEpoch, commit),
    completeTransaction: (tp, producer, coordinatorEpoch, commit) => services.groupCoordinator.completeTransaction(tp, producer, coordinatorEpoch, commit),
  };
}

export const writeTxnMarkersHandler = defineHandler<WriteTxnMarkersRequest, Input<WriteTxnMarkersResponse>>({
  apiKey: ApiKeys.WriteTxnMarkers,
  minVersion: 0,
  maxVersion: 1,
  async handle(services, request, info) {
    if (!authorizeCluster(services.authorizer, info, AclOperation.ALTER)) authorizeClusterOperation(services.authorizer, info, AclOperation.CLUSTER_ACTION);
    const deps = txnMarkerWriterDeps(services);
    const markers = await Promise.all(request.markers.map(async (m) => {
      const partitions = m.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
      const errors = await writeTxnMarkers(deps, {
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
        coordinatorEpoch: m.coordinatorEpoch,
        commit: m.transactionResult,
        partitions,
      });
      const topics: Input<WritableTxnMarkerTopicResult>[] = m.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode: errors.get(topicPartitionKey({ topic: t.name, partition: partitionIndex })) ?? Errors.UNKNOWN_SERVER_ERROR })),
      }));
      return { producerId: m.producerId, topics };
    }));
    return { markers };
  },
  // Kafka's WriteTxnMarkersRequest.getErrorResponse: the error on every partition of every marker, by topic.
  errorResponse(request, error) {
    return {
      markers: request.markers.map((m) => {
        const byTopic = new Map<string, number[]>();
        for (const t of m.topics) byTopic.set(t.name, [...(byTopic.get(t.name) ?? []), ...t.partitionIndexes]);
        return { producerId: m.producerId, topics: [...byTopic].map(([name, indexes]) => ({ name, partitions: indexes.map((partitionIndex) => ({ partitionIndex, errorCode: error.code })) })) };
      }),
    };
  },
});
