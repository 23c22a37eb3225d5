import fs from 'node:fs';
import type { Socket } from 'node:net';
import type { ExternalRecords, FileRegion } from '../protocol/writer.ts';
import type { SendfileAddon } from './sendfile-native.ts';
import { socketFd } from './socket-options-native.ts';

/** Bytes of each pooled buffer used by the read + write fallback (fs.read into it, then socket.write). */
export const FALLBACK_BUFFER_BYTES = 256 * 1024;
/** Pooled buffers one connection may have in flight (read or queued on the socket): bounds its memory. */
const FALLBACK_BUFFERS_PER_CONNECTION = 4;
/** Free buffers the process-wide pool keeps for reuse. */
const POOL_MAX_FREE = 32;
/** A threadpool sendfile job returns after this long without progress (the peer is not reading). */
const SENDFILE_STALL_MS = 50;
/** A threadpool sendfile job returns after this long even while progressing, so queued connections get a turn. */
const SENDFILE_SLICE_MS = 100;
/**
 * Bytes one step may send with sendfile on the JS thread before the rest goes to a threadpool job: with a fast
 * reader the socket rarely fills, and an unbounded loop would hold the event loop for the whole region.
 */
const SYNC_SEND_BUDGET_BYTES = 8 * 1024 * 1024;
/** Bytes handed to Node's own writer when sendfile stalled: its completion tells us the socket is writable. */
const PROBE_BYTES = 64 * 1024;
/**
 * Concurrent sendfile jobs in the libuv threadpool (4 threads by default, shared with fs, dns, zlib and the
 * compression addons), per the design notes in performance-limits.md section 2.1.
 */
const MAX_CONCURRENT_SENDFILE_JOBS = 2;

/** A file region held fewer bytes than the response promised (file truncated or deleted under us). */
export class FileRegionTruncatedError extends Error {
  constructor(region: FileRegion, sent: number) {
    super(`file region (fd ${region.fd}, position ${region.position}, length ${region.length}) ended after ${sent} bytes`);
    this.name = 'FileRegionTruncatedError';
  }
}

/** The send was abandoned because the connection closed. */
export class SendAbortedError extends Error {
  constructor() {
    super('send aborted: connection closed');
    this.name = 'SendAbortedError';
  }
}

function errnoError(negErrno: number, what: string): Error {
  const err = new Error(`${what} failed with errno ${-negErrno}`) as NodeJS.ErrnoException;
  err.errno = -negErrno;
  return err;
}

/** Process-wide free list of fallback buffers (allocUnsafeSlow: never slices of Node's shared pool). */
const freeBuffers: Buffer[] = [];
function takeBuffer(): Buffer {
  return freeBuffers.pop() ?? Buffer.allocUnsafeSlow(FALLBACK_BUFFER_BYTES);
}
function giveBuffer(buf: Buffer): void {
  if (freeBuffers.length < POOL_MAX_FREE) freeBuffers.push(buf);
}

/** FIFO semaphore over the threadpool sendfile jobs of the whole process. */
const jobQueue: Array<() => void> = [];
let jobsRunning = 0;
function acquireJobSlot(run: () => void): void {
  if (jobsRunning < MAX_CONCURRENT_SENDFILE_JOBS) {
    jobsRunning++;
    run();
  } else {
    jobQueue.push(run);
  }
}
function releaseJobSlot(): void {
  const next = jobQueue.shift();
  if (next === undefined) jobsRunning--;
  else next();
}
function cancelJobSlotWait(run: () => void): boolean {
  const i = jobQueue.indexOf(run);
  if (i < 0) return false;
  jobQueue.splice(i, 1);
  return true;
}

/** Adjacent regions of the same fd become one (fewer syscalls / reads for many small batches). */
function coalesce(regions: readonly FileRegion[]): FileRegion[] {
  const out: FileRegion[] = [];
  for (const r of regions) {
    if (r.length === 0) continue;
    const last = out[out.length - 1];
    if (last !== undefined && last.fd === r.fd && last.position + last.length === r.position) {
      out[out.length - 1] = { fd: r.fd, position: last.position, length: last.length + r.length };
    } else {
      out.push(r);
    }
  }
  return out;
}

const EMPTY = Buffer.alloc(0);

/**
 * Streams the file regions of {@link ExternalRecords} into one connection's socket, in place within the response
 * (the role of Kafka's TransferableRecords / FileRecords.writeTo). One instance per connection, one send at a time.
 *
 * Two paths:
 * - sendfile (addon loaded, socket has a Linux fd): waits until the socket's own write queue is empty (so bytes
 *   stay in order), then `trySendfile` on the JS thread (up to 8 MiB per step). When the socket buffer is full,
 *   or for the rest of a larger region, a threadpool job loops sendfile + poll(POLLOUT) (at most 2 jobs
 *   process-wide). A job that sees no progress for 50 ms returns, and the next 64 KiB go through Node's writer,
 *   whose completion signals writability without holding a pool thread.
 * - fallback: `fs.read` into pooled 256 KiB buffers (small regions packed together) + `socket.write`, at most 4
 *   buffers in flight per connection; record bytes are never concatenated.
 *
 * `send(records, done)` calls `done` exactly once: `null` when every byte was handed to the socket,
 * {@link FileRegionTruncatedError} when a file ended early, {@link SendAbortedError} after {@link abort}, or a
 * socket/errno error. `done` runs only when no file read or sendfile job of this send is pending, so the caller may
 * then call `records.release()` (which may close the file).
 */
export class FileRegionSender {
  readonly #socket: Socket;
  readonly #addon: SendfileAddon | null;
  readonly #onProgress: () => void;
  #regions: FileRegion[] = [];
  #index = 0;
  #position = 0;
  #remaining = 0;
  #sentInRegion = 0;
  #done: ((err: Error | null) => void) | null = null;
  #aborted = false;
  /** A file read or sendfile job of the current send is pending (the region's fd is in use). */
  #opPending = false;
  /** The current send waits in the job queue with this callback. */
  #queued: (() => void) | null = null;
  /** Incremented per send so that stale socket write callbacks of an earlier send do nothing. */
  #generation = 0;
  #useSendfile = false;
  #buffersOut = 0;

  /**
   * @param addon the sendfile addon, or null to always use the fallback.
   * @param onProgress called whenever bytes went out outside Node's writer (keeps the idle timer fresh).
   */
  constructor(socket: Socket, addon: SendfileAddon | null, onProgress: () => void = () => {}) {
    this.#socket = socket;
    this.#addon = addon;
    this.#onProgress = onProgress;
  }

  /** Whether a send is in progress. */
  get busy(): boolean {
    return this.#done !== null;
  }

  /** Starts sending `records` (see the class doc). Throws if a send is already in progress. */
  send(records: ExternalRecords, done: (err: Error | null) => void): void {
    if (this.#done !== null) throw new Error('FileRegionSender: send already in progress');
    let total = 0;
    for (const r of records.regions) total += r.length;
    this.#done = done;
    this.#aborted = false;
    this.#generation++;
    if (total !== records.sizeInBytes) {
      this.#finish(new Error(`ExternalRecords regions hold ${total} bytes, sizeInBytes says ${records.sizeInBytes}`));
      return;
    }
    this.#regions = coalesce(records.regions);
    this.#index = -1;
    this.#remaining = 0;
    this.#nextRegion();
    this.#useSendfile = this.#addon !== null && socketFd(this.#socket) >= 0;
    if (this.#useSendfile) this.#whenFlushed();
    else this.#fallbackRead();
  }

  /**
   * Abandons the current send (the connection is closing). `done(SendAbortedError)` follows at once, or when the
   * pending file read / sendfile job returns (bounded by the 50-100 ms job limits).
   */
  abort(): void {
    if (this.#done === null || this.#aborted) return;
    this.#aborted = true;
    if (this.#queued !== null && cancelJobSlotWait(this.#queued)) this.#queued = null;
    if (!this.#opPending && this.#queued === null) this.#finish(new SendAbortedError());
  }

  #finish(err: Error | null): void {
    const done = this.#done;
    if (done === null) return;
    this.#done = null;
    this.#regions = [];
    done(err);
  }

  /** Moves to the next region; returns false when none is left. */
  #nextRegion(): boolean {
    this.#index++;
    const region = this.#regions[this.#index];
    if (region === undefined) return false;
    this.#position = region.position;
    this.#remaining = region.length;
    this.#sentInRegion = 0;
    return true;
  }

  #advance(n: number): void {
    this.#position += n;
    this.#remaining -= n;
    this.#sentInRegion += n;
  }

  #region(): FileRegion {
    return this.#regions[this.#index]!;
  }

  /** sendfile must not overtake bytes still queued in Node's writer: wait for the queue to empty. */
  #whenFlushed(): void {
    if (this.#socket.writableLength === 0) {
      this.#sendfileStep();
      return;
    }
    const gen = this.#generation;
    // A zero-length write completes after every earlier queued write (the callback order is the write order).
    this.#socket.write(EMPTY, () => {
      if (gen !== this.#generation || this.#done === null) return;
      if (this.#aborted) this.#finish(new SendAbortedError());
      else this.#whenFlushed();
    });
  }

  #sendfileStep(): void {
    const addon = this.#addon!;
    let budget = SYNC_SEND_BUDGET_BYTES;
    for (;;) {
      if (this.#aborted) return this.#finish(new SendAbortedError());
      if (this.#remaining === 0 && !this.#nextRegion()) return this.#finish(null);
      const sockFd = socketFd(this.#socket);
      if (sockFd < 0 || this.#socket.destroyed) return this.#finish(new SendAbortedError());
      const region = this.#region();
      if (budget <= 0) return this.#sendfileAsync();
      const r = addon.trySendfile(sockFd, region.fd, this.#position, Math.min(this.#remaining, budget));
      if (r > 0) {
        this.#advance(r);
        budget -= r;
        this.#onProgress();
      } else if (r === 0) {
        return this.#finish(new FileRegionTruncatedError(region, this.#sentInRegion));
      } else if (r === -addon.EAGAIN) {
        return this.#sendfileAsync();
      } else {
        return this.#finish(errnoError(r, 'sendfile'));
      }
    }
  }

  #sendfileAsync(): void {
    const addon = this.#addon!;
    const run = (): void => {
      this.#queued = null;
      const sockFd = socketFd(this.#socket);
      if (this.#aborted || sockFd < 0 || this.#socket.destroyed) {
        releaseJobSlot();
        return this.#finish(new SendAbortedError());
      }
      const region = this.#region();
      this.#opPending = true;
      try {
        addon.sendfile(sockFd, region.fd, this.#position, this.#remaining, SENDFILE_STALL_MS, SENDFILE_SLICE_MS, (status, sent) => {
          this.#opPending = false;
          releaseJobSlot();
          this.#advance(sent);
          if (sent > 0) this.#onProgress();
          if (this.#aborted) return this.#finish(new SendAbortedError());
          if (status === addon.STATUS_DONE || status === addon.STATUS_YIELDED) return this.#sendfileStep();
          if (status === addon.STATUS_STALLED) return this.#probe();
          if (status === addon.STATUS_EOF) return this.#finish(new FileRegionTruncatedError(region, this.#sentInRegion));
          return this.#finish(errnoError(status, 'sendfile'));
        });
      } catch (err) {
        this.#opPending = false;
        releaseJobSlot();
        this.#finish(err as Error);
      }
    };
    this.#queued = run;
    acquireJobSlot(run);
  }

  /**
   * The peer stopped reading. Rather than hold a pool thread in poll(), hand the next bytes to Node's writer:
   * libuv watches the socket, and the write's completion means it is writable again.
   */
  #probe(): void {
    const region = this.#region();
    const n = Math.min(PROBE_BYTES, this.#remaining);
    const buf = Buffer.allocUnsafeSlow(n);
    const gen = this.#generation;
    this.#opPending = true;
    fs.read(region.fd, buf, 0, n, this.#position, (err, bytesRead) => {
      this.#opPending = false;
      if (this.#aborted) return this.#finish(new SendAbortedError());
      if (err) return this.#finish(err);
      if (bytesRead === 0) return this.#finish(new FileRegionTruncatedError(region, this.#sentInRegion));
      this.#advance(bytesRead);
      this.#socket.write(buf.subarray(0, bytesRead), (werr) => {
        if (gen !== this.#generation || this.#done === null) return;
        if (this.#aborted || werr) return this.#finish(werr ?? new SendAbortedError());
        this.#whenFlushed();
      });
    });
  }

  /** Fallback: read the next buffer-full (packing small regions) unless a read is pending or 4 buffers are out. */
  #fallbackRead(): void {
    if (this.#done === null || this.#opPending) return;
    if (this.#aborted) return this.#finish(new SendAbortedError());
    if (this.#remaining === 0 && this.#index >= this.#regions.length) return this.#finish(null);
    if (this.#buffersOut >= FALLBACK_BUFFERS_PER_CONNECTION) return;
    this.#buffersOut++;
    this.#fillBuffer(takeBuffer(), 0);
  }

  #fillBuffer(buf: Buffer, fill: number): void {
    const region = this.#region();
    const n = Math.min(buf.length - fill, this.#remaining);
    this.#opPending = true;
    fs.read(region.fd, buf, fill, n, this.#position, (err, bytesRead) => {
      this.#opPending = false;
      if (this.#aborted || err || bytesRead === 0) {
        this.#buffersOut--;
        giveBuffer(buf);
        if (this.#aborted) return this.#finish(new SendAbortedError());
        if (err) return this.#finish(err);
        return this.#finish(new FileRegionTruncatedError(region, this.#sentInRegion));
      }
      this.#advance(bytesRead);
      fill += bytesRead;
      const more = this.#remaining > 0 || this.#nextRegion();
      if (more && fill < buf.length) return this.#fillBuffer(buf, fill);
      this.#socket.write(buf.subarray(0, fill), () => {
        // Written (or failed because the socket died): the buffer is ours again either way.
        this.#buffersOut--;
        giveBuffer(buf);
        if (this.#done !== null && !this.#useSendfile) this.#fallbackRead();
      });
      this.#fallbackRead();
    });
  }
}
