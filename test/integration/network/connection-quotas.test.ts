// Kafka's connection quotas through a real broker and raw client sockets (each sends an ApiVersions request: an
// answer means the connection is served): max.connections.per.ip, max.connections with the inter-broker listener
// exempt, a dynamic update of max.connections.per.ip.overrides, and max.connection.creation.rate delays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, waitFor, type TestBroker } from '../../helpers/broker.ts';
import { apiVersionsV0Request } from './hostile-client.ts';

/** A raw client connection that sent ApiVersions; `answeredMs` is set when bytes come back. */
interface Probe {
  readonly socket: net.Socket;
  readonly startMs: number;
  answeredMs: number | null;
  closed: boolean;
}

async function probe(port: number): Promise<Probe> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const p: Probe = { socket, startMs: Date.now(), answeredMs: null, closed: false };
  socket.on('data', () => (p.answeredMs ??= Date.now()));
  socket.on('error', () => undefined);
  socket.on('close', () => (p.closed = true));
  socket.write(apiVersionsV0Request(7));
  return p;
}

/** ConfigResource type BROKER (kafkajs ConfigResourceTypes.BROKER). */
const BROKER = 4;

const settled = (p: Probe): boolean => p.answeredMs !== null || p.closed;

async function withBroker(t: { after(fn: () => Promise<void>): void }, overrides: Record<string, string>): Promise<TestBroker> {
  const broker = await startBroker({ overrides });
  t.after(() => broker.cleanup());
  return broker;
}

test('max.connections.per.ip: connections from an address past its limit are closed, the others served', async (t) => {
  const broker = await withBroker(t, { 'max.connections.per.ip': '3' });
  const probes: Probe[] = [];
  for (let i = 0; i < 4; i++) {
    probes.push(await probe(broker.port));
    await waitFor(`probe ${i} settled`, () => settled(probes[i]!));
  }
  assert.deepEqual(probes.map((p) => p.answeredMs !== null), [true, true, true, false]);
  assert.equal(probes[3]!.closed, true);
  probes[0]!.socket.destroy();
  await waitFor('a slot to free up', async () => {
    const again = await probe(broker.port);
    await waitFor('settled', () => settled(again));
    again.socket.destroy();
    return again.answeredMs !== null;
  });
  for (const p of probes) p.socket.destroy();
});

test('max.connections: the client listener waits at the limit; the inter-broker listener is served and an LRU client connection closed', async (t) => {
  const broker = await withBroker(t, {
    listeners: 'PLAINTEXT://127.0.0.1:0,CLIENT://127.0.0.1:0,CONTROLLER://127.0.0.1:0',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,CLIENT:PLAINTEXT',
    'max.connections': '2',
  });
  const clientPort = broker.server.boundPort('CLIENT');
  const c1 = await probe(clientPort);
  await waitFor('c1 served', () => c1.answeredMs !== null);
  const c2 = await probe(clientPort);
  await waitFor('c2 served', () => c2.answeredMs !== null);
  const c3 = await probe(clientPort);
  const internal = await probe(broker.port);
  await waitFor('the inter-broker connection served past max.connections', () => internal.answeredMs !== null);
  await waitFor('the least recently used client connection closed', () => c1.closed);
  assert.equal(c2.closed, false);
  assert.equal(c3.answeredMs, null, 'c3 still waits: two connections are open');
  assert.equal(c3.closed, false);
  internal.socket.destroy();
  await waitFor('c3 served once a slot is free', () => c3.answeredMs !== null);
  for (const p of [c2, c3]) p.socket.destroy();
});

test('max.connections.per.ip.overrides changed dynamically (AlterConfigs) applies to new connections', async (t) => {
  const broker = await withBroker(t, {});
  const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const alter = (value: string): Promise<void> =>
    admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER, name: '1', configEntries: [{ name: 'max.connections.per.ip.overrides', value }] }] });
  await assert.rejects(alter('no colon'), /Configuration is invalid/, 'INVALID_CONFIG, as for any bad value');
  const kept = await probe(broker.port);
  await waitFor('served', () => kept.answeredMs !== null);
  await alter('127.0.0.1:0');
  await waitFor('new connections from 127.0.0.1 refused', async () => {
    const p = await probe(broker.port);
    await waitFor('settled', () => settled(p));
    p.socket.destroy();
    return p.closed && p.answeredMs === null;
  });
  assert.equal(kept.closed, false, 'connections already open stay');
  await alter('127.0.0.1:1000');
  await waitFor('served again', async () => {
    const p = await probe(broker.port);
    await waitFor('settled', () => settled(p));
    p.socket.destroy();
    return p.answeredMs !== null;
  });
  kept.socket.destroy();
});

test('max.connection.creation.rate: connections past the rate are delayed by the throttle time, then served', async (t) => {
  // 2 connections/s over one 1 s window (+1 overlapping): the third waits (3 - 2) / 2 x 1 s, the fourth longer.
  const broker = await withBroker(t, { 'max.connection.creation.rate': '2', 'quota.window.num': '2' });
  const probes: Probe[] = [];
  for (let i = 0; i < 4; i++) probes.push(await probe(broker.port));
  await waitFor('all served', () => probes.every((p) => p.answeredMs !== null), 20_000);
  assert.ok(probes.every((p) => !p.closed), 'delayed, never closed');
  const waited = probes.map((p) => p.answeredMs! - p.startMs);
  t.diagnostic(`answered after ${waited.join(', ')} ms`);
  assert.ok(waited[2]! >= 400, `the third connection was delayed (${waited[2]} ms)`);
  assert.ok(waited[3]! >= waited[2]!, 'in order');
  for (const p of probes) p.socket.destroy();
});
