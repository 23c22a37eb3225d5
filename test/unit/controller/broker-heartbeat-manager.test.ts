import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MockTime } from '../../../src/common/time.ts';
import { SILENT } from './controller-test-kit.ts';
import { BrokerHeartbeatManager } from '../../../src/controller/broker-heartbeat-manager.ts';
import { BrokerHeartbeatTracker } from '../../../src/controller/broker-heartbeat-tracker.ts';

function manager(time = new MockTime(), sessionTimeoutMs = 10_000) {
  return new BrokerHeartbeatManager(time, sessionTimeoutMs, SILENT);
}

const hb = (offset: bigint, flags: { wantFence?: boolean; wantShutDown?: boolean } = {}) => ({
  currentMetadataOffset: offset,
  wantFence: flags.wantFence ?? false,
  wantShutDown: flags.wantShutDown ?? false,
});

test('a session is valid for broker.session.timeout.ms after the last contact, and only for that epoch', () => {
  const time = new MockTime();
  const tracker = new BrokerHeartbeatTracker(time, 10_000);
  tracker.updateContactTime({ id: 1, epoch: 100n });
  assert.equal(tracker.hasValidSession({ id: 1, epoch: 100n }), true);
  assert.equal(tracker.hasValidSession({ id: 1, epoch: 101n }), false);
  time.sleep(10_000);
  assert.equal(tracker.hasValidSession({ id: 1, epoch: 100n }), true, 'expired only once strictly more than the timeout passed');
  assert.equal(tracker.maybeRemoveExpired(), null);
  time.sleep(1);
  assert.equal(tracker.hasValidSession({ id: 1, epoch: 100n }), false);
  assert.deepEqual(tracker.maybeRemoveExpired(), { id: 1, epoch: 100n });
  assert.equal(tracker.maybeRemoveExpired(), null, 'an expired entry is handed out once');
});

test('expired entries are handed out one at a time in first-contact order', () => {
  const time = new MockTime();
  const tracker = new BrokerHeartbeatTracker(time, 100);
  tracker.updateContactTime({ id: 2, epoch: 5n });
  tracker.updateContactTime({ id: 1, epoch: 7n });
  time.sleep(50);
  tracker.updateContactTime({ id: 3, epoch: 9n });
  time.sleep(60);
  assert.deepEqual(tracker.maybeRemoveExpired(), { id: 2, epoch: 5n });
  assert.deepEqual(tracker.maybeRemoveExpired(), { id: 1, epoch: 7n });
  assert.equal(tracker.maybeRemoveExpired(), null, 'broker 3 was in contact 60 ms ago');
});

test('a fenced broker is unfenced only once it reports the offset of its registration record, unless it wants to stay fenced', () => {
  const m = manager();
  m.register(1, true);
  assert.equal(m.currentBrokerState(1), 'FENCED');
  const none = () => false;
  assert.deepEqual(m.calculateNextBrokerState(1, hb(41n), 42n, none), { current: 'FENCED', next: 'FENCED' });
  assert.deepEqual(m.calculateNextBrokerState(1, hb(42n, { wantFence: true }), 42n, none), { current: 'FENCED', next: 'FENCED' });
  assert.deepEqual(m.calculateNextBrokerState(1, hb(42n), 42n, none), { current: 'FENCED', next: 'UNFENCED' });
  assert.deepEqual(m.calculateNextBrokerState(1, hb(0n, { wantShutDown: true }), 42n, none), { current: 'FENCED', next: 'SHUTDOWN_NOW' });
});

test('an unfenced broker: wantFence fences, wantFence with wantShutDown shuts down at once, wantShutDown with leaderships starts a controlled shutdown', () => {
  const m = manager();
  m.register(1, false);
  const leads = () => true;
  const leadsNone = () => false;
  assert.deepEqual(m.calculateNextBrokerState(1, hb(5n), 0n, leads), { current: 'UNFENCED', next: 'UNFENCED' });
  assert.deepEqual(m.calculateNextBrokerState(1, hb(5n, { wantFence: true }), 0n, leads), { current: 'UNFENCED', next: 'FENCED' });
  assert.deepEqual(m.calculateNextBrokerState(1, hb(5n, { wantFence: true, wantShutDown: true }), 0n, leads), { current: 'UNFENCED', next: 'SHUTDOWN_NOW' });
  assert.deepEqual(m.calculateNextBrokerState(1, hb(5n, { wantShutDown: true }), 0n, leads), { current: 'UNFENCED', next: 'CONTROLLED_SHUTDOWN' });
  assert.deepEqual(m.calculateNextBrokerState(1, hb(5n, { wantShutDown: true }), 0n, leadsNone), { current: 'UNFENCED', next: 'SHUTDOWN_NOW' });
});

test('controlled shutdown ends once the broker leads nothing and every active broker has reached its shutdown offset', () => {
  const m = manager();
  for (const id of [1, 2, 3]) m.register(id, false);
  m.touch(2, false, 90n);
  m.touch(3, false, 120n);
  m.touch(1, false, 100n);
  m.maybeUpdateControlledShutdownOffset(1, 110n);
  assert.equal(m.currentBrokerState(1), 'CONTROLLED_SHUTDOWN');
  assert.equal(m.controlledShutdownOffset(1), 110n);
  m.maybeUpdateControlledShutdownOffset(1, 200n);
  assert.equal(m.controlledShutdownOffset(1), 110n, 'the first controlled shutdown offset stays');
  assert.equal(m.lowestActiveOffset(), 90n, 'the broker shutting down is not active');
  const req = hb(130n, { wantShutDown: true });
  assert.equal(m.calculateNextBrokerState(1, req, 0n, () => true).next, 'CONTROLLED_SHUTDOWN', 'still leads partitions');
  assert.equal(m.calculateNextBrokerState(1, req, 0n, () => false).next, 'CONTROLLED_SHUTDOWN', 'broker 2 has not seen offset 110');
  m.touch(2, false, 110n);
  assert.equal(m.calculateNextBrokerState(1, req, 0n, () => false).next, 'SHUTDOWN_NOW');
});

test('with no other active broker a controlled shutdown ends as soon as the broker leads nothing', () => {
  const m = manager();
  m.register(1, false);
  m.register(2, true);
  m.maybeUpdateControlledShutdownOffset(1, 7n);
  assert.equal(m.lowestActiveOffset(), null);
  assert.equal(m.calculateNextBrokerState(1, hb(0n, { wantShutDown: true }), 0n, () => false).next, 'SHUTDOWN_NOW');
});

test('fencing ends a controlled shutdown; fenced brokers cannot enter one', () => {
  const m = manager();
  m.register(1, false);
  m.maybeUpdateControlledShutdownOffset(1, 3n);
  m.touch(1, true, 3n);
  assert.equal(m.currentBrokerState(1), 'FENCED');
  assert.equal(m.controlledShutdownOffset(1), null);
  assert.throws(() => m.maybeUpdateControlledShutdownOffset(1, 4n), /Fenced brokers cannot enter controlled shutdown/);
  assert.throws(() => m.currentBrokerState(9), /Broker 9 is not registered/);
});

test('register keeps the reported offset only across a change of fencing (Kafka rule)', () => {
  const m = manager();
  m.register(1, true);
  m.touch(1, true, 50n);
  m.register(1, false);
  assert.equal(m.metadataOffset(1), 50n, 'the fencing changed: the offset is kept');
  assert.equal(m.lowestActiveOffset(), 50n);
  m.register(1, false);
  assert.equal(m.metadataOffset(1), -1n, 'the same fencing: the offset is forgotten until the next heartbeat');
  m.fence(1);
  assert.equal(m.lowestActiveOffset(), null);
  m.remove(1);
  assert.equal(m.isFenced(1), undefined);
});
