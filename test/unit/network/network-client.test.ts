import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { MockTime } from '../../../src/common/time.ts';
import { SeededRandom } from '../../../src/common/random.ts';
import { NetworkClient, type NetworkClientOptions, type NodeEndpoint } from '../../../src/network/network-client.ts';
import {
  CorrelationIdMismatchError,
  DisconnectException,
  NodeNotReadyError,
  RequestTimeoutError,
  UnsupportedVersionError,
} from '../../../src/network/network-client-errors.ts';
import { FrameTooLargeError } from '../../../src/protocol/framing.ts';
import { DecodeError } from '../../../src/protocol/decode-error.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { MetadataResponse } from '../../../src/protocol/generated/messages/metadata-response.ts';
import { FakeKafkaPeer, allApiVersions, type FakeKafkaPeerOptions, type PeerRequest } from './fake-kafka-peer.ts';
import { waitFor } from './net-test-kit.ts';

const node = (port: number): NodeEndpoint => ({ nodeId: 1, host: '127.0.0.1', port });
const metadataFor = (topic: string) => ({ topics: [{ name: topic }], allowAutoTopicCreation: false });
/** Answers a Metadata request with one topic entry echoing the requested name, and `clusterId`. */
const echoMetadata = (r: PeerRequest, clusterId = 'peer'): void => {
  const topics = (r.body.topics as { name: string }[] | null) ?? [];
  r.respond({ clusterId, brokers: [], topics: topics.map((t) => ({ name: t.name, errorCode: Errors.UNKNOWN_TOPIC_OR_PARTITION })) });
};

function newClient(t: TestContext, options: Partial<NetworkClientOptions> = {}): NetworkClient {
  const client = new NetworkClient({ clientId: 'test-client', ...options });
  t.after(() => client.close());
  return client;
}

async function startPeer(t: TestContext, options: FakeKafkaPeerOptions = {}): Promise<FakeKafkaPeer> {
  const peer = await FakeKafkaPeer.start(options);
  t.after(() => peer.close());
  return peer;
}

/** A loopback port nothing listens on (bound, then released). */
async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('connects on the first send, sends ApiVersions first (KIP-511) and uses the newest version both sides support', async (t) => {
  const apiVersions = allApiVersions().map((v) => (v.apiKey === ApiKeys.Metadata ? { ...v, maxVersion: 9 } : v));
  const peer = await startPeer(t, { apiVersions, onRequest: (r) => echoMetadata(r) });
  const client = newClient(t, { clientSoftwareName: 'kafka-broker-test', clientSoftwareVersion: '1.2.3' });
  assert.equal(client.connectionStatus(1), undefined);
  assert.equal(peer.sockets.length, 0);

  const response = await client.send<MetadataResponse>(node(peer.port), ApiKeys.Metadata, {}, metadataFor('a'));
  assert.equal(response.apiVersion, 9);
  assert.equal(response.body.topics[0]!.name, 'a');
  assert.equal(response.nodeId, 1);

  const [handshake, metadata] = peer.requests;
  assert.equal(handshake!.header.requestApiKey, ApiKeys.ApiVersions);
  assert.equal(handshake!.header.requestApiVersion, 4);
  assert.equal(handshake!.header.clientId, 'test-client');
  assert.deepEqual(handshake!.body, { clientSoftwareName: 'kafka-broker-test', clientSoftwareVersion: '1.2.3' });
  assert.equal(metadata!.header.requestApiVersion, 9);
  assert.equal(metadata!.header.clientId, 'test-client');
  assert.equal(metadata!.header.correlationId, response.correlationId);
  assert.ok(metadata!.header.correlationId > handshake!.header.correlationId);
  assert.equal(peer.sockets.length, 1);

  assert.ok(client.isReady(1));
  assert.deepEqual(client.nodeApiVersions(1)!.apiVersion(ApiKeys.Metadata), { min: 0, max: 9 });
  const status = client.connectionStatus(1)!;
  assert.equal(status.state, 'READY');
  assert.equal(status.inFlightRequests, 0);
  assert.deepEqual(status.endpoint, node(peer.port));

  // An exact version and a range below the node's maximum are honoured.
  assert.equal((await client.send(node(peer.port), ApiKeys.Metadata, 4, metadataFor('b'))).apiVersion, 4);
  assert.equal((await client.send(node(peer.port), ApiKeys.Metadata, { min: 1, max: 7 }, metadataFor('c'))).apiVersion, 7);
  assert.equal(peer.sockets.length, 1, 'one connection per node');
});

test('a version the node or our codecs do not support fails with UnsupportedVersionError and sends nothing', async (t) => {
  const apiVersions = allApiVersions()
    .filter((v) => v.apiKey !== ApiKeys.CreateTopics)
    .map((v) => (v.apiKey === ApiKeys.Metadata ? { ...v, maxVersion: 9 } : v));
  const peer = await startPeer(t, { apiVersions, onRequest: (r) => echoMetadata(r) });
  const client = newClient(t);
  await client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('warm-up'));

  const tooNew = await client.send(node(peer.port), ApiKeys.Metadata, 12, metadataFor('x')).then(() => null, (e: unknown) => e);
  assert.ok(tooNew instanceof UnsupportedVersionError);
  assert.deepEqual(tooNew.supported, { min: 0, max: 9 });
  assert.deepEqual(tooNew.requested, { min: 12, max: 12 });
  await assert.rejects(client.send(node(peer.port), ApiKeys.Metadata, { min: 10 }, metadataFor('x')), UnsupportedVersionError);
  const unlisted = await client.send(node(peer.port), ApiKeys.CreateTopics, {}, { topics: [] }).then(() => null, (e: unknown) => e);
  assert.ok(unlisted instanceof UnsupportedVersionError);
  assert.equal(unlisted.supported, null);
  // Outside our own codecs: refused before anything else.
  await assert.rejects(client.send(node(peer.port), ApiKeys.Metadata, 99, metadataFor('x')), UnsupportedVersionError);
  await assert.rejects(client.send(node(peer.port), 9999, 0, {}), RangeError);
  await assert.rejects(client.send(node(peer.port), ApiKeys.Metadata, { min: 5, max: 2 }, {}), UnsupportedVersionError);
  await assert.rejects(client.send(node(peer.port), ApiKeys.Metadata, 1.5, {}), RangeError);

  assert.equal(peer.apiRequests.length, 1, 'only the warm-up request reached the peer');
  assert.ok(client.isReady(1), 'the connection is not affected');
});

test('a body builder gets the chosen version; a body the version cannot carry fails alone', async (t) => {
  const peer = await startPeer(t, { onRequest: (r) => echoMetadata(r) });
  const client = newClient(t);
  const seen: number[] = [];
  const response = await client.send(node(peer.port), ApiKeys.Metadata, { max: 11 }, (version) => {
    seen.push(version);
    return metadataFor('built');
  });
  assert.deepEqual(seen, [11]);
  assert.equal(response.apiVersion, 11);

  const err = await client.send(node(peer.port), ApiKeys.Metadata, 0, { topics: null }).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof UnsupportedVersionError);
  assert.ok(err.cause instanceof RangeError);
  assert.match(err.message, /cannot be written at version 0/);
  assert.equal((await client.send(node(peer.port), ApiKeys.Metadata, 0, { topics: [{ name: 'after' }] })).apiVersion, 0);
  assert.equal(peer.sockets.length, 1);
});

test('falls back to the node\'s newest ApiVersions version when it answers UNSUPPORTED_VERSION with a v0 body', async (t) => {
  const peer = await startPeer(t, {
    onApiVersions: (r) => {
      if (r.header.requestApiVersion <= 2) return false;
      // What a broker older than our ApiVersions version does (KIP-511): a v0 body, error 35, its own range.
      r.respond({ errorCode: Errors.UNSUPPORTED_VERSION, apiKeys: [{ apiKey: ApiKeys.ApiVersions, minVersion: 0, maxVersion: 2 }] }, { version: 0 });
      return true;
    },
    onRequest: (r) => echoMetadata(r),
  });
  const client = newClient(t);
  const response = await client.send<MetadataResponse>(node(peer.port), ApiKeys.Metadata, {}, metadataFor('a'));
  assert.equal(response.body.topics[0]!.name, 'a');
  assert.deepEqual(
    peer.requests.filter((r) => r.header.requestApiKey === ApiKeys.ApiVersions).map((r) => r.header.requestApiVersion),
    [4, 2],
  );
  assert.equal(peer.sockets.length, 1, 'the retry uses the same connection');
});

test('an ApiVersions error closes the connection and fails the requests waiting for it', async (t) => {
  const peer = await startPeer(t, {
    onApiVersions: (r) => {
      r.respond({ errorCode: Errors.UNKNOWN_SERVER_ERROR, apiKeys: [] });
      return true;
    },
  });
  const client = newClient(t, { time: new MockTime() });
  const err = await client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('a')).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DisconnectException);
  assert.match(err.message, /ApiVersions request failed with error -1 \(UNKNOWN_SERVER_ERROR\)/);
  await waitFor(() => peer.closedConnections.has(0), 'the client closed the connection');
  const status = client.connectionStatus(1)!;
  assert.equal(status.state, 'DISCONNECTED');
  assert.equal(status.failedAttempts, 1);
  assert.equal(peer.apiRequests.length, 0);
});

test('pipelines at most maxInFlightRequestsPerConnection requests and matches every response to its request', async (t) => {
  const pending: PeerRequest[] = [];
  const peer = await startPeer(t, { onRequest: (r) => pending.push(r) });
  const client = newClient(t, { maxInFlightRequestsPerConnection: 3 });
  const warmUp = client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('warm-up'));
  await waitFor(() => pending.length === 1, 'warm-up request');
  echoMetadata(pending.shift()!);
  await warmUp;

  const sends = Array.from({ length: 10 }, (_, i) => client.send<MetadataResponse>(node(peer.port), ApiKeys.Metadata, {}, metadataFor(`t${i}`)));
  assert.equal(client.connectionStatus(1)!.inFlightRequests, 3);
  assert.equal(client.connectionStatus(1)!.queuedRequests, 7);
  let answered = 0;
  let maxOutstanding = 0;
  while (answered < 10) {
    await waitFor(() => pending.length === Math.min(3, 10 - answered), `${Math.min(3, 10 - answered)} outstanding requests`);
    maxOutstanding = Math.max(maxOutstanding, pending.length);
    // Answered in order, all at once: the client writes the next ones as slots free up.
    for (const r of pending.splice(0)) {
      echoMetadata(r);
      answered++;
    }
  }
  const responses = await Promise.all(sends);
  assert.equal(maxOutstanding, 3);
  assert.deepEqual(responses.map((r) => r.body.topics[0]!.name), Array.from({ length: 10 }, (_, i) => `t${i}`));
  const ids = responses.map((r) => r.correlationId);
  assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'correlation ids increase in send order');
  assert.equal(new Set(ids).size, 10);
});

test('a request that times out in flight closes the connection, fails the requests behind it, and the next send reconnects', async (t) => {
  let answer = false;
  const peer = await startPeer(t, { onRequest: (r) => answer && echoMetadata(r) });
  const client = newClient(t, { reconnectBackoffMs: 0, reconnectBackoffMaxMs: 0 });
  const timedOut = client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('a'), { timeoutMs: 100 }).then(() => null, (e: unknown) => e);
  const behind = client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('b'), { timeoutMs: 60_000 }).then(() => null, (e: unknown) => e);
  const err = await timedOut;
  assert.ok(err instanceof RequestTimeoutError);
  assert.equal(err.inFlight, true);
  assert.equal(err.timeoutMs, 100);
  assert.equal(err.apiKey, ApiKeys.Metadata);
  const other = await behind;
  assert.ok(other instanceof DisconnectException);
  assert.equal(other.cause, err);
  await waitFor(() => peer.closedConnections.has(0), 'the timed-out connection is closed');
  assert.equal(peer.apiRequests.length, 2);

  answer = true;
  const response = await client.send<MetadataResponse>(node(peer.port), ApiKeys.Metadata, {}, metadataFor('c'));
  assert.equal(response.body.topics[0]!.name, 'c');
  assert.equal(peer.sockets.length, 2, 'a new connection');
  const lastOnOld = peer.apiRequests[1]!.header.correlationId;
  assert.ok(response.correlationId > lastOnOld, 'correlation ids keep increasing across connections');
});

test('a request that times out while queued leaves the queue and the connection stays up', async (t) => {
  const pending: PeerRequest[] = [];
  const peer = await startPeer(t, { onRequest: (r) => pending.push(r) });
  const client = newClient(t, { maxInFlightRequestsPerConnection: 1 });
  const first = client.send<MetadataResponse>(node(peer.port), ApiKeys.Metadata, {}, metadataFor('first'), { timeoutMs: 60_000 });
  await waitFor(() => pending.length === 1, 'first request in flight');
  const queued = await client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('queued'), { timeoutMs: 20 }).then(() => null, (e: unknown) => e);
  assert.ok(queued instanceof RequestTimeoutError);
  assert.equal(queued.inFlight, false);
  assert.ok(client.isReady(1));
  assert.equal(client.connectionStatus(1)!.queuedRequests, 0);
  echoMetadata(pending.shift()!);
  assert.equal((await first).body.topics[0]!.name, 'first');
  assert.equal(peer.closedConnections.size, 0);
  assert.equal(peer.apiRequests.length, 1, 'the timed-out request was never written');
});

test('a refused connection fails with DisconnectException; the reconnect backoff grows exponentially with 20 % jitter up to reconnect.backoff.max.ms', async (t) => {
  const time = new MockTime();
  const client = newClient(t, { time, random: new SeededRandom(7) });
  const endpoint = node(await refusedPort());
  const factors: number[] = [];
  for (let k = 0; k < 8; k++) {
    const err = await client.send(endpoint, ApiKeys.Metadata, {}, metadataFor('a')).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof DisconnectException && !(err instanceof NodeNotReadyError), `attempt ${k}: ${String(err)}`);
    assert.equal((err.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    const status = client.connectionStatus(1)!;
    assert.equal(status.state, 'DISCONNECTED');
    assert.equal(status.failedAttempts, k + 1);
    // Kafka: reconnect.backoff.ms (50) * 2^failures, +/- 20 %, never above reconnect.backoff.max.ms (1000).
    const term = Math.min(50 * 2 ** k, 1000);
    assert.ok(status.reconnectBackoffMs >= Math.trunc(0.8 * term) && status.reconnectBackoffMs <= Math.min(1.2 * term, 1000), `backoff ${status.reconnectBackoffMs} for attempt ${k}`);
    factors.push(status.reconnectBackoffMs / term);
    // The refused attempts never got past CONNECTING: the setup timeout grows too (10 s doubling, max 30 s).
    assert.equal(status.failedConnectAttempts, k + 1);
    const setupTerm = Math.min(10_000 * 2 ** (k + 1), 30_000);
    assert.ok(status.connectionSetupTimeoutMs >= 0.8 * setupTerm && status.connectionSetupTimeoutMs <= Math.min(1.2 * setupTerm, 30_000));

    const early = await client.send(endpoint, ApiKeys.Metadata, {}, metadataFor('a')).then(() => null, (e: unknown) => e);
    assert.ok(early instanceof NodeNotReadyError);
    assert.equal(early.reason, 'backoff');
    assert.equal(early.retryAfterMs, status.reconnectBackoffMs);
    assert.equal(client.connectionDelayMs(1), status.reconnectBackoffMs);
    time.sleep(status.reconnectBackoffMs - 1);
    const stillEarly = await client.send(endpoint, ApiKeys.Metadata, {}, metadataFor('a')).then(() => null, (e: unknown) => e);
    assert.ok(stillEarly instanceof NodeNotReadyError);
    assert.equal(stillEarly.retryAfterMs, 1);
    time.sleep(1);
    assert.equal(client.connectionDelayMs(1), 0);
  }
  assert.ok(new Set(factors).size > 1, `jitter applied: ${factors.join(', ')}`);
});

test('the reconnect backoff starts over once a connection reaches READY', async (t) => {
  const time = new MockTime();
  const peer = await startPeer(t, { onConnection: (_s, index) => index >= 2, onRequest: (r) => echoMetadata(r) });
  const client = newClient(t, { time, random: new SeededRandom(3) });
  for (let k = 0; k < 2; k++) {
    await assert.rejects(client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('a')), DisconnectException);
    assert.equal(client.connectionStatus(1)!.failedAttempts, k + 1);
    time.sleep(client.connectionDelayMs(1));
  }
  await client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('a'));
  let status = client.connectionStatus(1)!;
  assert.equal(status.failedAttempts, 0);
  assert.ok(status.reconnectBackoffMs >= 40 && status.reconnectBackoffMs < 60);

  peer.sockets[2]!.destroy();
  await waitFor(() => client.connectionStatus(1)!.state === 'DISCONNECTED', 'the client sees the close');
  status = client.connectionStatus(1)!;
  assert.equal(status.failedAttempts, 1);
  assert.ok(status.reconnectBackoffMs >= 40 && status.reconnectBackoffMs < 60, 'first backoff again after a READY connection');
  assert.equal(status.failedConnectAttempts, 0);
});

test('a response with the wrong correlation id closes the connection and fails every request on it', async (t) => {
  const peer = await startPeer(t, {
    onRequest: (r) => {
      if (r.body.topics !== null && (r.body.topics as { name: string }[])[0]!.name === 'bad') r.respond({ topics: [] }, { correlationId: r.header.correlationId + 1000 });
    },
  });
  const client = newClient(t);
  const bad = client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('bad')).then(() => null, (e: unknown) => e);
  const behind = client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('behind')).then(() => null, (e: unknown) => e);
  const err = await bad;
  assert.ok(err instanceof DisconnectException);
  assert.ok(err.cause instanceof CorrelationIdMismatchError);
  assert.equal(err.cause.received, err.cause.expected + 1000);
  assert.ok((await behind) instanceof DisconnectException);
  await waitFor(() => peer.closedConnections.has(0), 'connection closed');
  assert.equal(client.connectionStatus(1)!.state, 'DISCONNECTED');
});

test('a response with no request in flight closes the connection', async (t) => {
  const peer = await startPeer(t, {
    onRequest: (r) => {
      echoMetadata(r);
      echoMetadata(r); // a second, unsolicited response
    },
  });
  const client = newClient(t);
  await client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('a'));
  await waitFor(() => peer.closedConnections.has(0), 'connection closed');
  assert.equal(client.connectionStatus(1)!.state, 'DISCONNECTED');
});

test('a response frame larger than maxResponseBytes closes the connection before anything is allocated', async (t) => {
  const peer = await startPeer(t, {
    onRequest: (r) => {
      const topic = (r.body.topics as { name: string }[])[0]!.name;
      if (topic === 'huge') r.raw(Buffer.from([0x7f, 0xff, 0xff, 0xff])); // announces 2 GiB - 1, sends nothing more
      else r.respond({ brokers: Array.from({ length: 100 }, (_, i) => ({ nodeId: i, host: `broker-${i}.example`, port: 9092 })), topics: [] });
    },
  });
  const client = newClient(t, { reconnectBackoffMs: 0, reconnectBackoffMaxMs: 0 });
  const err = await client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('huge')).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DisconnectException);
  assert.ok(err.cause instanceof FrameTooLargeError);
  assert.equal(err.cause.size, 0x7fffffff);
  assert.equal(err.cause.maxBytes, 104857600);
  await waitFor(() => peer.closedConnections.has(0), 'connection closed');

  const small = newClient(t, { maxResponseBytes: 1024 });
  const tooBig = await small.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('brokers')).then(() => null, (e: unknown) => e);
  assert.ok(tooBig instanceof DisconnectException);
  assert.ok(tooBig.cause instanceof FrameTooLargeError);
  assert.equal(tooBig.cause.maxBytes, 1024);
});

test('an undecodable response closes the connection', async (t) => {
  const peer = await startPeer(t, {
    onRequest: (r) => {
      // Header v1 (correlation id + empty tagged fields) and one byte of a Metadata v12 body.
      const frame = Buffer.alloc(10);
      frame.writeInt32BE(6, 0);
      frame.writeInt32BE(r.header.correlationId, 4);
      r.raw(frame);
    },
  });
  const client = newClient(t);
  const err = await client.send(node(peer.port), ApiKeys.Metadata, 12, metadataFor('a')).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DisconnectException);
  assert.ok(err.cause instanceof DecodeError, String(err));
  assert.match(err.message, /could not decode the Metadata v12 response/);
  await waitFor(() => peer.closedConnections.has(0), 'connection closed');
});

test('the peer closing in the middle of a response fails the request with DisconnectException', async (t) => {
  const peer = await startPeer(t, {
    onRequest: (r) => {
      r.raw(Buffer.from([0, 0, 0, 100, 1, 2, 3]));
      r.socket.end();
    },
  });
  const client = newClient(t);
  const err = await client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('a')).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DisconnectException);
  assert.match(err.message, /closed by the peer|ECONNRESET/);
});

test('an endpoint update closes the connection to the old address and the next request goes to the new one at once', async (t) => {
  let answerA = true;
  const peerA = await startPeer(t, { onRequest: (r) => answerA && echoMetadata(r, 'A') });
  const peerB = await startPeer(t, { onRequest: (r) => echoMetadata(r, 'B') });
  const client = newClient(t, { time: new MockTime() });
  assert.equal((await client.send<MetadataResponse>(node(peerA.port), ApiKeys.Metadata, {}, metadataFor('a'))).body.clusterId, 'A');

  answerA = false;
  const pending = client.send(node(peerA.port), ApiKeys.Metadata, {}, metadataFor('b')).then(() => null, (e: unknown) => e);
  await waitFor(() => peerA.apiRequests.length === 2, 'request in flight at A');
  client.updateEndpoint(node(peerB.port));
  const err = await pending;
  assert.ok(err instanceof DisconnectException);
  assert.match(err.message, /endpoint changed/);
  await waitFor(() => peerA.closedConnections.has(0), 'old connection closed');

  // No reconnect backoff for a new address (the mock clock did not move).
  const viaB = await client.send<MetadataResponse>(node(peerB.port), ApiKeys.Metadata, {}, metadataFor('c'));
  assert.equal(viaB.body.clusterId, 'B');
  assert.equal(client.connectionStatus(1)!.endpoint.port, peerB.port);
  assert.equal(client.connectionStatus(1)!.failedAttempts, 0);

  // A send naming another address is an endpoint update too.
  answerA = true;
  assert.equal((await client.send<MetadataResponse>(node(peerA.port), ApiKeys.Metadata, {}, metadataFor('d'))).body.clusterId, 'A');
  await waitFor(() => peerB.closedConnections.has(0), 'connection to B closed');
});

test('requests beyond maxQueuedRequestsPerConnection fail fast with NodeNotReadyError; close() fails the rest', async (t) => {
  // ApiVersions never answered: every request waits in the queue.
  const peer = await startPeer(t, { onApiVersions: () => true });
  const client = newClient(t, { maxQueuedRequestsPerConnection: 2 });
  const queued = [0, 1].map((i) => client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor(`q${i}`)).then(() => null, (e: unknown) => e));
  const full = await client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('full')).then(() => null, (e: unknown) => e);
  assert.ok(full instanceof NodeNotReadyError);
  assert.equal(full.reason, 'queue-full');
  assert.equal(client.connectionStatus(1)!.queuedRequests, 2);

  await waitFor(() => peer.requests.length === 1, 'ApiVersions received');
  client.close();
  for (const err of await Promise.all(queued)) {
    assert.ok(err instanceof DisconnectException);
    assert.match(err.message, /client is closed/);
  }
  await waitFor(() => peer.closedConnections.has(0), 'socket closed');
  const after = await client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('after')).then(() => null, (e: unknown) => e);
  assert.ok(after instanceof DisconnectException);
  assert.equal(peer.sockets.length, 1);
});

test('disconnect(nodeId) fails the requests of that node and starts its reconnect backoff', async (t) => {
  const peer = await startPeer(t);
  const client = newClient(t, { time: new MockTime() });
  const pending = client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('a')).then(() => null, (e: unknown) => e);
  await waitFor(() => peer.apiRequests.length === 1, 'request in flight');
  client.disconnect(1);
  const err = await pending;
  assert.ok(err instanceof DisconnectException);
  assert.match(err.message, /disconnected by the client/);
  assert.equal(client.connectionStatus(1)!.state, 'DISCONNECTED');
  await assert.rejects(client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('b')), NodeNotReadyError);
  await waitFor(() => peer.closedConnections.has(0), 'socket closed');
  client.disconnect(2); // unknown node: nothing to do
});

test('a connection that is not up within the setup timeout is closed; the timeout grows exponentially up to its max', async (t) => {
  const sockets: net.Socket[] = [];
  const client = newClient(t, {
    // A transport that never comes up (a blackholed address).
    socketFactory: { securityProtocol: 'PLAINTEXT', connect: () => { const s = new net.Socket(); sockets.push(s); return s; } },
    connectionSetupTimeoutMs: 20,
    connectionSetupTimeoutMaxMs: 80,
    reconnectBackoffMs: 0,
    reconnectBackoffMaxMs: 0,
  });
  const bounds = [[32, 48], [64, 80], [64, 80]];
  for (const [lo, hi] of bounds) {
    const err = await client.send(node(9), ApiKeys.Metadata, {}, metadataFor('a')).then(() => null, (e: unknown) => e);
    assert.ok(err instanceof DisconnectException);
    assert.match(err.message, /connection setup timed out after \d+ ms/);
    const status = client.connectionStatus(1)!;
    assert.ok(status.connectionSetupTimeoutMs >= lo! && status.connectionSetupTimeoutMs <= hi!, `${status.connectionSetupTimeoutMs} in [${lo}, ${hi}]`);
  }
  assert.ok(sockets.every((s) => s.destroyed));

  const throwing = newClient(t, {
    socketFactory: { securityProtocol: 'PLAINTEXT', connect: () => { throw new Error('no route'); } },
  });
  const err = await throwing.send(node(9), ApiKeys.Metadata, {}, metadataFor('a')).then(() => null, (e: unknown) => e);
  assert.ok(err instanceof DisconnectException);
  assert.equal((err.cause as Error).message, 'no route');
  assert.equal(throwing.connectionStatus(1)!.state, 'DISCONNECTED');
});

test('options are validated', () => {
  assert.throws(() => new NetworkClient({ clientId: 'c', maxInFlightRequestsPerConnection: 0 }), RangeError);
  assert.throws(() => new NetworkClient({ clientId: 'c', reconnectBackoffMs: -1 }), RangeError);
  assert.throws(() => new NetworkClient({ clientId: 'c', clientSoftwareName: 'bad name!' }), /KIP-511/);
  const client = new NetworkClient({ clientId: 'c' });
  assert.throws(() => client.updateEndpoint({ nodeId: 1, host: '', port: 9092 }), RangeError);
  assert.throws(() => client.updateEndpoint({ nodeId: 1, host: 'h', port: 70000 }), RangeError);
  client.close();
});

test('metric hooks see connections, requests, responses and timeouts', async (t) => {
  const events: string[] = [];
  let responseBytes = 0;
  const peer = await startPeer(t, { onRequest: (r) => (r.body.topics as { name: string }[])[0]!.name !== 'slow' && echoMetadata(r) });
  const client = newClient(t, {
    metrics: {
      connectionCreated: (id) => events.push(`created ${id}`),
      connectionClosed: (id) => events.push(`closed ${id}`),
      requestSent: (id, apiKey, bytes) => events.push(`sent ${id} ${apiKey} ${bytes > 4}`),
      responseReceived: (id, apiKey, bytes, latencyMs) => {
        responseBytes += bytes;
        events.push(`received ${id} ${apiKey} ${latencyMs >= 0}`);
      },
      requestTimedOut: (id, apiKey, inFlight) => events.push(`timed out ${id} ${apiKey} ${inFlight}`),
    },
  });
  await client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('a'));
  await assert.rejects(client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('slow'), { timeoutMs: 20 }), RequestTimeoutError);
  assert.deepEqual(events, [
    'created 1',
    'sent 1 18 true',
    'received 1 18 true',
    'sent 1 3 true',
    'received 1 3 true',
    'sent 1 3 true',
    'timed out 1 3 true',
    'closed 1',
  ]);
  assert.ok(responseBytes > 8);
});

test('a socket factory may report readiness before it returns the socket', async (t) => {
  const peer = await startPeer(t, { onRequest: (r) => echoMetadata(r) });
  const client = newClient(t, {
    socketFactory: {
      securityProtocol: 'PLAINTEXT',
      connect: (host, port, onReady) => {
        const socket = net.connect({ host, port }); // net.Socket buffers writes until it is connected
        onReady();
        return socket;
      },
    },
  });
  const response = await client.send<MetadataResponse>(node(peer.port), ApiKeys.Metadata, {}, metadataFor('early'));
  assert.equal(response.body.topics[0]!.name, 'early');
});

test('an unstable latest version is used only when the caller names it', async (t) => {
  const peer = await startPeer(t, { onRequest: (r) => r.respond({ errorCode: 0 }) });
  const client = newClient(t);
  const endTxn = { transactionalId: 'tx', producerId: 1n, producerEpoch: 0, committed: true };
  // EndTxn's newest version in our codecs is marked unstable (latestVersionUnstable).
  assert.equal((await client.send(node(peer.port), ApiKeys.EndTxn, {}, endTxn)).apiVersion, 4);
  assert.equal((await client.send(node(peer.port), ApiKeys.EndTxn, 5, endTxn)).apiVersion, 5);
  assert.equal((await client.send(node(peer.port), ApiKeys.EndTxn, { min: 2, max: 5 }, endTxn)).apiVersion, 5);
  // An API whose only version is unstable has no usable version by default.
  await assert.rejects(client.send(node(peer.port), ApiKeys.ShareFetch, {}, {}), UnsupportedVersionError);
});

test('random and truncated response bytes fail requests with typed errors, never an escaped exception (seeded fuzz)', async (t) => {
  const random = new SeededRandom(2024);
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => random.nextInt(256)));
  let mode = 0;
  const garbage = (r: PeerRequest): void => {
    const payload = bytes(random.nextInt(64));
    // Half of the frames carry the right correlation id, so the body decoder sees the garbage.
    if (payload.length >= 4 && random.nextInt(2) === 0) payload.writeInt32BE(r.header.correlationId, 0);
    const size = Buffer.alloc(4);
    size.writeInt32BE(random.nextInt(8) === 0 ? payload.length + 10 : payload.length, 0);
    r.raw(Buffer.concat([size, payload]));
    if (random.nextInt(4) === 0) r.socket.end();
  };
  const peer = await startPeer(t, {
    onApiVersions: (r) => {
      if (mode % 2 === 0) return false;
      garbage(r);
      return true;
    },
    onRequest: garbage,
  });
  const client = newClient(t, { reconnectBackoffMs: 0, reconnectBackoffMaxMs: 0, requestTimeoutMs: 50 });
  const outcomes = new Map<string, number>();
  for (mode = 0; mode < 200; mode++) {
    const outcome = await client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('x')).then(
      () => 'response',
      (e: unknown) => (e as Error).name,
    );
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    if (client.connectionStatus(1)!.state === 'READY' && random.nextInt(2) === 0) client.disconnect(1);
  }
  for (const name of outcomes.keys()) assert.ok(['response', 'DisconnectException', 'RequestTimeoutError'].includes(name), `unexpected outcome ${name}`);
  assert.ok((outcomes.get('DisconnectException') ?? 0) > 100, JSON.stringify([...outcomes]));
});

test('with a MockTime, requests expire when the clock passes their deadline and poll() is called', async (t) => {
  const time = new MockTime();
  const peer = await startPeer(t);
  const client = newClient(t, { time, requestTimeoutMs: 30_000 });
  const pending = client.send(node(peer.port), ApiKeys.Metadata, {}, metadataFor('a')).then(() => null, (e: unknown) => e);
  await waitFor(() => peer.apiRequests.length === 1, 'request in flight');
  time.sleep(29_999);
  client.poll();
  assert.ok(client.isReady(1), 'not yet');
  time.sleep(1);
  client.poll();
  const err = await pending;
  assert.ok(err instanceof RequestTimeoutError);
  assert.equal(err.timeoutMs, 30_000);
  assert.equal(client.connectionStatus(1)!.state, 'DISCONNECTED');
});
