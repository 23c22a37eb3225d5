import type { PartitionRegistration } from '../metadata/partition-registration.ts';
import type { PartitionChangeRecord } from '../protocol/generated/records/partition-change-record.ts';
import { metadataVersionSupports, partitionChangeRecordVersion } from '../metadata/metadata-version.ts';
import { MIGRATING_DIRECTORY } from '../metadata/partition-registration.ts';
import { maybeCompleteReassignment } from './reassignment-replicas.ts';

/** How a new leader may be chosen (Kafka's PartitionChangeBuilder.Election). */
export type Election = 'PREFERRED' | 'ONLINE' | 'UNCLEAN';

/** PartitionChangeRecord.leader: "no change". */
export const NO_LEADER_CHANGE = -2;
/** PartitionRecord/PartitionChangeRecord.leader: no leader. */
export const NO_LEADER = -1;
/** LeaderRecoveryState.RECOVERING: the leader came from an unclean election and may miss acknowledged records. */
export const LEADER_RECOVERING = 1;

/**
 * KIP-966 for one partition: whether eligible leader replicas are on (the cluster's
 * eligible.leader.replicas.version >= 1, see {@link eligibleLeaderReplicasEnabled}) and the topic's effective
 * min.insync.replicas (capped at its replication factor).
 */
export interface EligibleLeaderReplicasSettings {
  readonly enabled: boolean;
  readonly minIsr: number;
}

/** A PartitionChangeRecord as the controller writes it, with its version. */
export interface PartitionChange {
  readonly type: 'PartitionChangeRecord';
  readonly version: number;
  readonly data: PartitionChangeRecord;
  /** True when the new leader came from outside the ISR (Kafka's unclean election: data may be lost). */
  readonly unclean: boolean;
}

/**
 * Computes the PartitionChangeRecord that moves one partition to a target ISR and (re)elects its leader, after
 * Kafka 4.4's `PartitionChangeBuilder`. The rules:
 *
 * - Target replicas, adding and removing replicas (a reassignment, KIP-455) are the partition's unless set. A
 *   reassignment completes when the target ISR holds every adding replica (see maybeCompleteReassignment): the
 *   replicas become the target, the removing replicas leave the ISR, adding and removing become empty; the
 *   leader, if it is being removed, is then re-elected. A record that drops a replica from the replicas names the
 *   leader, to bump the leader epoch.
 * - The current leader stays when it is eligible and acceptable. Else the first target replica (in replica order;
 *   the preferred replica first for a PREFERRED election) that is eligible and acceptable. Eligible means in the
 *   target ISR or, when the target ISR is empty, in the ELR (KIP-966: a clean election; the new leader becomes the
 *   only ISR member and leaves the ELR).
 * - Failing that, with ELR on: when the ISR and the ELR are both empty and the last known leader (lastKnownElr,
 *   one member) is acceptable, it is elected as an unclean election would be (KIP-966's balanced recovery, which
 *   Kafka 4.4 always uses).
 * - Failing that, an UNCLEAN election takes the first acceptable replica outside the ISR: it becomes the only ISR
 *   member and the partition's leader recovery state becomes RECOVERING. An unclean election clears the ELR.
 * - Else the leader is -1 (none). Without ELR a target ISR that is empty is not written: the partition keeps its
 *   last ISR member(s), so the replica that has every committed record is known when it comes back. With ELR the
 *   empty ISR is written, and the ELR says who has every committed record (see {@link #maybePopulateTargetElr}).
 * - The record names a leader only when the leader changes. Replaying it bumps the leader epoch whenever it
 *   names one (PartitionRegistration.merge); the partition epoch grows with every record. Before metadata.version
 *   3.6-IV0 a record that removes ISR members also names the unchanged leader, to bump its epoch.
 * - A target leader recovery state other than the partition's (AlterPartition from a recovered leader) is written.
 * - No change at all gives no record.
 *
 * ELR (KIP-966, on from metadata.version 4.0-IV1 with eligible.leader.replicas.version 1):
 *
 * | target ISR size       | ELR becomes                                                                       |
 * |-----------------------|-----------------------------------------------------------------------------------|
 * | >= min.insync         | empty (an ISR that large guarantees the committed records itself)                |
 * | < min.insync          | (ELR + current ISR) - target ISR - replicas that shut down uncleanly              |
 *
 * lastKnownElr holds the leader a partition had when it lost its last leader, and is cleared when it gets one.
 */
export class PartitionChangeBuilder {
  readonly #partition: PartitionRegistration;
  readonly #topicId: string;
  readonly #partitionId: number;
  readonly #isAcceptableLeader: (brokerId: number) => boolean;
  readonly #metadataVersion: number;
  #targetIsr: readonly number[];
  #targetReplicas: readonly number[];
  #targetAdding: readonly number[];
  #targetRemoving: readonly number[];
  #targetLeaderRecoveryState: number;
  #election: Election = 'ONLINE';
  #elrEnabled = false;
  #minIsr = 1;
  #targetElr: readonly number[];
  #uncleanShutdownReplicas: readonly number[] = [];

  /**
   * @param isAcceptableLeader whether a broker may lead (Kafka's LeaderAcceptor: registered, active, its replica's
   *   directory online); the ISR condition is the builder's.
   * @param metadataVersion the metadata.version level the record is written at.
   */
  constructor(partition: PartitionRegistration, topicId: string, partitionId: number, isAcceptableLeader: (brokerId: number) => boolean, metadataVersion: number) {
    this.#partition = partition;
    this.#topicId = topicId;
    this.#partitionId = partitionId;
    this.#isAcceptableLeader = isAcceptableLeader;
    this.#metadataVersion = metadataVersion;
    this.#targetIsr = partition.isr;
    this.#targetReplicas = partition.replicas;
    this.#targetAdding = partition.addingReplicas;
    this.#targetRemoving = partition.removingReplicas;
    this.#targetLeaderRecoveryState = partition.leaderRecoveryState;
    this.#targetElr = partition.elr;
  }

  /**
   * Turns KIP-966 on or off for this change (off by default, as Kafka's builder with ELR disabled: a change then
   * clears any ELR the partition has). Ignored below metadata.version 4.0-IV1, whose records cannot carry it.
   */
  setEligibleLeaderReplicas(settings: EligibleLeaderReplicasSettings): this {
    this.#elrEnabled = settings.enabled && metadataVersionSupports.eligibleLeaderReplicas(this.#metadataVersion);
    this.#minIsr = settings.minIsr;
    return this;
  }

  /**
   * Replicas whose broker shut down uncleanly (a new incarnation registered without naming its previous broker
   * epoch, KIP-966): they may have lost records they acknowledged, so they do not join (and leave) the ELR.
   */
  setUncleanShutdownReplicas(replicas: readonly number[]): this {
    this.#uncleanShutdownReplicas = replicas;
    return this;
  }

  setTargetIsr(isr: readonly number[]): this {
    this.#targetIsr = isr;
    return this;
  }

  /**
   * The leader recovery state the leader reports (AlterPartition: RECOVERED, 0, once a leader elected uncleanly has
   * recovered); it overrides what an election sets, as in Kafka.
   */
  setTargetLeaderRecoveryState(state: number): this {
    this.#targetLeaderRecoveryState = state;
    return this;
  }

  /** The replica list to write (a reassignment's union of target and removing replicas, or its revert). */
  setTargetReplicas(replicas: readonly number[]): this {
    this.#targetReplicas = replicas;
    return this;
  }

  setTargetAdding(adding: readonly number[]): this {
    this.#targetAdding = adding;
    return this;
  }

  setTargetRemoving(removing: readonly number[]): this {
    this.#targetRemoving = removing;
    return this;
  }

  setElection(election: Election): this {
    this.#election = election;
    return this;
  }

  #isValidNewLeader(replica: number): boolean {
    return this.#isEligible(replica) && this.#isAcceptableLeader(replica);
  }

  /** In the target ISR or, when it is empty, in the ELR (KIP-966). */
  #isEligible(replica: number): boolean {
    return this.#targetIsr.includes(replica) || (this.#targetIsr.length === 0 && this.#targetElr.includes(replica));
  }

  /**
   * KIP-966: the target ELR. When the target ISR is smaller than min.insync.replicas, the replicas leaving the ISR
   * (and the ELR members still out of it) join the ELR unless they shut down uncleanly; the ELR is sorted by broker
   * id. When it is not, the ELR is empty.
   */
  #maybePopulateTargetElr(): void {
    if (!this.#elrEnabled) return;
    if (this.#targetIsr.length >= this.#minIsr) {
      this.#targetElr = [];
      return;
    }
    const candidates = new Set([...this.#targetElr, ...this.#partition.isr]);
    this.#targetElr = [...candidates]
      .filter((r) => !this.#targetIsr.includes(r) && !this.#uncleanShutdownReplicas.includes(r))
      .sort((a, b) => a - b);
  }

  /**
   * KIP-966's balanced recovery: with the ISR and the ELR empty, the last known leader when it is the only member
   * of lastKnownElr and acceptable; else null.
   */
  #lastKnownLeader(): number | null {
    if (!this.#elrEnabled || this.#targetIsr.length > 0 || this.#targetElr.length > 0) return null;
    const last = this.#partition.lastKnownElr;
    return last.length === 1 && this.#isAcceptableLeader(last[0]!) ? last[0]! : null;
  }

  /** A leader elected from the ELR becomes the only ISR member and leaves the ELR. */
  #applyElrElection(leader: number): void {
    if (!this.#targetElr.includes(leader)) return;
    this.#targetIsr = [leader];
    this.#targetElr = this.#targetElr.filter((r) => r !== leader);
  }

  /**
   * The record's ELR: the target ELR when it changed, cleared when ELR is off or the election was unclean (the new
   * leader's log is the truth now).
   */
  #maybeUpdateRecordElr(record: PartitionChangeRecord): void {
    if (!this.#elrEnabled || record.isr !== null) this.#targetElr = [];
    if (!sameList(this.#targetElr, this.#partition.elr)) record.eligibleLeaderReplicas = [...this.#targetElr];
  }

  /** lastKnownElr: the leader just lost when the partition loses its last leader; cleared when it gets one. */
  #maybeUpdateLastKnownLeader(record: PartitionChangeRecord): void {
    if (!this.#elrEnabled) return;
    const lastKnown = this.#partition.lastKnownElr;
    if (record.leader === NO_LEADER && lastKnown.length === 0) record.lastKnownElr = [this.#partition.leader];
    else if (record.leader >= 0 && lastKnown.length > 0) record.lastKnownElr = [];
  }

  #electLeader(): { node: number; unclean: boolean } {
    const p = this.#partition;
    if (this.#election === 'PREFERRED') {
      const preferred = this.#targetReplicas[0];
      if (preferred !== undefined && this.#isValidNewLeader(preferred)) return { node: preferred, unclean: false };
      if (this.#isValidNewLeader(p.leader)) return { node: p.leader, unclean: false };
      const online = this.#targetReplicas.slice(1).find((r) => this.#isValidNewLeader(r));
      if (online !== undefined) return { node: online, unclean: false };
      const lastKnown = this.#lastKnownLeader();
      return lastKnown === null ? { node: NO_LEADER, unclean: false } : { node: lastKnown, unclean: true };
    }
    if (this.#isValidNewLeader(p.leader)) return { node: p.leader, unclean: false };
    const online = this.#targetReplicas.find((r) => this.#isValidNewLeader(r));
    if (online !== undefined) return { node: online, unclean: false };
    const lastKnown = this.#lastKnownLeader();
    if (lastKnown !== null) return { node: lastKnown, unclean: true };
    if (this.#election === 'UNCLEAN') {
      const unclean = this.#targetReplicas.find((r) => this.#isAcceptableLeader(r));
      if (unclean !== undefined) return { node: unclean, unclean: true };
    }
    return { node: NO_LEADER, unclean: false };
  }

  /** Kafka's completeReassignmentIfNeeded: the targets of a reassignment whose adding replicas are all in the target ISR. */
  #completeReassignmentIfNeeded(): void {
    const completed = maybeCompleteReassignment({ replicas: this.#targetReplicas, adding: this.#targetAdding, removing: this.#targetRemoving }, this.#targetIsr);
    if (completed === null) return;
    this.#targetIsr = completed.isr;
    this.#targetReplicas = completed.replicas;
    this.#targetAdding = [];
    this.#targetRemoving = [];
  }

  /**
   * Kafka's triggerLeaderEpochBumpForReplicaReassignmentIfNeeded: a replica leaving the replica set must not be
   * able to fetch (and so hold the high watermark or join the ISR) in the leader epoch it knew.
   */
  #bumpLeaderEpochForReassignment(record: PartitionChangeRecord): void {
    if (record.leader !== NO_LEADER_CHANGE) return;
    if (!this.#partition.replicas.every((r) => this.#targetReplicas.includes(r))) record.leader = this.#partition.leader;
  }

  /**
   * Kafka's setAssignmentChanges: replicas, adding and removing replicas that differ from the partition's. The
   * directories follow the replicas (a kept replica keeps its directory, a new one has none: MIGRATING) from
   * metadata.version 3.7-IV2 on.
   */
  #setAssignmentChanges(record: PartitionChangeRecord): void {
    const p = this.#partition;
    if (this.#targetReplicas.length > 0 && !sameList(this.#targetReplicas, p.replicas)) {
      record.replicas = [...this.#targetReplicas];
      // Records before metadata.version 3.7-IV2 carry no directories (all MIGRATING then, which merging keeps).
      if (metadataVersionSupports.directoryAssignment(this.#metadataVersion)) record.directories = this.#targetReplicas.map((r) => (p.replicas.includes(r) ? (p.directories[p.replicas.indexOf(r)] ?? MIGRATING_DIRECTORY) : MIGRATING_DIRECTORY));
    }
    if (!sameList(this.#targetRemoving, p.removingReplicas)) record.removingReplicas = [...this.#targetRemoving];
    if (!sameList(this.#targetAdding, p.addingReplicas)) record.addingReplicas = [...this.#targetAdding];
  }

  /** The record, or null when nothing changes. */
  build(): PartitionChange | null {
    const p = this.#partition;
    this.#completeReassignmentIfNeeded();
    const record: PartitionChangeRecord = {
      partitionId: this.#partitionId,
      topicId: this.#topicId,
      isr: null,
      leader: NO_LEADER_CHANGE,
      replicas: null,
      removingReplicas: null,
      addingReplicas: null,
      leaderRecoveryState: -1,
      directories: null,
      eligibleLeaderReplicas: null,
      lastKnownElr: null,
    };
    this.#maybePopulateTargetElr();
    const election = this.#electLeader();
    let unclean = false;
    if (election.node !== p.leader) {
      this.#applyElrElection(election.node);
      record.leader = election.node;
      if (election.unclean) {
        unclean = true;
        record.isr = [election.node];
        if (p.leaderRecoveryState !== LEADER_RECOVERING) record.leaderRecoveryState = LEADER_RECOVERING;
      }
    }
    this.#bumpLeaderEpochForReassignment(record);
    this.#maybeUpdateRecordElr(record);
    if (record.isr === null && (this.#targetIsr.length > 0 || this.#elrEnabled) && !sameList(this.#targetIsr, p.isr)) record.isr = [...this.#targetIsr];
    if (
      metadataVersionSupports.leaderEpochBumpOnIsrShrink(this.#metadataVersion) &&
      record.leader === NO_LEADER_CHANGE &&
      record.isr !== null &&
      !p.isr.every((r) => record.isr!.includes(r))
    ) {
      record.leader = p.leader;
    }
    this.#maybeUpdateLastKnownLeader(record);
    this.#setAssignmentChanges(record);
    if (this.#targetLeaderRecoveryState !== p.leaderRecoveryState) record.leaderRecoveryState = this.#targetLeaderRecoveryState;
    if (isNoOp(record)) return null;
    return { type: 'PartitionChangeRecord', version: partitionChangeRecordVersion(this.#metadataVersion), data: record, unclean };
  }
}

/** Kafka's changeRecordIsNoOp, for the fields this builder writes. */
function isNoOp(record: PartitionChangeRecord): boolean {
  return (
    record.leader === NO_LEADER_CHANGE &&
    record.isr === null &&
    record.leaderRecoveryState === -1 &&
    record.eligibleLeaderReplicas === null &&
    record.lastKnownElr === null &&
    record.replicas === null &&
    record.addingReplicas === null &&
    record.removingReplicas === null
  );
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
