import { sortMembers, type Assignment, type AssignmentMemberSpec, type AssignmentTopic, type PartitionAssignor } from './partition-assignor.ts';

/**
 * Kafka's server-side `RangeAssignor` ('range'): for each topic, its subscribers (static members by instance id,
 * then dynamic members by member id) get contiguous ranges of partitions, the first `numPartitions % n` members
 * one more. Members subscribed to the same topics with equal partition counts get the same partition numbers of
 * every topic (co-partitioning, for joins); static members keep their ranges across restarts.
 */
export class RangeAssignor implements PartitionAssignor {
  readonly name = 'range';

  assign(members: readonly AssignmentMemberSpec[], topics: ReadonlyMap<string, AssignmentTopic>): Map<string, Assignment> {
    const result = new Map<string, Map<string, Set<number>>>(members.map((m) => [m.memberId, new Map()]));
    const ordered = sortMembers(members);
    for (const [topicId, topic] of [...topics].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const subscribers = ordered.filter((m) => m.subscribedTopicIds.has(topicId));
      if (subscribers.length === 0) continue;
      const quota = Math.floor(topic.numPartitions / subscribers.length);
      const extra = topic.numPartitions % subscribers.length;
      let next = 0;
      subscribers.forEach((m, i) => {
        const count = quota + (i < extra ? 1 : 0);
        if (count === 0) return;
        const ps = new Set<number>();
        for (let p = next; p < next + count; p++) ps.add(p);
        next += count;
        result.get(m.memberId)!.set(topicId, ps);
      });
    }
    return result;
  }
}
