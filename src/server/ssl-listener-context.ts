// The TLS context of each SSL listener, from the broker config: Kafka's ssl.* configs with their
// `listener.name.<listener>.` overrides (Kafka's ChannelBuilders read them with valuesWithPrefixOverride).

import type { KafkaConfig } from '../config/kafka-config.ts';
import type { ParsedValue } from '../config/config-def.ts';
import type { SslClientAuth, SslServerSettings } from '../security/ssl/ssl-server-context.ts';
import { SslFactory, type SslReloadPolicy } from '../security/ssl/ssl-factory.ts';

function text(value: ParsedValue): string | null {
  return typeof value === 'string' ? value : null;
}

function list(value: ParsedValue): readonly string[] {
  return Array.isArray(value) ? (value as readonly string[]) : [];
}

/**
 * Builds the TLS context of the SSL listener `listenerName` (upper-case, as in `listeners`).
 * @throws Error naming the listener when its ssl.* settings are invalid or not supported (see sslServerContext):
 *   the broker does not start.
 */
export function sslListenerContext(config: KafkaConfig, listenerName: string): SslFactory {
  return SslFactory.create(sslListenerSettings(config, listenerName));
}

/** What a reload of `listenerName`'s key store may change: `ssl.allow.dn.changes`, `ssl.allow.san.changes`. */
export function sslReloadPolicy(config: KafkaConfig, listenerName: string): SslReloadPolicy {
  return {
    allowDnChanges: config.valueForListener(listenerName, 'ssl.allow.dn.changes') === true,
    allowSanChanges: config.valueForListener(listenerName, 'ssl.allow.san.changes') === true,
  };
}

/** The ssl.* settings of `listenerName`, with its `listener.name.<l>.` overrides. */
export function sslListenerSettings(config: KafkaConfig, listenerName: string): SslServerSettings {
  return {
    listenerName,
    keystoreType: (text(config.valueForListener(listenerName, 'ssl.keystore.type')) ?? 'JKS').toUpperCase(),
    keystoreLocation: text(config.valueForListener(listenerName, 'ssl.keystore.location')),
    keystorePassword: text(config.valueForListener(listenerName, 'ssl.keystore.password')),
    keyPassword: text(config.valueForListener(listenerName, 'ssl.key.password')),
    keystoreKey: text(config.valueForListener(listenerName, 'ssl.keystore.key')),
    keystoreCertificateChain: text(config.valueForListener(listenerName, 'ssl.keystore.certificate.chain')),
    truststoreType: (text(config.valueForListener(listenerName, 'ssl.truststore.type')) ?? 'JKS').toUpperCase(),
    truststoreLocation: text(config.valueForListener(listenerName, 'ssl.truststore.location')),
    truststorePassword: text(config.valueForListener(listenerName, 'ssl.truststore.password')),
    truststoreCertificates: text(config.valueForListener(listenerName, 'ssl.truststore.certificates')),
    clientAuth: (text(config.valueForListener(listenerName, 'ssl.client.auth')) ?? 'none') as SslClientAuth,
    principalMappingRules: text(config.valueForListener(listenerName, 'ssl.principal.mapping.rules')),
    protocol: text(config.valueForListener(listenerName, 'ssl.protocol')) ?? 'TLSv1.3',
    enabledProtocols: list(config.valueForListener(listenerName, 'ssl.enabled.protocols')),
    cipherSuites: list(config.valueForListener(listenerName, 'ssl.cipher.suites')),
  };
}
