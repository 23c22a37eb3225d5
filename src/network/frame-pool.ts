import { LARGE_FRAME_BYTES, type FrameAllocator } from '../protocol/framing.ts';

/** Frames below this size are allocated normally (Node's own small-Buffer pool serves most of them). */
const DEFAULT_MIN_POOLED_BYTES = 64 * 1024;
/** Frames above this size are allocated normally: rare, and rounding them up to a power of two would waste a lot. */
const DEFAULT_MAX_POOLED_FRAME_BYTES = 16 * 1024 * 1024;
/** Free memory the pool keeps for reuse, in bytes; released frames beyond it are left to the GC. */
const DEFAULT_MAX_IDLE_BYTES = 64 * 1024 * 1024;

/** Options of a {@link FramePool}; all sizes in bytes. */
export interface FramePoolOptions {
  /** Smallest frame served from the pool (default 64 KiB). */
  readonly minPooledBytes?: number;
  /** Largest frame served from the pool (default 16 MiB). */
  readonly maxPooledFrameBytes?: number;
  /** Most free memory kept for reuse (default 64 MiB). */
  readonly maxIdleBytes?: number;
  /**
   * Fill released memory with 0xEE before reuse (tests): a reader that still held a view of a recycled frame then
   * sees garbage instead of plausible stale bytes.
   */
  readonly poison?: boolean;
  /**
   * `queued.max.request.bytes`: request bytes the broker may hold at once (frames being received, waiting, or being
   * handled); 0 or less means no limit (Kafka's default, -1).
   */
  readonly maxQueuedBytes?: number;
}

/** A connection waiting for memory for its next frame (see {@link FramePool.waitForMemory}). */
export interface MemoryWait {
  /** Stops waiting (the connection closed); the callback will not run. Idempotent. */
  cancel(): void;
}

interface Waiter {
  readonly size: number;
  readonly onReserved: () => void;
  cancelled: boolean;
}

/**
 * Memory for request frames, and the broker-wide budget of request bytes held (Kafka's network MemoryPool,
 * SimpleMemoryPool with `queued.max.request.bytes`).
 *
 * Recycling: large produce requests arrive at hundreds per second (librdkafka batches up to 1 MB); allocating each
 * as a new Buffer makes V8 account hundreds of MB/s of external memory, which is what drives its major GCs under
 * produce load (their pauses are the broker's latency tail). A frame of `minPooledBytes..maxPooledFrameBytes` bytes
 * is a view of a buffer of the next power of two, recycled once {@link release}d (by the produce path, after every
 * append of the request completed); other sizes are plain allocations. A frame never released is simply collected
 * by the GC.
 *
 * Budget: the {@link FrameDecoder} of each connection asks {@link tryReserve} for a frame's size as soon as its
 * prefix is read (its memory itself is allocated as its bytes arrive); the reservation is held until the request
 * completes ({@link requestCompleted}, called by the connection when the handler's result settled, Kafka's
 * RequestChannel releasing a request's buffer after KafkaApis handled it) or the frame is {@link release}d,
 * whichever comes first. A connection whose next frame is refused stops being read (muted) and waits in
 * {@link waitForMemory}; released bytes admit the waiting frames in arrival order. Admission, with L the limit:
 * - any frame while fewer than L bytes are held (Kafka's non-strict pool: the held total may overshoot by one
 *   frame, so it never exceeds L - 1 + socket.request.max.bytes);
 * - a frame above LARGE_FRAME_BYTES (1 MiB) also only while frames of that kind hold none of L, or together with
 *   it at most L / 2. This is not in Kafka, whose pool serves whoever asks first: connections announcing huge
 *   frames (and then sending slowly, or never) would take the whole budget and mute every other client. Here they
 *   hold at most half, and requests of normal size (up to 1 MiB) keep flowing in the other half.
 *
 * Single-threaded (the event loop).
 */
export class FramePool implements FrameAllocator {
  readonly #minPooled: number;
  readonly #maxPooledFrame: number;
  readonly #maxIdle: number;
  readonly #poison: boolean;
  /** The budget, in bytes (Infinity: none). */
  readonly #maxQueued: number;
  /** Free buffers by size class (log2 of their length). */
  readonly #free = new Map<number, Buffer[]>();
  /** Pooled memory handed out and not released: release() accepts only these, and each once. */
  readonly #outstanding = new WeakSet<ArrayBuffer>();
  /** Complete frames that hold their reservation, by the frame object the decoder returned. */
  readonly #reservedFrames = new WeakMap<Buffer, number>();
  #waiters: Waiter[] = [];
  #drainScheduled = false;
  #queuedBytes = 0;
  #largeQueuedBytes = 0;
  #idleBytes = 0;
  #reused = 0;
  #allocated = 0;

  constructor(options: FramePoolOptions = {}) {
    this.#minPooled = options.minPooledBytes ?? DEFAULT_MIN_POOLED_BYTES;
    this.#maxPooledFrame = options.maxPooledFrameBytes ?? DEFAULT_MAX_POOLED_FRAME_BYTES;
    this.#maxIdle = options.maxIdleBytes ?? DEFAULT_MAX_IDLE_BYTES;
    this.#poison = options.poison ?? false;
    const max = options.maxQueuedBytes ?? -1;
    this.#maxQueued = max > 0 ? max : Number.POSITIVE_INFINITY;
  }

  /** Free memory kept for reuse, in bytes. */
  get idleBytes(): number {
    return this.#idleBytes;
  }

  /** How many pooled frames were served from recycled memory, and how many needed a new buffer. */
  get stats(): { reused: number; allocated: number } {
    return { reused: this.#reused, allocated: this.#allocated };
  }

  /** Request bytes reserved now (Kafka's MemoryPoolUsed), in bytes. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** The budget (`queued.max.request.bytes`) in bytes, or Infinity when unbounded. */
  get maxQueuedBytes(): number {
    return this.#maxQueued;
  }

  /** Connections muted until memory is released. */
  get waitingConnections(): number {
    return this.#waiters.length;
  }

  /** A Buffer of exactly `size` bytes (uninitialised contents), pooled when the size is in the pooled range. */
  allocate(size: number): Buffer {
    if (size < this.#minPooled || size > this.#maxPooledFrame) return Buffer.allocUnsafe(size);
    const sizeClass = Math.ceil(Math.log2(size));
    const free = this.#free.get(sizeClass);
    let buf = free?.pop();
    if (buf !== undefined) {
      this.#idleBytes -= buf.length;
      this.#reused++;
    } else {
      // Its own ArrayBuffer (never a slice of Node's shared pool), so the whole of it can be recycled.
      buf = Buffer.allocUnsafeSlow(2 ** sizeClass);
      this.#allocated++;
    }
    this.#outstanding.add(buf.buffer as ArrayBuffer);
    return buf.subarray(0, size);
  }

  /**
   * Gives the memory of `frame` (a Buffer {@link allocate} returned, or any view of the same memory) back for
   * reuse, and ends the reservation of a frame the decoder returned (when `frame` is that very object). The caller
   * guarantees that nothing reads or writes that memory afterwards. Memory that did not come from this pool, or
   * was already released, is not reused. Returns whether the memory was taken back.
   */
  release(frame: Buffer): boolean {
    this.requestCompleted(frame);
    const ab = frame.buffer as ArrayBuffer;
    if (!this.#outstanding.has(ab)) return false;
    this.#outstanding.delete(ab);
    if (this.#idleBytes + ab.byteLength > this.#maxIdle) return true;
    const buf = Buffer.from(ab, 0, ab.byteLength);
    if (this.#poison) buf.fill(0xee);
    const sizeClass = Math.log2(ab.byteLength);
    let free = this.#free.get(sizeClass);
    if (free === undefined) this.#free.set(sizeClass, (free = []));
    free.push(buf);
    this.#idleBytes += buf.length;
    return true;
  }

  /**
   * Admission of a frame of `size` bytes (rules in the class doc): true reserves them. Zero-size frames need no
   * memory and are always admitted.
   */
  tryReserve(size: number): boolean {
    if (size <= 0) return true;
    if (this.#queuedBytes >= this.#maxQueued) return false;
    const large = size > LARGE_FRAME_BYTES;
    if (large && this.#largeQueuedBytes > 0 && this.#largeQueuedBytes + size > this.#maxQueued / 2) return false;
    this.#queuedBytes += size;
    if (large) this.#largeQueuedBytes += size;
    return true;
  }

  /** Ends a reservation that no frame holds (a frame dropped before it was complete). */
  cancelReservation(size: number): void {
    if (size <= 0) return;
    this.#queuedBytes -= size;
    if (size > LARGE_FRAME_BYTES) this.#largeQueuedBytes -= size;
    if (this.#waiters.length > 0) this.#scheduleDrain();
  }

  /** The decoder completed `frame`: it now holds the reservation of its length until released or completed. */
  frameCompleted(frame: Buffer): void {
    if (frame.length > 0) this.#reservedFrames.set(frame, frame.length);
  }

  /**
   * The request of `frame` completed (its handler's result settled): its reservation ends (once; later calls and
   * frames without one are ignored). The memory itself is left alone: the handler may keep views of it (it is
   * recycled only through {@link release}).
   */
  requestCompleted(frame: Buffer): void {
    const size = this.#reservedFrames.get(frame);
    if (size === undefined) return;
    this.#reservedFrames.delete(frame);
    this.cancelReservation(size);
  }

  /**
   * Waits until `size` bytes can be reserved, reserves them, then calls `onReserved` (never synchronously).
   * Waiters are served in arrival order, skipping those whose frame is not admitted yet (a large frame waiting
   * for the large-frame share does not hold back normal ones behind it).
   */
  waitForMemory(size: number, onReserved: () => void): MemoryWait {
    const waiter: Waiter = { size, onReserved, cancelled: false };
    this.#waiters.push(waiter);
    // Checked once right away: bytes released between the refusal and this call scheduled no drain.
    this.#scheduleDrain();
    return {
      cancel: () => {
        if (waiter.cancelled) return;
        waiter.cancelled = true;
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
      },
    };
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    // Not synchronously: the releasing call stack (a connection completing a request) finishes first.
    queueMicrotask(() => this.#drainWaiters());
  }

  #drainWaiters(): void {
    this.#drainScheduled = false;
    const waiting = this.#waiters;
    this.#waiters = [];
    const still: Waiter[] = [];
    const granted: Waiter[] = [];
    for (const w of waiting) {
      if (w.cancelled) continue;
      if (this.tryReserve(w.size)) granted.push(w);
      else still.push(w);
    }
    // Connections that wait again from their callback below queue up behind those still waiting.
    this.#waiters = still;
    for (const w of granted) {
      w.cancelled = true;
      w.onReserved();
    }
  }
}
