import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { KafkaConfig } from '../../src/config/kafka-config.ts';
import { embeddedBrokerProps } from '../../src/embedded/embedded-broker-props.ts';
import { KafkaRaftServer, type KafkaRaftServerOptions } from '../../src/server/kafka-raft-server.ts';
import { BROKER_NODE_FLAGS } from '../../src/observability/tune-process.ts';

const REPO = new URL('../..', import.meta.url).pathname;

/**
 * Props of a single-node test broker on a free loopback port with its data in `dataDir`: the embedded broker's
 * (src/embedded/embedded-broker-props.ts) with three partitions for the internal topics and both group protocols.
 */
export function testBrokerProps(dataDir: string, overrides: Record<string, string> = {}): Record<string, string> {
  return embeddedBrokerProps(dataDir, {
    'offsets.topic.num.partitions': '3',
    'transaction.state.log.num.partitions': '3',
    'group.coordinator.rebalance.protocols': 'classic,consumer',
    ...overrides,
  });
}

export interface TestBroker {
  readonly server: KafkaRaftServer;
  readonly port: number;
  /** "127.0.0.1:<port>" */
  readonly bootstrap: string;
  readonly dataDir: string;
  /** Clean shutdown; the data dir is kept (see {@link TestBroker.cleanup}). */
  stop(): Promise<void>;
  /** Stops (if running) and removes the data dir. */
  cleanup(): Promise<void>;
}

/**
 * Starts a real broker in this process on a free port with a fresh temp data dir (or `dataDir`, to restart
 * over an existing one); `serverOptions` go to KafkaRaftServer.start beside the test defaults.
 */
export async function startBroker(options: { overrides?: Record<string, string>; dataDir?: string; serverOptions?: KafkaRaftServerOptions } = {}): Promise<TestBroker> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'kafka-broker-test-')));
  const config = KafkaConfig.fromProps(testBrokerProps(dataDir, options.overrides));
  // Every request frame comes from the pool and recycled memory is poisoned: a code path that kept using a produce
  // request's bytes after recycling them would read 0xEE garbage and fail the test that exercised it.
  const server = await KafkaRaftServer.start(config, { formatClusterId: 'test-cluster-id-00000A', framePool: { poison: true, minPooledBytes: 1 }, ...options.serverOptions });
  const port = server.boundPort('PLAINTEXT');
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server.shutdown();
  };
  return {
    server,
    port,
    bootstrap: `127.0.0.1:${port}`,
    dataDir,
    stop,
    async cleanup() {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly bootstrap: string;
  readonly dataDir: string;
  /** Sends a signal and waits for the exit; resolves with the exit code (null when killed by a signal). */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `bin/kafka-broker.js start` as a child process (for kill -9 tests) and waits for its "Kafka broker
 * started" log line, which carries the bound listener.
 * @param port 0 for a free port, or a fixed one to come back on the same port after a restart.
 */
export async function startBrokerProcess(dataDir: string, options: { port?: number; overrides?: Record<string, string>; timeoutMs?: number } = {}): Promise<BrokerProcess> {
  const port = options.port ?? 0;
  const props = testBrokerProps(dataDir, {
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:0`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    ...options.overrides,
  });
  const args = [...BROKER_NODE_FLAGS, join(REPO, 'bin/kafka-broker.js'), 'start', ...Object.entries(props).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  const child = spawn(process.execPath, args, {
    cwd: dataDir,
    env: { ...process.env, CLUSTER_ID: 'test-cluster-id-00000A', LOG_LEVEL: 'info', NODE_TEST_CONTEXT: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const bound = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // A broker that did not start in time must not outlive the test (it would keep the test run alive).
      child.kill('SIGKILL');
      reject(new Error(`broker did not start in time; stderr: ${stderr}`));
    }, options.timeoutMs ?? 30_000);
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.includes('Kafka broker started')) return;
      const listener = (JSON.parse(line) as { listeners: string[] }).listeners[0]!;
      clearTimeout(timer);
      resolve(Number(listener.slice(listener.lastIndexOf(':') + 1)));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited with ${code} before starting; stderr: ${stderr}`));
    });
  });
  return {
    child,
    port: bound,
    bootstrap: `127.0.0.1:${bound}`,
    dataDir,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** Polls `check` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 15_000, intervalMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
