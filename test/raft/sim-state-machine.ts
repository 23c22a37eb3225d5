import type { Batch } from '../../src/raft/batch.ts';
import type { LeaderAndEpoch } from '../../src/raft/leader-and-epoch.ts';
import type { RaftClientListener } from '../../src/raft/raft-client-listener.ts';
import type { SnapshotReader } from '../../src/raft/snapshot-reader.ts';

/** FNV-1a over bytes, continuing from `h` (a cheap running hash of the applied log). */
export function fnv1a(h: number, bytes: Uint8Array): number {
  let x = h >>> 0;
  for (let i = 0; i < bytes.length; i++) x = Math.imul(x ^ bytes[i]!, 16777619) >>> 0;
  return x;
}

/** What the state machines report to the simulation. */
export interface SimStateMachineObserver {
  /** The state machine reached `nextOffset` with running hash `hash`. */
  applied(nodeId: number, nextOffset: bigint, hash: number): void;
  /** Something broke an invariant of delivery. */
  fail(message: string): void;
}

/**
 * A listener standing for the controller's state machine: it folds every committed batch (data and control
 * records, with offsets and epochs) into a running hash, and snapshots are that hash. Delivery must be gapless,
 * committed (below the node's high watermark when handed over) and agree on every node at every offset: the
 * simulation compares the hashes.
 */
export class SimStateMachine implements RaftClientListener {
  readonly nodeId: number;
  readonly #observer: SimStateMachineObserver;
  readonly #highWatermark: () => bigint | null;
  nextOffset = 0n;
  lastEpoch = 0;
  lastAppendTimestampMs = 0;
  hash = 2166136261;
  leader: LeaderAndEpoch | null = null;
  /** Data record values applied, in order (the acknowledged-appends check reads them). */
  readonly records = new Set<string>();
  snapshotsLoaded = 0;

  constructor(nodeId: number, observer: SimStateMachineObserver, highWatermark: () => bigint | null) {
    this.nodeId = nodeId;
    this.#observer = observer;
    this.#highWatermark = highWatermark;
  }

  handleCommit(batch: Batch): void {
    if (batch.baseOffset !== this.nextOffset) this.#observer.fail(`node ${this.nodeId}: handed batch ${batch.baseOffset}-${batch.lastOffset} while at ${this.nextOffset}`);
    const hw = this.#highWatermark();
    if (hw === null || batch.lastOffset >= hw) this.#observer.fail(`node ${this.nodeId}: handed batch ${batch.baseOffset}-${batch.lastOffset} that is not committed (high watermark ${hw})`);
    let h = fnv1a(this.hash, Buffer.from(`${batch.baseOffset}:${batch.lastOffset}:${batch.epoch}`));
    for (const r of batch.records) {
      h = fnv1a(h, r);
      this.records.add(r.toString());
    }
    for (const c of batch.controlRecords) h = fnv1a(fnv1a(h, Buffer.from([c.type])), c.value);
    this.hash = h;
    this.nextOffset = batch.lastOffset + 1n;
    this.lastEpoch = batch.epoch;
    this.lastAppendTimestampMs = batch.appendTimestampMs;
    this.#observer.applied(this.nodeId, this.nextOffset, this.hash);
  }

  /** The snapshot content: one record `nextOffset:hash:lastEpoch:records...`. */
  snapshotRecords(): Buffer[] {
    return [Buffer.from(`${this.nextOffset}:${this.hash}:${this.lastEpoch}:${[...this.records].join(',')}`)];
  }

  async handleLoadSnapshot(reader: SnapshotReader): Promise<void> {
    let content: string | null = null;
    for await (const b of reader.batches()) for (const r of b.records) content = r.toString();
    if (content === null) return this.#observer.fail(`node ${this.nodeId}: snapshot ${reader.snapshotId.offset} has no state record`);
    const [offset, hash, epoch, records] = content.split(':');
    if (BigInt(offset!) !== reader.snapshotId.offset) this.#observer.fail(`node ${this.nodeId}: snapshot ${reader.snapshotId.offset} holds the state at ${offset}`);
    this.nextOffset = BigInt(offset!);
    this.hash = Number(hash);
    this.lastEpoch = Number(epoch);
    this.records.clear();
    for (const r of records === '' || records === undefined ? [] : records.split(',')) this.records.add(r);
    this.snapshotsLoaded++;
    this.#observer.applied(this.nodeId, this.nextOffset, this.hash);
  }

  handleLeaderChange(leader: LeaderAndEpoch): void {
    this.leader = leader;
  }
}
