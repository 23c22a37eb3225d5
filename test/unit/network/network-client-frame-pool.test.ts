import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { FramePool } from '../../../src/network/frame-pool.ts';
import { NetworkClient, type ClientResponse } from '../../../src/network/network-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch-response.ts';
import { FakeKafkaPeer } from './fake-kafka-peer.ts';

/** A Fetch v12 answer for one partition whose records are `records` (any bytes: the client does not parse them). */
function fetchAnswer(records: Buffer): object {
  return {
    errorCode: 0,
    sessionId: 0,
    responses: [{ topic: 't', partitions: [{ partitionIndex: 0, highWatermark: 1n, records }] }],
  };
}

const recordsOf = (r: ClientResponse<FetchResponse>): Buffer => r.body.responses[0]!.partitions[0]!.records as Buffer;

async function setup(t: TestContext, payloads: Buffer[]): Promise<{ client: NetworkClient; pool: FramePool; fetch: () => Promise<ClientResponse<FetchResponse>> }> {
  let next = 0;
  const peer = await FakeKafkaPeer.start({ onRequest: (r) => r.respond(fetchAnswer(payloads[next++ % payloads.length]!)) });
  t.after(() => peer.close());
  const pool = new FramePool({ poison: true, minPooledBytes: 1024 });
  const client = new NetworkClient({ clientId: 'frame-pool-test', framePool: pool });
  t.after(() => client.close());
  const fetch = (): Promise<ClientResponse<FetchResponse>> =>
    client.send<FetchResponse>({ nodeId: 1, host: '127.0.0.1', port: peer.port }, ApiKeys.Fetch, 12, { replicaId: 1, maxWaitMs: 0, topics: [] });
  return { client, pool, fetch };
}

test('Fetch response records are views of a pooled frame; releaseFrame recycles it (poisoned) for the next response', async (t) => {
  const a = Buffer.alloc(300 * 1024, 0x41);
  const b = Buffer.alloc(300 * 1024, 0x42);
  const { pool, fetch } = await setup(t, [a, b]);

  const first = await fetch();
  assert.deepEqual(recordsOf(first), a);
  const allocated = pool.stats.allocated;
  assert.ok(allocated >= 1, 'the response frame came from the pool');
  const view = recordsOf(first);
  first.releaseFrame();
  // The records were a view of the frame: once released, its memory is poisoned.
  assert.ok(view.every((x) => x === 0xee));

  const second = await fetch();
  assert.deepEqual(recordsOf(second), b);
  assert.equal(pool.stats.allocated, allocated, 'the second response reused the released memory');
  assert.ok(pool.stats.reused >= 1);
});

test('releaseFrame is idempotent: a second call does not free memory another response now uses', async (t) => {
  const a = Buffer.alloc(200 * 1024, 0x41);
  const b = Buffer.alloc(200 * 1024, 0x42);
  const { pool, fetch } = await setup(t, [a, b, a]);

  const first = await fetch();
  first.releaseFrame();
  const second = await fetch();
  // The second response sits in the first one's memory: releasing the first again must not give it away.
  first.releaseFrame();
  const before = pool.stats.allocated;
  const third = await fetch();
  assert.equal(pool.stats.allocated, before + 1, 'the third response needed new memory');
  assert.deepEqual(recordsOf(second), b);
  assert.deepEqual(recordsOf(third), a);
  second.releaseFrame();
  third.releaseFrame();
});

test('a response larger than 1 MiB is received whole into pooled memory (no chunks) and recycled', async (t) => {
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 0x43);
  const { pool, fetch } = await setup(t, [big]);
  const first = await fetch();
  assert.deepEqual(recordsOf(first), big);
  first.releaseFrame();
  const allocated = pool.stats.allocated;
  const second = await fetch();
  assert.deepEqual(recordsOf(second), big);
  assert.equal(pool.stats.allocated, allocated, 'the second response came from the released memory');
  second.releaseFrame();
});

test('without a pool releaseFrame is a no-op and the records stay intact', async (t) => {
  const a = Buffer.alloc(100 * 1024, 0x44);
  const peer = await FakeKafkaPeer.start({ onRequest: (r) => r.respond(fetchAnswer(a)) });
  t.after(() => peer.close());
  const client = new NetworkClient({ clientId: 'no-pool' });
  t.after(() => client.close());
  const r = await client.send<FetchResponse>({ nodeId: 1, host: '127.0.0.1', port: peer.port }, ApiKeys.Fetch, 12, { replicaId: 1, topics: [] });
  r.releaseFrame();
  assert.deepEqual(recordsOf(r), a);
});
