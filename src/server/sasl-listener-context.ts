// The SASL side of each SASL_PLAINTEXT / SASL_SSL listener, from the broker config: sasl.enabled.mechanisms and the
// JAAS config of PLAIN, with Kafka's `listener.name.<listener>.[<mechanism>.]` overrides (Kafka's
// SaslChannelBuilder and JaasContext.loadServerContext), SCRAM credentials from the metadata image.

import type { KafkaConfig } from '../config/kafka-config.ts';
import type { Logger } from '../observability/logger.ts';
import type { ChannelAuthenticatorFactory } from '../security/sasl/channel-authenticator.ts';
import { parseJaasConfig } from '../security/sasl/jaas-config.ts';
import { PlainSaslServer } from '../security/sasl/plain-sasl-server.ts';
import { SaslServerAuthenticator, type SaslListenerSettings } from '../security/sasl/sasl-server-authenticator.ts';
import type { SaslServer } from '../security/sasl/sasl-server.ts';
import { scramMechanism } from '../security/sasl/scram-mechanism.ts';
import { ScramSaslServer, type ScramCredentialLookup } from '../security/sasl/scram-sasl-server.ts';

/** The mechanisms this broker serves (OAUTHBEARER and GSSAPI are not built). */
export const SUPPORTED_SASL_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

const PLAIN_LOGIN_MODULE = 'org.apache.kafka.common.security.plain.PlainLoginModule';

/**
 * The PLAIN users of a listener: the `user_<name>` options of the PlainLoginModule entry of its
 * `listener.name.<l>.plain.sasl.jaas.config` (or `listener.name.<l>.sasl.jaas.config`, or `sasl.jaas.config`).
 * @throws Error (the broker does not start) when there is none, it does not parse, or its login module is not
 *   PlainLoginModule. The messages never carry the JAAS text (it holds passwords).
 */
function plainUsers(config: KafkaConfig, listenerName: string): ReadonlyMap<string, string> {
  const jaas = config.valueForListener(listenerName, 'sasl.jaas.config', 'PLAIN');
  const where = `listener ${listenerName}`;
  if (typeof jaas !== 'string' || jaas.trim() === '') {
    throw new Error(`${where}: PLAIN is enabled but no JAAS config names its users: set listener.name.${listenerName.toLowerCase()}.plain.sasl.jaas.config`);
  }
  let modules;
  try {
    modules = parseJaasConfig(jaas);
  } catch (err) {
    throw new Error(`${where}: the PLAIN sasl.jaas.config does not parse: ${(err as Error).message}`);
  }
  const plain = modules.find((m) => m.loginModule === PLAIN_LOGIN_MODULE);
  if (plain === undefined || modules.length !== 1) {
    throw new Error(`${where}: the PLAIN sasl.jaas.config must hold exactly one ${PLAIN_LOGIN_MODULE} entry`);
  }
  const users = new Map<string, string>();
  for (const [key, value] of plain.options) if (key.startsWith('user_')) users.set(key.slice('user_'.length), value);
  return users;
}

/**
 * Builds the SASL authenticator factory of the SASL_PLAINTEXT or SASL_SSL listener `listenerName`.
 * @param scramCredentials the current SCRAM credentials (the broker's metadata image), read at each authentication
 *   so that credentials created or deleted by AlterUserScramCredentials apply to the next connection.
 * @throws Error naming the listener (the broker does not start) when sasl.enabled.mechanisms is empty or names a
 *   mechanism this broker does not serve (GSSAPI, Kafka's default, and OAUTHBEARER), or PLAIN's JAAS config is
 *   missing or invalid.
 */
export function saslListenerContext(config: KafkaConfig, listenerName: string, scramCredentials: ScramCredentialLookup, logger: Logger): ChannelAuthenticatorFactory {
  const value = config.valueForListener(listenerName, 'sasl.enabled.mechanisms');
  const mechanisms = Array.isArray(value) ? (value as readonly string[]) : [];
  if (mechanisms.length === 0) throw new Error(`listener ${listenerName}: sasl.enabled.mechanisms is empty`);
  const unsupported = mechanisms.filter((m) => !SUPPORTED_SASL_MECHANISMS.includes(m));
  if (unsupported.length > 0) {
    throw new Error(`listener ${listenerName}: sasl.enabled.mechanisms names ${unsupported.join(', ')}, which this broker does not support (it supports ${SUPPORTED_SASL_MECHANISMS.join(', ')})`);
  }
  const users = mechanisms.includes('PLAIN') ? plainUsers(config, listenerName) : new Map<string, string>();
  const settings: SaslListenerSettings = {
    enabledMechanisms: mechanisms,
    newSaslServer: (mechanism: string): SaslServer => {
      const scram = scramMechanism(mechanism);
      if (scram !== undefined) return new ScramSaslServer(scram, scramCredentials);
      return new PlainSaslServer((name) => users.get(name));
    },
    logger: logger.child({ listener: listenerName }),
  };
  return (connection, services) => new SaslServerAuthenticator(settings, connection, services);
}
