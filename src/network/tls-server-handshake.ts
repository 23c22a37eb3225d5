import type { X509Certificate } from 'node:crypto';
import type net from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';

/**
 * The TLS side of an SSL listener (security protocol SSL), built by the server layer from the listener's ssl.*
 * configs (security/ssl/SslServerContext has this shape).
 */
export interface TlsListener {
  readonly secureContext: SecureContext;
  /** ssl.client.auth: 'required' fails the handshake without a trusted client certificate (mTLS). */
  readonly clientAuth: 'none' | 'requested' | 'required';
  /**
   * The principal name of a connection whose handshake completed (Kafka's DefaultKafkaPrincipalBuilder):
   * 'ANONYMOUS' without a client certificate. Throws to refuse the connection (no mapping rule applies).
   */
  principalName(peerCertificate: X509Certificate | undefined): string;
}

/** The TLS handle's verification result (what tls.Server reads to set `authorized`). */
interface VerifyingHandle {
  verifyError(): Error | null;
}

/**
 * Why the peer's certificate chain did not verify against the trust store, or null when it did. `authorized` is
 * set by tls.Server only, not on a TLSSocket made from an accepted socket (which the connection quotas need to see
 * first), so this asks the TLS handle as tls.Server does; without that method it fails closed.
 */
function peerVerifyError(socket: TLSSocket): string | null {
  const handle = (socket as unknown as { _handle: Partial<VerifyingHandle> | null })._handle;
  if (handle === null || typeof handle.verifyError !== 'function') return 'cannot check the certificate chain (no TLS handle)';
  const err = handle.verifyError();
  return err === null ? null : ((err as Error & { code?: string }).code ?? err.message);
}

/** How a server-side handshake ended. */
export type TlsHandshakeResult =
  | { readonly ok: true; readonly socket: TLSSocket; readonly principalName: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Runs the server side of a TLS handshake on an accepted TCP socket (Kafka's SslTransportLayer before the channel
 * is ready) and calls `done` once: with the TLS socket and the connection's principal name, or with why it failed
 * (then the socket is destroyed). Failures: bytes that are not TLS, a handshake error, no or an untrusted client
 * certificate where ssl.client.auth requires one, a presented certificate that does not verify under 'requested'
 * (Java's engine fails the handshake for it too), a subject no mapping rule applies to, the peer closing, or no
 * completed handshake within `timeoutMs` (connections.max.idle.ms; <= 0: no limit). Returns the TLS socket (for
 * shutdown, to destroy it while handshaking).
 */
export function tlsServerHandshake(raw: net.Socket, listener: TlsListener, timeoutMs: number, done: (result: TlsHandshakeResult) => void): TLSSocket {
  const requestCert = listener.clientAuth !== 'none';
  const socket = new TLSSocket(raw, {
    isServer: true,
    secureContext: listener.secureContext,
    requestCert,
    rejectUnauthorized: listener.clientAuth === 'required',
  });
  let settled = false;
  const finish = (result: TlsHandshakeResult): void => {
    if (settled) return;
    settled = true;
    socket.setTimeout(0);
    socket.off('close', onClose);
    socket.off('timeout', onTimeout);
    if (!result.ok) socket.destroy();
    done(result);
  };
  const onClose = (): void => finish({ ok: false, reason: 'connection closed during the TLS handshake' });
  const onTimeout = (): void => finish({ ok: false, reason: `no TLS handshake within ${timeoutMs} ms` });
  socket.once('error', (err) => finish({ ok: false, reason: `TLS handshake failed: ${err.message}` }));
  socket.on('close', onClose);
  if (timeoutMs > 0) {
    socket.setTimeout(timeoutMs);
    socket.on('timeout', onTimeout);
  }
  socket.once('secure', () => {
    const peer = requestCert ? socket.getPeerX509Certificate() : undefined;
    const verifyError = peer === undefined ? null : peerVerifyError(socket);
    if (verifyError !== null) {
      finish({ ok: false, reason: `untrusted client certificate: ${verifyError}` });
      return;
    }
    let principalName: string;
    try {
      principalName = listener.principalName(peer);
    } catch (err) {
      finish({ ok: false, reason: `no principal for the client certificate: ${(err as Error).message}` });
      return;
    }
    finish({ ok: true, socket, principalName });
  });
  // The accepted socket was paused on connect; the TLS socket now reads it.
  raw.resume();
  return socket;
}
