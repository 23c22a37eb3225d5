// `kafka-broker start` with each process.roles, as an operator runs it: a controller-only process and a broker-only
// process form a cluster that kcat uses; SIGTERM of the broker does a controlled shutdown (the heartbeats ask
// wantShutDown until the controller allows it) and exits 0; a node that cannot serve its role refuses to start
// with Kafka's message and formats nothing.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BROKER_NODE_FLAGS } from '../../../src/observability/tune-process.ts';
import { freePorts, roleNodeProps, TEST_CLUSTER_ID, type RoleNodeSpec } from '../../helpers/role-nodes.ts';
import { runKcat } from '../../fixtures/e2e/kcat.ts';

const BIN = fileURLToPath(new URL('../../../bin/kafka-broker.js', import.meta.url));

const overrides = (props: Record<string, string>): string[] => Object.entries(props).flatMap(([k, v]) => ['--override', `${k}=${v}`]);

/** One `kafka-broker start` process and every log line it printed so far. */
interface NodeProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<number | null>;
  /** The fields of its "Kafka broker started" line. */
  readonly started: { listeners: string[]; controllerListeners: string[] };
}

async function startNodeProcess(spec: RoleNodeSpec): Promise<NodeProcess> {
  const child = spawn(process.execPath, [...BROKER_NODE_FLAGS, BIN, 'start', ...overrides(roleNodeProps(spec))], {
    env: { ...process.env, CLUSTER_ID: TEST_CLUSTER_ID, LOG_LEVEL: 'info', NODE_TEST_CONTEXT: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const started = await new Promise<NodeProcess['started']>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${spec.nodeId} did not start in time; stderr: ${stderr}`));
    }, 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (!line.includes('Kafka broker started')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as NodeProcess['started']);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node ${spec.nodeId} exited with ${code} before starting; stderr: ${stderr}`));
    });
  });
  return { child, lines, exited, started };
}

/** The messages of the log lines, in order. */
const messages = (lines: readonly string[]): string[] => lines.flatMap((l) => {
  try {
    return [(JSON.parse(l) as { msg: string }).msg];
  } catch {
    return [];
  }
});

describe('a controller-only process and a broker-only process', () => {
  let dataDir: string;
  let controller: NodeProcess | undefined;
  let broker: NodeProcess | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kafka-process-roles-'));
  });

  after(async () => {
    for (const p of [broker, controller]) if (p !== undefined && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  test('serve kcat; SIGTERM makes the broker shut down under control and both exit 0', async () => {
    const [controllerPort, brokerPort] = await freePorts(2);
    const voters = `1@127.0.0.1:${controllerPort}`;
    controller = await startNodeProcess({ nodeId: 1, roles: 'controller', controllerPort, voters, dataDir });
    assert.deepEqual(controller.started.listeners, [], 'no client listener');
    assert.deepEqual(controller.started.controllerListeners, [`CONTROLLER://127.0.0.1:${controllerPort}`]);
    broker = await startNodeProcess({ nodeId: 2, roles: 'broker', brokerPort, voters, dataDir });
    assert.deepEqual(broker.started.listeners, [`PLAINTEXT://127.0.0.1:${brokerPort}`]);
    assert.deepEqual(broker.started.controllerListeners, []);

    const bootstrap = `127.0.0.1:${brokerPort}`;
    await runKcat(['-P', '-b', bootstrap, '-t', 'process-roles'], { input: 'a\nb\n' });
    const consumed = await runKcat(['-C', '-b', bootstrap, '-t', 'process-roles', '-o', 'beginning', '-e', '-q']);
    assert.deepEqual(consumed.stdout.toString().trim().split('\n'), ['a', 'b']);

    broker.child.kill('SIGTERM');
    assert.equal(await broker.exited, 0);
    const said = messages(broker.lines);
    const order = ['Beginning controlled shutdown', 'The controller has allowed the controlled shutdown', 'Shut down cleanly'].map((m) => said.indexOf(m));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), `controlled shutdown then exit, in order: ${JSON.stringify(said.slice(-15))}`);

    controller.child.kill('SIGTERM');
    assert.equal(await controller.exited, 0);
  });
});

interface Run {
  readonly code: number;
  readonly stderr: string;
}

function kafkaBrokerStart(props: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'start', ...overrides(props)], { env: { PATH: process.env.PATH ?? '', CLUSTER_ID: TEST_CLUSTER_ID }, timeout: 60_000 }, (err, _stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stderr });
    });
  });
}

describe('a node refuses a role it cannot serve, with Kafka\'s message, and formats nothing', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'kafka-role-refusals-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const cases: { name: string; props: Record<string, string>; message: string }[] = [
    {
      name: 'process.roles=controller with the default listeners (a client listener among them)',
      props: { 'process.roles': 'controller' },
      message: 'The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller',
    },
    {
      name: 'a controller-only node that is not a voter',
      props: { 'process.roles': 'controller', 'node.id': '5', listeners: 'CONTROLLER://127.0.0.1:0', 'advertised.listeners': 'CONTROLLER://127.0.0.1:19093' },
      message: "If process.roles contains the 'controller' role, the node id 5 must be included in the set of voters controller.quorum.voters=[1]",
    },
    {
      name: 'a controller-only node without a controller listener',
      props: { 'process.roles': 'controller', 'controller.listener.names': 'OTHER', listeners: 'CONTROLLER://127.0.0.1:0', 'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,OTHER:PLAINTEXT' },
      message: "controller.listener.names must contain at least one value appearing in the 'listeners' configuration when running the KRaft controller role",
    },
    {
      name: 'a broker-only node whose listeners include the controller listener',
      props: { 'process.roles': 'broker', 'node.id': '2' },
      message: "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role",
    },
    {
      name: 'a broker-only node that is a voter',
      props: { 'process.roles': 'broker', listeners: 'PLAINTEXT://127.0.0.1:0' },
      message: "If process.roles contains just the 'broker' role, the node id 1 must not be included in the set of voters controller.quorum.voters=[1]",
    },
    {
      name: 'a broker-only node without controller.listener.names',
      props: { 'process.roles': 'broker', 'node.id': '2', listeners: 'PLAINTEXT://127.0.0.1:0', 'controller.listener.names': '' },
      message: 'controller.listener.names must contain at least one value when running KRaft with just the broker role',
    },
    {
      name: 'a broker-only node whose controller listener has no security protocol',
      props: { 'process.roles': 'broker', 'node.id': '2', listeners: 'PLAINTEXT://127.0.0.1:0', 'controller.listener.names': 'CTRL', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT' },
      message: 'Controller listener with name CTRL defined in controller.listener.names not found in listener.security.protocol.map  (an explicit security mapping',
    },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const dir = join(root, c.name.replace(/\W+/g, '-'));
      const { code, stderr } = await kafkaBrokerStart({ 'log.dirs': dir, ...c.props });
      assert.equal(code, 1, stderr);
      assert.ok(stderr.includes(c.message), `expected "${c.message}" in: ${stderr}`);
      assert.equal(await access(join(dir, 'meta.properties')).then(() => true, () => false), false);
    });
  }
});
