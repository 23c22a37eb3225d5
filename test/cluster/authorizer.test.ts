// Three combined broker+controller nodes with the StandardAuthorizer on (authorizer.class.name) and
// super.users=User:ANONYMOUS, what an operator must set on PLAINTEXT listeners: every connection, the nodes' own
// (broker heartbeats and registrations, Envelopes, metadata quorum Fetch/Vote, follower fetches, transaction markers)
// included, is User:ANONYMOUS, and those requests need CLUSTER_ACTION. The cluster forms, replicates a topic of
// replication factor 3, and serves kafkajs; the authorizer is on (DescribeAcls answers instead of SECURITY_DISABLED).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { consumeWithKafkajs } from '../fixtures/e2e/kafkajs-consume.ts';
import { RawKafkaClient } from '../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import { printLogsOnFailure, SHORT_BROKER_SESSION, TestCluster } from './test-cluster.ts';

describe('three combined nodes with the StandardAuthorizer and super.users=User:ANONYMOUS', () => {
  let cluster: TestCluster;
  before(async () => {
    cluster = await TestCluster.start({
      combined: 3,
      overrides: {
        ...SHORT_BROKER_SESSION,
        'replica.lag.time.max.ms': '2000',
        'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
        'super.users': 'User:ANONYMOUS',
      },
    });
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('the quorum forms, a replicated topic is produced and consumed, and the authorizer answers DescribeAcls', async () => {
    await cluster.waitForLeader();
    for (const n of cluster.nodes) await cluster.waitForCatchUp(n);
    const kafka = new Kafka({ brokers: cluster.bootstrapServers(), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'secured', numPartitions: 3, replicationFactor: 3 }], waitForLeaders: true }), true);
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    try {
      await producer.send({ topic: 'secured', acks: -1, messages: Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })) });
    } finally {
      await producer.disconnect();
    }
    const consumed = await consumeWithKafkajs(kafka, 'secured', 30);
    assert.deepEqual(consumed.map((m) => m.value!.toString()).sort(), Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
    const client = await RawKafkaClient.connect(cluster.nodes[0]!.brokerPort!);
    try {
      const r: any = await client.request(ApiKeys.DescribeAcls, 3, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 });
      assert.deepEqual([r.errorCode, r.resources], [Errors.NONE, []]);
    } finally {
      await client.close();
    }
  });
});
