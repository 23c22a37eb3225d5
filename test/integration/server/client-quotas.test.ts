// Client quotas end to end on one broker (combined broker + controller): quotas set with @platformatic/kafka's
// AlterClientQuotas (forwarded to the controller, stored as ClientQuotaRecords), read back with DescribeClientQuotas
// filters, and enforced as Kafka does (KIP-219): a producer limited to 1 MB/s and a consumer limited to 1 MB/s
// get throttle_time_ms > 0 and their connection muted, and deliver ~1 MB/s measured over 10 s once the burst the
// quota window allows is spent, while a client without a quota beside them is never throttled. The raw client
// sends Produce/Fetch so that every response's throttle_time_ms is visible; like Kafka's clients (v2+ responses)
// it also waits out each throttle itself. Quotas survive a restart (replayed from the metadata log).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from '@platformatic/kafka';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce-response.ts';
import type { FetchResponse } from '../../../src/protocol/generated/messages/fetch-response.ts';
import type { DescribeClientQuotasResponse } from '../../../src/protocol/generated/messages/describe-client-quotas-response.ts';
import type { AlterClientQuotasResponse } from '../../../src/protocol/generated/messages/alter-client-quotas-response.ts';

const MB = 1024 * 1024;
const TOPIC = 'quota-topic';
// Kafka's Rate serves a client faster than its quota in bursts that recur every quota.window.num + 1 windows (the
// budget a window frees as it ages out is taken at once): with its default 11 windows of 1 s a 10 s average can be
// anywhere between 0.2 and 1.1 x the quota. Two windows of 1 s keep the recurring burst within one second, and
// requests of ~10 KB keep each throttle step small, so that any 10 s average lies within 1% of the quota (a seeded
// simulation of the same sensor with jittered clients gives 0.99-1.00); the first seconds are not measured.
const QUOTA_WINDOWS = { 'quota.window.num': '2', 'quota.window.size.seconds': '1', 'num.partitions': '1' };
const BATCH = buildRecordBatchSync({ records: [{ value: Buffer.alloc(10_000, 7) }] });
const FETCH_BYTES = BATCH.length;
const WARM_UP_MS = 3_000;
const MEASURE_MS = 10_000;

/** One answered request: when (ms since the loop started), the bytes it moved, its throttle_time_ms. */
interface Sample {
  readonly atMs: number;
  readonly bytes: number;
  readonly throttleTimeMs: number;
}

/** Bytes per second of the samples answered in [fromMs, fromMs + MEASURE_MS). */
function rateOver(samples: readonly Sample[], fromMs: number): number {
  const bytes = samples.filter((s) => s.atMs >= fromMs && s.atMs < fromMs + MEASURE_MS).reduce((sum, s) => sum + s.bytes, 0);
  return bytes / (MEASURE_MS / 1000);
}

/**
 * Produces BATCH with acks=1 until `durationMs` passed (or `maxRequests` were sent), two requests in flight on one
 * connection as a producer pipelines them, each sender waiting out the throttles it is told of as Kafka's clients do.
 */
async function produceLoop(port: number, clientId: string, durationMs: number, maxRequests = Infinity): Promise<Sample[]> {
  const client = await RawKafkaClient.connect(port, '127.0.0.1', clientId);
  const samples: Sample[] = [];
  const start = Date.now();
  let sent = 0;
  const sender = async (): Promise<void> => {
    while (Date.now() - start < durationMs && sent < maxRequests) {
      sent++;
      const r = await client.request<ProduceResponse>(ApiKeys.Produce, 9, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 30_000,
        topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: BATCH }] }],
      }, 30_000);
      assert.equal(r.responses[0]!.partitionResponses[0]!.errorCode, Errors.NONE);
      samples.push({ atMs: Date.now() - start, bytes: BATCH.length, throttleTimeMs: r.throttleTimeMs });
      if (r.throttleTimeMs > 0) await sleep(r.throttleTimeMs);
    }
  };
  try {
    await Promise.all([sender(), sender()]);
  } finally {
    await client.close();
  }
  return samples;
}

/** The offset after the last whole batch of `records` (v2 batches: baseOffset int64, lastOffsetDelta at 23). */
function nextOffsetAfter(records: Buffer, current: bigint): bigint {
  let next = current;
  for (let pos = 0; pos + 27 <= records.length;) {
    const size = 12 + records.readInt32BE(pos + 8);
    if (pos + size > records.length) break;
    next = records.readBigInt64BE(pos) + BigInt(records.readInt32BE(pos + 23)) + 1n;
    pos += size;
  }
  return next;
}

/** Fetches from offset 0 until `durationMs` passed, waiting out throttles; counts the record bytes received. */
async function fetchLoop(port: number, clientId: string, durationMs: number): Promise<Sample[]> {
  const client = await RawKafkaClient.connect(port, '127.0.0.1', clientId);
  const samples: Sample[] = [];
  const start = Date.now();
  let offset = 0n;
  try {
    while (Date.now() - start < durationMs) {
      const r = await client.request<FetchResponse>(ApiKeys.Fetch, 12, {
        replicaId: -1,
        maxWaitMs: 100,
        minBytes: 1,
        maxBytes: FETCH_BYTES,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: FETCH_BYTES }] }],
        forgottenTopicsData: [],
        rackId: '',
      }, 30_000);
      assert.equal(r.errorCode, Errors.NONE);
      const records = r.responses[0]?.partitions[0]?.records as Buffer | null | undefined;
      const bytes = records?.length ?? 0;
      if (records != null) offset = nextOffsetAfter(records, offset);
      samples.push({ atMs: Date.now() - start, bytes, throttleTimeMs: r.throttleTimeMs });
      if (r.throttleTimeMs > 0) await sleep(r.throttleTimeMs);
    }
  } finally {
    await client.close();
  }
  return samples;
}

describe('client quotas', () => {
  let broker: TestBroker;
  let admin: Admin;

  before(async () => {
    broker = await startBroker({ overrides: QUOTA_WINDOWS });
    admin = new Admin({ clientId: 'quota-admin', bootstrapBrokers: [broker.bootstrap], retries: 0 });
    await admin.createTopics({ topics: [TOPIC], partitions: 1, replicas: 1 });
  });

  after(async () => {
    await admin?.close();
    await broker?.cleanup();
  });

  test('AlterClientQuotas through a real client, DescribeClientQuotas with filters and strict matching', async () => {
    const results = await admin.alterClientQuotas({
      entries: [
        { entities: [{ entityType: 'client-id', entityName: 'throttled-producer' }], ops: [{ key: 'producer_byte_rate', value: MB, remove: false }] },
        { entities: [{ entityType: 'client-id', entityName: 'throttled-consumer' }], ops: [{ key: 'consumer_byte_rate', value: MB, remove: false }] },
        { entities: [{ entityType: 'user', entityName: 'alice' }], ops: [{ key: 'producer_byte_rate', value: 5000, remove: false }] },
        { entities: [{ entityType: 'user', entityName: 'alice' }, { entityType: 'client-id', entityName: 'app' }], ops: [{ key: 'request_percentage', value: 25.5, remove: false }] },
        { entities: [{ entityType: 'user', entityName: 'carol' }, { entityType: 'client-id', entityName: null }], ops: [{ key: 'consumer_byte_rate', value: 9000, remove: false }] },
      ],
    });
    assert.deepEqual(results.map((r) => r.errorCode), [0, 0, 0, 0, 0]);

    const describeWith = (components: object[], strict: boolean) => admin.describeClientQuotas({ components: components as never, strict });
    const entitiesOf = (entries: { entity: { entityType: string; entityName?: string | null }[] }[]): string[] =>
      entries.map((e) => e.entity.map((c) => `${c.entityType}=${c.entityName ?? '<default>'}`).sort().join(',')).sort();

    assert.deepEqual(entitiesOf(await describeWith([{ entityType: 'user', matchType: 0, match: 'alice' }], false)), ['client-id=app,user=alice', 'user=alice']);
    assert.deepEqual(entitiesOf(await describeWith([{ entityType: 'user', matchType: 0, match: 'alice' }], true)), ['user=alice']);
    assert.deepEqual(entitiesOf(await describeWith([{ entityType: 'client-id', matchType: 1 }], false)), ['client-id=<default>,user=carol']);
    assert.deepEqual(entitiesOf(await describeWith([{ entityType: 'client-id', matchType: 1 }], true)), []);
    assert.deepEqual(entitiesOf(await describeWith([{ entityType: 'user', matchType: 2 }], false)), ['client-id=<default>,user=carol', 'client-id=app,user=alice', 'user=alice']);
    assert.deepEqual(entitiesOf(await describeWith([{ entityType: 'user', matchType: 2 }, { entityType: 'client-id', matchType: 2 }], true)), ['client-id=<default>,user=carol', 'client-id=app,user=alice']);
    assert.deepEqual(entitiesOf(await describeWith([], true)), []);
    assert.equal((await describeWith([], false)).length, 5);
    const alice = await describeWith([{ entityType: 'user', matchType: 0, match: 'alice' }, { entityType: 'client-id', matchType: 0, match: 'app' }], true);
    assert.deepEqual(alice[0]!.values, [{ key: 'request_percentage', value: 25.5 }]);
  });

  test('bad filters and bad alterations get Kafka\'s errors', async () => {
    const raw = await RawKafkaClient.connect(broker.port);
    try {
      const describe = (components: object[]) => raw.request<DescribeClientQuotasResponse>(ApiKeys.DescribeClientQuotas, 1, { components, strict: false });
      assert.equal((await describe([{ entityType: 'user', matchType: 2, match: null }, { entityType: 'user', matchType: 1, match: null }])).errorCode, Errors.INVALID_REQUEST);
      assert.equal((await describe([{ entityType: 'group', matchType: 2, match: null }])).errorCode, Errors.UNSUPPORTED_VERSION);
      assert.equal((await describe([{ entityType: 'ip', matchType: 2, match: null }, { entityType: 'user', matchType: 2, match: null }])).errorCode, Errors.INVALID_REQUEST);
      assert.equal((await describe([{ entityType: 'user', matchType: 0, match: null }])).errorCode, Errors.INVALID_REQUEST);
      assert.equal((await describe([{ entityType: 'user', matchType: 1, match: 'x' }])).errorCode, Errors.INVALID_REQUEST);

      const entry = (entity: object[], key: string, value: number) => ({ entity, ops: [{ key, value, remove: false }] });
      const bob = [{ entityType: 'user', entityName: 'bob' }];
      const altered = await raw.request<AlterClientQuotasResponse>(ApiKeys.AlterClientQuotas, 1, {
        validateOnly: false,
        entries: [
          entry(bob, 'bogus_rate', 1),
          entry([{ entityType: 'client-id', entityName: 'c1' }], 'producer_byte_rate', -5),
          entry([{ entityType: 'client-id', entityName: 'c2' }], 'producer_byte_rate', 10.5),
          entry([], 'producer_byte_rate', 10),
          entry([{ entityType: 'client-id', entityName: '' }], 'producer_byte_rate', 10),
          entry([{ entityType: 'client-id', entityName: 'c3' }], 'controller_mutation_rate', 0),
          entry([{ entityType: 'ip', entityName: '10.0.0.1' }], 'connection_creation_rate', 10),
          entry([{ entityType: 'client-id', entityName: 'c4' }], 'request_percentage', Number.POSITIVE_INFINITY),
        ],
      });
      assert.deepEqual(altered.entries.map((e) => e.errorCode), Array(8).fill(Errors.INVALID_REQUEST));
      assert.match(altered.entries[0]!.errorMessage!, /Invalid configuration key bogus_rate/);
      assert.match(altered.entries[1]!.errorMessage!, /must be greater than 0/);
      assert.match(altered.entries[2]!.errorMessage!, /cannot be a fractional value/);
      assert.match(altered.entries[3]!.errorMessage!, /Invalid empty client quota entity/);
      assert.match(altered.entries[4]!.errorMessage!, /Empty client-id not supported/);
      assert.match(altered.entries[7]!.errorMessage!, /must be a finite number/);

      const validateOnly = await raw.request<AlterClientQuotasResponse>(ApiKeys.AlterClientQuotas, 1, { validateOnly: true, entries: [entry(bob, 'producer_byte_rate', 100)] });
      assert.equal(validateOnly.entries[0]!.errorCode, Errors.NONE);
      const bobs = await describe([{ entityType: 'user', matchType: 0, match: 'bob' }]);
      assert.deepEqual(bobs.entries, [], 'neither the failed nor the validate-only alterations wrote anything');
    } finally {
      await raw.close();
    }
  });

  test('a producer limited to 1 MB/s delivers 0.9-1.1 MB/s, throttled, while an unlimited one beside it is not', async (t) => {
    const [limited, unlimited] = await Promise.all([
      produceLoop(broker.port, 'throttled-producer', WARM_UP_MS + MEASURE_MS),
      produceLoop(broker.port, 'free-producer', WARM_UP_MS + MEASURE_MS, 100),
    ]);
    const rate = rateOver(limited, WARM_UP_MS);
    t.diagnostic(`throttled producer: ${(rate / MB).toFixed(3)} MB/s over ${MEASURE_MS} ms`);
    assert.ok(rate >= 0.9 * MB && rate <= 1.1 * MB, `throttled producer delivered ${(rate / MB).toFixed(3)} MB/s`);
    assert.ok(limited.some((s) => s.throttleTimeMs > 0), 'throttle_time_ms reported');
    assert.equal(unlimited.length, 100);
    assert.deepEqual(unlimited.filter((s) => s.throttleTimeMs !== 0), [], 'the client without a quota is never throttled');
  });

  test('a consumer limited to 1 MB/s receives 0.9-1.1 MB/s, throttled', async (t) => {
    // Enough records for the whole run: the burst and fifteen seconds at the quota, with room to spare.
    await produceLoop(broker.port, 'free-producer', 60_000, 1800);
    const samples = await fetchLoop(broker.port, 'throttled-consumer', WARM_UP_MS + MEASURE_MS);
    const rate = rateOver(samples, WARM_UP_MS);
    t.diagnostic(`throttled consumer: ${(rate / MB).toFixed(3)} MB/s over ${MEASURE_MS} ms`);
    assert.ok(rate >= 0.9 * MB && rate <= 1.1 * MB, `throttled consumer received ${(rate / MB).toFixed(3)} MB/s`);
    assert.ok(samples.some((s) => s.throttleTimeMs > 0 && s.bytes === 0), 'a throttled fetch is answered empty with throttle_time_ms');
    const free = await fetchLoop(broker.port, 'free-consumer', 2_000);
    assert.deepEqual(free.filter((s) => s.throttleTimeMs !== 0), [], 'the consumer without a quota is never throttled');
  });

  test('request_percentage throttles any API on handler time: Metadata responses carry throttle_time_ms', async () => {
    const [result] = await admin.alterClientQuotas({
      entries: [{ entities: [{ entityType: 'client-id', entityName: 'busy-admin' }], ops: [{ key: 'request_percentage', value: 0.01, remove: false }] }],
    });
    assert.equal(result!.errorCode, Errors.NONE);
    // 0.01% of a second per second over the 1 s window: a few Metadata requests' handling time exceeds it.
    const busy = await RawKafkaClient.connect(broker.port, '127.0.0.1', 'busy-admin');
    const idle = await RawKafkaClient.connect(broker.port, '127.0.0.1', 'idle-admin');
    try {
      let throttleTimeMs = 0;
      const deadline = Date.now() + 30_000;
      while (throttleTimeMs === 0 && Date.now() < deadline) {
        const r = await busy.request<{ throttleTimeMs: number }>(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
        throttleTimeMs = r.throttleTimeMs;
      }
      assert.ok(throttleTimeMs > 0 && throttleTimeMs <= 1000, `throttle_time_ms ${throttleTimeMs}, at most one quota window`);
      const other = await idle.request<{ throttleTimeMs: number }>(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
      assert.equal(other.throttleTimeMs, 0);
    } finally {
      await busy.close();
      await idle.close();
    }
  });

  test('quotas survive a restart and are enforced from the replayed log', async () => {
    await admin.close();
    await broker.stop();
    broker = await startBroker({ dataDir: broker.dataDir, overrides: QUOTA_WINDOWS });
    admin = new Admin({ clientId: 'quota-admin', bootstrapBrokers: [broker.bootstrap], retries: 0 });
    const entries = await admin.describeClientQuotas({ components: [{ entityType: 'client-id', matchType: 0, match: 'throttled-producer' }], strict: true });
    assert.deepEqual(entries[0]!.values, [{ key: 'producer_byte_rate', value: MB }]);
    // Two seconds' worth of bytes at once: beyond the one-second burst the window allows.
    const samples = await produceLoop(broker.port, 'throttled-producer', 60_000, 210);
    assert.ok(samples.some((s) => s.throttleTimeMs > 0), 'the restarted broker throttles the producer');
  });
});
