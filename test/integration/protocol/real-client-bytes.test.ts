import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { Reader, ZERO_UUID } from '../../../src/protocol/reader.ts';
import { Writer } from '../../../src/protocol/writer.ts';
import { decodeRequestHeader, peekRequestHeader, type RequestHeader } from '../../../src/protocol/request-header.ts';
import { encodeResponseHeader } from '../../../src/protocol/response-header.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import {
  API_MESSAGES,
  requestHeaderVersion,
  responseHeaderVersion,
} from '../../../src/protocol/generated/api-messages.ts';
import {
  encodeApiVersionsResponse,
  type ApiVersionsResponse,
} from '../../../src/protocol/generated/messages/api-versions-response.ts';
import type { ApiVersionsRequest } from '../../../src/protocol/generated/messages/api-versions-request.ts';
import type { MetadataRequest } from '../../../src/protocol/generated/messages/metadata-request.ts';
import { encodeMetadataResponse, type MetadataResponse } from '../../../src/protocol/generated/messages/metadata-response.ts';
import type { ProduceRequest } from '../../../src/protocol/generated/messages/produce-request.ts';
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce-response.ts';
import type { Input } from '../../../src/protocol/message-input.ts';

// A plain TCP listener that plays just enough broker for real clients to connect: it decodes their requests
// with our generated code, records them, and answers ApiVersions, Metadata and Produce with our encoders.

const require = createRequire(import.meta.url);

interface Captured {
  header: RequestHeader;
  body: Record<string, unknown>;
  /** The request frame without its size prefix. */
  frame: Buffer;
}

// Set to a folder to refresh test/fixtures/protocol: each first request per client and API is saved there.
const FIXTURES_OUT = process.env.PROTOCOL_FIXTURES_OUT;

function saveFixtures(client: string, captured: Captured[], onlyKey?: number): void {
  if (FIXTURES_OUT === undefined) return;
  const seen = new Set<number>();
  for (const c of captured) {
    if (seen.has(c.header.requestApiKey) || (onlyKey !== undefined && c.header.requestApiKey !== onlyKey)) continue;
    seen.add(c.header.requestApiKey);
    const name = `${client}-${API_MESSAGES.get(c.header.requestApiKey)!.name}-v${c.header.requestApiVersion}.hex`;
    writeFileSync(join(FIXTURES_OUT, name.toLowerCase()), c.frame.toString('hex') + '\n');
  }
}

const SUPPORTED: Input<ApiVersionsResponse>['apiKeys'] = [
  { apiKey: ApiKeys.Produce, minVersion: 3, maxVersion: 9 },
  { apiKey: ApiKeys.Fetch, minVersion: 4, maxVersion: 12 },
  { apiKey: ApiKeys.Metadata, minVersion: 0, maxVersion: 12 },
  { apiKey: ApiKeys.ApiVersions, minVersion: 0, maxVersion: 4 },
];

function metadataFor(port: number, version: number, topics: string[]): Input<MetadataResponse> {
  return {
    brokers: [{ nodeId: 1, host: '127.0.0.1', port, rack: null }],
    clusterId: 'real-bytes-cluster',
    controllerId: 1,
    topics: topics.map((name) => ({
      errorCode: 0,
      name,
      topicId: ZERO_UUID,
      isInternal: false,
      partitions: [{ errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] }],
      ...(version >= 8 ? { topicAuthorizedOperations: 0 } : {}),
    })),
  };
}

function answer(port: number, header: RequestHeader, body: Record<string, unknown>): Buffer | undefined {
  const { requestApiKey: key, requestApiVersion: version } = header;
  const api = API_MESSAGES.get(key)!;
  const w = new Writer();
  w.writeInt32(0);
  encodeResponseHeader(w, responseHeaderVersion(key, version), { correlationId: header.correlationId });
  if (key === ApiKeys.ApiVersions) {
    encodeApiVersionsResponse(w, version, { errorCode: 0, apiKeys: SUPPORTED, throttleTimeMs: 0 });
  } else if (key === ApiKeys.Metadata) {
    const req = body as unknown as MetadataRequest;
    const names = req.topics === null || req.topics.length === 0 ? ['alpha'] : req.topics.map((t) => t.name ?? '');
    encodeMetadataResponse(w, version, metadataFor(port, version, names));
  } else if (key === ApiKeys.Produce) {
    const req = body as unknown as ProduceRequest;
    const res: Input<ProduceResponse> = {
      responses: req.topicData.map((t) => ({
        name: t.name,
        partitionResponses: t.partitionData.map((p) => ({ index: p.index, errorCode: 0, baseOffset: 0n })),
      })),
    };
    api.encodeResponse(w, version, res);
  } else {
    return undefined;
  }
  w.patchInt32(0, w.length - 4);
  return Buffer.from(w.toBuffer());
}

function startBroker(captured: Captured[]): Promise<Server> {
  const serve = (socket: Socket, port: number): void => {
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        const { requestApiKey, requestApiVersion } = peekRequestHeader(frame);
        const r = new Reader(frame);
        const header = decodeRequestHeader(r, requestHeaderVersion(requestApiKey, requestApiVersion));
        const body = API_MESSAGES.get(requestApiKey)!.decodeRequest(r, requestApiVersion) as Record<string, unknown>;
        assert.equal(r.remaining, 0, 'the body decoder consumed the whole frame');
        captured.push({ header, body, frame: Buffer.from(frame) });
        const response = answer(port, header, body);
        if (response === undefined) socket.destroy();
        else socket.write(response);
      }
    });
    socket.on('error', () => socket.destroy());
  };
  return new Promise((resolve) => {
    const server = createServer((socket) => serve(socket, (server.address() as AddressInfo).port));
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function requestsOf(captured: Captured[], key: number): Captured[] {
  return captured.filter((c) => c.header.requestApiKey === key);
}

function runKcat(args: string[], input?: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const child = spawn('kcat', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`kcat exited with ${code}: ${stderr}`));
    });
    child.stdin.end(input ?? '');
  });
}

describe('bytes from real clients', () => {
  const captured: Captured[] = [];
  let server: Server;
  let port: number;

  before(async () => {
    server = await startBroker(captured);
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('kafkajs: ApiVersions v2, Metadata v6 and Produce v7 decode to what it sent', async () => {
    captured.length = 0;
    const { Kafka, logLevel } = require('kafkajs') as typeof import('kafkajs');
    const kafka = new Kafka({
      clientId: 'real-bytes-test',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = kafka.producer();
    await producer.connect();
    try {
      const result = await producer.send({ topic: 't1', messages: [{ key: 'k', value: 'hello' }] });
      assert.deepEqual(result.map((r) => [r.topicName, r.partition, r.errorCode]), [['t1', 0, 0]]);
    } finally {
      await producer.disconnect();
    }

    saveFixtures('kafkajs', captured);
    const [apiVersions] = requestsOf(captured, ApiKeys.ApiVersions);
    assert.equal(apiVersions!.header.requestApiVersion, 2);
    assert.equal(apiVersions!.header.clientId, 'real-bytes-test');
    assert.deepEqual(apiVersions!.body, { clientSoftwareName: '', clientSoftwareVersion: '' });

    const metadata = requestsOf(captured, ApiKeys.Metadata);
    assert.ok(metadata.length >= 1);
    assert.equal(metadata.at(-1)!.header.requestApiVersion, 6);
    const mdBody = metadata.at(-1)!.body as unknown as MetadataRequest;
    assert.deepEqual(mdBody.topics, [{ topicId: ZERO_UUID, name: 't1' }]);
    assert.equal(mdBody.allowAutoTopicCreation, true);

    const [produce] = requestsOf(captured, ApiKeys.Produce);
    assert.equal(produce!.header.requestApiVersion, 7);
    const p = produce!.body as unknown as ProduceRequest;
    assert.equal(p.transactionalId, null);
    assert.equal(p.acks, -1);
    assert.equal(p.timeoutMs, 30000);
    assert.equal(p.topicData.length, 1);
    assert.equal(p.topicData[0]!.name, 't1');
    assert.equal(p.topicData[0]!.partitionData[0]!.index, 0);
    const records = p.topicData[0]!.partitionData[0]!.records as Buffer;
    assert.equal(records.readInt8(16), 2, 'a magic v2 record batch');
    assert.equal(records.readInt32BE(8), records.length - 12, 'batchLength covers the whole records field');
    assert.ok(records.includes(Buffer.from('hello')));
  });

  it('kcat (librdkafka): ApiVersions v3 (flexible header) and Metadata for all topics', async () => {
    captured.length = 0;
    const out = await runKcat(['-b', `127.0.0.1:${port}`, '-L', '-m', '10']);
    saveFixtures('kcat', captured);
    assert.match(out, /1 brokers:\s+broker 1 at 127\.0\.0\.1:\d+/);
    assert.match(out, /topic "alpha" with 1 partitions:/);

    const [apiVersions] = requestsOf(captured, ApiKeys.ApiVersions);
    assert.equal(apiVersions!.header.requestApiVersion, 3);
    assert.equal(apiVersions!.header.clientId, 'rdkafka');
    const av = apiVersions!.body as unknown as ApiVersionsRequest;
    assert.equal(av.clientSoftwareName, 'librdkafka');
    assert.match(av.clientSoftwareVersion, /^\d+\.\d+\.\d+/);

    // librdkafka first asks for brokers only (empty topic list), then -L asks for all topics (null).
    const metadata = requestsOf(captured, ApiKeys.Metadata);
    assert.ok(metadata.every((m) => m.header.requestApiVersion === 4), 'librdkafka 2.0.2 caps Metadata at v4');
    const first = metadata[0]!.body as unknown as MetadataRequest;
    assert.deepEqual(first.topics, []);
    assert.equal(first.allowAutoTopicCreation, false);
    assert.equal((metadata.at(-1)!.body as unknown as MetadataRequest).topics, null, 'null topics = all topics');
  });

  it('kcat (librdkafka): Produce with a v2 record batch', async () => {
    captured.length = 0;
    await runKcat(['-b', `127.0.0.1:${port}`, '-P', '-t', 'kt', '-p', '0', '-X', 'linger.ms=0'], 'from-kcat\n');
    saveFixtures('kcat', captured, ApiKeys.Produce);
    const [produce] = requestsOf(captured, ApiKeys.Produce);
    assert.ok(produce !== undefined, 'kcat sent a Produce request');
    assert.equal(produce.header.requestApiVersion, 7, 'librdkafka 2.0.2 sends Produce v7 when v3-9 is offered');
    const p = produce.body as unknown as ProduceRequest;
    assert.equal(p.topicData[0]!.name, 'kt');
    const records = p.topicData[0]!.partitionData[0]!.records as Buffer;
    assert.equal(records.readInt8(16), 2);
    assert.ok(records.includes(Buffer.from('from-kcat')));
  });

  it('@platformatic/kafka: flexible ApiVersions, Metadata and Produce', async () => {
    captured.length = 0;
    const { Producer, stringSerializers } = await import('@platformatic/kafka');
    const producer = new Producer({
      clientId: 'platformatic-bytes',
      bootstrapBrokers: [`127.0.0.1:${port}`],
      serializers: stringSerializers,
      retries: 0,
    });
    try {
      await producer.send({ messages: [{ topic: 'pt', key: 'k', value: 'from-platformatic', partition: 0 }] });
    } finally {
      await producer.close();
    }
    saveFixtures('platformatic', captured);
    const [apiVersions] = requestsOf(captured, ApiKeys.ApiVersions);
    assert.equal(apiVersions!.header.requestApiVersion, 3);
    assert.equal(apiVersions!.header.clientId, 'platformatic-bytes');
    assert.equal((apiVersions!.body as unknown as ApiVersionsRequest).clientSoftwareName, 'platformatic-kafka');

    const [metadata] = requestsOf(captured, ApiKeys.Metadata);
    assert.equal(metadata!.header.requestApiVersion, 12);
    assert.deepEqual((metadata!.body as unknown as MetadataRequest).topics, [{ topicId: ZERO_UUID, name: 'pt' }]);

    const [produce] = requestsOf(captured, ApiKeys.Produce);
    assert.equal(produce!.header.requestApiVersion, 9, 'flexible Produce (header v2, compact fields)');
    const p = produce!.body as unknown as ProduceRequest;
    assert.equal(p.topicData[0]!.name, 'pt');
    const records = p.topicData[0]!.partitionData[0]!.records as Buffer;
    assert.equal(records.readInt8(16), 2);
    assert.ok(records.includes(Buffer.from('from-platformatic')));
  });

  it('kafkajs decoders read responses we encode', async () => {
    const w = new Writer();
    encodeApiVersionsResponse(w, 2, { errorCode: 0, apiKeys: SUPPORTED, throttleTimeMs: 7 });
    const apiVersionsV2 = require('kafkajs/src/protocol/requests/apiVersions/v2/response.js');
    const av = await apiVersionsV2.decode(Buffer.from(w.toBuffer()));
    assert.deepEqual(av.apiVersions, SUPPORTED);
    assert.equal(av.clientSideThrottleTime, 7);

    const w2 = new Writer();
    encodeMetadataResponse(w2, 6, metadataFor(9092, 6, ['t1', 't2']));
    const metadataV6 = require('kafkajs/src/protocol/requests/metadata/v6/response.js');
    const md = await metadataV6.decode(Buffer.from(w2.toBuffer()));
    assert.deepEqual(md.brokers, [{ nodeId: 1, host: '127.0.0.1', port: 9092, rack: null }]);
    assert.equal(md.clusterId, 'real-bytes-cluster');
    assert.equal(md.controllerId, 1);
    assert.deepEqual(
      md.topicMetadata.map((t: { topic: string; partitionMetadata: { leader: number; isr: number[] }[] }) => [
        t.topic,
        t.partitionMetadata[0]!.leader,
        t.partitionMetadata[0]!.isr,
      ]),
      [
        ['t1', 1, [1]],
        ['t2', 1, [1]],
      ],
    );
  });
});
