// End-to-end transfers of file regions through the SocketServer over loopback TCP: large single regions and
// several concurrent connections (more than the threadpool job limit), with sendfile and with the fallback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { RequestHandler } from '../../../src/network/request-handler.ts';
import { loadSendfileAddon } from '../../../src/network/sendfile-native.ts';
import type { SendfileMode } from '../../../src/network/socket-server.ts';
import { TestClient, externalRecords, makeTempFile, startServer, waitFor } from '../../unit/network/net-test-kit.ts';

const MiB = 1024 * 1024;
const modes: Array<{ mode: SendfileMode; skip: string | false }> = [
  { mode: 'on', skip: loadSendfileAddon() === null ? 'sendfile addon not built' : false },
  { mode: 'off', skip: false },
];

function sha(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

for (const { mode, skip } of modes) {
  test(`[sendfile ${mode}] a 64 MiB region between two in-memory chunks arrives byte-exact`, { skip }, async (t) => {
    const file = makeTempFile(64 * MiB);
    const counter = { released: 0 };
    const handler: RequestHandler = {
      handleRequest: () => [
        Buffer.from('HEAD'),
        externalRecords([{ fd: file.fd, position: 0, length: 64 * MiB }], counter),
        Buffer.from('TAIL'),
      ],
    };
    const { server, port } = await startServer(handler, { sendfile: mode });
    t.after(async () => {
      await server.shutdown({ drainMs: 0 });
      file.cleanup();
    });
    const client = await TestClient.connect(port);
    client.send('fetch');
    const [r] = await client.waitResponses(1, 50000);
    assert.equal(r!.length, 64 * MiB + 8);
    assert.equal(r!.subarray(0, 4).toString(), 'HEAD');
    assert.equal(r!.subarray(r!.length - 4).toString(), 'TAIL');
    assert.equal(sha(r!.subarray(4, r!.length - 4)), sha(file.data));
    assert.equal(counter.released, 1);
    client.close();
  });

  test(`[sendfile ${mode}] six connections fetching 16 MiB each concurrently all get their bytes`, { skip }, async (t) => {
    const file = makeTempFile(16 * MiB);
    const counter = { released: 0 };
    const handler: RequestHandler = {
      handleRequest: (frame) => {
        const i = frame.readUInt8(0);
        // Each connection gets a different rotation of the file, as two regions.
        const cut = i * MiB;
        return [
          frame,
          externalRecords([
            { fd: file.fd, position: cut, length: 16 * MiB - cut },
            { fd: file.fd, position: 0, length: cut },
          ], counter),
        ];
      },
    };
    const { server, port } = await startServer(handler, { sendfile: mode });
    t.after(async () => {
      await server.shutdown({ drainMs: 0 });
      file.cleanup();
    });
    const clients = await Promise.all(Array.from({ length: 6 }, () => TestClient.connect(port)));
    clients.forEach((c, i) => {
      c.send(Buffer.from([i]));
      c.send(Buffer.from([i]));
    });
    await Promise.all(clients.map((c) => c.waitResponses(2, 50000)));
    clients.forEach((c, i) => {
      const expected = sha(Buffer.concat([file.data.subarray(i * MiB), file.data.subarray(0, i * MiB)]));
      for (const r of c.responses) {
        assert.equal(r[0], i);
        assert.equal(sha(r.subarray(1)), expected, `client ${i}`);
      }
      c.close();
    });
    await waitFor(() => counter.released === 12, 'all released');
  });
}
