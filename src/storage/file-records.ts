import { unlinkIfExists } from './missing-ok.ts';
import { constants as fsConstants } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import { BatchLayout } from '../protocol/records/record-batch.ts';
import { FileRecordsSlice, type SliceSource } from './file-records-slice.ts';
import { FileSync } from './file-sync.ts';
import { readInt64 } from './int64.ts';

/**
 * Called for each batch a scan reaches. `buf[at..]` holds the batch header (at least 61 bytes) or, when whole
 * batches were asked for, the whole batch. The view is only valid during the call. Return false to stop.
 */
export type BatchVisitor = (buf: Buffer, at: number, position: number, size: number) => boolean | void;

/**
 * How a scan ended: `end` (reached the end bound at a batch boundary), `incomplete` (a batch runs past the end:
 * a torn tail), `corrupt` (a batch length smaller than a batch header), `stopped` (the visitor returned false).
 * `position` is where the scan stopped: the end, or the start of the offending / stopping batch.
 */
export interface ScanResult {
  readonly position: number;
  readonly status: 'end' | 'incomplete' | 'corrupt' | 'stopped';
}

/** Where a batch is: Kafka's LogOffsetPosition (offset = the batch's last offset). */
export interface BatchPosition {
  readonly lastOffset: number;
  readonly position: number;
  readonly size: number;
}

const DEFAULT_HEADER_CHUNK = 8 * 1024;
const DEFAULT_WHOLE_CHUNK = 1024 * 1024;

/**
 * A segment's `.log` file, Kafka's FileRecords: batches appended at the end with positional writes, read back by
 * position. `sizeInBytes` counts only bytes whose write completed, so readers never see a batch being written.
 *
 * Lifetime: reads and slices take references ({@link retain}); {@link close} and {@link deleteFile} defer closing
 * the file handle until the last reference is released, so a sendfile in flight never sees its fd closed (or
 * reused). All I/O goes through fs promises (the libuv thread pool), never sync calls.
 */
export class FileRecords implements SliceSource {
  #path: string;
  readonly #fh: FileHandle;
  #size: number;
  #refs = 0;
  #closeRequested = false;
  #closed = false;

  private constructor(path: string, fh: FileHandle, size: number) {
    this.#path = path;
    this.#fh = fh;
    this.#size = size;
  }

  /**
   * Opens (or with `create`, creates; an existing file is kept) the file at `path`; its size is the file length.
   * @throws the fs error (ENOENT when it does not exist and `create` is false).
   */
  static async open(path: string, create: boolean): Promise<FileRecords> {
    const flags = fsConstants.O_RDWR | (create ? fsConstants.O_CREAT : 0);
    const fh = await open(path, flags, 0o644);
    try {
      const { size } = await fh.stat();
      return new FileRecords(path, fh, size);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  get path(): string {
    return this.#path;
  }

  /** The OS file descriptor (for sendfile). */
  get fd(): number {
    return this.#fh.fd;
  }

  /** Bytes of completely written data. */
  get sizeInBytes(): number {
    return this.#size;
  }

  get isClosed(): boolean {
    return this.#closeRequested;
  }

  /** Takes a reference that keeps the file open. */
  retain(): void {
    if (this.#closed) throw new Error(`FileRecords ${this.#path} is closed`);
    this.#refs++;
  }

  /** Takes a reference unless the file is already closed; false then (the segment went away). */
  tryRetain(): boolean {
    if (this.#closed) return false;
    this.#refs++;
    return true;
  }

  /** Gives back a reference; closes the file if a close was requested and none remain. */
  release(): void {
    if (this.#refs <= 0) return;
    this.#refs--;
    if (this.#refs === 0 && this.#closeRequested) void this.#doClose();
  }

  /**
   * Writes `buffers` (`totalBytes` in all) at the end of the file, then makes them visible. Serialization of
   * appends is the caller's job (UnifiedLog's queue).
   * @throws the fs error; the visible size is unchanged then.
   */
  async append(buffers: readonly Buffer[], totalBytes: number): Promise<void> {
    if (this.#closeRequested) throw new Error(`FileRecords ${this.#path} is closed`);
    let position = this.#size;
    let pending: Buffer[] = buffers as Buffer[];
    let remaining = totalBytes;
    while (remaining > 0) {
      // One buffer (the usual single produce in flight) goes through write(2), several through writev(2).
      const { bytesWritten } = pending.length === 1 ? await this.#fh.write(pending[0]!, 0, pending[0]!.length, position) : await this.#fh.writev(pending, position);
      remaining -= bytesWritten;
      position += bytesWritten;
      if (remaining > 0) pending = dropPrefix(pending, bytesWritten);
    }
    this.#size += totalBytes;
  }

  /**
   * Reads up to `length` bytes at `position` into `buf` at `bufOffset`, stopping at the visible end.
   * @returns the bytes read.
   */
  async readInto(buf: Buffer, bufOffset: number, length: number, position: number): Promise<number> {
    const want = Math.max(0, Math.min(length, this.#size - position));
    let done = 0;
    while (done < want) {
      const { bytesRead } = await this.#fh.read(buf, bufOffset + done, want - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }

  /**
   * Reads up to `length` bytes at `position` (fewer at the end of the file) into `target` when it is large
   * enough, else into a new Buffer; returns the bytes read as a view.
   */
  async readAt(position: number, length: number, target?: Buffer): Promise<Buffer> {
    const want = Math.max(0, Math.min(length, this.#size - position));
    const buf = target !== undefined && target.length >= want ? target.subarray(0, want) : Buffer.allocUnsafe(want);
    const n = await this.readInto(buf, 0, buf.length, position);
    return n === buf.length ? buf : buf.subarray(0, n);
  }

  /**
   * A retained slice of `length` bytes at `position`, clamped to the visible size (Kafka's FileRecords.slice).
   * @throws RangeError for a negative position or length.
   */
  slice(position: number, length: number): FileRecordsSlice {
    if (position < 0 || length < 0) throw new RangeError(`invalid slice ${position}+${length} of ${this.#path}`);
    const end = Math.min(this.#size, position + length);
    if (end <= position) return new FileRecordsSlice(null, position, 0);
    this.retain();
    return new FileRecordsSlice(this, position, end - position);
  }

  /**
   * Shrinks the file to `size` bytes (Kafka's truncateTo).
   * @returns the bytes removed.
   * @throws RangeError when `size` is beyond the current size.
   */
  async truncateTo(size: number): Promise<number> {
    if (size > this.#size || size < 0) {
      throw new RangeError(`cannot truncate ${this.#path} of ${this.#size} bytes to ${size}`);
    }
    const removed = this.#size - size;
    this.#size = size;
    await this.#fh.truncate(size);
    return removed;
  }

  /**
   * fdatasync(2) of the data (Kafka's FileRecords.flush forces metadata too; fdatasync skips only what reading
   * the data back does not need, such as mtime: a grown file length is still synced). A no-op once closed (a
   * concurrent deletion won the race); the reference held meanwhile keeps a deletion from closing the handle
   * under the sync.
   * @throws the fs error, unless the file was closed or deleted meanwhile.
   */
  async flush(): Promise<void> {
    if (!this.tryRetain()) return;
    try {
      await FileSync.force(this.#fh, this.#path, 'data');
    } catch (e) {
      if (!this.#closeRequested) throw e;
    } finally {
      this.release();
    }
  }

  /** Renames the file; the open handle follows it. */
  async renameTo(path: string): Promise<void> {
    await rename(this.#path, path);
    this.#path = path;
  }

  /** Removes the file from its directory (ENOENT ignored) and closes it once unreferenced. */
  async deleteFile(): Promise<void> {
    await unlinkIfExists(this.#path);
    await this.close();
  }

  /** Closes the handle now if unreferenced, otherwise when the last reference is released. */
  async close(): Promise<void> {
    if (this.#closeRequested) return;
    this.#closeRequested = true;
    if (this.#refs === 0) await this.#doClose();
  }

  async #doClose(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#fh.close();
  }

  /**
   * Visits the batches between `start` and `end` in order, reading in chunks so that a large region never sits in
   * memory at once. Header-only scans skip over batch bodies; whole scans grow the buffer for batches larger than
   * a chunk. A batch running past `end` ends the scan as `incomplete`, a length below the header size as
   * `corrupt`: recovery truncates there, readers treat it as the end.
   */
  async scanBatches(
    start: number,
    end: number,
    whole: boolean,
    visit: BatchVisitor,
    chunkBytes = whole ? DEFAULT_WHOLE_CHUNK : DEFAULT_HEADER_CHUNK,
  ): Promise<ScanResult> {
    let limit = Math.min(end, this.#size);
    if (start >= limit) return { position: start, status: 'end' };
    let buf = Buffer.allocUnsafe(Math.max(Math.min(chunkBytes, limit - start), BatchLayout.HEADER_SIZE));
    let pos = start;
    while (pos < limit) {
      const remainingInFile = limit - pos;
      if (remainingInFile < BatchLayout.LOG_OVERHEAD) return { position: pos, status: 'incomplete' };
      const expected = Math.min(buf.length, remainingInFile);
      const n = await this.readInto(buf, 0, expected, pos);
      // A short read means the file is shorter than we believed (changed under us): treat it as the end.
      if (n < expected) limit = pos + n;
      if (n < BatchLayout.LOG_OVERHEAD) return { position: pos, status: 'incomplete' };
      let at = 0;
      while (true) {
        const batchPos = pos + at;
        if (batchPos >= limit) break;
        if (limit - batchPos < BatchLayout.LOG_OVERHEAD) return { position: batchPos, status: 'incomplete' };
        if (n - at < BatchLayout.LOG_OVERHEAD) break;
        const size = buf.readInt32BE(at + BatchLayout.BATCH_LENGTH) + BatchLayout.LOG_OVERHEAD;
        if (size < BatchLayout.HEADER_SIZE) return { position: batchPos, status: 'corrupt' };
        if (batchPos + size > limit) return { position: batchPos, status: 'incomplete' };
        const need = whole ? size : BatchLayout.HEADER_SIZE;
        if (at + need > n) {
          if (at === 0) buf = Buffer.allocUnsafe(need);
          break;
        }
        if (visit(buf, at, batchPos, size) === false) return { position: batchPos, status: 'stopped' };
        at += size;
        if (at >= n) break;
      }
      pos += at;
    }
    return { position: Math.max(pos, start), status: 'end' };
  }

  /**
   * The first batch at or after `startingPosition` whose last offset is >= `targetOffset` (Kafka's
   * searchForOffsetWithSize), or null if none.
   */
  async searchForOffsetWithSize(targetOffset: number, startingPosition: number): Promise<BatchPosition | null> {
    let found: BatchPosition | null = null;
    await this.scanBatches(startingPosition, this.#size, false, (buf, at, position, size) => {
      const lastOffset = readInt64(buf, at) + buf.readInt32BE(at + BatchLayout.LAST_OFFSET_DELTA);
      if (lastOffset >= targetOffset) {
        found = { lastOffset, position, size };
        return false;
      }
      return true;
    });
    return found;
  }

  /** Largest batch maxTimestamp at or after `startingPosition` and the last offset of its batch. */
  async largestTimestampAfter(startingPosition: number): Promise<{ timestamp: number; offset: number }> {
    let timestamp = -1;
    let offset = -1;
    await this.scanBatches(startingPosition, this.#size, false, (buf, at) => {
      const ts = readInt64(buf, at + BatchLayout.MAX_TIMESTAMP);
      if (ts > timestamp) {
        timestamp = ts;
        offset = readInt64(buf, at) + buf.readInt32BE(at + BatchLayout.LAST_OFFSET_DELTA);
      }
    });
    return { timestamp, offset };
  }
}

/** The buffers left after the first `n` bytes were written (short writes). */
function dropPrefix(buffers: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = n;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}
