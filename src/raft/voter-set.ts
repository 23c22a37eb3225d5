import { replicaKey, replicaKeyMatches, type ReplicaKey } from './replica-key.ts';

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

  get size(): number {
    return this.#voters.size;
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

  toString(): string {
    return `VoterSet(${[...this.#voters.keys()].join(',')})`;
  }
}
