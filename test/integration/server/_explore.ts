import { Kafka, logLevel } from 'kafkajs';
import { Admin } from '@platformatic/kafka';
import { startBroker } from '/work/main/test/helpers/broker.ts';
const broker = await startBroker({ overrides: { 'log.segment.bytes': '536870912' } });
const show = (x: any) => console.log(JSON.stringify(x));
try {
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  show(await admin.createTopics({ topics: [{ topic: 'a', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }, { name: 'cleanup.policy', value: 'compact' }] }] }));
  const dc = await admin.describeConfigs({ resources: [{ type: 2, name: 'a' }], includeSynonyms: true });
  show(dc.resources[0].configEntries.filter((e: any) => ['retention.ms','cleanup.policy','segment.bytes','min.insync.replicas'].includes(e.configName)));
  const db = await admin.describeConfigs({ resources: [{ type: 4, name: '1', configNames: ['log.segment.bytes', 'num.partitions', 'log.retention.ms'] }], includeSynonyms: true });
  show(db.resources[0]);
  for (const bad of [{ topic: 'x', numPartitions: 0 }, { topic: 'y', configEntries: [{ name: 'nope.config', value: '1' }] }, { topic: 'z', configEntries: [{ name: 'retention.ms', value: 'abc' }] }, { topic: 'x'.repeat(250) }, { topic: '..' }]) {
    try { await admin.createTopics({ topics: [bad as any] }); console.log('no error for', bad); } catch (e: any) { show([bad.topic.slice(0,10), e.name, e.errors?.map((x: any) => [x.type, x.message])]); }
  }
  try { await admin.createPartitions({ topicPartitions: [{ topic: 'a', count: 1 }] }); } catch (e: any) { show([e.name, e.type, e.message]); }
  try { await admin.createPartitions({ topicPartitions: [{ topic: 'nope', count: 3 }] }); } catch (e: any) { show([e.name, e.type, e.message]); }
  try { await admin.deleteTopics({ topics: ['nope'] }); } catch (e: any) { show([e.name, e.type, e.message]); }
  try { await admin.alterConfigs({ resources: [{ type: 2, name: 'a', configEntries: [{ name: 'retention.ms', value: 'x' }] }] }); } catch (e: any) { show([e.name, e.type, e.message]); }
  show(await admin.alterConfigs({ validateOnly: true, resources: [{ type: 2, name: 'a', configEntries: [{ name: 'retention.ms', value: '5' }] }] }));
  await admin.disconnect();
  const pa = new Admin({ clientId: 'p', bootstrapBrokers: [broker.bootstrap] });
  try { await pa.createTopics({ topics: ['a'], partitions: 1, replicas: 1 }); } catch (e: any) { console.log(e, e.errors); }
  await pa.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: 'a', configs: [{ name: 'retention.ms', configOperation: 1, value: null }, { name: 'cleanup.policy', configOperation: 2, value: 'delete' }] }] } as any);
  show(await pa.describeConfigs({ resources: [{ resourceType: 2, resourceName: 'a', configurationKeys: ['retention.ms', 'cleanup.policy'] }], includeSynonyms: true } as any));
  try { await pa.deleteTopics({ topics: ['nope'] }); } catch (e: any) { console.log(e, e.errors); }
  await pa.close();
} finally { await broker.cleanup(); }
