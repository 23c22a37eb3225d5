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
import { OAuthBearerSaslServer, type OAuthBearerTokenValidator } from '../security/sasl/oauth-bearer-sasl-server.ts';
import { BrokerJwtValidator } from '../security/sasl/broker-jwt-validator.ts';
import { OAUTHBEARER_VALIDATOR_CALLBACK_HANDLER } from '../config/broker-security-configs.ts';
import { unsecuredJwsValidatorOptions, validateUnsecuredJws } from '../security/sasl/unsecured-jws-validator.ts';

/** The mechanisms this broker serves (GSSAPI is not built). */
export const SUPPORTED_SASL_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'];

const LOGIN_MODULES: Readonly<Record<string, string>> = {
  PLAIN: 'org.apache.kafka.common.security.plain.PlainLoginModule',
  OAUTHBEARER: 'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule',
  'SCRAM-SHA-256': 'org.apache.kafka.common.security.scram.ScramLoginModule',
  'SCRAM-SHA-512': 'org.apache.kafka.common.security.scram.ScramLoginModule',
};

/**
 * The options of the login module of `mechanism` (PLAIN, OAUTHBEARER; SCRAM for the broker's own connections,
 * client-channel-builder.ts) in the listener's
 * `listener.name.<l>.<mechanism>.sasl.jaas.config` (or `listener.name.<l>.sasl.jaas.config`, or `sasl.jaas.config`),
 * as Kafka's JaasContext.loadServerContext finds it.
 * @throws Error (the broker does not start) when there is none, it does not parse, or it is not exactly one entry of
 *   the mechanism's login module. The messages never carry the JAAS text (it holds passwords).
 */
export function loginModuleOptions(
  config: KafkaConfig,
  listenerName: string,
  mechanism: string,
  missing = `${mechanism} is enabled but has no JAAS config`,
): ReadonlyMap<string, string> {
  const jaas = config.valueForListener(listenerName, 'sasl.jaas.config', mechanism);
  const where = `listener ${listenerName}`;
  const prefix = `listener.name.${listenerName.toLowerCase()}.${mechanism.toLowerCase()}.sasl.jaas.config`;
  if (typeof jaas !== 'string' || jaas.trim() === '') throw new Error(`${where}: ${missing}: set ${prefix}`);
  let modules;
  try {
    modules = parseJaasConfig(jaas);
  } catch (err) {
    throw new Error(`${where}: the ${mechanism} sasl.jaas.config does not parse: ${(err as Error).message}`);
  }
  const module = LOGIN_MODULES[mechanism]!;
  if (modules.length !== 1 || modules[0]!.loginModule !== module) throw new Error(`${where}: the ${mechanism} sasl.jaas.config must hold exactly one ${module} entry`);
  return modules[0]!.options;
}

/** The PLAIN users of a listener: the `user_<name>` options of its PlainLoginModule entry. */
function plainUsers(config: KafkaConfig, listenerName: string): ReadonlyMap<string, string> {
  const users = new Map<string, string>();
  for (const [key, value] of loginModuleOptions(config, listenerName, 'PLAIN')) if (key.startsWith('user_')) users.set(key.slice('user_'.length), value);
  return users;
}

/**
 * The JWKS validator of a listener whose `listener.name.<l>.oauthbearer.sasl.server.callback.handler.class` is
 * Kafka's OAuthBearerValidatorCallbackHandler, from the sasl.oauthbearer.* configs (mechanism-prefixed first), with
 * Kafka 4.4's start-up checks (BrokerJwtValidator, OAuthBearerValidatorCallbackHandler).
 * @throws Error (the broker does not start) without a JWKS URL, without an expected audience (issuer) unless
 *   sasl.oauthbearer.allow.unverified.audience (issuer) is true, or for a JWKS file that cannot be read.
 */
function jwksValidator(config: KafkaConfig, listenerName: string, logger: Logger): OAuthBearerTokenValidator {
  const l = listenerName;
  const m = 'OAUTHBEARER';
  const where = `listener ${listenerName}`;
  const url = config.valueForListener(l, 'sasl.oauthbearer.jwks.endpoint.url', m);
  if (typeof url !== 'string' || url.trim() === '') {
    throw new Error(`${where}: the OAuth validator for the broker requires "sasl.oauthbearer.jwks.endpoint.url" so that JWT signatures can be verified, but it was not set`);
  }
  const audience = (config.valueForListener(l, 'sasl.oauthbearer.expected.audience', m) as readonly string[] | null) ?? [];
  const issuer = config.valueForListener(l, 'sasl.oauthbearer.expected.issuer', m) as string | null;
  if (audience.length === 0 && config.valueForListener(l, 'sasl.oauthbearer.allow.unverified.audience', m) !== true) {
    throw new Error(`${where}: the OAuth validator for the broker requires "sasl.oauthbearer.expected.audience" (or "sasl.oauthbearer.allow.unverified.audience"=true to accept tokens regardless of their audience)`);
  }
  if (issuer === null && config.valueForListener(l, 'sasl.oauthbearer.allow.unverified.issuer', m) !== true) {
    throw new Error(`${where}: the OAuth validator for the broker requires "sasl.oauthbearer.expected.issuer" (or "sasl.oauthbearer.allow.unverified.issuer"=true to accept tokens regardless of their issuer)`);
  }
  if (audience.length === 0) logger.warn({ listener: listenerName }, 'OAUTHBEARER JWKS validator without sasl.oauthbearer.expected.audience: tokens of any audience are accepted');
  if (issuer === null) logger.warn({ listener: listenerName }, 'OAUTHBEARER JWKS validator without sasl.oauthbearer.expected.issuer: tokens of any issuer are accepted');
  let validator: BrokerJwtValidator;
  try {
    validator = new BrokerJwtValidator({
      jwksEndpointUrl: url.trim(),
      jwksRefreshMs: Number(config.valueForListener(l, 'sasl.oauthbearer.jwks.endpoint.refresh.ms', m)),
      expectedAudience: audience,
      expectedIssuer: issuer,
      scopeClaimName: String(config.valueForListener(l, 'sasl.oauthbearer.scope.claim.name', m)),
      subClaimName: String(config.valueForListener(l, 'sasl.oauthbearer.sub.claim.name', m)),
      clockSkewSeconds: Number(config.valueForListener(l, 'sasl.oauthbearer.clock.skew.seconds', m)),
    });
  } catch (err) {
    throw new Error(`${where}: sasl.oauthbearer.jwks.endpoint.url: ${(err as Error).message}`);
  }
  logger.info({ listener: listenerName, jwksEndpointUrl: url.trim(), expectedAudience: audience, expectedIssuer: issuer }, 'OAUTHBEARER validates signed tokens with JWKS');
  return (token, nowMs) => validator.validate(token, nowMs);
}

/**
 * The OAUTHBEARER token validator of a listener: the JWKS one when its callback handler is Kafka's
 * OAuthBearerValidatorCallbackHandler, else Kafka's default unsecured one (options from the OAuthBearerLoginModule
 * JAAS entry, which both require, as Kafka's JaasContext does).
 * @throws Error (the broker does not start) for a missing JAAS entry, an invalid option, or a JWKS URL set while
 *   the unsecured validator is in force (Kafka would ignore it: tokens would go unchecked).
 */
function oauthBearerValidator(config: KafkaConfig, listenerName: string, logger: Logger): OAuthBearerTokenValidator {
  let options;
  try {
    options = unsecuredJwsValidatorOptions(loginModuleOptions(config, listenerName, 'OAUTHBEARER'));
  } catch (err) {
    throw new Error(`listener ${listenerName}: ${(err as Error).message}`);
  }
  if (config.valueForListener(listenerName, 'sasl.server.callback.handler.class', 'OAUTHBEARER') === OAUTHBEARER_VALIDATOR_CALLBACK_HANDLER) {
    return jwksValidator(config, listenerName, logger);
  }
  if (config.valueForListener(listenerName, 'sasl.oauthbearer.jwks.endpoint.url', 'OAUTHBEARER') !== null) {
    throw new Error(
      `listener ${listenerName}: sasl.oauthbearer.jwks.endpoint.url is set but OAUTHBEARER uses the unsecured validator: set listener.name.${listenerName.toLowerCase()}.oauthbearer.sasl.server.callback.handler.class=${OAUTHBEARER_VALIDATOR_CALLBACK_HANDLER}`,
    );
  }
  logger.warn({ listener: listenerName }, 'OAUTHBEARER accepts unsecured JWS tokens (alg none, not signed): for development only');
  return (token, nowMs) => validateUnsecuredJws(token, options, nowMs);
}

/**
 * Builds the SASL authenticator factory of the SASL_PLAINTEXT or SASL_SSL listener `listenerName`.
 * @param scramCredentials the current SCRAM credentials (the broker's metadata image), read at each authentication
 *   so that credentials created or deleted by AlterUserScramCredentials apply to the next connection.
 * @throws Error naming the listener (the broker does not start) when sasl.enabled.mechanisms is empty or names a
 *   mechanism this broker does not serve (GSSAPI, Kafka's default), or the JAAS config of PLAIN or OAUTHBEARER is
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
  for (const m of mechanisms) {
    if (m !== 'OAUTHBEARER' && config.valueForListener(listenerName, 'sasl.server.callback.handler.class', m) !== null) {
      throw new Error(`listener ${listenerName}: sasl.server.callback.handler.class applies to OAUTHBEARER only here (set it as listener.name.${listenerName.toLowerCase()}.oauthbearer.sasl.server.callback.handler.class); ${m} has no callback handler to replace`);
    }
  }
  const users = mechanisms.includes('PLAIN') ? plainUsers(config, listenerName) : new Map<string, string>();
  const oauth = mechanisms.includes('OAUTHBEARER') ? oauthBearerValidator(config, listenerName, logger) : null;
  const tokenLogger = logger.child({ listener: listenerName, mechanism: 'OAUTHBEARER' });
  const settings: SaslListenerSettings = {
    enabledMechanisms: mechanisms,
    connectionsMaxReauthMs: new Map(mechanisms.map((m) => [m, Number(config.valueForListener(listenerName, 'connections.max.reauth.ms', m))])),
    newSaslServer: (mechanism: string): SaslServer => {
      const scram = scramMechanism(mechanism);
      if (scram !== undefined) return new ScramSaslServer(scram, scramCredentials);
      if (mechanism === 'OAUTHBEARER') return new OAuthBearerSaslServer(oauth!, Date.now, (reason) => tokenLogger.debug({ reason }, 'OAUTHBEARER token refused'));
      return new PlainSaslServer((name) => users.get(name));
    },
    logger: logger.child({ listener: listenerName }),
  };
  return (connection, services, reauthentication) => new SaslServerAuthenticator(settings, connection, services, reauthentication);
}
