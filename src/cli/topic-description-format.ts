// The lines `kafka-topics --describe` prints (Kafka 4.4's TopicCommand.TopicDescription and PartitionDescription),
// tab-separated as scripts parse them.

/** A partition as described (DescribeTopicPartitions, or Metadata when the broker lacks it). */
export interface PartitionInfo {
  readonly partition: number;
  /** -1 when there is no leader. */
  readonly leader: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** null when the broker did not say (Metadata has no ELR): printed "N/A". */
  readonly elr: readonly number[] | null;
  readonly lastKnownElr: readonly number[] | null;
}

/** A reassignment in progress (ListPartitionReassignments). */
export interface PartitionReassignment {
  readonly replicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly removingReplicas: readonly number[];
}

/**
 * The replication factor Kafka prints: during a reassignment, the target's (replicas minus adding), else the replica
 * count (TopicCommand.getReplicationFactor; a reassignment that completed meanwhile is ignored).
 */
export function replicationFactor(info: PartitionInfo, reassignment: PartitionReassignment | undefined): number {
  const changing = new Set([...(reassignment?.addingReplicas ?? []), ...(reassignment?.removingReplicas ?? [])]);
  const inProgress = reassignment !== undefined && info.replicas.some((r) => changing.has(r));
  return inProgress ? reassignment.replicas.length - reassignment.addingReplicas.length : info.replicas.length;
}

/**
 * The topic line: `Topic: t\tTopicId: id\tPartitionCount: n\tReplicationFactor: r\tConfigs: k=v,k=v` (no TopicId
 * for the zero uuid; Configs lists the entries that are not defaults, in the broker's order).
 */
export function formatTopicLine(topic: { name: string; topicId: string | null; partitionCount: number; replicationFactor: number; configs: readonly { name: string; value: string | null }[] }): string {
  const id = topic.topicId === null ? '' : `\tTopicId: ${topic.topicId}`;
  const configs = topic.configs.map((c) => `${c.name}=${c.value}`).join(',');
  return `Topic: ${topic.name}${id}\tPartitionCount: ${topic.partitionCount}\tReplicationFactor: ${topic.replicationFactor}\tConfigs: ${configs}\n`;
}

/**
 * A partition line: `\tTopic: t\tPartition: p\tLeader: l|none\tReplicas: a,b\tIsr: a,b[\tAdding Replicas: ..
 * \tRemoving Replicas: ..]\tElr: ..|N/A\tLastKnownElr: ..|N/A`.
 */
export function formatPartitionLine(topic: string, info: PartitionInfo, reassignment: PartitionReassignment | undefined): string {
  const list = (ids: readonly number[] | null): string => (ids === null ? 'N/A' : ids.join(','));
  let line = `\tTopic: ${topic}\tPartition: ${info.partition}\tLeader: ${info.leader < 0 ? 'none' : info.leader}\tReplicas: ${list(info.replicas)}\tIsr: ${list(info.isr)}`;
  if (reassignment !== undefined) line += `\tAdding Replicas: ${list(reassignment.addingReplicas)}\tRemoving Replicas: ${list(reassignment.removingReplicas)}`;
  return `${line}\tElr: ${list(info.elr)}\tLastKnownElr: ${list(info.lastKnownElr)}\n`;
}
