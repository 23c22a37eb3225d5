// The broker under test, as a child process (`bin/kafka-broker.js start`), so its CPU time and RSS can be read
// from procfs apart from the load generator's. Mirrors test/helpers/broker.ts startBrokerProcess, adding Node
// flags (the event-loop probe, --cpu-prof) and start-up timing.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { testBrokerProps } from '../../test/helpers/broker.ts';
import { BROKER_NODE_FLAGS } from '../../src/observability/tune-process.ts';
import { cpuSeconds, rssBytes } from './proc-stat.ts';
import type { EventLoopWindow } from './event-loop-probe.ts';
import { freePort } from './server-process.ts';

/** prom-client's event-loop timer period in the broker (metrics.ts eventLoopMonitoringPrecision), in ms. */
const BROKER_LAG_PRECISION_MS = 10;

/**
 * A window of the probe's figures plus the broker's own event-loop delay metric for the same window
 * (`nodejs_eventloop_lag_*_seconds` from its Prometheus endpoint, which prom-client resets at each scrape), in
 * ms beyond the metric's 10 ms timer period; `metric` is absent when the broker serves no such metric.
 */
export interface LoopWindow extends EventLoopWindow {
  metric?: { p50Ms: number; p99Ms: number; maxMs: number };
}

const REPO = new URL('../..', import.meta.url).pathname;
const PROBE = join(REPO, 'bench/lib/event-loop-probe.ts');

export interface BenchBrokerOptions {
  /** Broker config overrides on top of test/helpers/broker.ts testBrokerProps (Kafka config names). */
  overrides?: Record<string, string>;
  /** Fixed PLAINTEXT port (0: any free port). */
  port?: number;
  /** Directory for a V8 CPU profile written when the broker exits cleanly (node --cpu-prof). */
  cpuProfileDir?: string;
  /** Start-up deadline in ms (default 120,000: recovery of a large log takes a while). */
  timeoutMs?: number;
}

/**
 * A running broker process. `startMs` is the wall time from spawn to the "Kafka broker started" log line
 * (process start, log recovery, metadata replay, listeners bound).
 */
export class BenchBroker {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  readonly bootstrap: string;
  readonly dataDir: string;
  readonly startMs: number;
  readonly #eventLoopFile: string;
  readonly #metricsPort: number;
  readonly #exited: Promise<number | null>;

  private constructor(child: ChildProcess, port: number, dataDir: string, startMs: number, eventLoopFile: string, metricsPort: number, exited: Promise<number | null>) {
    this.child = child;
    this.pid = child.pid!;
    this.port = port;
    this.bootstrap = `127.0.0.1:${port}`;
    this.dataDir = dataDir;
    this.startMs = startMs;
    this.#eventLoopFile = eventLoopFile;
    this.#metricsPort = metricsPort;
    this.#exited = exited;
  }

  /**
   * Spawns the broker over `dataDir` (formatted on first start) and resolves once it logs "Kafka broker
   * started". @throws when it exits first or misses the deadline (with its stderr and last log lines).
   */
  static async start(dataDir: string, options: BenchBrokerOptions = {}): Promise<BenchBroker> {
    const port = options.port ?? 0;
    const metricsPort = await freePort();
    const props = testBrokerProps(dataDir, {
      listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:0`,
      'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
      'metrics.prometheus.listener': `127.0.0.1:${metricsPort}`,
      ...options.overrides,
    });
    mkdirSync(dataDir, { recursive: true });
    const eventLoopFile = join(dataDir, 'event-loop.jsonl');
    writeFileSync(eventLoopFile, '');
    const nodeFlags = [...BROKER_NODE_FLAGS, '--import', PROBE];
    if (options.cpuProfileDir !== undefined) nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`);
    const args = [...nodeFlags, join(REPO, 'bin/kafka-broker.js'), 'start', ...Object.entries(props).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
    const t0 = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: dataDir,
      env: { ...process.env, CLUSTER_ID: 'bench-cluster-id-0000A', LOG_LEVEL: 'info', BENCH_EVENT_LOOP_FILE: eventLoopFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    const lastLines: string[] = [];
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-8000)));
    // Keep draining stdout for the broker's whole life: a full pipe would block its logger.
    const lines = createInterface({ input: child.stdout! });
    const bound = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`broker did not start in time; stderr: ${stderr}; log: ${lastLines.join('\n')}`)), options.timeoutMs ?? 120_000);
      lines.on('line', (line) => {
        lastLines.push(line);
        if (lastLines.length > 20) lastLines.shift();
        if (!line.includes('Kafka broker started')) return;
        const listener = (JSON.parse(line) as { listeners: string[] }).listeners[0]!;
        clearTimeout(timer);
        resolve(Number(listener.slice(listener.lastIndexOf(':') + 1)));
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`broker exited with ${code} before starting; stderr: ${stderr}; log: ${lastLines.join('\n')}`));
      });
    });
    return new BenchBroker(child, bound, dataDir, performance.now() - t0, eventLoopFile, metricsPort, exited);
  }

  /** CPU seconds used by the broker process so far (all threads). */
  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  /** Resident set size in bytes. */
  rssBytes(): number {
    return rssBytes(this.pid);
  }

  /**
   * Closes the current event-loop window (SIGUSR2 to the probe, and a scrape of the broker's /metrics) and
   * returns its figures; call once before the load (to start a window) and once after. Polls the probe's file
   * with a 5 s deadline.
   */
  async eventLoopWindow(): Promise<LoopWindow> {
    const before = this.#windows().length;
    this.child.kill('SIGUSR2');
    const metric = await this.#scrapeLag();
    const deadline = Date.now() + 5000;
    for (;;) {
      const windows = this.#windows();
      if (windows.length > before) return { ...windows[windows.length - 1]!, metric };
      if (Date.now() > deadline) throw new Error('event-loop probe did not answer');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async #scrapeLag(): Promise<LoopWindow['metric']> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.#metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) return undefined;
      const text = await res.text();
      const get = (name: string): number | undefined => {
        const m = new RegExp(`^nodejs_eventloop_lag_${name}_seconds(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
        return m === null ? undefined : Math.max(0, Number(m[1]) * 1000 - BROKER_LAG_PRECISION_MS);
      };
      const p50Ms = get('p50');
      const p99Ms = get('p99');
      const maxMs = get('max');
      return p50Ms === undefined || p99Ms === undefined || maxMs === undefined ? undefined : { p50Ms, p99Ms, maxMs };
    } catch {
      return undefined;
    }
  }

  #windows(): EventLoopWindow[] {
    if (!existsSync(this.#eventLoopFile)) return [];
    return readFileSync(this.#eventLoopFile, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as EventLoopWindow);
  }

  /** Clean shutdown (SIGTERM); resolves with the exit code. */
  async stop(): Promise<number | null> {
    return this.kill('SIGTERM');
  }

  /** Sends `signal` (SIGKILL for a crash) and waits for the exit; resolves with the exit code (null if signalled). */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill(signal);
    return this.#exited;
  }
}
