// Broker membership as clients and the quorum see it, with real `kafka-broker start` processes (a controller-only
// node and two broker-only nodes): the broker-only nodes are observers of the metadata quorum; Metadata and
// DescribeCluster list only the unfenced brokers (Kafka's KRaftMetadataCache.getAliveBrokerNodes), so a broker
// killed with -9 leaves them once the controller fenced it (broker.session.timeout.ms) and its partitions get a
// leader from the rest of their ISR; restarted, it is listed again. SIGTERM of a broker is a controlled shutdown
// (heartbeats with wantShutDown): the controller moves its leaderships away and fences it before allowing it to
// stop, and the process exits 0.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics-response.ts';
import type { DescribeClusterResponse } from '../../../src/protocol/generated/messages/describe-cluster-response.ts';
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata-response.ts';
import { waitFor } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { printLogsOnFailure, TestCluster } from '../../cluster/test-cluster.ts';

/** What one broker tells its clients: the brokers of Metadata and of DescribeCluster, and each partition's leader. */
interface BrokerView {
  readonly metadataBrokers: number[];
  readonly describedBrokers: number[];
  /** `topic/partition` -> leader id. */
  readonly leaders: Map<string, number>;
}

async function brokerView(port: number): Promise<BrokerView> {
  const client = await RawKafkaClient.connect(port);
  try {
    const metadata = await client.request<MetadataResponse>(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false }, 5000);
    const described = await client.request<DescribeClusterResponse>(ApiKeys.DescribeCluster, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 }, 5000);
    assert.equal(described.errorCode, Errors.NONE);
    return {
      metadataBrokers: metadata.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
      describedBrokers: described.brokers.map((b) => b.brokerId).sort((a, b) => a - b),
      leaders: new Map(metadata.topics.flatMap((t) => t.partitions.map((p) => [`${t.name}/${p.partitionIndex}`, p.leaderId] as const))),
    };
  } finally {
    client.socket.destroy();
  }
}

/** Creates `topic` through broker port `port` with partition i on the replicas `assignment[i]` (the first leads). */
async function createAssigned(port: number, topic: string, assignment: number[][]): Promise<void> {
  const client = await RawKafkaClient.connect(port);
  try {
    const created = await client.request<CreateTopicsResponse>(ApiKeys.CreateTopics, 7, {
      topics: [{ name: topic, numPartitions: -1, replicationFactor: -1, assignments: assignment.map((brokerIds, partitionIndex) => ({ partitionIndex, brokerIds })), configs: [] }],
      timeoutMs: 10_000,
    });
    assert.deepEqual(created.topics.map((t) => [t.name, t.errorCode, t.errorMessage]), [[topic, Errors.NONE, null]]);
  } finally {
    client.socket.destroy();
  }
}

describe('a controller-only node and two broker-only nodes: a broker killed with -9', () => {
  const SESSION_TIMEOUT_MS = 3000;
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.start({
      controllers: 1,
      brokers: 2,
      overrides: { 'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS), 'broker.heartbeat.interval.ms': '500' },
    });
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('the broker-only nodes are observers of the quorum, not voters', async () => {
    const quorum = await waitFor('both observers fetching', async () => {
      const q = await cluster.describeQuorum();
      return q !== null && q.observers.length === 2 ? q : null;
    });
    assert.equal(quorum.leaderId, 1);
    assert.deepEqual(quorum.voters.map((v) => v.replicaId), [1]);
    assert.deepEqual(quorum.observers.map((o) => o.replicaId).sort(), [2, 3]);
  });

  test('is fenced after the session timeout and leaves Metadata and DescribeCluster; its partitions move to the ISR; restarted, it is listed again', async () => {
    const b2 = cluster.node(2);
    const b3 = cluster.node(3);
    await createAssigned(b2.brokerPort!, 'fenced-leaders', [[3, 2], [2, 3]]);
    const before = await waitFor('the topic on broker 2', async () => {
      const view = await brokerView(b2.brokerPort!);
      return view.leaders.has('fenced-leaders/0') ? view : null;
    });
    assert.deepEqual(before.metadataBrokers, [2, 3]);
    assert.deepEqual(before.describedBrokers, [2, 3]);
    assert.equal(before.leaders.get('fenced-leaders/0'), 3);

    await b3.kill();
    const after = await waitFor('broker 3 fenced', async () => {
      const view = await brokerView(b2.brokerPort!);
      return view.metadataBrokers.includes(3) ? null : view;
    }, 30_000);
    assert.deepEqual(after.metadataBrokers, [2]);
    assert.deepEqual(after.describedBrokers, [2]);
    assert.equal(after.leaders.get('fenced-leaders/0'), 2, 'elected from the rest of the ISR');
    assert.equal(after.leaders.get('fenced-leaders/1'), 2);
    assert.equal(cluster.node(1).log.filter((l) => l.msg === 'Fencing broker because its session has timed out' && l.brokerId === 3).length, 1);

    await b3.start();
    const back = await waitFor('broker 3 listed again', async () => {
      const view = await brokerView(b2.brokerPort!);
      return view.metadataBrokers.includes(3) ? view : null;
    }, 30_000);
    assert.deepEqual(back.describedBrokers, [2, 3]);
    // Unfenced by the controller's heartbeat answer, the broker serves at once; its own image lists itself once
    // it applied the unfencing record (as in Kafka).
    await waitFor('the restarted broker listing both', async () => (await brokerView(b3.brokerPort!)).metadataBrokers.length === 2);
  });
});

describe('a controller-only node and two broker-only nodes: SIGTERM of a broker', () => {
  // Far above every deadline here: a broker that leaves Metadata within them was fenced by its controlled
  // shutdown, not by an expired session.
  const SESSION_TIMEOUT_MS = 120_000;
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.start({ controllers: 1, brokers: 2, overrides: { 'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS) } });
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('moves its leaderships to the other ISR member, is fenced by the controller, and exits 0', async () => {
    const b2 = cluster.node(2);
    const b3 = cluster.node(3);
    await createAssigned(b2.brokerPort!, 'moved-leaders', [[3, 2], [3, 2], [2, 3]]);
    await waitFor('broker 3 leading on broker 2\'s metadata', async () => (await brokerView(b2.brokerPort!)).leaders.get('moved-leaders/1') === 3);

    const run = b3.runs;
    assert.deepEqual(await b3.stop(), { code: 0, signal: null });
    const said = b3.log.filter(() => true, run).map((l) => l.msg);
    const order = ['Beginning controlled shutdown', 'The controller has allowed the controlled shutdown', 'Shut down cleanly'].map((m) => said.indexOf(m));
    assert.ok(order.every((i, k) => i >= 0 && (k === 0 || i > order[k - 1]!)), `controlled shutdown then exit, in order: ${JSON.stringify(said.slice(-15))}`);

    const view = await waitFor('broker 3 gone from broker 2\'s metadata', async () => {
      const v = await brokerView(b2.brokerPort!);
      return v.metadataBrokers.includes(3) ? null : v;
    }, SESSION_TIMEOUT_MS / 4);
    assert.deepEqual([0, 1, 2].map((p) => view.leaders.get(`moved-leaders/${p}`)), [2, 2, 2]);
    assert.deepEqual(view.describedBrokers, [2]);
    assert.deepEqual(cluster.node(1).log.filter('Fencing broker because its session has timed out'), []);
  });
});
