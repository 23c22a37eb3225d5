// The transactional copier of the copier kill -9 test (Kafka's transactions_test pattern), in its own process so
// the test can SIGKILL it at any point: a kafkajs read_committed group consumer of the input topic and a
// transactional producer; each chunk of a fetched batch is copied in one transaction that also commits the
// consumer's offset (sendOffsets), so a record is either copied with its offset committed, or neither.
// argv: bootstrap inputTopic outputTopic groupId transactionalId
// stdout: one JSON line per event: {"ready":true} once the producer is initialized and the consumer running,
// {"committed":n} after each committed transaction (n: records copied by this process so far).
import { Kafka, logLevel } from 'kafkajs';

const [bootstrap, input, output, groupId, transactionalId] = process.argv.slice(2) as [string, string, string, string, string];
const CHUNK = 20;
/** Simulated processing time inside each transaction, so that kills often land inside one. */
const WORK_MS = 20;
const kafka = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING, clientId: 'copier', retry: { retries: 100, initialRetryTime: 50, maxRetryTime: 500 } });
const producer = kafka.producer({ transactionalId, maxInFlightRequests: 1, idempotent: true, transactionTimeout: 30_000 });
// A dead copier is noticed after sessionTimeout (the broker runs with group.min.session.timeout.ms=500).
const consumer = kafka.consumer({ groupId, sessionTimeout: 1000, heartbeatInterval: 150, rebalanceTimeout: 3000, maxWaitTimeInMs: 100, readUncommitted: false });
let copied = 0;

await producer.connect();
await consumer.connect();
await consumer.subscribe({ topics: [input], fromBeginning: true });
await consumer.run({
  autoCommit: false,
  eachBatchAutoResolve: false,
  eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
    for (let i = 0; i < batch.messages.length && isRunning() && !isStale(); i += CHUNK) {
      const chunk = batch.messages.slice(i, i + CHUNK);
      const last = chunk[chunk.length - 1]!;
      const txn = await producer.transaction();
      try {
        await txn.send({ topic: output, messages: chunk.map((m) => ({ partition: batch.partition, key: m.key, value: m.value })) });
        await new Promise((r) => setTimeout(r, WORK_MS));
        await txn.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: batch.partition, offset: String(BigInt(last.offset) + 1n) }] }] });
        await txn.commit();
      } catch (err) {
        await txn.abort().catch(() => undefined);
        throw err;
      }
      copied += chunk.length;
      process.stdout.write(`${JSON.stringify({ committed: copied })}\n`);
      resolveOffset(last.offset);
      await heartbeat();
    }
  },
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.on('SIGTERM', () => {
  void Promise.allSettled([consumer.disconnect(), producer.disconnect()]).then(() => process.exit(0));
});
