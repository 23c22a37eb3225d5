import net from 'node:net';
import { rootLogger, type Logger } from '../observability/logger.ts';
import { DEFAULT_SOCKET_REQUEST_MAX_BYTES } from '../protocol/framing.ts';
import { Connection } from './connection.ts';
import type { FramePool } from './frame-pool.ts';
import type { RequestHandler, SecurityProtocol } from './request-handler.ts';
import { loadSendfileAddon, type SendfileAddon } from './sendfile-native.ts';

/** One entry of `listeners` (+ `listener.security.protocol.map`): where to accept and with what protocol. */
export interface ListenerConfig {
  /** Listener name, e.g. 'PLAINTEXT', 'CONTROLLER', 'INTERNAL'. Unique per server. */
  readonly name: string;
  /** Host/IP to bind; '' or '0.0.0.0' binds every IPv4 interface, '::' every interface. */
  readonly host: string;
  /** TCP port; 0 picks a free one (see {@link SocketServer.boundPort}). */
  readonly port: number;
  /** Only 'PLAINTEXT' is implemented; others are rejected by {@link SocketServer.start}. */
  readonly securityProtocol: SecurityProtocol;
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
  /** connections.max.idle.ms, default 600000; 0 or less disables the idle timeout. */
  readonly connectionsMaxIdleMs?: number;
  /** Pipelining depth per connection before reading pauses, default 100. */
  readonly maxInFlightRequestsPerConnection?: number;
  /** default 'auto'. */
  readonly sendfile?: SendfileMode;
  /** Memory for request frames, shared with the handler that releases it (see FramePool); default: none. */
  readonly framePool?: FramePool;
  readonly logger?: Logger;
  readonly metrics?: SocketServerMetrics;
}

const DEFAULT_CONNECTIONS_MAX_IDLE_MS = 600000;
const DEFAULT_MAX_IN_FLIGHT = 100;

interface BoundListener {
  readonly config: ListenerConfig;
  readonly server: net.Server;
  port: number;
  connections: number;
  /**
   * Resolves when the listening socket is closed (set by stopAccepting); net.Server does not wait for the
   * connections, which Connection adopted (shutdown() closes those itself).
   */
  closed: Promise<void>;
}

/**
 * Accepts TCP connections on the configured listeners and runs one {@link Connection} per socket, after Kafka's
 * SocketServer (Acceptor + Processors; here the event loop is the one processor).
 *
 * Lifecycle: `start()` binds every listener (rejects if any cannot bind, or a listener's security protocol is
 * not implemented: only PLAINTEXT for now) -> `stopAccepting()` closes the listening sockets, connections carry
 * on -> `shutdown({ drainMs })` also closes every connection gracefully (no more reads, in-flight requests
 * answered), destroying those still open after `drainMs`.
 */
export class SocketServer {
  readonly #options: SocketServerOptions;
  readonly #logger: Logger;
  readonly #listeners = new Map<string, BoundListener>();
  readonly #connections = new Set<Connection>();
  readonly #addon: SendfileAddon | null;
  #nextConnectionIndex = 0;
  #started = false;

  /** @throws Error on duplicate listener names, or sendfile 'on' without a loadable addon. */
  constructor(options: SocketServerOptions) {
    this.#options = options;
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
    return this.#listeners.get(listenerName)?.connections ?? 0;
  }

  /**
   * Binds every listener. Resolves once all listen; rejects (closing those already bound) on a bind error
   * (e.g. EADDRINUSE) or a listener whose security protocol is not implemented.
   */
  async start(): Promise<void> {
    if (this.#started) throw new Error('SocketServer already started');
    this.#started = true;
    for (const l of this.#options.listeners) {
      if (l.securityProtocol !== 'PLAINTEXT') {
        throw new Error(`listener ${l.name}: security protocol ${l.securityProtocol} is not supported yet (only PLAINTEXT)`);
      }
    }
    try {
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

  /**
   * Closes the listening sockets at once (new connections are refused); open connections are unaffected.
   * Idempotent.
   */
  stopAccepting(): void {
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
    const bound: BoundListener = { config, server, port: 0, connections: 0, closed: Promise.resolve() };
    server.on('connection', (socket) => this.#accept(bound, socket));
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new Error(`listener ${config.name}: cannot bind ${config.host}:${config.port}: ${err.message}`, { cause: err }));
      server.once('error', onError);
      const host = config.host === '' ? undefined : config.host;
      server.listen({ port: config.port, host }, () => {
        server.off('error', onError);
        server.on('error', (err) => this.#logger.error({ err, listener: config.name }, 'listener error'));
        const addr = server.address();
        bound.port = typeof addr === 'object' && addr !== null ? addr.port : config.port;
        this.#listeners.set(config.name, bound);
        this.#logger.info({ listener: config.name, host: config.host, port: bound.port }, 'listening');
        resolve();
      });
    });
  }

  #accept(listener: BoundListener, socket: net.Socket): void {
    if (socket.remoteAddress === undefined) {
      // Reset before we saw it: nothing to serve.
      socket.destroy();
      return;
    }
    const index = this.#nextConnectionIndex++;
    // Kafka's connection id: localHost:localPort-remoteHost:remotePort-index (Selector.generateConnectionId).
    const connectionId = `${socket.localAddress}:${socket.localPort}-${socket.remoteAddress}:${socket.remotePort}-${index}`;
    listener.connections++;
    const connection = new Connection({
      socket,
      connectionId,
      listenerName: listener.config.name,
      securityProtocol: listener.config.securityProtocol,
      handler: this.#options.handler,
      maxFrameBytes: this.#options.socketRequestMaxBytes ?? DEFAULT_SOCKET_REQUEST_MAX_BYTES,
      maxInFlightRequests: this.#options.maxInFlightRequestsPerConnection ?? DEFAULT_MAX_IN_FLIGHT,
      idleTimeoutMs: this.#options.connectionsMaxIdleMs ?? DEFAULT_CONNECTIONS_MAX_IDLE_MS,
      sendfileAddon: this.#addon,
      readIntoFrames: true,
      ...(this.#options.framePool === undefined ? {} : { framePool: this.#options.framePool }),
      logger: this.#logger,
      onClose: (c) => {
        this.#connections.delete(c);
        listener.connections--;
        this.#options.metrics?.connectionClosed?.(listener.config.name);
      },
    });
    this.#connections.add(connection);
    this.#options.metrics?.connectionOpened?.(listener.config.name);
  }
}
