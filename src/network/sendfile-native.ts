import { createRequire } from 'node:module';

/**
 * Status codes of {@link SendfileAddon.sendfile}'s callback (non-negative); negative values are -errno.
 */
export interface SendfileStatus {
  /** Every requested byte was handed to the kernel. */
  readonly STATUS_DONE: number;
  /** The file ended before `length` bytes (region shorter than promised: the file was truncated). */
  readonly STATUS_EOF: number;
  /** No progress for `stallMs` (the peer does not read); wait for writability on the JS side, then retry. */
  readonly STATUS_STALLED: number;
  /** Ran `sliceMs` while progressing; resubmit so other connections get a pool thread. */
  readonly STATUS_YIELDED: number;
  /** errno value of EAGAIN on this platform (trySendfile returns -EAGAIN when the socket buffer is full). */
  readonly EAGAIN: number;
}

/**
 * The native zero-copy addon (native/sendfile.c, Linux sendfile(2) through N-API). Offsets and lengths are
 * bytes; fds are raw descriptors (the socket's from `socket._handle.fd`).
 */
export interface SendfileAddon extends SendfileStatus {
  /**
   * Non-blocking, on the JS thread: returns bytes sent (> 0, possibly fewer than `length`), 0 if the file ends
   * at `offset`, or -errno when nothing was sent (-EAGAIN: socket send buffer full).
   */
  trySendfile(sockFd: number, fileFd: number, offset: number, length: number): number;
  /**
   * In the libuv threadpool (never blocks the event loop): loops sendfile and poll(POLLOUT) until done, EOF,
   * stalled for `stallMs`, `sliceMs` elapsed, or an error. Both fds are dup()ed at submission. `cb` gets a
   * status (see {@link SendfileStatus}, or -errno) and the bytes sent by this job.
   */
  sendfile(
    sockFd: number,
    fileFd: number,
    offset: number,
    length: number,
    stallMs: number,
    sliceMs: number,
    cb: (status: number, bytesSent: number) => void,
  ): void;
}

let cached: SendfileAddon | null | undefined;

/**
 * Loads the sendfile addon built by `npm install` (`node-gyp rebuild` in native/, output
 * native/build/Release/sendfile.node). Returns null when it is missing or cannot load (build failed, not Linux):
 * the network layer then uses its read + write fallback. The result is cached.
 */
export function loadSendfileAddon(): SendfileAddon | null {
  if (cached !== undefined) return cached;
  cached = null;
  if (process.platform !== 'linux') return cached;
  try {
    const require = createRequire(import.meta.url);
    const addon = require('../../native/build/Release/sendfile.node') as SendfileAddon;
    if (typeof addon.trySendfile === 'function' && typeof addon.sendfile === 'function') cached = addon;
  } catch {
    cached = null;
  }
  return cached;
}
