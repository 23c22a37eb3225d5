import { ZERO_UUID_STRING } from '../common/uuid.ts';

/** Kafka's `ReplicaKey.NO_DIRECTORY_ID`: the zero Uuid, sent when the directory id is unknown. */
export const NO_DIRECTORY_ID = ZERO_UUID_STRING;

/**
 * A replica of the metadata log (Kafka's `ReplicaKey`): a node id and, since KIP-853, the id of the log directory
 * the replica lives in (`directory.id` of its meta.properties), null when unknown (static quorums, old peers).
 */
export interface ReplicaKey {
  readonly id: number;
  readonly directoryId: string | null;
}

/** A ReplicaKey; `directoryId` given as NO_DIRECTORY_ID is read as unknown (null), as Kafka's ReplicaKey.of. */
export function replicaKey(id: number, directoryId: string | null = null): ReplicaKey {
  return { id, directoryId: directoryId === null || directoryId === NO_DIRECTORY_ID ? null : directoryId };
}

/**
 * True when `candidate` names the replica `key`: same id, and the same directory id when `key` knows its own
 * (Kafka's ReplicaState.matchesKey / ElectionState.isVotedCandidate).
 */
export function replicaKeyMatches(key: ReplicaKey, candidate: ReplicaKey): boolean {
  if (key.id !== candidate.id) return false;
  return key.directoryId === null || key.directoryId === candidate.directoryId;
}

/** `id` or `id:directoryId` for logs. */
export function formatReplicaKey(key: ReplicaKey): string {
  return key.directoryId === null ? String(key.id) : `${key.id}:${key.directoryId}`;
}
