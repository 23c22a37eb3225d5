import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { Reader, ZERO_UUID } from '../../../src/protocol/reader.ts';
import {
  decodeRequestHeader,
  encodeRequestHeader,
  peekRequestHeader,
  sizeRequestHeader,
} from '../../../src/protocol/request-header.ts';
import { Writer } from '../../../src/protocol/writer.ts';
import { API_MESSAGES, requestHeaderVersion } from '../../../src/protocol/generated/api-messages.ts';
import { REPO_ROOT } from './message-values.ts';

// Request frames captured from kafkajs, kcat (librdkafka) and @platformatic/kafka (see the fixtures README).
const DIR = resolve(REPO_ROOT, 'test/fixtures/protocol');

function load(name: string): { header: ReturnType<typeof decodeRequestHeader>; body: any; frame: Buffer } {
  const frame = Buffer.from(readFileSync(resolve(DIR, name), 'utf8').trim(), 'hex');
  const { requestApiKey, requestApiVersion } = peekRequestHeader(frame);
  const r = new Reader(frame);
  const header = decodeRequestHeader(r, requestHeaderVersion(requestApiKey, requestApiVersion));
  const body = API_MESSAGES.get(requestApiKey)!.decodeRequest(r, requestApiVersion);
  assert.equal(r.remaining, 0, `${name}: the body decoder consumed the whole frame`);
  return { header, body, frame };
}

describe('requests captured from real clients', () => {
  it('every capture re-encodes to the same bytes', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.hex'));
    assert.ok(files.length >= 9);
    for (const f of files) {
      const { header, body, frame } = load(f);
      const { requestApiKey: key, requestApiVersion: version } = header;
      const w = new Writer();
      encodeRequestHeader(w, requestHeaderVersion(key, version), header);
      API_MESSAGES.get(key)!.encodeRequest(w, version, body);
      assert.deepEqual(Buffer.from(w.toBuffer()), frame, f);
      const headerSize = sizeRequestHeader(requestHeaderVersion(key, version), header);
      assert.equal(API_MESSAGES.get(key)!.sizeRequest(version, body), frame.length - headerSize, f);
    }
  });

  it('kafkajs ApiVersions v2, Metadata v6, Produce v7', () => {
    const av = load('kafkajs-apiversions-v2.hex');
    assert.equal(av.header.requestApiKey, 18);
    assert.equal(av.header.requestApiVersion, 2);
    assert.equal(av.header.clientId, 'real-bytes-test');
    const md = load('kafkajs-metadata-v6.hex');
    assert.deepEqual(md.body.topics, [{ topicId: ZERO_UUID, name: 't1' }]);
    assert.equal(md.body.allowAutoTopicCreation, true);
    const p = load('kafkajs-produce-v7.hex');
    assert.equal(p.body.acks, -1);
    assert.equal(p.body.timeoutMs, 30000);
    assert.equal(p.body.topicData[0].name, 't1');
    assert.ok(p.body.topicData[0].partitionData[0].records.includes(Buffer.from('hello')));
  });

  it('kcat ApiVersions v3 with a v2 header, Metadata v4, Produce v7', () => {
    const av = load('kcat-apiversions-v3.hex');
    assert.equal(av.header.clientId, 'rdkafka');
    assert.deepEqual(av.body, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
    const md = load('kcat-metadata-v4.hex');
    assert.deepEqual(md.body.topics, []);
    assert.equal(md.body.allowAutoTopicCreation, false);
    const p = load('kcat-produce-v7.hex');
    assert.equal(p.body.topicData[0].name, 'kt');
    assert.equal(p.body.topicData[0].partitionData[0].index, 0);
  });

  it('@platformatic/kafka flexible requests: ApiVersions v3, Metadata v12, Produce v9', () => {
    const av = load('platformatic-apiversions-v3.hex');
    assert.equal(av.body.clientSoftwareName, 'platformatic-kafka');
    const md = load('platformatic-metadata-v12.hex');
    assert.deepEqual(md.body.topics, [{ topicId: ZERO_UUID, name: 'pt' }]);
    const p = load('platformatic-produce-v9.hex');
    assert.equal(p.header.requestApiVersion, 9);
    assert.equal(p.body.acks, 1);
    assert.ok(p.body.topicData[0].partitionData[0].records.includes(Buffer.from('from-platformatic')));
  });
});
