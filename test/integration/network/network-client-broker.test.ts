// The NetworkClient against a real broker of ours started in-process: the ApiVersions negotiation, Metadata,
// CreateTopics then Metadata, 100 pipelined requests, and the broker going away under requests in flight.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { NetworkClient, type NodeEndpoint } from '../../../src/network/network-client.ts';
import { DisconnectException, NodeNotReadyError } from '../../../src/network/network-client-errors.ts';
import { API_MESSAGES } from '../../../src/protocol/generated/api-messages.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions-response.ts';
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata-response.ts';
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics-response.ts';

describe('NetworkClient against a broker', () => {
  let broker: TestBroker;
  let endpoint: NodeEndpoint;
  const clients: NetworkClient[] = [];
  const newClient = (options: { maxInFlightRequestsPerConnection?: number } = {}): NetworkClient => {
    const client = new NetworkClient({ clientId: 'broker-2-test', ...options });
    clients.push(client);
    return client;
  };

  before(async () => {
    broker = await startBroker();
    endpoint = { nodeId: 1, host: '127.0.0.1', port: broker.port };
  });

  after(async () => {
    for (const c of clients) c.close();
    await broker.cleanup();
  });

  test('the negotiated versions are the ranges the broker advertises, and sends use the newest common one', async () => {
    const client = newClient();
    const response = await client.send<MetadataResponse>(endpoint, ApiKeys.Metadata, {}, { topics: [], allowAutoTopicCreation: false });
    const negotiated = client.nodeApiVersions(1)!;

    // What the broker advertises to any client, read on a separate raw connection.
    const raw = await RawKafkaClient.connect(broker.port);
    const advertised = await raw.request<ApiVersionsResponse>(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'raw', clientSoftwareVersion: '1' });
    raw.socket.destroy();
    assert.ok(advertised.apiKeys.length > 20);
    for (const k of advertised.apiKeys) {
      assert.deepEqual(negotiated.apiVersion(k.apiKey), { min: k.minVersion, max: k.maxVersion }, `api key ${k.apiKey}`);
    }
    assert.deepEqual(negotiated.response.finalizedFeatures, advertised.finalizedFeatures);

    const metadataRange = negotiated.apiVersion(ApiKeys.Metadata)!;
    assert.equal(response.apiVersion, Math.min(metadataRange.max, API_MESSAGES.get(ApiKeys.Metadata)!.maxVersion));
    assert.deepEqual(response.body.brokers.map((b) => [b.nodeId, b.port]), [[1, broker.port]]);
    assert.equal(response.body.clusterId, 'test-cluster-id-00000A');
  });

  test('CreateTopics then Metadata through the client', async () => {
    const client = newClient();
    const created = await client.send<CreateTopicsResponse>(endpoint, ApiKeys.CreateTopics, {}, {
      topics: [{ name: 'netclient-topic', numPartitions: 3, replicationFactor: 1 }],
      timeoutMs: 10_000,
    });
    assert.equal(created.body.topics[0]!.errorCode, Errors.NONE, JSON.stringify(created.body.topics[0]));
    const again = await client.send<CreateTopicsResponse>(endpoint, ApiKeys.CreateTopics, {}, {
      topics: [{ name: 'netclient-topic', numPartitions: 3, replicationFactor: 1 }],
    });
    assert.equal(again.body.topics[0]!.errorCode, Errors.TOPIC_ALREADY_EXISTS);

    const metadata = await client.send<MetadataResponse>(endpoint, ApiKeys.Metadata, {}, { topics: [{ name: 'netclient-topic' }], allowAutoTopicCreation: false });
    const topic = metadata.body.topics[0]!;
    assert.equal(topic.errorCode, Errors.NONE);
    assert.deepEqual(topic.partitions.map((p) => [p.partitionIndex, p.leaderId]).sort(), [[0, 1], [1, 1], [2, 1]]);
  });

  for (const maxInFlight of [100, 5]) {
    test(`100 concurrent requests (max in flight ${maxInFlight}) are all answered, each with its own response`, async () => {
      const client = newClient({ maxInFlightRequestsPerConnection: maxInFlight });
      await client.send(endpoint, ApiKeys.Metadata, {}, { topics: [], allowAutoTopicCreation: false });
      const names = Array.from({ length: 100 }, (_, i) => `missing-${maxInFlight}-${i}`);
      const sends = names.map((name) =>
        client.send<MetadataResponse>(endpoint, ApiKeys.Metadata, {}, { topics: [{ name }], allowAutoTopicCreation: false }),
      );
      const status = client.connectionStatus(1)!;
      assert.equal(status.inFlightRequests, maxInFlight, 'written at once up to the bound');
      assert.equal(status.queuedRequests, 100 - maxInFlight);
      const responses = await Promise.all(sends);
      assert.deepEqual(responses.map((r) => r.body.topics[0]!.name), names);
      for (const r of responses) assert.equal(r.body.topics[0]!.errorCode, Errors.UNKNOWN_TOPIC_OR_PARTITION);
      const ids = responses.map((r) => r.correlationId);
      assert.equal(new Set(ids).size, 100);
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
      assert.equal(client.connectionStatus(1)!.inFlightRequests, 0);
    });
  }

  test('a broker that shuts down closes the connection: requests in flight fail or are answered, later sends fail fast', async () => {
    const own = await startBroker();
    try {
      const client = newClient();
      const ownEndpoint = { nodeId: 7, host: '127.0.0.1', port: own.port };
      const created = await client.send<CreateTopicsResponse>(ownEndpoint, ApiKeys.CreateTopics, {}, {
        topics: [{ name: 'long-poll', numPartitions: 1, replicationFactor: 1 }],
      });
      assert.equal(created.body.topics[0]!.errorCode, Errors.NONE);
      // A Fetch at the log end offset long-polls: it is in flight while the broker goes away.
      const inFlight = client
        .send(ownEndpoint, ApiKeys.Fetch, { max: 12 }, {
          maxWaitMs: 30_000,
          minBytes: 1,
          topics: [{ topic: 'long-poll', partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1024 }] }],
        }, { timeoutMs: 60_000 })
        .then((r) => r, (e: unknown) => e);
      await own.stop();
      // Whether a broker answers its long polls when it shuts down is its business; the client must not hang.
      const outcome = await inFlight;
      assert.ok(outcome instanceof DisconnectException || (outcome as { apiVersion: number }).apiVersion === 12, String(outcome));
      assert.equal(client.connectionStatus(7)!.state, 'DISCONNECTED');
      const next = await client.send(ownEndpoint, ApiKeys.Metadata, {}, { topics: [] }).then(() => null, (e: unknown) => e);
      assert.ok(next instanceof DisconnectException, 'in backoff, or refused once the backoff passed');
      assert.ok(next instanceof NodeNotReadyError || (next.cause as NodeJS.ErrnoException).code === 'ECONNREFUSED', String(next));
    } finally {
      await own.cleanup();
    }
  });
});
