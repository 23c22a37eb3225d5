// The broker's lifecycle state machine (Kafka's BrokerLifecycleManager) against a scripted controller, on a
// MockTime: what each registration and heartbeat carries, when the next one is due, and the state transitions.
// The real-wire behaviour (registration, unfencing, controlled shutdown with our controller) is covered by
// test/integration/server/broker-roles.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MockTime } from '../../../src/common/time.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { BrokerLifecycleManager, BrokerState, CATCH_UP_HEARTBEAT_MS, CONTROLLED_SHUTDOWN_HEARTBEAT_MS } from '../../../src/server/broker-lifecycle-manager.ts';
import { ControllerUnavailableError, type ControllerChannel, type ControllerSendOptions } from '../../../src/server/node-to-controller-channel.ts';

const HEARTBEAT_MS = 2000;
const REGISTRATION_TIMEOUT_MS = 60_000;
const LISTENERS = [{ name: 'PLAINTEXT', host: 'localhost', port: 9092, securityProtocol: 0 }];

interface Sent {
  readonly apiKey: number;
  readonly body: Record<string, unknown>;
  readonly options: ControllerSendOptions;
  respond(body: object): void;
  fail(err: Error): void;
}

/** A controller that answers only when the test tells it to. */
class ScriptedController implements ControllerChannel {
  readonly sent: Sent[] = [];

  send<Res extends object>(apiKey: number, request: object, options: ControllerSendOptions): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      this.sent.push({ apiKey, body: request as Record<string, unknown>, options, respond: (b) => resolve(b as Res), fail: reject });
    });
  }

  /** The one request sent since the last call. */
  take(): Sent {
    assert.equal(this.sent.length, 1, `expected exactly one request, got ${this.sent.map((s) => s.apiKey).join(', ') || 'none'}`);
    return this.sent.shift()!;
  }
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(overrides: { offset?: () => bigint } = {}) {
  const time = new MockTime();
  const controller = new ScriptedController();
  const manager = new BrokerLifecycleManager({
    nodeId: 4,
    clusterId: 'test-cluster-id-00000A',
    incarnationId: 'incarnation-00000000AA',
    rack: 'rack-a',
    logDirs: ['zz-dir-id', 'aa-dir-id'],
    supportedFeatures: [{ name: 'metadata.version', minVersion: 7, maxVersion: 21 }],
    channel: controller,
    time,
    logger: rootLogger.child({ test: 'broker-lifecycle' }),
    heartbeatIntervalMs: HEARTBEAT_MS,
    initialRegistrationTimeoutMs: REGISTRATION_TIMEOUT_MS,
    requestTimeoutMs: 4500,
    currentMetadataOffset: overrides.offset ?? (() => 100n),
    driver: 'manual',
  });
  /** Advances the clock by `ms` and runs what is due. */
  const advance = (ms: number): void => {
    time.sleep(ms);
    manager.poll();
  };
  /** The delay from now to the next deadline. */
  const due = (): number => manager.nextDeadlineMs - time.hiResClockMs();
  return { time, controller, manager, advance, due };
}

/** Starts, registers (epoch 17) and sends the first heartbeat; returns it unanswered. */
async function registered(s: ReturnType<typeof setup>): Promise<Sent> {
  s.manager.start(LISTENERS, 12n);
  s.controller.take().respond({ errorCode: Errors.NONE, brokerEpoch: 17n, throttleTimeMs: 0 });
  await flush();
  assert.equal(s.due(), 0, 'the first heartbeat goes at once after the registration');
  s.advance(0);
  return s.controller.take();
}

const heartbeatAnswer = (fields: Partial<{ isCaughtUp: boolean; isFenced: boolean; shouldShutDown: boolean; errorCode: number }>) => ({
  throttleTimeMs: 0, errorCode: Errors.NONE, isCaughtUp: false, isFenced: true, shouldShutDown: false, ...fields,
});

/** Brings a manager to RUNNING; returns nothing in flight, the next heartbeat due in the interval. */
async function running(s: ReturnType<typeof setup>): Promise<void> {
  (await registered(s)).respond(heartbeatAnswer({ isCaughtUp: true }));
  await flush();
  void s.manager.setReadyToUnfence();
  s.advance(0);
  s.controller.take().respond(heartbeatAnswer({ isCaughtUp: true, isFenced: false }));
  await flush();
  assert.equal(s.manager.state, BrokerState.RUNNING);
}

describe('BrokerLifecycleManager', () => {
  test('start registers at once with the incarnation, listeners, rack, features, sorted log dir ids and previous epoch', () => {
    const s = setup();
    assert.equal(s.manager.state, BrokerState.NOT_RUNNING);
    s.manager.start(LISTENERS, 12n);
    assert.equal(s.manager.state, BrokerState.STARTING);
    const registration = s.controller.take();
    assert.equal(registration.apiKey, ApiKeys.BrokerRegistration);
    assert.deepEqual(registration.body, {
      brokerId: 4,
      clusterId: 'test-cluster-id-00000A',
      incarnationId: 'incarnation-00000000AA',
      listeners: LISTENERS,
      features: [{ name: 'metadata.version', minSupportedVersion: 7, maxSupportedVersion: 21 }],
      rack: 'rack-a',
      isMigratingZkBroker: false,
      logDirs: ['aa-dir-id', 'zz-dir-id'],
      previousBrokerEpoch: 12n,
    });
    assert.equal(registration.options.timeoutMs, 4500);
    assert.throws(() => s.manager.start(LISTENERS), /already STARTING/);
  });

  test('a refused or failed registration is retried after the heartbeat interval; the registration timeout shuts down', async () => {
    const s = setup();
    s.manager.start(LISTENERS);
    s.controller.take().respond({ errorCode: Errors.NOT_CONTROLLER, brokerEpoch: -1n, throttleTimeMs: 0 });
    await flush();
    assert.equal(s.due(), HEARTBEAT_MS);
    s.advance(HEARTBEAT_MS - 1);
    assert.equal(s.controller.sent.length, 0, 'nothing before the interval');
    s.advance(1);
    s.controller.take().fail(new ControllerUnavailableError('no controller'));
    await flush();
    assert.equal(s.due(), HEARTBEAT_MS);
    assert.equal(s.manager.state, BrokerState.STARTING);
    let caughtUpError: unknown = null;
    s.manager.initialCatchUp.catch((e: unknown) => (caughtUpError = e));
    s.advance(REGISTRATION_TIMEOUT_MS);
    await flush();
    assert.equal(s.manager.state, BrokerState.SHUTTING_DOWN);
    assert.ok(caughtUpError instanceof Error, 'the catch-up future fails');
    await assert.rejects(s.manager.initialUnfence);
    await s.manager.controlledShutdown;
    assert.equal(s.manager.nextDeadlineMs, Infinity);
  });

  test('STARTING heartbeats every 10 ms asking to stay fenced until the controller says caught up (RECOVERY)', async () => {
    let offset = 41n;
    const s = setup({ offset: () => offset });
    const first = await registered(s);
    assert.equal(first.apiKey, ApiKeys.BrokerHeartbeat);
    assert.deepEqual(first.body, { brokerId: 4, brokerEpoch: 17n, currentMetadataOffset: 41n, wantFence: true, wantShutDown: false, offlineLogDirs: [] });
    first.respond(heartbeatAnswer({ isCaughtUp: false }));
    await flush();
    assert.equal(s.manager.state, BrokerState.STARTING);
    assert.equal(s.due(), CATCH_UP_HEARTBEAT_MS);
    offset = 57n;
    s.advance(CATCH_UP_HEARTBEAT_MS);
    const second = s.controller.take();
    assert.equal(second.body.currentMetadataOffset, 57n);
    let caughtUp = false;
    void s.manager.initialCatchUp.then(() => (caughtUp = true));
    second.respond(heartbeatAnswer({ isCaughtUp: true }));
    await flush();
    assert.equal(s.manager.state, BrokerState.RECOVERY);
    assert.ok(caughtUp);
    assert.equal(s.due(), CATCH_UP_HEARTBEAT_MS, 'the transition heartbeat is still scheduled at the catch-up pace');
    s.advance(CATCH_UP_HEARTBEAT_MS);
    const recovery = s.controller.take();
    assert.equal(recovery.body.wantFence, true, 'still fenced until the broker is ready to unfence');
    recovery.respond(heartbeatAnswer({ isCaughtUp: true, isFenced: true }));
    await flush();
    assert.equal(s.due(), HEARTBEAT_MS, 'RECOVERY heartbeats at the interval');
  });

  test('setReadyToUnfence heartbeats at once with wantFence false; an unfenced answer is RUNNING', async () => {
    const s = setup();
    (await registered(s)).respond(heartbeatAnswer({ isCaughtUp: true }));
    await flush();
    const unfenced = s.manager.setReadyToUnfence();
    assert.equal(s.due(), 0);
    s.advance(0);
    const heartbeat = s.controller.take();
    assert.equal(heartbeat.body.wantFence, false);
    heartbeat.respond(heartbeatAnswer({ isCaughtUp: true, isFenced: true }));
    await flush();
    assert.equal(s.manager.state, BrokerState.RECOVERY, 'still fenced: the controller has not unfenced it yet');
    assert.equal(s.due(), HEARTBEAT_MS);
    s.advance(HEARTBEAT_MS);
    s.controller.take().respond(heartbeatAnswer({ isCaughtUp: true, isFenced: false }));
    await unfenced;
    assert.equal(s.manager.state, BrokerState.RUNNING);
    assert.equal(s.manager.brokerEpoch, 17n);
    assert.equal(s.due(), HEARTBEAT_MS);
  });

  test('a send asked while a request is in flight goes right after its answer', async () => {
    const s = setup();
    const inFlight = await registered(s);
    void s.manager.setReadyToUnfence();
    s.advance(0);
    assert.equal(s.controller.sent.length, 0, 'one request at a time');
    inFlight.respond(heartbeatAnswer({ isCaughtUp: true }));
    await flush();
    assert.equal(s.due(), 0, 'immediate instead of the 10 ms catch-up pace');
    s.advance(0);
    assert.equal(s.controller.take().body.wantFence, false);
  });

  test('heartbeat errors and timeouts are retried after the interval, without registering again', async () => {
    const s = setup();
    await running(s);
    s.advance(HEARTBEAT_MS);
    s.controller.take().respond(heartbeatAnswer({ errorCode: Errors.STALE_BROKER_EPOCH }));
    await flush();
    assert.equal(s.due(), HEARTBEAT_MS);
    s.advance(HEARTBEAT_MS);
    const next = s.controller.take();
    assert.equal(next.apiKey, ApiKeys.BrokerHeartbeat);
    next.fail(new ControllerUnavailableError('no controller'));
    await flush();
    assert.equal(s.due(), HEARTBEAT_MS);
    assert.equal(s.manager.state, BrokerState.RUNNING);
  });

  test('resendBrokerRegistration registers again at once and then heartbeats with the new epoch', async () => {
    const s = setup();
    await running(s);
    s.manager.resendBrokerRegistration();
    s.advance(0);
    const registration = s.controller.take();
    assert.equal(registration.apiKey, ApiKeys.BrokerRegistration);
    registration.respond({ errorCode: Errors.NONE, brokerEpoch: 40n, throttleTimeMs: 0 });
    await flush();
    s.advance(0);
    assert.equal(s.controller.take().body.brokerEpoch, 40n);
  });

  test('controlled shutdown: wantShutDown at once, 50 ms until the first answer, then the interval, until shouldShutDown', async () => {
    const s = setup();
    await running(s);
    s.manager.beginControlledShutdown();
    assert.equal(s.manager.state, BrokerState.PENDING_CONTROLLED_SHUTDOWN);
    assert.equal(s.due(), 0);
    s.advance(0);
    const first = s.controller.take();
    assert.equal(first.body.wantShutDown, true);
    assert.equal(first.body.wantFence, false);
    first.respond(heartbeatAnswer({ isCaughtUp: true, isFenced: false, shouldShutDown: false }));
    await flush();
    assert.equal(s.due(), CONTROLLED_SHUTDOWN_HEARTBEAT_MS);
    s.advance(CONTROLLED_SHUTDOWN_HEARTBEAT_MS);
    s.controller.take().respond(heartbeatAnswer({ isCaughtUp: true, isFenced: false, shouldShutDown: false }));
    await flush();
    assert.equal(s.due(), HEARTBEAT_MS, 'after the controller answered once: the interval');
    s.manager.beginControlledShutdown();
    assert.equal(s.manager.state, BrokerState.PENDING_CONTROLLED_SHUTDOWN, 'asking twice changes nothing');
    s.advance(HEARTBEAT_MS);
    let done = false;
    void s.manager.controlledShutdown.then(() => (done = true));
    s.controller.take().respond(heartbeatAnswer({ isCaughtUp: true, isFenced: false, shouldShutDown: true }));
    await flush();
    assert.ok(done);
    assert.equal(s.manager.state, BrokerState.SHUTTING_DOWN);
    s.advance(10 * HEARTBEAT_MS);
    assert.equal(s.controller.sent.length, 0, 'no heartbeat after SHUTTING_DOWN');
  });

  test('controlled shutdown of a broker that is not RUNNING shuts down at once; late answers are ignored', async () => {
    const s = setup();
    const inFlight = await registered(s);
    s.manager.beginControlledShutdown();
    assert.equal(s.manager.state, BrokerState.SHUTTING_DOWN);
    await s.manager.controlledShutdown;
    await assert.rejects(s.manager.initialCatchUp);
    inFlight.respond(heartbeatAnswer({ isCaughtUp: true }));
    await flush();
    assert.equal(s.manager.state, BrokerState.SHUTTING_DOWN);
    assert.equal(s.manager.nextDeadlineMs, Infinity);
  });
});
