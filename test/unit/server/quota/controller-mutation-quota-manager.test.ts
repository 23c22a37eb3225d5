import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockTime } from '../../../../src/common/time.ts';
import { ApiError } from '../../../../src/common/api-error.ts';
import { Errors } from '../../../../src/protocol/generated/errors.ts';
import { DEFAULT_ENTITY } from '../../../../src/server/quota/client-quota-manager.ts';
import { ControllerMutationQuotaManager } from '../../../../src/server/quota/controller-mutation-quota-manager.ts';
import { TokenBucket } from '../../../../src/server/quota/token-bucket.ts';

const throttled = (e: unknown): boolean => e instanceof ApiError && e.code === Errors.THROTTLING_QUOTA_EXCEEDED;

test('token bucket: starts full at the burst, goes negative, refills at the quota, never above the burst', () => {
  const b = new TokenBucket(10, 1000);
  assert.equal(b.measure(2, 1_000_000), 20); // 10 windows x 1 s x 2/s
  b.record(2, 25, 1_000_000);
  assert.equal(b.measure(2, 1_000_000), -5);
  assert.equal(b.throttleTimeMs(2, 1_000_000), 2500); // 5 tokens at 2/s
  assert.equal(b.throttleTimeMs(2, 1_002_500), 0);
  assert.equal(b.measure(2, 1_100_000), 20);
});

test('without a controller_mutation_rate nothing is recorded or refused', () => {
  const time = new MockTime();
  const m = new ControllerMutationQuotaManager({ samples: 2, windowMs: 1000, time });
  const q = m.newQuotaFor('alice', 'app', 6, 6);
  for (let i = 0; i < 100; i++) q.applyPartitionChangeQuota(1000);
  assert.equal(q.throttleTimeMs(), 0);
});

test('strict quota: admitted while tokens are left, then THROTTLING_QUOTA_EXCEEDED with the time to earn the debt back', () => {
  const time = new MockTime();
  const m = new ControllerMutationQuotaManager({ samples: 2, windowMs: 1000, time });
  m.updateQuota(null, 'app', 5); // burst 10
  const q = m.newQuotaFor('alice', 'app', 6, 6);
  q.applyPartitionChangeQuota(8);
  q.applyPartitionChangeQuota(8); // 2 tokens left: admitted, bucket at -6
  assert.equal(q.throttleTimeMs(), 0);
  assert.throws(() => q.applyPartitionChangeQuota(1), throttled);
  assert.equal(q.throttleTimeMs(), 1200); // 6 tokens at 5/s
  time.sleep(200);
  assert.equal(q.throttleTimeMs(), 1000);
  // the bucket is the client id's: another request of the same client is refused too, another client is not
  assert.throws(() => m.newQuotaFor('bob', 'app', 6, 6).applyPartitionChangeQuota(1), throttled);
  m.newQuotaFor('alice', 'other', 6, 6).applyPartitionChangeQuota(1);
  time.sleep(1000);
  m.newQuotaFor('alice', 'app', 6, 6).applyPartitionChangeQuota(1);
});

test('permissive quota (older versions): everything is recorded and the debt is the throttle time', () => {
  const time = new MockTime();
  const m = new ControllerMutationQuotaManager({ samples: 11, windowMs: 1000, time });
  m.updateQuota('alice', DEFAULT_ENTITY, 1); // burst 11
  const q = m.newQuotaFor('alice', 'app', 5, 6);
  q.applyPartitionChangeQuota(10);
  assert.equal(q.throttleTimeMs(), 0);
  q.applyPartitionChangeQuota(10);
  q.applyPartitionChangeQuota(10);
  assert.equal(q.throttleTimeMs(), 19_000);
  // a strict request of the same user and client now is refused
  assert.throws(() => m.newQuotaFor('alice', 'app', 6, 6).applyPartitionChangeQuota(1), throttled);
  // removing the quota lifts it at once
  m.updateQuota('alice', DEFAULT_ENTITY, null);
  m.newQuotaFor('alice', 'app', 6, 6).applyPartitionChangeQuota(1000);
});
