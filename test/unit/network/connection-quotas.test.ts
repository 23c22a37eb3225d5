// ConnectionQuotas driven with stand-in sockets and a mock clock; the same limits through real sockets and a real
// broker are in socket-server.test.ts and test/integration/network/connection-quotas.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type net from 'node:net';
import { MockTime } from '../../../src/common/time.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import {
  ConnectionQuotas,
  UNLIMITED_CONNECTION_QUOTAS,
  canonicalAddress,
  type ConnectionQuotaConfig,
} from '../../../src/network/connection-quotas.ts';

/** What ConnectionQuotas uses of a net.Socket. */
class FakeSocket {
  destroyed = false;
  readonly remoteAddress: string;
  constructor(address: string) {
    this.remoteAddress = address;
  }
  on(): this {
    return this;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

interface Harness {
  quotas: ConnectionQuotas;
  time: MockTime;
  /** Sockets admitted so far, by listener, in order. */
  admitted: Array<{ listener: string; socket: FakeSocket; address: string }>;
  /** Listener names passed to closeLeastRecentlyUsed, once per call. */
  lruCalls: string[];
  config: { current: ConnectionQuotaConfig };
  connect(listener: string, address?: string): FakeSocket;
  close(socket: FakeSocket): void;
}

async function harness(config: Partial<ConnectionQuotaConfig>, options: { listeners?: string[]; maxWaiting?: number; resolve?: (h: string) => Promise<string> } = {}): Promise<Harness> {
  const time = new MockTime();
  const admitted: Harness['admitted'] = [];
  const lruCalls: string[] = [];
  const holder = { current: { ...UNLIMITED_CONNECTION_QUOTAS, ...config } };
  const h: Partial<Harness> = {};
  const quotas = new ConnectionQuotas({
    listenerNames: options.listeners ?? ['PLAINTEXT'],
    config: () => holder.current,
    maxWaitingPerListener: options.maxWaiting ?? 50,
    closeLeastRecentlyUsed: (protectedListener) => {
      lruCalls.push(protectedListener);
      const victim = admitted.find((a) => a.listener !== protectedListener && !a.socket.destroyed);
      if (victim === undefined) return false;
      h.close!(victim.socket);
      return true;
    },
    logger: rootLogger.child({ component: 'test' }),
    time,
    ...(options.resolve === undefined ? {} : { resolveHost: options.resolve }),
  });
  await quotas.start();
  Object.assign(h, {
    quotas,
    time,
    admitted,
    lruCalls,
    config: holder,
    connect(listener: string, address = '10.0.0.1') {
      const socket = new FakeSocket(address);
      quotas.accept(listener, socket as unknown as net.Socket, (_s, ip) => admitted.push({ listener, socket, address: ip }));
      return socket;
    },
    close(socket: FakeSocket) {
      const a = admitted.find((x) => x.socket === socket)!;
      socket.destroyed = true;
      quotas.connectionClosed(a.listener, a.address);
    },
  });
  return h as Harness;
}

const served = (h: Harness, s: FakeSocket): boolean => h.admitted.some((a) => a.socket === s);

test('max.connections.per.ip: a connection from an address at its maximum is closed at once; others are not', async (t) => {
  const h = await harness({ maxConnectionsPerIp: 2 });
  t.after(() => h.quotas.close());
  const a1 = h.connect('PLAINTEXT', '10.0.0.1');
  const a2 = h.connect('PLAINTEXT', '10.0.0.1');
  const a3 = h.connect('PLAINTEXT', '10.0.0.1');
  const b1 = h.connect('PLAINTEXT', '10.0.0.2');
  assert.ok(served(h, a1) && served(h, a2) && served(h, b1));
  assert.equal(served(h, a3), false);
  assert.equal(a3.destroyed, true);
  assert.equal(h.quotas.countFor('10.0.0.1'), 2);
  h.close(a1);
  const a4 = h.connect('PLAINTEXT', '::ffff:10.0.0.1');
  assert.ok(served(h, a4), 'a slot freed; an IPv4-mapped address counts as the IPv4 one');
  assert.equal(h.quotas.countFor('10.0.0.1'), 2);
});

test('max.connections.per.ip.overrides: per address or host name (resolved), 0 elsewhere refuses everyone else', async (t) => {
  const overrides = new Map([['10.0.0.9', 3], ['broker-host.example', 1], ['0:0:0:0:0:0:0:1', 2]]);
  const h = await harness({ maxConnectionsPerIp: 0, maxConnectionsPerIpOverrides: overrides }, { resolve: async () => '10.0.0.7' });
  t.after(() => h.quotas.close());
  const nine = [1, 2, 3, 4].map(() => h.connect('PLAINTEXT', '10.0.0.9'));
  assert.deepEqual(nine.map((s) => served(h, s)), [true, true, true, false]);
  const seven = [1, 2].map(() => h.connect('PLAINTEXT', '10.0.0.7'));
  assert.deepEqual(seven.map((s) => served(h, s)), [true, false], 'the host name resolved to 10.0.0.7');
  const six = [1, 2, 3].map(() => h.connect('PLAINTEXT', '::1'));
  assert.deepEqual(six.map((s) => served(h, s)), [true, true, false], 'IPv6 written in another form');
  assert.equal(served(h, h.connect('PLAINTEXT', '10.0.0.1')), false, 'max.connections.per.ip=0');
});

test('an override host name that does not resolve fails the start, as Kafka does', async () => {
  await assert.rejects(
    harness({ maxConnectionsPerIpOverrides: new Map([['no-such-host.invalid', 1]]) }, { resolve: async () => { throw new Error('ENOTFOUND'); } }),
    /max.connections.per.ip.overrides: unknown host no-such-host.invalid/,
  );
});

test('max.connections: at the limit the next connection waits, in order, until one closes', async (t) => {
  const h = await harness({ maxConnections: 2 });
  t.after(() => h.quotas.close());
  const [a, b, c, d] = [1, 2, 3, 4].map((i) => h.connect('PLAINTEXT', `10.0.0.${i}`));
  assert.ok(served(h, a!) && served(h, b!));
  assert.equal(served(h, c!), false);
  assert.equal(c!.destroyed, false, 'waiting, not refused (Kafka blocks its acceptor)');
  assert.equal(h.quotas.waiting('PLAINTEXT'), 2);
  h.close(a!);
  assert.ok(served(h, c!));
  assert.equal(served(h, d!), false);
  assert.equal(h.quotas.total, 2);
});

test('listener.name.<l>.max.connections limits one listener; the other keeps the broker-wide value', async (t) => {
  const h = await harness(
    { maxConnections: 100, listeners: new Map([['CLIENT', { maxConnections: 1, maxConnectionCreationRate: 2147483647 }]]) },
    { listeners: ['CLIENT', 'OTHER'] },
  );
  t.after(() => h.quotas.close());
  const c1 = h.connect('CLIENT');
  const c2 = h.connect('CLIENT');
  const o = [1, 2, 3].map(() => h.connect('OTHER'));
  assert.ok(served(h, c1));
  assert.equal(served(h, c2), false);
  assert.ok(o.every((s) => served(h, s)));
});

test('the inter-broker listener is served past max.connections; the least recently used other connection is closed', async (t) => {
  const h = await harness({ maxConnections: 2, interBrokerListenerName: 'INTERNAL' }, { listeners: ['CLIENT', 'INTERNAL'] });
  t.after(() => h.quotas.close());
  const c1 = h.connect('CLIENT', '10.0.0.1');
  const c2 = h.connect('CLIENT', '10.0.0.2');
  const c3 = h.connect('CLIENT', '10.0.0.3');
  assert.equal(served(h, c3), false, 'the client listener waits at the broker-wide limit');
  const i1 = h.connect('INTERNAL', '10.0.0.4');
  assert.ok(served(h, i1), 'inter-broker connection served at once');
  assert.deepEqual(h.lruCalls, ['INTERNAL'], 'one connection of another listener closed to get back under the limit');
  assert.equal(c1.destroyed, true);
  assert.equal(h.quotas.total, 2);
  assert.equal(served(h, c3), false);
  h.close(c2);
  assert.ok(served(h, c3));

  const single = await harness({ maxConnections: 1, interBrokerListenerName: 'PLAINTEXT' });
  t.after(() => single.quotas.close());
  single.connect('PLAINTEXT');
  assert.equal(served(single, single.connect('PLAINTEXT')), false, 'with one listener nothing is exempt (Kafka)');
});

test('max.connection.creation.rate delays connections by the throttle time (Kafka quota windows), then serves them', async (t) => {
  const h = await harness({ maxConnectionCreationRate: 2, quotaWindowSizeMs: 1000, quotaWindowNum: 2 });
  t.after(() => h.quotas.close());
  const s = [1, 2, 3, 4].map((i) => h.connect('PLAINTEXT', `10.0.0.${i}`));
  assert.deepEqual(s.map((x) => served(h, x)), [true, true, false, false]);
  // 3 connections in a 1 s window against 2/s: the third waits (3 - 2) / 2 * 1000 ms.
  h.time.sleep(499);
  h.quotas.poll();
  assert.equal(served(h, s[2]!), false);
  h.time.sleep(1);
  h.quotas.poll();
  assert.equal(served(h, s[2]!), true);
  assert.equal(served(h, s[3]!), false, 'the fourth is recorded when it reaches the head, and waits its own delay');
  h.time.sleep(1000);
  h.quotas.poll();
  assert.equal(served(h, s[3]!), true);
  assert.ok(s.every((x) => !x.destroyed), 'throttled connections are delayed, never closed');
});

test('the inter-broker listener only counts against its own listener rate', async (t) => {
  const h = await harness(
    { maxConnectionCreationRate: 1, quotaWindowSizeMs: 1000, quotaWindowNum: 2, interBrokerListenerName: 'INTERNAL', listeners: new Map([['INTERNAL', { maxConnections: 2147483647, maxConnectionCreationRate: 1000 }]]) },
    { listeners: ['CLIENT', 'INTERNAL'] },
  );
  t.after(() => h.quotas.close());
  const internal = [1, 2, 3, 4, 5].map(() => h.connect('INTERNAL'));
  assert.ok(internal.every((x) => served(h, x)));
  const client = [1, 2].map(() => h.connect('CLIENT'));
  assert.deepEqual(client.map((x) => served(h, x)), [true, false], 'the broker-wide rate applies to the client listener');
});

test('dynamic changes: a lower max.connections closes the least recently used, a higher one serves the waiting', async (t) => {
  const h = await harness({ maxConnections: 3 });
  t.after(() => h.quotas.close());
  const s = [1, 2, 3, 4].map((i) => h.connect('PLAINTEXT', `10.0.0.${i}`));
  assert.equal(served(h, s[3]!), false);
  h.config.current = { ...h.config.current, maxConnections: 4 };
  h.quotas.poll();
  assert.equal(served(h, s[3]!), true);
  h.config.current = { ...h.config.current, maxConnections: 2 };
  h.quotas.poll();
  assert.equal(h.quotas.total, 2);
  assert.deepEqual(s.map((x) => x.destroyed), [true, true, false, false]);
});

test('waiting connections beyond the listen backlog are closed; close() drops those still waiting', async () => {
  const h = await harness({ maxConnections: 1 }, { maxWaiting: 2 });
  h.connect('PLAINTEXT');
  const w = [1, 2, 3].map(() => h.connect('PLAINTEXT'));
  assert.deepEqual(w.map((x) => x.destroyed), [false, false, true]);
  h.quotas.close();
  assert.deepEqual(w.map((x) => x.destroyed), [true, true, true]);
  const late = h.connect('PLAINTEXT');
  assert.equal(late.destroyed, true);
});

test('canonicalAddress: IPv4-mapped IPv6 as IPv4, IPv6 in one text form, the rest unchanged', () => {
  assert.equal(canonicalAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(canonicalAddress('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalAddress('FE80:0:0:0:0:0:0:A'), 'fe80::a');
  assert.equal(canonicalAddress('10.1.2.3'), '10.1.2.3');
});
