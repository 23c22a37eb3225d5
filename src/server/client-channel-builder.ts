// The security of the broker's own outgoing connections, after Kafka's ChannelBuilders.clientChannelBuilder with
// JaasContext.Type.SERVER: the transport and SASL exchange a NetworkClient uses to reach a listener of another node
// (the inter-broker listener for replica fetchers, transaction markers and AddPartitionsToTxn; the first controller
// listener for Raft, registration, heartbeats and forwarding), from that listener's ssl.* and JAAS configs.

import type { KafkaConfig } from '../config/kafka-config.ts';
import type { ParsedValue } from '../config/config-def.ts';
import { CLIENT_SASL_MECHANISMS } from '../config/broker-security-configs.ts';
import { PLAINTEXT_SOCKET_FACTORY, type SocketFactory } from '../network/socket-factory.ts';
import { tlsSocketFactory } from '../network/tls-socket-factory.ts';
import { PlainSaslClient } from '../security/client/plain-sasl-client.ts';
import { SaslClientAuthenticator, type ClientAuthenticator } from '../security/client/sasl-client-authenticator.ts';
import { ScramSaslClient } from '../security/client/scram-sasl-client.ts';
import { sslClientContext } from '../security/client/ssl-client-context.ts';
import { loginModuleOptions } from './sasl-listener-context.ts';
import { sslListenerSettings } from './ssl-listener-context.ts';
import { scramMechanism } from '../security/sasl/scram-mechanism.ts';

/** What a NetworkClient needs to reach one listener: its options `socketFactory` and `newAuthenticator`. */
export interface ClientChannel {
  readonly listenerName: string;
  readonly socketFactory: SocketFactory;
  readonly newAuthenticator?: () => ClientAuthenticator;
}


function text(value: ParsedValue): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * The `username` and `password` options of the listener's JAAS entry for `mechanism` (Kafka's
 * JaasContext.loadServerContext: `listener.name.<l>.<mechanism>.sasl.jaas.config`; like this broker's SASL
 * listeners, `listener.name.<l>.sasl.jaas.config` and `sasl.jaas.config` are the fallbacks), which the PLAIN and SCRAM
 * login modules use as the credentials of the broker's own connections.
 * @throws Error naming the listener (never the JAAS text, which holds passwords).
 */
function jaasCredentials(config: KafkaConfig, listenerName: string, mechanism: string): { username: string; password: string } {
  const where = `listener ${listenerName}`;
  const options = loginModuleOptions(config, listenerName, mechanism, `the broker's own ${mechanism} connections to it need credentials`);
  const username = options.get('username');
  const password = options.get('password');
  if (username === undefined || username === '' || password === undefined || password === '') {
    throw new Error(`${where}: the ${mechanism} sasl.jaas.config needs the username and password options: the broker's own connections to ${listenerName} authenticate with them`);
  }
  return { username, password };
}

function saslAuthenticatorFactory(config: KafkaConfig, listenerName: string, mechanism: string): () => ClientAuthenticator {
  if (!CLIENT_SASL_MECHANISMS.includes(mechanism)) {
    throw new Error(`listener ${listenerName}: the broker's own connections cannot authenticate with ${mechanism} (supported: ${CLIENT_SASL_MECHANISMS.join(', ')})`);
  }
  const { username, password } = jaasCredentials(config, listenerName, mechanism);
  const scram = scramMechanism(mechanism);
  return () => new SaslClientAuthenticator(scram === undefined ? new PlainSaslClient(username, password) : new ScramSaslClient(scram, username, password));
}

const cache = new WeakMap<KafkaConfig, Map<string, ClientChannel>>();

/**
 * The channel to the listener `listenerName` (as named in listener.security.protocol.map) with the SASL mechanism
 * `saslMechanism` (sasl.mechanism.inter.broker.protocol or sasl.mechanism.controller.protocol; unused unless the
 * listener is SASL_PLAINTEXT or SASL_SSL). Built once per config, listener and mechanism: TLS contexts are shared by
 * every client of the process.
 * @throws Error naming the listener (the broker does not start) when the listener has no security protocol, its
 *   ssl.* settings are invalid (see sslClientContext), the mechanism is not one of CLIENT_SASL_MECHANISMS,
 *   or its JAAS entry lacks the username and password.
 */
export function clientChannelBuilder(config: KafkaConfig, listenerName: string, saslMechanism: string): ClientChannel {
  let byListener = cache.get(config);
  if (byListener === undefined) cache.set(config, (byListener = new Map()));
  const key = `${listenerName}\0${saslMechanism}`;
  const cached = byListener.get(key);
  if (cached !== undefined) return cached;
  const protocol = config.listenerSecurityProtocolMap.get(listenerName);
  if (protocol === undefined) throw new Error(`listener ${listenerName} is not in listener.security.protocol.map`);
  const usesSsl = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const socketFactory: SocketFactory = usesSsl
    ? tlsSocketFactory(protocol, sslClientContext({
      ...sslListenerSettings(config, listenerName),
      endpointIdentificationAlgorithm: text(config.valueForListener(listenerName, 'ssl.endpoint.identification.algorithm')) ?? '',
    }))
    : { ...PLAINTEXT_SOCKET_FACTORY, securityProtocol: protocol };
  const channel: ClientChannel = usesSasl
    ? { listenerName, socketFactory, newAuthenticator: saslAuthenticatorFactory(config, listenerName, saslMechanism) }
    : { listenerName, socketFactory };
  byListener.set(key, channel);
  return channel;
}

/** The channel of the inter-broker listener (inter.broker.listener.name, sasl.mechanism.inter.broker.protocol). */
export function interBrokerClientChannel(config: KafkaConfig): ClientChannel {
  return clientChannelBuilder(config, config.interBrokerListenerName, config.getString('sasl.mechanism.inter.broker.protocol') ?? 'GSSAPI');
}

/**
 * The channel of the controller listener the node connects to (the first of controller.listener.names, as Kafka's
 * RaftManager and RaftControllerNodeProvider use), with sasl.mechanism.controller.protocol.
 */
export function controllerClientChannel(config: KafkaConfig): ClientChannel {
  return clientChannelBuilder(config, config.controllerListenerNames[0] ?? 'CONTROLLER', config.getString('sasl.mechanism.controller.protocol') ?? 'GSSAPI');
}
