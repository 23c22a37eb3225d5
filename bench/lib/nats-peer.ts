// Peer: NATS JetStream (Debian's nats-server), file storage, acknowledged publishes. Started on a loopback port
// with its store in a scratch directory, measured with the raw client of nats-client.ts, stopped by pid.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsClient } from './nats-client.ts';
import { ServerProcess, freePort } from './server-process.ts';

export const NATS_SERVER = '/usr/sbin/nats-server';
/** Publishes in flight: 1000 reached 83 MB/s and 5000 123 MB/s in performance-limits.md section 3. */
const WINDOW = 2000;

export interface PeerRun {
  seconds: number;
  /** Server CPU seconds during the run. */
  serverCpuSec: number;
}

/** One nats-server with JetStream, and stream BENCH (subjects bench.>, file storage). */
export class NatsPeer {
  readonly #server: ServerProcess;
  readonly #dir: string;
  readonly #port: number;
  #stream = 0;

  private constructor(server: ServerProcess, dir: string, port: number) {
    this.#server = server;
    this.#dir = dir;
    this.#port = port;
  }

  static async start(): Promise<NatsPeer> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-nats-'));
    const port = await freePort();
    writeFileSync(join(dir, 'nats.conf'), `listen: 127.0.0.1:${port}\njetstream {\n  store_dir: "${join(dir, 'store')}"\n}\n`);
    const server = await ServerProcess.start(NATS_SERVER, ['-c', join(dir, 'nats.conf')], port, dir);
    return new NatsPeer(server, dir, port);
  }

  /**
   * Creates a fresh file-storage stream and publishes `count` messages of `payload` with `WINDOW` acknowledged
   * publishes in flight; every ack is checked for an error. @throws on a JetStream error.
   */
  async produce(payload: Buffer, count: number): Promise<PeerRun> {
    const stream = `BENCH${this.#stream++}`;
    const client = await NatsClient.connect(this.#port);
    try {
      const created = await createStreamWithRetry(client, stream);
      if (created.error !== undefined) throw new Error(`JetStream stream create: ${JSON.stringify(created.error)}`);
      const subject = `${stream.toLowerCase()}.a`;
      const head = Buffer.from(`PUB ${subject} _INBOX.acks.1 ${payload.length}\r\n`);
      const one = Buffer.concat([head, payload, Buffer.from('\r\n')]);
      let sent = 0;
      let acked = 0;
      let failed = '';
      const cpu0 = this.#server.cpuSeconds();
      const t0 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const pump = (): void => {
          // Top the window up in one socket write of up to 256 publishes.
          while (sent < count && sent - acked < WINDOW) {
            const n = Math.min(count - sent, WINDOW - (sent - acked), 256);
            sent += n;
            if (!client.writeRaw(n === 1 ? one : Buffer.concat(Array.from({ length: n }, () => one)))) {
              client.onDrain(pump);
              return;
            }
          }
        };
        client.subscribe('_INBOX.acks.1', 1, (m) => {
          acked++;
          if (failed === '' && m.payload.includes('"error"')) {
            failed = m.payload.toString();
            reject(new Error(`JetStream publish: ${failed}`));
          }
          if (acked === count) resolve();
          else if (sent - acked < WINDOW / 2) pump();
        });
        pump();
      });
      return { seconds: (performance.now() - t0) / 1000, serverCpuSec: this.#server.cpuSeconds() - cpu0 };
    } finally {
      client.close();
    }
  }

  /**
   * Reads the last produced stream back with a push consumer (deliver all, ack none, flow control: without it
   * the server cuts a client that falls 64 MB behind as a slow consumer) and counts `count` messages.
   * @throws when fewer arrive within 30 s (a normal run takes a few seconds).
   */
  async consume(count: number): Promise<PeerRun> {
    const stream = `BENCH${this.#stream - 1}`;
    const client = await NatsClient.connect(this.#port);
    try {
      let got = 0;
      const cpu0 = this.#server.cpuSeconds();
      const t0 = performance.now();
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`NATS consume got ${got}/${count}`)), 30_000);
        client.subscribe('deliver.raw', 2, (m) => {
          if (m.headers?.startsWith('NATS/1.0 100') === true) {
            // Flow-control request (answer with an empty message) or idle heartbeat (no reply): not data.
            if (m.reply !== undefined) client.writeRaw(`PUB ${m.reply} 0\r\n\r\n`);
            return;
          }
          if (++got === count) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const created = await client.request(`$JS.API.CONSUMER.CREATE.${stream}`, {
        stream_name: stream,
        config: { deliver_subject: 'deliver.raw', ack_policy: 'none', deliver_policy: 'all', flow_control: true, idle_heartbeat: 5_000_000_000 },
      });
      if (created.error !== undefined) throw new Error(`JetStream consumer create: ${JSON.stringify(created.error)}`);
      await done;
      return { seconds: (performance.now() - t0) / 1000, serverCpuSec: this.#server.cpuSeconds() - cpu0 };
    } finally {
      client.close();
    }
  }

  async stop(): Promise<void> {
    await this.#server.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** JetStream may still be starting when the port opens: retry "not enabled"/timeouts for up to 10 s. */
async function createStreamWithRetry(client: NatsClient, stream: string): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const r = await client.request(`$JS.API.STREAM.CREATE.${stream}`, {
        name: stream,
        subjects: [`${stream.toLowerCase()}.>`],
        storage: 'file',
        retention: 'limits',
        discard: 'old',
        num_replicas: 1,
      }, 2000);
      if (r.error === undefined || Date.now() > deadline) return r;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
