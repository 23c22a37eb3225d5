import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';

/**
 * Whether a kafkajs admin client with `config` (sasl, ssl) connects to 127.0.0.1:`port` and lists the topics: one
 * attempt, no retries, so a refused login answers false at once. The client is always disconnected.
 */
export async function canLogIn(port: number, config: Pick<KafkaConfig, 'sasl' | 'ssl'>): Promise<boolean> {
  const admin = new Kafka({ brokers: [`127.0.0.1:${port}`], ...config, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect();
  }
}
