import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { SocketServer } from '../../../src/network/socket-server.ts';
import type { RequestHandler } from '../../../src/network/request-handler.ts';
import type { OutputChunk } from '../../../src/protocol/writer.ts';
import { TestClient, deferred, startServer, waitFor } from './net-test-kit.ts';

const echo: RequestHandler = { handleRequest: (frame) => [Buffer.from(`re:${frame.toString()}`)] };

test('binds several listeners on port 0 and reports their ports; each accepts connections', async (t) => {
  const seen: string[] = [];
  const server = new SocketServer({
    listeners: [
      { name: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' },
      { name: 'CONTROLLER', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' },
    ],
    handler: {
      handleRequest: (frame, ctx) => {
        seen.push(ctx.listenerName);
        return [frame];
      },
    },
  });
  await server.start();
  t.after(() => server.shutdown({ drainMs: 0 }));
  const p1 = server.boundPort('PLAINTEXT');
  const p2 = server.boundPort('CONTROLLER');
  assert.ok(p1 > 0 && p2 > 0 && p1 !== p2);
  assert.throws(() => server.boundPort('NOPE'), /not bound/);
  const a = await TestClient.connect(p1);
  const b = await TestClient.connect(p2);
  a.send('1');
  b.send('2');
  await a.waitResponses(1);
  await b.waitResponses(1);
  assert.deepEqual(seen.sort(), ['CONTROLLER', 'PLAINTEXT']);
  assert.equal(server.connectionCountFor('PLAINTEXT'), 1);
  assert.equal(server.connectionCountFor('CONTROLLER'), 1);
  a.close();
  b.close();
});

test('start rejects a SASL listener without an authenticator, and SSL without a TLS context', async () => {
  const sasl = new SocketServer({
    listeners: [{ name: 'SECURE', host: '127.0.0.1', port: 0, securityProtocol: 'SASL_PLAINTEXT' }],
    handler: echo,
  });
  await assert.rejects(sasl.start(), /SASL_PLAINTEXT without a SASL authenticator/);
  const plaintext = new SocketServer({
    listeners: [{ name: 'PLAIN', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT', authenticator: () => ({ authenticate: () => ({ response: null, outcome: 'continue' }) }) }],
    handler: echo,
  });
  await assert.rejects(plaintext.start(), /PLAINTEXT cannot have a SASL authenticator/);
  const ssl = new SocketServer({
    listeners: [{ name: 'SECURE', host: '127.0.0.1', port: 0, securityProtocol: 'SSL' }],
    handler: echo,
  });
  await assert.rejects(ssl.start(), /SSL without a TLS context/);
});

test('start rejects a port in use and leaves nothing bound', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  t.after(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  const server = new SocketServer({
    listeners: [
      { name: 'A', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' },
      { name: 'B', host: '127.0.0.1', port, securityProtocol: 'PLAINTEXT' },
    ],
    handler: echo,
  });
  await assert.rejects(server.start(), /listener B: cannot bind/);
  const portA = server.boundPort('A');
  await assert.rejects(TestClient.connect(portA), /ECONNREFUSED/);
});

test('duplicate listener names are rejected', () => {
  assert.throws(
    () =>
      new SocketServer({
        listeners: [
          { name: 'X', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' },
          { name: 'X', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' },
        ],
        handler: echo,
      }),
    /duplicate listener/,
  );
});

test('connection metrics hooks and counts follow opens and closes', async (t) => {
  const events: string[] = [];
  const { server, port } = await startServer(echo, {
    metrics: {
      connectionOpened: (l) => events.push(`open:${l}`),
      connectionClosed: (l) => events.push(`close:${l}`),
    },
  });
  t.after(() => server.shutdown({ drainMs: 0 }));
  const a = await TestClient.connect(port);
  const b = await TestClient.connect(port);
  await waitFor(() => server.connectionCount === 2, 'two connections');
  a.close();
  await waitFor(() => server.connectionCount === 1, 'one left');
  assert.deepEqual(events, ['open:PLAINTEXT', 'open:PLAINTEXT', 'close:PLAINTEXT']);
  b.close();
});

test('stopAccepting refuses new connections while existing ones keep working', async (t) => {
  const { server, port } = await startServer(echo);
  t.after(() => server.shutdown({ drainMs: 0 }));
  const client = await TestClient.connect(port);
  server.stopAccepting();
  await assert.rejects(TestClient.connect(port), /ECONNREFUSED/);
  client.send('still here');
  assert.equal((await client.waitResponses(1))[0]!.toString(), 're:still here');
  client.close();
});

test('shutdown finishes in-flight requests, writes their responses, then closes', async (t) => {
  const pending = deferred<OutputChunk[] | null>();
  let calls = 0;
  const { server, port } = await startServer({
    handleRequest: () => {
      calls++;
      return pending.promise;
    },
  });
  const client = await TestClient.connect(port);
  client.send('in flight');
  await waitFor(() => calls === 1, 'dispatched');
  const done = server.shutdown({ drainMs: 10000 });
  pending.resolve([Buffer.from('answered')]);
  await done;
  await client.waitClosed();
  assert.deepEqual(client.responses.map((b) => b.toString()), ['answered']);
  assert.equal(server.connectionCount, 0);
  t.diagnostic('drained');
});

test('shutdown destroys connections still busy after drainMs', async () => {
  let calls = 0;
  const { server, port } = await startServer({
    handleRequest: () => {
      calls++;
      return new Promise<null>(() => {});
    },
  });
  const client = await TestClient.connect(port);
  client.send('never answered');
  await waitFor(() => calls === 1, 'dispatched');
  await server.shutdown({ drainMs: 50 });
  await client.waitClosed();
  assert.equal(server.connectionCount, 0);
});

test("sendfile 'off' never uses the addon", async (t) => {
  const { server } = await startServer(echo, { sendfile: 'off' });
  t.after(() => server.shutdown({ drainMs: 0 }));
  assert.equal(server.sendfileEnabled, false);
});
