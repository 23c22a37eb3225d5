/**
 * A position in the replicated log and the leader epoch that wrote it (Kafka's `OffsetAndEpoch`). Used for a
 * log end (`offset` = the next offset to write, `epoch` = the epoch of the last batch), a diverging epoch's end
 * offset, and a snapshot id (`offset` = the end offset, exclusive, of the log the snapshot covers).
 */
export interface OffsetAndEpoch {
  readonly offset: bigint;
  readonly epoch: number;
}

/**
 * Orders by epoch, then offset (Kafka's `OffsetAndEpoch.compareTo`): the order in which KIP-595 compares two logs
 * to decide whether a candidate's log is at least as up to date as a voter's.
 * @returns a negative number, 0, or a positive number.
 */
export function compareOffsetAndEpoch(a: OffsetAndEpoch, b: OffsetAndEpoch): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0;
}

/** `(offset, epoch)` for logs and errors. */
export function formatOffsetAndEpoch(v: OffsetAndEpoch): string {
  return `(offset=${v.offset}, epoch=${v.epoch})`;
}
