// A peer server (nats-server, redis-server) run by the benchmark on a loopback port: spawned, waited for until
// its port accepts connections, CPU read from procfs, and stopped by its own pid.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { cpuSeconds } from './proc-stat.ts';

/** A spawned server process; `stop()` sends SIGTERM (SIGKILL after 10 s) to that pid only. */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  #log = '';
  readonly #exited: Promise<void>;

  private constructor(child: ChildProcess) {
    this.child = child;
    this.pid = child.pid!;
    const keep = (d: Buffer): void => {
      this.#log = (this.#log + d.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /**
   * Spawns `command args` and polls 127.0.0.1:`port` until it accepts a connection (deadline `timeoutMs`).
   * @throws when the process exits first or the port never opens (with the server's last output).
   */
  static async start(command: string, args: readonly string[], port: number, cwd: string, timeoutMs = 20_000): Promise<ServerProcess> {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(child);
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('spawn', () => resolve());
    });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}: ${server.#log}`);
      if (await canConnect(port)) return server;
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`${command} did not open port ${port}: ${server.#log}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  get log(): string {
    return this.#log;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.#exited;
    clearTimeout(timer);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** A free loopback TCP port (bind to 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
