import { renameIfExists, unlinkIfExists } from './missing-ok.ts';
import { constants as fsConstants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { CorruptIndexError } from './errors.ts';
import { FileSync } from './file-sync.ts';
import type { AbortedTxn } from './log-types.ts';

/** Bytes of one entry: version int16 | producerId int64 | firstOffset int64 | lastOffset int64 | lastStableOffset int64. */
export const ABORTED_TXN_SIZE = 34;
const CURRENT_VERSION = 0;
/** The entries of every index without any (nearly all: aborted transactions are rare). */
const NO_ENTRIES = Object.freeze([]) as unknown as AbortedTxn[];

/** Aborted transactions overlapping a fetch, and whether the search can stop here (Kafka's TxnIndexSearchResult). */
export interface TxnIndexSearchResult {
  readonly abortedTransactions: AbortedTxn[];
  readonly isComplete: boolean;
}

/**
 * The aborted-transaction index of a segment (`<baseOffset>.txnindex`), Kafka's TransactionIndex: one 34-byte
 * entry per transaction aborted within the segment, in order of the ABORT marker's offset. Read-committed fetches
 * use it to tell consumers which producer ranges to drop. The file exists only once an entry was appended (the
 * transactions layer appends them), so an idle segment has no file and no file handle; entries are kept in memory
 * (they are few).
 */
export class TransactionIndex {
  #path: string;
  readonly startOffset: number;
  /** NO_ENTRIES (frozen, shared) until the first entry. */
  #entries: AbortedTxn[] = NO_ENTRIES;
  /** The last file operation queued, null when none is pending (see #serial). */
  #io: Promise<unknown> | null = null;
  #deleted = false;

  constructor(path: string, startOffset: number) {
    // Flat: a path built by concatenation is a tree of string pieces, kept for the segment's life.
    this.#path = Buffer.from(path, 'utf8').toString('utf8');
    this.startOffset = startOffset;
  }

  get path(): string {
    return this.#path;
  }

  get entries(): readonly AbortedTxn[] {
    return this.#entries;
  }

  /**
   * Reads the file if it exists.
   * @throws CorruptIndexError for a length that is not a multiple of 34, an unknown version, or entries whose
   * last offsets do not increase.
   */
  async load(): Promise<void> {
    let data: Buffer;
    try {
      data = await readFile(this.#path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        this.#entries = NO_ENTRIES;
        return;
      }
      throw e;
    }
    if (data.length % ABORTED_TXN_SIZE !== 0) {
      throw new CorruptIndexError(`Transaction index file ${this.#path} has length ${data.length}, not a multiple of ${ABORTED_TXN_SIZE}`);
    }
    const entries: AbortedTxn[] = [];
    for (let at = 0; at < data.length; at += ABORTED_TXN_SIZE) {
      const version = data.readInt16BE(at);
      if (version !== CURRENT_VERSION) throw new CorruptIndexError(`Unexpected aborted transaction version ${version} in ${this.#path}`);
      const txn: AbortedTxn = {
        producerId: data.readBigInt64BE(at + 2),
        firstOffset: data.readBigInt64BE(at + 10),
        lastOffset: data.readBigInt64BE(at + 18),
        lastStableOffset: data.readBigInt64BE(at + 26),
      };
      const prev = entries.at(-1);
      if (prev !== undefined && txn.lastOffset <= prev.lastOffset) {
        throw new CorruptIndexError(`Aborted transactions out of order in ${this.#path}`);
      }
      entries.push(txn);
    }
    this.#entries = entries.length === 0 ? NO_ENTRIES : entries;
  }

  /**
   * Appends an aborted transaction and writes it to the file.
   * @throws RangeError if its lastOffset is not larger than the previous entry's.
   */
  async append(txn: AbortedTxn): Promise<void> {
    const prev = this.#entries.at(-1);
    if (prev !== undefined && txn.lastOffset <= prev.lastOffset) {
      throw new RangeError(`The last offset of appended transactions must increase sequentially, but ${txn.lastOffset} is not greater than ${prev.lastOffset} in ${this.#path}`);
    }
    if (this.#entries === NO_ENTRIES) this.#entries = [txn];
    else this.#entries.push(txn);
    const buf = Buffer.alloc(ABORTED_TXN_SIZE);
    buf.writeInt16BE(CURRENT_VERSION, 0);
    buf.writeBigInt64BE(txn.producerId, 2);
    buf.writeBigInt64BE(txn.firstOffset, 10);
    buf.writeBigInt64BE(txn.lastOffset, 18);
    buf.writeBigInt64BE(txn.lastStableOffset, 26);
    const position = (this.#entries.length - 1) * ABORTED_TXN_SIZE;
    await this.#serial(async () => {
      if (this.#deleted) return;
      const fh = await open(this.#path, fsConstants.O_RDWR | fsConstants.O_CREAT, 0o644);
      try {
        await fh.write(buf, 0, buf.length, position);
      } finally {
        await fh.close();
      }
    });
  }

  /**
   * Aborted transactions that overlap [fetchOffset, upperBoundOffset): lastOffset >= fetchOffset and
   * firstOffset < upperBoundOffset. Complete once an entry's lastStableOffset reaches the upper bound.
   */
  collectAbortedTxns(fetchOffset: bigint, upperBoundOffset: bigint): TxnIndexSearchResult {
    const out: AbortedTxn[] = [];
    for (const txn of this.#entries) {
      if (txn.lastOffset >= fetchOffset && txn.firstOffset < upperBoundOffset) out.push(txn);
      if (txn.lastStableOffset >= upperBoundOffset) return { abortedTransactions: out, isComplete: true };
    }
    return { abortedTransactions: out, isComplete: false };
  }

  /** Removes the entries whose lastOffset is >= `offset` (file included). */
  async truncateTo(offset: number): Promise<void> {
    const target = BigInt(offset);
    const keep = this.#entries.findIndex((t) => t.lastOffset >= target);
    if (keep < 0) return;
    this.#entries = keep === 0 ? NO_ENTRIES : this.#entries.slice(0, keep);
    await this.#rewriteLength();
  }

  /** Removes every entry and the file's contents. */
  async reset(): Promise<void> {
    this.#entries = NO_ENTRIES;
    await this.#rewriteLength();
  }

  async flush(): Promise<void> {
    await this.#serial(async () => {
      try {
        const fh = await open(this.#path, 'r+');
        try {
          await FileSync.force(fh, this.#path, 'data');
        } finally {
          await fh.close();
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    });
  }

  async renameTo(path: string): Promise<void> {
    await this.#serial(async () => {
      await renameIfExists(this.#path, path);
      this.#path = path;
    });
  }

  async deleteIfExists(): Promise<void> {
    this.#deleted = true;
    await this.#serial(async () => {
      await unlinkIfExists(this.#path);
    });
  }

  async #rewriteLength(): Promise<void> {
    const length = this.#entries.length * ABORTED_TXN_SIZE;
    await this.#serial(async () => {
      try {
        const fh = await open(this.#path, 'r+');
        try {
          await fh.truncate(length);
        } finally {
          await fh.close();
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    });
  }

  /** Runs file operations one at a time, in call order; an idle index keeps no promise. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#io === null ? fn() : this.#io.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#io = tail;
    void tail.then(() => {
      if (this.#io === tail) this.#io = null;
    });
    return run;
  }
}
