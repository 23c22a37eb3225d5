// A cluster of real broker processes on the loopback interface for the cluster tests (issue 14 item 8) and the
// cluster benchmark: N combined broker+controller nodes, or controllers plus broker-only nodes, each with its own
// data directory, fixed free ports and generated server.properties, formatted with one cluster id and started with
// the `kafka-broker` CLI as an operator would (see ClusterNode), and torn down without leaving a process behind.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach } from 'node:test';
import { randomUuid, ZERO_UUID_STRING } from '../../src/common/uuid.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import type { CreateTopicsResponse } from '../../src/protocol/generated/messages/create-topics-response.ts';
import type { DeleteTopicsResponse } from '../../src/protocol/generated/messages/delete-topics-response.ts';
import { RawKafkaClient } from '../fixtures/e2e/raw-kafka-client.ts';
import { parseProperties } from '../../src/config/parse-properties.ts';
import { waitFor } from '../helpers/broker.ts';
import { removeOnExit } from './child-reaper.ts';
import { ClusterNode } from './cluster-node.ts';
import { clusterNodeProps, writeProperties, type NodeRole, type Voter } from './cluster-node-props.ts';

/**
 * A broker session of 3 s with heartbeats every 500 ms (Kafka's defaults: 9 s and 2 s), for tests where brokers die
 * or restart: a dead broker is fenced sooner, and a restarted one may register again once its old session expired.
 */
export const SHORT_SESSION_MS = 3000;
export const SHORT_HEARTBEAT_MS = 500;
export const SHORT_BROKER_SESSION: Readonly<Record<string, string>> = {
  'broker.session.timeout.ms': String(SHORT_SESSION_MS),
  'broker.heartbeat.interval.ms': String(SHORT_HEARTBEAT_MS),
};
import { describeQuorum, type QuorumDescription } from './describe-quorum.ts';
import { nodeMetadata } from './node-metadata.ts';

/**
 * The shape of a test cluster. Node ids: controllers (combined, then controller-only) from 1, then broker-only
 * nodes. With nothing set: three combined nodes.
 */
export interface TestClusterOptions {
  /** Combined `broker,controller` nodes (voters of the metadata quorum). */
  readonly combined?: number;
  /** Controller-only nodes (voters). */
  readonly controllers?: number;
  /** Broker-only nodes (observers of the quorum). */
  readonly brokers?: number;
  /** Server properties of every node (Kafka names), after the generated ones. */
  readonly overrides?: Record<string, string>;
  /** Server properties of one node by node id, after `overrides`. */
  readonly nodeOverrides?: Record<number, Record<string, string>>;
  /**
   * Each node on a host of its own (test/torture/network-hosts.ts): its address and network namespace. Nodes
   * then listen on that address with Kafka's default ports (9092 broker, 9093 controller).
   */
  readonly hosts?: { host(nodeId: number): { ip: string; netns: string } };
}

/**
 * A topic for {@link TestCluster.createTopics}: partitions and replication factor (1 and 1 by default), or explicit
 * replica ids per partition (the first of each is its preferred leader), and topic configs (Kafka names).
 */
export interface TopicToCreate {
  readonly topic: string;
  readonly numPartitions?: number;
  readonly replicationFactor?: number;
  readonly assignments?: readonly (readonly number[])[];
  readonly configs?: Record<string, string>;
}

function topicConfigs(t: TopicToCreate): { name: string; value: string }[] {
  return Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value }));
}

/** The quorum leader (the active controller once its metadata caught up) and the quorum as it describes it. */
export interface QuorumLeader {
  readonly node: ClusterNode;
  readonly quorum: QuorumDescription;
}

/**
 * Free loopback ports, all bound at once before any is released so that they differ. Another process may take
 * one before the broker binds it (the broker then fails to start and says so).
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<net.Server>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/**
 * Nodes that form one cluster. {@link TestCluster.create} writes and formats them; {@link TestCluster.start}
 * also starts them all and waits until each is serving. Nodes are driven one by one through {@link node}
 * (kill, stop, pause, start again). {@link teardown} kills every process and deletes the directory; call it in an
 * `after` hook (a process left by a crashed test is killed when the test process exits anyway).
 */
export class TestCluster {
  /** The cluster's directory: one sub-directory per node (config, data) unless built from config files. */
  readonly dir: string;
  readonly clusterId: string;
  readonly nodes: readonly ClusterNode[];
  readonly #forgetDir: () => void;

  private constructor(dir: string, clusterId: string, nodes: ClusterNode[]) {
    this.dir = dir;
    this.clusterId = clusterId;
    this.nodes = nodes;
    this.#forgetDir = removeOnExit(dir);
  }

  /**
   * Writes each node's server.properties under a new temp directory (node-<id>/server.properties, data in
   * node-<id>/logs, working directory node-<id>) with fixed free ports, and formats every node with one new
   * cluster id (`kafka-broker format`). Starts nothing.
   */
  static async create(options: TestClusterOptions = {}): Promise<TestCluster> {
    const combined = options.combined ?? (options.controllers === undefined && options.brokers === undefined ? 3 : 0);
    const roleList: NodeRole[][] = [
      ...Array.from({ length: combined }, (): NodeRole[] => ['broker', 'controller']),
      ...Array.from({ length: options.controllers ?? 0 }, (): NodeRole[] => ['controller']),
      ...Array.from({ length: options.brokers ?? 0 }, (): NodeRole[] => ['broker']),
    ];
    if (!roleList.some((r) => r.includes('controller'))) throw new Error('a cluster needs at least one controller');
    const hosts = options.hosts;
    const ports = hosts !== undefined ? [] : await freePorts(roleList.reduce((n, r) => n + r.length, 0));
    const shapes = roleList.map((roles, i) => ({
      nodeId: i + 1,
      roles,
      brokerPort: roles.includes('broker') ? (hosts !== undefined ? 9092 : ports.pop()!) : null,
      controllerPort: roles.includes('controller') ? (hosts !== undefined ? 9093 : ports.pop()!) : null,
      host: hosts?.host(i + 1).ip,
      netns: hosts?.host(i + 1).netns,
    }));
    const voters: Voter[] = shapes.filter((s) => s.controllerPort !== null).map((s) => ({ nodeId: s.nodeId, controllerPort: s.controllerPort!, host: s.host }));
    const dir = await mkdtemp(join(tmpdir(), 'kafka-cluster-test-'));
    const nodes: ClusterNode[] = [];
    for (const shape of shapes) {
      const nodeDir = join(dir, `node-${shape.nodeId}`);
      const configFile = join(nodeDir, 'server.properties');
      const props = clusterNodeProps(shape.nodeId, shape.roles, shape, voters, nodeDir, { ...options.overrides, ...options.nodeOverrides?.[shape.nodeId] });
      await mkdir(nodeDir, { recursive: true });
      await writeProperties(configFile, props, `node ${shape.nodeId} of a test cluster (${shape.roles.join(',')})`);
      nodes.push(new ClusterNode({ ...shape, configFile, logDirs: props['log.dirs']!.split(','), cwd: nodeDir }));
    }
    const cluster = new TestCluster(dir, randomUuid(), nodes);
    try {
      await cluster.#formatAll();
    } catch (e) {
      await cluster.teardown();
      throw e;
    }
    return cluster;
  }

  /** {@link create} then {@link startAll}. */
  static async start(options: TestClusterOptions = {}, timeoutMs = 60_000): Promise<TestCluster> {
    const cluster = await TestCluster.create(options);
    await cluster.startAll(timeoutMs);
    return cluster;
  }

  /**
   * A cluster of existing server.properties files used as they are (e.g. config/cluster/node-*.properties),
   * every command run from `cwd` (their relative log.dirs land there), formatted with one new cluster id. Roles,
   * node id and ports are read from each file: the broker port is the first listener not named in
   * controller.listener.names, the controller port the first one named there. {@link teardown} deletes `cwd`.
   */
  static async fromConfigFiles(files: readonly string[], cwd: string, clusterId = randomUuid()): Promise<TestCluster> {
    const nodes: ClusterNode[] = [];
    for (const configFile of files) {
      const props = parseProperties(await readFile(configFile, 'utf8'));
      const controllerNames = (props['controller.listener.names'] ?? '').split(',').map((s) => s.trim());
      const listeners = (props.listeners ?? '').split(',').map((l) => /^([^:]+):\/\/.*:(\d+)$/.exec(l.trim())).filter((m) => m !== null);
      const portOf = (controller: boolean): number | null => {
        const m = listeners.find((l) => controllerNames.includes(l[1]!) === controller);
        return m === undefined ? null : Number(m[2]);
      };
      const roles = (props['process.roles'] ?? '').split(',').map((r) => r.trim()) as NodeRole[];
      const logDirs = (props['log.dirs'] ?? props['log.dir'] ?? '').split(',').map((d) => resolve(cwd, d.trim()));
      nodes.push(new ClusterNode({ nodeId: Number(props['node.id']), roles, brokerPort: portOf(false), controllerPort: portOf(true), configFile, logDirs, cwd }));
    }
    const cluster = new TestCluster(cwd, clusterId, nodes);
    await cluster.#formatAll();
    return cluster;
  }

  async #formatAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.format(this.clusterId)));
  }

  /** The node with id `nodeId`. @throws Error when there is none. */
  node(nodeId: number): ClusterNode {
    const n = this.nodes.find((x) => x.nodeId === nodeId);
    if (n === undefined) throw new Error(`no node ${nodeId} in the cluster`);
    return n;
  }

  /** Nodes with the controller role (the voters). */
  get controllers(): ClusterNode[] {
    return this.nodes.filter((n) => n.isController);
  }

  /** Nodes with the broker role. */
  get brokers(): ClusterNode[] {
    return this.nodes.filter((n) => n.isBroker);
  }

  /** `host:port` of every broker that is up and not paused (a client's bootstrap list). */
  bootstrapServers(): string[] {
    return this.brokers.filter((n) => n.isUp && n.state !== 'paused').map((n) => n.bootstrap);
  }

  /**
   * Starts every node that is down, all at once (a voter's start waits for a quorum), and waits until each
   * serves and every running broker lists every running broker in its Metadata (see {@link waitForBrokers}).
   * @throws Error (after killing them all) when one does not start within `timeoutMs`.
   */
  async startAll(timeoutMs = 60_000): Promise<void> {
    const starting = this.nodes.filter((n) => !n.isUp);
    for (const n of starting) n.spawn();
    const results = await Promise.allSettled(starting.map((n) => n.ready(timeoutMs)));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(this.nodes.map((n) => n.kill()));
      throw failed.reason;
    }
    await this.waitForBrokers(this.brokers.filter((n) => n.isUp).map((n) => n.nodeId), timeoutMs);
  }

  /**
   * Waits until every broker that is up and not paused lists exactly the brokers `nodeIds` in its own Metadata
   * (the unfenced ones). A node serves clients as soon as the controller's heartbeat answer unfenced it, as
   * Kafka's brokers do, and its own metadata has the UnfenceBrokerRecord a moment later; a broker that died is
   * listed until its session expires (broker.session.timeout.ms) and the controller fences it.
   * @throws Error when they do not within `timeoutMs`.
   */
  async waitForBrokers(nodeIds: readonly number[], timeoutMs = 20_000): Promise<void> {
    const expected = [...nodeIds].sort((a, b) => a - b).join(',');
    await waitFor(`every running broker to list brokers [${expected}]`, async () => {
      const running = this.brokers.filter((n) => n.isUp && n.state !== 'paused');
      const answers = await Promise.all(running.map((n) => nodeMetadata(n.brokerPort!, undefined, n.host).catch(() => null)));
      return answers.every((m) => m?.brokers.join(',') === expected);
    }, timeoutMs, 100);
  }

  /**
   * Asks every controller that is up and not paused for the quorum (DescribeQuorum on its controller listener)
   * and returns the answer of the highest epoch, or null when no node answers as leader (an election is running).
   */
  async describeQuorum(): Promise<QuorumDescription | null> {
    const asked = this.controllers.filter((n) => n.isUp && n.state !== 'paused');
    const answers = await Promise.all(asked.map((n) => describeQuorum(n.controllerPort!, undefined, n.host)));
    let best: QuorumDescription | null = null;
    for (const a of answers) if (a !== null && (best === null || a.leaderEpoch > best.leaderEpoch)) best = a;
    return best;
  }

  /**
   * Polls {@link describeQuorum} until a node that is up leads at an epoch above `epochAbove`. That node is the
   * active controller once its metadata has replayed up to the epoch's LeaderChange record (a write sent before
   * gets NOT_CONTROLLER, which clients retry).
   * @throws Error when none does within `timeoutMs`.
   */
  async waitForLeader(options: { epochAbove?: number; timeoutMs?: number } = {}): Promise<QuorumLeader> {
    const epochAbove = options.epochAbove ?? 0;
    return waitFor(`a quorum leader at an epoch above ${epochAbove}`, async () => {
      const quorum = await this.describeQuorum();
      if (quorum === null || quorum.leaderEpoch <= epochAbove) return null;
      const node = this.node(quorum.leaderId);
      return node.isUp ? { node, quorum } : null;
    }, options.timeoutMs ?? 20_000, 100);
  }

  /**
   * Waits until `node`'s copy of the metadata log reaches the leader's high watermark as of this call (the leader
   * tracks every voter's and observer's fetch position), i.e. the node has every metadata record committed so far.
   * @throws Error when it does not within `timeoutMs`.
   */
  async waitForCatchUp(node: ClusterNode, timeoutMs = 20_000): Promise<void> {
    const { quorum } = await this.waitForLeader({ timeoutMs });
    const target = quorum.highWatermark;
    await waitFor(`node ${node.nodeId} to reach metadata offset ${target}`, async () => {
      const q = await this.describeQuorum();
      const replica = [...(q?.voters ?? []), ...(q?.observers ?? [])].find((r) => r.replicaId === node.nodeId);
      return replica !== undefined && replica.logEndOffset >= target;
    }, timeoutMs, 100);
  }

  /**
   * Creates `topics` (replication factor 1 unless given, or the explicit replica assignments) with CreateTopics v7 sent to the running brokers in turn (a broker
   * forwards it to the active controller), until one answers every topic with NONE or TOPIC_ALREADY_EXISTS (an
   * earlier attempt created it) or `timeoutMs` passes: what an application does while a controller fails over.
   * Not through kafkajs: its admin client asks Metadata for all topics on connect and fails while any partition has
   * no leader (its only replica on a fenced or stopped broker), as it does with Kafka. It does not wait for the
   * topic to reach every broker (see {@link waitForTopic}).
   * `retryMs` between attempts.
   * @returns the number of attempts. @throws Error with the last failure when the deadline passes.
   */
  async createTopics(topics: readonly TopicToCreate[], timeoutMs = 20_000, retryMs = 100): Promise<number> {
    const request = {
      topics: topics.map((t) => t.assignments === undefined
        ? { name: t.topic, numPartitions: t.numPartitions ?? 1, replicationFactor: t.replicationFactor ?? 1, assignments: [], configs: topicConfigs(t) }
        : { name: t.topic, numPartitions: -1, replicationFactor: -1, assignments: t.assignments.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds: [...brokerIds] })), configs: topicConfigs(t) }),
      timeoutMs: 5000,
      validateOnly: false,
    };
    return this.#metadataWrite(`create ${topics.map((t) => t.topic).join(', ')}`, timeoutMs, retryMs, async (client) => {
      const r = await client.request<CreateTopicsResponse>(ApiKeys.CreateTopics, 7, request, 6000);
      return r.topics.filter((t) => t.errorCode !== Errors.NONE && t.errorCode !== Errors.TOPIC_ALREADY_EXISTS).map((t) => `${t.name}: error ${t.errorCode} ${t.errorMessage ?? ''}`);
    });
  }

  /**
   * Deletes `topics` by name with DeleteTopics v6 as {@link createTopics} creates them: UNKNOWN_TOPIC_OR_PARTITION
   * (an earlier attempt deleted it) counts as deleted.
   * @returns the number of attempts. @throws Error with the last failure when `timeoutMs` passes.
   */
  async deleteTopics(topics: readonly string[], timeoutMs = 20_000): Promise<number> {
    const request = { topics: topics.map((name) => ({ name, topicId: ZERO_UUID_STRING })), topicNames: [], timeoutMs: 5000 };
    return this.#metadataWrite(`delete ${topics.join(', ')}`, timeoutMs, 100, async (client) => {
      const r = await client.request<DeleteTopicsResponse>(ApiKeys.DeleteTopics, 6, request, 6000);
      return r.responses.filter((t) => t.errorCode !== Errors.NONE && t.errorCode !== Errors.UNKNOWN_TOPIC_OR_PARTITION).map((t) => `${t.name}: error ${t.errorCode} ${t.errorMessage ?? ''}`);
    });
  }

  /**
   * Runs `attempt` (which returns the failures it got, none when done) on a connection to each running broker in
   * turn, every `retryMs`, until it succeeds or `timeoutMs` passes. @returns the number of attempts.
   */
  async #metadataWrite(what: string, timeoutMs: number, retryMs: number, attempt: (client: RawKafkaClient) => Promise<string[]>): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no broker is running';
    for (let attempts = 1; ; attempts++) {
      const running = this.bootstrapServers();
      if (running.length > 0) {
        const [host, port] = running[attempts % running.length]!.split(':');
        let client: RawKafkaClient | undefined;
        try {
          client = await RawKafkaClient.connect(Number(port), host);
          const failures = await attempt(client);
          if (failures.length === 0) return attempts;
          last = failures.join('; ');
        } catch (e) {
          last = (e as Error).message;
        } finally {
          client?.socket.destroy();
        }
      }
      if (Date.now() > deadline) throw new Error(`could not ${what} in ${timeoutMs} ms (${attempts} attempts): ${last}`);
      await new Promise((r) => setTimeout(r, retryMs));
    }
  }

  /**
   * Waits until every broker that is up and not paused lists `topic` with `numPartitions` partitions in its own
   * Metadata (the creation reached every node's metadata image).
   * @throws Error when one does not within `timeoutMs`.
   */
  async waitForTopic(topic: string, numPartitions: number, timeoutMs = 15_000): Promise<void> {
    await waitFor(`every broker to list ${topic} with ${numPartitions} partitions`, async () => {
      const running = this.brokers.filter((n) => n.isUp && n.state !== 'paused');
      const answers = await Promise.all(running.map((n) => nodeMetadata(n.brokerPort!, undefined, n.host).catch(() => null)));
      return answers.every((m) => m?.topics.get(topic) === numPartitions);
    }, timeoutMs, 100);
  }

  /** Prints the last `lines` log lines of every node to stderr (call it when a test failed). */
  printLogs(lines = 30): void {
    for (const n of this.nodes) process.stderr.write(`--- node ${n.nodeId} (${n.state}, ${n.runs} runs) ---\n${n.log.tail(lines)}\nstderr: ${n.stderr}\n`);
  }

  /** Kills every node (SIGKILL) and keeps the cluster's directory, also at process exit (for a diagnosis). */
  async killKeepingData(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    this.#forgetDir();
  }

  /** Kills every node (SIGKILL, paused ones included) and deletes the cluster's directory. Idempotent. */
  async teardown(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    await rm(this.dir, { recursive: true, force: true });
    this.#forgetDir();
  }
}

/**
 * Registers an `afterEach` hook that prints the cluster's recent log lines when the test just run failed: the
 * processes and their logs are gone after the teardown.
 */
export function printLogsOnFailure(cluster: () => TestCluster | undefined): void {
  afterEach((t) => {
    // TestContext.passed exists at run time (Node 21.7) but not in this @types/node's TestContext.
    if ((t as { passed?: boolean }).passed === false) cluster()?.printLogs();
  });
}
