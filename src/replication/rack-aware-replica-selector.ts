import type { TopicPartition } from '../common/topic-partition.ts';
import type { ClientMetadata, PartitionView, ReplicaSelector, ReplicaView } from './replica-selector.ts';

/**
 * Kafka's ReplicaView.comparator: the larger log end offset, then the more recently caught up, then the larger
 * broker id. @returns > 0 when `a` is the better choice.
 */
function compareReplicas(a: ReplicaView, b: ReplicaView): number {
  if (a.logEndOffset !== b.logEndOffset) return a.logEndOffset > b.logEndOffset ? 1 : -1;
  if (a.timeSinceLastCaughtUpMs !== b.timeSinceLastCaughtUpMs) return b.timeSinceLastCaughtUpMs - a.timeSinceLastCaughtUpMs;
  return a.brokerId - b.brokerId;
}

/**
 * Kafka's org.apache.kafka.common.replica.RackAwareReplicaSelector (KIP-392): a consumer with a rack (client.rack)
 * reads from a replica in its rack (broker.rack): the leader when the leader is there, else the most caught-up
 * replica there; without a rack, or with no replica in its rack, it reads from the leader.
 */
export class RackAwareReplicaSelector implements ReplicaSelector {
  select(_topicPartition: TopicPartition, client: ClientMetadata, partition: PartitionView): ReplicaView | null {
    if (client.rackId === '') return partition.leader;
    const sameRack = partition.replicas.filter((r) => r.rack === client.rackId);
    if (sameRack.length === 0 || sameRack.includes(partition.leader)) return partition.leader;
    return sameRack.reduce((best, r) => (compareReplicas(r, best) > 0 ? r : best));
  }
}
