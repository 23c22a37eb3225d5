// The embedded broker for tests (issue 19 item 5): `import { KafkaBroker } from 'kafka-broker'` (package.json
// "exports"). The broker's modules are imported dynamically, when a mode needs them: importing this file stays
// cheap, the child-process mode never loads the server, and the in-process mode can turn Node's module compile
// cache on before loading it (ESM compiles a static import graph before running any of it).
import { mkdtemp, rm } from 'node:fs/promises';
import module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrokerChildProcess } from './broker-child-process.ts';
import { embeddedBrokerProps, type ConfigValue } from './embedded-broker-props.ts';

export type { ConfigValue };

/** A topic to create before {@link KafkaBroker.start} returns: a name, or the name with its settings. */
export type EmbeddedTopic = string | {
  readonly name: string;
  /** Default: the broker's num.partitions (1 unless `config` sets it). */
  readonly partitions?: number;
  /** Default 1 (the only broker). */
  readonly replicationFactor?: number;
  /** Topic configs (cleanup.policy, retention.ms ...). */
  readonly configs?: Readonly<Record<string, ConfigValue>>;
};

/** What {@link KafkaBroker.start} takes; every field is optional. */
export interface KafkaBrokerOptions {
  /**
   * Any Kafka broker config (server.properties names: `auto.create.topics.enable`, `num.partitions`,
   * `log.retention.ms`, SASL and TLS listener settings ...), over the embedded defaults (a single combined node on
   * free loopback ports, internal topics of one partition, `group.initial.rebalance.delay.ms` 0). Validated as the
   * broker validates its config: an unknown name or a bad value rejects start().
   */
  readonly config?: Readonly<Record<string, ConfigValue>>;
  /** Topics created before start() resolves, each with a leader for every partition. */
  readonly topics?: readonly EmbeddedTopic[];
  /**
   * 'in-process' (default): the broker runs in this process, on its event loop (fastest start; a broker fault —
   * a failed fsync, a corrupt log — ends the process, as Kafka's fail-stop does). 'child-process': `kafka-broker
   * start` in a child process of the same Node binary (isolation: its own event loop, heap and fail-stop).
   */
  readonly mode?: 'in-process' | 'child-process';
  /** Level of the in-process broker's log lines (pino, on stdout): default 'warn'. */
  readonly logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** How long start() may take, in ms (start-up and topic creation); default 30,000. */
  readonly startTimeoutMs?: number;
}

/** How the embedded broker stops, whichever its mode. */
interface RunningBroker {
  stop(): Promise<void>;
}

/**
 * A real broker for a test run: a single KRaft node (broker and controller) on free loopback ports with its data in
 * a fresh temp directory, serving Kafka's protocol to any client (kafkajs, @platformatic/kafka, the Java client,
 * librdkafka).
 *
 * ```ts
 * const broker = await KafkaBroker.start({ topics: ['orders'], config: { 'auto.create.topics.enable': false } });
 * const kafka = new Kafka({ brokers: [broker.bootstrapServers] });
 * ...
 * await broker.stop(); // clean shutdown, then the temp directory is removed
 * ```
 * Also `await using broker = await KafkaBroker.start()` (Symbol.asyncDispose stops it).
 */
export class KafkaBroker {
  /** "host:port" of the broker listener, as clients take it (`bootstrap.servers`, kafkajs' `brokers`). */
  readonly bootstrapServers: string;
  /** The broker listeners: "PLAINTEXT://127.0.0.1:40123". */
  readonly listeners: readonly string[];
  /** The temp directory of the broker's data (removed by {@link stop}). */
  readonly dataDir: string;
  readonly mode: 'in-process' | 'child-process';
  /** The pid of the broker's process (this one in-process). */
  readonly pid: number;
  readonly #running: RunningBroker;
  #stopped: Promise<void> | null = null;

  private constructor(parts: { listeners: string[]; dataDir: string; mode: 'in-process' | 'child-process'; pid: number; running: RunningBroker }) {
    this.listeners = parts.listeners;
    this.bootstrapServers = hostPort(parts.listeners[0]!);
    this.dataDir = parts.dataDir;
    this.mode = parts.mode;
    this.pid = parts.pid;
    this.#running = parts.running;
  }

  /**
   * Starts a broker (see {@link KafkaBrokerOptions}) and creates `topics`.
   * @throws Error (the temp directory removed, the broker stopped) when the config is refused, a listener cannot
   *   be bound, a topic cannot be created (the broker's error: INVALID_REPLICATION_FACTOR, TOPIC_ALREADY_EXISTS ...)
   *   or start() takes longer than `startTimeoutMs`.
   */
  static async start(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
    const mode = options.mode ?? 'in-process';
    if (mode !== 'in-process' && mode !== 'child-process') throw new Error(`mode must be 'in-process' or 'child-process', got '${String(mode)}'`);
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    const dataDir = await mkdtemp(join(tmpdir(), 'kafka-broker-embedded-'));
    let running: RunningBroker | null = null;
    try {
      const props = embeddedBrokerProps(dataDir, options.config);
      let listeners: string[];
      let pid = process.pid;
      if (mode === 'in-process') {
        ({ running, listeners } = await startInProcess(props, options.logLevel ?? 'warn'));
      } else {
        const started = await BrokerChildProcess.start(props, dataDir, timeoutMs);
        running = { stop: async () => void (await started.child.stop()) };
        listeners = started.listeners;
        pid = started.child.pid;
      }
      if (listeners.length === 0) throw new Error('the broker has no listener: set `listeners` with a broker listener');
      const broker = new KafkaBroker({ listeners, dataDir, mode, pid, running });
      await broker.createTopics(options.topics ?? [], Math.max(1, deadline - Date.now()));
      return broker;
    } catch (e) {
      await running?.stop().catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Creates `topics` (CreateTopics through the broker) and waits until every partition has a leader.
   * @throws AdminError with the broker's error for a topic (TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS ...); Error when
   *   the leaders are not all elected within `timeoutMs`.
   */
  async createTopics(topics: readonly EmbeddedTopic[], timeoutMs = 30_000): Promise<void> {
    if (topics.length === 0) return;
    const [{ AdminClient }, { TopicService }, { Errors }] = await Promise.all([
      import('../cli/admin-client.ts'),
      import('../cli/topic-service.ts'),
      import('../protocol/generated/errors.ts'),
    ]);
    const [host, port] = splitHostPort(this.bootstrapServers);
    const client = new AdminClient([{ host, port }], { clientId: 'kafka-broker-embedded', timeoutMs });
    try {
      const service = new TopicService(client);
      const names: string[] = [];
      for (const t of topics) {
        const topic = typeof t === 'string' ? { name: t } : t;
        names.push(topic.name);
        await service.create({
          name: topic.name,
          numPartitions: topic.partitions ?? -1,
          replicationFactor: topic.replicationFactor ?? -1,
          assignment: null,
          configs: new Map(Object.entries(topic.configs ?? {}).map(([k, v]) => [k, String(v)])),
        });
      }
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const metadata = await client.metadata(names);
        const ready = metadata.topics.every((t) => t.errorCode === Errors.NONE && t.partitions.length > 0 && t.partitions.every((p) => p.errorCode === Errors.NONE && p.leaderId >= 0));
        if (ready) return;
        if (Date.now() > deadline) throw new Error(`the partitions of ${names.join(', ')} have no leader after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    } finally {
      client.close();
    }
  }

  /**
   * Shuts the broker down cleanly (in-process: KafkaRaftServer.shutdown; child: SIGTERM and its exit) and removes its
   * temp directory. Idempotent: later calls return the first call's promise.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      try {
        await this.#running.stop();
      } finally {
        await rm(this.dataDir, { recursive: true, force: true });
      }
    })();
    return this.#stopped;
  }

  /** `await using broker = await KafkaBroker.start()`: {@link stop} when the scope ends. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/**
 * The in-process broker. Its modules (~2 MB of TypeScript that Node strips and compiles) are loaded on first use,
 * after Node's module compile cache is turned on as `kafka-broker start` does (src/observability/tune-process.ts:
 * the compiled code is kept on disk, checked against each source's hash; importing the broker 1.0 s -> 0.3 s).
 * The cache is process-wide; NODE_DISABLE_COMPILE_CACHE=1 turns it off, NODE_COMPILE_CACHE picks its directory.
 */
async function startInProcess(props: Record<string, string>, logLevel: string): Promise<{ running: RunningBroker; listeners: string[] }> {
  try {
    module.enableCompileCache?.();
  } catch {
    // A runtime without it loads the modules uncached.
  }
  const [{ KafkaConfig }, { KafkaRaftServer, randomClusterId }, { rootLogger }] = await Promise.all([
    import('../config/kafka-config.ts'),
    import('../server/kafka-raft-server.ts'),
    import('../observability/logger.ts'),
  ]);
  const config = KafkaConfig.fromProps(props);
  const logger = rootLogger.child({ embedded: true }, { level: logLevel });
  const server = await KafkaRaftServer.start(config, { formatClusterId: randomClusterId(), logger });
  return { running: { stop: () => server.shutdown() }, listeners: server.brokerServer?.listenerUrls ?? [] };
}

/** "127.0.0.1:40123" of "PLAINTEXT://127.0.0.1:40123". */
function hostPort(listener: string): string {
  return listener.slice(listener.indexOf('://') + 3);
}

/** Host and port of "host:port" ("[::1]:9092" included). */
function splitHostPort(address: string): [string, number] {
  const colon = address.lastIndexOf(':');
  return [address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), Number(address.slice(colon + 1))];
}
