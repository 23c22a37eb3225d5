/** A value that took effect at `offset` of the log. */
export interface LogHistoryEntry<T> {
  readonly offset: bigint;
  readonly value: T;
}

/**
 * Values by the log offset where each took effect (Kafka's TreeMapLogHistory): the voter sets and kraft.versions
 * of KIP-853, which apply from the offset of their control record, are read at any offset, cut back when the log
 * is truncated and trimmed when a snapshot replaces the log before them. Offsets only grow; -1 is a value from
 * before the log (the bootstrap checkpoint).
 */
export class LogHistory<T> {
  #entries: LogHistoryEntry<T>[] = [];

  /** @throws Error when `offset` is below -1 or not past the last entry's. */
  addAt(offset: bigint, value: T): void {
    if (offset < -1n) throw new Error(`Next offset ${offset} must be greater than or equal to -1`);
    const last = this.#entries.at(-1);
    if (last !== undefined && offset <= last.offset) throw new Error(`Next offset ${offset} must be greater than the last offset ${last.offset}`);
    this.#entries.push({ offset, value });
  }

  /** The value in effect at `offset`. */
  valueAtOrBefore(offset: bigint): T | undefined {
    let found: T | undefined;
    for (const e of this.#entries) {
      if (e.offset > offset) break;
      found = e.value;
    }
    return found;
  }

  lastEntry(): LogHistoryEntry<T> | undefined {
    return this.#entries.at(-1);
  }

  /** Forgets the values that took effect at or after `endOffset` (the log was truncated there). */
  truncateNewEntries(endOffset: bigint): void {
    this.#entries = this.#entries.filter((e) => e.offset < endOffset);
  }

  /** Forgets the values before `startOffset` except the one in effect there. */
  truncateOldEntries(startOffset: bigint): void {
    let keepFrom = 0;
    for (let i = 0; i < this.#entries.length; i++) if (this.#entries[i]!.offset <= startOffset) keepFrom = i;
    this.#entries = this.#entries.slice(keepFrom);
  }

  clear(): void {
    this.#entries = [];
  }
}
