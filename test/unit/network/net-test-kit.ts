// Shared helpers for the network tests: a framed TCP test client, a deadline poller, deferreds, temp files.
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomFillSync } from 'node:crypto';
import { FrameDecoder } from '../../../src/protocol/framing.ts';
import type { ExternalRecords, FileRegion } from '../../../src/protocol/writer.ts';
import { SocketServer, type SocketServerOptions } from '../../../src/network/socket-server.ts';
import type { RequestHandler } from '../../../src/network/request-handler.ts';

/** Polls `cond` every 5 ms until it is true; throws after `timeoutMs`. */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(err: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Frames a payload: int32 size + bytes. */
export function frame(payload: Buffer): Buffer {
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

/** A TCP client that sends frames and collects response frames. */
export class TestClient {
  readonly socket: net.Socket;
  readonly responses: Buffer[] = [];
  closed = false;
  #decoder = new FrameDecoder(0x7fffffff);
  bytesReceived = 0;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.bytesReceived += chunk.length;
      this.responses.push(...this.#decoder.push(chunk));
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static async connect(port: number): Promise<TestClient> {
    const socket = net.connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new TestClient(socket);
  }

  send(payload: Buffer | string): void {
    this.socket.write(frame(Buffer.isBuffer(payload) ? payload : Buffer.from(payload)));
  }

  async waitResponses(n: number, timeoutMs = 10000): Promise<Buffer[]> {
    await waitFor(() => this.responses.length >= n || this.closed, `${n} responses`, timeoutMs);
    if (this.responses.length < n) throw new Error(`connection closed after ${this.responses.length} of ${n} responses`);
    return this.responses.slice(0, n);
  }

  async waitClosed(timeoutMs = 10000): Promise<void> {
    await waitFor(() => this.closed, 'connection closed', timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Starts a SocketServer with one PLAINTEXT listener on 127.0.0.1:0. */
export async function startServer(
  handler: RequestHandler,
  options: Partial<Omit<SocketServerOptions, 'handler' | 'listeners'>> = {},
): Promise<{ server: SocketServer; port: number }> {
  const server = new SocketServer({
    listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
    handler,
    ...options,
  });
  await server.start();
  return { server, port: server.boundPort('PLAINTEXT') };
}

/** A temp file filled with random bytes; `fd` open for reading. */
export interface TempFile {
  readonly path: string;
  readonly fd: number;
  readonly data: Buffer;
  cleanup(): void;
}

export function makeTempFile(sizeBytes: number): TempFile {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'net-test-'));
  const file = path.join(dir, 'segment.log');
  const data = Buffer.allocUnsafe(sizeBytes);
  randomFillSync(data);
  fs.writeFileSync(file, data);
  const fd = fs.openSync(file, 'r');
  return {
    path: file,
    fd,
    data,
    cleanup() {
      try {
        fs.closeSync(fd);
      } catch {
        // already closed by the test
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** ExternalRecords over regions of `file`, counting release() calls in `counter`. */
export function externalRecords(regions: FileRegion[], counter: { released: number }): ExternalRecords {
  let size = 0;
  for (const r of regions) size += r.length;
  return {
    sizeInBytes: size,
    regions,
    release() {
      counter.released++;
    },
  };
}
