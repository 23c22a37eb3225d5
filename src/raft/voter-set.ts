import type { VotersRecord } from '../protocol/generated/messages/voters-record.ts';
import { NO_DIRECTORY_ID, replicaKey, replicaKeyMatches, type ReplicaKey } from './replica-key.ts';

/** A listener address of a voter. */
export interface HostAndPort {
  readonly host: string;
  readonly port: number;
}

/** A node a request is sent to: its id and the address of the listener the quorum uses (Kafka's `Node`). */
export interface RaftNode {
  readonly id: number;
  readonly host: string;
  readonly port: number;
}

/** The kraft.version range a voter supports (KIP-853); a static voter supports only 0. */
export interface SupportedVersionRange {
  readonly min: number;
  readonly max: number;
}

/** One voter (Kafka's `VoterSet.VoterNode`): its key, its endpoints by listener name, its kraft.version range. */
export interface VoterNode {
  readonly voterKey: ReplicaKey;
  readonly listeners: ReadonlyMap<string, HostAndPort>;
  readonly supportedKRaftVersion: SupportedVersionRange;
}

/**
 * The voters of the quorum (Kafka's `VoterSet`), as data: with a static quorum (`controller.quorum.voters`,
 * kraft.version 0) it comes from the config; with KIP-853 it is read from the VotersRecord of the log or snapshot.
 * Immutable: a change makes a new set.
 */
export class VoterSet {
  readonly #voters: ReadonlyMap<number, VoterNode>;

  constructor(voters: Iterable<VoterNode>) {
    const map = new Map<number, VoterNode>();
    for (const v of voters) {
      if (map.has(v.voterKey.id)) throw new Error(`Duplicate voter id ${v.voterKey.id} in the voter set`);
      map.set(v.voterKey.id, v);
    }
    this.#voters = map;
  }

  /** The empty set (an observer that knows the quorum only through bootstrap servers). */
  static empty(): VoterSet {
    return new VoterSet([]);
  }

  /**
   * The static voter set of `controller.quorum.voters` (Kafka's VoterSet.fromInetSocketAddresses): no directory
   * ids, one endpoint each on `listenerName`, kraft.version 0 only.
   */
  static fromStaticVoters(listenerName: string, voters: readonly { id: number; host: string; port: number }[]): VoterSet {
    return new VoterSet(
      voters.map((v) => ({
        voterKey: replicaKey(v.id),
        listeners: new Map([[listenerName, { host: v.host, port: v.port }]]),
        supportedKRaftVersion: { min: 0, max: 0 },
      })),
    );
  }

  /** The voter set of a VotersRecord (KIP-853): ids, directory ids, endpoints, kraft.version ranges. */
  static fromVotersRecord(record: VotersRecord): VoterSet {
    return new VoterSet(
      record.voters.map((v) => ({
        voterKey: replicaKey(v.voterId, v.voterDirectoryId),
        listeners: new Map(v.endpoints.map((e) => [e.name.toUpperCase(), { host: e.host, port: e.port }])),
        supportedKRaftVersion: { min: v.kRaftVersionFeature.minSupportedVersion, max: v.kRaftVersionFeature.maxSupportedVersion },
      })),
    );
  }

  /** This set as a VotersRecord (version 0), voters by id. */
  toVotersRecord(): VotersRecord {
    return {
      version: 0,
      voters: [...this.#voters.values()]
        .sort((a, b) => a.voterKey.id - b.voterKey.id)
        .map((v) => ({
          voterId: v.voterKey.id,
          voterDirectoryId: v.voterKey.directoryId ?? NO_DIRECTORY_ID,
          endpoints: [...v.listeners].map(([name, a]) => ({ name, host: a.host, port: a.port })),
          kRaftVersionFeature: { minSupportedVersion: v.supportedKRaftVersion.min, maxSupportedVersion: v.supportedKRaftVersion.max },
        })),
    };
  }

  get size(): number {
    return this.#voters.size;
  }

  get isEmpty(): boolean {
    return this.#voters.size === 0;
  }

  /** Votes (or fetched offsets) needed for a decision: floor(n / 2) + 1. */
  get majoritySize(): number {
    return Math.floor(this.#voters.size / 2) + 1;
  }

  voterIds(): Set<number> {
    return new Set(this.#voters.keys());
  }

  voterKeys(): ReplicaKey[] {
    return [...this.#voters.values()].map((v) => v.voterKey);
  }

  voterNodes(): VoterNode[] {
    return [...this.#voters.values()];
  }

  voterNode(id: number): VoterNode | undefined {
    return this.#voters.get(id);
  }

  /** True when `key` is a voter: the id is a voter's and the directory ids do not contradict. */
  isVoter(key: ReplicaKey): boolean {
    const v = this.#voters.get(key.id);
    return v !== undefined && replicaKeyMatches(v.voterKey, key);
  }

  /** True when `key` is the one and only voter (it may then elect itself without asking anyone). */
  isOnlyVoter(key: ReplicaKey): boolean {
    return this.#voters.size === 1 && this.isVoter(key);
  }

  /** The endpoints of voter `id` (empty when it is not a voter). */
  listeners(id: number): ReadonlyMap<string, HostAndPort> {
    return this.#voters.get(id)?.listeners ?? new Map();
  }

  /** Voter `id` as a destination on `listenerName`, or undefined when unknown there. */
  raftNode(id: number, listenerName: string): RaftNode | undefined {
    const address = this.#voters.get(id)?.listeners.get(listenerName);
    return address === undefined ? undefined : { id, host: address.host, port: address.port };
  }

  /** With `voter` added, or null when its id is a voter already (Kafka's addVoter). */
  addVoter(voter: VoterNode): VoterSet | null {
    if (this.#voters.has(voter.voterKey.id)) return null;
    return new VoterSet([...this.#voters.values(), voter]);
  }

  /** Without `key` (id and directory id must match), or null when it is not a voter or the last one. */
  removeVoter(key: ReplicaKey): VoterSet | null {
    const old = this.#voters.get(key.id);
    if (old === undefined || old.voterKey.directoryId !== key.directoryId || this.#voters.size <= 1) return null;
    return new VoterSet([...this.#voters.values()].filter((v) => v.voterKey.id !== key.id));
  }

  /** With voter `voter.voterKey` replaced (new endpoints or kraft.version range), or null when it is not a voter. */
  updateVoter(voter: VoterNode): VoterSet | null {
    const old = this.#voters.get(voter.voterKey.id);
    if (old === undefined || !replicaKeyMatches(old.voterKey, voter.voterKey)) return null;
    return new VoterSet([...this.#voters.values()].map((v) => (v.voterKey.id === voter.voterKey.id ? voter : v)));
  }

  /** True when `voter` is a voter whose recorded endpoints or kraft.version range differ. */
  voterNodeNeedsUpdate(voter: VoterNode): boolean {
    const old = this.#voters.get(voter.voterKey.id);
    return old !== undefined && replicaKeyMatches(old.voterKey, voter.voterKey) && !sameVoterNode(old, voter);
  }

  /** True when every voter supports kraft.version `version`. */
  supportsVersion(version: number): boolean {
    return [...this.#voters.values()].every((v) => version >= v.supportedKRaftVersion.min && version <= v.supportedKRaftVersion.max);
  }

  equals(other: VoterSet): boolean {
    if (other.size !== this.size) return false;
    for (const v of this.#voters.values()) {
      const o = other.voterNode(v.voterKey.id);
      if (o === undefined || !sameVoterNode(v, o)) return false;
    }
    return true;
  }

  toString(): string {
    return `VoterSet(${[...this.#voters.keys()].join(',')})`;
  }
}

function sameVoterNode(a: VoterNode, b: VoterNode): boolean {
  if (a.voterKey.id !== b.voterKey.id || a.voterKey.directoryId !== b.voterKey.directoryId) return false;
  if (a.supportedKRaftVersion.min !== b.supportedKRaftVersion.min || a.supportedKRaftVersion.max !== b.supportedKRaftVersion.max) return false;
  if (a.listeners.size !== b.listeners.size) return false;
  for (const [name, addr] of a.listeners) {
    const o = b.listeners.get(name);
    if (o === undefined || o.host !== addr.host || o.port !== addr.port) return false;
  }
  return true;
}
