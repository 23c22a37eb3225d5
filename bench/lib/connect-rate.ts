// Connection set-up rate against a broker: N connections, a few at a time, each opened (TCP or TLS), then
// ApiVersions, then for SASL kinds the whole SaslHandshake + SaslAuthenticate exchange through the broker's own
// client authenticator (src/security/client: PLAIN, SCRAM-SHA-512 with PBKDF2 off the event loop), then closed.
// The broker's CPU per connection is read from procfs around the run.
import net from 'node:net';
import tls from 'node:tls';
import { API_MESSAGES, requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/generated/api-messages.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Reader } from '../../src/protocol/reader.ts';
import { encodeRequestHeader } from '../../src/protocol/request-header.ts';
import { decodeResponseHeader } from '../../src/protocol/response-header.ts';
import { Writer } from '../../src/protocol/writer.ts';
import { PlainSaslClient } from '../../src/security/client/plain-sasl-client.ts';
import { SaslClientAuthenticator } from '../../src/security/client/sasl-client-authenticator.ts';
import { ScramSaslClient } from '../../src/security/client/scram-sasl-client.ts';
import { SCRAM_SHA_512 } from '../../src/security/sasl/scram-mechanism.ts';
import type { BenchBroker } from './bench-broker.ts';

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

/** One request/response at a time on one socket, framed and decoded with the generated codecs. */
export class Exchange {
  readonly #socket: net.Socket;
  #chunks: Buffer[] = [];
  #waiter: ((payload: Buffer) => void) | null = null;
  #failed: ((e: Error) => void) | null = null;
  #correlationId = 0;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
      if (all.length < 4 || all.length < 4 + all.readInt32BE(0)) {
        this.#chunks = [all];
        return;
      }
      this.#chunks = [];
      this.#waiter?.(all.subarray(4, 4 + all.readInt32BE(0)));
    });
    socket.on('error', (e) => this.#failed?.(e));
    socket.on('close', () => this.#failed?.(new Error('connection closed')));
  }

  async request(apiKey: number, version: number, body: object): Promise<object> {
    const api = API_MESSAGES.get(apiKey)!;
    const w = new Writer(128);
    encodeRequestHeader(w, requestHeaderVersion(apiKey, version), { requestApiKey: apiKey, requestApiVersion: version, correlationId: this.#correlationId++, clientId: 'bench-connect' });
    api.encodeRequest(w, version, body as never);
    const payload = w.toBuffer();
    const size = Buffer.alloc(4);
    size.writeInt32BE(payload.length);
    const answer = new Promise<Buffer>((resolve, reject) => {
      this.#waiter = resolve;
      this.#failed = reject;
    });
    this.#socket.write(Buffer.concat([size, payload]));
    const r = new Reader(await answer);
    decodeResponseHeader(r, responseHeaderVersion(apiKey, version));
    return api.decodeResponse(r, version) as object;
  }
}

/** Opens a TCP (or, for `ssl`, TLS) connection to the target. */
export function openConnection(target: ConnectTarget): Promise<net.Socket> {
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
    const ex = new Exchange(socket);
    await ex.request(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'bench', clientSoftwareVersion: '1' });
    if (target.kind === 'sasl-plain' || target.kind === 'sasl-scram-sha-512') {
      const client = target.kind === 'sasl-plain'
        ? new PlainSaslClient(target.username!, target.password!)
        : new ScramSaslClient(SCRAM_SHA_512, target.username!, target.password!);
      const auth = new SaslClientAuthenticator(client);
      let next: { apiKey: number; maxVersion: number; body: object } | null = auth.start();
      while (next !== null) {
        const response = await ex.request(next.apiKey, next.maxVersion, next.body);
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
