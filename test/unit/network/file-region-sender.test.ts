import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { RequestHandler } from '../../../src/network/request-handler.ts';
import { loadSendfileAddon } from '../../../src/network/sendfile-native.ts';
import type { SendfileMode } from '../../../src/network/socket-server.ts';
import type { ExternalRecords, FileRegion, OutputChunk } from '../../../src/protocol/writer.ts';
import { TestClient, deferred, externalRecords, makeTempFile, startServer, waitFor } from './net-test-kit.ts';

const modes: Array<{ mode: SendfileMode; skip: string | false }> = [
  { mode: 'on', skip: loadSendfileAddon() === null ? 'sendfile addon not built' : false },
  { mode: 'off', skip: false },
];

/** Expected bytes of a chunk list whose ExternalRecords point into `data`. */
function expectedBytes(chunks: OutputChunk[], data: Buffer): Buffer {
  return Buffer.concat(
    chunks.flatMap((c) => (Buffer.isBuffer(c) ? [c] : c.regions.map((r) => data.subarray(r.position, r.position + r.length)))),
  );
}

/** Seeded random regions of a file of `size` bytes. */
function randomRegions(fd: number, size: number, count: number, maxLength: number, seed: number): FileRegion[] {
  let s = seed;
  const rnd = (n: number): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  const regions: FileRegion[] = [];
  for (let i = 0; i < count; i++) {
    const length = 1 + rnd(maxLength);
    // Every fourth region continues the previous one (coalescing path).
    const prev = regions[regions.length - 1];
    const position = i % 4 === 3 && prev !== undefined && prev.position + prev.length + length <= size
      ? prev.position + prev.length
      : rnd(size - length);
    regions.push({ fd, position, length });
  }
  return regions;
}

for (const { mode, skip } of modes) {
  test(`[sendfile ${mode}] many small regions interleaved with in-memory chunks arrive byte-exact; each released once`, { skip }, async (t) => {
    const file = makeTempFile(4 * 1024 * 1024);
    const counter = { released: 0 };
    let externals = 0;
    let seed = 1;
    const sent: OutputChunk[][] = [];
    const handler: RequestHandler = {
      handleRequest() {
        const chunks: OutputChunk[] = [Buffer.from('header')];
        for (let i = 0; i < 20; i++) {
          chunks.push(externalRecords(randomRegions(file.fd, file.data.length, 1 + (i % 7), 3000, seed++), counter));
          externals++;
          chunks.push(Buffer.from(`partition-${i}`));
        }
        sent.push(chunks);
        return chunks;
      },
    };
    const { server, port } = await startServer(handler, { sendfile: mode });
    t.after(async () => {
      await server.shutdown({ drainMs: 0 });
      file.cleanup();
    });
    assert.equal(server.sendfileEnabled, mode === 'on');
    const client = await TestClient.connect(port);
    for (let i = 0; i < 50; i++) client.send('fetch');
    const res = await client.waitResponses(50);
    for (let i = 0; i < 50; i++) assert.ok(res[i]!.equals(expectedBytes(sent[i]!, file.data)), `response ${i}`);
    assert.equal(counter.released, externals);
    client.close();
  });

  test(`[sendfile ${mode}] a region of a few MiB, pipelined, with the client reading slowly`, { skip }, async (t) => {
    const size = 8 * 1024 * 1024;
    const file = makeTempFile(size);
    const counter = { released: 0 };
    const handler: RequestHandler = {
      handleRequest: () => [Buffer.from('h'), externalRecords([{ fd: file.fd, position: 0, length: size }], counter)],
    };
    const { server, port } = await startServer(handler, { sendfile: mode });
    t.after(async () => {
      await server.shutdown({ drainMs: 0 });
      file.cleanup();
    });
    const client = await TestClient.connect(port);
    for (let i = 0; i < 3; i++) client.send('fetch');
    // Pause and resume reading a few times so the sender meets a full socket buffer.
    for (let i = 0; i < 4; i++) {
      client.socket.pause();
      await new Promise((r) => setImmediate(r));
      const seen = client.bytesReceived;
      client.socket.resume();
      await waitFor(() => client.bytesReceived > seen || client.responses.length === 3, 'progress');
    }
    const res = await client.waitResponses(3, 30000);
    const expected = Buffer.concat([Buffer.from('h'), file.data]);
    for (const r of res) assert.ok(r.equals(expected));
    assert.equal(counter.released, 3);
    client.close();
  });

  test(`[sendfile ${mode}] client disconnecting mid-send: every ExternalRecords released exactly once`, { skip }, async (t) => {
    const size = 32 * 1024 * 1024;
    const file = makeTempFile(size);
    const counter = { released: 0 };
    const late = deferred<OutputChunk[] | null>();
    let calls = 0;
    const handler: RequestHandler = {
      handleRequest() {
        calls++;
        // The 4th response completes only after the connection is gone.
        if (calls === 4) return late.promise;
        return [Buffer.from('h'), externalRecords([{ fd: file.fd, position: 0, length: size }], counter), Buffer.from('t')];
      },
    };
    const { server, port } = await startServer(handler, { sendfile: mode });
    t.after(async () => {
      await server.shutdown({ drainMs: 0 });
      file.cleanup();
    });
    const client = await TestClient.connect(port);
    for (let i = 0; i < 4; i++) client.send('fetch');
    await waitFor(() => client.bytesReceived > 1024 * 1024 && calls === 4, 'transfer under way');
    client.close();
    await waitFor(() => server.connectionCount === 0, 'server closed the connection');
    await waitFor(() => counter.released === 3, 'three responses released');
    late.resolve([externalRecords([{ fd: file.fd, position: 0, length: 10 }], counter)]);
    await waitFor(() => counter.released === 4, 'the late response released');
    await new Promise((r) => setImmediate(r));
    assert.equal(counter.released, 4);
  });

  test(`[sendfile ${mode}] a file shorter than the region closes the connection; released once`, { skip }, async (t) => {
    const file = makeTempFile(100000);
    const counter = { released: 0 };
    const handler: RequestHandler = {
      handleRequest: (frame) =>
        frame.toString() === 'ok'
          ? [Buffer.from('fine')]
          : [Buffer.from('h'), externalRecords([{ fd: file.fd, position: 50000, length: 60000 }], counter)],
    };
    const { server, port } = await startServer(handler, { sendfile: mode });
    t.after(async () => {
      await server.shutdown({ drainMs: 0 });
      file.cleanup();
    });
    const other = await TestClient.connect(port);
    const client = await TestClient.connect(port);
    client.send('truncated');
    await client.waitClosed();
    assert.equal(client.responses.length, 0, 'no complete (corrupt) response');
    await waitFor(() => counter.released === 1, 'released');
    other.send('ok');
    assert.equal((await other.waitResponses(1))[0]!.toString(), 'fine');
    other.close();
  });

  test(`[sendfile ${mode}] sizeInBytes disagreeing with the regions closes the connection`, { skip }, async (t) => {
    const file = makeTempFile(1000);
    let released = 0;
    const bad: ExternalRecords = {
      sizeInBytes: 99,
      regions: [{ fd: file.fd, position: 0, length: 100 }],
      release: () => released++,
    };
    const { server, port } = await startServer({ handleRequest: () => [bad] }, { sendfile: mode });
    t.after(async () => {
      await server.shutdown({ drainMs: 0 });
      file.cleanup();
    });
    const client = await TestClient.connect(port);
    client.send('x');
    await client.waitClosed();
    await waitFor(() => released === 1, 'released');
  });

  test(`[sendfile ${mode}] empty ExternalRecords and zero-length regions are fine`, { skip }, async (t) => {
    const file = makeTempFile(1000);
    const counter = { released: 0 };
    const handler: RequestHandler = {
      handleRequest: () => [
        Buffer.from('a'),
        externalRecords([], counter),
        externalRecords([{ fd: file.fd, position: 10, length: 0 }, { fd: file.fd, position: 10, length: 5 }], counter),
        Buffer.from('z'),
      ],
    };
    const { server, port } = await startServer(handler, { sendfile: mode });
    t.after(async () => {
      await server.shutdown({ drainMs: 0 });
      file.cleanup();
    });
    const client = await TestClient.connect(port);
    client.send('x');
    const [r] = await client.waitResponses(1);
    assert.ok(r!.equals(Buffer.concat([Buffer.from('a'), file.data.subarray(10, 15), Buffer.from('z')])));
    assert.equal(counter.released, 2);
    client.close();
  });
}

test('a file deleted after open still serves its bytes (fd semantics)', async (t) => {
  const file = makeTempFile(10000);
  fs.unlinkSync(file.path);
  const counter = { released: 0 };
  const { server, port } = await startServer({
    handleRequest: () => [externalRecords([{ fd: file.fd, position: 0, length: 10000 }], counter)],
  });
  t.after(async () => {
    await server.shutdown({ drainMs: 0 });
    file.cleanup();
  });
  const client = await TestClient.connect(port);
  client.send('x');
  assert.ok((await client.waitResponses(1))[0]!.equals(file.data));
  client.close();
});

test('[sendfile on] uses sendfile on the JS thread and in the threadpool; a stalled reader goes through the probe path', { skip: modes[0]!.skip }, async (t) => {
  const addon = loadSendfileAddon()!;
  const original = { trySendfile: addon.trySendfile, sendfile: addon.sendfile };
  const stats = { tries: 0, jobs: 0, stalled: 0 };
  addon.trySendfile = (...args) => {
    stats.tries++;
    return original.trySendfile(...args);
  };
  addon.sendfile = (sock, file, offset, length, stallMs, sliceMs, cb) => {
    stats.jobs++;
    original.sendfile(sock, file, offset, length, stallMs, sliceMs, (status, sent) => {
      if (status === addon.STATUS_STALLED) stats.stalled++;
      cb(status, sent);
    });
  };
  const size = 32 * 1024 * 1024;
  const file = makeTempFile(size);
  const counter = { released: 0 };
  const { server, port } = await startServer(
    { handleRequest: () => [Buffer.from('h'), externalRecords([{ fd: file.fd, position: 0, length: size }], counter)] },
    { sendfile: 'on' },
  );
  t.after(async () => {
    Object.assign(addon, original);
    await server.shutdown({ drainMs: 0 });
    file.cleanup();
  });
  const client = await TestClient.connect(port);
  client.socket.pause();
  client.send('fetch');
  await waitFor(() => stats.stalled > 0, 'a sendfile job stalled on the non-reading client');
  client.socket.resume();
  const [r] = await client.waitResponses(1, 30000);
  assert.ok(r!.equals(Buffer.concat([Buffer.from('h'), file.data])));
  assert.ok(stats.tries > 0 && stats.jobs > 0);
  // The threadpool job reports completion after its bytes are in the socket: the client may see them first.
  await waitFor(() => counter.released === 1, 'the ExternalRecords released');
  assert.equal(counter.released, 1);
  client.close();
});
