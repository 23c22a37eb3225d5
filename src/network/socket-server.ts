import net from 'node:net';
import { rootLogger, type Logger } from '../observability/logger.ts';
import { DEFAULT_SOCKET_REQUEST_MAX_BYTES } from '../protocol/framing.ts';
import { Connection } from './connection.ts';
import { ConnectionQuotas, UNLIMITED_CONNECTION_QUOTAS, type ConnectionQuotaConfig } from './connection-quotas.ts';
import type { FramePool } from './frame-pool.ts';
import type { RequestHandler, SecurityProtocol } from './request-handler.ts';
import { loadSendfileAddon, type SendfileAddon } from './sendfile-native.ts';
import { tlsServerHandshake, type TlsListener } from './tls-server-handshake.ts';
import { loadSocketOptionsAddon, socketFd, type SocketOptionsAddon } from './socket-options-native.ts';
import type { ChannelAuthenticatorFactory } from '../security/sasl/channel-authenticator.ts';

/** One entry of `listeners` (+ `listener.security.protocol.map`): where to accept and with what protocol. */
export interface ListenerConfig {
  /** Listener name, e.g. 'PLAINTEXT', 'CONTROLLER', 'INTERNAL'. Unique per server. */
  readonly name: string;
  /** Host/IP to bind; '' or '0.0.0.0' binds every IPv4 interface, '::' every interface. */
  readonly host: string;
  /** TCP port; 0 picks a free one (see {@link SocketServer.boundPort}). */
  readonly port: number;
  /** 'PLAINTEXT', 'SSL' (with `tls`), 'SASL_PLAINTEXT' (with `authenticator`) or 'SASL_SSL' (with both). */
  readonly securityProtocol: SecurityProtocol;
  /** The TLS context of an SSL or SASL_SSL listener: required for those, refused otherwise. */
  readonly tls?: TlsListener;
  /** The SASL authentication of a SASL_PLAINTEXT or SASL_SSL listener: required for those, refused otherwise. */
  readonly authenticator?: ChannelAuthenticatorFactory;
}

/** Optional callbacks for metrics (e.g. kafka_server_socket_server_metrics_connection_count). */
export interface SocketServerMetrics {
  connectionOpened?(listenerName: string): void;
  connectionClosed?(listenerName: string): void;
}

/** `sendfile` config: 'auto' uses the addon when it loaded, 'on' requires it, 'off' always uses the fallback. */
export type SendfileMode = 'auto' | 'on' | 'off';

export interface SocketServerOptions {
  readonly listeners: readonly ListenerConfig[];
  readonly handler: RequestHandler;
  /** socket.request.max.bytes, default 104857600. */
  readonly socketRequestMaxBytes?: number;
  /**
   * Largest frame a connection may send before its first request was accepted (see Connection), default 524288
   * (Kafka's pre-authentication limit, sasl.server.max.receive.size).
   */
  readonly firstRequestMaxBytes?: number;
  /** connections.max.idle.ms, default 600000; 0 or less disables the idle timeout. */
  readonly connectionsMaxIdleMs?: number;
  /** connection.failed.authentication.delay.ms, default 100: wait before answering and closing a failed SASL authentication. */
  readonly failedAuthenticationDelayMs?: number;
  /**
   * queued.max.requests, default 500: requests of one connection read and not yet answered before reading from it
   * pauses. Kafka bounds its RequestChannel queue (requests waiting for an I/O thread, all connections together);
   * here a request is handled as soon as it is read, so that queue does not exist: what is bounded is the
   * pipelining depth of each connection (the broker-wide bound on request memory is queued.max.request.bytes).
   */
  readonly maxInFlightRequestsPerConnection?: number;
  /** default 'auto'. */
  readonly sendfile?: SendfileMode;
  /**
   * Memory for request frames, shared with the handler that releases it, and the budget of request bytes held
   * (queued.max.request.bytes; see FramePool); default: none.
   */
  readonly framePool?: FramePool;
  /** socket.send.buffer.bytes: SO_SNDBUF of accepted sockets, -1 (default) for the OS default. */
  readonly socketSendBufferBytes?: number;
  /** socket.receive.buffer.bytes: SO_RCVBUF of the listening sockets (inherited by accepted ones), -1 (default) for the OS default. */
  readonly socketReceiveBufferBytes?: number;
  /** socket.listen.backlog.size, default 50: the listen(2) backlog, and connections waiting for a quota per listener. */
  readonly listenBacklogSize?: number;
  /** Connection limits (max.connections, per IP, creation rate), read again when the object changes; default none. */
  readonly connectionQuotas?: () => ConnectionQuotaConfig;
  /**
   * Bind at start() but serve no connection until {@link SocketServer.enableRequestProcessing} (Kafka's broker binds
   * its acceptors early, to register their ports, and enables request processing once unfenced): connections that
   * arrive before are held unread, at most listenBacklogSize per listener (more are closed, as a full backlog
   * refuses them). Default false.
   */
  readonly deferRequestProcessing?: boolean;
  readonly logger?: Logger;
  readonly metrics?: SocketServerMetrics;
}

const DEFAULT_CONNECTIONS_MAX_IDLE_MS = 600000;
/** Kafka's connection.failed.authentication.delay.ms default. */
const DEFAULT_FAILED_AUTHENTICATION_DELAY_MS = 100;
/** Kafka's queued.max.requests default. */
const DEFAULT_MAX_IN_FLIGHT = 500;
/** Kafka's sasl.server.max.receive.size default. */
const DEFAULT_FIRST_REQUEST_MAX_BYTES = 524288;
/** Kafka's socket.listen.backlog.size default. */
const DEFAULT_LISTEN_BACKLOG = 50;

/**
 * @throws Error when a listener's TLS context or authenticator does not match its security protocol (TLS for SSL and
 *   SASL_SSL only, an authenticator for SASL_PLAINTEXT and SASL_SSL only).
 */
function checkListenerSecurity(l: ListenerConfig): void {
  const wantsTls = l.securityProtocol === 'SSL' || l.securityProtocol === 'SASL_SSL';
  const wantsSasl = l.securityProtocol === 'SASL_PLAINTEXT' || l.securityProtocol === 'SASL_SSL';
  if (wantsTls !== (l.tls !== undefined)) throw new Error(`listener ${l.name}: security protocol ${l.securityProtocol} ${wantsTls ? 'without' : 'cannot have'} a TLS context`);
  if (wantsSasl !== (l.authenticator !== undefined)) {
    throw new Error(`listener ${l.name}: security protocol ${l.securityProtocol} ${wantsSasl ? 'without' : 'cannot have'} a SASL authenticator`);
  }
}

interface BoundListener {
  readonly config: ListenerConfig;
  readonly server: net.Server;
  port: number;
  /**
   * Resolves when the listening socket is closed (set by stopAccepting); net.Server does not wait for the
   * connections, which Connection adopted (shutdown() closes those itself).
   */
  closed: Promise<void>;
}

/**
 * Accepts TCP connections on the configured listeners and runs one {@link Connection} per socket, after Kafka's
 * SocketServer (Acceptor + Processors; here the event loop is the one processor). Every accepted socket passes
 * {@link ConnectionQuotas} first (max.connections, per IP, creation rate). Socket buffers as Kafka's acceptor sets
 * them: SO_RCVBUF on the listening socket (accepted sockets inherit it, and the TCP window scale is chosen from
 * it), SO_SNDBUF on each accepted socket; both through the native socket-options addon (Node has no TCP API for
 * them): without it a size other than -1 cannot be applied, and start() logs an error saying so.
 *
 * Lifecycle: `start()` binds every listener (rejects if any cannot bind, or a listener's security protocol is
 * served with the TLS context and SASL authenticator it was given) -> `stopAccepting()` closes the listening sockets, connections carry
 * on -> `shutdown({ drainMs })` also closes every connection gracefully (no more reads, in-flight requests
 * answered), destroying those still open after `drainMs`.
 */
export class SocketServer {
  readonly #options: SocketServerOptions;
  readonly #logger: Logger;
  readonly #listeners = new Map<string, BoundListener>();
  readonly #connections = new Set<Connection>();
  readonly #addon: SendfileAddon | null;
  readonly #socketOptions: SocketOptionsAddon | null;
  readonly #quotas: ConnectionQuotas;
  #nextConnectionIndex = 0;
  #started = false;
  #processing: boolean;
  /** Sockets accepted before request processing was enabled, by listener. */
  readonly #held = new Map<BoundListener, net.Socket[]>();
  /** Sockets of SSL listeners admitted by the quotas whose TLS handshake is under way. */
  readonly #handshaking = new Set<net.Socket>();

  /**
   * @throws Error on duplicate listener names, sendfile 'on' without a loadable addon, or a socket buffer size that
   *   is neither -1 nor positive.
   */
  constructor(options: SocketServerOptions) {
    this.#options = options;
    this.#processing = options.deferRequestProcessing !== true;
    this.#logger = options.logger ?? rootLogger.child({ component: 'SocketServer' });
    const names = new Set<string>();
    for (const l of options.listeners) {
      if (names.has(l.name)) throw new Error(`duplicate listener name ${l.name}`);
      names.add(l.name);
    }
    const mode = options.sendfile ?? 'auto';
    this.#addon = mode === 'off' ? null : loadSendfileAddon();
    if (mode === 'on' && this.#addon === null) {
      throw new Error("sendfile is 'on' but the native addon (native/build/Release/sendfile.node) is not available");
    }
    for (const [name, value] of [['socket.send.buffer.bytes', options.socketSendBufferBytes], ['socket.receive.buffer.bytes', options.socketReceiveBufferBytes]] as const) {
      // Kafka passes anything but -1 to Socket.set{Send,Receive}BufferSize, which refuses sizes <= 0.
      if (value !== undefined && value !== -1 && value <= 0) throw new Error(`${name} must be -1 (the OS default) or positive, got ${value}`);
    }
    const wantsBuffers = (options.socketSendBufferBytes ?? -1) > 0 || (options.socketReceiveBufferBytes ?? -1) > 0;
    this.#socketOptions = wantsBuffers ? loadSocketOptionsAddon() : null;
    this.#quotas = new ConnectionQuotas({
      listenerNames: options.listeners.map((l) => l.name),
      config: options.connectionQuotas ?? (() => UNLIMITED_CONNECTION_QUOTAS),
      maxWaitingPerListener: options.listenBacklogSize ?? DEFAULT_LISTEN_BACKLOG,
      closeLeastRecentlyUsed: (protectedListener) => this.#closeLeastRecentlyUsed(protectedListener),
      logger: this.#logger,
    });
  }

  /** Whether ExternalRecords go out with sendfile(2) (else the read + write fallback). */
  get sendfileEnabled(): boolean {
    return this.#addon !== null;
  }

  /** Open connections over all listeners. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  /** Open connections accepted on one listener (0 for an unknown name). */
  connectionCountFor(listenerName: string): number {
    return this.#quotas.count(listenerName);
  }

  /** The connection limits in force (counts per listener and address, waiting sockets). */
  get connectionQuotas(): ConnectionQuotas {
    return this.#quotas;
  }

  /** The open connections (for tests and diagnostics). */
  get connections(): ReadonlySet<Connection> {
    return this.#connections;
  }

  /**
   * Binds every listener. Resolves once all listen; rejects (closing those already bound) on a bind error
   * (e.g. EADDRINUSE) or a listener whose TLS context or SASL authenticator does not match its security protocol.
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error('SocketServer already started');
    this.#started = true;
    for (const l of this.#options.listeners) checkListenerSecurity(l);
    const sendBytes = this.#options.socketSendBufferBytes ?? -1;
    const receiveBytes = this.#options.socketReceiveBufferBytes ?? -1;
    if ((sendBytes >= 0 || receiveBytes >= 0) && this.#socketOptions === null) {
      this.#logger.error(
        { socketSendBufferBytes: sendBytes, socketReceiveBufferBytes: receiveBytes },
        'socket.send.buffer.bytes / socket.receive.buffer.bytes are NOT applied: the native socket-options addon ' +
          '(native/build/Release/socket_options.node) is not built; sockets keep the OS defaults',
      );
    }
    try {
      await this.#quotas.start();
      for (const config of this.#options.listeners) await this.#bind(config);
    } catch (err) {
      this.stopAccepting();
      throw err;
    }
  }

  /** The port a listener is bound to (useful with port 0). @throws Error if the listener is not bound. */
  boundPort(listenerName: string): number {
    const l = this.#listeners.get(listenerName);
    if (l === undefined) throw new Error(`listener ${listenerName} is not bound`);
    return l.port;
  }

  /** Whether connections are served (see SocketServerOptions.deferRequestProcessing). */
  get processingRequests(): boolean {
    return this.#processing;
  }

  /** Starts serving connections, those held since start() first, in arrival order. Idempotent. */
  enableRequestProcessing(): void {
    if (this.#processing) return;
    this.#processing = true;
    const held = [...this.#held];
    this.#held.clear();
    for (const [listener, sockets] of held) for (const socket of sockets) this.#accept(listener, socket);
  }

  /**
   * Closes the listening sockets at once (new connections are refused); open connections are unaffected.
   * Idempotent.
   */
  stopAccepting(): void {
    for (const sockets of this.#held.values()) for (const socket of sockets) socket.destroy();
    this.#held.clear();
    for (const socket of this.#handshaking) socket.destroy();
    this.#quotas.close();
    for (const l of this.#listeners.values()) {
      if (l.server.listening) {
        l.closed = new Promise((resolve) => l.server.close(() => resolve()));
      }
    }
  }

  /**
   * Stops accepting, then closes every connection gracefully; connections still open after `drainMs`
   * (default 5000) are destroyed (their pending ExternalRecords released). Resolves when all are closed.
   */
  async shutdown(options: { drainMs?: number } = {}): Promise<void> {
    const drainMs = options.drainMs ?? 5000;
    this.stopAccepting();
    const closed = Promise.all([...this.#connections].map((c) => c.close()));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const c of this.#connections) c.destroy();
        resolve();
      }, drainMs);
    });
    await Promise.race([closed, timeout]);
    clearTimeout(timer);
    // net.Server 'close' fires once the listening socket is closed and any connection it still counts is gone.
    await Promise.all([...this.#listeners.values()].map((l) => l.closed));
  }

  #bind(config: ListenerConfig): Promise<void> {
    // Paused on connect: the Connection adopts the socket's handle into one that reads straight into frames.
    const server = net.createServer({ allowHalfOpen: true, noDelay: true, keepAlive: true, pauseOnConnect: true });
    const bound: BoundListener = { config, server, port: 0, closed: Promise.resolve() };
    server.on('connection', (socket) => this.#accept(bound, socket));
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new Error(`listener ${config.name}: cannot bind ${config.host}:${config.port}: ${err.message}`, { cause: err }));
      server.once('error', onError);
      const host = config.host === '' ? undefined : config.host;
      server.listen({ port: config.port, host, backlog: this.#options.listenBacklogSize ?? DEFAULT_LISTEN_BACKLOG }, () => {
        server.off('error', onError);
        // Before any connection is served: the listening socket's SO_RCVBUF is what accepted sockets inherit.
        this.#setBufferSizes(server, -1, this.#options.socketReceiveBufferBytes ?? -1);
        server.on('error', (err) => this.#logger.error({ err, listener: config.name }, 'listener error'));
        const addr = server.address();
        bound.port = typeof addr === 'object' && addr !== null ? addr.port : config.port;
        this.#listeners.set(config.name, bound);
        this.#logger.info({ listener: config.name, host: config.host, port: bound.port }, 'listening');
        resolve();
      });
    });
  }

  /** setsockopt through the addon; a failure is logged (Kafka logs the sizes it got, and serves the socket anyway). */
  #setBufferSizes(socketOrServer: net.Socket | net.Server, sendBytes: number, receiveBytes: number): void {
    if (this.#socketOptions === null || (sendBytes < 0 && receiveBytes < 0)) return;
    const fd = socketFd(socketOrServer);
    if (fd < 0) return;
    try {
      this.#socketOptions.setBufferSizes(fd, sendBytes, receiveBytes);
    } catch (err) {
      this.#logger.warn({ err, sendBytes, receiveBytes }, 'cannot set socket buffer sizes');
    }
  }

  #accept(listener: BoundListener, socket: net.Socket): void {
    if (!this.#processing) {
      const held = this.#held.get(listener) ?? [];
      if (held.length >= (this.#options.listenBacklogSize ?? DEFAULT_LISTEN_BACKLOG)) {
        socket.destroy();
        return;
      }
      held.push(socket);
      this.#held.set(listener, held);
      return;
    }
    if (socket.destroyed || socket.remoteAddress === undefined) {
      // Reset before we saw it: nothing to serve.
      socket.destroy();
      return;
    }
    this.#setBufferSizes(socket, this.#options.socketSendBufferBytes ?? -1, -1);
    this.#quotas.accept(listener.config.name, socket, (admitted, address) => this.#serve(listener, admitted, address));
  }

  /**
   * Starts a Connection on a socket the quotas admitted; on an SSL listener once its TLS handshake completed (a
   * failed one closes that socket only, logged at INFO with the client address as Kafka's "Failed authentication").
   */
  #serve(listener: BoundListener, socket: net.Socket, address: string): void {
    const tlsListener = listener.config.tls;
    if (tlsListener === undefined) {
      this.#startConnection(listener, socket, address, 'ANONYMOUS');
      return;
    }
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    const tlsSocket = tlsServerHandshake(socket, tlsListener, this.#options.connectionsMaxIdleMs ?? DEFAULT_CONNECTIONS_MAX_IDLE_MS, (result) => {
      this.#handshaking.delete(tlsSocket);
      if (result.ok) {
        this.#startConnection(listener, result.socket, address, result.principalName);
        return;
      }
      this.#logger.info({ listener: listener.config.name, clientAddress: remote, reason: result.reason }, 'Failed authentication (SSL handshake failed)');
      this.#quotas.connectionClosed(listener.config.name, address);
    });
    this.#handshaking.add(tlsSocket);
  }

  #startConnection(listener: BoundListener, socket: net.Socket, address: string, principalName: string): void {
    const index = this.#nextConnectionIndex++;
    // Kafka's connection id: localHost:localPort-remoteHost:remotePort-index (Selector.generateConnectionId).
    const connectionId = `${socket.localAddress}:${socket.localPort}-${socket.remoteAddress}:${socket.remotePort}-${index}`;
    const connection = new Connection({
      socket,
      connectionId,
      listenerName: listener.config.name,
      securityProtocol: listener.config.securityProtocol,
      principal: { principalType: 'User', name: principalName, tokenAuthenticated: false },
      ...(listener.config.authenticator === undefined ? {} : { authenticator: listener.config.authenticator }),
      failedAuthenticationDelayMs: this.#options.failedAuthenticationDelayMs ?? DEFAULT_FAILED_AUTHENTICATION_DELAY_MS,
      handler: this.#options.handler,
      maxFrameBytes: this.#options.socketRequestMaxBytes ?? DEFAULT_SOCKET_REQUEST_MAX_BYTES,
      firstRequestMaxBytes: this.#options.firstRequestMaxBytes ?? DEFAULT_FIRST_REQUEST_MAX_BYTES,
      maxInFlightRequests: this.#options.maxInFlightRequestsPerConnection ?? DEFAULT_MAX_IN_FLIGHT,
      idleTimeoutMs: this.#options.connectionsMaxIdleMs ?? DEFAULT_CONNECTIONS_MAX_IDLE_MS,
      sendfileAddon: this.#addon,
      readIntoFrames: listener.config.tls === undefined,
      ...(this.#options.framePool === undefined ? {} : { framePool: this.#options.framePool }),
      logger: this.#logger,
      onClose: (c) => {
        this.#connections.delete(c);
        this.#options.metrics?.connectionClosed?.(listener.config.name);
        this.#quotas.connectionClosed(listener.config.name, address);
      },
    });
    this.#connections.add(connection);
    this.#options.metrics?.connectionOpened?.(listener.config.name);
  }

  /** Closes the least recently active connection not on `protectedListener`; false when there is none. */
  #closeLeastRecentlyUsed(protectedListener: string): boolean {
    let lru: Connection | null = null;
    for (const c of this.#connections) {
      if (c.closed || c.context.listenerName === protectedListener) continue;
      if (lru === null || c.lastActivityMs < lru.lastActivityMs) lru = c;
    }
    if (lru === null) return false;
    this.#logger.info({ connectionId: lru.context.connectionId }, 'closing the least recently used connection: max.connections exceeded');
    lru.destroy();
    return true;
  }
}
