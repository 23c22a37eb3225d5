// Security configs of Kafka 3.9: `BrokerSecurityConfigs.CONFIG_DEF` (SSL, SASL, principal mapping),
// `ServerConfigs.AUTHORIZER_CLASS_NAME_CONFIG`, and the two `StandardAuthorizer` settings that Kafka reads from
// the originals. Every SSL/SASL config listed in `DynamicListenerConfig.ReconfigurableConfigs` or
// `SslConfigs.RECONFIGURABLE_CONFIGS` is per-broker dynamic; all of them may also be set per listener as
// `listener.name.<listener>.<config>` (SASL login/JAAS settings as `listener.name.<l>.<mechanism>.<config>`).

import { defineBroker as def, oneOf, validator } from './config-def.ts';

/**
 * The one `sasl.server.callback.handler.class` accepted: Kafka's handler that validates signed OAUTHBEARER tokens
 * with the keys of sasl.oauthbearer.jwks.endpoint.url (KIP-768).
 */
export const OAUTHBEARER_VALIDATOR_CALLBACK_HANDLER = 'org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler';

/** The one `authorizer.class.name` accepted: Kafka's KRaft ACL authorizer (KIP-801). */
export const STANDARD_AUTHORIZER_CLASS = 'org.apache.kafka.metadata.authorizer.StandardAuthorizer';

const PER_BROKER = 'per-broker';

/** Why the configs of this file stop the start when set to anything but their default. */
const TLS = 'a Java TLS plug-in setting, which this broker (OpenSSL through Node) cannot honour';
/** Why the ssl.* configs other than the key and trust stores refuse dynamic updates (only the stores are reloaded). */
const RELOAD = 'SSL listeners read this ssl.* config at start-up; only the key store and trust store configs are reloaded';
const SASL = 'this SASL setting is not supported (PLAIN, SCRAM and OAUTHBEARER, unsecured or JWKS-validated, on client listeners are)';
/** Why the implemented sasl.* configs refuse dynamic updates although Kafka reloads them. */
const SASL_RELOAD = 'SASL listeners read their sasl.* configs at start-up; reloading them is not built';
const TLS_SASL = 'TLS and SASL are not supported yet';
const PRINCIPALS = 'principal builders are Java plug-in classes, which this broker cannot load';

/**
 * The SASL mechanisms of the broker's own connections to other nodes (sasl.mechanism.inter.broker.protocol,
 * sasl.mechanism.controller.protocol): GSSAPI and OAUTHBEARER clients are not built.
 */
export const CLIENT_SASL_MECHANISMS: readonly string[] = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/** Kafka's `ConfigDef.NonNullValidator`. */
const nonNull = validator('non-null string', () => null);

/** SSL, SASL and authorization configs. */
export const BROKER_SECURITY_CONFIGS = [
  def('authorizer.class.name', 'STRING', '', 'Authorizer: empty (none) or org.apache.kafka.metadata.authorizer.StandardAuthorizer (ACLs in the metadata log); PLAINTEXT nodes need super.users=User:ANONYMOUS.', {
    v: {
      describe: `["", ${STANDARD_AUTHORIZER_CLASS}]`,
      check: (v) => (v === '' || v === STANDARD_AUTHORIZER_CLASS ? null : `Only ${STANDARD_AUTHORIZER_CLASS} is supported (authorizer plug-ins are Java classes, which this broker cannot load)`),
    },
    imp: 'LOW',
  }),
  def('super.users', 'STRING', null, 'Semicolon-separated principals (User:name) allowed every operation whatever the ACLs; read by the StandardAuthorizer.', {
    imp: 'LOW',
  }),
  def('allow.everyone.if.no.acl.found', 'BOOLEAN', 'false', 'Whether a resource without any ACL is open to everyone; read by the StandardAuthorizer.', {
    imp: 'LOW',
  }),
  def('connections.max.reauth.ms', 'LONG', '0', 'Longest SASL session in ms (KIP-368) before the connection must re-authenticate, else it is closed at its next request (0: none).'),
  def('sasl.server.max.receive.size', 'INT', '524288', 'Largest frame in bytes (SASL token or request) accepted before authentication completes.'),
  def('security.providers', 'STRING', null, 'Security provider creator classes (Java).', { imp: 'LOW', refused: TLS_SASL }),
  def('principal.builder.class', 'CLASS', 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder',
    'Class that builds the principal of a connection.', { dyn: PER_BROKER, refused: PRINCIPALS }),
  def('ssl.client.auth', 'STRING', 'none', 'Whether TLS client certificates are required, requested or not asked for.', {
    v: oneOf('required', 'requested', 'none'), dyn: PER_BROKER, noReload: RELOAD,
  }),
  def('ssl.principal.mapping.rules', 'STRING', 'DEFAULT', 'Rules mapping a certificate distinguished name to a principal name.', { imp: 'LOW' }),
  def('ssl.allow.dn.changes', 'BOOLEAN', 'false', 'Whether a reloaded keystore may change the certificate DN.', { imp: 'LOW' }),
  def('ssl.allow.san.changes', 'BOOLEAN', 'false', 'Whether a reloaded keystore may change the certificate SANs.', { imp: 'LOW' }),
  def('ssl.protocol', 'STRING', 'TLSv1.3', 'TLS protocol used to create the TLS context.', { dyn: PER_BROKER, noReload: RELOAD }),
  def('ssl.provider', 'STRING', null, 'Security provider of TLS connections (Java only).', { dyn: PER_BROKER, refused: TLS }),
  def('ssl.enabled.protocols', 'LIST', 'TLSv1.2,TLSv1.3', 'TLS protocol versions accepted.', { dyn: PER_BROKER, noReload: RELOAD }),
  def('ssl.keystore.type', 'STRING', 'JKS', 'Format of the key store: PKCS12 or PEM (JKS, a Java format, stops the start).', { dyn: PER_BROKER }),
  def('ssl.keystore.location', 'STRING', null, 'Path of the key store file.', { dyn: PER_BROKER }),
  def('ssl.keystore.password', 'PASSWORD', null, 'Password of the key store file.', { dyn: PER_BROKER }),
  def('ssl.key.password', 'PASSWORD', null, 'Password of the private key.', { dyn: PER_BROKER }),
  def('ssl.keystore.key', 'PASSWORD', null, 'PEM private key given inline (ssl.keystore.type=PEM).', { dyn: PER_BROKER }),
  def('ssl.keystore.certificate.chain', 'PASSWORD', null, 'PEM certificate chain given inline (ssl.keystore.type=PEM).', {
    dyn: PER_BROKER,
  }),
  def('ssl.truststore.type', 'STRING', 'JKS', 'Format of the trust store: PEM (PKCS12 and JKS stop the start).', { dyn: PER_BROKER }),
  def('ssl.truststore.location', 'STRING', null, 'Path of the trust store file.', { dyn: PER_BROKER }),
  def('ssl.truststore.password', 'PASSWORD', null, 'Password of the trust store file.', { dyn: PER_BROKER }),
  def('ssl.truststore.certificates', 'PASSWORD', null, 'PEM trusted certificates given inline (ssl.truststore.type=PEM).', {
    dyn: PER_BROKER,
  }),
  def('ssl.keymanager.algorithm', 'STRING', 'SunX509', 'Key manager algorithm (Java only).', { dyn: PER_BROKER, refused: TLS }),
  def('ssl.trustmanager.algorithm', 'STRING', 'PKIX', 'Trust manager algorithm (Java only).', { dyn: PER_BROKER, refused: TLS }),
  def('ssl.endpoint.identification.algorithm', 'STRING', 'https', 'Host name verification of the peer certificate on the broker\'s own TLS connections to other nodes (https, or empty to disable).', {
    imp: 'LOW', dyn: PER_BROKER, noReload: RELOAD,
  }),
  def('ssl.secure.random.implementation', 'STRING', null, 'SecureRandom implementation for TLS (Java only).', {
    imp: 'LOW', dyn: PER_BROKER, refused: TLS,
  }),
  def('ssl.cipher.suites', 'LIST', '', 'Cipher suites allowed (empty: all supported).', { dyn: PER_BROKER, noReload: RELOAD }),
  def('ssl.engine.factory.class', 'CLASS', null, 'Custom SSLEngine factory class (Java only).', { imp: 'LOW', dyn: PER_BROKER, refused: TLS }),
  def('sasl.mechanism.inter.broker.protocol', 'STRING', 'GSSAPI', 'SASL mechanism of the broker\'s own connections to a SASL inter-broker listener: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (credentials: the username and password of the listener\'s JAAS entry).', {
    dyn: PER_BROKER, noReload: SASL_RELOAD,
  }),
  def('sasl.enabled.mechanisms', 'LIST', 'GSSAPI', 'SASL mechanisms the broker accepts: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER (unsecured tokens, or signed ones with the JWKS validator; others stop the start of a SASL listener).', {
    dyn: PER_BROKER, noReload: SASL_RELOAD,
  }),
  def('sasl.server.callback.handler.class', 'CLASS', null, 'SASL server callback handler: only OAuthBearerValidatorCallbackHandler (OAUTHBEARER tokens signed by the keys of the JWKS endpoint).', {
    v: {
      describe: `[null, ${OAUTHBEARER_VALIDATOR_CALLBACK_HANDLER}]`,
      check: (v) => (v === null || v === OAUTHBEARER_VALIDATOR_CALLBACK_HANDLER ? null : `Only ${OAUTHBEARER_VALIDATOR_CALLBACK_HANDLER} is supported (callback handlers are Java classes, which this broker cannot load)`),
    },
  }),
  def('sasl.kerberos.principal.to.local.rules', 'LIST', 'DEFAULT', 'Rules mapping Kerberos principals to short names.', {
    dyn: PER_BROKER, refused: SASL,
  }),
  def('sasl.jaas.config', 'PASSWORD', null, 'JAAS login context for SASL, usually set per listener and mechanism (PLAIN users as user_<name>="<password>").', {
    dyn: PER_BROKER, noReload: SASL_RELOAD,
  }),
  def('sasl.client.callback.handler.class', 'CLASS', null, 'SASL client callback handler class (Java only).', { refused: SASL }),
  def('sasl.login.class', 'CLASS', null, 'Login class for SASL (Java only).', { refused: SASL }),
  def('sasl.login.callback.handler.class', 'CLASS', null, 'SASL login callback handler class (Java only).', { refused: SASL }),
  def('sasl.kerberos.service.name', 'STRING', null, 'Kerberos principal name the broker runs as.', { dyn: PER_BROKER, refused: SASL }),
  def('sasl.kerberos.kinit.cmd', 'STRING', '/usr/bin/kinit', 'Path of the kinit command.', { dyn: PER_BROKER, refused: SASL }),
  def('sasl.kerberos.ticket.renew.window.factor', 'DOUBLE', '0.8', 'Fraction of a ticket lifetime after which it is renewed.', {
    dyn: PER_BROKER, refused: SASL,
  }),
  def('sasl.kerberos.ticket.renew.jitter', 'DOUBLE', '0.05', 'Random jitter fraction added to the ticket renewal time.', {
    dyn: PER_BROKER, refused: SASL,
  }),
  def('sasl.kerberos.min.time.before.relogin', 'LONG', '60000', 'Minimum time in ms between Kerberos relogins.', { dyn: PER_BROKER, refused: SASL }),
  def('sasl.login.refresh.window.factor', 'DOUBLE', '0.8', 'Fraction of a credential lifetime after which it is refreshed.', {
    dyn: PER_BROKER, refused: SASL,
  }),
  def('sasl.login.refresh.window.jitter', 'DOUBLE', '0.05', 'Random jitter fraction added to the credential refresh time.', {
    dyn: PER_BROKER, refused: SASL,
  }),
  def('sasl.login.refresh.min.period.seconds', 'SHORT', '60', 'Minimum time in seconds between credential refreshes.', {
    dyn: PER_BROKER, refused: SASL,
  }),
  def('sasl.login.refresh.buffer.seconds', 'SHORT', '300', 'Time in seconds before credential expiry to keep when refreshing.', {
    dyn: PER_BROKER, refused: SASL,
  }),
  def('sasl.login.connect.timeout.ms', 'INT', null, 'Connect timeout in ms of the OAuth login provider.', { imp: 'LOW', refused: SASL }),
  def('sasl.login.read.timeout.ms', 'INT', null, 'Read timeout in ms of the OAuth login provider.', { imp: 'LOW', refused: SASL }),
  def('sasl.login.retry.backoff.max.ms', 'LONG', '10000', 'Maximum backoff in ms between OAuth login attempts.', { imp: 'LOW', refused: SASL }),
  def('sasl.login.retry.backoff.ms', 'LONG', '100', 'Initial backoff in ms between OAuth login attempts.', { imp: 'LOW', refused: SASL }),
  def('sasl.oauthbearer.scope.claim.name', 'STRING', 'scope', 'JWT claim holding the OAuth scopes.', { imp: 'LOW' }),
  def('sasl.oauthbearer.sub.claim.name', 'STRING', 'sub', 'JWT claim holding the OAuth subject.', { imp: 'LOW' }),
  def('sasl.oauthbearer.token.endpoint.url', 'STRING', null, 'URL of the OAuth token endpoint.', { refused: SASL }),
  def('sasl.oauthbearer.jwks.endpoint.url', 'STRING', null, 'URL of the JWKS endpoint used to verify OAuth tokens.'),
  def('sasl.oauthbearer.jwks.endpoint.refresh.ms', 'LONG', '3600000', 'How often in ms the JWKS keys are refreshed.', { imp: 'LOW' }),
  def('sasl.oauthbearer.jwks.endpoint.retry.backoff.ms', 'LONG', '100', 'Initial backoff in ms between JWKS fetch attempts.', {
    imp: 'LOW', refused: SASL,
  }),
  def('sasl.oauthbearer.jwks.endpoint.retry.backoff.max.ms', 'LONG', '10000', 'Maximum backoff in ms between JWKS fetch attempts.', {
    imp: 'LOW', refused: SASL,
  }),
  def('sasl.oauthbearer.clock.skew.seconds', 'INT', '30', 'Clock skew in seconds tolerated when checking OAuth token times.', { imp: 'LOW' }),
  def('sasl.oauthbearer.expected.audience', 'LIST', null, 'Audiences an OAuth token must name.', { imp: 'LOW' }),
  def('sasl.oauthbearer.expected.issuer', 'STRING', null, 'Issuer an OAuth token must name.', { imp: 'LOW' }),
] as const;

/**
 * SASL configs that are set per listener and per mechanism: `listener.name.<l>.<mechanism>.<config>`
 * (Kafka's `DynamicBrokerConfig.ListenerMechanismConfigs`).
 */
export const LISTENER_MECHANISM_CONFIGS: readonly string[] = [
  'sasl.jaas.config',
  'sasl.login.callback.handler.class',
  'sasl.login.class',
  'sasl.server.callback.handler.class',
  'connections.max.reauth.ms',
  // Read with the mechanism prefix first by Kafka's OAuth ConfigurationUtils (listener.name.<l>.oauthbearer.<config>).
  'sasl.oauthbearer.jwks.endpoint.url',
  'sasl.oauthbearer.jwks.endpoint.refresh.ms',
  'sasl.oauthbearer.expected.audience',
  'sasl.oauthbearer.expected.issuer',
  'sasl.oauthbearer.scope.claim.name',
  'sasl.oauthbearer.sub.claim.name',
  'sasl.oauthbearer.clock.skew.seconds',
  'sasl.oauthbearer.allow.unverified.audience',
  'sasl.oauthbearer.allow.unverified.issuer',
];
