// Topic administration for the benchmark through kafkajs's admin client (correctness-only client: it is never
// the load generator).
import { Kafka, logLevel } from 'kafkajs';

/** Topic spec: name, partition count, and topic configs (Kafka names, e.g. compression.type). */
export interface BenchTopic {
  topic: string;
  numPartitions: number;
  configEntries?: Record<string, string>;
}

/**
 * Creates `topics` (replication factor 1) and waits for their leaders. `timeoutMs` bounds the CreateTopics
 * request (thousands of partitions take a while).
 * @throws kafkajs errors (e.g. TOPIC_ALREADY_EXISTS, code 36) when the broker refuses.
 */
export async function createTopics(bootstrap: string, topics: readonly BenchTopic[], timeoutMs = 120_000): Promise<void> {
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, requestTimeout: timeoutMs }).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      timeout: timeoutMs,
      waitForLeaders: true,
      topics: topics.map((t) => ({
        topic: t.topic,
        numPartitions: t.numPartitions,
        replicationFactor: 1,
        configEntries: Object.entries(t.configEntries ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** Deletes `topics` (frees their disk between runs). */
export async function deleteTopics(bootstrap: string, topics: readonly string[], timeoutMs = 60_000): Promise<void> {
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, requestTimeout: timeoutMs }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [...topics], timeout: timeoutMs });
  } finally {
    await admin.disconnect();
  }
}
