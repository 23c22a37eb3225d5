import { Kafka, logLevel } from 'kafkajs';
import { startBroker } from '/work/main/test/helpers/broker.ts';
import { kcatConsumeAll } from '/work/main/test/fixtures/e2e/kcat.ts';
import { readdirSync } from 'node:fs';
let broker = await startBroker();
const dataDir = broker.dataDir;
try {
  let kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin(); await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'x' }] });
  const p = kafka.producer(); await p.connect();
  await p.send({ topic: 'x', messages: [{ value: 'old-1' }, { value: 'old-2' }] });
  await admin.deleteTopics({ topics: ['x'] });
  await admin.createTopics({ topics: [{ topic: 'x' }] });
  await p.send({ topic: 'x', messages: [{ value: 'new-1' }] });
  await p.disconnect(); await admin.disconnect();
  console.log('before restart', (await kcatConsumeAll(broker.bootstrap, 'x', 0)).map(r => r.value!.toString()), readdirSync(dataDir + '/logs'));
  await broker.stop();
  broker = await startBroker({ dataDir });
  console.log('after restart', readdirSync(dataDir + '/logs'));
  console.log('after restart', (await kcatConsumeAll(broker.bootstrap, 'x', 0)).map(r => r.value!.toString()));
} finally { await broker.cleanup(); }
