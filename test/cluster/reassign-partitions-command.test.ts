// `kafka-broker reassign-partitions` (issue 19) on real processes: one controller and three brokers (2, 3, 4).
// - --generate: the current assignment (with each replica's log directory) is exactly what Kafka's own tool prints
//   against the same cluster; the proposal (random, as Kafka's) is valid: every partition, the same replication
//   factor, distinct replicas, all on the brokers of --broker-list.
// - --execute with --throttle moves two partitions: Kafka's lines, the throttle configs Kafka sets (rates on every
//   broker the moves touch, the topic's leader/follower throttled replicas); --verify polls until both are completed,
//   then removes every throttle; the replicas are the new ones and the records are all there.
// - A reassignment held back by --throttle 1 is listed, verified as in progress, and cancelled with --cancel, which
//   removes the throttles; the replicas go back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { AdminClient } from '../../src/cli/admin-client.ts';
import { ConfigService, ResourceType } from '../../src/cli/config-service.ts';
import { waitFor } from '../helpers/broker.ts';
import { KAFKA_TOOLS_AVAILABLE, kafkaBroker, kafkaTool, type ToolRun } from '../helpers/admin-tools.ts';
import { isrIs, kcatValues, waitForPartition } from './replicated-partition.ts';
import { printLogsOnFailure, SHORT_BROKER_SESSION, TestCluster } from './test-cluster.ts';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const THROTTLE_CONFIGS = ['leader.replication.throttled.rate', 'follower.replication.throttled.rate', 'leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'];

describe('reassign-partitions on one controller and three brokers', () => {
  let cluster: TestCluster;
  let bootstrap: string;

  before(async () => {
    cluster = await TestCluster.start({ controllers: 1, brokers: 3, overrides: { ...SHORT_BROKER_SESSION, 'replica.lag.time.max.ms': '5000' } });
    bootstrap = cluster.bootstrapServers().join(',');
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  const tool = (args: string[]): Promise<ToolRun> => kafkaBroker(['reassign-partitions', '--bootstrap-server', bootstrap, ...args]);

  async function jsonFile(name: string, content: unknown): Promise<string> {
    const file = join(cluster.dir, name);
    await writeFile(file, JSON.stringify(content));
    return file;
  }

  /** The throttle configs set on a topic or dynamically on a broker (DescribeConfigs sources TOPIC_CONFIG 1, DYNAMIC_BROKER_CONFIG 2). */
  async function throttles(resourceType: number, name: string): Promise<Record<string, string>> {
    // A broker's dynamic configs are described by that broker, as Kafka's Admin asks.
    const node = resourceType === ResourceType.BROKER ? cluster.node(Number(name)) : cluster.node(2);
    const one = new AdminClient([{ host: '127.0.0.1', port: node.brokerPort! }], { clientId: 'reassign-test', timeoutMs: 20_000 });
    let entries;
    try {
      entries = await new ConfigService(one).describe(resourceType, name);
    } finally {
      one.close();
    }
    return Object.fromEntries(entries.filter((c) => THROTTLE_CONFIGS.includes(c.name) && (c.configSource === 1 || c.configSource === 2)).map((c) => [c.name, c.value ?? '']));
  }

  async function produce(topic: string, partitions: number[], count: number, size: number): Promise<void> {
    const kafka = new Kafka({ brokers: cluster.bootstrapServers(), clientId: 'reassign-producer', logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const value = Buffer.alloc(size, 0x61);
    for (const partition of partitions) {
      for (let i = 0; i < count; i += 100) await producer.send({ topic, acks: -1, messages: Array.from({ length: Math.min(100, count - i) }, () => ({ partition, value })) });
    }
    await producer.disconnect();
  }

  test('--generate: the current assignment as Kafka prints it, and a valid proposal', async () => {
    await cluster.createTopics([{ topic: 'planned', assignments: [[2, 3], [3, 4], [4, 2]] }]);
    for (const p of [0, 1, 2]) await waitForPartition(cluster, 'planned', p, 'replicas in sync', (v) => v.isr.length === 2);
    const file = await jsonFile('topics.json', { topics: [{ topic: 'planned' }], version: 1 });
    const args = ['--generate', '--topics-to-move-json-file', file, '--broker-list', '2,3'];
    const r = await tool(args);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    assert.deepEqual([lines[0], lines[2], lines[3], lines[5], lines.length], ['Current partition replica assignment', '', 'Proposed partition reassignment configuration', '', 6]);
    const current = JSON.parse(lines[1]!) as { version: number; partitions: { topic: string; partition: number; replicas: number[]; log_dirs: string[] }[] };
    assert.deepEqual(current.partitions.map((p) => [p.partition, p.replicas]), [[0, [2, 3]], [1, [3, 4]], [2, [4, 2]]]);
    for (const p of current.partitions) for (const dir of p.log_dirs) assert.match(dir, /^\//, 'each replica names its absolute log dir');
    const proposed = JSON.parse(lines[4]!) as typeof current;
    assert.equal(proposed.version, 1);
    assert.deepEqual(proposed.partitions.map((p) => [p.topic, p.partition, p.replicas.length, p.log_dirs]), [0, 1, 2].map((p) => ['planned', p, 2, ['any', 'any']]));
    for (const p of proposed.partitions) assert.deepEqual([...p.replicas].sort(), [2, 3], `partition ${p.partition} on brokers 2 and 3 only`);
    if (KAFKA_TOOLS_AVAILABLE) {
      const theirs = await kafkaTool('org.apache.kafka.tools.reassign.ReassignPartitionsCommand', ['--bootstrap-server', bootstrap, ...args]);
      assert.equal(theirs.code, 0, theirs.stdout);
      const theirLines = theirs.stdout.split('\n');
      assert.equal(theirLines.length, lines.length);
      assert.equal(theirLines[1], lines[1], 'the current assignment, exactly');
      assert.deepEqual(JSON.parse(theirLines[4]!).partitions.map((p: { replicas: number[] }) => [...p.replicas].sort()), proposed.partitions.map((p) => [...p.replicas].sort()));
    }
  });

  test('--execute with --throttle moves two partitions; --verify completes them and removes the throttles', async () => {
    await cluster.createTopics([{ topic: 'moved', assignments: [[2, 3], [3, 2]] }]);
    for (const p of [0, 1]) await waitForPartition(cluster, 'moved', p, 'ISR {2,3}', isrIs([2, 3]));
    await produce('moved', [0, 1], 200, 100);
    const plan = await jsonFile('plan.json', { version: 1, partitions: [{ topic: 'moved', partition: 0, replicas: [3, 4] }, { topic: 'moved', partition: 1, replicas: [4, 2] }] });

    const r = await tool(['--execute', '--reassignment-json-file', plan, '--throttle', '50000000']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'Current partition replica assignment');
    const rollback = JSON.parse(lines[2]!) as { partitions: { partition: number; replicas: number[] }[] };
    assert.deepEqual(rollback.partitions.map((p) => [p.partition, p.replicas]), [[0, [2, 3]], [1, [3, 2]]]);
    assert.deepEqual(lines.slice(3), [
      '', 'Save this to use as the --reassignment-json-file option during rollback',
      'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.',
      'The inter-broker throttle limit was set to 50000000 B/s',
      'Successfully started partition reassignments for moved-0,moved-1', '',
    ]);
    // Kafka's throttles: leaders may serve the current replicas, followers are the new ones.
    assert.deepEqual(await throttles(ResourceType.TOPIC, 'moved'), { 'leader.replication.throttled.replicas': '0:2,0:3,1:2,1:3', 'follower.replication.throttled.replicas': '0:4,1:4' });
    for (const b of [2, 3, 4]) assert.deepEqual(await throttles(ResourceType.BROKER, String(b)), { 'leader.replication.throttled.rate': '50000000', 'follower.replication.throttled.rate': '50000000' }, `broker ${b}`);

    const verified = await waitFor('--verify to complete both partitions', async () => {
      const v = await tool(['--verify', '--reassignment-json-file', plan]);
      return v.stdout.includes('Clearing') ? v : null;
    }, 60_000, 500);
    assert.deepEqual(verified, {
      code: 0,
      stdout: 'Status of partition reassignment:\nReassignment of partition moved-0 is completed.\nReassignment of partition moved-1 is completed.\n\nClearing broker-level throttles on brokers 2,3,4\nClearing topic-level throttles on topic moved\n',
      stderr: '',
    });
    assert.deepEqual(await throttles(ResourceType.TOPIC, 'moved'), {});
    for (const b of [2, 3, 4]) assert.deepEqual(await throttles(ResourceType.BROKER, String(b)), {}, `broker ${b}`);
    await waitForPartition(cluster, 'moved', 0, 'replicas {3,4}', (v) => v.replicas.join(',') === '3,4');
    await waitForPartition(cluster, 'moved', 1, 'replicas {4,2}', (v) => v.replicas.join(',') === '4,2');
    for (const p of [0, 1]) assert.equal((await kcatValues(bootstrap, 'moved', p)).length, 200, `partition ${p} kept its records`);
    assert.deepEqual(await tool(['--list']), { code: 0, stdout: 'No partition reassignments found.\n', stderr: '' });
  });

  test('a reassignment held back by --throttle 1 is listed, in progress, then cancelled with its throttles removed', async () => {
    await cluster.createTopics([{ topic: 'stuck', assignments: [[2, 3]] }]);
    await waitForPartition(cluster, 'stuck', 0, 'ISR {2,3}', isrIs([2, 3]));
    // 3 MiB: more than one replica fetch (replica.fetch.max.bytes, 1 MiB), so that 1 B/s holds broker 4 behind.
    await produce('stuck', [0], 3000, 1024);
    const plan = await jsonFile('stuck.json', { version: 1, partitions: [{ topic: 'stuck', partition: 0, replicas: [2, 3, 4] }] });
    const r = await tool(['--execute', '--reassignment-json-file', plan, '--throttle', '1']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /The inter-broker throttle limit was set to 1 B\/s\nSuccessfully started partition reassignment for stuck-0\n$/);

    const again = await tool(['--execute', '--reassignment-json-file', plan]);
    assert.equal(again.code, 1);
    assert.match(again.stdout, /^Cannot execute because there is an existing partition assignment\.  Use --additional/);

    const list = await tool(['--list']);
    assert.deepEqual(list, { code: 0, stdout: 'Current partition reassignments:\nstuck-0: replicas: 2,3,4. adding: 4.\n', stderr: '' });
    const verify = await tool(['--verify', '--reassignment-json-file', plan]);
    assert.deepEqual(verify, { code: 0, stdout: 'Status of partition reassignment:\nReassignment of partition stuck-0 is still in progress.\n\n', stderr: '' });
    assert.deepEqual(await throttles(ResourceType.TOPIC, 'stuck'), { 'leader.replication.throttled.replicas': '0:2,0:3', 'follower.replication.throttled.replicas': '0:4' });

    const cancel = await tool(['--cancel', '--reassignment-json-file', plan]);
    assert.deepEqual(cancel, {
      code: 0,
      stdout: 'Successfully cancelled partition reassignment for: stuck-0\nNone of the specified partition moves are active.Clearing broker-level throttles on brokers 2,3,4\nClearing topic-level throttles on topic stuck\n',
      stderr: '',
    });
    await waitForPartition(cluster, 'stuck', 0, 'replicas back to {2,3}', (v) => v.replicas.join(',') === '2,3');
    assert.deepEqual(await tool(['--list']), { code: 0, stdout: 'No partition reassignments found.\n', stderr: '' });
    assert.deepEqual(await throttles(ResourceType.TOPIC, 'stuck'), {});
    for (const b of [2, 3, 4]) assert.deepEqual(await throttles(ResourceType.BROKER, String(b)), {}, `broker ${b}`);
  });
});
