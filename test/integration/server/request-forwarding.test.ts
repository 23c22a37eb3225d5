// Request forwarding (KIP-590) on the wire: the controller's Envelope handler (what it runs, what it refuses, with
// Kafka's envelope error codes), a quorum of two combined nodes where an envelope reaching the standby controller
// is answered NOT_CONTROLLER and clients of either broker are served, and a broker whose controller-only quorum lost
// its majority, then stopped: its clients get REQUEST_TIMED_OUT once the forwarding retry timeout passed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { Admin } from '@platformatic/kafka';
import type { KafkaRaftServer } from '../../../src/server/kafka-raft-server.ts';
import { Writer } from '../../../src/protocol/writer.ts';
import { Reader } from '../../../src/protocol/reader.ts';
import { encodeRequestHeader } from '../../../src/protocol/request-header.ts';
import { decodeResponseHeader } from '../../../src/protocol/response-header.ts';
import { API_MESSAGES, requestHeaderVersion, responseHeaderVersion } from '../../../src/protocol/generated/api-messages.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { EnvelopeResponse } from '../../../src/protocol/generated/messages/envelope-response.ts';
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics-response.ts';
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata-response.ts';
import { KafkaPrincipalSerde } from '../../../src/server/kafka-principal-serde.ts';
import { ANONYMOUS_PRINCIPAL } from '../../../src/security/kafka-principal.ts';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { clusterDir, freePorts, startCombinedQuorum, startRoleNode } from '../../helpers/role-nodes.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { withKafkaError } from '../../fixtures/e2e/client-errors.ts';

const LOCALHOST = Buffer.from([127, 0, 0, 1]);

/** A request as a client sends it (header + body), for the payload of an envelope. */
function requestBytes(apiKey: number, version: number, correlationId: number, body: object): Buffer {
  const w = new Writer(128);
  encodeRequestHeader(w, requestHeaderVersion(apiKey, version), { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: 'forwarded-client' });
  API_MESSAGES.get(apiKey)!.encodeRequest(w, version, body as never);
  return w.toBuffer();
}

function envelope(requestData: Buffer, overrides: { requestPrincipal?: Buffer | null; clientHostAddress?: Buffer } = {}): object {
  return { requestData, requestPrincipal: KafkaPrincipalSerde.serialize(ANONYMOUS_PRINCIPAL), clientHostAddress: LOCALHOST, ...overrides };
}

/** The inner response of an envelope response: its correlation id and body. */
function innerResponse<T>(bytes: Buffer, apiKey: number, version: number): { correlationId: number; body: T } {
  const r = new Reader(bytes);
  const { correlationId } = decodeResponseHeader(r, responseHeaderVersion(apiKey, version));
  return { correlationId, body: API_MESSAGES.get(apiKey)!.decodeResponse(r, version) as T };
}

const createTopic = (name: string): object => ({ topics: [{ name, numPartitions: 2, replicationFactor: 1 }], timeoutMs: 10_000 });

describe('the controller\'s Envelope handler', () => {
  let node: TestBroker;
  let raw: RawKafkaClient;

  before(async () => {
    node = await startBroker();
    raw = await RawKafkaClient.connect(node.server.boundPort('CONTROLLER'));
  });

  after(async () => {
    await raw?.close();
    await node?.cleanup();
  });

  test('runs the inner request and returns its response with the client\'s correlation id and version', async () => {
    for (const version of [0, 4, 7]) {
      const name = `envelope-v${version}`;
      const response = await raw.request<EnvelopeResponse>(ApiKeys.Envelope, 0, envelope(requestBytes(ApiKeys.CreateTopics, version, 4242 + version, createTopic(name))));
      assert.equal(response.errorCode, Errors.NONE);
      const inner = innerResponse<CreateTopicsResponse>(response.responseData!, ApiKeys.CreateTopics, version);
      assert.equal(inner.correlationId, 4242 + version);
      assert.deepEqual(inner.body.topics.map((t) => [t.name, t.errorCode]), [[name, Errors.NONE]]);
      assert.equal(node.server.metadata.topicsByName.get(name)?.partitions.size, 2);
    }
    const again = await raw.request<EnvelopeResponse>(ApiKeys.Envelope, 0, envelope(requestBytes(ApiKeys.CreateTopics, 7, 1, createTopic('envelope-v7'))));
    assert.equal(again.errorCode, Errors.NONE, 'the inner request\'s own errors travel inside the response');
    assert.equal(innerResponse<CreateTopicsResponse>(again.responseData!, ApiKeys.CreateTopics, 7).body.topics[0]!.errorCode, Errors.TOPIC_ALREADY_EXISTS);
  });

  test('refuses an API that is not forwardable, a nested envelope, and what it cannot parse', async () => {
    const metadata = requestBytes(ApiKeys.Metadata, 12, 1, { topics: null, allowAutoTopicCreation: false });
    const refused = async (body: object): Promise<number> => {
      const response = await raw.request<EnvelopeResponse>(ApiKeys.Envelope, 0, body);
      assert.equal(response.responseData, null);
      return response.errorCode;
    };
    assert.equal(await refused(envelope(metadata)), Errors.INVALID_REQUEST);
    const nested = requestBytes(ApiKeys.Envelope, 0, 2, envelope(requestBytes(ApiKeys.CreateTopics, 7, 3, createTopic('nested'))));
    assert.equal(await refused(envelope(nested)), Errors.INVALID_REQUEST);
    const futureVersion = requestBytes(ApiKeys.CreateTopics, 7, 4, createTopic('future'));
    futureVersion.writeInt16BE(99, 2);
    assert.equal(await refused(envelope(futureVersion)), Errors.UNSUPPORTED_VERSION);
    assert.equal(await refused(envelope(Buffer.from([0, 19, 0]))), Errors.UNSUPPORTED_VERSION);
    const truncated = requestBytes(ApiKeys.CreateTopics, 7, 5, createTopic('truncated'));
    assert.equal(await refused(envelope(truncated.subarray(0, truncated.length - 6))), Errors.UNSUPPORTED_VERSION);
    assert.equal(await refused(envelope(requestBytes(ApiKeys.CreateTopics, 7, 6, createTopic('p')), { requestPrincipal: Buffer.from([0, 0, 7]) })), Errors.PRINCIPAL_DESERIALIZATION_FAILURE);
    assert.equal(await refused(envelope(requestBytes(ApiKeys.CreateTopics, 7, 7, createTopic('p')), { requestPrincipal: null })), Errors.PRINCIPAL_DESERIALIZATION_FAILURE);
    assert.equal(await refused(envelope(requestBytes(ApiKeys.CreateTopics, 7, 8, createTopic('p')), { clientHostAddress: Buffer.from([1, 2, 3]) })), Errors.INVALID_REQUEST);
    for (const name of ['nested', 'future', 'truncated', 'p']) assert.equal(node.server.metadata.topicsByName.has(name), false);
  });

  test('the broker listener does not serve Envelope: a client cannot send one', async () => {
    const client = await RawKafkaClient.connect(node.port);
    try {
      await assert.rejects(client.request(ApiKeys.Envelope, 0, envelope(requestBytes(ApiKeys.CreateTopics, 7, 1, createTopic('from-client')))), /connection closed/);
    } finally {
      await client.close();
    }
    assert.equal(node.server.metadata.topicsByName.has('from-client'), false);
  });
});

describe('two combined nodes: the standby controller and its broker', () => {
  let nodes: KafkaRaftServer[];
  let stop: () => Promise<void>;

  before(async () => {
    ({ nodes, stop } = await startCombinedQuorum(2));
  });

  after(async () => {
    await stop?.();
  });

  test('an envelope reaching the standby controller is NOT_CONTROLLER; clients of the standby\'s broker are forwarded to the active one', async () => {
    const leaderId = nodes[0]!.shared.raft.client.leaderAndEpoch.leaderId;
    const standby = nodes.find((n) => n.nodeId !== leaderId)!;
    const raw = await RawKafkaClient.connect(standby.boundPort('CONTROLLER'));
    try {
      const response = await raw.request<EnvelopeResponse>(ApiKeys.Envelope, 0, envelope(requestBytes(ApiKeys.CreateTopics, 7, 1, createTopic('standby-direct'))));
      assert.deepEqual([response.errorCode, response.responseData], [Errors.NOT_CONTROLLER, null]);
    } finally {
      await raw.close();
    }
    const client = await RawKafkaClient.connect(standby.boundPort('PLAINTEXT'));
    try {
      const created = await client.request<CreateTopicsResponse>(ApiKeys.CreateTopics, 7, createTopic('via-standby'));
      assert.deepEqual(created.topics.map((t) => [t.name, t.errorCode]), [['via-standby', Errors.NONE]]);
    } finally {
      await client.close();
    }
    for (const n of nodes) await waitFor(`the topic on node ${n.nodeId}`, () => n.metadata.topicsByName.has('via-standby'));
  });
});

describe('a broker whose controller-only quorum lost its majority, then stopped', () => {
  const FORWARDING_TIMEOUT_MS = 1500;
  let controllers: KafkaRaftServer[];
  let broker: KafkaRaftServer;
  let bootstrap: string;
  let removeDir: () => Promise<void>;

  /** A CreateTopics through the broker: its topic's error code, and how long the broker took to answer (ms). */
  async function createThroughBroker(name: string): Promise<{ errorCode: number; errorMessage: string | null | undefined; elapsedMs: number }> {
    const raw = await RawKafkaClient.connect(broker.boundPort('PLAINTEXT'));
    try {
      const started = performance.now();
      const created = await raw.request<CreateTopicsResponse>(ApiKeys.CreateTopics, 7, createTopic(name), 20_000);
      assert.deepEqual(created.topics.map((t) => t.name), [name]);
      return { errorCode: created.topics[0]!.errorCode, errorMessage: created.topics[0]!.errorMessage, elapsedMs: performance.now() - started };
    } finally {
      await raw.close();
    }
  }

  before(async () => {
    const { dir, remove } = await clusterDir();
    removeDir = remove;
    const ports = await freePorts(3);
    const voters = ports.map((p, i) => `${i + 1}@127.0.0.1:${p}`).join(',');
    [broker, ...controllers] = await Promise.all([
      // No controller will approve a controlled shutdown: stop at once.
      startRoleNode({ nodeId: 4, roles: 'broker', voters, dataDir: dir, overrides: { 'controlled.shutdown.enable': 'false' } }, { forwardingRetryTimeoutMs: FORWARDING_TIMEOUT_MS }),
      ...ports.map((controllerPort, i) => startRoleNode({ nodeId: i + 1, roles: 'controller', controllerPort, voters, dataDir: dir })),
    ]);
    bootstrap = `127.0.0.1:${broker.boundPort('PLAINTEXT')}`;
    assert.equal((await createThroughBroker('before-the-loss')).errorCode, Errors.NONE);
    await waitFor('the topic on the broker', () => broker.metadata.topicsByName.has('before-the-loss'));
    // The active controller and one more voter stop: the last voter can never win an election alone.
    const leaderId = broker.shared.raft.client.leaderAndEpoch.leaderId;
    const [first, second] = [...controllers].sort((a, b) => Number(b.nodeId === leaderId) - Number(a.nodeId === leaderId));
    await first!.shutdown();
    await second!.shutdown();
  });

  after(async () => {
    await broker?.shutdown();
    for (const c of controllers ?? []) await c.shutdown();
    await removeDir?.();
  });

  test('metadata writes get REQUEST_TIMED_OUT once the forwarding timeout passed; reads are still served', async () => {
    const created = await createThroughBroker('no-majority');
    assert.deepEqual([created.errorCode, created.errorMessage], [Errors.REQUEST_TIMED_OUT, null]);
    assert.ok(created.elapsedMs >= FORWARDING_TIMEOUT_MS - 50, `answered after the forwarding timeout, not before (${created.elapsedMs} ms)`);
    const raw = await RawKafkaClient.connect(broker.boundPort('PLAINTEXT'));
    try {
      const metadata = await raw.request<MetadataResponse>(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false });
      assert.deepEqual(metadata.brokers.map((b) => b.nodeId), [4]);
      assert.deepEqual(metadata.topics.map((t) => [t.name, t.errorCode]), [['before-the-loss', Errors.NONE]]);
    } finally {
      await raw.close();
    }
    assert.equal(controllers.some((c) => c.metadata.topicsByName.has('no-majority')), false);
  });

  test('kafkajs and @platformatic/kafka report REQUEST_TIMED_OUT, not a client-side timeout', async () => {
    const kafka = new Kafka({ clientId: 'no-controller', brokers: [bootstrap], logLevel: logLevel.NOTHING, requestTimeout: 20_000, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await assert.rejects(admin.createTopics({ topics: [{ topic: 'no-controller-kafkajs' }] }), withKafkaError('REQUEST_TIMED_OUT'));
    } finally {
      await admin.disconnect();
    }
    const platformatic = new Admin({ clientId: 'no-controller', bootstrapBrokers: [bootstrap], retries: 0, timeout: 20_000 });
    try {
      await assert.rejects(platformatic.createTopics({ topics: ['no-controller-platformatic'], partitions: 1, replicas: 1 }), withKafkaError('REQUEST_TIMED_OUT'));
    } finally {
      await platformatic.close();
    }
  });

  test('with the whole quorum stopped: REQUEST_TIMED_OUT still', async () => {
    for (const c of controllers) await c.shutdown();
    const created = await createThroughBroker('no-quorum');
    assert.deepEqual([created.errorCode, created.errorMessage], [Errors.REQUEST_TIMED_OUT, null]);
  });
});
