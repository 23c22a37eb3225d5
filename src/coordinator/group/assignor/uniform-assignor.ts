import { sortMembers, type Assignment, type AssignmentMemberSpec, type AssignmentTopic, type PartitionAssignor } from './partition-assignor.ts';

interface Slot {
  readonly spec: AssignmentMemberSpec;
  readonly partitions: Map<string, Set<number>>;
  count: number;
}

function add(slot: Slot, topicId: string, p: number): void {
  let ps = slot.partitions.get(topicId);
  if (ps === undefined) slot.partitions.set(topicId, (ps = new Set()));
  ps.add(p);
  slot.count++;
}

function remove(slot: Slot, topicId: string, p: number): void {
  const ps = slot.partitions.get(topicId)!;
  ps.delete(p);
  if (ps.size === 0) slot.partitions.delete(topicId);
  slot.count--;
}

/**
 * Kafka's server-side `UniformAssignor` ('uniform', the default): spreads the subscribed partitions evenly
 * (balance first: with identical subscriptions no two members differ by more than one partition) and keeps
 * every partition where it is when balance allows (stickiness), so a rebalance moves as few partitions as
 * possible. Works for members with different subscriptions too (a partition only goes to subscribers of its
 * topic); there balance is best effort, as in Kafka's heterogeneous builder. Deterministic: members and
 * partitions are visited in a fixed order.
 */
export class UniformAssignor implements PartitionAssignor {
  readonly name = 'uniform';

  assign(members: readonly AssignmentMemberSpec[], topics: ReadonlyMap<string, AssignmentTopic>): Map<string, Assignment> {
    const slots = sortMembers(members).map((spec): Slot => ({ spec, partitions: new Map(), count: 0 }));
    const topicIds = [...topics.keys()].sort();
    const owner = new Map<string, Slot>();
    const key = (t: string, p: number): string => `${t}:${p}`;
    // 1. Keep current partitions that are still valid (topic exists and subscribed, partition exists).
    for (const slot of slots) {
      for (const [topicId, ps] of [...slot.spec.currentAssignment].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        const topic = topics.get(topicId);
        if (topic === undefined || !slot.spec.subscribedTopicIds.has(topicId)) continue;
        for (const p of [...ps].sort((a, b) => a - b)) {
          if (p < topic.numPartitions && !owner.has(key(topicId, p))) {
            add(slot, topicId, p);
            owner.set(key(topicId, p), slot);
          }
        }
      }
    }
    // 2. Trim members above their fair share, among subscribers of the same topics (homogeneous: ceil/floor).
    const total = topicIds.reduce((n, t) => n + (slots.some((s) => s.spec.subscribedTopicIds.has(t)) ? topics.get(t)!.numPartitions : 0), 0);
    const homogeneous = slots.every((s) => s.spec.subscribedTopicIds.size === slots[0]!.spec.subscribedTopicIds.size && [...s.spec.subscribedTopicIds].every((t) => slots[0]!.spec.subscribedTopicIds.has(t)));
    if (homogeneous && slots.length > 0) {
      const minQuota = Math.floor(total / slots.length);
      let extras = total % slots.length;
      // Members already holding more than the minimum keep one extra first (stickiness), in member order.
      for (const slot of [...slots].sort((a, b) => b.count - a.count)) {
        const quota = minQuota + (extras > 0 && slot.count > minQuota ? 1 : 0);
        if (quota > minQuota) extras--;
        while (slot.count > quota) {
          const [topicId, ps] = [...slot.partitions].sort((a, b) => (a[0] < b[0] ? 1 : -1))[0]!;
          const p = Math.max(...ps);
          remove(slot, topicId, p);
          owner.delete(key(topicId, p));
        }
      }
    }
    // 3. Give every unassigned partition to the least loaded subscriber of its topic.
    for (const topicId of topicIds) {
      const subscribers = slots.filter((s) => s.spec.subscribedTopicIds.has(topicId));
      if (subscribers.length === 0) continue;
      for (let p = 0; p < topics.get(topicId)!.numPartitions; p++) {
        if (owner.has(key(topicId, p))) continue;
        let best = subscribers[0]!;
        for (const s of subscribers) if (s.count < best.count) best = s;
        add(best, topicId, p);
        owner.set(key(topicId, p), best);
      }
    }
    // 4. Heterogeneous subscriptions: move partitions from the most to the least loaded subscriber until balanced.
    for (let moves = 0; moves < total; moves++) {
      let moved = false;
      for (const topicId of topicIds) {
        const subscribers = slots.filter((s) => s.spec.subscribedTopicIds.has(topicId));
        if (subscribers.length < 2) continue;
        const from = subscribers.reduce((a, b) => (b.partitions.get(topicId)?.size ?? 0) > 0 && b.count > a.count ? b : a);
        const to = subscribers.reduce((a, b) => (b.count < a.count ? b : a));
        const ps = from.partitions.get(topicId);
        if (ps === undefined || from.count - to.count < 2) continue;
        const p = Math.max(...ps);
        remove(from, topicId, p);
        add(to, topicId, p);
        owner.set(key(topicId, p), to);
        moved = true;
      }
      if (!moved) break;
    }
    return new Map(slots.map((s) => [s.spec.memberId, s.partitions]));
  }
}
