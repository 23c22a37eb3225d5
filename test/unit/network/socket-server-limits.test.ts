// Limits of the SocketServer through real loopback sockets: the first-request frame limit, connection quotas,
// socket buffer sizes and the request memory budget (queued.max.request.bytes) muting and resuming connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramePool } from '../../../src/network/frame-pool.ts';
import { UNLIMITED_CONNECTION_QUOTAS } from '../../../src/network/connection-quotas.ts';
import type { Connection } from '../../../src/network/connection.ts';
import type { RequestHandler } from '../../../src/network/request-handler.ts';
import type { SocketServer } from '../../../src/network/socket-server.ts';
import { loadSocketOptionsAddon } from '../../../src/network/socket-options-native.ts';
import type { OutputChunk } from '../../../src/protocol/writer.ts';
import { TestClient, deferred, startServer, waitFor, type Deferred } from './net-test-kit.ts';

const MiB = 1024 * 1024;
const echo: RequestHandler = { handleRequest: (frame) => [Buffer.from(`len:${frame.length}`)] };

function connectionOf(server: SocketServer, index: number): Connection {
  return [...server.connections][index]!;
}

test('before its first request is accepted a connection may send frames up to firstRequestMaxBytes only', async (t) => {
  const { server, port } = await startServer(echo, { firstRequestMaxBytes: 1000 });
  t.after(() => server.shutdown({ drainMs: 0 }));
  const stranger = await TestClient.connect(port);
  stranger.send(Buffer.alloc(1001));
  await stranger.waitClosed();
  assert.equal(stranger.responses.length, 0);

  const client = await TestClient.connect(port);
  client.send(Buffer.alloc(1000));
  await client.waitResponses(1);
  client.send(Buffer.alloc(600_000));
  const res = await client.waitResponses(2);
  assert.deepEqual(res.map((b) => b.toString()), ['len:1000', 'len:600000'], 'past the first request: socket.request.max.bytes');
  client.close();

  const rejected = await startServer({ handleRequest: () => { throw new Error('not a Kafka request'); } }, { firstRequestMaxBytes: 1000 });
  t.after(() => rejected.server.shutdown({ drainMs: 0 }));
  const garbage = await TestClient.connect(rejected.port);
  garbage.send(Buffer.alloc(10));
  await garbage.waitClosed();
});

test('max.connections.per.ip through real sockets: the connection over the limit is closed, the others served', async (t) => {
  const { server, port } = await startServer(echo, { connectionQuotas: () => ({ ...UNLIMITED_CONNECTION_QUOTAS, maxConnectionsPerIp: 2 }) });
  t.after(() => server.shutdown({ drainMs: 0 }));
  const a = await TestClient.connect(port);
  const b = await TestClient.connect(port);
  await waitFor(() => server.connectionCount === 2, 'two served');
  const c = await TestClient.connect(port);
  await c.waitClosed();
  a.send('x');
  b.send('y');
  await a.waitResponses(1);
  await b.waitResponses(1);
  assert.equal(server.connectionQuotas.countFor('127.0.0.1'), 2);
  a.close();
  b.close();
});

test('max.connections through real sockets: the next connection waits unread, then is served when one closes', async (t) => {
  const { server, port } = await startServer(echo, { connectionQuotas: () => ({ ...UNLIMITED_CONNECTION_QUOTAS, maxConnections: 1 }) });
  t.after(() => server.shutdown({ drainMs: 0 }));
  const a = await TestClient.connect(port);
  a.send('a');
  await a.waitResponses(1);
  const b = await TestClient.connect(port);
  b.send('b');
  await waitFor(() => server.connectionQuotas.waiting('PLAINTEXT') === 1, 'b waits');
  assert.equal(b.responses.length, 0);
  assert.equal(b.closed, false);
  a.close();
  assert.equal((await b.waitResponses(1))[0]!.toString(), 'len:1', 'b served, its request read once admitted');
  b.close();
});

test('socket.send.buffer.bytes / socket.receive.buffer.bytes set SO_SNDBUF / SO_RCVBUF (Linux reports twice the value)', { skip: loadSocketOptionsAddon() === null ? 'socket-options addon not built' : false }, async (t) => {
  const addon = loadSocketOptionsAddon()!;
  const { server, port } = await startServer(echo, { socketSendBufferBytes: 65536, socketReceiveBufferBytes: 131072 });
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  await waitFor(() => server.connectionCount === 1, 'served');
  assert.deepEqual(addon.bufferSizes(connectionOf(server, 0).socketFd), { send: 2 * 65536, receive: 2 * 131072 });
  client.close();

  const defaults = await startServer(echo, { socketSendBufferBytes: -1, socketReceiveBufferBytes: -1 });
  t.after(() => defaults.server.shutdown({ drainMs: 0 }));
  const other = await TestClient.connect(defaults.port);
  await waitFor(() => defaults.server.connectionCount === 1, 'served');
  const os = addon.bufferSizes(connectionOf(defaults.server, 0).socketFd);
  assert.notEqual(os.send, 2 * 65536, '-1 keeps the OS default');
  other.close();
});

/** A handler that parks every request until the test answers it; frames are recycled into the pool at the end. */
function parkingHandler(pool: FramePool): { handler: RequestHandler; parked: Array<{ frame: Buffer; answer: Deferred<OutputChunk[] | null> }> } {
  const parked: Array<{ frame: Buffer; answer: Deferred<OutputChunk[] | null> }> = [];
  const handler: RequestHandler = {
    handleRequest: (frame) => {
      if (frame.length < 100) return [Buffer.from(`len:${frame.length}`)];
      const answer = deferred<OutputChunk[] | null>();
      parked.push({ frame, answer });
      return answer.promise.then((r) => {
        pool.release(frame);
        return r;
      });
    },
  };
  return { handler, parked };
}

test('queued.max.request.bytes: a connection over the budget is muted, others keep going, it resumes when memory is released', async (t) => {
  const pool = new FramePool({ maxQueuedBytes: 8 * MiB, poison: true, minPooledBytes: 1 });
  const { handler, parked } = parkingHandler(pool);
  const { server, port } = await startServer(handler, { framePool: pool });
  t.after(() => server.shutdown({ drainMs: 0 }));

  const big = await TestClient.connect(port);
  big.send('hello');
  await big.waitResponses(1);
  const large = [3, 2, 1].map((n) => Buffer.alloc(3 * MiB, n));
  for (const p of large) big.send(p);
  await waitFor(() => parked.length === 1, 'the first 3 MiB frame is handled');
  await waitFor(() => connectionOf(server, 0).waitingForMemory, 'the second one is over the large-frame share (4 MiB): muted');
  assert.equal(pool.queuedBytes, 3 * MiB);

  const small = await TestClient.connect(port);
  small.send('hi');
  await small.waitResponses(1);
  small.send(Buffer.alloc(MiB, 7));
  await waitFor(() => parked.length === 2, 'a normal-size request on another connection is admitted meanwhile');
  assert.equal(pool.queuedBytes, 4 * MiB);

  parked[0]!.answer.resolve([Buffer.from('big-1')]);
  await waitFor(() => parked.length === 3, 'memory released: the muted connection resumes');
  assert.ok(parked[2]!.frame.every((b) => b === 2), 'frame intact after the wait');
  parked[1]!.answer.resolve([Buffer.from('small-1')]);
  parked[2]!.answer.resolve([Buffer.from('big-2')]);
  await waitFor(() => parked.length === 4, 'and its third frame');
  assert.ok(parked[3]!.frame.every((b) => b === 1), 'frame intact after the wait');
  parked[3]!.answer.resolve([Buffer.from('big-3')]);
  assert.deepEqual((await big.waitResponses(4)).map((b) => b.toString()), ['len:5', 'big-1', 'big-2', 'big-3']);
  assert.deepEqual((await small.waitResponses(2)).map((b) => b.toString()), ['len:2', 'small-1']);
  await waitFor(() => pool.queuedBytes === 0, 'every reservation ended');
  big.close();
  small.close();
});

test('a muted connection that closes gives its reservations back, and the partly received frame its memory', async (t) => {
  const pool = new FramePool({ maxQueuedBytes: 8 * MiB });
  const { handler, parked } = parkingHandler(pool);
  const { server, port } = await startServer(handler, { framePool: pool });
  t.after(() => server.shutdown({ drainMs: 0 }));
  const c = await TestClient.connect(port);
  c.send('hello');
  await c.waitResponses(1);
  const startOfFrame = (size: number): Buffer => {
    const b = Buffer.alloc(4 + 1000);
    b.writeInt32BE(size, 0);
    return b;
  };
  c.send(Buffer.alloc(5 * MiB));
  c.socket.write(startOfFrame(5 * MiB));
  await waitFor(() => parked.length === 1 && connectionOf(server, 0).waitingForMemory, 'muted with one frame handled');
  const partial = await TestClient.connect(port);
  partial.send('hello');
  await partial.waitResponses(1);
  partial.socket.write(startOfFrame(MiB));
  await waitFor(() => pool.queuedBytes === 6 * MiB, 'the partial frame holds its reservation');
  c.close();
  partial.close();
  // The muted connection reads nothing, so it sees its client leave only once it may read again (as in Kafka).
  await waitFor(() => server.connectionCount === 1, 'the partial one closed');
  assert.equal(pool.queuedBytes, 5 * MiB, 'only the request still in its handler holds memory');
  parked[0]!.answer.resolve(null);
  await waitFor(() => server.connectionCount === 0, 'the muted one resumed, read the end of its stream and closed');
  await waitFor(() => pool.queuedBytes === 0, 'every reservation ended');
  assert.equal(pool.waitingConnections, 0);
  assert.equal(parked.length, 1, 'the frame it was waiting for never reached the handler');
});
