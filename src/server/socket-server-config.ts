// The SocketServer settings of a broker config (Kafka's SocketServerConfigs), for the broker and controller listeners.

import type { KafkaConfig } from '../config/kafka-config.ts';
import { parseMaxConnectionsPerIpOverrides } from '../config/max-connections-per-ip-overrides.ts';
import type { ConnectionQuotaConfig, ListenerConnectionQuota } from '../network/connection-quotas.ts';
import type { Endpoint } from '../config/endpoint.ts';
import type { ListenerConfig, SocketServerOptions } from '../network/socket-server.ts';
import { sslListenerContext } from './ssl-listener-context.ts';
import { saslListenerContext } from './sasl-listener-context.ts';
import type { ScramCredentialLookup } from '../security/sasl/scram-sasl-server.ts';
import { rootLogger, type Logger } from '../observability/logger.ts';

/** The options of {@link SocketServerOptions} that come straight from configs read at start-up. */
export type SocketServerSettings = Pick<
  SocketServerOptions,
  | 'socketRequestMaxBytes'
  | 'firstRequestMaxBytes'
  | 'connectionsMaxIdleMs'
  | 'failedAuthenticationDelayMs'
  | 'maxInFlightRequestsPerConnection'
  | 'socketSendBufferBytes'
  | 'socketReceiveBufferBytes'
  | 'listenBacklogSize'
>;

/**
 * socket.request.max.bytes, sasl.server.max.receive.size (the frame limit before a connection's first request),
 * connections.max.idle.ms, queued.max.requests (per-connection pipelining depth), socket.send.buffer.bytes,
 * socket.receive.buffer.bytes and socket.listen.backlog.size.
 */
export function socketServerSettings(config: KafkaConfig): SocketServerSettings {
  return {
    socketRequestMaxBytes: config.getInt('socket.request.max.bytes'),
    firstRequestMaxBytes: config.getInt('sasl.server.max.receive.size'),
    connectionsMaxIdleMs: config.getLong('connections.max.idle.ms'),
    failedAuthenticationDelayMs: config.getInt('connection.failed.authentication.delay.ms'),
    maxInFlightRequestsPerConnection: config.getInt('queued.max.requests'),
    socketSendBufferBytes: config.getInt('socket.send.buffer.bytes'),
    socketReceiveBufferBytes: config.getInt('socket.receive.buffer.bytes'),
    listenBacklogSize: config.getInt('socket.listen.backlog.size'),
  };
}

const quotaConfigs = new WeakMap<KafkaConfig, ConnectionQuotaConfig>();

/**
 * The connection limits of `config` for the broker's listeners: max.connections, max.connection.creation.rate
 * (with their `listener.name.<listener>.` overrides, the broker-wide value otherwise, as Kafka's
 * ListenerConnectionQuota reads them), max.connections.per.ip(.overrides), the inter-broker listener and the quota
 * windows. The same object for the same config (ConnectionQuotas re-applies only on a change).
 */
export function connectionQuotaConfig(config: KafkaConfig, listenerNames: readonly string[]): ConnectionQuotaConfig {
  const cached = quotaConfigs.get(config);
  if (cached !== undefined) return cached;
  const listeners = new Map<string, ListenerConnectionQuota>();
  for (const name of listenerNames) {
    listeners.set(name, {
      maxConnections: config.valueForListener(name, 'max.connections') as number,
      maxConnectionCreationRate: config.valueForListener(name, 'max.connection.creation.rate') as number,
    });
  }
  const quotas: ConnectionQuotaConfig = {
    maxConnections: config.getInt('max.connections'),
    maxConnectionCreationRate: config.getInt('max.connection.creation.rate'),
    maxConnectionsPerIp: config.getInt('max.connections.per.ip'),
    maxConnectionsPerIpOverrides: parseMaxConnectionsPerIpOverrides(config.getString('max.connections.per.ip.overrides') ?? ''),
    listeners,
    interBrokerListenerName: config.interBrokerListenerName,
    quotaWindowSizeMs: config.getInt('quota.window.size.seconds') * 1000,
    quotaWindowNum: config.getInt('quota.window.num'),
  };
  quotaConfigs.set(config, quotas);
  return quotas;
}

/** No SCRAM credentials (a server without a metadata image of users, e.g. the controller). */
const NO_SCRAM_CREDENTIALS: ScramCredentialLookup = () => undefined;

/**
 * The SocketServer listeners of `endpoints`: SSL and SASL_SSL ones with their TLS context (ssl.* configs), SASL
 * ones with their authenticator (sasl.* configs; SCRAM credentials from `scramCredentials`).
 * @throws Error when a listener's ssl.* or sasl.* settings are invalid or not supported (the broker does not start).
 */
export function socketServerListeners(
  config: KafkaConfig,
  endpoints: readonly Endpoint[],
  scramCredentials: ScramCredentialLookup = NO_SCRAM_CREDENTIALS,
  logger: Logger = rootLogger.child({ component: 'SaslServerAuthenticator' }),
): ListenerConfig[] {
  return endpoints.map((l) => {
    const p = l.securityProtocol;
    return {
      name: l.listenerName,
      host: l.host ?? '',
      port: l.port,
      securityProtocol: p,
      ...(p === 'SSL' || p === 'SASL_SSL' ? { tls: sslListenerContext(config, l.listenerName) } : {}),
      ...(p === 'SASL_PLAINTEXT' || p === 'SASL_SSL' ? { authenticator: saslListenerContext(config, l.listenerName, scramCredentials, logger) } : {}),
    };
  });
}
