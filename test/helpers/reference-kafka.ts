// Apache Kafka 4.4.0 itself, the reference the project is measured against: a real single-node combined KRaft
// broker (process.roles=broker,controller) started as a JVM child process from the jars that reference/pom.xml
// pins, on free loopback ports, in its own temp data dir formatted as Kafka's quick start does (kafka-storage
// format with a cluster id), and stopped by pid. The differential suite (test/reference/) sends the same requests
// to it and to our broker; `npm run reference-kafka` starts one by hand.
import { randomUuid } from '../../src/common/uuid.ts';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { testBrokerProps } from './broker.ts';
import { freePorts } from './role-nodes.ts';

const REFERENCE_DIR = fileURLToPath(new URL('../../reference/', import.meta.url));
/** Written by `mvn -f reference/pom.xml dependency:build-classpath` (.ci/run, `npm run reference-kafka`). */
export const REFERENCE_CLASSPATH_FILE = join(REFERENCE_DIR, 'target', 'classpath.txt');
const LOG4J_CONFIG = join(REFERENCE_DIR, 'log4j2.properties');

/**
 * The JVM heap of kafka-server-start.sh when KAFKA_HEAP_OPTS is unset. Tests pass a smaller one
 * ({@link TEST_HEAP_OPTS}); `KAFKA_HEAP_OPTS` in the environment overrides both, as in Kafka's script.
 */
export const KAFKA_DEFAULT_HEAP_OPTS = ['-Xmx1G', '-Xms1G'];
/** The heap of a test's reference broker: a single node with a few topics needs far less than 1 GiB committed. */
export const TEST_HEAP_OPTS = ['-Xmx512M', '-Xms256M'];
/** kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS. */
const KAFKA_JVM_PERFORMANCE_OPTS = ['-server', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35', '-XX:+ExplicitGCInvokesConcurrent', '-XX:MaxInlineLevel=15', '-Djava.awt.headless=true'];

/** The resolved jars of Apache Kafka 4.4.0 (`java -cp` form), or undefined when reference/pom.xml was not resolved here. */
export function referenceClasspath(): string | undefined {
  if (!existsSync(REFERENCE_CLASSPATH_FILE)) return undefined;
  const classpath = readFileSync(REFERENCE_CLASSPATH_FILE, 'utf8').trim();
  return classpath.split(':').every((jar) => existsSync(jar)) ? classpath : undefined;
}

/** Whether the reference broker can start here (the classpath is resolved; `java` is assumed on PATH, as for the tools). */
export const REFERENCE_KAFKA_AVAILABLE = referenceClasspath() !== undefined;

/**
 * Resolves reference/pom.xml's dependencies into ~/.m2 and writes {@link REFERENCE_CLASSPATH_FILE} (needs Maven and,
 * the first time, Maven Central). @throws Error with Maven's output when it fails.
 */
export function resolveReferenceClasspath(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('mvn', ['-q', '-B', '-f', join(REFERENCE_DIR, 'pom.xml'), 'dependency:build-classpath'], { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const classpath = referenceClasspath();
      if (err !== null || classpath === undefined) reject(new Error(`mvn dependency:build-classpath failed: ${err?.message ?? ''}\n${stdout}${stderr}`));
      else resolve(classpath);
    });
  });
}

/**
 * Props of the reference node: our test broker's own (test/helpers/broker.ts testBrokerProps), so that both brokers
 * of a differential test run the same configuration, on fixed ports (Kafka's controller.quorum.voters needs the
 * controller port before start-up).
 */
export function referenceKafkaProps(dataDir: string, port: number, controllerPort: number, overrides: Record<string, string> = {}): Record<string, string> {
  return testBrokerProps(dataDir, {
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    ...overrides,
  });
}

export interface ReferenceKafkaOptions {
  /** Broker properties beside (and over) {@link referenceKafkaProps}. */
  readonly overrides?: Record<string, string>;
  /** JVM heap flags; default Kafka's own (-Xmx1G -Xms1G); KAFKA_HEAP_OPTS in the environment wins. */
  readonly heapOpts?: readonly string[];
  /** The PLAINTEXT port; default a free one. */
  readonly port?: number;
  /** How long formatting plus start-up may take (ms); default 60 s. */
  readonly timeoutMs?: number;
  /** Kafka's standard output lines go here as well (the by-hand script prints them). */
  readonly onLine?: (line: string) => void;
  /**
   * Use this data dir (log.dirs = `<dataDir>/logs`) instead of a fresh temp one, formatting it only when it has no
   * logs/meta.properties yet (so a data dir a previous run or our broker left is started as it is);
   * {@link ReferenceKafka.stop} then keeps it.
   */
  readonly dataDir?: string;
  /** kafka-storage format's --release-version (the metadata.version to bootstrap, e.g. "4.2"); default Kafka's latest. */
  readonly releaseVersion?: string;
}

/** A running reference broker. */
export interface ReferenceKafka {
  readonly pid: number;
  readonly port: number;
  /** "127.0.0.1:<port>" */
  readonly bootstrap: string;
  readonly controllerPort: number;
  readonly clusterId: string;
  readonly dataDir: string;
  /** The last lines Kafka logged (for a failure message). */
  logTail(): string;
  /**
   * SIGTERM (Kafka's controlled shutdown), SIGKILL when it has not exited within `graceMs` (default 15 s), then
   * removes the data dir unless it was given ({@link ReferenceKafkaOptions.dataDir}). Idempotent.
   */
  stop(graceMs?: number): Promise<void>;
}

// Every JVM this process started and has not seen exit: killed when this process exits, however it exits, so a
// failing test never leaves a Kafka behind.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Runs `java` with the reference jars on the class path and the reference logging config, then `args` (a main class
 * or a single-file program's .java path, and its arguments); resolves with the exit code (-1 when killed after
 * `timeoutMs`), stdout and stderr. @throws Error when the jars are not resolved.
 */
export function runReferenceJava(args: string[], timeoutMs = 60_000): Promise<{ code: number; stdout: string; stderr: string; output: string }> {
  const classpath = referenceClasspath();
  if (classpath === undefined) throw new Error(`reference Kafka jars not resolved (${REFERENCE_CLASSPATH_FILE} missing)`);
  return new Promise((resolve) => {
    execFile('java', ['-cp', classpath, `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, ...args], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr, output: stdout + stderr });
    });
  });
}

/** A random base64url cluster id of 16 bytes, as `kafka-storage random-uuid` prints. */

/**
 * Formats a fresh temp data dir (kafka.tools.StorageTool format, static voters, Kafka's default feature levels) and
 * starts Apache Kafka 4.4.0 (kafka.Kafka) on it; resolves once Kafka logs "Kafka Server started", which it does
 * after the broker has registered and been unfenced, so it serves clients.
 * @throws Error (with Kafka's last log lines) when the jars are not resolved, formatting fails, the JVM exits, or
 * start-up takes longer than `timeoutMs`; the JVM and the data dir are then gone.
 */
export async function startReferenceKafka(options: ReferenceKafkaOptions = {}): Promise<ReferenceKafka> {
  const classpath = referenceClasspath();
  if (classpath === undefined) throw new Error(`reference Kafka jars not resolved: run mvn -f reference/pom.xml dependency:build-classpath (${REFERENCE_CLASSPATH_FILE} missing)`);
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'reference-kafka-')));
  const [freePort, controllerPort] = await freePorts(2);
  const port = options.port ?? freePort!;
  const props = referenceKafkaProps(dataDir, port, controllerPort!, options.overrides);
  const propsFile = join(dataDir, 'server.properties');
  await writeFile(propsFile, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const metaProperties = join(dataDir, 'logs', 'meta.properties');
  let clusterId: string;
  if (!existsSync(metaProperties)) {
    clusterId = randomUuid();
    const release = options.releaseVersion === undefined ? [] : ['--release-version', options.releaseVersion];
    const format = await runReferenceJava(['kafka.tools.StorageTool', 'format', '--cluster-id', clusterId, '--config', propsFile, ...release]);
    if (format.code !== 0) {
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
      throw new Error(`kafka-storage format failed (${format.code}):\n${format.output}`);
    }
  } else {
    clusterId = /^cluster\.id=(.*)$/m.exec(readFileSync(metaProperties, 'utf8'))?.[1] ?? '';
  }
  const heapOpts = process.env['KAFKA_HEAP_OPTS']?.split(/\s+/).filter((s) => s !== '') ?? options.heapOpts ?? KAFKA_DEFAULT_HEAP_OPTS;
  const child = spawn('java', [...heapOpts, ...KAFKA_JVM_PERFORMANCE_OPTS, `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, '-cp', classpath, 'kafka.Kafka', propsFile], {
    cwd: dataDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    running.delete(child);
    resolve();
  }));
  const tail: string[] = [];
  const onLine = (line: string): void => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    options.onLine?.(line);
  };
  createInterface({ input: child.stderr! }).on('line', onLine);
  const lines = createInterface({ input: child.stdout! });

  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 15_000): Promise<void> => (stopping ??= (async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
  })());

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Apache Kafka did not start within ${options.timeoutMs ?? 60_000} ms`)), options.timeoutMs ?? 60_000);
      lines.on('line', (line) => {
        onLine(line);
        if (!line.includes('Kafka Server started')) return;
        clearTimeout(timer);
        resolve();
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`Apache Kafka exited (${child.exitCode ?? child.signalCode}) before starting`));
      });
    });
  } catch (err) {
    await stop(0);
    throw new Error(`${(err as Error).message}; its last lines:\n${tail.join('\n')}`);
  }
  return {
    pid: child.pid!,
    port,
    bootstrap: `127.0.0.1:${port}`,
    controllerPort: controllerPort!,
    clusterId,
    dataDir,
    logTail: () => tail.join('\n'),
    stop,
  };
}
