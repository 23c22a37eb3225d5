import type { PartitionRegistration } from '../metadata/partition-registration.ts';

/**
 * The replica lists of a partition being reassigned (KIP-455), after Kafka's `PartitionReassignmentReplicas`:
 * while a reassignment runs, `replicas` is the target followed by the replicas being removed, `adding` the target
 * replicas that are new, `removing` the current ones that are not in the target (both ascending by broker id).
 */
export interface ReassignmentReplicas {
  readonly replicas: readonly number[];
  readonly adding: readonly number[];
  readonly removing: readonly number[];
}

/** The outcome of a completed reassignment: the target replicas and the ISR without the removed replicas. */
export interface CompletedReassignment {
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
}

/** True while `p` has replicas being added or removed. */
export function isReassignmentInProgress(p: Pick<PartitionRegistration, 'addingReplicas' | 'removingReplicas'>): boolean {
  return p.addingReplicas.length > 0 || p.removingReplicas.length > 0;
}

function ascendingDifference(a: readonly number[], b: readonly number[]): number[] {
  return [...new Set(a.filter((r) => !b.includes(r)))].sort((x, y) => x - y);
}

/**
 * The lists a reassignment from `current` to `target` writes: replicas = target + removing, so the target's order
 * (its first replica is the preferred leader) survives the completion.
 */
export function reassignmentReplicas(current: readonly number[], target: readonly number[]): ReassignmentReplicas {
  const removing = ascendingDifference(current, target);
  return { replicas: [...target, ...removing], adding: ascendingDifference(target, current), removing };
}

/**
 * Whether the reassignment described by `r` completes with ISR `targetIsr` (Kafka's maybeCompleteReassignment):
 * every adding replica is in the ISR once the removing ones are left out, that ISR is not empty, and, when more
 * replicas leave than join, every remaining replica is in it. Null when it does not complete (or none runs).
 */
export function maybeCompleteReassignment(r: ReassignmentReplicas, targetIsr: readonly number[]): CompletedReassignment | null {
  if (r.adding.length === 0 && r.removing.length === 0) return null;
  const isr = targetIsr.filter((id) => !r.removing.includes(id));
  const replicas = r.replicas.filter((id) => !r.removing.includes(id));
  if (isr.length === 0 || replicas.length === 0) return null;
  if (!r.adding.every((id) => isr.includes(id))) return null;
  if (r.adding.length < r.removing.length && !replicas.every((id) => isr.includes(id))) return null;
  return { replicas, isr };
}

/** What cancelling a reassignment goes back to (Kafka's PartitionReassignmentRevert). */
export interface ReassignmentRevert {
  /** The replicas before the reassignment: the current ones without the adding ones. */
  readonly replicas: readonly number[];
  /** The ISR without the adding replicas; when that is empty, the first original replica alone (unclean). */
  readonly isr: readonly number[];
  /** True when the reverted ISR had to take a replica that was not in sync: only an unclean election may do that. */
  readonly unclean: boolean;
}

/**
 * The revert of `p`'s reassignment.
 * @returns null when every replica is an adding one (Kafka: INVALID_REPLICA_ASSIGNMENT, "addingReplicas contains
 *   all replicas").
 */
export function reassignmentRevert(p: PartitionRegistration): ReassignmentRevert | null {
  const replicas = p.replicas.filter((id) => !p.addingReplicas.includes(id));
  const isr = p.isr.filter((id) => !p.addingReplicas.includes(id));
  if (isr.length > 0) return { replicas, isr, unclean: false };
  if (replicas.length === 0) return null;
  return { replicas, isr: [replicas[0]!], unclean: true };
}
