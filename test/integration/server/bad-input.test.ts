// Bad input on many raw TCP connections while a kafkajs producer keeps producing on its own connection. The broker
// runs as a child process so a crash would show. Each bad connection gets what Kafka gives it: ApiVersions above
// our max gets a v0 response with UNSUPPORTED_VERSION (35) and our ApiVersions range, on an open connection; an
// unknown api key, an unsupported version of any other API, a body that does not decode, a frame shorter than a
// header, a negative or absurd size are answered by closing the connection. Random frames and random byte streams
// never crash it. Meanwhile every produce succeeds and every record is there afterwards.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { startBrokerProcess, type BrokerProcess } from '../../helpers/broker.ts';
import { RawKafkaClient, type RawFrame } from '../../fixtures/e2e/raw-kafka-client.ts';
import { kcatConsumeAll } from '../../fixtures/e2e/kcat.ts';
import { apiVersionRanges } from '../../fixtures/e2e/api-versions.ts';

const UNSUPPORTED_VERSION = 35;
const WAIT_MS = 10_000;

/** A request header v1 (int16 key, int16 version, int32 correlation id, int16-length client id) + body. */
function request(apiKey: number, version: number, correlationId: number, body: Buffer = Buffer.alloc(0), headerV2 = false): Buffer {
  const clientId = Buffer.from('bad-input');
  const header = Buffer.alloc(8 + 2 + clientId.length + (headerV2 ? 1 : 0));
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  clientId.copy(header, 10);
  // Header v2 ends with an empty tagged-field section (a 0 varint).
  return Buffer.concat([header, body]);
}

/** A size-prefixed frame. */
function framed(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

function int32s(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeInt32BE(v, 4 * i));
  return b;
}

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(rand: () => number, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** Outcome of one bad connection: the frames it got, and whether the broker closed it within the wait. */
async function outcome(client: RawKafkaClient, waitMs = WAIT_MS): Promise<{ frames: RawFrame[]; closed: boolean }> {
  const frames: RawFrame[] = [];
  for (;;) {
    const f = await client.nextUnclaimed(waitMs);
    if (f === null) return { frames, closed: true };
    if (f === 'timeout') return { frames, closed: false };
    frames.push(f);
  }
}

/** Sends `bytes` on a fresh connection and expects the broker to close it without answering. */
async function expectClosed(port: number, bytes: Buffer, what: string): Promise<void> {
  const client = await RawKafkaClient.connect(port);
  try {
    client.send(bytes);
    const { frames, closed } = await outcome(client);
    assert.ok(closed, `${what}: connection not closed`);
    assert.deepEqual(frames, [], `${what}: got a response`);
  } finally {
    await client.close();
  }
}

describe('bad input never disturbs the broker or other clients', () => {
  let dataDir: string;
  let broker: BrokerProcess;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'kafka-e2e-bad-input-'));
    broker = await startBrokerProcess(dataDir);
  });
  after(async () => {
    await broker.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });

  test('ApiVersions above v4 gets a v0 UNSUPPORTED_VERSION response with our range; the connection stays usable', async () => {
    for (const [version, headerV2] of [[5, true], [99, true], [32767, false]] as const) {
      const client = await RawKafkaClient.connect(broker.port);
      try {
        client.sendFrame(request(18, version, 4242, Buffer.from([0x00, 0x00, 0x00]), headerV2));
        const f = await client.nextUnclaimed(WAIT_MS);
        assert.ok(f !== null && f !== 'timeout', `ApiVersions v${version}: no response`);
        // Response header v0 (correlation id only), then the v0 body: error, [api_key, min, max].
        assert.equal(f.correlationId, 4242);
        const body = f.payload.subarray(4);
        assert.equal(body.readInt16BE(0), UNSUPPORTED_VERSION);
        assert.equal(body.readInt32BE(2), 1);
        assert.deepEqual([body.readInt16BE(6), body.readInt16BE(8), body.readInt16BE(10)], [18, 0, 4]);
        assert.equal(body.length, 12);
        // The client retries on the same connection at a version we support (KIP-511).
        const retry = await client.request<{ errorCode: number; apiKeys: { apiKey: number }[] }>(18, 3, { clientSoftwareName: 'bad-input', clientSoftwareVersion: '1.0' });
        assert.equal(retry.errorCode, 0);
        assert.ok(retry.apiKeys.some((k) => k.apiKey === 0));
      } finally {
        await client.close();
      }
    }
  });

  test('unknown keys, unsupported versions, undecodable bodies and bad sizes close the connection', async (t) => {
    const ranges = await apiVersionRanges(broker.port);
    const max = (apiKey: number): number => ranges.get(apiKey)!.maxVersion;
    const cases: [string, Buffer][] = [
      ['unknown api key 999', framed(request(999, 0, 1))],
      ['api key -1', framed(request(-1, 0, 1))],
      ['ZooKeeper-era LeaderAndIsr (4), not served in KRaft', framed(request(4, 7, 1, Buffer.alloc(32)))],
      [`Metadata v${max(3) + 1}, above the maximum`, framed(request(3, max(3) + 1, 1, int32s(-1)))],
      [`Produce v${max(0) + 1}, above the maximum`, framed(request(0, max(0) + 1, 1, Buffer.alloc(16), true))],
      [`Fetch v${max(1) + 1}, above the maximum`, framed(request(1, max(1) + 1, 1, Buffer.alloc(40), true))],
      ['Metadata v99', framed(request(3, 99, 1, int32s(-1)))],
      ['Metadata v1 whose topic name runs past the frame', framed(request(3, 1, 1, Buffer.concat([int32s(1), Buffer.from([0x00, 0xc8]), Buffer.from('abc')])))],
      ['Metadata v4 with int32s where topic-name strings belong', framed(request(3, 4, 1, Buffer.concat([int32s(2, 7, 1), Buffer.from([1])])))],
      ['Produce v7 with an absurd records length', framed(request(0, 7, 1, Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.from([0, 1]), int32s(1000, 1), Buffer.from([0, 1, 0x74]), int32s(1, 0, 0x7ffffff0)])))],
      ['Metadata v12 with a malformed varint', framed(request(3, 12, 1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), true))],
      ['a frame shorter than a request header', framed(Buffer.from([0, 3, 0]))],
      ['an empty frame', framed(Buffer.alloc(0))],
      ['a negative size', int32s(-1)],
      ['size 0x7fffffff', Buffer.concat([int32s(0x7fffffff), Buffer.alloc(64)])],
      ['a size over socket.request.max.bytes', int32s(104857601)],
    ];
    // Below the minimum of an API whose range does not start at 0 (Kafka 4 dropped old versions of several).
    const withMin = [...ranges].find(([, r]) => r.minVersion > 0);
    if (withMin !== undefined) cases.push([`api ${withMin[0]} v${withMin[1].minVersion - 1}, below the minimum`, framed(request(withMin[0], withMin[1].minVersion - 1, 1, Buffer.alloc(16)))]);
    else t.diagnostic('every advertised api starts at v0: no below-minimum case');
    for (const [what, bytes] of cases) await expectClosed(broker.port, bytes, what);
  });

  test('a half-sent frame followed by the client closing its side: the broker closes too', async () => {
    const client = await RawKafkaClient.connect(broker.port);
    try {
      client.send(Buffer.concat([int32s(100), Buffer.alloc(10)]));
      client.socket.end();
      const { closed } = await outcome(client);
      assert.ok(closed);
    } finally {
      await client.close();
    }
  });

  // Kafka reads one request per connection at a time (the channel is muted until its response is sent), so a
  // request before a bad one is answered before the close. Known gap: src/network/connection.ts destroys the
  // connection as soon as a handler throws, dropping earlier responses not yet written.
  test('a request before a bad one on the same connection is still answered, then the connection closes', async () => {
    const client = await RawKafkaClient.connect(broker.port);
    try {
      client.send(Buffer.concat([framed(request(18, 2, 7)), framed(request(3, 99, 8))]));
      const { frames, closed } = await outcome(client);
      assert.ok(closed);
      assert.deepEqual(frames.map((f) => f.correlationId), [7]);
    } finally {
      await client.close();
    }
  });

  test('hundreds of random frames and byte streams while kafkajs produces: every send succeeds, nothing is lost', async () => {
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'undisturbed', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    let stop = false;
    let sent = 0;
    const failures: unknown[] = [];
    const producing = (async () => {
      while (!stop || sent < 2000) {
        const from = sent;
        try {
          const [r] = await producer.send({ topic: 'undisturbed', acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${from + i}`, value: `value ${from + i}` })) });
          assert.equal(r!.errorCode, 0);
          assert.equal(r!.baseOffset, String(from));
          sent += 50;
        } catch (e) {
          failures.push(e);
          return;
        }
      }
    })();

    const rand = prng(0x5eed);
    let responses = 0;
    let closes = 0;
    for (let wave = 0; wave < 20; wave++) {
      const clients = await Promise.all(Array.from({ length: 25 }, () => RawKafkaClient.connect(broker.port)));
      clients.forEach((client, i) => {
        if (i % 5 === 4) {
          // Unframed garbage; the client then closes its side so a plausible-looking size cannot keep it waiting.
          client.send(randomBytes(rand, 1 + Math.floor(rand() * 300)));
          client.socket.end();
          return;
        }
        // A frame: random api key (often a real one), random version, random body.
        const payload = Buffer.concat([randomBytes(rand, 2), Buffer.from([0, Math.floor(rand() * 20)]), int32s(1000 + i), randomBytes(rand, Math.floor(rand() * 200))]);
        if (rand() < 0.5) payload.writeInt16BE(Math.floor(rand() * 70), 0);
        client.sendFrame(payload);
        client.socket.end();
      });
      for (const client of clients) {
        const { frames, closed } = await outcome(client);
        assert.ok(closed, 'a bad connection was left open after the client closed its side');
        for (const f of frames) assert.ok(f.correlationId >= 1000 && f.correlationId < 1025, `response with correlation id ${f.correlationId}`);
        responses += frames.length;
        closes++;
        await client.close();
      }
    }
    stop = true;
    await producing;
    await producer.disconnect();
    assert.deepEqual(failures, []);
    assert.equal(closes, 500);
    assert.ok(responses < closes, 'random input is mostly rejected');

    assert.equal(broker.child.exitCode, null, 'the broker process is still running');
    const got = await kcatConsumeAll(broker.bootstrap, 'undisturbed', 0);
    assert.equal(got.length, sent);
    got.forEach((r, i) => {
      assert.equal(r.offset, i);
      assert.equal(r.key!.toString(), `k${i}`);
      assert.equal(r.value!.toString(), `value ${i}`);
    });
    // And it still shuts down cleanly.
    assert.equal(await broker.kill('SIGTERM'), 0);
  });
});
