import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BROKER_NODE_FLAGS } from '../../../src/observability/tune-process.ts';

const BIN = fileURLToPath(new URL('../../../bin/kafka-broker.js', import.meta.url));

/** What a `kafka-broker` command printed and its exit code. */
export interface CommandRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `kafka-broker <args>` as an operator would (from `cwd`, default this process's), and resolves with its exit
 * code and output; killed after `timeoutMs`.
 */
export function kafkaBroker(args: readonly string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CommandRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: options.cwd, env: { PATH: process.env.PATH ?? '' }, timeout: options.timeoutMs ?? 90_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The ports and directory of one combined node of a test cluster on loopback. */
export interface NodeLayout {
  readonly nodeId: number;
  readonly brokerPort: number;
  readonly controllerPort: number;
  readonly dataDir: string;
}

/**
 * Writes the server.properties of a combined node of a dynamic quorum (Kafka 4.x's config/server.properties
 * shape: controller.quorum.bootstrap.servers, no controller.quorum.voters) and returns its path.
 */
export async function writeDynamicNodeConfig(dir: string, node: NodeLayout, bootstrapControllers: readonly number[], extra: Record<string, string> = {}): Promise<string> {
  const props: Record<string, string> = {
    'process.roles': 'broker,controller',
    'node.id': String(node.nodeId),
    'controller.quorum.bootstrap.servers': bootstrapControllers.map((p) => `127.0.0.1:${p}`).join(','),
    listeners: `PLAINTEXT://127.0.0.1:${node.brokerPort},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${node.brokerPort},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': node.dataDir,
    'num.partitions': '1',
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
    ...extra,
  };
  const file = join(dir, `node-${node.nodeId}.properties`);
  await writeFile(file, Object.entries(props).map(([k, v]) => `${k}=${v}\n`).join(''));
  return file;
}

/** A `kafka-broker start` process. */
export interface NodeProcess {
  readonly child: ChildProcess;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code once it exited (null when killed). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `kafka-broker start --config <file> [--override key=value ...]` and waits for its "Kafka broker started"
 * log line; a process that does not start in time is killed.
 */
export async function startNodeProcess(configFile: string, cwd: string, overrides: readonly string[] = [], timeoutMs = 60_000): Promise<NodeProcess> {
  const child = spawn(process.execPath, [...BROKER_NODE_FLAGS, BIN, 'start', '--config', configFile, ...overrides.flatMap((o) => ['--override', o])], {
    cwd,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${configFile}: the node did not start in time; stderr: ${stderr}`));
    }, timeoutMs);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('Kafka broker started')) return;
      clearTimeout(timer);
      resolve();
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${configFile}: the node exited with ${code} before starting; stderr: ${stderr}`));
    });
  });
  // Keep reading stdout so that the process never blocks on a full pipe.
  child.stdout!.resume();
  return {
    child,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}
