// KIP-392 (fetch from the closest replica): what a leader gives a `replica.selector.class` to choose where a
// consumer should read a partition, after Kafka's org.apache.kafka.common.replica (ReplicaSelector, ReplicaView,
// PartitionView, ClientMetadata). Kafka loads any class implementing ReplicaSelector; this broker knows only the
// one Kafka ships, org.apache.kafka.common.replica.RackAwareReplicaSelector (the config refuses other names).
import type { TopicPartition } from '../common/topic-partition.ts';
import { RackAwareReplicaSelector } from './rack-aware-replica-selector.ts';

/** Kafka's RackAwareReplicaSelector class name, the only `replica.selector.class` this broker accepts. */
export const RACK_AWARE_REPLICA_SELECTOR_CLASS = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';

/** What a consumer's Fetch (v11+) says of itself (Kafka's ClientMetadata). */
export interface ClientMetadata {
  /** FetchRequest.rackId (the consumer's client.rack), '' when not set. */
  readonly rackId: string;
  readonly clientId: string;
  /** The listener the request came in on: replicas are offered by their endpoint on it. */
  readonly listenerName: string;
}

/** A replica a consumer could read from (Kafka's ReplicaView). */
export interface ReplicaView {
  readonly brokerId: number;
  /** broker.rack of its broker, null when it has none. */
  readonly rack: string | null;
  /** Log end offset (the leader's own, or what the follower's last fetch said). */
  readonly logEndOffset: bigint;
  /** ms since the replica was last caught up with the leader (0 for the leader). */
  readonly timeSinceLastCaughtUpMs: number;
}

/** The replicas a consumer may be sent to, the leader among them (Kafka's PartitionView). */
export interface PartitionView {
  readonly replicas: readonly ReplicaView[];
  readonly leader: ReplicaView;
}

/** Chooses the replica a consumer should fetch a partition from (Kafka's ReplicaSelector). */
export interface ReplicaSelector {
  /** @returns a replica of `partition.replicas` (the leader included), or null for none (read from the leader). */
  select(topicPartition: TopicPartition, client: ClientMetadata, partition: PartitionView): ReplicaView | null;
}

/**
 * The selector named by `replica.selector.class`: null (Kafka's default) reads from the leader only.
 * @throws Error for a class this broker does not implement (the config validation refuses it before).
 */
export function replicaSelectorOf(className: string | null): ReplicaSelector | null {
  if (className === null || className === '') return null;
  if (className === RACK_AWARE_REPLICA_SELECTOR_CLASS) return new RackAwareReplicaSelector();
  throw new Error(`replica.selector.class ${className} is not supported: only ${RACK_AWARE_REPLICA_SELECTOR_CLASS}`);
}
