// Connection set-up rate against a broker: N connections, a few at a time, each opened (TCP or TLS), then
// ApiVersions, then for SASL kinds the whole SaslHandshake + SaslAuthenticate exchange through the broker's own
// client authenticator (src/security/client: PLAIN, SCRAM-SHA-512 with PBKDF2 off the event loop), then closed.
// The broker's CPU per connection is read from procfs around the run.
import net from 'node:net';
import tls from 'node:tls';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { PlainSaslClient } from '../../src/security/client/plain-sasl-client.ts';
import { SaslClientAuthenticator } from '../../src/security/client/sasl-client-authenticator.ts';
import { ScramSaslClient } from '../../src/security/client/scram-sasl-client.ts';
import { SCRAM_SHA_512 } from '../../src/security/sasl/scram-mechanism.ts';
import type { BenchBroker } from './bench-broker.ts';
import { RawKafkaClient } from '../../test/fixtures/e2e/raw-kafka-client.ts';

export type ConnectKind = 'plaintext' | 'ssl' | 'sasl-plain' | 'sasl-scram-sha-512';

/** Where and how to connect: `ca` (PEM) for ssl, `username`/`password` for the SASL kinds. */
export interface ConnectTarget {
  kind: ConnectKind;
  port: number;
  ca?: string;
  username?: string;
  password?: string;
}

/** Connections per second, and the broker's CPU ms per connection. */
export interface ConnectRate {
  perSec: number;
  brokerCpuMsPerConnection: number;
}

/** Opens a TCP (or, for `ssl`, TLS) connection to the target. */
function openConnection(target: ConnectTarget): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = target.kind === 'ssl'
      ? tls.connect({ host: '127.0.0.1', port: target.port, ca: target.ca, servername: 'localhost' }, () => resolve(s))
      : net.connect({ host: '127.0.0.1', port: target.port }, () => resolve(s));
    s.once('error', reject);
  });
}

/** One connection: open, ApiVersions, SASL when asked, close. @throws Error when any step fails. */
async function connectOnce(target: ConnectTarget): Promise<void> {
  const socket = await openConnection(target);
  try {
    const client = RawKafkaClient.over(socket, 'bench-connect');
    await client.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'bench', clientSoftwareVersion: '1' });
    if (target.kind === 'sasl-plain' || target.kind === 'sasl-scram-sha-512') {
      const sasl = target.kind === 'sasl-plain'
        ? new PlainSaslClient(target.username!, target.password!)
        : new ScramSaslClient(SCRAM_SHA_512, target.username!, target.password!);
      const auth = new SaslClientAuthenticator(sasl);
      let next: { apiKey: number; maxVersion: number; body: object } | null = auth.start();
      while (next !== null) {
        const response = await client.request<object>(next.apiKey, next.maxVersion, next.body);
        next = await auth.onResponse(next.apiKey, next.maxVersion, response);
      }
    }
  } finally {
    socket.destroy();
  }
}

/**
 * Opens `count` connections to `target`, `concurrency` at a time (8 by default), and measures the rate and the
 * broker's CPU per connection. @throws Error when a connection fails.
 */
export async function measureConnectRate(broker: BenchBroker, target: ConnectTarget, count: number, concurrency = 8): Promise<ConnectRate> {
  for (let i = 0; i < Math.min(20, count); i++) await connectOnce(target);
  let next = 0;
  const cpu0 = broker.cpuSeconds();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++;
      await connectOnce(target);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  return { perSec: count / seconds, brokerCpuMsPerConnection: ((broker.cpuSeconds() - cpu0) * 1000) / count };
}
