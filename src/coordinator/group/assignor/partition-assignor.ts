/** Partitions by topic id (Kafka's `Map<Uuid, Set<Integer>>` assignments of KIP-848). */
export type Assignment = ReadonlyMap<string, ReadonlySet<number>>;

/** What a server-side assignor knows of a member (Kafka's `MemberSubscriptionAndAssignmentImpl`). */
export interface AssignmentMemberSpec {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  /** Ids of the subscribed topics that exist. */
  readonly subscribedTopicIds: ReadonlySet<string>;
  /** The member's current target assignment (stickiness). */
  readonly currentAssignment: Assignment;
}

/** What an assignor knows of a topic (Kafka's `SubscribedTopicDescriber`). */
export interface AssignmentTopic {
  readonly topicId: string;
  readonly numPartitions: number;
}

/**
 * A server-side partition assignor of KIP-848 groups (Kafka's `ConsumerGroupPartitionAssignor`): given the
 * members with their subscriptions and current targets, and the subscribed topics, returns every member's
 * new target assignment. Must be deterministic: every coordinator computes the same result from the same input.
 */
export interface PartitionAssignor {
  /** The name clients pick with group.remote.assignor ('uniform', 'range'). */
  readonly name: string;
  assign(members: readonly AssignmentMemberSpec[], topics: ReadonlyMap<string, AssignmentTopic>): Map<string, Assignment>;
}

/** A mutable copy of an assignment. */
export function copyAssignment(a: Assignment): Map<string, Set<number>> {
  return new Map([...a].map(([t, ps]) => [t, new Set(ps)]));
}

/** Whether two assignments hold the same partitions. */
export function assignmentsEqual(a: Assignment, b: Assignment): boolean {
  const nonEmpty = (x: Assignment): [string, ReadonlySet<number>][] => [...x].filter(([, ps]) => ps.size > 0);
  const ea = nonEmpty(a);
  const eb = nonEmpty(b);
  if (ea.length !== eb.length) return false;
  for (const [t, ps] of ea) {
    const other = b.get(t);
    if (other === undefined || other.size !== ps.size) return false;
    for (const p of ps) if (!other.has(p)) return false;
  }
  return true;
}

/** Total number of partitions of an assignment. */
export function assignmentSize(a: Assignment): number {
  let n = 0;
  for (const ps of a.values()) n += ps.size;
  return n;
}

/** Stable member order: static members by instance id then dynamic ones by member id (Kafka's assignors sort this way). */
export function sortMembers(members: readonly AssignmentMemberSpec[]): AssignmentMemberSpec[] {
  return [...members].sort((a, b) => {
    const ka = a.instanceId ?? `\uffff${a.memberId}`;
    const kb = b.instanceId ?? `\uffff${b.memberId}`;
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
