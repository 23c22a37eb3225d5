// The TLS context of an SSL listener from Kafka's ssl.* configs, after Kafka's DefaultSslEngineFactory (server
// mode): key store and trust store (PEM files, inline PEM, PKCS12), client authentication, protocols and cipher
// suites; and the principal of a connection from its client certificate (DefaultKafkaPrincipalBuilder).

import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { X509Certificate } from 'node:crypto';
import { javaCipherSuites } from './java-cipher-suites.ts';
import { rfc2253SubjectName } from './rfc2253-name.ts';
import { SslPrincipalMapper } from './ssl-principal-mapper.ts';

/** ssl.client.auth. */
export type SslClientAuth = 'none' | 'requested' | 'required';

/** The ssl.* values of one listener (with its `listener.name.<l>.` overrides applied), as configured. */
export interface SslServerSettings {
  readonly listenerName: string;
  readonly keystoreType: string;
  readonly keystoreLocation: string | null;
  readonly keystorePassword: string | null;
  readonly keyPassword: string | null;
  readonly keystoreKey: string | null;
  readonly keystoreCertificateChain: string | null;
  readonly truststoreType: string;
  readonly truststoreLocation: string | null;
  readonly truststorePassword: string | null;
  readonly truststoreCertificates: string | null;
  readonly clientAuth: SslClientAuth;
  readonly principalMappingRules: string | null;
  /** ssl.protocol: TLSv1.3 (default), TLSv1.2 or TLS. */
  readonly protocol: string;
  /** ssl.enabled.protocols: a subset of TLSv1.2, TLSv1.3. */
  readonly enabledProtocols: readonly string[];
  /** ssl.cipher.suites, Java names; empty: OpenSSL's defaults. */
  readonly cipherSuites: readonly string[];
}

/** What a listener needs to accept TLS connections. */
export interface SslServerContext {
  readonly secureContext: tls.SecureContext;
  readonly clientAuth: SslClientAuth;
  /** The key store's certificate (the one the listener presents): its DN and SANs guard reloads. */
  readonly certificate: X509Certificate | undefined;
  /**
   * The principal name of a connection whose handshake completed: `ANONYMOUS` without a client certificate, else
   * the mapped RFC 2253 subject. @throws Error when no ssl.principal.mapping.rules rule applies (close it).
   */
  principalName(peerCertificate: X509Certificate | undefined): string;
}

const PROTOCOL_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];
/** ssl.protocol values and the highest version a Java SSLContext of that protocol negotiates. */
const CONTEXT_PROTOCOLS: Readonly<Record<string, ProtocolVersion>> = { TLS: 'TLSv1.3', 'TLSv1.3': 'TLSv1.3', 'TLSv1.2': 'TLSv1.2' };

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function pemBlocks(pem: string, what: (label: string) => boolean): string[] {
  return [...pem.matchAll(PEM_BLOCK)].filter((m) => what(m[1]!)).map((m) => m[0]);
}

function fail(settings: SslServerSettings, message: string): never {
  throw new Error(`listener ${settings.listenerName}: ${message}`);
}

/** Store file contents read beforehand (a reload reads them asynchronously), by path. */
export type SslStoreFiles = ReadonlyMap<string, Buffer>;

/** The store files `s` names (key store and trust store locations), to read before building. */
export function sslStorePaths(s: SslServerSettings): string[] {
  return [s.keystoreLocation, s.truststoreLocation].filter((p): p is string => p !== null);
}

function readStore(settings: SslServerSettings, files: SslStoreFiles | undefined, path: string, what: string): Buffer {
  const given = files?.get(path);
  if (given !== undefined) return given;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`listener ${settings.listenerName}: cannot read the SSL ${what} ${path}: ${(err as Error).message}`, { cause: err });
  }
}

const JKS_REFUSAL = 'JKS is a Java format this broker cannot read: use PKCS12 or PEM (keytool -importkeystore -deststoretype PKCS12 converts it)';

/** The key store part of the context options, checked as Kafka's DefaultSslEngineFactory.createKeystore does. */
function keyStoreOptions(s: SslServerSettings, files: SslStoreFiles | undefined): tls.SecureContextOptions {
  if (s.keystoreKey !== null || s.keystoreCertificateChain !== null) {
    if (s.keystoreType !== 'PEM') fail(s, `SSL private key can be specified only for PEM, but key store type is ${s.keystoreType}.`);
    if (s.keystoreKey === null || s.keystoreCertificateChain === null) fail(s, 'ssl.keystore.key and ssl.keystore.certificate.chain must both be set');
    if (s.keystorePassword !== null) fail(s, 'SSL key store password cannot be specified with PEM format, only key password may be specified.');
    if (s.keystoreLocation !== null) fail(s, 'ssl.keystore.location cannot be set with an inline PEM key store');
    return pemKeyStore(s, s.keystoreKey, s.keystoreCertificateChain);
  }
  if (s.keystoreLocation === null) fail(s, 'an SSL listener needs a key store: set ssl.keystore.location, or ssl.keystore.key and ssl.keystore.certificate.chain');
  switch (s.keystoreType) {
    case 'PEM': {
      if (s.keystorePassword !== null) fail(s, 'SSL key store password cannot be specified with PEM format, only key password may be specified');
      const pem = readStore(s, files, s.keystoreLocation, 'key store').toString('utf8');
      return pemKeyStore(s, pem, pem);
    }
    case 'PKCS12': {
      if (s.keystorePassword === null) fail(s, 'SSL key store is specified, but key store password is not specified.');
      if (s.keyPassword !== null && s.keyPassword !== s.keystorePassword) {
        fail(s, 'a PKCS12 key store whose ssl.key.password differs from ssl.keystore.password cannot be read by OpenSSL: use one password');
      }
      return { pfx: readStore(s, files, s.keystoreLocation, 'key store'), passphrase: s.keystorePassword };
    }
    case 'JKS':
      return fail(s, `ssl.keystore.type=JKS: ${JKS_REFUSAL}`);
    default:
      return fail(s, `ssl.keystore.type=${s.keystoreType} is not supported: use PKCS12 or PEM`);
  }
}

function pemKeyStore(s: SslServerSettings, keyPem: string, chainPem: string): tls.SecureContextOptions {
  const keys = pemBlocks(keyPem, (label) => label.endsWith('PRIVATE KEY'));
  const certs = pemBlocks(chainPem, (label) => label === 'CERTIFICATE');
  if (keys.length !== 1) fail(s, `the PEM key store must hold exactly one private key, found ${keys.length}`);
  if (certs.length === 0) fail(s, 'No matching certificate entries in PEM file');
  return { key: keys[0]!, cert: certs.join('\n'), ...(s.keyPassword === null ? {} : { passphrase: s.keyPassword }) };
}

/** The trusted certificates (`ca`), or undefined for Node's default roots (Java's default trust store). */
function trustStoreCa(s: SslServerSettings, files: SslStoreFiles | undefined): string[] | undefined {
  if (s.truststoreCertificates !== null) {
    if (s.truststoreType !== 'PEM') fail(s, `SSL trust store certs can be specified only for PEM, but trust store type is ${s.truststoreType}.`);
    if (s.truststorePassword !== null) fail(s, 'SSL trust store password cannot be specified for PEM format.');
    return pemCertificates(s, s.truststoreCertificates);
  }
  if (s.truststoreLocation === null) {
    if (s.truststorePassword !== null) fail(s, 'SSL trust store is not specified, but trust store password is specified.');
    return undefined;
  }
  switch (s.truststoreType) {
    case 'PEM':
      if (s.truststorePassword !== null) fail(s, 'SSL trust store password cannot be specified for PEM format.');
      return pemCertificates(s, readStore(s, files, s.truststoreLocation, 'trust store').toString('utf8'));
    case 'PKCS12':
      return fail(
        s,
        'ssl.truststore.type=PKCS12 is not supported: OpenSSL under Node reads PKCS12 only with a private key, which a trust store has not; ' +
          'convert it (openssl pkcs12 -in truststore.p12 -nokeys -out truststore.pem) and use ssl.truststore.type=PEM',
      );
    case 'JKS':
      return fail(s, `ssl.truststore.type=JKS: ${JKS_REFUSAL}`);
    default:
      return fail(s, `ssl.truststore.type=${s.truststoreType} is not supported: use PEM`);
  }
}

function pemCertificates(s: SslServerSettings, pem: string): string[] {
  const certs = pemBlocks(pem, (label) => label === 'CERTIFICATE');
  if (certs.length === 0) fail(s, 'No matching certificate entries in the PEM trust store');
  return certs;
}

/** minVersion/maxVersion from ssl.enabled.protocols, capped by ssl.protocol. */
function protocolRange(s: SslServerSettings): { minVersion: tls.SecureVersion; maxVersion: tls.SecureVersion } {
  const cap = CONTEXT_PROTOCOLS[s.protocol];
  if (cap === undefined) fail(s, `ssl.protocol=${s.protocol} is not supported: use TLSv1.3, TLSv1.2 or TLS`);
  const unknown = s.enabledProtocols.filter((p) => !(PROTOCOL_VERSIONS as readonly string[]).includes(p));
  if (unknown.length > 0) fail(s, `ssl.enabled.protocols: ${unknown.join(', ')} not supported (only TLSv1.2 and TLSv1.3)`);
  const enabled = PROTOCOL_VERSIONS.filter((p) => s.enabledProtocols.includes(p) && PROTOCOL_VERSIONS.indexOf(p) <= PROTOCOL_VERSIONS.indexOf(cap));
  if (enabled.length === 0) fail(s, `no TLS protocol left: ssl.enabled.protocols=${s.enabledProtocols.join(',')} with ssl.protocol=${s.protocol}`);
  return { minVersion: enabled[0]!, maxVersion: enabled[enabled.length - 1]! };
}

/**
 * The OpenSSL context of `s`'s key store, trust store, protocols and cipher suites, shared by the listeners and by
 * the broker's own outgoing connections (security/client/ssl-client-context.ts). Reads the store files synchronously
 * unless `files` holds them (a reload reads them asynchronously first).
 * @param withKeyStore false for a client that presents no certificate (no key store configured).
 * @throws Error naming the listener on invalid or unsupported settings (see {@link sslServerContext}).
 */
export function storeSecureContext(s: SslServerSettings, withKeyStore = true, files?: SslStoreFiles): tls.SecureContext {
  const suites = s.cipherSuites.length === 0 ? null : javaCipherSuites(s.cipherSuites);
  const ca = trustStoreCa(s, files);
  const options: tls.SecureContextOptions = {
    ...(withKeyStore ? keyStoreOptions(s, files) : {}),
    ...protocolRange(s),
    ...(ca === undefined ? {} : { ca }),
    ...(suites === null ? {} : { ciphers: [suites.tls12, suites.tls13].filter((c) => c !== '').join(':') }),
  };
  try {
    return tls.createSecureContext(options);
  } catch (err) {
    throw new Error(`listener ${s.listenerName}: cannot load the SSL key store or trust store: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Builds the TLS context of an SSL listener. Reads the store files synchronously unless `files` holds them (a
 * reload reads them asynchronously first): without them this runs once, at start-up.
 * @throws Error naming the listener on any invalid or unsupported combination (JKS stores, PKCS12 trust stores,
 *   a password where Kafka forbids one, unknown protocols or cipher suites, bad mapping rules, unreadable files,
 *   keys that do not decrypt): the broker does not start (a reload is refused).
 */
export function sslServerContext(s: SslServerSettings, files?: SslStoreFiles): SslServerContext {
  const mapper = new SslPrincipalMapper(s.principalMappingRules);
  const secureContext = storeSecureContext(s, true, files);
  return {
    secureContext,
    clientAuth: s.clientAuth,
    certificate: presentedCertificate(secureContext),
    principalName: (cert) => (cert === undefined ? 'ANONYMOUS' : mapper.getName(rfc2253SubjectName(cert))),
  };
}

/** The certificate a context presents, read through an unconnected server-side TLS socket. */
function presentedCertificate(secureContext: tls.SecureContext): X509Certificate | undefined {
  const socket = new tls.TLSSocket(null as never, { secureContext, isServer: true });
  try {
    return socket.getX509Certificate();
  } finally {
    socket.destroy();
  }
}
