import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterConnectionStates } from '../../../src/network/cluster-connection-states.ts';
import type { Random } from '../../../src/common/random.ts';

const NO_JITTER: Random = { nextDouble: () => 0.5, nextInt: () => 0 };
const KAFKA_DEFAULTS = { reconnectBackoffMs: 50, reconnectBackoffMaxMs: 1000, connectionSetupTimeoutMs: 10_000, connectionSetupTimeoutMaxMs: 30_000 };

test('an unknown node may be connected to at once', () => {
  const states = new ClusterConnectionStates(KAFKA_DEFAULTS, NO_JITTER);
  assert.ok(states.canConnect(1, 0));
  assert.ok(!states.isBlackedOut(1, 0));
  assert.equal(states.connectionDelayMs(1, 0), 0);
  assert.equal(states.view(1), undefined);
});

test('each failed attempt doubles the reconnect backoff; the node is blacked out until it has passed', () => {
  const states = new ClusterConnectionStates(KAFKA_DEFAULTS, NO_JITTER);
  let now = 1000;
  const backoffs: number[] = [];
  for (let i = 0; i < 7; i++) {
    assert.ok(states.canConnect(1, now));
    states.connecting(1, now);
    assert.ok(!states.canConnect(1, now), 'not while connecting');
    now += 5;
    states.disconnected(1, now);
    const v = states.view(1)!;
    backoffs.push(v.reconnectBackoffMs);
    assert.equal(v.failedAttempts, i + 1);
    assert.ok(states.isBlackedOut(1, now + v.reconnectBackoffMs - 1));
    assert.equal(states.connectionDelayMs(1, now + 10), v.reconnectBackoffMs - 10);
    assert.ok(!states.canConnect(1, now + v.reconnectBackoffMs - 1));
    now += v.reconnectBackoffMs;
  }
  assert.deepEqual(backoffs, [50, 100, 200, 400, 800, 1000, 1000]);
});

test('the connection setup timeout grows only for attempts that failed while CONNECTING, and resets once the transport is up', () => {
  const states = new ClusterConnectionStates(KAFKA_DEFAULTS, NO_JITTER);
  states.connecting(1, 0);
  assert.equal(states.connectionSetupTimeoutMs(1), 10_000);
  assert.equal(states.connectionDelayMs(1, 0), 10_000);
  states.disconnected(1, 10_000);
  assert.equal(states.connectionSetupTimeoutMs(1), 20_000);
  states.connecting(1, 20_000);
  states.disconnected(1, 40_000);
  assert.equal(states.connectionSetupTimeoutMs(1), 30_000);
  assert.equal(states.view(1)!.failedConnectAttempts, 2);

  states.connecting(1, 50_000);
  states.checkingApiVersions(1);
  assert.equal(states.connectionSetupTimeoutMs(1), 10_000);
  assert.equal(states.connectionDelayMs(1, 50_000), Infinity);
  states.disconnected(1, 50_100);
  assert.equal(states.connectionSetupTimeoutMs(1), 10_000, 'a disconnection after CONNECTING does not grow it');
  assert.equal(states.view(1)!.failedAttempts, 3, 'but the reconnect backoff still grows');
});

test('READY resets the reconnect backoff; remove() forgets the node', () => {
  const states = new ClusterConnectionStates(KAFKA_DEFAULTS, NO_JITTER);
  for (let i = 0; i < 3; i++) {
    states.connecting(1, i * 10_000);
    states.disconnected(1, i * 10_000 + 1);
  }
  assert.equal(states.view(1)!.reconnectBackoffMs, 200);
  states.connecting(1, 100_000);
  states.checkingApiVersions(1);
  states.ready(1);
  assert.deepEqual(
    { ...states.view(1)!, lastConnectAttemptMs: 0 },
    { state: 'READY', lastConnectAttemptMs: 0, failedAttempts: 0, reconnectBackoffMs: 50, failedConnectAttempts: 0, connectionSetupTimeoutMs: 10_000 },
  );
  states.disconnected(1, 100_500);
  assert.equal(states.view(1)!.reconnectBackoffMs, 50);
  states.remove(1);
  assert.ok(states.canConnect(1, 100_501));
  assert.throws(() => states.ready(1), /no connection state for node 1/);
});
