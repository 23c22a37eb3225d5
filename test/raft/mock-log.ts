import { compareOffsetAndEpoch, type OffsetAndEpoch } from '../../src/raft/offset-and-epoch.ts';
import type { RawSnapshotReader, RawSnapshotWriter } from '../../src/raft/raw-snapshot.ts';
import { validateOffsetAndEpoch, type LogAppendInfo, type LogFetchInfo, type ReplicatedLog } from '../../src/raft/replicated-log.ts';
import { nextSnapshotToDeleteBefore, type MetadataRetention } from '../../src/raft/snapshot-retention.ts';
import { SnapshotReader } from '../../src/raft/snapshot-reader.ts';
import { iterateBatches } from '../../src/protocol/records/batch-iterator.ts';
import { RecordsError, RecordsErrorCode } from '../../src/protocol/records/records-error.ts';
import type { Random } from '../../src/common/random.ts';

/**
 * When durable I/O (fsync) completes. The simulation resolves these promises from its event queue after a random
 * delay, so a crash can fall between a write and its fsync; unit tests complete them at once.
 */
export interface SimIo {
  fsync(): Promise<void>;
}

/** Completes every fsync at once. */
export const IMMEDIATE_IO: SimIo = { fsync: () => Promise.resolve() };

/** One batch of the mock log: its bytes as the leader wrote them. */
export interface MockBatch {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly epoch: number;
  readonly data: Buffer;
  /** The batch's CRC: what the invariants compare. */
  readonly crc: number;
}

interface EpochEntry {
  epoch: number;
  startOffset: bigint;
}

interface Snapshot {
  readonly id: OffsetAndEpoch;
  readonly bytes: Buffer;
}

/** What survives a crash of a MockLog: flushed batches, a random share of the unflushed ones, frozen snapshots. */
export interface MockLogDurableState {
  readonly batches: readonly MockBatch[];
  readonly startOffset: bigint;
  readonly epochs: readonly EpochEntry[];
  readonly snapshots: readonly Snapshot[];
}

function snapshotKey(id: OffsetAndEpoch): string {
  return `${id.offset}-${id.epoch}`;
}

function sortedSnapshots(m: Map<string, Snapshot>): Snapshot[] {
  return [...m.values()].sort((a, b) => compareOffsetAndEpoch(a.id, b.id));
}

/**
 * The replicated log in memory (Kafka's test MockLog), for the simulation and unit tests: batches as bytes, a leader
 * epoch cache, a flushed offset, and snapshots as byte buffers. Follows KafkaMetadataLog's rules (CRC checks on
 * follower appends, truncation never below the high watermark, snapshot checks, retention). `crash` returns what a
 * restarted node finds: everything flushed, plus a random prefix of what was not (a disk may or may not have
 * written it), and the frozen snapshots. A crashed log refuses every call, so a poll of the dead node that is still
 * pending cannot touch the restarted node's log.
 */
export class MockLog implements ReplicatedLog {
  #batches: MockBatch[];
  #epochs: EpochEntry[];
  #startOffset: bigint;
  #highWatermark: bigint;
  #flushedOffset: bigint;
  readonly #snapshots = new Map<string, Snapshot>();
  readonly #io: SimIo;
  readonly #retention: MetadataRetention;
  readonly #nowMs: () => number;
  #dead = false;
  #sorted: Snapshot[] | null = null;
  /** Bumped on every truncation: lets the invariant checker know it must re-read. */
  truncations = 0;

  constructor(options: { io?: SimIo; retention?: MetadataRetention; nowMs?: () => number; durable?: MockLogDurableState } = {}) {
    this.#io = options.io ?? IMMEDIATE_IO;
    this.#retention = options.retention ?? { retentionMaxBytes: -1, retentionMs: -1 };
    this.#nowMs = options.nowMs ?? (() => 0);
    const d = options.durable;
    this.#batches = d === undefined ? [] : [...d.batches];
    this.#startOffset = d?.startOffset ?? 0n;
    this.#epochs = d === undefined ? [] : d.epochs.map((e) => ({ ...e }));
    for (const s of d?.snapshots ?? []) this.#setSnapshot(s);
    // Like UnifiedLog's load: an epoch that starts at or past the log end is dropped.
    this.#epochs = this.#epochs.filter((e) => e.startOffset < this.endOffset);
    this.#highWatermark = this.#startOffset;
    this.#flushedOffset = this.endOffset;
    // Like KafkaMetadataLog's open: a snapshot downloaded just before a crash replaces the log behind it.
    this.#truncateToLatestSnapshot();
  }

  #sortedSnapshots(): Snapshot[] {
    return (this.#sorted ??= sortedSnapshots(this.#snapshots));
  }

  #setSnapshot(s: Snapshot): void {
    this.#snapshots.set(snapshotKey(s.id), s);
    this.#sorted = null;
  }

  #deleteSnapshot(id: OffsetAndEpoch): void {
    this.#snapshots.delete(snapshotKey(id));
    this.#sorted = null;
  }

  #check(): void {
    if (this.#dead) throw new Error('MockLog of a crashed node');
  }

  get endOffset(): bigint {
    return this.#batches.length === 0 ? this.#startOffset : this.#batches.at(-1)!.lastOffset + 1n;
  }

  get startOffset(): bigint {
    return this.#startOffset;
  }

  get lastFlushedOffset(): bigint {
    return this.#flushedOffset;
  }

  get highWatermark(): bigint {
    return this.#highWatermark;
  }

  get lastFetchedEpoch(): number {
    const latest = this.#epochs.at(-1);
    if (latest !== undefined) return latest.epoch;
    const snapshot = this.latestSnapshotId();
    if (snapshot === null) return 0;
    if (snapshot.offset === this.#startOffset && snapshot.offset === this.endOffset) return snapshot.epoch;
    throw new Error(`Log has no last fetched epoch but a snapshot ${snapshotKey(snapshot)} not at its end ${this.endOffset}`);
  }

  /** The batches (for the invariant checks). */
  batches(): readonly MockBatch[] {
    return this.#batches;
  }

  endOffsetForEpoch(epoch: number): OffsetAndEpoch {
    const found = this.#cacheEndOffsetFor(epoch);
    if (found === null) return { offset: this.endOffset, epoch: this.lastFetchedEpoch };
    const earliest = this.earliestSnapshotId();
    if (earliest !== null && found.offset === earliest.offset && found.epoch === epoch) return { offset: earliest.offset, epoch: earliest.epoch };
    return found;
  }

  /** LeaderEpochFileCache.endOffsetFor. */
  #cacheEndOffsetFor(epoch: number): OffsetAndEpoch | null {
    const latest = this.#epochs.at(-1);
    if (epoch === -1 || latest === undefined) return null;
    if (epoch === latest.epoch) return { offset: this.endOffset, epoch };
    const higher = this.#epochs.find((e) => e.epoch > epoch);
    if (higher === undefined) return null;
    let floor: EpochEntry | undefined;
    for (const e of this.#epochs) if (e.epoch <= epoch) floor = e;
    return { offset: higher.startOffset, epoch: floor === undefined ? epoch : floor.epoch };
  }

  #assignEpoch(epoch: number, startOffset: bigint): void {
    const latest = this.#epochs.at(-1);
    if (latest !== undefined && epoch <= latest.epoch) return;
    this.#epochs.push({ epoch, startOffset });
  }

  #append(records: Buffer, leaderEpoch: number | null): LogAppendInfo {
    let first: bigint | null = null;
    let last = -1n;
    let next = this.endOffset;
    for (const b of iterateBatches(records)) {
      if (!b.isValid()) throw new RecordsError(RecordsErrorCode.CORRUPT_MESSAGE, `Record batch at offset ${b.baseOffset} is corrupt`);
      if (leaderEpoch !== null) {
        b.baseOffset = next;
        b.partitionLeaderEpoch = leaderEpoch;
      } else if (b.baseOffset !== next) {
        throw new Error(`Unexpected offset in append: first offset ${b.baseOffset}, expected ${next}`);
      }
      const copy = Buffer.from(b.bytes);
      const epoch = b.partitionLeaderEpoch;
      this.#assignEpoch(epoch, b.baseOffset);
      this.#batches.push({ baseOffset: b.baseOffset, lastOffset: b.lastOffset, epoch, data: copy, crc: b.crc });
      first ??= b.baseOffset;
      last = b.lastOffset;
      next = b.lastOffset + 1n;
    }
    if (first === null) throw new RecordsError(RecordsErrorCode.CORRUPT_MESSAGE, 'append contains no record batch');
    return { firstOffset: first, lastOffset: last };
  }

  async appendAsLeader(records: Buffer, epoch: number): Promise<LogAppendInfo> {
    this.#check();
    return this.#append(Buffer.from(records), epoch);
  }

  async appendAsFollower(records: Buffer, _epoch: number): Promise<LogAppendInfo> {
    this.#check();
    return this.#append(records, null);
  }

  async read(startOffset: bigint, isolation: 'COMMITTED' | 'UNCOMMITTED', maxBytes: number): Promise<LogFetchInfo> {
    this.#check();
    if (startOffset < this.#startOffset || startOffset > this.endOffset) throw new Error(`Offset ${startOffset} is outside the log [${this.#startOffset}, ${this.endOffset}]`);
    const upper = isolation === 'COMMITTED' ? this.#highWatermark : this.endOffset;
    const parts: Buffer[] = [];
    let bytes = 0;
    for (const b of this.#batches) {
      if (b.lastOffset < startOffset) continue;
      if (b.baseOffset >= upper) break;
      if (parts.length > 0 && bytes + b.data.length > maxBytes) break;
      parts.push(b.data);
      bytes += b.data.length;
    }
    return { records: Buffer.concat(parts), startOffset };
  }

  async initializeLeaderEpoch(epoch: number): Promise<void> {
    this.#check();
    this.#assignEpoch(epoch, this.endOffset);
  }

  async truncateTo(offset: bigint): Promise<void> {
    this.#check();
    if (offset < this.#highWatermark) throw new Error(`Attempt to truncate to offset ${offset}, which is below the current high watermark ${this.#highWatermark}`);
    if (offset >= this.endOffset) {
      // As UnifiedLog (and Kafka): an epoch that starts at the log end goes even when no batch does.
      this.#epochs = this.#epochs.filter((e) => e.startOffset < this.endOffset);
      return;
    }
    this.#batches = this.#batches.filter((b) => b.lastOffset < offset);
    if (this.endOffset !== offset && this.#batches.length > 0) throw new Error(`Truncation to ${offset} is not on a batch boundary`);
    this.#epochs = this.#epochs.filter((e) => e.startOffset < offset);
    if (this.#flushedOffset > offset) this.#flushedOffset = offset;
    this.truncations++;
  }

  async truncateToLatestSnapshot(): Promise<boolean> {
    this.#check();
    return this.#truncateToLatestSnapshot();
  }

  #truncateToLatestSnapshot(): boolean {
    const latest = this.latestSnapshotId();
    const latestEpoch = this.#epochs.at(-1)?.epoch ?? 0;
    if (latest === null || !(latest.epoch > latestEpoch || (latest.epoch === latestEpoch && latest.offset > this.endOffset))) return false;
    this.#batches = [];
    this.#epochs = [];
    this.#startOffset = latest.offset;
    this.#highWatermark = latest.offset;
    this.#flushedOffset = latest.offset;
    for (const s of this.#sortedSnapshots()) if (compareOffsetAndEpoch(s.id, latest) < 0) this.#deleteSnapshot(s.id);
    this.truncations++;
    return true;
  }

  updateHighWatermark(offset: bigint): void {
    this.#check();
    this.#highWatermark = offset < this.#startOffset ? this.#startOffset : offset > this.endOffset ? this.endOffset : offset;
  }

  async deleteBeforeSnapshot(snapshotId: OffsetAndEpoch): Promise<boolean> {
    this.#check();
    const latest = this.latestSnapshotId();
    if (latest === null || !this.#snapshots.has(snapshotKey(snapshotId))) return false;
    if (!(this.#startOffset < snapshotId.offset && snapshotId.offset <= latest.offset && snapshotId.offset <= this.#highWatermark)) return false;
    this.#startOffset = snapshotId.offset;
    this.#batches = this.#batches.filter((b) => b.lastOffset >= snapshotId.offset);
    const kept = this.#epochs.filter((e) => e.startOffset > snapshotId.offset);
    const floor = [...this.#epochs].reverse().find((e) => e.startOffset <= snapshotId.offset);
    this.#epochs = floor === undefined ? kept : [{ epoch: floor.epoch, startOffset: snapshotId.offset }, ...kept];
    for (const s of this.#sortedSnapshots()) if (compareOffsetAndEpoch(s.id, snapshotId) < 0) this.#deleteSnapshot(s.id);
    return true;
  }

  async flush(): Promise<void> {
    this.#check();
    const target = this.endOffset;
    const truncations = this.truncations;
    await this.#io.fsync();
    if (this.#dead) return new Promise(() => undefined);
    if (this.truncations === truncations && target > this.#flushedOffset) this.#flushedOffset = target;
  }

  async maybeClean(): Promise<boolean> {
    this.#check();
    let cleaned = false;
    for (;;) {
      const snapshots = await Promise.all(this.#sortedSnapshots().map(async (s) => ({ id: s.id, sizeInBytes: s.bytes.length, timestampMs: await new SnapshotReader(this.#reader(s)).lastContainedLogTimestamp() })));
      const logBytes = this.#batches.reduce((n, b) => n + b.data.length, 0);
      const next = nextSnapshotToDeleteBefore(snapshots, logBytes, this.#retention, this.#nowMs());
      if (next === null || !(await this.deleteBeforeSnapshot(next))) return cleaned;
      cleaned = true;
    }
  }

  async createNewSnapshot(snapshotId: OffsetAndEpoch): Promise<RawSnapshotWriter | null> {
    this.#check();
    if (snapshotId.offset < this.#startOffset) return null;
    if (snapshotId.offset > this.#highWatermark) throw new Error(`Cannot create a snapshot with an id (${snapshotKey(snapshotId)}) greater than the high-watermark (${this.#highWatermark})`);
    const valid = validateOffsetAndEpoch(this, snapshotId.offset, snapshotId.epoch);
    if (valid.kind !== 'VALID') throw new Error(`Snapshot id (${snapshotKey(snapshotId)}) is not valid according to the log: ${valid.kind}`);
    const containing = this.#batches.find((b) => b.lastOffset >= snapshotId.offset);
    if (containing !== undefined && containing.baseOffset !== snapshotId.offset) throw new Error(`Cannot create snapshot at offset (${snapshotId.offset}) because it is not batch aligned`);
    return this.createNewSnapshotUnchecked(snapshotId);
  }

  async createNewSnapshotUnchecked(snapshotId: OffsetAndEpoch): Promise<RawSnapshotWriter | null> {
    this.#check();
    if (this.#snapshots.has(snapshotKey(snapshotId))) return null;
    const parts: Buffer[] = [];
    let size = 0;
    let frozen = false;
    const log = this;
    return {
      snapshotId,
      sizeInBytes: () => size,
      isFrozen: () => frozen,
      async append(bytes: Buffer) {
        if (frozen) throw new Error('Append to a frozen snapshot');
        log.#check();
        parts.push(Buffer.from(bytes));
        size += bytes.length;
      },
      async freeze() {
        if (frozen) throw new Error('Snapshot is already frozen');
        log.#check();
        await log.#io.fsync();
        if (log.#dead) return new Promise(() => undefined);
        frozen = true;
        // As KafkaMetadataLog: a snapshot the log start passed meanwhile is not kept.
        if (snapshotId.offset >= log.#startOffset) log.#setSnapshot({ id: snapshotId, bytes: Buffer.concat(parts) });
      },
      async close() {},
    };
  }

  #reader(s: Snapshot): RawSnapshotReader {
    return { snapshotId: s.id, sizeInBytes: () => s.bytes.length, read: async (position, maxBytes) => s.bytes.subarray(position, position + maxBytes) };
  }

  async readSnapshot(snapshotId: OffsetAndEpoch): Promise<RawSnapshotReader | null> {
    this.#check();
    const s = this.#snapshots.get(snapshotKey(snapshotId));
    return s === undefined ? null : this.#reader(s);
  }

  /** The bytes of frozen snapshot `id` (the invariant checker reads them synchronously). */
  snapshotBytes(id: OffsetAndEpoch): Buffer | null {
    return this.#snapshots.get(snapshotKey(id))?.bytes ?? null;
  }

  latestSnapshotId(): OffsetAndEpoch | null {
    return this.#sortedSnapshots().at(-1)?.id ?? null;
  }

  earliestSnapshotId(): OffsetAndEpoch | null {
    return this.#sortedSnapshots()[0]?.id ?? null;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  /**
   * The node crashed: this log is dead, and the returned state is what its restart finds (flushed batches, then
   * each following unflushed batch kept while `random` says the disk had written it).
   */
  crash(random: Random): MockLogDurableState {
    this.#dead = true;
    const kept: MockBatch[] = [];
    let keepUnflushed = true;
    for (const b of this.#batches) {
      if (b.lastOffset < this.#flushedOffset) kept.push(b);
      else if (keepUnflushed && random.nextInt(2) === 0) kept.push(b);
      else keepUnflushed = false;
    }
    return { batches: kept, startOffset: this.#startOffset, epochs: this.#epochs.map((e) => ({ ...e })), snapshots: [...this.#snapshots.values()] };
  }
}
