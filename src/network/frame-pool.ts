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
}

/**
 * Memory for request frames, recycled once a request is done with it (in the spirit of Kafka's network
 * MemoryPool, `queued.max.request.bytes`). Large produce requests arrive at hundreds per second (librdkafka batches
 * up to 1 MB); allocating each as a new Buffer makes V8 account hundreds of MB/s of external memory, which is what
 * drives its major GCs under produce load (their pauses are the broker's latency tail). Recycled frames allocate
 * nothing in the steady state.
 *
 * A frame of `minPooledBytes..maxPooledFrameBytes` bytes is a view of a buffer of the next power of two; other
 * sizes are plain allocations. Memory goes back to the pool only through {@link release}, which the owner of the
 * request calls once nothing refers to the frame or any slice of it (the produce path, after every append of the
 * request completed). A frame never released is simply collected by the GC. Single-threaded (the event loop).
 */
export class FramePool {
  readonly #minPooled: number;
  readonly #maxPooledFrame: number;
  readonly #maxIdle: number;
  readonly #poison: boolean;
  /** Free buffers by size class (log2 of their length). */
  readonly #free = new Map<number, Buffer[]>();
  /** Pooled memory handed out and not released: release() accepts only these, and each once. */
  readonly #outstanding = new WeakSet<ArrayBuffer>();
  #idleBytes = 0;
  #reused = 0;
  #allocated = 0;

  constructor(options: FramePoolOptions = {}) {
    this.#minPooled = options.minPooledBytes ?? DEFAULT_MIN_POOLED_BYTES;
    this.#maxPooledFrame = options.maxPooledFrameBytes ?? DEFAULT_MAX_POOLED_FRAME_BYTES;
    this.#maxIdle = options.maxIdleBytes ?? DEFAULT_MAX_IDLE_BYTES;
    this.#poison = options.poison ?? false;
  }

  /** Free memory kept for reuse, in bytes. */
  get idleBytes(): number {
    return this.#idleBytes;
  }

  /** How many pooled frames were served from recycled memory, and how many needed a new buffer. */
  get stats(): { reused: number; allocated: number } {
    return { reused: this.#reused, allocated: this.#allocated };
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
   * reuse. The caller guarantees that nothing reads or writes that memory afterwards. Memory that did not come from
   * this pool, or was already released, is ignored. Returns whether the memory was taken back.
   */
  release(frame: Buffer): boolean {
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
}
