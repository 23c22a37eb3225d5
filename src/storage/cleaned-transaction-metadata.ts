import type { AbortedTxn } from './log-types.ts';

/** What the cleaner does with a transaction marker (see {@link CleanedTransactionMetadata.onControlBatchRead}). */
export interface ControlBatchVerdict {
  /** The marker's transaction has no data left in the log: it may go once its delete horizon passed. */
  readonly discardable: boolean;
  /** An ABORT marker that stays, with the aborted transaction to put in the cleaned segment's transaction index. */
  readonly retainedAbort: AbortedTxn | null;
}

/**
 * The transactions a cleaning pass walks through, in offset order (Kafka's CleanedTransactionMetadata): which
 * producers have an aborted transaction open at the current position (their data is dropped), which have a
 * committed one whose data was seen (its COMMIT marker must stay), and therefore whether a marker ends a
 * transaction that no longer has data in the log. One instance serves a whole clean, from the log's first
 * segment on, so a transaction's data is always seen before its marker.
 */
export class CleanedTransactionMetadata {
  /** Aborted transactions not reached yet, ascending by first offset. */
  #pending: AbortedTxn[] = [];
  readonly #known = new Set<string>();
  readonly #ongoingAborted = new Map<bigint, { txn: AbortedTxn; lastObservedBatchOffset: number | null }>();
  readonly #ongoingCommitted = new Set<bigint>();

  /** Adds aborted transactions from a segment's range of the transaction indexes (duplicates ignored). */
  addAbortedTransactions(txns: readonly AbortedTxn[]): void {
    let added = false;
    for (const t of txns) {
      const key = `${t.producerId}:${t.firstOffset}`;
      if (this.#known.has(key)) continue;
      this.#known.add(key);
      this.#pending.push(t);
      added = true;
    }
    if (added) this.#pending.sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0));
  }

  #consumeAbortedTxnsUpTo(offset: number): void {
    const limit = BigInt(offset);
    while (this.#pending.length > 0 && this.#pending[0]!.firstOffset <= limit) {
      const txn = this.#pending.shift()!;
      this.#ongoingAborted.set(txn.producerId, { txn, lastObservedBatchOffset: null });
    }
  }

  /**
   * A data batch is read. @returns true when its records go: it belongs to an aborted transaction. A
   * transactional batch of any other transaction marks that transaction as having data.
   */
  onBatchRead(producerId: bigint, isTransactional: boolean, lastOffset: number): boolean {
    this.#consumeAbortedTxnsUpTo(lastOffset);
    if (!isTransactional) return false;
    const aborted = this.#ongoingAborted.get(producerId);
    if (aborted !== undefined) {
      aborted.lastObservedBatchOffset = lastOffset;
      return true;
    }
    this.#ongoingCommitted.add(producerId);
    return false;
  }

  /**
   * A control batch is read: `type` is 'ABORT' or 'COMMIT', 'empty' for a control batch already emptied by a
   * clean, null for other control records (kept). An ABORT marker stays while this pass saw data of its
   * transaction; a COMMIT marker while its transaction had data here.
   */
  onControlBatchRead(producerId: bigint, type: 'ABORT' | 'COMMIT' | 'empty' | null, lastOffset: number): ControlBatchVerdict {
    this.#consumeAbortedTxnsUpTo(lastOffset);
    if (type === 'empty') return { discardable: true, retainedAbort: null };
    if (type === 'ABORT') {
      const aborted = this.#ongoingAborted.get(producerId);
      this.#ongoingAborted.delete(producerId);
      if (aborted !== undefined && aborted.lastObservedBatchOffset !== null) return { discardable: false, retainedAbort: aborted.txn };
      return { discardable: true, retainedAbort: null };
    }
    if (type === 'COMMIT') return { discardable: !this.#ongoingCommitted.delete(producerId), retainedAbort: null };
    return { discardable: false, retainedAbort: null };
  }
}
