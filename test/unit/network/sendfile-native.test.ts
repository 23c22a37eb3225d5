import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { loadSendfileAddon, type SendfileAddon } from '../../../src/network/sendfile-native.ts';
import { makeTempFile, waitFor } from './net-test-kit.ts';

const addon = loadSendfileAddon();
const skip = addon === null ? 'sendfile addon not built (npm install builds native/)' : false;

/** A connected pair: `sender` is the accepted server side (its fd is used), `receiver` the client. */
async function socketPair(): Promise<{ sender: net.Socket; receiver: net.Socket; fd: number; received: Buffer[]; close(): void }> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const receiver = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  const sender = await accepted;
  await new Promise<void>((r) => (receiver.connecting ? receiver.once('connect', () => r()) : r()));
  const received: Buffer[] = [];
  receiver.on('data', (b: Buffer) => received.push(b));
  const fd = (sender as unknown as { _handle: { fd: number } })._handle.fd;
  return {
    sender,
    receiver,
    fd,
    received,
    close() {
      sender.destroy();
      receiver.destroy();
      server.close();
    },
  };
}

function receivedBytes(parts: Buffer[]): number {
  return parts.reduce((n, b) => n + b.length, 0);
}

test('the addon loads on Linux and exposes its status codes', { skip }, () => {
  const a = addon as SendfileAddon;
  assert.equal(typeof a.trySendfile, 'function');
  assert.equal(typeof a.sendfile, 'function');
  assert.equal(a.EAGAIN, 11);
  assert.deepEqual([a.STATUS_DONE, a.STATUS_EOF, a.STATUS_STALLED, a.STATUS_YIELDED], [0, 1, 2, 3]);
});

test('trySendfile sends a file region byte-exact and returns 0 at end of file', { skip }, async (t) => {
  const a = addon as SendfileAddon;
  const file = makeTempFile(100000);
  const pair = await socketPair();
  t.after(() => {
    pair.close();
    file.cleanup();
  });
  assert.equal(a.trySendfile(pair.fd, file.fd, 1000, 50000), 50000);
  await waitFor(() => receivedBytes(pair.received) === 50000, 'bytes received');
  assert.ok(Buffer.concat(pair.received).equals(file.data.subarray(1000, 51000)));
  assert.equal(a.trySendfile(pair.fd, file.fd, 100000, 10), 0, 'nothing left at EOF');
  assert.equal(a.trySendfile(pair.fd, file.fd, 99990, 100), 10, 'short at EOF');
});

test('trySendfile returns -EAGAIN when the peer does not read, and -errno on a bad fd', { skip }, async (t) => {
  const a = addon as SendfileAddon;
  const file = makeTempFile(64 * 1024 * 1024);
  const pair = await socketPair();
  t.after(() => {
    pair.close();
    file.cleanup();
  });
  pair.receiver.pause();
  let offset = 0;
  let r = 0;
  while ((r = a.trySendfile(pair.fd, file.fd, offset, file.data.length - offset)) > 0) offset += r;
  assert.equal(r, -a.EAGAIN);
  assert.ok(offset > 0 && offset < file.data.length);
  assert.equal(a.trySendfile(pair.fd, 1 << 20, 0, 10), -9, '-EBADF');
});

test('async sendfile reports STALLED when the peer stops reading, then DONE once it reads', { skip }, async (t) => {
  const a = addon as SendfileAddon;
  const size = 32 * 1024 * 1024;
  const file = makeTempFile(size);
  const pair = await socketPair();
  t.after(() => {
    pair.close();
    file.cleanup();
  });
  pair.receiver.pause();
  const first = await new Promise<[number, number]>((resolve) =>
    a.sendfile(pair.fd, file.fd, 0, size, 20, 10000, (status, sent) => resolve([status, sent])),
  );
  assert.equal(first[0], a.STATUS_STALLED);
  assert.ok(first[1] > 0 && first[1] < size);
  pair.receiver.resume();
  let offset = first[1];
  for (;;) {
    const [status, sent] = await new Promise<[number, number]>((resolve) =>
      a.sendfile(pair.fd, file.fd, offset, size - offset, 5000, 10000, (s, n) => resolve([s, n])),
    );
    offset += sent;
    if (status === a.STATUS_DONE) break;
    assert.equal(status, a.STATUS_YIELDED);
  }
  assert.equal(offset, size);
  await waitFor(() => receivedBytes(pair.received) === size, 'all bytes received');
  assert.ok(Buffer.concat(pair.received).equals(file.data));
});

test('async sendfile reports EOF for a region past the end of the file, and -EPIPE/-ECONNRESET after the peer left', { skip }, async (t) => {
  const a = addon as SendfileAddon;
  const file = makeTempFile(1000);
  const pair = await socketPair();
  t.after(() => {
    pair.close();
    file.cleanup();
  });
  const [status, sent] = await new Promise<[number, number]>((resolve) =>
    a.sendfile(pair.fd, file.fd, 500, 1000, 1000, 1000, (s, n) => resolve([s, n])),
  );
  assert.equal(status, a.STATUS_EOF);
  assert.equal(sent, 500);
  pair.receiver.resetAndDestroy();
  const big = makeTempFile(16 * 1024 * 1024);
  t.after(() => big.cleanup());
  let result = 0;
  await waitFor(() => {
    // Keep sending until the kernel noticed the reset.
    result = a.trySendfile(pair.fd, big.fd, 0, big.data.length);
    return result < 0 && result !== -a.EAGAIN;
  }, 'send error after reset');
  assert.ok(result === -32 || result === -104, `errno ${-result}`);
});
