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
 * One read buffer for every decoder in the process: a read is consumed (frames copied out) synchronously in the
 * read callback, before the event loop can run another socket's read, so nothing ever holds on to it.
 */
let sharedReadBuffer: Buffer | null = null;

/**
 * Splits a byte stream into Kafka frames (`int32 size` + `size` bytes; protocol guide, "Common Request and
 * Response Structure"), after Kafka's NetworkReceive, which also reads the size first and then the payload
 * straight into a buffer of exactly that size.
 *
 * Two ways to feed it (do not mix them on one decoder):
 * - `push(chunk)` (socket 'data' events): returns the frames completed by that chunk, without their size prefix.
 *   A frame that lies inside one chunk is returned as a view of it (no copy); a frame that spans chunks is
 *   assembled into one Buffer allocated once its size is known (never a growing concat).
 * - `readBuffer()` + `commitRead(n)` (a socket created with `onread`): the socket reads into the Buffer that
 *   `readBuffer()` returns. Between frames that is a 64 KiB buffer shared by all decoders: the frames completed
 *   there are copied out, each into a Buffer of exactly its size, and so is the start of a frame that continues;
 *   once a frame is known to miss at least 16 KiB, `readBuffer()` is the unfilled rest of that frame's own Buffer,
 *   so the kernel writes the bytes in place and JS copies nothing (a 1 MB produce request is read with at most
 *   64 KiB copied). `commitRead(n)` returns the frames that read completed.
 *
 * Returned frames are never reused by the decoder: they stay valid as long as the caller holds them (memory from
 * an `allocate` pool returns to it only when the caller releases it there).
 *
 * Errors (the stream cannot be resynchronised afterwards; the caller closes the connection):
 * - {@link FrameTooLargeError} when a size prefix exceeds `maxFrameBytes`, before allocating anything;
 * - {@link InvalidFrameError} when a size prefix is negative.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  /** Bytes of a size prefix split across chunks. */
  readonly #sizeBytes = Buffer.alloc(4);
  #sizeFill = 0;
  /** The frame being assembled across chunks, or null. */
  #partial: Buffer | null = null;
  #partialFill = 0;
  #failed: Error | null = null;
  /** Whether the Buffer last returned by readBuffer() is the rest of #partial (else the shared read buffer). */
  #readingDirect = false;

  readonly #allocate: (size: number) => Buffer;

  /**
   * @param maxFrameBytes largest accepted frame (excluding the 4-byte prefix), default 104857600.
   * @param allocate where the Buffers of frames come from (a recycling pool, see network/FramePool), default
   *   `Buffer.allocUnsafe`; must return a Buffer of exactly `size` bytes that nothing else uses.
   */
  constructor(maxFrameBytes: number = DEFAULT_SOCKET_REQUEST_MAX_BYTES, allocate: (size: number) => Buffer = Buffer.allocUnsafe) {
    this.#allocate = allocate;
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 0) {
      throw new RangeError(`maxFrameBytes must be a non-negative integer, got ${maxFrameBytes}`);
    }
    this.#maxFrameBytes = Math.min(maxFrameBytes, MAX_INT32);
  }

  /** Bytes received but not yet returned as part of a frame (prefix bytes included). */
  get bufferedBytes(): number {
    return this.#sizeFill + (this.#partial === null ? 0 : 4 + this.#partialFill);
  }

  /** Whether the decoder sits exactly between frames (nothing buffered). */
  get atFrameBoundary(): boolean {
    return this.#sizeFill === 0 && this.#partial === null;
  }

  /**
   * Consumes one chunk of the stream and returns the frames it completes, in order (possibly none).
   * After an error every later call rethrows it.
   */
  push(chunk: Buffer): Buffer[] {
    return this.#consume(chunk, false);
  }

  /**
   * Where the next socket read should put its bytes: the unfilled rest of the frame being assembled when at least
   * 16 KiB of it are missing, else the shared 64 KiB read buffer. Follow every read with {@link commitRead}.
   */
  readBuffer(): Buffer {
    const partial = this.#partial;
    if (partial !== null && this.#failed === null && partial.length - this.#partialFill >= MIN_DIRECT_READ_BYTES) {
      this.#readingDirect = true;
      return partial.subarray(this.#partialFill);
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
    this.#partialFill += n;
    const partial = this.#partial!;
    if (this.#partialFill < partial.length) return [];
    this.#partial = null;
    this.#partialFill = 0;
    this.#readingDirect = false;
    return [partial];
  }

  /** Splits `chunk`; with `copy`, frames inside it are copied out (the chunk is about to be reused). */
  #consume(chunk: Buffer, copy: boolean): Buffer[] {
    if (this.#failed !== null) throw this.#failed;
    const frames: Buffer[] = [];
    const end = chunk.length;
    let off = 0;

    if (this.#partial !== null) {
      const partial = this.#partial;
      const n = Math.min(partial.length - this.#partialFill, end);
      chunk.copy(partial, this.#partialFill, 0, n);
      this.#partialFill += n;
      off = n;
      if (this.#partialFill < partial.length) return frames;
      frames.push(partial);
      this.#partial = null;
      this.#partialFill = 0;
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
      if (end - off >= size) {
        if (copy) {
          const f = this.#allocate(size);
          chunk.copy(f, 0, off, off + size);
          frames.push(f);
        } else {
          frames.push(chunk.subarray(off, off + size));
        }
        off += size;
      } else {
        // Allocated at its final size once, then filled by later chunks (or reads straight into it).
        const partial = this.#allocate(size);
        chunk.copy(partial, 0, off, end);
        this.#partial = partial;
        this.#partialFill = end - off;
        off = end;
      }
    }
    return frames;
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
