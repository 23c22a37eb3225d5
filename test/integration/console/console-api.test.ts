// The web console's JSON API (src/server/console/) through real HTTP against a running broker with kafkajs traffic:
// what each endpoint answers, the 400s of malformed parameters, paging, and the authorizer applied to the console's
// principal.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { consoleGet, eventually, freePort } from '../../helpers/console-http.ts';

const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

describe('web console API', () => {
  let broker: TestBroker;
  let port: number;
  const get = (path: string): Promise<{ status: number; body: any }> => consoleGet(port, path);

  before(async () => {
    port = await freePort();
    broker = await startBroker({ overrides: { 'console.listener': `127.0.0.1:${port}` } });
  });
  after(() => broker.cleanup());

  test('cluster: the broker, the active controller and the quorum', async () => {
    const { status, body } = await get('/api/cluster');
    assert.equal(status, 200);
    assert.equal(body.clusterId, 'test-cluster-id-00000A');
    assert.deepEqual(body.brokers.map((b: { id: number; fenced: boolean }) => [b.id, b.fenced]), [[1, false]]);
    assert.equal(body.controller.activeControllerId, 1);
    assert.equal(body.quorum.state, 'Leader');
    assert.deepEqual(body.quorum.voters, [1]);
    assert.equal(body.quorum.replicas[0].replicaId, 1);
    assert.equal(body.principal, 'User:ANONYMOUS');
  });

  test('topics, a topic\'s partitions and its records in text, JSON and hex, paged; a group\'s offsets and lag', async () => {
    const kafka = new Kafka({ clientId: 'console-api-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer();
    const consumer = kafka.consumer({ groupId: 'console-group' });
    await Promise.all([admin.connect(), producer.connect()]);
    try {
      await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }], waitForLeaders: true });
      const before = Date.now();
      await producer.send({
        topic: 'orders',
        messages: Array.from({ length: 30 }, (_, i) => ({ partition: 0, key: `k${i}`, value: JSON.stringify({ n: i }), headers: { source: 'test' } })),
      });
      await producer.send({ topic: 'orders', messages: [{ partition: 1, key: null, value: Buffer.from([0xde, 0xad, 0xbe, 0xef]) }] });

      const topics = (await get('/api/topics')).body.topics as { name: string; partitions: number; underReplicatedPartitions: number; hostedBytes: number }[];
      const orders = topics.find((t) => t.name === 'orders');
      assert.ok(orders !== undefined);
      assert.equal(orders.partitions, 2);
      assert.equal(orders.underReplicatedPartitions, 0);
      assert.ok(orders.hostedBytes > 0);

      const topic = (await get('/api/topics/orders')).body;
      assert.deepEqual(topic.configs, { 'retention.ms': '3600000' });
      assert.deepEqual(topic.partitions.map((p: { partition: number; leader: number; replicas: number[]; isr: number[]; underReplicated: boolean }) => [p.partition, p.leader, p.replicas, p.isr, p.underReplicated]), [[0, 1, [1], [1], false], [1, 1, [1], [1], false]]);
      assert.equal(topic.partitions[0].log.highWatermark, '30');

      const page1 = (await get('/api/topics/orders/partitions/0/messages?offset=0&limit=10&format=json')).body;
      assert.equal(page1.records.length, 10);
      assert.deepEqual(page1.records[3], { offset: '3', timestamp: page1.records[3].timestamp, key: { invalidJson: 'k3' }, value: { n: 3 }, headers: [{ key: 'source', value: { invalidJson: 'test' } }], valueBytes: 7 });
      assert.ok(Number(page1.records[3].timestamp) >= before - 1000);
      assert.equal(page1.nextOffset, '10');
      const page2 = (await get(`/api/topics/orders/partitions/0/messages?offset=${page1.nextOffset}&limit=500&format=text`)).body;
      assert.deepEqual(page2.records.map((r: { offset: string }) => r.offset), Array.from({ length: 20 }, (_, i) => String(i + 10)));
      assert.equal(page2.records[0].key, 'k10');
      assert.equal(page2.nextOffset, '30');
      // Bytes bound the read: one byte still returns the first whole batch, never more.
      const small = (await get('/api/topics/orders/partitions/0/messages?maxBytes=1')).body;
      assert.equal(small.records.length, 30, 'kafkajs sent the 30 records as one batch');
      const hex = (await get('/api/topics/orders/partitions/1/messages?format=hex')).body;
      assert.deepEqual([hex.records[0].key, hex.records[0].value], [null, 'deadbeef']);
      const byTime = (await get(`/api/topics/orders/partitions/0/messages?timestamp=${Date.now() + 60_000}`)).body;
      assert.deepEqual(byTime.records, []);
      const fromTime = (await get(`/api/topics/orders/partitions/0/messages?timestamp=${before - 60_000}&limit=1`)).body;
      assert.equal(fromTime.records[0].offset, '0');

      await consumer.connect();
      await consumer.subscribe({ topic: 'orders', fromBeginning: true });
      let seen = 0;
      await consumer.run({ eachMessage: async () => { seen++; } });
      await eventually(async () => seen === 31, 'the consumer read every record');
      await eventually(async () => (await get('/api/groups/console-group')).body.totalLag === 0, 'the group committed every offset');
      const group = (await get('/api/groups/console-group')).body;
      assert.equal(group.state, 'Stable');
      assert.equal(group.members.length, 1);
      assert.deepEqual(group.members[0].assignment, [{ topic: 'orders', partitions: [0, 1] }]);
      assert.deepEqual(group.offsets.map((o: { partition: number; committedOffset: string; lag: number }) => [o.partition, o.committedOffset, o.lag]), [[0, '30', 0], [1, '1', 0]]);
      assert.deepEqual((await get('/api/groups')).body.groups.map((g: { groupId: string }) => g.groupId), ['console-group']);

      // Records produced while the consumer is stopped become lag, which the sampled history shows.
      await consumer.stop();
      await producer.send({ topic: 'orders', messages: Array.from({ length: 7 }, (_, i) => ({ partition: 0, value: `late-${i}` })) });
      await eventually(async () => (await get('/api/groups/console-group')).body.totalLag === 7, 'lag of the 7 new records');
      await eventually(async () => (await get('/api/groups/console-group')).body.lagHistory.some((p: { lag: number }) => p.lag === 7), 'the lag history has the new lag');
      await eventually(async () => (await get('/api/rates')).body.rates.some((r: { messagesInPerSec: number }) => r.messagesInPerSec > 0), 'a produce rate was sampled');
    } finally {
      await consumer.disconnect();
      await Promise.all([admin.disconnect(), producer.disconnect()]);
    }
  });

  test('malformed parameters are 400, unknown things 404, writes 405', async () => {
    for (const query of ['limit=abc', 'limit=0', 'limit=100000', 'maxBytes=99999999', 'format=xml', 'offset=-1', 'offset=1e3', 'timestamp=x', 'offset=1&timestamp=1', 'offset=99999999999999999999', 'ofset=5', 'offset=1&offset=2x']) {
      const { status, body } = await get(`/api/topics/orders/partitions/0/messages?${query}`);
      assert.equal(status, 400, query);
      assert.equal(typeof body.error, 'string');
    }
    assert.equal((await get('/api/topics?limit=5')).status, 400, 'a parameter the call does not take');
    assert.equal((await get('/api/topics/nope')).status, 404);
    assert.equal((await get('/api/topics/orders/partitions/9/messages')).status, 404);
    assert.equal((await get('/api/topics/orders/partitions/x/messages')).status, 400);
    assert.equal((await get('/api/topics/orders/partitions/2147483648/messages')).status, 400);
    assert.equal((await get('/api/groups/nope')).status, 404);
    assert.equal((await get('/api/nothing')).status, 404);
    assert.equal((await get('/api/topics/%E0%A4%A')).status, 400);
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/topics`, { method: 'POST' })).status, 405);
  });
});

describe('web console API with the authorizer on', () => {
  test('reads are authorized as console.principal: lists filtered, the rest 403', async () => {
    const port = await freePort();
    const broker = await startBroker({
      overrides: { 'console.listener': `127.0.0.1:${port}`, 'console.principal': 'User:console' },
      serverOptions: { standardAuthorizer: { superUsers: ['User:ANONYMOUS'], allowEveryoneIfNoAclFound: false } },
    });
    const kafka = new Kafka({ clientId: 'console-acl-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'visible' }, { topic: 'hidden' }], waitForLeaders: true });
      await admin.createAcls({ acl: [{ resourceType: AclResourceTypes.TOPIC, resourceName: 'visible', resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:console', host: '*', operation: AclOperationTypes.DESCRIBE, permissionType: AclPermissionTypes.ALLOW }] });
      await eventually(async () => (await consoleGet(port, '/api/topics')).body.topics?.length === 1, 'the ACL reached the authorizer');
      assert.deepEqual((await consoleGet(port, '/api/topics')).body.topics.map((t: { name: string }) => t.name), ['visible']);
      assert.equal((await consoleGet(port, '/api/topics/visible')).status, 200);
      assert.equal((await consoleGet(port, '/api/topics/visible')).body.configs, null, 'no DESCRIBE_CONFIGS');
      assert.equal((await consoleGet(port, '/api/topics/hidden')).status, 403);
      assert.equal((await consoleGet(port, '/api/topics/visible/partitions/0/messages')).status, 403, 'DESCRIBE does not allow READ');
      assert.equal((await consoleGet(port, '/api/cluster')).status, 403);
      assert.equal((await consoleGet(port, '/api/rates')).status, 403);
    } finally {
      await admin.disconnect();
      await broker.cleanup();
    }
  });

  test('a malformed console.principal or console.listener refuses the start', async () => {
    await assert.rejects(startBroker({ overrides: { 'console.listener': '127.0.0.1:0', 'console.principal': 'console' } }), /console\.principal must be type:name/);
    await assert.rejects(startBroker({ overrides: { 'console.listener': 'nonsense' } }), /console\.listener must be host:port/);
  });
});
