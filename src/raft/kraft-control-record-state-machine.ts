import type { Logger } from '../observability/logger.ts';
import { iterateBatches } from '../protocol/records/batch-iterator.ts';
import { ControlRecordType, decodeControlRecordKey } from '../protocol/records/control-record.ts';
import { readRecordsSync } from '../protocol/records/record-iterator.ts';
import { RecordsError, RecordsErrorCode } from '../protocol/records/records-error.ts';
import { decodeKRaftVersion, decodeVoters, type ControlRecord } from './control-records.ts';
import { LogHistory, type LogHistoryEntry } from './log-history.ts';
import type { ReplicatedLog } from './replicated-log.ts';
import { SnapshotReader } from './snapshot-reader.ts';
import { VoterSet } from './voter-set.ts';

/** Bytes of log read per step when scanning for control records. */
const READ_BYTES = 8 * 1024 * 1024;

/**
 * The voter set and kraft.version as the log says (Kafka's `KRaftControlRecordStateMachine`, KIP-853): the
 * KRaftVersion and Voters control records of the latest snapshot (the bootstrap checkpoint `0-0` written by
 * format included) and of the log after it, each in effect from its offset (a voter set change applies when it
 * is written, not when it commits: Raft's single-server membership change). Without any Voters record the static
 * voters (controller.quorum.voters) apply, with kraft.version 0.
 */
export class KRaftControlRecordStateMachine {
  readonly #log: ReplicatedLog;
  readonly #logger: Logger;
  readonly #staticVoters: VoterSet;
  readonly #voters = new LogHistory<VoterSet>();
  readonly #kraftVersions = new LogHistory<number>();
  /** The next log offset to read; -1 before the first read. */
  #nextOffset = -1n;

  constructor(staticVoters: VoterSet, log: ReplicatedLog, logger: Logger) {
    this.#staticVoters = staticVoters;
    this.#log = log;
    this.#logger = logger;
  }

  /** Reads what the log gained since the last call (and the latest snapshot when the log moved past it). */
  async updateState(): Promise<void> {
    await this.#maybeLoadSnapshot();
    while (this.#log.endOffset > this.#nextOffset) {
      const { records } = await this.#log.read(this.#nextOffset, 'UNCOMMITTED', READ_BYTES);
      if (!this.#readBatches(records)) throw new Error(`The metadata log has no batch at offset ${this.#nextOffset} (start ${this.#log.startOffset}, end ${this.#log.endOffset})`);
    }
  }

  /**
   * Reads batches just appended to the log (`records`, whole batches with their log offsets) without reading them
   * back; falls back to {@link updateState} when they do not start where the last read ended.
   */
  async updateStateFromAppended(records: Buffer): Promise<void> {
    const first = iterateBatches(records).next();
    if (this.#nextOffset < 0n || first.done === true || first.value.baseOffset !== this.#nextOffset) return this.updateState();
    this.#readBatches(records);
    if (this.#log.endOffset > this.#nextOffset) await this.updateState();
  }

  /** Forgets everything read: the next {@link updateState} starts again from the latest snapshot (after a full truncation). */
  reset(): void {
    this.#voters.clear();
    this.#kraftVersions.clear();
    this.#nextOffset = -1n;
  }

  #readBatches(records: Buffer): boolean {
    let progressed = false;
    for (const b of iterateBatches(records)) {
      if (b.lastOffset < this.#nextOffset) continue;
      if (b.baseOffset > this.#nextOffset) break;
      if (b.isControl) {
        if (!b.isValid()) throw new RecordsError(RecordsErrorCode.CORRUPT_MESSAGE, `Control batch at offset ${b.baseOffset} of the metadata log is corrupt`);
        let offset = b.baseOffset;
        for (const r of readRecordsSync(b)) this.#handle({ type: decodeControlRecordKey(r.key).type, value: r.value ?? Buffer.alloc(0) }, offset++);
      }
      this.#nextOffset = b.lastOffset + 1n;
      progressed = true;
    }
    return progressed;
  }

  async #maybeLoadSnapshot(): Promise<void> {
    const latest = this.#log.latestSnapshotId();
    if ((this.#nextOffset === -1n || this.#nextOffset < this.#log.startOffset) && latest !== null) {
      const raw = await this.#log.readSnapshot(latest);
      if (raw === null) throw new Error(`Snapshot ${latest.offset}-${latest.epoch} disappeared before it could be read`);
      this.#voters.clear();
      this.#kraftVersions.clear();
      const reader = new SnapshotReader(raw);
      const offset = reader.lastContainedLogOffset;
      for await (const b of reader.batches()) for (const r of b.controlRecords) this.#handle(r, offset);
      this.#nextOffset = latest.offset;
      this.#logger.info({ snapshotId: `${latest.offset}-${latest.epoch}`, voters: String(this.lastVoterSet()), kraftVersion: this.lastKraftVersion() }, 'Loaded the voters of a snapshot');
    } else if (this.#nextOffset === -1n) {
      this.#nextOffset = 0n;
    }
  }

  #handle(r: ControlRecord, offset: bigint): void {
    if (r.type === ControlRecordType.KRAFT_VOTERS) {
      const voters = VoterSet.fromVotersRecord(decodeVoters(r.value));
      this.#logger.info({ voters: String(voters), offset: String(offset) }, 'Latest set of voters');
      this.#voters.addAt(offset, voters);
    } else if (r.type === ControlRecordType.KRAFT_VERSION) {
      const version = decodeKRaftVersion(r.value);
      this.#logger.info({ kraftVersion: version, offset: String(offset) }, 'Latest kraft.version');
      this.#kraftVersions.addAt(offset, version);
    }
  }

  /** The log was truncated at `endOffset`: what took effect there or later is forgotten and will be re-read. */
  truncateNewEntries(endOffset: bigint): void {
    this.#voters.truncateNewEntries(endOffset);
    this.#kraftVersions.truncateNewEntries(endOffset);
    if (this.#nextOffset > endOffset) this.#nextOffset = endOffset;
  }

  /** A snapshot now covers the log before `startOffset`. */
  truncateOldEntries(startOffset: bigint): void {
    this.#voters.truncateOldEntries(startOffset);
    this.#kraftVersions.truncateOldEntries(startOffset);
  }

  lastVoterSet(): VoterSet {
    return this.#voters.lastEntry()?.value ?? this.#staticVoters;
  }

  /** Where the last Voters record is (-1: the bootstrap checkpoint), or null with only the static voters. */
  lastVoterSetEntry(): LogHistoryEntry<VoterSet> | undefined {
    return this.#voters.lastEntry();
  }

  lastKraftVersion(): number {
    return this.#kraftVersions.lastEntry()?.value ?? 0;
  }

  /** The voter set in effect at `offset` (for a snapshot's header). @throws Error past what was read. */
  voterSetAtOffset(offset: bigint): VoterSet | undefined {
    this.#checkOffset(offset);
    return this.#voters.valueAtOrBefore(offset);
  }

  kraftVersionAtOffset(offset: bigint): number {
    this.#checkOffset(offset);
    return this.#kraftVersions.valueAtOrBefore(offset) ?? 0;
  }

  #checkOffset(offset: bigint): void {
    if (offset >= this.#nextOffset) throw new Error(`Attempting to read a value at an offset (${offset}) which is greater than or equal to the largest known offset (${this.#nextOffset - 1n})`);
  }
}
