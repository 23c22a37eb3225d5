import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { after, before, test } from 'node:test';
import { SocketServer } from '../../../src/network/socket-server.ts';
import type { RequestContext } from '../../../src/network/request-handler.ts';
import { sslServerContext, type SslClientAuth } from '../../../src/security/ssl/ssl-server-context.ts';
import { createTestPki, type CertificateFiles, type TestPki } from '../../helpers/tls-certificates.ts';

let pki: TestPki;
let alice: CertificateFiles;
let untrusted: { ca: CertificateFiles; client: CertificateFiles };
before(async () => {
  pki = await createTestPki();
  alice = await pki.client('alice', '/O=Acme/OU=eng/CN=Alice');
  untrusted = await pki.untrusted();
});
after(() => pki.cleanup());

/** An SSL listener whose handler answers every frame with the principal and protocol it saw. */
async function sslServer(clientAuth: SslClientAuth, t: { after(fn: () => Promise<void>): void }): Promise<{ server: SocketServer; port: number; seen: RequestContext[] }> {
  const seen: RequestContext[] = [];
  const server = new SocketServer({
    listeners: [{
      name: 'SSL', host: '127.0.0.1', port: 0, securityProtocol: 'SSL',
      tls: sslServerContext({
        listenerName: 'SSL', keystoreType: 'PEM', keystoreLocation: null, keystorePassword: null, keyPassword: null,
        keystoreKey: pki.server.key, keystoreCertificateChain: pki.server.cert, truststoreType: 'PEM', truststoreLocation: null,
        truststorePassword: null, truststoreCertificates: pki.ca.cert, clientAuth, principalMappingRules: 'RULE:^CN=([^,]*),.*$/$1/L',
        protocol: 'TLSv1.3', enabledProtocols: ['TLSv1.2', 'TLSv1.3'], cipherSuites: [],
      }),
    }],
    handler: {
      handleRequest: (_frame, ctx) => {
        seen.push(ctx);
        return [Buffer.from(`${ctx.securityProtocol} ${ctx.principal.principalType}:${ctx.principal.name}`)];
      },
    },
  });
  await server.start();
  t.after(() => server.shutdown({ drainMs: 100 }));
  return { server, port: server.boundPort('SSL'), seen };
}

/** Connects over TLS, sends one frame and resolves with the response payload, or rejects with the TLS error. */
function request(port: number, options: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...options });
    let buffered = Buffer.alloc(0);
    socket.once('secureConnect', () => {
      const body = Buffer.from('hello');
      const frame = Buffer.alloc(4 + body.length);
      frame.writeInt32BE(body.length, 0);
      body.copy(frame, 4);
      socket.write(frame);
    });
    socket.on('data', (d: Buffer) => {
      buffered = Buffer.concat([buffered, d]);
      if (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        resolve(buffered.subarray(4, 4 + buffered.readInt32BE(0)).toString());
        socket.end();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('closed without a response')));
  });
}

test('mTLS required: a trusted client certificate gives the mapped principal; the connection streams fetches', async (t) => {
  const { server, port, seen } = await sslServer('required', t);
  assert.equal(await request(port, { ca: pki.ca.cert, cert: alice.cert, key: alice.key }), 'SSL User:alice');
  const connection = [...server.connections][0];
  assert.ok(connection !== undefined);
  assert.equal(connection.zeroCopy, false);
  assert.equal(connection.readsIntoFrames, false);
  assert.equal(seen[0]?.listenerName, 'SSL');
});

test('mTLS required: no client certificate, or one from an untrusted CA, fails the handshake before any request', async (t) => {
  const { seen, port } = await sslServer('required', t);
  await assert.rejects(request(port, { ca: pki.ca.cert }), /certificate required|closed without a response|ECONNRESET|alert/i);
  await assert.rejects(request(port, { ca: pki.ca.cert, cert: untrusted.client.cert, key: untrusted.client.key }), /unknown ca|closed without a response|ECONNRESET|alert/i);
  assert.equal(seen.length, 0);
});

test('ssl.client.auth requested: without a certificate the principal is ANONYMOUS; an untrusted one is refused', async (t) => {
  const { seen, port } = await sslServer('requested', t);
  assert.equal(await request(port, { ca: pki.ca.cert }), 'SSL User:ANONYMOUS');
  assert.equal(await request(port, { ca: pki.ca.cert, cert: alice.cert, key: alice.key }), 'SSL User:alice');
  await assert.rejects(request(port, { ca: pki.ca.cert, cert: untrusted.client.cert, key: untrusted.client.key }), /closed without a response|ECONNRESET/);
  assert.equal(seen.length, 2);
});

test('a client that does not trust the server certificate fails the handshake', async (t) => {
  const { port, seen } = await sslServer('none', t);
  await assert.rejects(request(port, { ca: untrusted.ca.cert }), /unable to verify|self.signed|UNABLE_TO_GET_ISSUER/i);
  assert.equal(seen.length, 0);
});

test('garbage on the TLS port closes that connection only; a TLS client beside it is served', async (t) => {
  const { server, port } = await sslServer('none', t);
  const garbage = net.connect(port, '127.0.0.1');
  const closed = new Promise<void>((resolve) => garbage.on('close', () => resolve()));
  garbage.on('error', () => undefined);
  // Kafka request bytes (a plaintext client on the TLS port), then random bytes.
  garbage.write(Buffer.from('000000120012000300000001000a6b61666b616a73', 'hex'));
  garbage.write(Buffer.alloc(4096, 0x5a));
  assert.equal(await request(port, { ca: pki.ca.cert }), 'SSL User:ANONYMOUS');
  await closed;
  assert.equal(await request(port, { ca: pki.ca.cert }), 'SSL User:ANONYMOUS');
  assert.equal(server.connectionQuotas.count('SSL') <= 1, true);
});
