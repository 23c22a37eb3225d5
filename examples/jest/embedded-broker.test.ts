// Jest with the embedded broker: one real broker for the file (beforeAll/afterAll), driven by kafkajs and by
// @platformatic/kafka. Run: node --experimental-vm-modules node_modules/jest/bin/jest.js --config examples/jest/jest.config.mjs
// (Jest loads ES modules only with that flag; jest.config.mjs maps `kafka-broker` and strips the types)
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaBroker } from 'kafka-broker';

let broker: KafkaBroker;

beforeAll(async () => {
  broker = await KafkaBroker.start({
    topics: ['orders', { name: 'payments', partitions: 3 }],
    config: { 'auto.create.topics.enable': false },
  });
});

afterAll(() => broker.stop());

test('kafkajs: records produced are consumed by a group from the beginning', async () => {
  const kafka = new Kafka({ clientId: 'example', brokers: [broker.bootstrapServers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'orders', messages: [{ key: 'a', value: 'one' }, { key: 'b', value: 'two' }] });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: 'orders-reader' });
  await consumer.connect();
  await consumer.subscribe({ topic: 'orders', fromBeginning: true });
  const values: string[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value!.toString());
        if (values.length === 2) resolve();
      },
    });
  });
  await consumer.disconnect();
  expect(values).toEqual(['one', 'two']);
});

test('@platformatic/kafka: a topic created up front has its partitions; records come back with their keys', async () => {
  const producer = new Producer({ clientId: 'example', bootstrapBrokers: [broker.bootstrapServers], serializers: stringSerializers });
  await producer.send({ messages: [0, 1, 2].map((partition) => ({ topic: 'payments', partition, key: `k${partition}`, value: `paid ${partition}` })) });
  await producer.close();

  const consumer = new Consumer({ groupId: 'payments-reader', clientId: 'example', bootstrapBrokers: [broker.bootstrapServers], deserializers: stringDeserializers });
  const stream = await consumer.consume({ topics: ['payments'], mode: 'earliest', autocommit: true });
  const seen = new Map<string, string>();
  for await (const message of stream) {
    seen.set(message.key, message.value);
    if (seen.size === 3) break;
  }
  await stream.close();
  await consumer.close();
  expect([...seen].sort()).toEqual([['k0', 'paid 0'], ['k1', 'paid 1'], ['k2', 'paid 2']]);
});
