import { decodeBatches } from '../../src/raft/batch.ts';
import { decodeVoters } from '../../src/raft/control-records.ts';
import { formatReplicaKey, type ReplicaKey } from '../../src/raft/replica-key.ts';
import { VoterSet } from '../../src/raft/voter-set.ts';
import { ControlRecordType } from '../../src/protocol/records/control-record.ts';
import type { MockBatch } from './mock-log.ts';
import type { RaftSimulation, SimNode } from './raft-simulation.ts';
import type { SimStateMachineObserver } from './sim-state-machine.ts';

/** What the checker remembers of a node. */
interface NodeTrack {
  /** Highest epoch the node ever had (epochs never decrease, across restarts too). */
  maxEpoch: number;
  /** High watermark in the current incarnation (monotonic). */
  lastHighWatermark: bigint | null;
  /** The batches array last scanned (a truncation or trim replaces it) and how far it was verified. */
  batchesRef: readonly MockBatch[] | null;
  verifiedIndex: number;
}

/**
 * The safety invariants of the simulation, checked after every event:
 * - at most one leader per epoch;
 * - a node's log never holds an epoch past its own;
 * - a node's epoch never decreases (across restarts), and the epoch, leader and vote it acts on are the ones its
 *   durable quorum state holds (nothing is used or granted before it is persisted);
 * - a node's high watermark never decreases within an incarnation and never passes its log end;
 * - committed batches (below any node's high watermark) are the same on every node that has them, byte for byte
 *   (CRC), on the same batch boundaries: the global committed log is built from the nodes' committed prefixes and
 *   every node's log is checked against it below the committed end;
 * - a leader's log holds every committed offset (Raft's leader completeness);
 * - a committed offset is durable (flushed, or in a snapshot) on enough voters to meet every majority of the voter
 *   sets an election may use: the last committed one and any later one in a leader's log (KIP-853: one change at
 *   a time, so these differ by one voter); a voter that lost its disk keeps counting with what it had (its
 *   directory id changed, so it can never vote again as that replica);
 * - listeners are handed committed batches only, without gaps, and every node's state machine has the same hash at
 *   the same offset, snapshots included;
 * - at the end, every acknowledged append (waitForCommit resolved) is in the final state.
 */
export class SimInvariants implements SimStateMachineObserver {
  readonly #sim: RaftSimulation;
  failure: string | null = null;
  readonly #tracks = new Map<number, NodeTrack>();
  readonly #epochLeaders = new Map<number, number>();
  /** The global committed log by base offset; [#coveredStart, #coveredEnd) is known without gaps. */
  readonly #committed = new Map<bigint, { lastOffset: bigint; crc: number; epoch: number }>();
  #coveredStart = 0n;
  #coveredEnd = 0n;
  /** Per epoch, the highest high watermark a node had in it: offsets committed by that epoch's leader or earlier. */
  readonly #committedByEpoch = new Map<number, { offset: bigint; nodeId: number }>();
  readonly #hashes = new Map<bigint, number>();
  readonly #acknowledged: string[] = [];
  /** The voter set of the last Voters record in the committed log (dynamic quorum), or null (static). */
  #committedVoters: { offset: bigint; voters: VoterSet } | null;
  /** Replicas that lost their disk: what they had durably when it happened. */
  readonly #ghosts = new Map<string, bigint>();

  constructor(sim: RaftSimulation) {
    this.#sim = sim;
    this.#committedVoters = sim.membership === null ? null : { offset: -1n, voters: sim.membership.initialVoters };
  }

  /** The voter set of the last Voters record in the committed log (null with a static quorum). */
  get committedVoters(): VoterSet | null {
    return this.#committedVoters?.voters ?? null;
  }

  /** Node `node` lost its disk (it is down): its replica `oldKey` keeps what it had, and never votes again. */
  onDiskLost(node: SimNode, oldKey: ReplicaKey): void {
    this.#ghosts.set(formatReplicaKey(oldKey), this.#durableEnd(node));
    this.#tracks.delete(node.id);
  }

  /** The offset below which node `n`'s log is durable (flushed or in a snapshot; for a down node, what it will find). */
  #durableEnd(n: SimNode): bigint {
    let end: bigint;
    let snapshotEnd = 0n;
    if (n.alive && n.log !== null) {
      end = n.log.lastFlushedOffset > n.log.startOffset ? n.log.lastFlushedOffset : n.log.startOffset;
      snapshotEnd = n.log.latestSnapshotId()?.offset ?? 0n;
    } else {
      const d = n.durableLog;
      end = d === undefined ? 0n : d.batches.length === 0 ? d.startOffset : d.batches.at(-1)!.lastOffset + 1n;
      for (const sn of d?.snapshots ?? []) if (sn.id.offset > snapshotEnd) snapshotEnd = sn.id.offset;
    }
    return end > snapshotEnd ? end : snapshotEnd;
  }

  fail(message: string): void {
    if (this.failure !== null) return;
    const states = [...this.#sim.nodes.values()].map((n) =>
      n.alive && n.ready ? `${n.id}:${n.client!.stateName}@${n.client!.epoch} leader=${n.client!.leaderAndEpoch.leaderId} hw=${n.client!.highWatermark} leo=${n.log!.endOffset} flushed=${n.log!.lastFlushedOffset} start=${n.log!.startOffset}` : `${n.id}:down`,
    );
    this.failure = `t=${this.#sim.nowMs} ${message}\n  nodes: ${states.join(' | ')}`;
  }

  onStart(node: SimNode): void {
    const t = this.#tracks.get(node.id);
    if (t === undefined) this.#tracks.set(node.id, { maxEpoch: 0, lastHighWatermark: null, batchesRef: null, verifiedIndex: 0 });
    else {
      t.lastHighWatermark = null;
      t.batchesRef = null;
      t.verifiedIndex = 0;
    }
  }

  applied(nodeId: number, nextOffset: bigint, hash: number): void {
    const expected = this.#hashes.get(nextOffset);
    if (expected === undefined) this.#hashes.set(nextOffset, hash);
    else if (expected !== hash) this.fail(`node ${nodeId}: state at offset ${nextOffset} has hash ${hash}, another node had ${expected}`);
  }

  acknowledged(records: readonly string[], _offset: bigint): void {
    this.#acknowledged.push(...records);
  }

  /** Every acknowledged record is in `leader`'s final state. */
  checkAcknowledged(leader: SimNode): void {
    const applied = leader.sm!.records;
    for (const r of this.#acknowledged) {
      if (!applied.has(r)) return this.fail(`acknowledged record ${r} is not in the final state of leader ${leader.id}`);
    }
  }

  check(): void {
    if (this.failure !== null) return;
    for (const node of this.#sim.nodes.values()) {
      if (!node.alive || !node.ready || node.client === null) continue;
      this.#checkNode(node);
      if (this.failure !== null) return;
    }
    this.#checkMajorityDurable();
  }

  /**
   * A committed offset is durable (flushed, or inside a snapshot), whatever crashes, on at least ceil(n / 2) of the
   * n voters of every voter set an election may use, so every majority of them holds it: what makes commits
   * survive. Down voters count with what their restart will find. The voter sets: the static one; or the last
   * committed one and the later one a leader may have appended (that it may commit with: a leader uses a voter
   * set from the moment it is in its log). Voter sets only in followers' logs past their high watermark are not
   * checked: their logs are behind the committed ones of a majority, which never votes for them.
   */
  #checkMajorityDurable(): void {
    let committed = 0n;
    for (const v of this.#committedByEpoch.values()) if (v.offset > committed) committed = v.offset;
    if (committed === 0n) return;
    const sets: VoterSet[] = [];
    if (this.#committedVoters === null) sets.push(this.#sim.voterSet);
    else {
      sets.push(this.#committedVoters.voters);
      for (const n of this.#sim.nodes.values()) {
        if (!n.alive || !n.ready || !n.client!.isLeader) continue;
        const latest = n.client!.latestVoters();
        if (latest.offset !== null && latest.offset > this.#committedVoters.offset) sets.push(latest.voters);
      }
    }
    for (const voters of sets) {
      let durable = 0;
      for (const v of voters.voterNodes()) {
        const key = v.voterKey;
        const n = this.#sim.nodes.get(key.id);
        const end = n !== undefined && n.directoryId === key.directoryId ? this.#durableEnd(n) : (this.#ghosts.get(formatReplicaKey(key)) ?? 0n);
        if (end >= committed) durable++;
      }
      if (durable < Math.ceil(voters.size / 2)) return this.fail(`committed offset ${committed} is durable on only ${durable} of the ${voters.size} voters of ${voters}`);
    }
  }

  /** The voter set of the last Voters record of a batch (a control batch), if any. */
  #votersIn(data: Buffer): VoterSet | null {
    // The control flag: bit 5 of the attributes (int16 at byte 21 of the batch header).
    if ((data.readInt16BE(21) & 0x20) === 0) return null;
    let voters: VoterSet | null = null;
    for (const b of decodeBatches(data).batches) {
      for (const r of b.controlRecords) if (r.type === ControlRecordType.KRAFT_VOTERS) voters = VoterSet.fromVotersRecord(decodeVoters(r.value));
    }
    return voters;
  }

  #checkNode(node: SimNode): void {
    const c = node.client!;
    const log = node.log!;
    const t = this.#tracks.get(node.id)!;
    const epoch = c.epoch;
    if (epoch < t.maxEpoch) return this.fail(`node ${node.id}: epoch went back from ${t.maxEpoch} to ${epoch}`);
    t.maxEpoch = epoch;
    // KIP-595: the epoch, leader and vote a node acts on are on disk first: in memory and durable always agree
    // (Prospective and Resigned change nothing a restart must remember).
    const durable = node.store!.durable;
    if (durable === null || !durable.equals(c.election)) return this.fail(`node ${node.id}: acts on ${c.election} but its quorum state holds ${durable}`);
    if (node.ready && c.isLeader) {
      const other = this.#epochLeaders.get(epoch);
      if (other !== undefined && other !== node.id) return this.fail(`two leaders in epoch ${epoch}: ${other} and ${node.id}`);
      this.#epochLeaders.set(epoch, node.id);
      // Raft's leader completeness: the leader of an epoch has every entry committed in the epochs before it.
      const before = this.#committedBefore(epoch);
      if (before !== null && log.endOffset < before.offset) return this.fail(`leader ${node.id} of epoch ${epoch} has log end ${log.endOffset} below offset ${before.offset} committed in an earlier epoch (high watermark of node ${before.nodeId})`);
    }
    // A replica only writes batches of its leader's epoch or older: its log never runs ahead of its epoch.
    if (log.lastFetchedEpoch > epoch) return this.fail(`node ${node.id}: its log's last epoch ${log.lastFetchedEpoch} is past its epoch ${epoch}`);
    const hw = node.ready ? c.highWatermark : null;
    if (hw !== null) {
      if (t.lastHighWatermark !== null && hw < t.lastHighWatermark) return this.fail(`node ${node.id}: high watermark went back from ${t.lastHighWatermark} to ${hw}`);
      t.lastHighWatermark = hw;
      if (hw > log.endOffset) return this.fail(`node ${node.id}: high watermark ${hw} above its log end ${log.endOffset}`);
      const known = this.#committedByEpoch.get(epoch);
      if (known === undefined || hw > known.offset) this.#committedByEpoch.set(epoch, { offset: hw, nodeId: node.id });
      this.#extendCommitted(node, hw);
    }
    // A follower may still hold uncommitted entries of an old leader past its own high watermark; below it, and
    // anywhere in a leader's log, the committed log must be there as it is.
    let limit = hw ?? 0n;
    if (c.isLeader) {
      const before = this.#committedBefore(epoch)?.offset ?? 0n;
      if (before > limit) limit = before;
    }
    if (limit > this.#coveredEnd) limit = this.#coveredEnd;
    this.#verifyLog(node, t, limit);
  }

  /** The highest offset committed in an epoch before `epoch`. */
  #committedBefore(epoch: number): { offset: bigint; nodeId: number } | null {
    let best: { offset: bigint; nodeId: number } | null = null;
    for (const [e, v] of this.#committedByEpoch) if (e < epoch && (best === null || v.offset > best.offset)) best = v;
    return best;
  }

  /** Adds the node's committed batches past the known committed end. */
  #extendCommitted(node: SimNode, hw: bigint): void {
    const log = node.log!;
    if (hw <= this.#coveredEnd) return;
    if (log.startOffset > this.#coveredEnd) {
      // Everything up to its log start is in a snapshot the node loaded: coverage restarts there, with the voters of
      // the snapshot's header.
      this.#coveredStart = log.startOffset;
      this.#coveredEnd = log.startOffset;
      const latest = log.latestSnapshotId();
      const bytes = this.#committedVoters !== null && latest !== null && latest.offset === log.startOffset ? log.snapshotBytes(latest) : null;
      const voters = bytes === null ? null : this.#votersIn(bytes);
      if (voters !== null) this.#committedVoters = { offset: log.startOffset - 1n, voters };
    }
    for (const b of log.batches()) {
      if (b.lastOffset < this.#coveredEnd) continue;
      if (b.lastOffset >= hw) break;
      if (b.baseOffset !== this.#coveredEnd) return this.fail(`node ${node.id}: committed batch ${b.baseOffset}-${b.lastOffset} does not start at the committed end ${this.#coveredEnd}`);
      this.#committed.set(b.baseOffset, { lastOffset: b.lastOffset, crc: b.crc, epoch: b.epoch });
      this.#coveredEnd = b.lastOffset + 1n;
      if (this.#committedVoters !== null) {
        const voters = this.#votersIn(b.data);
        if (voters !== null) {
          const previous = this.#committedVoters.voters;
          const sameIds = previous.size === voters.size && [...voters.voterIds()].every((id) => previous.voterIds().has(id));
          if (sameIds && !previous.equals(voters)) this.#sim.stats.voterEndpointUpdates = (this.#sim.stats.voterEndpointUpdates ?? 0) + 1;
          this.#committedVoters = { offset: b.lastOffset, voters };
          this.#sim.stats.committedVoterSets = (this.#sim.stats.committedVoterSets ?? 0) + 1;
        }
      }
    }
  }

  /** The node's batches below `limit` (at most the committed end) equal the committed log. */
  #verifyLog(node: SimNode, t: NodeTrack, limit: bigint): void {
    const batches = node.log!.batches();
    if (t.batchesRef !== batches) {
      t.batchesRef = batches;
      t.verifiedIndex = 0;
    }
    while (t.verifiedIndex < batches.length) {
      const b = batches[t.verifiedIndex]!;
      if (b.lastOffset >= limit) {
        if (limit === this.#coveredEnd && b.baseOffset < limit && b.baseOffset >= this.#coveredStart) this.fail(`node ${node.id}: batch ${b.baseOffset}-${b.lastOffset} straddles the committed end ${limit}`);
        return;
      }
      if (b.baseOffset >= this.#coveredStart) {
        const c = this.#committed.get(b.baseOffset);
        if (c === undefined || c.lastOffset !== b.lastOffset || c.crc !== b.crc) {
          return this.fail(`node ${node.id}: batch ${b.baseOffset}-${b.lastOffset} (epoch ${b.epoch}, crc ${b.crc}) differs from the committed batch ${c === undefined ? 'none' : `${b.baseOffset}-${c.lastOffset} (epoch ${c.epoch}, crc ${c.crc})`}`);
        }
      }
      t.verifiedIndex++;
    }
  }
}
