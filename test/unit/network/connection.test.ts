import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Connection } from '../../../src/network/connection.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import type { RequestContext, RequestHandler } from '../../../src/network/request-handler.ts';
import type { OutputChunk } from '../../../src/protocol/writer.ts';
import { TestClient, deferred, startServer, waitFor, type Deferred } from './net-test-kit.ts';

/** A handler whose every call is recorded and answered by the test through a deferred. */
class ControlledHandler implements RequestHandler {
  readonly calls: Array<{ frame: Buffer; ctx: RequestContext; reply: Deferred<OutputChunk[] | null> }> = [];
  closed: RequestContext[] = [];

  handleRequest(frame: Buffer, ctx: RequestContext): Promise<OutputChunk[] | null> {
    const reply = deferred<OutputChunk[] | null>();
    this.calls.push({ frame: Buffer.from(frame), ctx, reply });
    return reply.promise;
  }

  connectionClosed(ctx: RequestContext): void {
    this.closed.push(ctx);
  }
}

/** A handler that answers synchronously from a function of the frame text. */
function syncHandler(fn: (text: string, ctx: RequestContext) => OutputChunk[] | null): RequestHandler {
  return { handleRequest: (frame, ctx) => fn(frame.toString(), ctx) };
}

const echo = syncHandler((text) => [Buffer.from(`re:${text}`)]);

test('pipelined requests are all dispatched before any completes, and answered in request order', async (t) => {
  const handler = new ControlledHandler();
  const { server, port } = await startServer(handler);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  for (let i = 0; i < 5; i++) client.send(`req${i}`);
  await waitFor(() => handler.calls.length === 5, 'all 5 requests dispatched');
  assert.deepEqual(handler.calls.map((c) => c.frame.toString()), ['req0', 'req1', 'req2', 'req3', 'req4']);
  // Complete them in reverse order; responses must still come in request order.
  for (let i = 4; i >= 1; i--) handler.calls[i]!.reply.resolve([Buffer.from(`res${i}`)]);
  await new Promise((r) => setImmediate(r));
  assert.equal(client.responses.length, 0, 'later responses wait for the first');
  handler.calls[0]!.reply.resolve([Buffer.from('res'), Buffer.from('0')]);
  const res = await client.waitResponses(5);
  assert.deepEqual(res.map((b) => b.toString()), ['res0', 'res1', 'res2', 'res3', 'res4']);
  client.close();
});

test('null responses are skipped in the order', async (t) => {
  const handler = syncHandler((text) => (text.startsWith('quiet') ? null : [Buffer.from(`re:${text}`)]));
  const { server, port } = await startServer(handler);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  for (const m of ['a', 'quiet1', 'b', 'quiet2', 'quiet3', 'c']) client.send(m);
  const res = await client.waitResponses(3);
  assert.deepEqual(res.map((b) => b.toString()), ['re:a', 're:b', 're:c']);
  client.send('d');
  assert.equal((await client.waitResponses(4))[3]!.toString(), 're:d');
  client.close();
});

test('the request context describes the connection and the handler sees the frame without size prefix', async (t) => {
  let seen: { frame: string; ctx: RequestContext } | undefined;
  const handler = syncHandler((text, ctx) => {
    seen = { frame: text, ctx };
    return [Buffer.from('ok')];
  });
  const { server, port } = await startServer(handler);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  client.send('hello');
  await client.waitResponses(1);
  assert.equal(seen!.frame, 'hello');
  assert.equal(seen!.ctx.listenerName, 'PLAINTEXT');
  assert.equal(seen!.ctx.securityProtocol, 'PLAINTEXT');
  assert.equal(seen!.ctx.clientAddress, '127.0.0.1');
  assert.equal(seen!.ctx.clientPort, client.socket.localPort);
  assert.match(seen!.ctx.connectionId, new RegExp(`^127\\.0\\.0\\.1:${port}-127\\.0\\.0\\.1:${client.socket.localPort}-\\d+$`));
  client.close();
});

test('a handler that throws closes only that connection', async (t) => {
  const handler = syncHandler((text) => {
    if (text === 'boom') throw new Error('cannot parse');
    return [Buffer.from(`re:${text}`)];
  });
  const { server, port } = await startServer(handler);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const bad = await TestClient.connect(port);
  const good = await TestClient.connect(port);
  bad.send('x');
  bad.send('boom');
  bad.send('y');
  await bad.waitClosed();
  good.send('still');
  assert.equal((await good.waitResponses(1))[0]!.toString(), 're:still');
  await waitFor(() => server.connectionCount === 1, 'server forgot the closed connection');
  good.close();
});

test('a handler that rejects closes only that connection, after answering the requests before it', async (t) => {
  const handler = new ControlledHandler();
  const { server, port } = await startServer(handler);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const bad = await TestClient.connect(port);
  const good = await TestClient.connect(port);
  bad.send('1');
  bad.send('2');
  bad.send('3');
  await waitFor(() => handler.calls.length === 3, 'three requests');
  handler.calls[1]!.reply.reject(new Error('broken'));
  // Kafka answers a connection's requests one at a time: the one before the bad request is answered, the ones
  // after it are not, then the connection closes.
  handler.calls[2]!.reply.resolve([Buffer.from('after')]);
  handler.calls[0]!.reply.resolve([Buffer.from('before')]);
  await bad.waitClosed();
  assert.deepEqual(bad.responses.map((r) => r.toString()), ['before']);
  good.send('g');
  await waitFor(() => handler.calls.length === 4, 'good request');
  handler.calls[3]!.reply.resolve([Buffer.from('fine')]);
  assert.equal((await good.waitResponses(1))[0]!.toString(), 'fine');
  assert.equal(handler.closed.length, 1, 'connectionClosed hook called once');
  good.close();
});

test('an oversized frame closes only that connection while another keeps working', async (t) => {
  const { server, port } = await startServer(echo, { socketRequestMaxBytes: 1024 });
  t.after(() => server.shutdown({ drainMs: 0 }));
  const bad = await TestClient.connect(port);
  const good = await TestClient.connect(port);
  bad.send('fits');
  await bad.waitResponses(1);
  const header = Buffer.alloc(4);
  header.writeInt32BE(1025, 0);
  bad.socket.write(header);
  await bad.waitClosed();
  good.send(Buffer.alloc(1024, 0x61));
  assert.equal((await good.waitResponses(1))[0]!.length, 3 + 1024);
  good.close();
});

test('a negative size (garbage) closes the connection', async (t) => {
  const { server, port } = await startServer(echo);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const bad = await TestClient.connect(port);
  bad.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xf0, 1, 2, 3]));
  await bad.waitClosed();
  assert.equal(bad.responses.length, 0);
});

test('idle connections are closed after connections.max.idle.ms, busy ones are not', async (t) => {
  const handler = new ControlledHandler();
  const { server, port } = await startServer(handler, { connectionsMaxIdleMs: 150 });
  t.after(() => server.shutdown({ drainMs: 0 }));
  const busy = await TestClient.connect(port);
  busy.send('long poll');
  await waitFor(() => handler.calls.length === 1, 'busy request dispatched');
  const idle = await TestClient.connect(port);
  const idleSince = Date.now();
  await idle.waitClosed();
  assert.ok(Date.now() - idleSince >= 100, 'not closed before the idle timeout');
  // busy has been connected longer than idle, but a request is being handled.
  assert.equal(busy.closed, false);
  handler.calls[0]!.reply.resolve([Buffer.from('done')]);
  assert.equal((await busy.waitResponses(1))[0]!.toString(), 'done');
  await busy.waitClosed();
});

test('at most maxInFlightRequestsPerConnection requests are outstanding; the rest wait, in order', async (t) => {
  const handler = new ControlledHandler();
  const { server, port } = await startServer(handler, { maxInFlightRequestsPerConnection: 3 });
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  for (let i = 0; i < 10; i++) client.send(`r${i}`);
  let answered = 0;
  while (answered < 10) {
    await waitFor(() => handler.calls.length > answered, `request ${answered} dispatched`);
    assert.ok(handler.calls.length - answered <= 3, `outstanding ${handler.calls.length - answered} > 3`);
    handler.calls[answered]!.reply.resolve([Buffer.from(`a${answered}`)]);
    answered++;
    await client.waitResponses(answered);
  }
  assert.deepEqual(client.responses.map((b) => b.toString()), Array.from({ length: 10 }, (_, i) => `a${i}`));
  client.close();
});

test('a client that does not read: the server stops reading from it, then serves everything once it reads', async (t) => {
  const responseBytes = 256 * 1024;
  const requestBytes = 64 * 1024;
  const requests = 1000;
  let calls = 0;
  const response = Buffer.alloc(responseBytes, 0x72);
  const handler = syncHandler((text) => {
    if (text === 'ping') return [Buffer.from('pong')];
    calls++;
    return [response];
  });
  // A pipelining limit far above the request count: only write-side backpressure can stop the reading.
  const { server, port } = await startServer(handler, { maxInFlightRequestsPerConnection: 100000 });
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  const clock = await TestClient.connect(port);
  client.socket.pause();
  const payload = Buffer.alloc(requestBytes, 0x71);
  for (let i = 0; i < requests; i++) client.send(payload);
  // The other connection is the clock: while it completes round trips the server's event loop also serves
  // every readable socket, so once the stuck client's count stops moving across a batch of round trips, the
  // server has stopped reading it (nothing here depends on wall-clock time).
  let pings = 0;
  const roundTrips = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i++) {
      clock.send('ping');
      await clock.waitResponses(++pings);
    }
  };
  await waitFor(() => calls > 0, 'first requests handled');
  let before = -1;
  const deadline = Date.now() + 20000;
  while (before !== calls) {
    assert.ok(Date.now() < deadline, 'server never stopped reading');
    before = calls;
    await roundTrips(20);
  }
  await roundTrips(100);
  assert.equal(calls, before, 'still not reading');
  assert.ok(calls < 100, `server kept reading: ${calls} requests handled`);
  assert.ok(client.socket.writableLength > 0, 'requests still queued on the client');
  client.socket.resume();
  await client.waitResponses(requests, 30000);
  assert.equal(calls, requests);
  assert.equal(client.responses.every((r) => r.length === responseBytes), true);
  client.close();
  clock.close();
});

test('closeConnection() lets in-flight responses out, then closes', async (t) => {
  const handler = syncHandler((text, ctx) => {
    if (text === 'bye') ctx.closeConnection();
    return [Buffer.from(`re:${text}`)];
  });
  const { server, port } = await startServer(handler);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  client.send('a');
  client.send('bye');
  await client.waitClosed();
  assert.deepEqual(client.responses.map((b) => b.toString()), ['re:a', 're:bye']);
});

test('a client that half-closes still gets its responses', async (t) => {
  const handler = new ControlledHandler();
  const { server, port } = await startServer(handler);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  client.send('last');
  client.socket.end();
  await waitFor(() => handler.calls.length === 1, 'dispatched');
  handler.calls[0]!.reply.resolve([Buffer.from('answer')]);
  await client.waitClosed();
  assert.deepEqual(client.responses.map((b) => b.toString()), ['answer']);
});

test('large in-memory responses made of many chunks arrive intact', async (t) => {
  const parts = Array.from({ length: 64 }, (_, i) => Buffer.alloc(16 * 1024 + i, i));
  const handler = syncHandler(() => parts);
  const { server, port } = await startServer(handler);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  for (let i = 0; i < 8; i++) client.send('x');
  const res = await client.waitResponses(8);
  const expected = Buffer.concat(parts);
  for (const r of res) assert.ok(r.equals(expected));
  client.close();
});

test('a client that half-closes with more requests queued than the pipelining limit gets every response', async (t) => {
  const { server, port } = await startServer(echo, { maxInFlightRequestsPerConnection: 2 });
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  for (let i = 0; i < 7; i++) client.send(`m${i}`);
  client.socket.end();
  await client.waitClosed();
  assert.deepEqual(client.responses.map((b) => b.toString()), Array.from({ length: 7 }, (_, i) => `re:m${i}`));
});

test('requests are read into frames of their own: large ones intact at their exact size, kept ones never overwritten', async (t) => {
  const kept: Buffer[] = [];
  const handler: RequestHandler = {
    handleRequest: (frame) => {
      kept.push(frame);
      return [Buffer.from(`len:${frame.length}`)];
    },
  };
  const { server, port } = await startServer(handler);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  const payloads: Buffer[] = [];
  // The first request is small and answered before the rest are sent, as a client's ApiVersions: larger frames are
  // accepted once the handler accepted a request (see Connection).
  for (let i = 0; i < 40; i++) {
    const size = i % 4 === 1 ? 1_000_000 + i : 10 + i * 37;
    const p = Buffer.alloc(size);
    for (let j = 0; j < size; j += 101) p[j] = (i * 31 + j) & 0xff;
    payloads.push(p);
    client.send(p);
    if (i === 0) await client.waitResponses(1);
  }
  const res = await client.waitResponses(40, 30000);
  assert.deepEqual(res.map((b) => b.toString()), payloads.map((p) => `len:${p.length}`));
  for (let i = 0; i < 40; i++) {
    assert.ok(kept[i]!.equals(payloads[i]!), `request ${i} intact after all the later reads`);
    if (payloads[i]!.length >= 1_000_000) assert.equal(kept[i]!.buffer.byteLength, payloads[i]!.length, `request ${i} has its own buffer`);
  }
  client.close();
});

test('a socket from a pauseOnConnect server is adopted for reads into frames, and still sees the client half-close', async (t) => {
  const accepted = deferred<Connection>();
  const closed = deferred<void>();
  const srv = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => {
    accepted.resolve(new Connection({
      socket,
      connectionId: 'c1',
      listenerName: 'PLAINTEXT',
      securityProtocol: 'PLAINTEXT',
      handler: echo,
      maxFrameBytes: 1 << 20,
      maxInFlightRequests: 10,
      idleTimeoutMs: 0,
      sendfileAddon: null,
      readIntoFrames: true,
      logger: rootLogger.child({ component: 'test' }),
      onClose: () => closed.resolve(),
    }));
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => srv.close());
  const client = await TestClient.connect((srv.address() as { port: number }).port);
  const connection = await accepted.promise;
  assert.equal(connection.readsIntoFrames, true);
  client.send('one');
  client.send('two');
  client.socket.end();
  const res = await client.waitResponses(2);
  assert.deepEqual(res.map((b) => b.toString()), ['re:one', 're:two']);
  await closed.promise;
  await client.waitClosed();
});
