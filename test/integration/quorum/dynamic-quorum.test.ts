import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { waitFor } from '../../helpers/broker.ts';
import { freePorts, tempDir } from './in-process-nodes.ts';
import { kafkaBroker, startNodeProcess, writeDynamicNodeConfig, type NodeLayout, type NodeProcess } from './process-nodes.ts';

// KIP-853 through real processes and the command line, as an operator grows a quorum in Kafka 4.x: a controller
// formatted --standalone, two more formatted --no-initial-controllers that start as observers and are added with
// `metadata-quorum add-controller`; the leader is killed and the two others go on; the dead one is removed with
// `metadata-quorum remove-controller`. Every step is checked with `metadata-quorum describe`.

const CLUSTER_ID = 'MkU3OEVBNTcwNTJENDM2Qg';
/** Apache Kafka's own config files. */
const FIXTURES = fileURLToPath(new URL('../../fixtures/kafka-config/', import.meta.url));

/** The directory.id of a node's meta.properties. */
async function directoryId(dataDir: string): Promise<string> {
  const text = await readFile(join(dataDir, 'meta.properties'), 'utf8');
  return /^directory\.id=(.+)$/m.exec(text)![1]!;
}

/** Nodes 1-3 on free loopback ports, each with its data directory under `dir`. */
async function threeNodes(dir: string): Promise<NodeLayout[]> {
  const ports = await freePorts(6);
  return [1, 2, 3].map((nodeId, i) => ({ nodeId, brokerPort: ports[2 * i]!, controllerPort: ports[2 * i + 1]!, dataDir: join(dir, `data-${nodeId}`) }));
}

/** A node's broker listener, host:port. */
function brokerAddress(n: NodeLayout): string {
  return `127.0.0.1:${n.brokerPort}`;
}

/** `metadata-quorum ... describe --status` parsed into its lines (label → value). */
async function describeStatus(flag: '--bootstrap-server' | '--bootstrap-controller', address: string): Promise<Map<string, string>> {
  const run = await kafkaBroker(['metadata-quorum', flag, address, 'describe', '--status']);
  assert.equal(run.code, 0, run.stderr);
  return new Map(run.stdout.trimEnd().split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(24)]));
}

test('a dynamic quorum grows from a standalone controller to three with add-controller, survives the loss of its leader, and shrinks with remove-controller', async () => {
  const { dir, cleanup } = await tempDir('kafka-dynamic-quorum-');
  const nodes = await threeNodes(dir);
  const controllerOf = (n: NodeLayout): string => `127.0.0.1:${n.controllerPort}`;
  const processes = new Map<number, NodeProcess>();
  try {
    // Every node finds the quorum through node 1's controller listener.
    const configs = await Promise.all(nodes.map((n) => writeDynamicNodeConfig(dir, n, [nodes[0]!.controllerPort])));
    const standalone = await kafkaBroker(['format', '--standalone', '-t', CLUSTER_ID, '-c', configs[0]!]);
    assert.equal(standalone.code, 0, standalone.stderr);
    const dir1 = await directoryId(nodes[0]!.dataDir);
    assert.match(standalone.stdout, new RegExp(`initial controllers of the dynamic quorum \\(1@127\\.0\\.0\\.1:${nodes[0]!.controllerPort}:${dir1}\\)`));
    for (const config of configs.slice(1)) {
      const run = await kafkaBroker(['format', '--no-initial-controllers', '-t', CLUSTER_ID, '-c', config]);
      assert.equal(run.code, 0, run.stderr);
    }
    processes.set(1, await startNodeProcess(configs[0]!, dir));
    processes.set(2, await startNodeProcess(configs[1]!, dir));
    processes.set(3, await startNodeProcess(configs[2]!, dir));
    const [dir2, dir3] = [await directoryId(nodes[1]!.dataDir), await directoryId(nodes[2]!.dataDir)];

    // Nodes 2 and 3 fetch as observers of the one-voter quorum.
    let status = await waitFor('nodes 2 and 3 as observers', async () => {
      const s = await describeStatus('--bootstrap-controller', controllerOf(nodes[0]!));
      return s.get('CurrentObservers')!.includes('"id": 2') && s.get('CurrentObservers')!.includes('"id": 3') ? s : null;
    }, 30_000);
    assert.equal(status.get('ClusterId'), CLUSTER_ID);
    assert.equal(status.get('LeaderId'), '1');
    assert.equal(status.get('CurrentVoters'), `[{"id": 1, "directoryId": "${dir1}", "endpoints": ["CONTROLLER://${controllerOf(nodes[0]!)}"]}]`);

    // add-controller reads the new controller's own config file (its id, metadata directory id and endpoints).
    const added2 = await kafkaBroker(['metadata-quorum', '--command-config', configs[1]!, '--bootstrap-controller', controllerOf(nodes[0]!), 'add-controller']);
    assert.equal(added2.code, 0, added2.stderr);
    assert.equal(added2.stdout, `Added controller 2 with directory id ${dir2} and endpoints: CONTROLLER://${controllerOf(nodes[1]!)}\n`);
    // Through a broker too: it passes AddRaftVoter on to the active controller.
    const added3 = await kafkaBroker(['metadata-quorum', '--command-config', configs[2]!, '--bootstrap-server', brokerAddress(nodes[1]!), 'add-controller']);
    assert.equal(added3.code, 0, added3.stderr);
    assert.equal(added3.stdout, `Added controller 3 with directory id ${dir3} and endpoints: CONTROLLER://${controllerOf(nodes[2]!)}\n`);
    const again = await kafkaBroker(['metadata-quorum', '--command-config', configs[2]!, '--bootstrap-server', brokerAddress(nodes[0]!), 'add-controller']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^kafka-broker: DUPLICATE_VOTER: /);

    status = await describeStatus('--bootstrap-server', brokerAddress(nodes[2]!));
    assert.equal(status.get('CurrentVoters'), [1, 2, 3].map((id, i) => `{"id": ${id}, "directoryId": "${[dir1, dir2, dir3][i]}", "endpoints": ["CONTROLLER://${controllerOf(nodes[i]!)}"]}`).join(', ').replace(/^/, '[').replace(/$/, ']'));
    assert.equal(status.get('CurrentObservers'), '[]');
    const replication = await kafkaBroker(['metadata-quorum', '--bootstrap-controller', controllerOf(nodes[0]!), 'describe', '--replication', '--human-readable']);
    assert.equal(replication.code, 0, replication.stderr);
    const rows = replication.stdout.trimEnd().split('\n').map((l) => l.split('\t').map((c) => c.trim()));
    assert.deepEqual(rows[0], ['NodeId', 'DirectoryId', 'LogEndOffset', 'Lag', 'LastFetchTimestamp', 'LastCaughtUpTimestamp', 'Status', '']);
    assert.deepEqual(rows.slice(1).map((r) => [r[0], r[1], r[6]]), [['1', dir1, 'Leader'], ['2', dir2, 'Follower'], ['3', dir3, 'Follower']]);
    assert.match(rows[2]![4]!, /^\d+ ms ago$/);

    // The leader dies: the two other voters are a majority of three and elect one of them.
    await processes.get(1)!.stop('SIGKILL');
    status = await waitFor('a new leader among nodes 2 and 3', async () => {
      const s = await describeStatus('--bootstrap-controller', `${controllerOf(nodes[1]!)},${controllerOf(nodes[2]!)}`).catch(() => null);
      return s !== null && s.get('LeaderId') !== '1' ? s : null;
    }, 30_000);
    // Metadata writes work again. Until its session expires the dead node is still an unfenced broker, which Metadata
    // may name as the controller kafkajs sends CreateTopics to (as Kafka's brokers do): retried as an application would.
    await waitFor('a topic created through nodes 2 and 3', async () => {
      const admin = new Kafka({ brokers: [brokerAddress(nodes[1]!), brokerAddress(nodes[2]!)], logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
      try {
        await admin.connect();
        await admin.createTopics({ topics: [{ topic: 'after-failover', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: false });
        return (await admin.listTopics()).includes('after-failover');
      } catch {
        return false;
      } finally {
        await admin.disconnect();
      }
    }, 30_000);

    // remove-controller takes the dead voter out; the quorum is then nodes 2 and 3.
    const removed = await kafkaBroker(['metadata-quorum', '--bootstrap-server', `${brokerAddress(nodes[1]!)},${brokerAddress(nodes[2]!)}`, 'remove-controller', '--controller-id', '1', '--controller-directory-id', dir1]);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, `Removed KRaft controller 1 with directory id ${dir1}\n`);
    status = await describeStatus('--bootstrap-controller', `${controllerOf(nodes[1]!)},${controllerOf(nodes[2]!)}`);
    assert.match(status.get('CurrentVoters')!, new RegExp(`^\\[\\{"id": 2, "directoryId": "${dir2}".*\\}, \\{"id": 3, "directoryId": "${dir3}".*\\}\\]$`));
    const wrong = await kafkaBroker(['metadata-quorum', '--bootstrap-server', brokerAddress(nodes[1]!), 'remove-controller', '-i', '1', '-d', dir1]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^kafka-broker: VOTER_NOT_FOUND: /);
  } finally {
    await Promise.all([...processes.values()].map((p) => p.stop('SIGKILL')));
    await cleanup();
  }
});

test('three controllers formatted with the same --initial-controllers form one quorum of those voters, with the directory ids given', async () => {
  const { dir, cleanup } = await tempDir('kafka-initial-controllers-');
  const nodes = await threeNodes(dir);
  const processes: NodeProcess[] = [];
  try {
    const configs = await Promise.all(nodes.map((n) => writeDynamicNodeConfig(dir, n, nodes.map((m) => m.controllerPort))));
    // As Kafka's docs: one random-uuid per controller for its metadata directory, the same list for every node.
    const ids: string[] = [];
    for (const _ of nodes) ids.push((await kafkaBroker(['random-uuid'])).stdout.trim());
    const initial = nodes.map((n, i) => `${n.nodeId}@127.0.0.1:${n.controllerPort}:${ids[i]}`).join(',');
    for (const config of configs) {
      const run = await kafkaBroker(['format', '--initial-controllers', initial, '-t', CLUSTER_ID, '-c', config]);
      assert.equal(run.code, 0, run.stderr);
    }
    assert.deepEqual(await Promise.all(nodes.map((n) => directoryId(n.dataDir))), ids, 'each metadata directory has the id the list gives its node');
    // The two forms of quorum cannot be mixed, as Kafka's StorageTool says.
    const mixed = await kafkaBroker(['format', '--initial-controllers', initial, '-t', CLUSTER_ID, '-c', configs[0]!, '--override', `controller.quorum.voters=1@127.0.0.1:${nodes[0]!.controllerPort}`, '--override', 'controller.quorum.bootstrap.servers=']);
    assert.equal(mixed.code, 1);
    assert.match(mixed.stderr, /You cannot specify controller\.quorum\.voters and format the node with --initial-controllers or --standalone/);

    processes.push(...(await Promise.all(configs.map((c) => startNodeProcess(c, dir)))));
    const status = await waitFor('a leader of the three voters', async () => {
      const s = await describeStatus('--bootstrap-server', nodes.map(brokerAddress).join(',')).catch(() => null);
      return s !== null && s.get('LeaderId') !== '-1' ? s : null;
    }, 30_000);
    assert.equal(status.get('CurrentVoters'), `[${nodes.map((n, i) => `{"id": ${n.nodeId}, "directoryId": "${ids[i]}", "endpoints": ["CONTROLLER://127.0.0.1:${n.controllerPort}"]}`).join(', ')}]`);
    assert.equal(status.get('CurrentObservers'), '[]');
    const admin = new Kafka({ brokers: nodes.map(brokerAddress), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'initial-controllers', numPartitions: 3, replicationFactor: 1 }], waitForLeaders: false }), true);
    } finally {
      await admin.disconnect();
    }
  } finally {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await cleanup();
  }
});

test('Kafka 4.x\'s controller.properties formatted --standalone and broker.properties formatted without a flag: a controller and a broker in two processes, the broker an observer', async () => {
  const { dir, cleanup } = await tempDir('kafka-dynamic-split-');
  const [brokerPort, controllerPort] = await freePorts(2);
  const processes: NodeProcess[] = [];
  try {
    // The files as Kafka ships them; only the directories and ports are overridden (9092/9093 may be taken).
    const controller = [`log.dirs=${join(dir, 'controller')}`, `listeners=CONTROLLER://:${controllerPort}`, `advertised.listeners=CONTROLLER://localhost:${controllerPort}`, `controller.quorum.bootstrap.servers=localhost:${controllerPort}`];
    const broker = [`log.dirs=${join(dir, 'broker')}`, `listeners=PLAINTEXT://localhost:${brokerPort}`, `advertised.listeners=PLAINTEXT://localhost:${brokerPort}`, `controller.quorum.bootstrap.servers=localhost:${controllerPort}`];
    const overrides = (list: string[]): string[] => list.flatMap((o) => ['--override', o]);
    const controllerFile = join(FIXTURES, 'kafka-4.3-controller.properties');
    const brokerFile = join(FIXTURES, 'kafka-4.0-broker.properties');

    // A broker has no voters to give; --standalone is for controllers only.
    const wrongRole = await kafkaBroker(['format', '--standalone', '-t', CLUSTER_ID, '-c', brokerFile, ...overrides(broker)]);
    assert.equal(wrongRole.code, 1);
    assert.match(wrongRole.stderr, /You can only use --standalone on a controller\./);
    const noFlag = await kafkaBroker(['format', '-t', CLUSTER_ID, '-c', controllerFile, ...overrides(controller)]);
    assert.equal(noFlag.code, 1);
    assert.match(noFlag.stderr, /you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers/);
    for (const [file, o, flags] of [[controllerFile, controller, ['--standalone']], [brokerFile, broker, []]] as const) {
      const run = await kafkaBroker(['format', ...flags, '-t', CLUSTER_ID, '-c', file, ...overrides([...o])]);
      assert.equal(run.code, 0, run.stderr);
    }
    processes.push(await startNodeProcess(controllerFile, dir, controller));
    processes.push(await startNodeProcess(brokerFile, dir, broker));

    const kafka = new Kafka({ brokers: [`localhost:${brokerPort}`], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'split-events', messages: [{ value: 'through a broker-only node' }] });
    await producer.disconnect();
    const status = await describeStatus('--bootstrap-server', `localhost:${brokerPort}`);
    assert.equal(status.get('LeaderId'), '1');
    assert.match(status.get('CurrentVoters')!, new RegExp(`^\\[\\{"id": 1, "directoryId": "${await directoryId(join(dir, 'controller'))}", "endpoints": \\["CONTROLLER://localhost:${controllerPort}"\\]\\}\\]$`));
    assert.match(status.get('CurrentObservers')!, new RegExp(`^\\[\\{"id": 2, "directoryId": "${await directoryId(join(dir, 'broker'))}"\\}\\]$`));
  } finally {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await cleanup();
  }
});

test('controllers formatted --no-initial-controllers with controller.quorum.auto.join.enable=true join the quorum as voters by themselves', async () => {
  const { dir, cleanup } = await tempDir('kafka-auto-join-');
  const nodes = await threeNodes(dir);
  const processes: NodeProcess[] = [];
  try {
    const configs = await Promise.all(nodes.map((n) => writeDynamicNodeConfig(dir, n, [nodes[0]!.controllerPort], { 'controller.quorum.auto.join.enable': 'true' })));
    for (const [i, config] of configs.entries()) {
      const run = await kafkaBroker(['format', i === 0 ? '--standalone' : '--no-initial-controllers', '-t', CLUSTER_ID, '-c', config]);
      assert.equal(run.code, 0, run.stderr);
    }
    for (const config of configs) processes.push(await startNodeProcess(config, dir));
    const ids = await Promise.all(nodes.map((n) => directoryId(n.dataDir)));
    const voters = `[${nodes.map((n, i) => `{"id": ${n.nodeId}, "directoryId": "${ids[i]}", "endpoints": ["CONTROLLER://127.0.0.1:${n.controllerPort}"]}`).join(', ')}]`;
    await waitFor('nodes 2 and 3 to have joined as voters', async () => {
      const s = await describeStatus('--bootstrap-server', brokerAddress(nodes[0]!)).catch(() => null);
      return s?.get('CurrentVoters') === voters && s.get('CurrentObservers') === '[]';
    }, 30_000);
  } finally {
    await Promise.all(processes.map((p) => p.stop('SIGKILL')));
    await cleanup();
  }
});

test('a standalone controller restarted after SIGTERM and after kill -9 is still the one voter of its quorum, in a new epoch, with its topics', async () => {
  const { dir, cleanup } = await tempDir('kafka-standalone-restart-');
  const [brokerPort, controllerPort] = await freePorts(2);
  const node: NodeLayout = { nodeId: 1, brokerPort: brokerPort!, controllerPort: controllerPort!, dataDir: join(dir, 'data') };
  let running: NodeProcess | null = null;
  try {
    const config = await writeDynamicNodeConfig(dir, node, [node.controllerPort]);
    const formatted = await kafkaBroker(['format', '--standalone', '-t', CLUSTER_ID, '-c', config]);
    assert.equal(formatted.code, 0, formatted.stderr);
    const voters = `[{"id": 1, "directoryId": "${await directoryId(node.dataDir)}", "endpoints": ["CONTROLLER://127.0.0.1:${node.controllerPort}"]}]`;
    running = await startNodeProcess(config, dir);
    const admin = new Kafka({ brokers: [brokerAddress(node)], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'survives-restarts' }] });
    await admin.disconnect();
    let epoch = Number((await describeStatus('--bootstrap-server', brokerAddress(node))).get('LeaderEpoch'));
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      assert.equal(await running.stop(signal), signal === 'SIGTERM' ? 0 : null);
      running = await startNodeProcess(config, dir);
      const status = await describeStatus('--bootstrap-controller', `127.0.0.1:${node.controllerPort}`);
      assert.equal(status.get('LeaderId'), '1', signal);
      assert.ok(Number(status.get('LeaderEpoch')) > epoch, `${signal}: a new epoch`);
      epoch = Number(status.get('LeaderEpoch'));
      assert.equal(status.get('CurrentVoters'), voters, signal);
      const again = new Kafka({ brokers: [brokerAddress(node)], logLevel: logLevel.NOTHING }).admin();
      await again.connect();
      assert.ok((await again.listTopics()).includes('survives-restarts'), signal);
      await again.disconnect();
    }
  } finally {
    await running?.stop('SIGKILL');
    await cleanup();
  }
});
