import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Logger } from '../observability/logger.ts';
import { FrameDecoder, frameChunks } from '../protocol/framing.ts';
import type { FramePool, MemoryWait } from './frame-pool.ts';
import type { ExternalRecords, OutputChunk } from '../protocol/writer.ts';
import { adoptDirectReadSocket } from './adopt-direct-read-socket.ts';
import { FileRegionSender } from './file-region-sender.ts';
import type { RequestContext, RequestHandler, RequestTiming, SecurityProtocol } from './request-handler.ts';
import type { SendfileAddon } from './sendfile-native.ts';
import { socketFd } from './socket-options-native.ts';
import { ANONYMOUS_PRINCIPAL, type KafkaPrincipal } from '../security/kafka-principal.ts';
import type { ChannelAuthenticatorFactory } from '../security/sasl/channel-authenticator.ts';
import { ConnectionAuthentication, type AuthenticationHost } from './connection-authentication.ts';

/** Construction parameters of a {@link Connection} (the SocketServer fills them from its config). */
export interface ConnectionOptions {
  readonly socket: Socket;
  readonly connectionId: string;
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  readonly handler: RequestHandler;
  /** socket.request.max.bytes: largest request frame, in bytes. */
  readonly maxFrameBytes: number;
  /**
   * Largest frame accepted before the handler accepted a first request of this connection (default
   * `maxFrameBytes`): see {@link Connection}.
   */
  readonly firstRequestMaxBytes?: number;
  /**
   * queued.max.requests: requests read and not yet answered (waiting to be dispatched, being handled, or whose
   * response is not yet written); reading pauses at this count.
   */
  readonly maxInFlightRequests: number;
  /** connections.max.idle.ms: close after this long without reads, writes or handler work. */
  readonly idleTimeoutMs: number;
  /**
   * The sendfile addon, or null for the read + write fallback. Ignored on a TLS socket, whose bytes must all be
   * encrypted in the process: it always uses the fallback (see {@link Connection.zeroCopy}).
   */
  readonly sendfileAddon: SendfileAddon | null;
  /** The connection's principal (RequestContext.principal); default User:ANONYMOUS. */
  readonly principal?: KafkaPrincipal;
  /**
   * The listener's authentication (SASL): frames go to it, one at a time, until it authenticated the connection
   * (see {@link Connection}); default none (the connection is served at once as `principal`).
   */
  readonly authenticator?: ChannelAuthenticatorFactory;
  /** connection.failed.authentication.delay.ms: how long a failed authentication waits before its response and close. */
  readonly failedAuthenticationDelayMs?: number;
  /**
   * Read requests straight into their frame Buffers (see {@link adoptDirectReadSocket}); `socket` must then come
   * from a server with `pauseOnConnect: true`. Falls back to 'data' events when the socket cannot be adopted.
   */
  readonly readIntoFrames?: boolean;
  /**
   * Where request frames are allocated (recycled by the handler through the same pool) and the broker-wide budget of
   * request bytes (queued.max.request.bytes) they are admitted against; default: plain Buffers, no budget.
   */
  readonly framePool?: FramePool;
  readonly logger: Logger;
  /** Called exactly once, when the connection is closed. */
  readonly onClose: (connection: Connection) => void;
}

/** One pipelined request: its response once the handler produced it. */
interface ResponseSlot {
  ready: boolean;
  chunks: OutputChunk[] | null;
  /** The request's timestamps, and the handler's hook for its response's send (RequestMetrics). */
  readonly timing?: RequestTiming;
  /** Set when the connection gave up on this request (an earlier one failed): its response is never sent. */
  dropped?: boolean;
}

/** The framed response being written and the index of its next chunk. */
interface CurrentResponse {
  readonly chunks: OutputChunk[];
  index: number;
  /** Called once the last chunk went to the socket. */
  readonly sent: (() => void) | undefined;
}

type State = 'open' | 'draining' | 'closed';

function isPromiseLike<T>(v: unknown): v is PromiseLike<T> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

function releaseRecords(records: ExternalRecords, logger: Logger): void {
  try {
    records.release?.();
  } catch (err) {
    logger.error({ err }, 'ExternalRecords.release() threw');
  }
}

/**
 * One client connection: framing, pipelined dispatch, in-order responses and backpressure, after Kafka's
 * Processor + KafkaChannel (but without muting per request: requests are pipelined).
 *
 * - Reads size-prefixed frames ({@link FrameDecoder}); an oversized (> maxFrameBytes) or negative size closes
 *   the connection (Kafka's InvalidReceiveException). With `readIntoFrames` the socket reads with `onread`: the
 *   kernel writes a large request straight into the Buffer of its frame (Kafka's NetworkReceive does the same),
 *   with no 64 KiB chunk allocated per read and no copy in JS beyond a frame's first read.
 * - Until the handler accepted one request (handleRequest returned without throwing: its header is valid), frames
 *   are limited to `firstRequestMaxBytes`: a peer that is not a Kafka client (or sends garbage) cannot make the
 *   broker hold a large frame. Kafka applies such a limit before authentication (sasl.server.max.receive.size,
 *   512 KiB, in SaslServerAuthenticator); real clients open with ApiVersions, a few hundred bytes.
 * - Every frame is admitted by the `framePool` budget (queued.max.request.bytes) when its size is read: when
 *   refused, the connection stops reading (muted, as Kafka's KafkaChannel mutes itself when its MemoryPool is out
 *   of memory) until the pool reserved the memory, then resumes. The reservation ends when the request completes
 *   (its handler's result settled), or earlier if the handler recycles the frame; frames dropped unhandled give
 *   theirs back at once. A muted connection reads nothing, so it notices its client leaving only once it reads
 *   again, or after connections.max.idle.ms (as in Kafka).
 * - Dispatches frames to the handler in arrival order without waiting for earlier ones (at most
 *   `maxInFlightRequests` unanswered or unwritten; reading pauses beyond that).
 * - Writes responses strictly in request order; `null` responses are skipped. Consecutive Buffers go out in
 *   one corked writev; ExternalRecords through {@link FileRegionSender} (sendfile or read + write).
 * - Stops reading while the socket's write side is backed up (`write()` returned false) and resumes on 'drain'.
 * - A handler that throws or rejects closes this connection only (logged at warn).
 * - Idle for `idleTimeoutMs` (no I/O and no request being handled) closes it (Kafka's connections.max.idle.ms).
 * - Every ExternalRecords returned by the handler is released exactly once: after it was sent, or when the
 *   connection died (including responses that complete after the close).
 *
 * - With an authenticator (SASL listeners), frames go to its {@link ConnectionAuthentication} instead of the
 *   handler, with the first-request frame limit (sasl.server.max.receive.size) in force until it reports
 *   'authenticated'; then the context's principal is the authenticated one and frames go to the handler. Once
 *   authenticated with a session that expires (KIP-368), each frame passes {@link ConnectionAuthentication.admit}
 *   first: a SaslHandshake may begin a re-authentication, anything else after the expiry closes the connection.
 *
 * State: open -> draining (closeConnection(), server shutdown: no more reads, frames not yet dispatched dropped,
 * in-flight requests answered) -> closed; open -> closed on errors, idle timeout, forced close. A client
 * half-close keeps the state open until every frame it sent is answered, then closes.
 */
export class Connection {
  readonly context: RequestContext;
  /** Whether requests are read straight into their frame Buffers (onread), else from 'data' events. */
  readonly readsIntoFrames: boolean;
  /** Whether file regions (fetched records) go out with sendfile(2), else read into memory and written. */
  readonly zeroCopy: boolean;
  readonly #socket: Socket;
  readonly #handler: RequestHandler;
  readonly #decoder: FrameDecoder;
  readonly #pool: FramePool | undefined;
  readonly #maxFrameBytes: number;
  /** Whether the handler accepted a request of this connection (the first-request frame limit is lifted). */
  #acceptedRequest = false;
  /** The SASL authentication of the connection, null without one. */
  readonly #authentication: ConnectionAuthentication | null = null;
  /** Waiting for the pool to admit the decoder's next frame (reading is paused meanwhile). */
  #memoryWait: MemoryWait | null = null;
  #lastActivityMs = Date.now();
  readonly #maxInFlight: number;
  readonly #idleTimeoutMs: number;
  readonly #logger: Logger;
  readonly #onClose: (connection: Connection) => void;
  readonly #sender: FileRegionSender;
  #state: State = 'open';
  /** Responses in request order; the head is written first. */
  readonly #slots: ResponseSlot[] = [];
  /** Requests handed to the handler whose promise has not settled. */
  #handling = 0;
  /** Decoded frames waiting for an in-flight slot: #pendingFrames[#pendingHead..]. */
  #pendingFrames: Buffer[] = [];
  #pendingHead = 0;
  /** When each pending frame was read (performance.now() ms), at the same index as in #pendingFrames. */
  #pendingReceivedMs: number[] = [];
  #current: CurrentResponse | null = null;
  #waitingDrain = false;
  #readingPaused = false;
  #pumping = false;
  #pumpAgain = false;
  /** Date.now() of the last sendfile progress (bytes that bypass Node's writer and its idle timer). */
  #lastSendProgressMs = 0;
  #drainWaiters: Array<() => void> = [];
  #ending = false;
  /** The client half-closed its side: no more data will come. */
  #readEnded = false;
  /** Ends the current channel throttle (KIP-219), while one is running. */
  #throttleTimer: NodeJS.Timeout | undefined = undefined;
  #throttledUntilMs = 0;

  constructor(options: ConnectionOptions) {
    const pool = options.framePool;
    const firstMax = Math.min(options.firstRequestMaxBytes ?? options.maxFrameBytes, options.maxFrameBytes);
    const decoder = new FrameDecoder(firstMax, pool);
    const adopted = options.readIntoFrames === true
      ? adoptDirectReadSocket(options.socket, { buffer: () => decoder.readBuffer(), callback: (n) => this.#onRead(n) }, true)
      : null;
    const socket = adopted ?? options.socket;
    this.readsIntoFrames = adopted !== null;
    this.#socket = socket;
    this.#handler = options.handler;
    this.#decoder = decoder;
    this.#pool = pool;
    this.#maxFrameBytes = options.maxFrameBytes;
    this.#maxInFlight = Math.max(1, options.maxInFlightRequests);
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#logger = options.logger;
    this.#onClose = options.onClose;
    // sendfile(2) would put plaintext file bytes on the wire under the TLS record layer.
    const sendfileAddon = socket instanceof TLSSocket ? null : options.sendfileAddon;
    this.zeroCopy = sendfileAddon !== null;
    this.#sender = new FileRegionSender(socket, sendfileAddon, () => {
      this.#lastSendProgressMs = Date.now();
    });
    this.context = {
      connectionId: options.connectionId,
      listenerName: options.listenerName,
      securityProtocol: options.securityProtocol,
      clientAddress: socket.remoteAddress ?? '',
      clientPort: socket.remotePort ?? 0,
      principal: options.principal ?? ANONYMOUS_PRINCIPAL,
      closeConnection: () => this.close(),
      throttle: (throttleTimeMs: number) => this.#throttle(throttleTimeMs),
    };
    if (options.authenticator !== undefined) {
      this.#authentication = new ConnectionAuthentication(options.authenticator, this.#authenticationHost(), options.failedAuthenticationDelayMs ?? 0);
    }

    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    if (this.#idleTimeoutMs > 0) socket.setTimeout(this.#idleTimeoutMs);
    if (adopted === null) {
      socket.on('data', (chunk: Buffer) => this.#onData(chunk));
      // A paused-on-connect socket that could not be adopted still has to flow.
      if (options.readIntoFrames === true) socket.resume();
    } else {
      // Flowing mode, so that 'end' is emitted at EOF (the bytes themselves never pass through the stream).
      socket.resume();
    }
    socket.on('end', () => this.#onEnd());
    socket.on('drain', () => {
      this.#waitingDrain = false;
      this.#pump();
    });
    socket.on('timeout', () => this.#onTimeout());
    socket.on('error', (err) => {
      this.#logger.debug({ connectionId: this.context.connectionId, err }, 'socket error');
      this.#destroy();
    });
    socket.on('close', () => this.#destroy());
  }

  /** Requests dispatched to the handler and not yet fully written (the pipelining depth). */
  get inFlightRequests(): number {
    return this.#slots.length + (this.#current === null ? 0 : 1);
  }

  /** Date.now() of the last bytes read, or response written (Kafka's least recently used order of channels). */
  get lastActivityMs(): number {
    return this.#lastActivityMs;
  }

  /** The socket's raw descriptor (diagnostics: socket options), -1 once closed. */
  get socketFd(): number {
    return socketFd(this.#socket);
  }

  /** Whether reading is paused until the frame pool admits the next frame (muted for memory). */
  get waitingForMemory(): boolean {
    return this.#memoryWait !== null;
  }

  /** Whether the connection is closed (no more reads or writes). */
  get closed(): boolean {
    return this.#state === 'closed';
  }

  /**
   * Graceful close: stop reading, drop frames not yet dispatched, answer and write the requests in flight, then
   * end the socket. Resolves when the connection is closed. Idempotent.
   */
  close(): Promise<void> {
    const done = new Promise<void>((resolve) => {
      if (this.#state === 'closed') resolve();
      else this.#drainWaiters.push(resolve);
    });
    if (this.#state === 'open') {
      this.#state = 'draining';
      this.#discardPendingFrames();
      this.#cancelMemoryWait();
      this.#pump();
    }
    return done;
  }

  /** Immediate close: in-flight requests get no response; their ExternalRecords are released. Idempotent. */
  destroy(): void {
    this.#destroy();
  }

  /** onread callback: `n` bytes landed in the decoder's read buffer. False stops reading (connection closed). */
  #onRead(n: number): boolean {
    if (this.#state !== 'open') return false;
    this.#lastActivityMs = Date.now();
    this.#decoded(() => this.#decoder.commitRead(n));
    return this.#state === 'open';
  }

  #onData(chunk: Buffer): void {
    if (this.#state !== 'open') return;
    this.#lastActivityMs = Date.now();
    this.#decoded(() => this.#decoder.push(chunk));
  }

  /** Runs one step of the decoder, queues the frames it completed, and waits for memory if it has to. */
  #decoded(step: () => Buffer[]): void {
    let frames: Buffer[];
    try {
      frames = step();
    } catch (err) {
      this.#invalidFrame(err);
      return;
    }
    if (this.#decoder.memoryWaitBytes > 0) this.#waitForMemory();
    if (frames.length > 0) this.#framesReceived(frames);
    else if (this.#memoryWait !== null) this.#updateReading();
  }

  #waitForMemory(): void {
    if (this.#memoryWait !== null || this.#pool === undefined) return;
    const size = this.#decoder.memoryWaitBytes;
    this.#logger.debug({ connectionId: this.context.connectionId, frameBytes: size }, 'muted: no request memory for the next frame');
    this.#memoryWait = this.#pool.waitForMemory(size, () => {
      this.#memoryWait = null;
      if (this.#state !== 'open') {
        this.#pool!.cancelReservation(size);
        return;
      }
      this.#decoded(() => this.#decoder.reserved());
      this.#pump();
    });
  }

  #cancelMemoryWait(): void {
    this.#memoryWait?.cancel();
    this.#memoryWait = null;
  }

  #invalidFrame(err: unknown): void {
    this.#logger.warn(
      {
        connectionId: this.context.connectionId,
        clientAddress: this.context.clientAddress,
        beforeFirstRequest: !this.#acceptedRequest,
        err,
      },
      'closing connection: invalid request frame',
    );
    this.#destroy();
  }

  #framesReceived(frames: Buffer[]): void {
    const receivedMs = performance.now();
    if (this.#pendingCount === 0) {
      this.#pendingFrames = frames;
      this.#pendingHead = 0;
      this.#pendingReceivedMs = [];
    } else {
      for (const f of frames) this.#pendingFrames.push(f);
    }
    for (let i = 0; i < frames.length; i++) this.#pendingReceivedMs.push(receivedMs);
    this.#pump();
  }

  #onEnd(): void {
    // The client half-closed: it sends nothing more; answer everything it sent, then close (allowHalfOpen is on).
    this.#readEnded = true;
    this.#pump();
  }

  #onTimeout(): void {
    if (this.#state === 'closed') return;
    const sinceSend = Date.now() - this.#lastSendProgressMs;
    if (this.#state === 'open' && (this.#handling > 0 || sinceSend < this.#idleTimeoutMs)) {
      // Busy, not idle: a request is being handled (e.g. a long-polling fetch) or sendfile made progress.
      this.#socket.setTimeout(this.#idleTimeoutMs);
      return;
    }
    this.#logger.info(
      { connectionId: this.context.connectionId, idleTimeoutMs: this.#idleTimeoutMs, state: this.#state },
      'closing idle connection',
    );
    this.#destroy();
  }

  /**
   * Drives the connection: writes ready responses in order, dispatches waiting frames while slots are free,
   * then adjusts reading. Re-entrant calls (a handler answering synchronously) are folded into one loop.
   */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#writeReady();
        this.#dispatchPending();
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
    this.#updateReading();
    const noMoreRequests =
      this.#state === 'draining' || (this.#readEnded && this.#pendingCount === 0 && this.#memoryWait === null);
    if (noMoreRequests && this.#slots.length === 0 && this.#current === null) this.#endGracefully();
  }

  #dispatchPending(): void {
    // Not while the socket's write side is backed up: new responses would only pile up in memory.
    if (this.#state !== 'open' || this.#waitingDrain) return;
    if (this.#authentication?.gating === true) {
      this.#authentication.authenticatePending();
      if (this.#authentication.gating) return;
    }
    while (this.#pendingCount > 0 && this.inFlightRequests < this.#maxInFlight && this.#state === 'open' && this.#throttleTimer === undefined) {
      const admission = this.#authentication?.admit(this.#pendingFrames[this.#pendingHead]!) ?? 'request';
      if (admission === 'expired') return this.#sessionExpired();
      if (admission === 'reauthenticate') return this.#dispatchPending();
      this.#dispatch(this.#pendingFrames[this.#pendingHead]!, this.#pendingReceivedMs[this.#pendingHead++]!);
    }
    if (this.#pendingCount === 0) this.#dropPendingFrames();
  }

  /** Kafka's SocketServer closes a channel whose SASL session expired when it sends anything but a re-authentication. */
  #sessionExpired(): void {
    this.#logger.info(
      { connectionId: this.context.connectionId, clientAddress: this.context.clientAddress, principal: `${this.context.principal.principalType}:${this.context.principal.name}` },
      'closing connection: its SASL session expired (connections.max.reauth.ms or the credential lifetime) and it did not re-authenticate',
    );
    this.#destroy();
  }

  get #pendingCount(): number {
    return this.#pendingFrames.length - this.#pendingHead;
  }

  #dropPendingFrames(): void {
    this.#pendingFrames = [];
    this.#pendingReceivedMs = [];
    this.#pendingHead = 0;
  }

  /** Drops the frames not yet dispatched; nothing else has seen them, so their memory and reservations go back. */
  #discardPendingFrames(): void {
    for (let i = this.#pendingHead; i < this.#pendingFrames.length; i++) this.#pool?.release(this.#pendingFrames[i]!);
    this.#dropPendingFrames();
  }

  #dispatch(frame: Buffer, receivedMs: number): void {
    const slot: ResponseSlot = { ready: false, chunks: null, timing: { receivedMs } };
    this.#slots.push(slot);
    const pool = this.#pool;
    let result: ReturnType<RequestHandler['handleRequest']>;
    try {
      result = this.#handler.handleRequest(frame, this.context, slot.timing);
    } catch (err) {
      pool?.requestCompleted(frame);
      this.#requestFailed(slot, err);
      return;
    }
    if (!this.#acceptedRequest) {
      this.#acceptedRequest = true;
      this.#decoder.maxFrameBytes = this.#maxFrameBytes;
    }
    if (isPromiseLike<OutputChunk[] | null>(result)) {
      this.#handling++;
      result.then(
        (chunks) => {
          this.#handling--;
          pool?.requestCompleted(frame);
          this.#complete(slot, chunks);
        },
        (err: unknown) => {
          this.#handling--;
          pool?.requestCompleted(frame);
          this.#requestFailed(slot, err);
        },
      );
    } else {
      pool?.requestCompleted(frame);
      this.#complete(slot, result);
    }
  }

  /** What the connection's {@link ConnectionAuthentication} drives. */
  #authenticationHost(): AuthenticationHost {
    return {
      context: this.context,
      handler: this.#handler,
      isClosed: () => this.closed,
      takePendingFrame: () => {
        if (this.#pendingCount === 0) return undefined;
        const frame = this.#pendingFrames[this.#pendingHead++]!;
        if (this.#pendingCount === 0) this.#dropPendingFrames();
        return frame;
      },
      reserveResponse: () => {
        const slot: ResponseSlot = { ready: false, chunks: null };
        this.#slots.push(slot);
        return { complete: (chunks) => this.#complete(slot, chunks), fail: (err) => this.#requestFailed(slot, err) };
      },
      requestCompleted: (frame) => this.#pool?.requestCompleted(frame),
      authenticated: (principal) => {
        (this.context as { principal: KafkaPrincipal }).principal = principal;
        this.#acceptedRequest = true;
        this.#decoder.maxFrameBytes = this.#maxFrameBytes;
      },
      stopReading: () => {
        this.#discardPendingFrames();
        this.#updateReading();
      },
      pump: () => this.#pump(),
      close: () => void this.close(),
    };
  }

  /**
   * A request the handler could not process (Kafka closes such a connection): the responses of the requests
   * before it are still written, in order, as Kafka (which handles a connection's requests one at a time) would
   * have sent them; the requests after it get no response; then the connection closes.
   */
  #requestFailed(slot: ResponseSlot, err: unknown): void {
    if (this.#state === 'closed') return;
    this.#logger.warn(
      { connectionId: this.context.connectionId, clientAddress: this.context.clientAddress, err },
      'closing connection: request handler failed',
    );
    const at = this.#slots.indexOf(slot);
    if (at < 0) return;
    for (const later of this.#slots.splice(at)) {
      later.dropped = true;
      if (later.chunks !== null) this.#releaseFrom(later.chunks, 0);
      later.chunks = null;
    }
    void this.close();
  }

  #handlerFailed(err: unknown): void {
    if (this.#state === 'closed') return;
    this.#logger.warn(
      { connectionId: this.context.connectionId, clientAddress: this.context.clientAddress, err },
      'closing connection: request handler failed',
    );
    this.#destroy();
  }

  #complete(slot: ResponseSlot, chunks: OutputChunk[] | null): void {
    if (this.#state === 'closed' || slot.dropped === true) {
      if (chunks !== null) this.#releaseFrom(chunks, 0);
      return;
    }
    slot.ready = true;
    slot.chunks = chunks;
    if (this.#slots[0] === slot) this.#pump();
  }

  /** Writes the ready responses at the head of the queue, until one is not ready, waits on I/O, or drain. */
  #writeReady(): void {
    while (this.#state !== 'closed' && this.#current === null && !this.#waitingDrain) {
      const slot = this.#slots[0];
      if (slot === undefined || !slot.ready) return;
      this.#slots.shift();
      const onSent = slot.timing?.onResponseSent;
      const sendStartMs = onSent === undefined ? 0 : performance.now();
      if (slot.chunks === null) {
        onSent?.(sendStartMs, sendStartMs);
        continue;
      }
      let framed: OutputChunk[];
      try {
        framed = frameChunks(slot.chunks);
      } catch (err) {
        this.#releaseFrom(slot.chunks, 0);
        this.#handlerFailed(err);
        return;
      }
      this.#current = { chunks: framed, index: 0, sent: onSent && ((): void => onSent(sendStartMs, performance.now())) };
      this.#lastActivityMs = Date.now();
      this.#writeCurrent();
    }
  }

  /**
   * Writes the current response from its next chunk. Returns when it is done (this.#current cleared) or waits on
   * an asynchronous ExternalRecords send, whose completion continues here and then pumps.
   */
  #writeCurrent(): void {
    const cur = this.#current!;
    const socket = this.#socket;
    const chunks = cur.chunks;
    while (cur.index < chunks.length) {
      const chunk = chunks[cur.index]!;
      if (Buffer.isBuffer(chunk)) {
        // Consecutive in-memory chunks: one writev, never a Buffer.concat.
        let ok = true;
        socket.cork();
        for (let c = chunks[cur.index]; c !== undefined && Buffer.isBuffer(c); c = chunks[++cur.index]) {
          // The last chunk's callback runs once the kernel took it: the response is sent (ResponseSendTimeMs).
          ok = cur.sent !== undefined && cur.index === chunks.length - 1 ? socket.write(c, cur.sent) : socket.write(c);
        }
        socket.uncork();
        if (!ok) this.#waitingDrain = true;
        continue;
      }
      let sync = true;
      let syncResult: Error | null | undefined;
      this.#sender.send(chunk, (err) => {
        releaseRecords(chunk, this.#logger);
        if (this.#state === 'closed') return;
        if (sync) {
          syncResult = err;
          return;
        }
        if (err !== null) return this.#sendFailed(err);
        cur.index++;
        this.#writeCurrent();
        if (this.#current === null) this.#pump();
      });
      sync = false;
      if (syncResult === undefined) return;
      if (syncResult !== null) return this.#sendFailed(syncResult);
      cur.index++;
    }
    if (!Buffer.isBuffer(chunks.at(-1))) cur.sent?.();
    if (socket.writableNeedDrain) this.#waitingDrain = true;
    this.#current = null;
  }

  #sendFailed(err: Error): void {
    if (this.#state === 'closed') return;
    // Part of the response may be on the wire: the stream cannot continue (Kafka closes on a failed send too).
    this.#logger.warn({ connectionId: this.context.connectionId, err }, 'closing connection: response send failed');
    this.#current = null;
    this.#destroy();
  }

  #updateReading(): void {
    const shouldRead =
      this.#state === 'open' &&
      this.#authentication?.failed !== true &&
      !this.#readEnded &&
      this.#memoryWait === null &&
      this.#pendingCount === 0 &&
      this.inFlightRequests < this.#maxInFlight &&
      !this.#waitingDrain &&
      this.#throttleTimer === undefined;
    if (shouldRead && this.#readingPaused) {
      this.#readingPaused = false;
      this.#socket.resume();
    } else if (!shouldRead && !this.#readingPaused) {
      this.#readingPaused = true;
      this.#socket.pause();
    }
  }

  #endGracefully(): void {
    if (this.#state === 'closed' || this.#ending) return;
    this.#ending = true;
    // end() flushes queued writes, then FIN; destroy once flushed (the peer may keep its side open).
    this.#socket.end(() => this.#destroy());
  }

  /**
   * Kafka's channel throttling after a quota violation (KIP-219, ThrottledChannel + KafkaChannel mute states): for
   * `throttleTimeMs` from now nothing more is read from the socket nor dispatched, so the client's next requests
   * wait; responses already under way, the one that carries the throttle time included, are written as usual. A
   * longer throttle while one runs extends it.
   */
  #throttle(throttleTimeMs: number): void {
    if (!(throttleTimeMs > 0) || this.#state === 'closed') return;
    const untilMs = Date.now() + throttleTimeMs;
    if (this.#throttleTimer !== undefined && untilMs <= this.#throttledUntilMs) return;
    clearTimeout(this.#throttleTimer);
    this.#throttledUntilMs = untilMs;
    this.#throttleTimer = setTimeout(() => {
      this.#throttleTimer = undefined;
      this.#pump();
    }, throttleTimeMs);
    this.#updateReading();
  }

  #destroy(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    clearTimeout(this.#throttleTimer);
    this.#throttleTimer = undefined;
    this.#discardPendingFrames();
    this.#cancelMemoryWait();
    this.#decoder.dispose();
    const current = this.#current;
    this.#current = null;
    if (current !== null) {
      // The chunk at current.index may be in the sender: its done callback releases it (after abort).
      const inSender = this.#sender.busy ? current.index + 1 : current.index;
      this.#releaseFrom(current.chunks, inSender);
      this.#sender.abort();
    }
    for (const slot of this.#slots) if (slot.chunks !== null) this.#releaseFrom(slot.chunks, 0);
    this.#slots.length = 0;
    this.#socket.destroy();
    try {
      this.#handler.connectionClosed?.(this.context);
    } catch (err) {
      this.#logger.error({ err }, 'connectionClosed hook threw');
    }
    this.#onClose(this);
    for (const resolve of this.#drainWaiters) resolve();
    this.#drainWaiters = [];
  }

  #releaseFrom(chunks: readonly OutputChunk[], from: number): void {
    for (let i = from; i < chunks.length; i++) {
      const c = chunks[i]!;
      if (!Buffer.isBuffer(c)) releaseRecords(c, this.#logger);
    }
  }
}
