// Peer: Redis Streams (Debian's redis-server, AOF appendfsync everysec, no RDB snapshots), loaded by Debian's
// redis-benchmark (C, pipelined XADD), started on a loopback port in a scratch directory and stopped by pid.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess, freePort } from './server-process.ts';
import type { PeerRun } from './nats-peer.ts';

export const REDIS_SERVER = '/usr/bin/redis-server';
export const REDIS_BENCHMARK = '/usr/bin/redis-benchmark';
/** Commands per round trip: -P 100 was redis-benchmark's best single-connection shape here (127 MB/s). */
const PIPELINE = 100;

export class RedisPeer {
  readonly #server: ServerProcess;
  readonly #dir: string;
  readonly #port: number;
  #stream = 0;

  private constructor(server: ServerProcess, dir: string, port: number) {
    this.#server = server;
    this.#dir = dir;
    this.#port = port;
  }

  static async start(): Promise<RedisPeer> {
    const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
    const port = await freePort();
    const server = await ServerProcess.start(REDIS_SERVER, [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
      '--save', '', '--daemonize', 'no', '--protected-mode', 'no', '--logfile', '',
    ], port, dir);
    return new RedisPeer(server, dir, port);
  }

  /** `count` pipelined XADDs of `payload` on one connection to a fresh stream key. */
  async produce(payload: Buffer, count: number): Promise<PeerRun> {
    const key = `bench${this.#stream++}`;
    return this.#run(['-c', '1', '-P', String(PIPELINE), '-n', String(count), 'XADD', key, '*', 'd', payload.toString('latin1')]);
  }

  /**
   * Reads the last stream back with XRANGE COUNT 1000 on one connection (`count / 1000` requests). Each request
   * re-reads the stream's first 1000 entries: an in-memory read, which is all Redis does for a consumer.
   */
  async consume(count: number): Promise<PeerRun> {
    const key = `bench${this.#stream - 1}`;
    return this.#run(['-c', '1', '-n', String(Math.max(1, Math.round(count / 1000))), 'XRANGE', key, '-', '+', 'COUNT', '1000']);
  }

  async #run(args: string[]): Promise<PeerRun> {
    const cpu0 = this.#server.cpuSeconds();
    const t0 = performance.now();
    const child = spawn(REDIS_BENCHMARK, ['-p', String(this.#port), '-q', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-2000)));
    child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-2000)));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (c) => resolve(c));
    });
    const wallSec = (performance.now() - t0) / 1000;
    const rates = [...out.matchAll(/([\d.]+) requests per second/g)];
    if (code !== 0 || /^(ERR|Error)/m.test(out) || rates.length === 0) throw new Error(`redis-benchmark failed (exit ${code}): ${out.slice(-500)}`);
    // redis-benchmark's own rate excludes its start-up (CONFIG GET, connection); CPU is over the whole run.
    const requests = Number(args[args.indexOf('-n') + 1]);
    return { seconds: Math.min(wallSec, requests / Number(rates[rates.length - 1]![1])), serverCpuSec: this.#server.cpuSeconds() - cpu0 };
  }

  async stop(): Promise<void> {
    await this.#server.stop();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
