// One node of a test cluster: a `bin/kafka-broker.js` process started from its server.properties file exactly as an
// operator starts it (`kafka-broker format --config <file> --cluster-id <id>`, then `kafka-broker start --config
// <file>`, from the node's own working directory, with the Node flags of the `kafka-broker` shebang), with its
// stdout log kept across restarts, and the faults a test inflicts on it: kill -9, SIGTERM, SIGSTOP/SIGCONT.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { BROKER_NODE_FLAGS } from '../../src/observability/tune-process.ts';
import { POISON_FRAMES_ENV } from '../../src/cli/main.ts';
import { reapOnExit } from './child-reaper.ts';
import { NodeLog, type LogLine } from './node-log.ts';
import type { NodeRole } from './cluster-node-props.ts';

const REPO = new URL('../..', import.meta.url).pathname;
const KAFKA_BROKER = join(REPO, 'bin/kafka-broker.js');
const run = promisify(execFile);

/** The log line a node writes once it serves its listeners (KafkaRaftServer.start). */
export const STARTED_MSG = 'Kafka broker started';

/** Where a node's process stands, as this harness drove it. */
export type NodeState = 'down' | 'starting' | 'running' | 'paused';

/** How a run of the process ended: its exit code, or the signal that killed it. */
export interface NodeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What a {@link ClusterNode} is made of. */
export interface ClusterNodeSpec {
  readonly nodeId: number;
  readonly roles: readonly NodeRole[];
  /** PLAINTEXT port of the broker role (null for a controller-only node). */
  readonly brokerPort: number | null;
  /** CONTROLLER port of the controller role (null for a broker-only node). */
  readonly controllerPort: number | null;
  /** The node's server.properties. */
  readonly configFile: string;
  /** Its log.dirs, absolute; the first holds the metadata log (`__cluster_metadata-0`). */
  readonly logDirs: readonly string[];
  /** Working directory of its commands (relative log.dirs resolve against it). */
  readonly cwd: string;
  /** The address its listeners bind (127.0.0.1 by default). */
  readonly host?: string;
  /** The network namespace its process runs in (test/torture/network-hosts.ts), or none. */
  readonly netns?: string;
}

/**
 * The environment of a node's commands: info logs; not a child of the test runner (NODE_TEST_CONTEXT). Under the
 * test runner recycled frame memory is poisoned (a path reading a frame after its release then fails the test);
 * not for the bench, where filling every released frame would cost CPU.
 */
function nodeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info' };
  if (env.NODE_TEST_CONTEXT !== undefined) env[POISON_FRAMES_ENV] = '1';
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/**
 * A node's process across its runs. `start` spawns `kafka-broker start --config <file>` and resolves on its
 * "Kafka broker started" line; `kill` (SIGKILL), `stop` (SIGTERM, waits for the exit code), `pause`/`resume`
 * (SIGSTOP/SIGCONT) fault it; `start` again restarts it over the same data and ports. Every stdout line of every
 * run is in {@link ClusterNode.log}. A process left running is killed when the test process exits.
 */
export class ClusterNode {
  readonly nodeId: number;
  readonly roles: readonly NodeRole[];
  readonly brokerPort: number | null;
  readonly controllerPort: number | null;
  readonly configFile: string;
  readonly logDirs: readonly string[];
  readonly cwd: string;
  readonly host: string;
  readonly netns: string | undefined;
  readonly log = new NodeLog();
  #child: ChildProcess | null = null;
  #closed: Promise<NodeExit> | null = null;
  #state: NodeState = 'down';
  #stateBeforePause: NodeState = 'down';
  #runs = 0;
  #stderr = '';
  #lastExit: NodeExit | null = null;

  constructor(spec: ClusterNodeSpec) {
    this.nodeId = spec.nodeId;
    this.roles = spec.roles;
    this.brokerPort = spec.brokerPort;
    this.controllerPort = spec.controllerPort;
    this.configFile = spec.configFile;
    this.logDirs = spec.logDirs;
    this.cwd = spec.cwd;
    this.host = spec.host ?? '127.0.0.1';
    this.netns = spec.netns;
  }

  get isBroker(): boolean {
    return this.roles.includes('broker');
  }

  get isController(): boolean {
    return this.roles.includes('controller');
  }

  /** "<host>:<PLAINTEXT port>". @throws Error on a controller-only node. */
  get bootstrap(): string {
    if (this.brokerPort === null) throw new Error(`node ${this.nodeId} has no broker listener`);
    return `${this.host}:${this.brokerPort}`;
  }

  /** The directory of the node's copy of the metadata log (metadata.log.dir unset: the first log dir). */
  get metadataLogDir(): string {
    return join(this.logDirs[0]!, '__cluster_metadata-0');
  }

  /**
   * Base offset of the oldest segment file (`<20-digit offset>.log`) of the node's metadata log: it moves up when
   * the raft client trims the log below a snapshot (metadata.max.retention.*). @throws Error when there is none.
   */
  async oldestMetadataSegmentOffset(): Promise<number> {
    const bases = (await readdir(this.metadataLogDir)).filter((f) => /^\d{20}\.log$/.test(f)).map((f) => Number(f.slice(0, 20)));
    if (bases.length === 0) throw new Error(`node ${this.nodeId} has no metadata log segment in ${this.metadataLogDir}`);
    return Math.min(...bases);
  }

  get state(): NodeState {
    return this.#state;
  }

  /** Whether a process of this node is alive (running, starting or paused). */
  get isUp(): boolean {
    return this.#state !== 'down';
  }

  /** Pid of the current process, or null when down. */
  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  /** Number of processes started so far; log lines carry it as `run`. */
  get runs(): number {
    return this.#runs;
  }

  /** How the previous process ended, or null if none has. */
  get lastExit(): NodeExit | null {
    return this.#lastExit;
  }

  /** stderr of the current (or last) run, last 8,000 characters. */
  get stderr(): string {
    return this.#stderr;
  }

  /**
   * `kafka-broker format --config <file> --cluster-id <clusterId>` from the node's working directory.
   * @returns its stdout ("Formatted <dir> with cluster.id ..." per directory). @throws Error when it fails.
   */
  async format(clusterId: string): Promise<string> {
    const { stdout } = await run(process.execPath, [...BROKER_NODE_FLAGS, KAFKA_BROKER, 'format', '--config', this.configFile, '--cluster-id', clusterId], {
      cwd: this.cwd,
      env: nodeEnv(),
    });
    return stdout;
  }

  /** Spawns `kafka-broker start --config <file>` without waiting for it (see {@link ready}). @throws Error when up. */
  spawn(): void {
    if (this.#child !== null) throw new Error(`node ${this.nodeId} is already up (pid ${this.pid})`);
    const runNo = ++this.#runs;
    this.#stderr = '';
    const argv = [process.execPath, ...BROKER_NODE_FLAGS, KAFKA_BROKER, 'start', '--config', this.configFile];
    // `ip netns exec` execs the broker after entering the namespace: the child's pid is the broker's.
    const [cmd, ...args] = this.netns === undefined ? argv : ['ip', 'netns', 'exec', this.netns, ...argv];
    const child = spawn(cmd!, args, {
      cwd: this.cwd,
      env: nodeEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    reapOnExit(child);
    this.#child = child;
    this.#state = 'starting';
    // Drained for the whole life of the process: a full pipe would block the broker's logger.
    createInterface({ input: child.stdout! }).on('line', (line) => this.log.push(line, runNo));
    child.stderr!.on('data', (d: Buffer) => (this.#stderr = (this.#stderr + d.toString()).slice(-8000)));
    // 'close' comes after stdout ended: every line of the run is in the log when it resolves.
    this.#closed = new Promise<NodeExit>((resolve) => {
      child.once('close', (code, signal) => {
        const exit = { code, signal };
        this.#lastExit = exit;
        if (this.#child === child) {
          this.#child = null;
          this.#state = 'down';
        }
        resolve(exit);
      });
    });
  }

  /**
   * Waits for the current run's "Kafka broker started" line and returns it. A process that does not start in time
   * is killed (it must not outlive the test).
   * @throws Error with the node's stderr and last log lines when it exits first or `timeoutMs` passes.
   */
  async ready(timeoutMs = 30_000): Promise<LogLine> {
    const runNo = this.#runs;
    const closed = this.#closed;
    if (closed === null) throw new Error(`node ${this.nodeId} was never started`);
    try {
      const line = await this.log.waitFor((l) => l.run === runNo && l.msg === STARTED_MSG, { timeoutMs, abort: closed });
      if (this.#state === 'starting') this.#state = 'running';
      return line;
    } catch (e) {
      await this.kill();
      throw new Error(`node ${this.nodeId} did not start: ${(e as Error).message}\nstderr: ${this.#stderr}`);
    }
  }

  /** {@link spawn} then {@link ready}: starts (or restarts) the node over its data and ports. */
  async start(timeoutMs = 30_000): Promise<LogLine> {
    this.spawn();
    return this.ready(timeoutMs);
  }

  /** kill -9. Resolves once the process is gone (a no-op when down). */
  async kill(): Promise<NodeExit | null> {
    return this.#signalAndWait('SIGKILL');
  }

  /**
   * SIGTERM (a clean shutdown: a leader hands over leadership first), resumed first if paused; resolves with how
   * the process ended. @throws Error when it is still running after `timeoutMs` (it is then killed).
   */
  async stop(timeoutMs = 30_000): Promise<NodeExit | null> {
    if (this.#state === 'paused') this.resume();
    const closed = this.#closed;
    if (this.#child === null || closed === null) return null;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    this.#child.kill('SIGTERM');
    const outcome = await Promise.race([closed, late]);
    clearTimeout(timer);
    if (outcome === 'late') {
      await this.kill();
      throw new Error(`node ${this.nodeId} still running ${timeoutMs} ms after SIGTERM; last lines:\n${this.log.tail(15)}`);
    }
    return outcome;
  }

  /** SIGSTOP: the process freezes (its sockets stay open, nothing answers). @throws Error when not up. */
  pause(): void {
    this.#signal('SIGSTOP');
    if (this.#state !== 'paused') this.#stateBeforePause = this.#state;
    this.#state = 'paused';
  }

  /** SIGCONT after {@link pause}. */
  resume(): void {
    this.#signal('SIGCONT');
    if (this.#state === 'paused') this.#state = this.#stateBeforePause;
  }

  #signal(signal: NodeJS.Signals): void {
    if (this.#child === null) throw new Error(`node ${this.nodeId} is down`);
    this.#child.kill(signal);
  }

  async #signalAndWait(signal: NodeJS.Signals): Promise<NodeExit | null> {
    const closed = this.#closed;
    if (this.#child === null || closed === null) return null;
    this.#child.kill(signal);
    return closed;
  }
}
