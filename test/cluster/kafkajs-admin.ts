// What the cluster tests do with kafkajs's admin client: describe the cluster and create a topic through the running
// brokers, as an application would (the broker kafkajs picks as "controller" forwards the creation).
import { Kafka, logLevel } from 'kafkajs';
import type { TestCluster } from './test-cluster.ts';

/** describeCluster's answer: the cluster id and the brokers (id, port) as kafkajs reports them. */
export interface DescribedCluster {
  readonly clusterId: string;
  readonly brokers: readonly { nodeId: number; port: number }[];
}

/**
 * kafkajs describeCluster, then createTopics of `topic` (replication factor 1) without waitForLeaders: that would
 * ask Metadata of the broker that forwarded the creation, which may not have loaded the topic yet
 * (UNKNOWN_TOPIC_OR_PARTITION, which kafkajs does not retry), as Kafka's KRaft brokers answer. Wait with
 * {@link TestCluster.waitForTopic}.
 * @returns describeCluster's answer. @throws Error when createTopics does not answer true (created).
 */
export async function describeAndCreateWithKafkajs(cluster: TestCluster, topic: string, numPartitions: number): Promise<DescribedCluster> {
  const admin = new Kafka({ brokers: cluster.bootstrapServers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const described = await admin.describeCluster();
    const created = await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: false });
    if (!created) throw new Error(`kafkajs createTopics ${topic}: not created (it existed)`);
    return { clusterId: described.clusterId, brokers: described.brokers.map((b) => ({ nodeId: b.nodeId, port: b.port })) };
  } finally {
    await admin.disconnect();
  }
}
