// Broker processes for the fail-stop tests: `bin/kafka-broker.js start` as a child whose every log line is kept,
// so a test can wait for it to start, or to exit, and read the lines it wrote before exiting.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { testBrokerProps } from '../../helpers/broker.ts';
import { BROKER_NODE_FLAGS } from '../../../src/observability/tune-process.ts';

const REPO = new URL('../../..', import.meta.url).pathname;

export interface SpawnedBroker {
  readonly child: ChildProcess;
  /** Every stdout line so far (pino JSON lines). */
  readonly lines: readonly string[];
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal), once the process has exited. */
  readonly exited: Promise<number | null>;
  /** Resolves with the bound PLAINTEXT port once "Kafka broker started" is logged; rejects if it exits first. */
  started(timeoutMs?: number): Promise<number>;
  /** Resolves with the first line matching `match`, waiting for it; rejects if the process exits first. */
  waitForLine(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** SIGTERM (or `signal`) and the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  /** Broker configs over testBrokerProps(dataDir) (log.dirs defaults to `<dataDir>/logs`). */
  overrides?: Record<string, string>;
  /** Node options before the script (e.g. `--import <preload>`). */
  nodeArgs?: string[];
  /**
   * A command the node process runs under, e.g. ['unshare', '--pid', '--fork', '--kill-child']; {@link
   * SpawnedBroker.stop} then signals the node process itself (unshare --fork ignores SIGTERM).
   */
  wrapper?: string[];
  env?: Record<string, string>;
}

/** Starts `kafka-broker start` on a free port with its data in `dataDir` (cwd); does not wait for anything. */
export function spawnBroker(dataDir: string, options: SpawnOptions = {}): SpawnedBroker {
  const props = testBrokerProps(dataDir, { listeners: 'PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0', 'advertised.listeners': 'PLAINTEXT://127.0.0.1:0', ...options.overrides });
  const nodeArgs = [...BROKER_NODE_FLAGS, ...(options.nodeArgs ?? []), join(REPO, 'bin/kafka-broker.js'), 'start', ...Object.entries(props).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  const [command, ...args] = [...(options.wrapper ?? []), process.execPath, ...nodeArgs];
  const child = spawn(command!, args, {
    cwd: dataDir,
    env: { ...process.env, CLUSTER_ID: 'test-cluster-id-00000A', LOG_LEVEL: 'info', NODE_TEST_CONTEXT: undefined, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const l of listeners) l();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
    for (const l of listeners) l();
  });

  const waitForLine = (match: (line: string) => boolean, timeoutMs = 30_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new Error(`no matching log line in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      const check = (): void => {
        const found = lines.find(match);
        if (found !== undefined) finish(null, found);
        else if (exitCode !== undefined) finish(new Error(`broker exited with ${exitCode} before the line; stderr: ${stderr}; stdout tail: ${lines.slice(-5).join('\n')}`));
      };
      function finish(err: Error | null, line?: string): void {
        clearTimeout(timer);
        listeners.delete(check);
        if (err === null) resolve(line!);
        else reject(err);
      }
      listeners.add(check);
      check();
    });

  return {
    child,
    lines,
    stderr: () => stderr,
    exited,
    async started(timeoutMs = 30_000) {
      const line = await waitForLine((l) => l.includes('"Kafka broker started"'), timeoutMs);
      const listener = (JSON.parse(line) as { listeners: string[] }).listeners[0]!;
      return Number(listener.slice(listener.lastIndexOf(':') + 1));
    },
    waitForLine,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (exitCode !== undefined) return exitCode;
      if (options.wrapper === undefined) {
        child.kill(signal);
      } else {
        const pids = spawnSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).stdout.split('\n').filter((p) => p !== '');
        for (const pid of pids) process.kill(Number(pid), signal);
        if (pids.length === 0) child.kill(signal);
      }
      return exited;
    },
  };
}

/** The pino records of `lines` at `level` (60 fatal, 50 error). */
export function logRecords(lines: readonly string[], level: number): { msg: string; [k: string]: unknown }[] {
  return lines.flatMap((l) => {
    try {
      const r = JSON.parse(l) as { level: number; msg: string };
      return r.level === level ? [r] : [];
    } catch {
      return [];
    }
  });
}

/**
 * Mounts a tmpfs of `sizeMb` MB at `dir` (a real file system that fills up: writes fail with ENOSPC).
 * @returns `{ skip }` with the reason when it cannot (not root, or no CAP_SYS_ADMIN).
 */
export async function mountTmpfs(dir: string, sizeMb: number): Promise<{ skip: string } | { unmount(): void; resize(sizeMb: number): void }> {
  if (process.getuid?.() !== 0) return { skip: 'mounting a tmpfs needs root (run the tests as root to get the full-disk tests)' };
  await mkdir(dir, { recursive: true });
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mount.status !== 0) return { skip: `mount -t tmpfs failed (no CAP_SYS_ADMIN in this container?): ${mount.stderr.trim()}` };
  return {
    unmount: () => {
      spawnSync('umount', ['-l', dir]);
    },
    resize: (mb: number) => {
      const r = spawnSync('mount', ['-o', `remount,size=${mb}m`, dir], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`remount failed: ${r.stderr}`);
    },
  };
}
