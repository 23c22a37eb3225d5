// A kafkajs consumer in its own process, so tests can kill it with SIGKILL (no LeaveGroup) and restart it.
// argv: bootstrap groupId topic
// stdout: one JSON line per event: {"assigned":[partitions]} after each rebalance, {"record":{"p":..,"o":..,"v":..}}
// for each record, {"committed":{partition: offset}} after each acknowledged commit; it commits after every record
// (autoCommitThreshold 1).
import { Kafka, logLevel } from 'kafkajs';

const [bootstrap, groupId, topic] = process.argv.slice(2) as [string, string, string];
const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, clientId: 'child', retry: { retries: 50, initialRetryTime: 100, maxRetryTime: 1000 } });
const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 10_000, maxWaitTimeInMs: 500 });
consumer.on(consumer.events.GROUP_JOIN, (e) => {
  process.stdout.write(`${JSON.stringify({ assigned: [...(e.payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b), memberId: e.payload.memberId })}\n`);
});
consumer.on(consumer.events.COMMIT_OFFSETS, (e) => {
  const committed: Record<string, string> = {};
  for (const t of e.payload.topics) for (const p of t.partitions) committed[p.partition] = p.offset;
  process.stdout.write(`${JSON.stringify({ committed })}\n`);
});
await consumer.connect();
await consumer.subscribe({ topics: [topic], fromBeginning: true });
await consumer.run({
  autoCommitThreshold: 1,
  eachMessage: async ({ partition, message }) => {
    process.stdout.write(`${JSON.stringify({ record: { p: partition, o: message.offset, v: message.value?.toString() } })}\n`);
  },
});
process.on('SIGTERM', () => {
  void consumer.disconnect().then(() => process.exit(0));
});
