import type { LogSegment } from './log-segment.ts';

/**
 * The segments of a log ordered by base offset (Kafka's LogSegments, a skip list there, a sorted array here:
 * logs have few segments and lookups are binary searches). The last segment is the active one.
 */
export class LogSegments {
  #segments: LogSegment[] = [];

  get size(): number {
    return this.#segments.length;
  }

  get isEmpty(): boolean {
    return this.#segments.length === 0;
  }

  get first(): LogSegment | undefined {
    return this.#segments[0];
  }

  /** The active segment. */
  get last(): LogSegment | undefined {
    return this.#segments.at(-1);
  }

  /** A snapshot of all segments, oldest first (safe to iterate across awaits). */
  toArray(): LogSegment[] {
    return this.#segments.slice();
  }

  /** Total bytes of the `.log` files. */
  get sizeInBytes(): number {
    let n = 0;
    for (const s of this.#segments) n += s.size;
    return n;
  }

  /** Adds `segment`, replacing one with the same base offset; returns the replaced one. */
  add(segment: LogSegment): LogSegment | undefined {
    const i = this.#lowerBound(segment.baseOffset);
    const existing = this.#segments[i];
    if (existing !== undefined && existing.baseOffset === segment.baseOffset) {
      this.#segments[i] = segment;
      return existing;
    }
    this.#segments.splice(i, 0, segment);
    return undefined;
  }

  /** Removes the segment with this base offset if it is `segment` (or any, when `segment` is omitted). */
  remove(baseOffset: number, segment?: LogSegment): boolean {
    const i = this.#lowerBound(baseOffset);
    const existing = this.#segments[i];
    if (existing === undefined || existing.baseOffset !== baseOffset) return false;
    if (segment !== undefined && existing !== segment) return false;
    this.#segments.splice(i, 1);
    return true;
  }

  get(baseOffset: number): LogSegment | undefined {
    const s = this.#segments[this.#lowerBound(baseOffset)];
    return s !== undefined && s.baseOffset === baseOffset ? s : undefined;
  }

  contains(segment: LogSegment): boolean {
    return this.get(segment.baseOffset) === segment;
  }

  /** The segment with the largest base offset <= `offset` (the one that would hold it). */
  floorSegment(offset: number): LogSegment | undefined {
    const i = this.#upperBound(offset) - 1;
    return i >= 0 ? this.#segments[i] : undefined;
  }

  /** The first segment with base offset > `offset`. */
  higherSegment(offset: number): LogSegment | undefined {
    return this.#segments[this.#upperBound(offset)];
  }

  /** Segments that may hold offsets in [from, to): the floor segment of `from` up to base offsets < `to`. */
  inRange(from: number, to: number): LogSegment[] {
    let start = this.#upperBound(from) - 1;
    if (start < 0) start = 0;
    const out: LogSegment[] = [];
    for (let i = start; i < this.#segments.length; i++) {
      const s = this.#segments[i]!;
      if (s.baseOffset >= to) break;
      out.push(s);
    }
    return out;
  }

  /** First index whose base offset >= `offset`. */
  #lowerBound(offset: number): number {
    let lo = 0;
    let hi = this.#segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#segments[mid]!.baseOffset < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** First index whose base offset > `offset`. */
  #upperBound(offset: number): number {
    let lo = 0;
    let hi = this.#segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#segments[mid]!.baseOffset <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
