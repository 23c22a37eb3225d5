// Kafka's recommended production shape on one machine: three controller-only nodes (the metadata quorum) and two
// broker-only nodes (observers of the quorum that serve the clients). kafkajs and kcat work through the brokers; a
// broker killed with -9 stays registered until its session expires (broker.session.timeout.ms), then the active
// controller fences it: it leaves every Metadata answer and its partitions (replication factor 1) have no leader.
// Restarted after the controllers trimmed their metadata log below a snapshot past its own log end, it catches up
// from the leader's snapshot (FetchSnapshot, KIP-630), is unfenced and leads its partitions again.
//
// The tests run in order on one cluster: the last one restarts the broker the second one killed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { waitFor } from '../helpers/broker.ts';
import { consumeWithKafkajs } from '../fixtures/e2e/kafkajs-consume.ts';
import { runKcat } from '../fixtures/e2e/kcat.ts';
import { describeAndCreateWithKafkajs } from './kafkajs-admin.ts';
import { nodeMetadata } from './node-metadata.ts';
import { printLogsOnFailure, SHORT_BROKER_SESSION, SHORT_HEARTBEAT_MS, SHORT_SESSION_MS, TestCluster } from './test-cluster.ts';

const SESSION_MS = SHORT_SESSION_MS;
const HEARTBEAT_MS = SHORT_HEARTBEAT_MS;
/**
 * Every node snapshots its image every 1,500 bytes of records; the log rolls every 4 KiB and keeps nothing below
 * the latest snapshot. The raft client trims the log every 60 s (Kafka's fixed interval), counted from its start.
 */
const SNAPSHOT_OFTEN = {
  'metadata.log.max.record.bytes.between.snapshots': '1500',
  'metadata.log.segment.bytes': '4096',
  'metadata.max.retention.bytes': '1',
};
const TRIM_INTERVAL_MS = 60_000;

/** Lines of kcat's consumer for `partition` of `topic` from `bootstrap`, as `<offset> <value>`. */
async function kcatConsume(bootstrap: string, topic: string, partition: number): Promise<string> {
  return (await runKcat(['-C', '-b', bootstrap, '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', '%o %s\\n'])).stdout.toString();
}

describe('three controllers and two broker-only nodes', () => {
  let cluster: TestCluster;
  /** Partition of `orders` led by broker 5, and what was written to it. */
  let partitionOf5 = -1;
  let writtenTo5 = '';
  /** Broker 5's metadata log end offset when it was killed, as the quorum leader tracked it. */
  let endOffsetOf5 = -1;

  before(async () => {
    cluster = await TestCluster.start({
      controllers: 3,
      brokers: 2,
      overrides: { ...SHORT_BROKER_SESSION, ...SNAPSHOT_OFTEN },
    });
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('the controllers are the voters, the brokers observe the quorum; kafkajs and kcat are served by the brokers', async () => {
    assert.deepEqual(cluster.controllers.map((n) => [n.nodeId, n.brokerPort]), [[1, null], [2, null], [3, null]]);
    const { quorum } = await cluster.waitForLeader();
    assert.deepEqual(quorum.voters.map((v) => v.replicaId).sort(), [1, 2, 3]);
    await waitFor('both brokers to fetch the metadata log as observers', async () => {
      const q = await cluster.describeQuorum();
      return q?.observers.map((o) => o.replicaId).sort().join(',') === '4,5';
    });
    for (const n of cluster.brokers) {
      const md = await nodeMetadata(n.brokerPort!);
      assert.deepEqual(md.brokers, [4, 5], `node ${n.nodeId}`);
      // A KRaft broker names a random unfenced broker as controller: it forwards the metadata writes itself.
      assert.ok([4, 5].includes(md.controllerId), `node ${n.nodeId} names controller ${md.controllerId}`);
    }

    const described = await describeAndCreateWithKafkajs(cluster, 'orders', 2);
    assert.equal(described.clusterId, cluster.clusterId);
    assert.deepEqual(described.brokers.map((b) => b.nodeId).sort(), [4, 5]);
    await cluster.waitForTopic('orders', 2);
    const leaders = (await nodeMetadata(cluster.node(4).brokerPort!)).leaders.get('orders')!;
    assert.deepEqual([...leaders].sort(), [4, 5]);
    partitionOf5 = leaders.indexOf(5);

    const kafka = new Kafka({ brokers: cluster.bootstrapServers(), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic: 'orders', acks: -1, messages: Array.from({ length: 20 }, (_, i) => ({ partition: i % 2, key: `k${i}`, value: `order ${i}` })) });
    } finally {
      await producer.disconnect();
    }
    const consumed = await consumeWithKafkajs(new Kafka({ brokers: [cluster.node(5).bootstrap], logLevel: logLevel.NOTHING }), 'orders', 20);
    assert.deepEqual(consumed.map((m) => m.value!.toString()).sort(), Array.from({ length: 20 }, (_, i) => `order ${i}`).sort());

    // kcat: metadata from each broker, and the partitions kafkajs wrote, read back through the other broker.
    for (const n of cluster.brokers) {
      const md = JSON.parse((await runKcat(['-L', '-J', '-b', n.bootstrap, '-t', 'orders'])).stdout.toString()) as {
        brokers: { id: number; name: string }[];
        topics: { partitions: { partition: number; leader: number }[] }[];
      };
      assert.deepEqual(md.brokers.map((b) => [b.id, b.name]).sort(), cluster.brokers.map((b) => [b.nodeId, b.bootstrap]));
      assert.deepEqual(md.topics[0]!.partitions.map((p) => p.leader), leaders);
    }
    for (const p of [0, 1]) {
      const expected = Array.from({ length: 10 }, (_, i) => `${i} order ${2 * i + p}\n`).join('');
      assert.equal(await kcatConsume(cluster.node(p === partitionOf5 ? 4 : 5).bootstrap, 'orders', p), expected, `partition ${p}`);
    }
    await runKcat(['-P', '-b', cluster.node(4).bootstrap, '-t', 'orders', '-p', String(partitionOf5), '-X', 'acks=all'], { input: 'from kcat\n' });
    writtenTo5 = await kcatConsume(cluster.node(5).bootstrap, 'orders', partitionOf5);
    assert.match(writtenTo5, /^10 from kcat$/m);
  });

  test('kill -9 of a broker: fenced when its session expires, gone from Metadata, its partition without a leader', async () => {
    const victim = cluster.node(5);
    endOffsetOf5 = (await cluster.describeQuorum())!.observers.find((o) => o.replicaId === 5)!.logEndOffset;
    const killedAt = Date.now();
    await victim.kill();
    // A lost connection does not fence a broker: only its session does.
    assert.deepEqual((await nodeMetadata(cluster.node(4).brokerPort!)).brokers, [4, 5], 'still registered right after the kill');
    await cluster.waitForBrokers([4], SESSION_MS + 15_000);

    const { node: controller } = await cluster.waitForLeader();
    const fenced = controller.log.last((l) => l.msg === 'Fencing broker because its session has timed out' && l.brokerId === 5);
    assert.ok(fenced !== undefined, `the active controller ${controller.nodeId} logged no session expiry of broker 5`);
    // The last heartbeat came at most one interval (plus some delay) before the kill.
    assert.ok(fenced.time - killedAt >= SESSION_MS - 2 * HEARTBEAT_MS, `fenced ${fenced.time - killedAt} ms after the kill`);

    const md = await nodeMetadata(cluster.node(4).brokerPort!);
    assert.equal(md.leaders.get('orders')![partitionOf5], -1);
    assert.equal(md.leaders.get('orders')![1 - partitionOf5], 4);
    // The other broker and the controllers serve on: writes to its partition, metadata writes.
    await runKcat(['-P', '-b', cluster.node(4).bootstrap, '-t', 'orders', '-p', String(1 - partitionOf5), '-X', 'acks=all'], { input: 'while 5 is down\n' });
    assert.match(await kcatConsume(cluster.node(4).bootstrap, 'orders', 1 - partitionOf5), /^10 while 5 is down$/m);
    await cluster.createTopics([{ topic: 'created-while-5-is-down', numPartitions: 2 }]);
    await cluster.waitForTopic('created-while-5-is-down', 2);
    assert.deepEqual((await nodeMetadata(cluster.node(4).brokerPort!)).leaders.get('created-while-5-is-down'), [4, 4]);
  });

  test('restarted after the controllers trimmed their log past it, the broker loads the leader\'s snapshot, is unfenced and leads its partition again', async () => {
    assert.ok(endOffsetOf5 > 0 && cluster.node(5).state === 'down', 'runs after the previous test');
    // Enough records to roll segments and take snapshots past broker 5's log end; the next trim drops them.
    const topics = Array.from({ length: 60 }, (_, i) => `snapshot-filler-${i}`);
    for (let i = 0; i < topics.length; i += 10) await cluster.createTopics(topics.slice(i, i + 10).map((topic) => ({ topic })));
    await waitFor(`the quorum leader to trim its metadata log past offset ${endOffsetOf5}`, async () => {
      const { node: leader } = await cluster.waitForLeader();
      return (await leader.oldestMetadataSegmentOffset()) > endOffsetOf5;
    }, TRIM_INTERVAL_MS + 30_000, 500);

    const broker = cluster.node(5);
    await broker.start();
    const run = broker.runs;
    assert.equal(broker.log.filter('Fetching a snapshot from the leader', run).length >= 1, true, 'fetched the leader\'s snapshot');
    assert.equal(broker.log.filter('Fully truncated the log after downloading a snapshot from the leader', run).length, 1);
    await cluster.waitForBrokers([4, 5]);
    const md = await nodeMetadata(broker.brokerPort!);
    for (const t of [...topics, 'created-while-5-is-down']) assert.ok(md.topics.has(t), `broker 5 lacks ${t}`);
    await waitFor('broker 5 to lead its partition again', async () => (await nodeMetadata(cluster.node(4).brokerPort!)).leaders.get('orders')![partitionOf5] === 5);
    assert.equal(await kcatConsume(cluster.node(4).bootstrap, 'orders', partitionOf5), writtenTo5);
  });
});
