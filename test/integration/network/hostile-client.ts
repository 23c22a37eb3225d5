// A hostile client for memory-bound tests and the bench/hostile-connections.ts script: connections that announce a
// large request frame and send only part of it (issue 13 item 7), the broker RSS sampling around them, and a
// well-behaved kafkajs client that has to keep working meanwhile.
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type Producer } from 'kafkajs';

/** An ApiVersions v0 request (header v1, client id "hostile", empty body) framed with its size prefix. */
export function apiVersionsV0Request(correlationId: number): Buffer {
  const clientId = Buffer.from('hostile');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0);
  body.writeInt16BE(0, 2);
  body.writeInt32BE(correlationId, 4);
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const framed = Buffer.alloc(4 + body.length);
  framed.writeInt32BE(body.length, 0);
  body.copy(framed, 4);
  return framed;
}

/** Options of {@link HostileConnection.open}; sizes in bytes. */
export interface HostileOptions {
  readonly port: number;
  /** Size announced by the frame's prefix. */
  readonly announcedBytes: number;
  /** Bytes of the frame actually sent (then the connection stays open, sending nothing). */
  readonly sendBytes: number;
  /**
   * Send a valid ApiVersions request first and wait for its response, so the broker treats the connection as a
   * client past its first request (the attack then meets the memory budget, not the first-request frame limit).
   */
  readonly handshake: boolean;
}

/**
 * One attacking connection: optionally an ApiVersions exchange, then an int32 prefix announcing `announcedBytes`
 * and `sendBytes` of payload written 1 MiB at a time, each write waiting for 'drain' (so a broker that stops
 * reading stalls it: the bytes it did not read stay in kernel socket buffers, not in the broker).
 */
export class HostileConnection {
  readonly socket: net.Socket;
  /** Payload bytes handed to the kernel so far (excluding the prefix and the handshake). */
  sentBytes = 0;
  /** Whether every byte of `sendBytes` was written. */
  done = false;
  /** Whether the broker closed the connection. */
  closed = false;
  /** Date.now() of the last completed write. */
  lastProgressMs = Date.now();

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  /** Connects and starts sending in the background; resolves once connected (and the handshake answered). */
  static async open(options: HostileOptions): Promise<HostileConnection> {
    const socket = net.connect({ port: options.port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const c = new HostileConnection(socket);
    if (options.handshake) await c.#handshake();
    void c.#send(options.announcedBytes, options.sendBytes);
    return c;
  }

  async #handshake(): Promise<void> {
    const answered = new Promise<void>((resolve, reject) => {
      let got = 0;
      const onData = (d: Buffer): void => {
        got += d.length;
        if (got >= 4) {
          this.socket.off('data', onData);
          resolve();
        }
      };
      this.socket.on('data', onData);
      this.socket.once('close', () => reject(new Error('closed before the ApiVersions response')));
    });
    this.socket.write(apiVersionsV0Request(1));
    await answered;
    // The rest of the response is ignored; stop reading so nothing piles up on our side.
    this.socket.resume();
  }

  async #send(announcedBytes: number, sendBytes: number): Promise<void> {
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(announcedBytes, 0);
    this.socket.write(prefix);
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    while (this.sentBytes < sendBytes && !this.closed) {
      const n = Math.min(chunk.length, sendBytes - this.sentBytes);
      const ok = this.socket.write(n === chunk.length ? chunk : chunk.subarray(0, n));
      this.sentBytes += n;
      if (!ok) {
        await new Promise<void>((resolve) => {
          const finish = (): void => {
            this.socket.off('drain', finish);
            this.socket.off('close', finish);
            resolve();
          };
          this.socket.on('drain', finish);
          this.socket.on('close', finish);
        });
      }
      this.lastProgressMs = Date.now();
    }
    this.done = this.sentBytes >= sendBytes;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Resident set size of `pid` in bytes (VmRSS of /proc/<pid>/status). */
export function rssOf(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** Samples the RSS of `pid` every `intervalMs` and keeps the peak, until stopped. */
export class RssSampler {
  peakBytes = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(pid: number, intervalMs = 50) {
    const sample = (): void => {
      try {
        this.peakBytes = Math.max(this.peakBytes, rssOf(pid));
      } catch {
        // The process is gone: the peak so far stands.
      }
    };
    sample();
    this.#timer = setInterval(sample, intervalMs);
  }

  stop(): number {
    clearInterval(this.#timer);
    return this.peakBytes;
  }
}

/**
 * A well-behaved client beside the attack (kafkajs): creates topic `legit`, produces one record at a time with
 * acks=all while {@link startProducing} runs, and reads everything back with {@link consumeAll}.
 */
export class LegitClient {
  readonly kafka: Kafka;
  readonly #producer: Producer;
  /** Records acknowledged so far. */
  acked = 0;
  /** Longest produce round trip seen, in ms. */
  maxAckMs = 0;
  #loop: Promise<void> | null = null;
  #producing = false;

  private constructor(kafka: Kafka, producer: Producer) {
    this.kafka = kafka;
    this.#producer = producer;
  }

  static async connect(bootstrap: string): Promise<LegitClient> {
    const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'legit', numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    return new LegitClient(kafka, producer);
  }

  /** Produces one record with acks=all; resolves once it is acknowledged. */
  async send(): Promise<void> {
    const start = Date.now();
    await this.#producer.send({ topic: 'legit', acks: -1, messages: [{ value: `m${this.acked}` }] });
    this.acked++;
    this.maxAckMs = Math.max(this.maxAckMs, Date.now() - start);
  }

  /** Produces continuously (one record, then `pauseMs`) until {@link stopProducing}. */
  startProducing(pauseMs: number): void {
    this.#producing = true;
    this.#loop = (async () => {
      while (this.#producing) {
        await this.send();
        await new Promise((r) => setTimeout(r, pauseMs));
      }
    })();
  }

  async stopProducing(): Promise<void> {
    this.#producing = false;
    await this.#loop;
    await this.#producer.disconnect();
  }

  /** Consumes `legit` from the start until every acknowledged record was seen or `timeoutMs` passed; returns how many. */
  async consumeAll(timeoutMs = 30_000): Promise<number> {
    const consumer = this.kafka.consumer({ groupId: 'legit-check', maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['legit'], fromBeginning: true });
    const seen = new Set<string>();
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(message.value!.toString()) });
    const deadline = Date.now() + timeoutMs;
    while (seen.size < this.acked && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();
    return seen.size;
  }
}
