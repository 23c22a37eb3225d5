// The TLS context of the broker's own outgoing connections (inter-broker, controller) from the ssl.* configs of the
// listener they connect to, after Kafka's DefaultSslEngineFactory in client mode: trust store to verify the peer,
// key store (optional) to present for mTLS, protocols, cipher suites and ssl.endpoint.identification.algorithm.

import net from 'node:net';
import tls from 'node:tls';
import { storeSecureContext, type SslServerSettings } from '../ssl/ssl-server-context.ts';

/** The ssl.* values of the listener connected to (with its `listener.name.<l>.` overrides applied). */
export interface SslClientSettings extends Omit<SslServerSettings, 'clientAuth' | 'principalMappingRules'> {
  /** ssl.endpoint.identification.algorithm: 'https' (Kafka's default: host name verification) or '' (none). */
  readonly endpointIdentificationAlgorithm: string;
}

/** What a TLS socket factory needs to open one of the broker's own connections. */
export interface SslClientContext {
  readonly secureContext: tls.SecureContext;
  /** Whether the peer's certificate must name the host connected to (RFC 2818 / 6125: SAN DNS or IP entries). */
  readonly verifyHostname: boolean;
  /**
   * The options of `tls.connect` to `host`: the context, the chain always verified against the trust store, SNI
   * for a host name (not an IP address, RFC 6066), and the host name check when verifyHostname.
   */
  connectOptions(host: string): tls.ConnectionOptions;
}

/** Skips the host name check (ssl.endpoint.identification.algorithm empty); the chain is still verified. */
const NO_HOSTNAME_CHECK = (): undefined => undefined;

/**
 * Builds the client TLS context of the listener `s.listenerName`. Reads the store files synchronously: this runs
 * once per listener at start-up.
 * @throws Error naming the listener on invalid settings (as sslServerContext: JKS or PKCS12 trust stores, passwords
 *   where Kafka forbids them, unknown protocols or cipher suites, unreadable files), and for an
 *   ssl.endpoint.identification.algorithm other than https or empty: the broker does not start.
 */
export function sslClientContext(s: SslClientSettings): SslClientContext {
  const algorithm = s.endpointIdentificationAlgorithm.trim();
  if (algorithm !== '' && algorithm.toLowerCase() !== 'https') {
    throw new Error(`listener ${s.listenerName}: ssl.endpoint.identification.algorithm=${algorithm} is not supported: use https (host name verification) or an empty value (none)`);
  }
  const hasKeyStore = s.keystoreLocation !== null || s.keystoreKey !== null || s.keystoreCertificateChain !== null;
  const secureContext = storeSecureContext({ ...s, clientAuth: 'none', principalMappingRules: null }, hasKeyStore);
  const verifyHostname = algorithm !== '';
  return {
    secureContext,
    verifyHostname,
    connectOptions: (host) => ({
      secureContext,
      rejectUnauthorized: true,
      ...(net.isIP(host) === 0 ? { servername: host } : {}),
      checkServerIdentity: verifyHostname ? tls.checkServerIdentity : NO_HOSTNAME_CHECK,
    }),
  };
}
