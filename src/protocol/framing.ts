import type { OutputChunk } from './writer.ts';

/** Default of `socket.request.max.bytes` (Kafka SocketServerConfigs): 100 MiB. */
export const DEFAULT_SOCKET_REQUEST_MAX_BYTES = 104857600;

/** Largest size an int32 size prefix can carry. */
const MAX_INT32 = 0x7fffffff;

/**
 * A frame's size prefix exceeds the configured maximum (`socket.request.max.bytes`). Kafka's NetworkReceive
 * throws InvalidReceiveException here and the Selector closes the connection; thrown before any allocation.
 */
export class FrameTooLargeError extends Error {
  /** The size announced by the prefix, in bytes. */
  readonly size: number;
  /** The configured maximum, in bytes. */
  readonly maxBytes: number;

  constructor(size: number, maxBytes: number) {
    super(`Invalid receive (size = ${size} larger than ${maxBytes})`);
    this.name = 'FrameTooLargeError';
    this.size = size;
    this.maxBytes = maxBytes;
  }
}

/** A frame's size prefix is negative (Kafka's NetworkReceive: "Invalid receive (size = -1)"). */
export class InvalidFrameError extends Error {
  /** The (negative) size announced by the prefix. */
  readonly size: number;

  constructor(size: number) {
    super(`Invalid receive (size = ${size})`);
    this.name = 'InvalidFrameError';
    this.size = size;
  }
}

/**
 * Below this many missing bytes a partial frame is completed through the read buffer (one syscall may then bring
 * the following frames too) instead of by a read straight into the frame.
 */
const MIN_DIRECT_READ_BYTES = 16 * 1024;

/** Size of the shared read buffer of {@link FrameDecoder.readBuffer} (libuv's own read size, 64 KiB). */
export const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Frames larger than this are received into chunks of this size, allocated as their bytes arrive, and assembled
 * into one Buffer once complete: a sender that announces a large frame and stalls costs the memory of what it
 * sent, not of what it announced. Frames up to this size (every normal request: clients cap a produce request near
 * 1 MB, librdkafka's message.max.bytes and the Java client's max.request.size) get their final Buffer at once.
 */
export const LARGE_FRAME_BYTES = 1024 * 1024;

/**
 * Where a {@link FrameDecoder} gets memory for frames, and whether it may take in a frame at all (implemented by
 * network/FramePool, which bounds the request bytes held by the broker: `queued.max.request.bytes`).
 */
export interface FrameAllocator {
  /**
   * Admission of a frame of `size` (> 0) bytes, asked once its size prefix is read: true reserves `size` bytes
   * for it until its owner releases the frame; false means no memory now (the decoder then waits, see
   * {@link FrameDecoder.memoryWaitBytes}).
   */
  tryReserve(size: number): boolean;
  /** Ends the reservation of a frame that will never be returned (its connection closed mid-frame). */
  cancelReservation(size: number): void;
  /** `size` bytes of memory that nothing else uses (contents unspecified). */
  allocate(size: number): Buffer;
  /** Takes back memory from {@link allocate} that nothing refers to any more (chunks of an assembled frame). */
  release(buffer: Buffer): unknown;
  /** `frame`, about to be returned, now holds the reservation of its length (see FramePool.requestCompleted). */
  frameCompleted(frame: Buffer): void;
}

/** Plain Buffers, no admission limit. */
const UNBOUNDED_ALLOCATOR: FrameAllocator = {
  tryReserve: () => true,
  cancelReservation: () => undefined,
  allocate: (size) => Buffer.allocUnsafe(size),
  release: () => undefined,
  frameCompleted: () => undefined,
};

const EMPTY = Buffer.alloc(0);

/**
 * One read buffer for every decoder in the process: a read is consumed (frames copied out) synchronously in the
 * read callback, before the event loop can run another socket's read, so nothing ever holds on to it.
 */
let sharedReadBuffer: Buffer | null = null;

/**
 * Splits a byte stream into Kafka frames (`int32 size` + `size` bytes; protocol guide, "Common Request and
 * Response Structure"), after Kafka's NetworkReceive, which also reads the size first, then asks its MemoryPool
 * for the payload's memory, and reads the payload straight into it.
 *
 * Two ways to feed it (do not mix them on one decoder):
 * - `push(chunk)` (socket 'data' events): returns the frames completed by that chunk, without their size prefix.
 *   A frame that lies inside one chunk is returned as a view of it (no copy); a frame that spans chunks is
 *   assembled in memory from the allocator.
 * - `readBuffer()` + `commitRead(n)` (a socket created with `onread`): the socket reads into the Buffer that
 *   `readBuffer()` returns. Between frames that is a 64 KiB buffer shared by all decoders: the frames completed
 *   there are copied out, and so is the start of a frame that continues; once a frame is known to miss at least
 *   16 KiB, `readBuffer()` is the unfilled rest of that frame's own memory, so the kernel writes the bytes in place
 *   and JS copies nothing (a 1 MB produce request is read with at most 64 KiB copied). `commitRead(n)` returns the
 *   frames that read completed.
 *
 * Memory: a frame of up to {@link LARGE_FRAME_BYTES} (or the `wholeFrameMaxBytes` given) gets its Buffer once its
 * size is read; a larger one is read
 * into chunks of that size allocated as its bytes arrive, and copied into one Buffer when complete (the chunks go
 * back to the allocator). Every frame is first admitted by the allocator (`tryReserve`): when refused, the decoder
 * keeps what it read past that frame's prefix (at most one read, 64 KiB) and returns; {@link memoryWaitBytes} is
 * then the frame's size and the owner stops reading from the socket until the allocator could reserve that size
 * for it, then calls {@link reserved} (Kafka mutes the channel until its MemoryPool has memory).
 *
 * Returned frames are never reused by the decoder: they stay valid as long as the caller holds them (memory from
 * an allocator pool returns to it only when the caller releases it there).
 *
 * Errors (the stream cannot be resynchronised afterwards; the caller closes the connection):
 * - {@link FrameTooLargeError} when a size prefix exceeds {@link maxFrameBytes}, before reserving anything;
 * - {@link InvalidFrameError} when a size prefix is negative.
 */
export class FrameDecoder {
  #maxFrameBytes: number;
  readonly #allocator: FrameAllocator;
  /** Frames up to this size get their whole Buffer at once; larger ones are received in chunks. */
  readonly #wholeFrameMax: number;
  /** Bytes of a size prefix split across chunks. */
  readonly #sizeBytes = Buffer.alloc(4);
  #sizeFill = 0;
  /** Size of the reserved frame being received, or -1 between frames. */
  #frameSize = -1;
  /** Its memory so far: one Buffer of frameSize bytes, or chunks of LARGE_FRAME_BYTES (the last one filling). */
  #parts: Buffer[] = [];
  /** Bytes written into the last part. */
  #partFill = 0;
  /** Bytes of the frame received so far. */
  #received = 0;
  /** Size of a frame whose reservation was refused, or 0. */
  #waitSize = 0;
  /** Bytes read past that frame's prefix, consumed once it is reserved. */
  #stash: Buffer | null = null;
  #failed: Error | null = null;
  /** Whether the Buffer last returned by readBuffer() is the rest of the frame's last part (else the shared buffer). */
  #readingDirect = false;

  /**
   * @param maxFrameBytes largest accepted frame (excluding the 4-byte prefix), default 104857600.
   * @param allocator admission and memory of frames (network/FramePool), default unbounded plain Buffers.
   * @param wholeFrameMaxBytes frames up to this size get their Buffer as soon as their size is read (default
   *   {@link LARGE_FRAME_BYTES}). A client reading responses to its own requests raises it, as Kafka's client
   *   NetworkReceive allocates every response whole: the chunks (and their final copy) only protect a server
   *   from senders that announce large frames and stall.
   * @throws RangeError if maxFrameBytes is not a non-negative integer.
   */
  constructor(maxFrameBytes: number = DEFAULT_SOCKET_REQUEST_MAX_BYTES, allocator: FrameAllocator = UNBOUNDED_ALLOCATOR, wholeFrameMaxBytes = LARGE_FRAME_BYTES) {
    this.#maxFrameBytes = FrameDecoder.#checkMax(maxFrameBytes);
    this.#allocator = allocator;
    this.#wholeFrameMax = wholeFrameMaxBytes;
  }

  static #checkMax(maxFrameBytes: number): number {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 0) {
      throw new RangeError(`maxFrameBytes must be a non-negative integer, got ${maxFrameBytes}`);
    }
    return Math.min(maxFrameBytes, MAX_INT32);
  }

  /** Largest accepted frame, in bytes; changing it applies to size prefixes read from then on. */
  get maxFrameBytes(): number {
    return this.#maxFrameBytes;
  }

  set maxFrameBytes(value: number) {
    this.#maxFrameBytes = FrameDecoder.#checkMax(value);
  }

  /** Bytes received but not yet returned as part of a frame (prefix bytes included). */
  get bufferedBytes(): number {
    const inFrame = this.#frameSize >= 0 ? 4 + this.#received : 0;
    const waiting = this.#waitSize > 0 ? 4 + (this.#stash?.length ?? 0) : 0;
    return this.#sizeFill + inFrame + waiting;
  }

  /** Whether the decoder sits exactly between frames (nothing buffered). */
  get atFrameBoundary(): boolean {
    return this.#sizeFill === 0 && this.#frameSize < 0 && this.#waitSize === 0;
  }

  /**
   * Size of the frame waiting for the allocator to admit it, or 0. While non-zero the owner should not read from
   * the socket (bytes pushed meanwhile are kept, in order); it calls {@link reserved} once the allocator reserved
   * this many bytes for the decoder.
   */
  get memoryWaitBytes(): number {
    return this.#waitSize;
  }

  /**
   * Consumes one chunk of the stream and returns the frames it completes, in order (possibly none).
   * After an error every later call rethrows it.
   */
  push(chunk: Buffer): Buffer[] {
    return this.#consume(chunk, false);
  }

  /**
   * Where the next socket read should put its bytes: the unfilled rest of the frame being received when at least
   * 16 KiB of it are missing, else the shared 64 KiB read buffer. Follow every read with {@link commitRead}.
   */
  readBuffer(): Buffer {
    if (this.#frameSize >= 0 && this.#failed === null && this.#frameSize - this.#received >= MIN_DIRECT_READ_BYTES) {
      const part = this.#writablePart();
      if (part.length - this.#partFill >= MIN_DIRECT_READ_BYTES) {
        this.#readingDirect = true;
        return part.subarray(this.#partFill);
      }
    }
    this.#readingDirect = false;
    return (sharedReadBuffer ??= Buffer.allocUnsafe(READ_BUFFER_BYTES));
  }

  /**
   * Accounts for `n` bytes read into the Buffer the last {@link readBuffer} call returned, and returns the frames
   * they complete, in order (each its own Buffer: nothing refers to the shared read buffer afterwards).
   * @throws FrameTooLargeError / InvalidFrameError as {@link push} does.
   */
  commitRead(n: number): Buffer[] {
    if (this.#failed !== null) throw this.#failed;
    if (!this.#readingDirect) return this.#consume(sharedReadBuffer!.subarray(0, n), true);
    this.#partFill += n;
    this.#received += n;
    if (this.#received < this.#frameSize) return [];
    this.#readingDirect = false;
    return [this.#finishFrame()];
  }

  /**
   * The allocator reserved {@link memoryWaitBytes} for this decoder: takes in the waiting frame and the bytes kept
   * behind it, and returns the frames they complete (the decoder may wait again, for a later frame).
   * @throws Error when the decoder was not waiting; FrameTooLargeError / InvalidFrameError as {@link push}.
   */
  reserved(): Buffer[] {
    if (this.#failed !== null) throw this.#failed;
    if (this.#waitSize === 0) throw new Error('FrameDecoder.reserved() without a frame waiting for memory');
    const stash = this.#stash ?? EMPTY;
    this.#beginFrame(this.#waitSize);
    this.#waitSize = 0;
    this.#stash = null;
    // The stash is the decoder's own memory (or a 'data' chunk nobody reuses): frames inside it may be views.
    return this.#consume(stash, false);
  }

  /**
   * Gives every resource back: the memory of a partly received frame and its reservation. The decoder is unusable
   * afterwards (its connection closed). Idempotent.
   */
  dispose(): void {
    if (this.#frameSize >= 0) {
      for (const part of this.#parts) this.#allocator.release(part);
      this.#allocator.cancelReservation(this.#frameSize);
    }
    this.#parts = [];
    this.#frameSize = -1;
    this.#waitSize = 0;
    this.#stash = null;
    this.#failed ??= new Error('FrameDecoder disposed');
  }

  /** Splits `chunk`; with `copy`, frames inside it are copied out (the chunk is about to be reused). */
  #consume(chunk: Buffer, copy: boolean): Buffer[] {
    if (this.#failed !== null) throw this.#failed;
    const frames: Buffer[] = [];
    if (this.#waitSize > 0) {
      // Still waiting for memory (the owner should not be reading): keep the bytes, in order.
      const kept = this.#stash ?? EMPTY;
      this.#stash = Buffer.concat([kept, chunk]);
      return frames;
    }
    const end = chunk.length;
    let off = 0;

    if (this.#frameSize >= 0) {
      off = this.#fill(chunk, 0, end);
      if (this.#received < this.#frameSize) return frames;
      frames.push(this.#finishFrame());
    }

    while (off < end) {
      let size: number;
      if (this.#sizeFill === 0 && end - off >= 4) {
        size = chunk.readInt32BE(off);
        off += 4;
      } else {
        const n = Math.min(4 - this.#sizeFill, end - off);
        chunk.copy(this.#sizeBytes, this.#sizeFill, off, off + n);
        this.#sizeFill += n;
        off += n;
        if (this.#sizeFill < 4) break;
        this.#sizeFill = 0;
        size = this.#sizeBytes.readInt32BE(0);
      }
      this.#check(size);
      if (size === 0) {
        frames.push(Buffer.alloc(0));
        continue;
      }
      if (!this.#allocator.tryReserve(size)) {
        this.#waitSize = size;
        this.#stash = copy ? Buffer.from(chunk.subarray(off, end)) : chunk.subarray(off, end);
        return frames;
      }
      if (!copy && end - off >= size) {
        const view = chunk.subarray(off, off + size);
        this.#allocator.frameCompleted(view);
        frames.push(view);
        off += size;
        continue;
      }
      this.#beginFrame(size);
      off = this.#fill(chunk, off, end);
      if (this.#received === size) frames.push(this.#finishFrame());
    }
    return frames;
  }

  /** Starts receiving a reserved frame of `size` bytes: its Buffer now when small, its chunks as bytes arrive. */
  #beginFrame(size: number): void {
    this.#frameSize = size;
    this.#received = 0;
    this.#partFill = 0;
    this.#parts = size <= this.#wholeFrameMax ? [this.#allocator.allocate(size)] : [];
  }

  /** The part the frame's next bytes go to, allocating the next chunk when the last one is full. */
  #writablePart(): Buffer {
    const parts = this.#parts;
    let part = parts[parts.length - 1];
    if (part === undefined || this.#partFill === part.length) {
      part = this.#allocator.allocate(Math.min(LARGE_FRAME_BYTES, this.#frameSize - this.#received));
      parts.push(part);
      this.#partFill = 0;
    }
    return part;
  }

  /** Copies `chunk[off..end)` into the frame being received, up to its end; returns the offset reached. */
  #fill(chunk: Buffer, off: number, end: number): number {
    while (off < end && this.#received < this.#frameSize) {
      const part = this.#writablePart();
      const n = Math.min(part.length - this.#partFill, end - off);
      chunk.copy(part, this.#partFill, off, off + n);
      this.#partFill += n;
      this.#received += n;
      off += n;
    }
    return off;
  }

  /** The complete frame, assembled from its chunks if it has several; the decoder is then between frames. */
  #finishFrame(): Buffer {
    const parts = this.#parts;
    let frame: Buffer;
    if (parts.length === 1 && parts[0]!.length === this.#frameSize) {
      frame = parts[0]!;
    } else {
      frame = this.#allocator.allocate(this.#frameSize);
      let at = 0;
      for (const part of parts) {
        part.copy(frame, at);
        at += part.length;
        this.#allocator.release(part);
      }
    }
    this.#parts = [];
    this.#frameSize = -1;
    this.#allocator.frameCompleted(frame);
    return frame;
  }

  #check(size: number): void {
    if (size < 0) this.#failed = new InvalidFrameError(size);
    else if (size > this.#maxFrameBytes) this.#failed = new FrameTooLargeError(size, this.#maxFrameBytes);
    if (this.#failed !== null) throw this.#failed;
  }
}

/** Total bytes of a chunk list (in-memory lengths plus ExternalRecords.sizeInBytes). */
export function chunksSize(chunks: readonly OutputChunk[]): number {
  let n = 0;
  for (const c of chunks) n += Buffer.isBuffer(c) ? c.length : c.sizeInBytes;
  return n;
}

/**
 * Frames an encoded message: returns `[int32 size, ...chunks]` where size is the total byte count of `chunks`
 * (Buffers and ExternalRecords alike). The chunks themselves are not copied.
 * @throws RangeError if the message is larger than 2147483647 bytes (cannot be framed).
 */
export function frameChunks(chunks: readonly OutputChunk[]): OutputChunk[] {
  const size = chunksSize(chunks);
  if (size > MAX_INT32) throw new RangeError(`message of ${size} bytes cannot be framed (max ${MAX_INT32})`);
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeInt32BE(size, 0);
  const out: OutputChunk[] = new Array(chunks.length + 1);
  out[0] = prefix;
  for (let i = 0; i < chunks.length; i++) out[i + 1] = chunks[i]!;
  return out;
}
