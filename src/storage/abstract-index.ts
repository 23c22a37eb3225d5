import { renameIfExists, unlinkIfExists } from './missing-ok.ts';
import { constants as fsConstants } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { CorruptIndexError } from './errors.ts';
import { FileSync } from './file-sync.ts';

const INITIAL_ENTRIES = 64;
/** The entries of an index that has none: the memory is allocated with the first entry (most partitions idle). */
const NO_ENTRIES = Buffer.alloc(0);

/**
 * Shared machinery of the offset and time indexes (Kafka's AbstractIndex): fixed-size entries of a segment,
 * sorted by offset, kept in memory and written to `<baseOffset>.index` / `.timeindex` with the same layout as
 * Kafka's files.
 *
 * Kafka memory-maps these files. Node has no mmap, so the entries live in a growable Buffer and reach the file
 * on flush, roll (trim) and close; the file of the active segment is preallocated (a sparse ftruncate to
 * segment.index.bytes) and trimmed to its entries when the segment rolls or closes, as Kafka does. Entries not
 * yet written after a crash are no loss: the segments after the recovery point (which include the active one)
 * get their indexes rebuilt from the log, and any index that fails its sanity check on load is rebuilt too.
 */
export abstract class AbstractIndex {
  #path: string;
  readonly baseOffset: number;
  readonly entrySize: number;
  #maxIndexSize: number;
  #maxEntries: number;
  /** The entries; the first `entries * entrySize` bytes are valid. */
  protected buf: Buffer;
  #entries = 0;
  /** Leading entries known to be on disk unchanged. */
  #persisted = 0;
  /** Bumped by every truncation, so a write racing with one does not claim stale entries as written. */
  #generation = 0;
  /** Length of the file as last written or read by us; -1 when unknown. */
  #fileLength = -1;
  /** Set once the file was deleted: later writes (a racing flush) must not recreate it. */
  #deleted = false;
  /** The last file operation queued, null when none is pending (see #serial). */
  #io: Promise<unknown> | null = null;

  constructor(path: string, baseOffset: number, maxIndexSize: number, entrySize: number) {
    // Flat: a path built by concatenation is a tree of string pieces, kept for the segment's life.
    this.#path = Buffer.from(path, 'utf8').toString('utf8');
    this.baseOffset = baseOffset;
    this.entrySize = entrySize;
    this.#maxIndexSize = roundDown(maxIndexSize, entrySize);
    this.#maxEntries = this.#maxIndexSize / entrySize;
    this.buf = NO_ENTRIES;
  }

  get path(): string {
    return this.#path;
  }

  /** Number of entries. */
  get entries(): number {
    return this.#entries;
  }

  get maxEntries(): number {
    return this.#maxEntries;
  }

  get maxIndexSize(): number {
    return this.#maxIndexSize;
  }

  /** Bytes of valid entries. */
  get sizeInBytes(): number {
    return this.#entries * this.entrySize;
  }

  /** True when no entry can be added (roll the segment). */
  get isFull(): boolean {
    return this.#entries >= this.#maxEntries;
  }

  /**
   * Reads the index file: every whole entry counts, as Kafka counts a trimmed file. The subclass's sanity check
   * then runs against the segment size.
   * @throws CorruptIndexError if the file length is not a multiple of the entry size or the entries are not
   * ordered / in range; the fs error (ENOENT) if the file is missing.
   */
  async load(segmentSizeInBytes: number): Promise<void> {
    const data = await readFile(this.#path);
    if (data.length % this.entrySize !== 0) {
      throw new CorruptIndexError(`Index file ${this.#path} is corrupt: length ${data.length} is not a multiple of ${this.entrySize}`);
    }
    this.#adopt(data);
    this.sanityCheck(segmentSizeInBytes);
  }

  /**
   * Reads every whole entry of the file as it is, unchecked: a trailing partial entry is ignored and a
   * preallocated file's zero entries count, as Kafka's index opened on an existing file counts them (what
   * kafka-dump-log shows). For tools only: a broker loads with {@link load}. @throws the fs error.
   */
  async loadUnchecked(): Promise<void> {
    const data = await readFile(this.#path);
    this.#adopt(data.subarray(0, roundDown(data.length, this.entrySize)));
  }

  #adopt(data: Buffer): void {
    const n = data.length / this.entrySize;
    this.buf = n === 0 ? NO_ENTRIES : Buffer.alloc(Math.max(n, Math.min(INITIAL_ENTRIES, this.#maxEntries)) * this.entrySize);
    data.copy(this.buf);
    this.#entries = n;
    this.#persisted = n;
    this.#fileLength = data.length;
    this.#maxEntries = Math.max(this.#maxEntries, n);
  }

  /**
   * Checks the entries against the segment; subclasses throw CorruptIndexError (Kafka's sanityCheck, plus order
   * checks that Kafka's mmap'd file does not need because it is never partially written).
   */
  protected abstract sanityCheck(segmentSizeInBytes: number): void;

  /** Room for one more entry in memory. */
  protected ensureCapacity(): void {
    const need = (this.#entries + 1) * this.entrySize;
    if (need <= this.buf.length) return;
    const next = Buffer.alloc(Math.max(need, this.buf.length * 2, Math.min(INITIAL_ENTRIES, this.#maxEntries) * this.entrySize));
    this.buf.copy(next, 0, 0, this.#entries * this.entrySize);
    this.buf = next;
  }

  /** Counts an entry the subclass just wrote at slot `entries`. */
  protected commitEntry(): void {
    this.#entries++;
  }

  /** Drops the entries from slot `n` on (in memory; the file follows on the next write). */
  protected truncateToEntries(n: number): void {
    this.#entries = Math.min(this.#entries, Math.max(0, n));
    this.#persisted = Math.min(this.#persisted, this.#entries);
    this.#generation++;
  }

  /** Writes unwritten entries to the file (creating it if needed); with `sync`, fdatasync it. */
  async flush(sync = true): Promise<void> {
    await this.#serial(async () => {
      await this.#writePending(sync);
    });
  }

  /** Writes all entries and shrinks the file to them; the index is then full (Kafka's trimToValidSize). */
  async trimToValidSize(): Promise<void> {
    await this.resize(this.sizeInBytes);
  }

  /**
   * Sets the file length (rounded down to whole entries, never below the valid entries) and the capacity:
   * the active segment's index is resized to segment.index.bytes, an inactive one to its entries.
   */
  async resize(newSize: number): Promise<void> {
    await this.#serial(async () => {
      const size = Math.max(roundDown(newSize, this.entrySize), this.sizeInBytes);
      await this.#writePending(false, size);
      this.#maxEntries = size / this.entrySize;
    });
  }

  /**
   * Removes all entries and restores the full capacity (Kafka's reset). Memory only: the file is rewritten
   * whole by the next flush, trim or resize (recovery ends with a trim).
   */
  reset(): void {
    this.#entries = 0;
    this.#persisted = 0;
    this.#fileLength = -1;
    this.#generation++;
    this.#maxEntries = this.#maxIndexSize / this.entrySize;
  }

  /** Changes the capacity used for the next {@link reset}/resize (segment.index.bytes changed). */
  setMaxIndexSize(maxIndexSize: number): void {
    this.#maxIndexSize = roundDown(maxIndexSize, this.entrySize);
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

  async #writePending(sync: boolean, fileLength?: number): Promise<void> {
    if (this.#deleted) return;
    const from = this.#persisted * this.entrySize;
    const toEntries = this.#entries;
    const to = toEntries * this.entrySize;
    const generation = this.#generation;
    if (from === to && !sync && (fileLength === undefined || fileLength === this.#fileLength)) return;
    const fh = await open(this.#path, fsConstants.O_RDWR | fsConstants.O_CREAT, 0o644);
    try {
      if (to > from) await fh.write(this.buf, from, to - from, from);
      if (fileLength !== undefined) {
        await fh.truncate(fileLength);
        this.#fileLength = fileLength;
      } else if (to > this.#fileLength && this.#fileLength >= 0) {
        this.#fileLength = to;
      }
      if (sync) await FileSync.force(fh, this.#path, 'data');
    } finally {
      await fh.close();
    }
    if (generation === this.#generation) this.#persisted = Math.max(this.#persisted, toEntries);
  }

  /** Runs this index's file operations one at a time, in call order; an idle index keeps no promise. */
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

function roundDown(n: number, factor: number): number {
  return n - (n % factor);
}
