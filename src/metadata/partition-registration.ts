import type { PartitionRecord } from '../protocol/generated/records/partition-record.ts';
import type { PartitionChangeRecord } from '../protocol/generated/records/partition-change-record.ts';

/**
 * Replica assignment and leadership of one partition (PartitionRecord + PartitionChangeRecords), after Kafka's
 * `org.apache.kafka.metadata.PartitionRegistration`. Lists are frozen and shared between partitions. The image's
 * registrations serve the rarely set lists through getters: read fields by name (a spread copy loses them).
 */
export interface PartitionRegistration {
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly removingReplicas: readonly number[];
  readonly addingReplicas: readonly number[];
  /**
   * The log directory (Uuid) of each replica, same length as `replicas` (KIP-858). Kafka's
   * `DirectoryId.MIGRATING` (the zero Uuid) for each replica when the controller assigned none.
   */
  readonly directories: readonly string[];
  /** Eligible leader replicas (KIP-966); empty when none. */
  readonly elr: readonly number[];
  /** Last known eligible leader replicas (KIP-966); empty when none. */
  readonly lastKnownElr: readonly number[];
  /** Leader broker id, -1 when there is none. */
  readonly leader: number;
  /** 0 RECOVERED, 1 RECOVERING (Kafka's LeaderRecoveryState). */
  readonly leaderRecoveryState: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

/** Kafka's `DirectoryId.MIGRATING`: Uuid(0, 0), the directory of a replica with no assignment. */
export const MIGRATING_DIRECTORY = 'AAAAAAAAAAAAAAAAAAAAAA';

/** PartitionChangeRecord.leader value meaning "leader unchanged". */
const NO_LEADER_CHANGE = -2;

const NONE: readonly number[] = Object.freeze([]);
/** Interned lists by content; bounded: past it, lists are only copied to size. */
const interned = new Map<string, readonly (number | string)[]>();
const MAX_INTERNED_LISTS = 10_000;

/**
 * A frozen list equal to `ids`, shared by every partition with the same one: a cluster has few distinct replica
 * sets, ISRs and directory lists, while an image holds several lists per partition (decoded arrays are also
 * over-allocated, a 17-slot backing store for one broker id).
 */
export function internList<T extends number | string>(ids: readonly T[]): readonly T[] {
  if (ids.length === 0) return NONE as readonly T[];
  // Numbers and Uuids never contain ',' or ';', and the prefix keeps a list of ids apart from a list of Uuids.
  const key = typeof ids[0] === 'number' ? ids.join(',') : `;${ids.join(';')}`;
  const found = interned.get(key);
  if (found !== undefined) return found as readonly T[];
  const list = Object.freeze(ids.slice());
  if (interned.size < MAX_INTERNED_LISTS) interned.set(key, list);
  return list;
}

/** The lists that are empty outside reassignments and KIP-966 elections, kept together so the common case costs one shared slot. */
interface RareLists {
  readonly removingReplicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly elr: readonly number[];
  readonly lastKnownElr: readonly number[];
}

const NO_RARE_LISTS: RareLists = Object.freeze({ removingReplicas: NONE, addingReplicas: NONE, elr: NONE, lastKnownElr: NONE });

function rareLists(removingReplicas: readonly number[], addingReplicas: readonly number[], elr: readonly number[], lastKnownElr: readonly number[]): RareLists {
  if (removingReplicas.length + addingReplicas.length + elr.length + lastKnownElr.length === 0) return NO_RARE_LISTS;
  return Object.freeze({
    removingReplicas: internList(removingReplicas),
    addingReplicas: internList(addingReplicas),
    elr: internList(elr),
    lastKnownElr: internList(lastKnownElr),
  });
}

/**
 * The image's representation: eight slots per partition, the same as before directories and ELR were held
 * (the rare lists share one slot), which matters at 100,000s of partitions.
 */
class CompactPartitionRegistration implements PartitionRegistration {
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly directories: readonly string[];
  readonly leader: number;
  readonly leaderRecoveryState: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly #rare: RareLists;

  constructor(
    replicas: readonly number[],
    isr: readonly number[],
    directories: readonly string[],
    rare: RareLists,
    leader: number,
    leaderRecoveryState: number,
    leaderEpoch: number,
    partitionEpoch: number,
  ) {
    this.replicas = replicas;
    this.isr = isr;
    this.directories = directories;
    this.leader = leader;
    this.leaderRecoveryState = leaderRecoveryState;
    this.leaderEpoch = leaderEpoch;
    this.partitionEpoch = partitionEpoch;
    this.#rare = rare;
  }

  get removingReplicas(): readonly number[] {
    return this.#rare.removingReplicas;
  }

  get addingReplicas(): readonly number[] {
    return this.#rare.addingReplicas;
  }

  get elr(): readonly number[] {
    return this.#rare.elr;
  }

  get lastKnownElr(): readonly number[] {
    return this.#rare.lastKnownElr;
  }

  static rareOf(p: PartitionRegistration): RareLists {
    return p instanceof CompactPartitionRegistration ? p.#rare : rareLists(p.removingReplicas, p.addingReplicas, p.elr, p.lastKnownElr);
  }
}

function checkLeaderRecoveryState(value: number): number {
  if (value !== 0 && value !== 1) throw new Error(`unknown leader recovery state ${value}`);
  return value;
}

/** MIGRATING_DIRECTORY lists by length: the directories of nearly every partition of a cluster without JBOD. */
const migratingLists: (readonly string[])[] = [];

function migratingDirectories(replicaCount: number): readonly string[] {
  return (migratingLists[replicaCount] ??= internList(new Array<string>(replicaCount).fill(MIGRATING_DIRECTORY)));
}

/**
 * The directories of `replicaCount` replicas (Kafka's PartitionRegistration.defaultToMigrating): none given, or
 * only MIGRATING ones, means MIGRATING for each replica.
 * @throws Error when others are given but not one per replica (Kafka's InvalidReplicaDirectoriesException).
 */
function directoriesFor(directories: readonly string[], replicaCount: number, where: string): readonly string[] {
  if (directories.every((d) => d === MIGRATING_DIRECTORY)) return migratingDirectories(replicaCount);
  if (directories.length !== replicaCount) throw new Error(`${where}: ${directories.length} directories for ${replicaCount} replicas`);
  return internList(directories);
}

function checkDirectoryCount(directories: readonly string[] | null, replicas: readonly number[] | null, where: string): void {
  if (directories !== null && replicas !== null && directories.length > 0 && directories.length !== replicas.length) {
    throw new Error(`${where}: ${directories.length} directories for ${replicas.length} replicas`);
  }
}

/** A partition as a PartitionRecord describes it. @throws Error on directories that do not match the replicas or an unknown leader recovery state. */
export function partitionFromRecord(d: PartitionRecord): PartitionRegistration {
  const where = `PartitionRecord ${d.topicId}-${d.partitionId}`;
  checkDirectoryCount(d.directories, d.replicas, where);
  return new CompactPartitionRegistration(
    internList(d.replicas),
    internList(d.isr),
    directoriesFor(d.directories, d.replicas.length, where),
    rareLists(d.removingReplicas, d.addingReplicas, d.eligibleLeaderReplicas ?? NONE, d.lastKnownElr ?? NONE),
    d.leader,
    checkLeaderRecoveryState(d.leaderRecoveryState),
    d.leaderEpoch,
    d.partitionEpoch,
  );
}

/**
 * `p` changed by a PartitionChangeRecord (Kafka's PartitionRegistration.merge): null lists keep theirs; a leader
 * other than -2 ("unchanged") bumps the leader epoch, even when it names the same leader (the controller's way to
 * fence the old epoch); the partition epoch always grows; leader recovery state -1 keeps it.
 */
export function mergePartitionChange(p: PartitionRegistration, d: PartitionChangeRecord): PartitionRegistration {
  const replicas = d.replicas === null ? p.replicas : internList(d.replicas);
  const where = `PartitionChangeRecord ${d.topicId}-${d.partitionId}`;
  checkDirectoryCount(d.directories, d.replicas, where);
  const directories = directoriesFor(d.directories ?? p.directories, replicas.length, where);
  const rare = CompactPartitionRegistration.rareOf(p);
  const changedRare =
    d.removingReplicas !== null || d.addingReplicas !== null || d.eligibleLeaderReplicas !== null || d.lastKnownElr !== null;
  return new CompactPartitionRegistration(
    replicas,
    d.isr === null ? p.isr : internList(d.isr),
    directories,
    changedRare
      ? rareLists(
          d.removingReplicas ?? rare.removingReplicas,
          d.addingReplicas ?? rare.addingReplicas,
          d.eligibleLeaderReplicas ?? rare.elr,
          d.lastKnownElr ?? rare.lastKnownElr,
        )
      : rare,
    d.leader === NO_LEADER_CHANGE ? p.leader : d.leader,
    d.leaderRecoveryState === -1 ? p.leaderRecoveryState : checkLeaderRecoveryState(d.leaderRecoveryState),
    d.leader === NO_LEADER_CHANGE ? p.leaderEpoch : p.leaderEpoch + 1,
    p.partitionEpoch + 1,
  );
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Field-by-field equality of two registrations (Kafka's PartitionRegistration.equals). */
export function partitionsEqual(a: PartitionRegistration, b: PartitionRegistration): boolean {
  return (
    a === b ||
    (a.leader === b.leader &&
      a.leaderEpoch === b.leaderEpoch &&
      a.partitionEpoch === b.partitionEpoch &&
      a.leaderRecoveryState === b.leaderRecoveryState &&
      sameList(a.replicas, b.replicas) &&
      sameList(a.isr, b.isr) &&
      sameList(a.directories, b.directories) &&
      sameList(a.removingReplicas, b.removingReplicas) &&
      sameList(a.addingReplicas, b.addingReplicas) &&
      sameList(a.elr, b.elr) &&
      sameList(a.lastKnownElr, b.lastKnownElr))
  );
}
