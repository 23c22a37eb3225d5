import { AbstractIndex } from './abstract-index.ts';
import { CorruptIndexError } from './errors.ts';

/** An offset and the byte position of the batch to start scanning from (Kafka's OffsetPosition). */
export interface OffsetPosition {
  readonly offset: number;
  readonly position: number;
}

const ENTRY_SIZE = 8;
const INT32_MAX = 0x7fffffff;

/**
 * The sparse offset index of a segment (`<baseOffset>.index`), Kafka's OffsetIndex. Each 8-byte entry is
 * `relativeOffset int32 | position int32` (big-endian): the last offset of a batch minus the segment's base
 * offset, and the byte position of that batch in the `.log` file. An entry is added every index.interval.bytes
 * of appended batches, so a lookup returns a position at most about that many bytes before the wanted batch.
 */
export class OffsetIndex extends AbstractIndex {
  constructor(path: string, baseOffset: number, maxIndexSize: number) {
    super(path, baseOffset, maxIndexSize, ENTRY_SIZE);
  }

  /** Offset of the last entry, or the base offset when empty. */
  get lastOffset(): number {
    const n = this.entries;
    return n === 0 ? this.baseOffset : this.baseOffset + this.buf.readInt32BE((n - 1) * ENTRY_SIZE);
  }

  /** The entry at slot `n`. */
  entry(n: number): OffsetPosition {
    if (n < 0 || n >= this.entries) throw new RangeError(`index ${n} out of range [0, ${this.entries})`);
    return { offset: this.baseOffset + this.buf.readInt32BE(n * ENTRY_SIZE), position: this.buf.readInt32BE(n * ENTRY_SIZE + 4) };
  }

  /** True when `offset` fits this segment's int32 relative offsets. */
  canAppendOffset(offset: number): boolean {
    const rel = offset - this.baseOffset;
    return rel >= 0 && rel <= INT32_MAX;
  }

  /**
   * Adds an entry: `offset` must be larger than the last entry's.
   * @throws RangeError when full, out of the int32 relative range, or not increasing.
   */
  append(offset: number, position: number): void {
    if (this.isFull) throw new RangeError(`Attempt to append to a full index ${this.path}`);
    if (!this.canAppendOffset(offset)) throw new RangeError(`offset ${offset} does not fit index ${this.path}`);
    if (this.entries > 0 && offset <= this.lastOffset) {
      throw new RangeError(`Attempt to append an offset ${offset} no larger than the last offset appended (${this.lastOffset}) to ${this.path}`);
    }
    this.ensureCapacity();
    const at = this.entries * ENTRY_SIZE;
    this.buf.writeInt32BE(offset - this.baseOffset, at);
    this.buf.writeInt32BE(position, at + 4);
    this.commitEntry();
  }

  /**
   * The entry with the largest offset <= `targetOffset`, or (baseOffset, 0) when there is none: where a scan for
   * `targetOffset` may start.
   */
  lookup(targetOffset: number): OffsetPosition {
    const slot = this.#largestLowerBoundSlot(targetOffset);
    if (slot < 0) return { offset: this.baseOffset, position: 0 };
    return this.entry(slot);
  }

  /**
   * The first entry whose position is at or after `position`, or null (Kafka's fetchUpperBoundOffset): its offset
   * bounds the offsets of a read that ended at `position`.
   */
  fetchUpperBoundOffset(position: number): OffsetPosition | null {
    let lo = 0;
    let hi = this.entries;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buf.readInt32BE(mid * ENTRY_SIZE + 4) < position) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.entries ? this.entry(lo) : null;
  }

  /** Removes the entries with offset >= `offset` (Kafka's truncateTo). */
  truncateTo(offset: number): void {
    const slot = this.#largestLowerBoundSlot(offset);
    let n: number;
    if (slot < 0) n = 0;
    else if (this.baseOffset + this.buf.readInt32BE(slot * ENTRY_SIZE) === offset) n = slot;
    else n = slot + 1;
    this.truncateToEntries(n);
  }

  /** Removes all entries (in memory). */
  clear(): void {
    this.truncateToEntries(0);
  }

  /** Slot of the largest entry with offset <= target, or -1. Binary search over the in-memory entries. */
  #largestLowerBoundSlot(targetOffset: number): number {
    const n = this.entries;
    if (n === 0) return -1;
    const rel = targetOffset - this.baseOffset;
    if (rel < this.buf.readInt32BE(0)) return -1;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.buf.readInt32BE(mid * ENTRY_SIZE) <= rel) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  protected sanityCheck(segmentSizeInBytes: number): void {
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < this.entries; i++) {
      const rel = this.buf.readInt32BE(i * ENTRY_SIZE);
      const pos = this.buf.readInt32BE(i * ENTRY_SIZE + 4);
      if (rel <= prevRel || rel < 0 || pos <= prevPos || pos < 0 || pos >= Math.max(segmentSizeInBytes, 1)) {
        throw new CorruptIndexError(
          `Corrupt index found, index file (${this.path}) has entry ${i} (offset ${this.baseOffset + rel}, position ${pos}) ` +
            `out of order or beyond the segment's ${segmentSizeInBytes} bytes`,
        );
      }
      prevRel = rel;
      prevPos = pos;
    }
  }
}
