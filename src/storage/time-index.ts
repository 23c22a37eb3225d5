import { AbstractIndex } from './abstract-index.ts';
import { CorruptIndexError } from './errors.ts';
import { readInt64, writeInt64 } from './int64.ts';

/** A timestamp and an offset (Kafka's TimestampOffset). */
export interface TimestampOffset {
  readonly timestamp: number;
  readonly offset: number;
}

const ENTRY_SIZE = 12;

/**
 * The time index of a segment (`<baseOffset>.timeindex`), Kafka's TimeIndex. Each 12-byte entry is
 * `timestamp int64 | relativeOffset int32`: the largest batch timestamp seen so far in the segment and the last
 * offset of the batch that carried it. Entries are added alongside offset-index entries only when the largest
 * timestamp grew, so timestamps and offsets both increase strictly. When a segment becomes inactive its final
 * largest timestamp is appended, which is why the index keeps one slot in reserve ({@link isFull}).
 */
export class TimeIndex extends AbstractIndex {
  constructor(path: string, baseOffset: number, maxIndexSize: number) {
    super(path, baseOffset, maxIndexSize, ENTRY_SIZE);
  }

  /** Full one entry early: the last slot is kept for the entry written when the segment rolls (as Kafka). */
  override get isFull(): boolean {
    return this.entries >= this.maxEntries - 1;
  }

  /** The last entry, or (-1, baseOffset) when empty. */
  get lastEntry(): TimestampOffset {
    const n = this.entries;
    if (n === 0) return { timestamp: -1, offset: this.baseOffset };
    return this.entry(n - 1);
  }

  entry(n: number): TimestampOffset {
    if (n < 0 || n >= this.entries) throw new RangeError(`index ${n} out of range [0, ${this.entries})`);
    const at = n * ENTRY_SIZE;
    return { timestamp: readInt64(this.buf, at), offset: this.baseOffset + this.buf.readInt32BE(at + 8) };
  }

  /**
   * Adds (timestamp, offset) if `timestamp` is larger than the last entry's (Kafka's maybeAppend).
   * @param skipFullCheck true for the final entry of a segment, which may use the reserved slot.
   * @throws RangeError when full, or if offset or timestamp go backwards.
   */
  maybeAppend(timestamp: number, offset: number, skipFullCheck = false): void {
    if (!skipFullCheck && this.isFull) throw new RangeError(`Attempt to append to a full time index ${this.path}`);
    const n = this.entries;
    if (n > 0) {
      const last = this.lastEntry;
      if (offset < last.offset) {
        throw new RangeError(`Attempt to append an offset (${offset}) smaller than the last offset in the time index (${last.offset}) of ${this.path}`);
      }
      if (timestamp < last.timestamp) {
        throw new RangeError(`Attempt to append a timestamp (${timestamp}) smaller than the last one (${last.timestamp}) to ${this.path}`);
      }
      if (timestamp === last.timestamp) return;
    }
    if (timestamp < 0) return;
    if (n >= this.maxEntries) return; // no reserved slot left (a resized index): the entry is an optimisation only
    this.ensureCapacity();
    const at = n * ENTRY_SIZE;
    writeInt64(this.buf, at, timestamp);
    this.buf.writeInt32BE(offset - this.baseOffset, at + 8);
    this.commitEntry();
  }

  /**
   * The entry with the largest timestamp <= `targetTimestamp`, or (-1, baseOffset) when there is none: records
   * before that entry's batch are all older than the target.
   */
  lookup(targetTimestamp: number): TimestampOffset {
    const slot = this.#largestLowerBoundSlot((i) => readInt64(this.buf, i * ENTRY_SIZE), targetTimestamp);
    if (slot < 0) return { timestamp: -1, offset: this.baseOffset };
    return this.entry(slot);
  }

  /** Removes the entries whose offset is >= `offset`. */
  truncateTo(offset: number): void {
    const rel = offset - this.baseOffset;
    const slot = this.#largestLowerBoundSlot((i) => this.buf.readInt32BE(i * ENTRY_SIZE + 8), rel);
    let n: number;
    if (slot < 0) n = 0;
    else if (this.buf.readInt32BE(slot * ENTRY_SIZE + 8) === rel) n = slot;
    else n = slot + 1;
    this.truncateToEntries(n);
  }

  clear(): void {
    this.truncateToEntries(0);
  }

  #largestLowerBoundSlot(key: (i: number) => number, target: number): number {
    const n = this.entries;
    if (n === 0 || key(0) > target) return -1;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (key(mid) <= target) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  protected sanityCheck(): void {
    let prevTs = -1;
    let prevRel = -1;
    for (let i = 0; i < this.entries; i++) {
      const at = i * ENTRY_SIZE;
      const ts = readInt64(this.buf, at);
      const rel = this.buf.readInt32BE(at + 8);
      if (ts <= prevTs || rel < prevRel || rel < 0) {
        throw new CorruptIndexError(
          `Corrupt time index found, time index file (${this.path}) has entry ${i} (timestamp ${ts}, offset ${this.baseOffset + rel}) out of order`,
        );
      }
      prevTs = ts;
      prevRel = rel;
    }
  }
}
