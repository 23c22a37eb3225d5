// A @platformatic/kafka consumer in its own process (so tests can SIGKILL it).
// argv: bootstrap groupId topic groupInstanceId|- groupProtocol(classic|consumer)
// stdout: JSON lines {"assigned":[partitions]} whenever the assignment changes, {"record":{"p":..,"o":..,"v":..}} per record.
import { Consumer, stringDeserializers } from '@platformatic/kafka';

const [bootstrap, groupId, topic, instance, protocol] = process.argv.slice(2) as [string, string, string, string, string];
const consumer = new Consumer({
  groupId,
  clientId: 'platformatic-child',
  bootstrapBrokers: [bootstrap],
  deserializers: stringDeserializers,
  sessionTimeout: 6000,
  rebalanceTimeout: 10_000,
  heartbeatInterval: 300,
  groupProtocol: protocol as 'classic' | 'consumer',
  ...(instance === '-' ? {} : { groupInstanceId: instance }),
});
const stream = await consumer.consume({ topics: [topic], autocommit: 100, mode: 'earliest' } as Parameters<typeof consumer.consume>[0]);
let last = '';
setInterval(() => {
  const assigned = (consumer.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions).sort((a, b) => a - b);
  const s = JSON.stringify(assigned);
  if (consumer.assignments !== null && s !== last) {
    last = s;
    process.stdout.write(`${JSON.stringify({ assigned })}\n`);
  }
}, 50);
stream.on('data', (m: { partition: number; offset: bigint; value: string }) => {
  process.stdout.write(`${JSON.stringify({ record: { p: m.partition, o: String(m.offset), v: m.value } })}\n`);
});
process.on('SIGTERM', () => {
  void consumer.close(true).then(() => process.exit(0));
});
