import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import { writeBootstrapCheckpoint } from '../../src/raft/bootstrap-checkpoint.ts';
import { replicaKey, type ReplicaKey } from '../../src/raft/replica-key.ts';
import { VoterSet, type VoterNode } from '../../src/raft/voter-set.ts';
import type { Random } from '../../src/common/random.ts';
import { MockLog } from './mock-log.ts';
import type { RaftSimulation, SimNode } from './raft-simulation.ts';

/** A random directory id (a Kafka Uuid in base64url, never the zero one). */
export function randomDirectoryId(random: Random): string {
  const bytes = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) bytes[i] = random.nextInt(256);
  bytes[0] = bytes[0]! | 1;
  return bytes.toString('base64url');
}

/** A controller node as a voter: its key, its endpoint, kraft.version 0-1. */
export function simVoterNode(node: SimNode): VoterNode {
  return {
    voterKey: replicaKey(node.id, node.directoryId),
    listeners: new Map([['CONTROLLER', { host: `node${node.id}`, port: node.port }]]),
    supportedKRaftVersion: { min: 0, max: 1 },
  };
}

/**
 * The dynamic quorum of a simulation (KIP-853): the initial voters are formatted with the bootstrap checkpoint
 * (kraft.version 1 and their voter set), the other controllers start empty and are added, by the auto-join of
 * their own client or by AddRaftVoter requests of an "admin", while RemoveRaftVoter requests remove voters (the
 * leader too). A controller may lose its disk: it restarts empty with a new directory id, and its old replica
 * stays in the voter set as a ghost (it holds its data and never votes again) until it is removed.
 */
export class SimMembership {
  readonly #sim: RaftSimulation;
  readonly initialVoters: VoterSet;

  constructor(sim: RaftSimulation, initialCount: number) {
    this.#sim = sim;
    const controllers = [...sim.nodes.values()].filter((n) => n.controller);
    this.initialVoters = new VoterSet(controllers.slice(0, initialCount).map(simVoterNode));
  }

  /** Formats the initial voters' logs with the bootstrap checkpoint (kafka-storage format --initial-controllers). */
  async formatInitialVoters(): Promise<void> {
    for (const v of this.initialVoters.voterNodes()) {
      const node = this.#sim.nodes.get(v.voterKey.id)!;
      const log = new MockLog();
      await writeBootstrapCheckpoint(log, this.initialVoters, 1, this.#sim.scheduler.time.milliseconds());
      node.durableLog = log.crash(this.#sim.random);
    }
  }

  /** The voters a leader works with now, or null without a leader. */
  #leaderVoters(): { leader: SimNode; voters: VoterSet } | null {
    const leader = this.#sim.leader();
    return leader === undefined ? null : { leader, voters: leader.client!.latestVoters().voters };
  }

  /** Voter keys of `voters` that are ghosts (their node lives on with another directory id). */
  ghostsIn(voters: VoterSet): ReplicaKey[] {
    return voters.voterNodes().map((v) => v.voterKey).filter((k) => this.#sim.nodes.get(k.id)?.directoryId !== k.directoryId);
  }

  /** An admin adds a controller that is not a voter. */
  addVoter(): void {
    const lv = this.#leaderVoters();
    if (lv === null) return;
    const candidates = [...this.#sim.nodes.values()].filter((n) => n.controller && n.alive && n.ready && !lv.voters.voterIds().has(n.id));
    if (candidates.length === 0) return;
    const node = candidates[this.#sim.random.nextInt(candidates.length)]!;
    this.#sim.trace(() => `admin: add voter ${node.id}:${node.directoryId} via leader ${lv.leader.id}`);
    lv.leader.client!
      .handleInboundRequest(ApiKeys.AddRaftVoter, 0, {
        clusterId: 'sim-cluster',
        timeoutMs: 2000,
        voterId: node.id,
        voterDirectoryId: node.directoryId!,
        listeners: [{ name: 'CONTROLLER', host: `node${node.id}`, port: node.port }],
      })
      .then((r) => this.#count('add', r.errorCode));
  }

  /**
   * An admin removes a voter (the leader too): a ghost while the set holds one, else any voter of a set of 4 or
   * more. Never down to 2 live voters: with a 2-voter set, removing the leader can leave no possible leader (if it
   * crashes before the remaining voter has the new set, that voter needs the old leader's vote, which its longer
   * log refuses, while the old leader is no voter of its own latest set: inherent to Raft's single-server changes,
   * Kafka alike); and a removal still in a log when a disk is lost must leave the live voters a majority.
   */
  removeVoter(): void {
    const lv = this.#leaderVoters();
    if (lv === null) return;
    const ghosts = this.ghostsIn(lv.voters);
    if (ghosts.length === 0 && lv.voters.size < 4) return;
    const keys = ghosts.length > 0 ? ghosts : lv.voters.voterNodes().map((v) => v.voterKey);
    const key = keys[this.#sim.random.nextInt(keys.length)]!;
    this.#sim.trace(() => `admin: remove voter ${key.id}:${key.directoryId} via leader ${lv.leader.id}`);
    lv.leader.client!
      .handleInboundRequest(ApiKeys.RemoveRaftVoter, 0, { clusterId: 'sim-cluster', voterId: key.id, voterDirectoryId: key.directoryId! })
      .then((r) => this.#count('remove', r.errorCode));
  }

  #count(op: 'add' | 'remove', errorCode: number): void {
    const key = errorCode === Errors.NONE ? `${op}Voter` : `${op}VoterError${errorCode}`;
    this.#sim.stats[key] = (this.#sim.stats[key] ?? 0) + 1;
  }

  /**
   * A controller loses its disk: it restarts with an empty log and quorum state and a new directory id (formatted
   * again, without initial controllers). Only when every voter set in use has at least 3 voters and no ghost, so
   * that the live voters keep a majority.
   */
  replaceDisk(crash: (node: SimNode) => void, restart: (node: SimNode) => void): void {
    // Every voter set an election may use (the committed one, the latest of each running node) must keep a live
    // majority without the lost replica.
    // And no voter change in flight on the leader: its latest voter set is committed. The leader keeps its disk:
    // were the newest log only on it, the voters left behind could be unable to elect anyone (a removed replica
    // with a longer log refuses them its vote and is no voter of its own latest set).
    const sets = [this.#sim.invariants.committedVoters, ...[...this.#sim.nodes.values()].filter((n) => n.alive && n.ready).map((n) => n.client!.latestVoters().voters)];
    const lv = this.#leaderVoters();
    if (lv === null || sets.some((v) => v === null || v.size < 3 || this.ghostsIn(v).length > 0)) return;
    const latest = lv.leader.client!.latestVoters().offset;
    const hw = lv.leader.client!.highWatermark;
    if (latest === null || hw === null || latest >= hw) return;
    const controllers = [...this.#sim.nodes.values()].filter((n) => n.controller && n !== lv.leader);
    const node = controllers[this.#sim.random.nextInt(controllers.length)]!;
    if (node.alive) crash(node);
    const oldKey = replicaKey(node.id, node.directoryId);
    this.#sim.invariants.onDiskLost(node, oldKey);
    node.durableLog = undefined;
    node.durableElection = null;
    node.directoryId = randomDirectoryId(this.#sim.random);
    this.#sim.stats.diskReplacements = (this.#sim.stats.diskReplacements ?? 0) + 1;
    this.#sim.trace(() => `node ${node.id} lost its disk: ${oldKey.directoryId} -> ${node.directoryId}`);
    this.#sim.scheduler.schedule(100 + this.#sim.random.nextInt(2000), () => {
      if (!node.alive) restart(node);
    });
  }
}
