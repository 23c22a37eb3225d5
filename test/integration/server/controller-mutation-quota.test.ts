// controller_mutation_rate (KIP-599) end to end on one combined node: the quota is set with AlterClientQuotas
// (a ClientQuotaRecord), and CreateTopics / CreatePartitions / DeleteTopics sent to the broker listener are
// forwarded to the controller, which measures partition mutations per client id in a token bucket
// (controller.quota.window.num x controller.quota.window.size.seconds x the rate). From CreateTopics v6,
// CreatePartitions v3 and DeleteTopics v5 a topic arriving while the bucket is in debt gets THROTTLING_QUOTA_EXCEEDED
// and nothing is written for it; older versions do everything and report the debt as throttle_time_ms.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { AlterClientQuotasResponse } from '../../../src/protocol/generated/messages/alter-client-quotas-response.ts';
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics-response.ts';
import type { CreatePartitionsResponse } from '../../../src/protocol/generated/messages/create-partitions-response.ts';
import type { DeleteTopicsResponse } from '../../../src/protocol/generated/messages/delete-topics-response.ts';

// 2 mutations/s with 2 windows of 1 s: a bucket of 4 tokens per client id.
const RATE = 2;
const BURST = 4;

describe('controller_mutation_rate', () => {
  let broker: TestBroker;

  before(async () => {
    broker = await startBroker({ overrides: { 'controller.quota.window.num': '2', 'controller.quota.window.size.seconds': '1' } });
    await withClient('admin', async (c) => {
      const r = await c.request<AlterClientQuotasResponse>(ApiKeys.AlterClientQuotas, 1, {
        validateOnly: false,
        entries: [{ entity: [{ entityType: 'client-id', entityName: null }], ops: [{ key: 'controller_mutation_rate', value: RATE, remove: false }] }],
      });
      assert.equal(r.entries[0]!.errorCode, Errors.NONE);
    });
  });

  after(async () => {
    await broker?.stop();
  });

  /** One connection per client id: a throttled response mutes its connection, which is not reused. */
  async function withClient<T>(clientId: string, f: (c: RawKafkaClient) => Promise<T>): Promise<T> {
    const c = await RawKafkaClient.connect(broker.port, '127.0.0.1', clientId);
    try {
      return await f(c);
    } finally {
      await c.close();
    }
  }

  const partitionsOf = (topic: string): number | undefined => broker.server.metadata.topicsByName.get(topic)?.partitions.size;

  function createTopics(clientId: string, version: number, topics: [string, number][]): Promise<CreateTopicsResponse> {
    return withClient(clientId, (c) => c.request<CreateTopicsResponse>(ApiKeys.CreateTopics, version, {
      topics: topics.map(([name, numPartitions]) => ({ name, numPartitions, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 10_000,
      validateOnly: false,
    }));
  }

  test('CreateTopics v6: the topic that empties the bucket is created, the next one is refused with THROTTLING_QUOTA_EXCEEDED', async () => {
    const r = await createTopics('strict-create', 6, [['strict-a', 10], ['strict-b', 1]]);
    assert.deepEqual(r.topics.map((t) => [t.name, t.errorCode]), [['strict-a', Errors.NONE], ['strict-b', Errors.THROTTLING_QUOTA_EXCEEDED]]);
    // (10 - 4) tokens of debt at 2/s: 3 s, less what refilled meanwhile
    const debtMs = ((10 - BURST) / RATE) * 1000;
    assert.ok(r.throttleTimeMs > debtMs - 1000 && r.throttleTimeMs <= debtMs, `throttle ${r.throttleTimeMs} ms`);
    await waitFor('strict-a created', () => partitionsOf('strict-a') === 10);
    assert.equal(partitionsOf('strict-b'), undefined);
    // another client id has its own bucket
    const other = await createTopics('strict-create-2', 6, [['strict-c', 2]]);
    assert.deepEqual([other.topics[0]!.errorCode, other.throttleTimeMs], [Errors.NONE, 0]);
  });

  test('CreateTopics v5: everything is created and the debt is the throttle time', async () => {
    const r = await createTopics('permissive-create', 5, [['perm-a', 10], ['perm-b', 1]]);
    assert.deepEqual(r.topics.map((t) => t.errorCode), [Errors.NONE, Errors.NONE]);
    const debtMs = ((11 - BURST) / RATE) * 1000;
    assert.ok(r.throttleTimeMs > debtMs - 1000 && r.throttleTimeMs <= debtMs, `throttle ${r.throttleTimeMs} ms`);
    await waitFor('perm-b created', () => partitionsOf('perm-b') === 1);
  });

  test('CreatePartitions v3 refuses while in debt; v2 adds and throttles', async () => {
    await createTopics('setup-partitions', 6, [['grow-a', 1], ['grow-b', 1]]);
    const grow = (clientId: string, version: number, counts: [string, number][]) => withClient(clientId, (c) => c.request<CreatePartitionsResponse>(ApiKeys.CreatePartitions, version, {
      topics: counts.map(([name, count]) => ({ name, count, assignments: null })),
      timeoutMs: 10_000,
      validateOnly: false,
    }));
    const strict = await grow('strict-partitions', 3, [['grow-a', 8], ['grow-b', 2]]);
    assert.deepEqual(strict.results.map((t) => [t.name, t.errorCode]), [['grow-a', Errors.NONE], ['grow-b', Errors.THROTTLING_QUOTA_EXCEEDED]]);
    assert.ok(strict.throttleTimeMs > 0);
    await waitFor('grow-a grown', () => partitionsOf('grow-a') === 8);
    assert.equal(partitionsOf('grow-b'), 1);
    const permissive = await grow('permissive-partitions', 2, [['grow-a', 12], ['grow-b', 4]]);
    assert.deepEqual(permissive.results.map((t) => t.errorCode), [Errors.NONE, Errors.NONE]);
    assert.ok(permissive.throttleTimeMs > 0);
    await waitFor('grow-a and grow-b grown', () => partitionsOf('grow-a') === 12 && partitionsOf('grow-b') === 4);
  });

  test('DeleteTopics v5 refuses while in debt; v4 deletes and throttles', async () => {
    await createTopics('setup-delete-1', 6, [['del-a', 3], ['del-b', 3]]);
    await createTopics('setup-delete-2', 6, [['del-c', 3]]);
    const del = (clientId: string, version: number, names: string[]) => withClient(clientId, (c) => c.request<DeleteTopicsResponse>(ApiKeys.DeleteTopics, version, { topicNames: names, timeoutMs: 10_000 }));
    const strict = await del('strict-delete', 5, ['del-a', 'del-b']);
    // del-a takes 3 of the 4 tokens, del-b is admitted with 1 left: the bucket is at -2 and the next one is refused
    assert.deepEqual(strict.responses.map((t) => t.errorCode), [Errors.NONE, Errors.NONE]);
    const refused = await del('strict-delete', 5, ['del-c']);
    assert.deepEqual(refused.responses.map((t) => [t.name, t.errorCode]), [['del-c', Errors.THROTTLING_QUOTA_EXCEEDED]]);
    assert.ok(refused.throttleTimeMs > 0);
    assert.equal(partitionsOf('del-c'), 3);
    const permissive = await del('permissive-delete', 4, ['perm-a', 'del-c']);
    assert.deepEqual(permissive.responses.map((t) => t.errorCode), [Errors.NONE, Errors.NONE]);
    assert.ok(permissive.throttleTimeMs > 0);
    await waitFor('del-c deleted', () => partitionsOf('del-c') === undefined);
  });
});
