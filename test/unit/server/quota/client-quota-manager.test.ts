// ClientQuotaManager: Kafka's KIP-55 precedence of the eight quota entities, which clients share one rate, and the
// rate windows driven by an injected clock (MockTime), against the figures Kafka's Rate / QuotaUtils give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockTime } from '../../../../src/common/time.ts';
import { ClientQuotaManager, DEFAULT_ENTITY, type QuotaEntityName } from '../../../../src/server/quota/client-quota-manager.ts';

const D: typeof DEFAULT_ENTITY = DEFAULT_ENTITY;

/** The eight entities of KIP-55, most specific first, for user "alice" and client id "app". */
const LEVELS: readonly [string, QuotaEntityName, QuotaEntityName][] = [
  ['/config/users/alice/clients/app', 'alice', 'app'],
  ['/config/users/alice/clients/<default>', 'alice', D],
  ['/config/users/alice', 'alice', null],
  ['/config/users/<default>/clients/app', D, 'app'],
  ['/config/users/<default>/clients/<default>', D, D],
  ['/config/users/<default>', D, null],
  ['/config/clients/app', null, 'app'],
  ['/config/clients/<default>', null, D],
];

test('the eight levels of KIP-55: the most specific entity holding a quota applies', () => {
  const m = new ClientQuotaManager({ numQuotaSamples: 11, quotaWindowSizeMs: 1000 });
  assert.equal(m.quota('alice', 'app'), null, 'no quota at all');
  // Set every level (bound = 100 x its rank), then remove them from the most specific down.
  LEVELS.forEach(([, user, clientId], i) => m.updateQuota(user, clientId, 100 * (i + 1)));
  for (let i = 0; i < LEVELS.length; i++) {
    assert.equal(m.quota('alice', 'app'), 100 * (i + 1), `${LEVELS[i]![0]} applies`);
    m.updateQuota(LEVELS[i]![1], LEVELS[i]![2], null);
  }
  assert.equal(m.quota('alice', 'app'), null);
  assert.equal(m.quotasEnabled, false);
});

test('each level applies alone, and only to the clients it names', () => {
  for (const [path, user, clientId] of LEVELS) {
    const m = new ClientQuotaManager({ numQuotaSamples: 11, quotaWindowSizeMs: 1000 });
    m.updateQuota(user, clientId, 42);
    assert.equal(m.quota('alice', 'app'), 42, path);
    const otherUser = user === 'alice' ? null : 42;
    const otherClient = clientId === 'app' ? null : 42;
    assert.equal(m.quota('bob', 'app'), otherUser, `${path} for bob`);
    assert.equal(m.quota('alice', 'web'), otherClient, `${path} for client web`);
  }
});

test('clients share the rate of the entity that limits them (Kafka\'s quota metric tags)', () => {
  const m = new ClientQuotaManager({ numQuotaSamples: 11, quotaWindowSizeMs: 1000 });
  const nowMs = new MockTime().milliseconds();
  m.updateQuota(null, 'app', 1000);
  // Client-id quotas only: every user of client "app" shares one rate, tagged without the user.
  assert.deepEqual(m.quotaMetricTags('alice', 'app'), { user: '', clientId: 'app' });
  // 10 s x 1000 B/s may be taken at first (the window is never shorter than samples - 1 windows), by all together.
  assert.equal(m.maybeRecordAndGetThrottleTimeMs('bob', 'app', 10_000, nowMs), 0);
  assert.ok(m.maybeRecordAndGetThrottleTimeMs('carol', 'app', 1_000, nowMs) > 0, 'carol shares bob\'s client-id rate');

  m.updateQuota('alice', null, 5000);
  // A user quota beside it: alice is limited as a user (all her client ids together), bob still by his client id.
  assert.deepEqual(m.quotaMetricTags('alice', 'app'), { user: 'alice', clientId: '' });
  assert.deepEqual(m.quotaMetricTags('bob', 'app'), { user: '', clientId: 'app' });
  assert.equal(m.maybeRecordAndGetThrottleTimeMs('alice', 'app', 50_000, nowMs), 0, 'alice has her own user rate');
  assert.ok(m.maybeRecordAndGetThrottleTimeMs('alice', 'web', 1_000, nowMs) > 0, 'shared by all her client ids');

  // A default user + default client quota: each (user, client id) pair is limited on its own.
  m.updateQuota(D, D, 7000);
  assert.deepEqual(m.quotaMetricTags('bob', 'web'), { user: 'bob', clientId: 'web' });
  assert.equal(m.quota('bob', 'web'), 7000);
  assert.equal(m.quota('bob', 'app'), 7000, 'users/<default>/clients/<default> outranks clients/app');
});

test('rate windows on an injected clock: burst, throttle time as QuotaUtils.throttleTime, decay, unrecord', () => {
  const time = new MockTime();
  const m = new ClientQuotaManager({ numQuotaSamples: 11, quotaWindowSizeMs: 1000 });
  m.updateQuota(null, 'app', 1000);
  assert.equal(m.maxValueInQuotaWindow('u', 'app'), 10_000, 'bound x (samples - 1) x window');
  assert.equal(m.maxValueInQuotaWindow('u', 'other'), Infinity);
  // 10,000 bytes over the minimum 10 s window: exactly the quota.
  assert.equal(m.maybeRecordAndGetThrottleTimeMs('u', 'app', 10_000, time.milliseconds()), 0);
  // 12,000 over 10 s: 1200 B/s; throttle (1200 - 1000) / 1000 x 10 s = 2 s.
  assert.equal(m.maybeRecordAndGetThrottleTimeMs('u', 'app', 2_000, time.milliseconds()), 2000);
  // Taken back (a throttled fetch answered empty): 10,000 again, within the quota.
  m.unrecord('u', 'app', 2_000, time.milliseconds());
  assert.equal(m.maybeRecordAndGetThrottleTimeMs('u', 'app', 0, time.milliseconds()), 0);
  // 12 s later every window has aged out (11 windows x 1 s): the rate starts over.
  time.sleep(12_000);
  assert.equal(m.maybeRecordAndGetThrottleTimeMs('u', 'app', 10_000, time.milliseconds()), 0);
  // A new bound applies to the existing rate at once.
  m.updateQuota(null, 'app', 500);
  assert.equal(m.maybeRecordAndGetThrottleTimeMs('u', 'app', 0, time.milliseconds()), 10_000, '(1000 - 500) / 500 x 10 s');
});

test('a client faster than its quota gets, over whole window cycles, the quota', () => {
  const time = new MockTime();
  const m = new ClientQuotaManager({ numQuotaSamples: 2, quotaWindowSizeMs: 1000 });
  m.updateQuota(null, 'app', 100_000);
  const start = time.milliseconds();
  let bytes = 0;
  let measuredFrom = -1;
  while (time.milliseconds() - start < 33_000) {
    const throttleMs = m.maybeRecordAndGetThrottleTimeMs('u', 'app', 1_000, time.milliseconds());
    if (time.milliseconds() - start >= 3_000) {
      if (measuredFrom < 0) measuredFrom = time.milliseconds();
      bytes += 1_000;
    }
    // The client waits out the throttle (KIP-219) and sends again 1 ms after.
    time.sleep(throttleMs + 1);
  }
  const rate = bytes / ((time.milliseconds() - measuredFrom) / 1000);
  assert.ok(rate > 97_000 && rate < 103_000, `rate ${rate} B/s`);
});

test('without any quota nothing is recorded or throttled', () => {
  const m = new ClientQuotaManager({ numQuotaSamples: 11, quotaWindowSizeMs: 1000 });
  assert.equal(m.maybeRecordAndGetThrottleTimeMs('u', 'app', 1e12, 0), 0);
  m.updateQuota('someone', null, 1);
  assert.equal(m.maybeRecordAndGetThrottleTimeMs('u', 'app', 1e12, 0), 0, 'a quota of another user does not limit u');
});

test('the request quota\'s throttle is capped at maxThrottleTimeMs', () => {
  const m = new ClientQuotaManager({ numQuotaSamples: 11, quotaWindowSizeMs: 1000, maxThrottleTimeMs: 1000 });
  m.updateQuota(null, D, 10);
  assert.equal(m.maybeRecordAndGetThrottleTimeMs('u', 'app', 1e6, 0), 1000);
});
