// A minimal raw NATS protocol client (https://docs.nats.io/reference/reference-protocols/nats-protocol) for the
// JetStream peer: nats.js caps near 12 k msg/s here (client-bound, performance-limits.md section 3), so the peer
// would look slower than it is. Raw PUBs with a window of acknowledged publishes in flight, and a raw push
// consumer, are fast enough to saturate nats-server.
import net from 'node:net';

interface NatsMsg {
  subject: string;
  sid: number;
  /** Reply subject, if any. */
  reply?: string;
  /** Header block of an HMSG ("NATS/1.0 100 FlowControl Request\r\n..."), undefined for a plain MSG. */
  headers?: string;
  payload: Buffer;
}

/**
 * One connection: CONNECT handshake, SUB, PUB with reply subjects, MSG delivery per subscription id. PINGs from
 * the server are answered. Protocol errors (-ERR) reject the pending request and are kept in `errors`.
 */
export class NatsClient {
  readonly #socket: net.Socket;
  #buf: Buffer = Buffer.alloc(0);
  readonly #handlers = new Map<number, (msg: NatsMsg) => void>();
  #pong: (() => void) | null = null;
  readonly errors: string[] = [];

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
  }

  /** Connects to 127.0.0.1:`port` and completes CONNECT + PING/PONG. @throws on connect errors. */
  static async connect(port: number): Promise<NatsClient> {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new NatsClient(socket);
    socket.on('error', (e) => client.errors.push(e.message));
    socket.write('CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\n');
    await client.flush();
    return client;
  }

  /** PING and wait for the PONG: everything written before has been processed by the server. */
  flush(): Promise<void> {
    return new Promise((resolve) => {
      this.#pong = resolve;
      this.#socket.write('PING\r\n');
    });
  }

  subscribe(subject: string, sid: number, handler: (msg: NatsMsg) => void): void {
    this.#handlers.set(sid, handler);
    this.#socket.write(`SUB ${subject} ${sid}\r\n`);
  }

  /** Writes raw protocol bytes; returns false when the socket buffer is full (wait for 'drain'). */
  writeRaw(data: Buffer | string): boolean {
    return this.#socket.write(data);
  }

  /** Request/reply over a one-shot inbox (JetStream API calls); resolves with the reply payload as JSON. */
  async request(subject: string, body: object, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const sid = 1_000_000 + this.#handlers.size;
    const inbox = `_INBOX.bench.${sid}`;
    const reply = new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`NATS request ${subject} timed out`)), timeoutMs);
      this.subscribe(inbox, sid, (m) => {
        clearTimeout(timer);
        this.#handlers.delete(sid);
        this.#socket.write(`UNSUB ${sid}\r\n`);
        resolve(m.payload);
      });
    });
    const json = Buffer.from(JSON.stringify(body));
    this.#socket.write(`PUB ${subject} ${inbox} ${json.length}\r\n`);
    this.#socket.write(Buffer.concat([json, Buffer.from('\r\n')]));
    return JSON.parse((await reply).toString()) as Record<string, unknown>;
  }

  onDrain(fn: () => void): void {
    this.#socket.once('drain', fn);
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    let pos = 0;
    for (;;) {
      const eol = this.#buf.indexOf('\r\n', pos);
      if (eol < 0) break;
      const line = this.#buf.toString('latin1', pos, eol);
      if (line.startsWith('MSG ') || line.startsWith('HMSG ')) {
        const parts = line.split(' ');
        const isH = parts[0] === 'HMSG';
        const total = Number(parts[parts.length - 1]);
        const start = eol + 2;
        if (this.#buf.length < start + total + 2) break; // payload not complete yet
        // MSG subject sid [reply] size | HMSG subject sid [reply] hdrLen totalLen
        const hdrLen = isH ? Number(parts[parts.length - 2]) : 0;
        const sid = Number(parts[2]);
        const reply = parts.length === (isH ? 6 : 5) ? parts[3] : undefined;
        const headers = isH ? this.#buf.toString('latin1', start, start + hdrLen) : undefined;
        const payload = this.#buf.subarray(start + hdrLen, start + total);
        pos = start + total + 2;
        this.#handlers.get(sid)?.({ subject: parts[1]!, sid, reply, headers, payload });
        continue;
      }
      pos = eol + 2;
      if (line === 'PING') this.#socket.write('PONG\r\n');
      else if (line === 'PONG') {
        const p = this.#pong;
        this.#pong = null;
        p?.();
      } else if (line.startsWith('-ERR')) this.errors.push(line);
    }
    this.#buf = pos >= this.#buf.length ? Buffer.alloc(0) : this.#buf.subarray(pos);
  }
}
