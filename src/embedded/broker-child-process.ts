import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BROKER_NODE_FLAGS } from '../observability/tune-process.ts';

const BIN = new URL('../../bin/kafka-broker.js', import.meta.url).pathname;

/**
 * `kafka-broker start` in a child process (the embedded broker's 'child-process' mode): the same Node binary as
 * this process, the broker's Node flags, `props` as --override arguments, its working directory `cwd`.
 * {@link start} resolves with the broker listeners once the child logs "Kafka broker started"; {@link stop} sends
 * SIGTERM (the CLI's clean shutdown) and waits for the exit. The child is killed (SIGKILL) if this process exits
 * first, so a test run that forgets stop() or crashes leaves no broker behind.
 */
export class BrokerChildProcess {
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #stderr = '';
  readonly #killOnExit = (): void => {
    this.#child.kill('SIGKILL');
  };

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stderr!.on('data', (d: Buffer) => {
      // The last 64 KiB are kept for the error of a failed start.
      this.#stderr = (this.#stderr + d.toString()).slice(-65_536);
    });
    process.once('exit', this.#killOnExit);
    void this.#exited.then(() => process.off('exit', this.#killOnExit));
  }

  /** The child's pid. */
  get pid(): number {
    return this.#child.pid!;
  }

  /**
   * Spawns the broker and waits for it to serve.
   * @returns the broker listeners as the broker logs them ("PLAINTEXT://127.0.0.1:40123").
   * @throws Error with the child's stderr when it exits before serving or does not serve within `timeoutMs`
   *   (it is then killed).
   */
  static async start(props: Readonly<Record<string, string>>, cwd: string, timeoutMs: number): Promise<{ child: BrokerChildProcess; listeners: string[] }> {
    const args = [...BROKER_NODE_FLAGS, BIN, 'start', ...Object.entries(props).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
    // LOG_LEVEL info: the "Kafka broker started" line is how the child says it serves (its other lines are dropped).
    const env = { ...process.env, LOG_LEVEL: 'info', NODE_TEST_CONTEXT: undefined, NODE_OPTIONS: undefined };
    const child = new BrokerChildProcess(spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] }));
    const listeners = await new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.#child.kill('SIGKILL');
        reject(new Error(`kafka-broker did not start within ${timeoutMs} ms; stderr: ${child.#stderr}`));
      }, timeoutMs);
      const lines = createInterface({ input: child.#child.stdout! });
      lines.on('line', (line) => {
        if (!line.includes('"Kafka broker started"')) return;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { listeners: string[] }).listeners);
      });
      void child.#exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`kafka-broker exited with code ${code} before serving; stderr: ${child.#stderr}`));
      });
    });
    return { child, listeners };
  }

  /** SIGTERM, then waits for the exit. @returns the exit code (0 after a clean shutdown; null when killed). */
  async stop(): Promise<number | null> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
    return this.#exited;
  }
}
