// ReplicationQuotaManager (Kafka's ReplicationQuotaManagerTest cases, in our words): which partitions a topic's
// throttled replica list names for this broker, and the sampled byte rate against the configured bytes/s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockTime } from '../../../src/common/time.ts';
import { ReplicationQuotaManager } from '../../../src/replication/replication-quota-manager.ts';

function quota(rate: { value: number }, lists: Record<string, string[]> = {}, time = new MockTime()) {
  const manager = new ReplicationQuotaManager({
    now: () => time.milliseconds(),
    rateBytesPerSecond: () => rate.value,
    numSamples: 10,
    windowMs: 1000,
    throttledReplicas: (topic) => lists[topic] ?? [],
    brokerId: 5,
  });
  return { manager, time };
}

test('a partition is throttled when its topic lists "*" or partition:thisBroker', () => {
  const { manager } = quota({ value: 100 }, { a: ['0:5', ' 2:5', '1:4'], all: ['*'] });
  assert.equal(manager.isThrottled({ topic: 'a', partition: 0 }), true);
  assert.equal(manager.isThrottled({ topic: 'a', partition: 2 }), true);
  assert.equal(manager.isThrottled({ topic: 'a', partition: 1 }), false, 'another broker\'s replica');
  assert.equal(manager.isThrottled({ topic: 'all', partition: 7 }), true);
  assert.equal(manager.isThrottled({ topic: 'none', partition: 0 }), false);
});

test('the quota is exceeded while the sampled rate is above the bound; it recovers as samples expire; the default rate never throttles', () => {
  const rate = { value: 100 };
  const { manager, time } = quota(rate);
  assert.equal(manager.isQuotaExceeded(), false);
  manager.record(100);
  assert.equal(manager.rateBytesPerSecond(), 100, 'at least one window: 100 bytes over 1 s');
  assert.equal(manager.isQuotaExceeded(), false, '100 bytes/s is within a 100 bytes/s quota');
  manager.record(1);
  assert.equal(manager.isQuotaExceeded(), true);
  // Over time the same bytes spread over a longer span.
  time.sleep(2000);
  assert.equal(manager.rateBytesPerSecond(), 101 / 2);
  assert.equal(manager.isQuotaExceeded(), false);
  manager.record(1000);
  assert.equal(manager.isQuotaExceeded(), true);
  // Past numSamples x window every sample is gone.
  time.sleep(11_000);
  assert.equal(manager.rateBytesPerSecond(), 0);
  assert.equal(manager.isQuotaExceeded(), false);
  manager.record(1_000_000);
  rate.value = 9223372036854775807;
  assert.equal(manager.isQuotaExceeded(), false, 'Long.MAX_VALUE: unthrottled');
});
