// Produce requests whose batches are written from the caller's Buffer (NodeConnection: records of 64 KiB and more
// are a chunk of their own, written with the encoded parts around them in one writev) reach the peer byte for byte,
// pipelined with requests encoded whole.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetworkClient } from '../../../src/network/network-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Writer } from '../../../src/protocol/writer.ts';
import { FakeKafkaPeer } from './fake-kafka-peer.ts';

/** Bytes that differ at every position (a shifted or truncated copy would not compare equal). */
function pattern(size: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

test('Writer: records from referenceRecordsFromBytes on are a chunk of their own (the same memory); smaller ones are copied', () => {
  const big = pattern(1000, 1);
  const small = pattern(999, 2);
  const w = new Writer(16, { referenceRecordsFromBytes: 1000 });
  w.writeInt32(7).writeRecords(small).writeCompactRecords(big).writeInt16(9);
  const chunks = w.chunks() as Buffer[];
  assert.equal(chunks.length, 3);
  assert.equal(chunks[1], big, 'the large records are the caller Buffer itself');
  const whole = Buffer.concat(chunks);
  const plain = new Writer().writeInt32(7).writeRecords(small).writeCompactRecords(big).writeInt16(9).toBuffer();
  assert.deepEqual(whole, plain, 'the pieces make the same bytes as a copying Writer');
  assert.throws(() => w.toBuffer(), /chunks\(\)/);
});

test('Produce requests with large and small records arrive intact, in order, on one connection', async (t) => {
  const peer = await FakeKafkaPeer.start({
    onRequest: (r) => r.respond({ responses: [{ name: 't', partitionResponses: [{ index: 0, errorCode: 0, baseOffset: 0n }] }], throttleTimeMs: 0 }),
  });
  t.after(() => peer.close());
  const client = new NetworkClient({ clientId: 'produce-records-test' });
  t.after(() => client.close());
  const node = { nodeId: 1, host: '127.0.0.1', port: peer.port };
  const payloads = [pattern(1024 * 1024, 3), pattern(100, 4), pattern(64 * 1024, 5), pattern(64 * 1024 - 1, 6), pattern(300 * 1024, 7)];
  const produce = (records: Buffer, version: number) =>
    client.send(node, ApiKeys.Produce, version, { transactionalId: null, acks: 1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records }] }] });
  // v8 (int32-prefixed records) and v9 (flexible: uvarint prefix), all in flight together.
  await Promise.all(payloads.map((p, i) => produce(p, i % 2 === 0 ? 9 : 8)));
  const received = peer.requests.filter((r) => r.header.requestApiKey === ApiKeys.Produce);
  assert.equal(received.length, payloads.length);
  received.forEach((r, i) => {
    const topicData = r.body['topicData'] as { partitionData: { records: Buffer }[] }[];
    assert.deepEqual(topicData[0]!.partitionData[0]!.records, payloads[i], `request ${i} carries its records unchanged`);
  });
});
