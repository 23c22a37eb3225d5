import type { MetadataImage } from '../metadata/metadata-image.ts';
import type { Partition } from './partition.ts';
import type { PartitionLog } from './partition-log.ts';
import type { ClientMetadata, ReplicaSelector, ReplicaView } from './replica-selector.ts';

/**
 * The replica a consumer should read partition `p` from instead of this leader (KIP-392, Kafka's
 * ReplicaManager.findPreferredReadReplica), or null to read here. Only a leader answers one, only to consumers
 * (`replicaId` < 0), and only with a `selector` configured (replica.selector.class). The candidates are the leader
 * and the followers that are in the ISR and whose log, as their last fetch described it, holds `fetchOffset`
 * (log start <= fetchOffset <= log end); a follower whose broker is fenced or has no endpoint on the consumer's
 * listener is offered without a rack, and never returned. Times in ms of the leader's clock (`nowMs`).
 */
export function findPreferredReadReplica<L extends PartitionLog>(
  p: Partition<L>,
  image: MetadataImage,
  selector: ReplicaSelector | null,
  client: ClientMetadata,
  replicaId: number,
  fetchOffset: bigint,
  nowMs: number,
): number | null {
  if (selector === null || replicaId >= 0 || !p.isLeader) return null;
  const reachable = new Map<number, string | null>();
  for (const id of p.replicas) {
    const broker = image.brokers.get(id);
    if (broker !== undefined && !broker.fenced && broker.endpoints.some((e) => e.name === client.listenerName)) reachable.set(id, broker.rack);
  }
  const view = (brokerId: number, logEndOffset: bigint, timeSinceLastCaughtUpMs: number): ReplicaView => ({
    brokerId, rack: reachable.get(brokerId) ?? null, logEndOffset, timeSinceLastCaughtUpMs,
  });
  const leader = view(p.leaderId, p.log.logEndOffset, 0);
  const replicas: ReplicaView[] = [leader];
  for (const id of p.isr) {
    const state = id === p.leaderId ? undefined : p.followerState(id);
    if (state !== undefined && state.logEndOffset >= fetchOffset && state.logStartOffset <= fetchOffset) {
      replicas.push(view(id, state.logEndOffset, nowMs - state.lastCaughtUpTimeMs));
    }
  }
  const selected = selector.select(p.topicPartition, client, { replicas, leader });
  // The leader itself is never sent as a preferred read replica: the consumer is already here.
  return selected === null || selected === leader || !reachable.has(selected.brokerId) ? null : selected.brokerId;
}
