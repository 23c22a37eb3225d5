import net from 'node:net';
import type { SecurityProtocol } from './request-handler.ts';

/**
 * Opens the transport of a {@link NetworkClient} connection, after the role of Kafka's `ChannelBuilder` on the
 * client side: PLAINTEXT today ({@link PLAINTEXT_SOCKET_FACTORY}); SSL (issue 18) plugs in a factory around
 * `tls.connect` whose TLSSocket is a net.Socket that calls `onReady` on 'secureConnect'. SASL, which needs
 * requests on the connection before it is usable, is not covered by this interface yet.
 */
export interface SocketFactory {
  /** The security protocol this factory implements (for logs and for matching the listener's protocol). */
  readonly securityProtocol: SecurityProtocol;
  /**
   * Starts opening a connection to `host:port` and returns its socket at once. `onReady` is called once the
   * transport can carry Kafka requests (TCP connected; TLS handshake done). Failures are the socket's 'error' and
   * 'close' events; a synchronous throw counts as a failed connection attempt.
   * @param onread when given and the transport supports it (plain TCP), received bytes go into the Buffers it
   *   picks instead of 'data' events (Node's `onread`); a factory that cannot honour it ignores it and emits
   *   'data' events as usual.
   */
  connect(host: string, port: number, onReady: () => void, onread?: net.OnReadOpts): net.Socket;
}

/**
 * Plain TCP, configured as Kafka's Selector configures client sockets: TCP_NODELAY (requests are small and
 * latency-sensitive: Raft votes, heartbeats) and SO_KEEPALIVE.
 */
export const PLAINTEXT_SOCKET_FACTORY: SocketFactory = {
  securityProtocol: 'PLAINTEXT',
  connect(host, port, onReady, onread) {
    const socket = net.connect(onread === undefined ? { host, port, noDelay: true, keepAlive: true } : { host, port, noDelay: true, keepAlive: true, onread });
    socket.once('connect', onReady);
    return socket;
  },
};
