import tls from 'node:tls';
import type { SslClientContext } from '../security/client/ssl-client-context.ts';
import type { SocketFactory } from './socket-factory.ts';

/**
 * The transport of the broker's own SSL and SASL_SSL connections (Kafka's SslChannelBuilder in client mode): a TLS
 * connection verified by `context` (trust store, host name when ssl.endpoint.identification.algorithm=https),
 * ready on 'secureConnect'. A failed verification is the socket's 'error' (the connection attempt fails and the
 * node enters its reconnect backoff). TCP_NODELAY and SO_KEEPALIVE as the plaintext factory; received bytes come as
 * 'data' events (the `onread` option is ignored: TLS decrypts into its own buffers).
 */
export function tlsSocketFactory(securityProtocol: 'SSL' | 'SASL_SSL', context: SslClientContext): SocketFactory {
  return {
    securityProtocol,
    connect(host, port, onReady) {
      const socket = tls.connect({ host, port, ...context.connectOptions(host) });
      socket.setNoDelay(true);
      socket.setKeepAlive(true);
      socket.once('secureConnect', onReady);
      return socket;
    },
  };
}
