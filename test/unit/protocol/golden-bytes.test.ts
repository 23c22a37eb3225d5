import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Reader, ZERO_UUID } from '../../../src/protocol/reader.ts';
import { Writer } from '../../../src/protocol/writer.ts';
import {
  decodeApiVersionsRequest,
  encodeApiVersionsRequest,
} from '../../../src/protocol/generated/messages/api-versions-request.ts';
import {
  decodeApiVersionsResponse,
  encodeApiVersionsResponse,
  sizeApiVersionsResponse,
} from '../../../src/protocol/generated/messages/api-versions-response.ts';
import { decodeFetchRequest, encodeFetchRequest } from '../../../src/protocol/generated/messages/fetch-request.ts';
import { decodeMetadataRequest, encodeMetadataRequest } from '../../../src/protocol/generated/messages/metadata-request.ts';
import { decodeProduceRequest, encodeProduceRequest, sizeProduceRequest } from '../../../src/protocol/generated/messages/produce-request.ts';
import {
  decodeConsumerGroupMemberMetadataValue,
  encodeConsumerGroupMemberMetadataValue,
} from '../../../src/protocol/generated/records/consumer-group-member-metadata-value.ts';
import { decodeOffsetCommitKey, encodeOffsetCommitKey } from '../../../src/protocol/generated/records/offset-commit-key.ts';

// Bytes written out by hand from the protocol guide's grammar (int16/int32 big-endian; STRING = int16 length;
// COMPACT_* = uvarint length+1; flexible structs end with a tagged-field section: count, then tag/size/data).

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/[\s|]/g, ''), 'hex');
}

function encoded(fn: (w: Writer) => void): Buffer {
  const w = new Writer(8);
  fn(w);
  return Buffer.from(w.toBuffer());
}

const str = (s: string): string => Buffer.from(s).toString('hex');

describe('golden bytes', () => {
  it('ApiVersionsRequest v0 has an empty body', () => {
    assert.deepEqual(encoded((w) => encodeApiVersionsRequest(w, 0, {})), Buffer.alloc(0));
    assert.deepEqual(decodeApiVersionsRequest(new Reader(Buffer.alloc(0)), 0), {
      clientSoftwareName: '',
      clientSoftwareVersion: '',
    });
  });

  it('ApiVersionsRequest v3: two compact strings and an empty tag section', () => {
    const bytes = hex(`05 ${str('kcat')} | 06 ${str('1.7.0')} | 00`);
    const value = { clientSoftwareName: 'kcat', clientSoftwareVersion: '1.7.0' };
    assert.deepEqual(encoded((w) => encodeApiVersionsRequest(w, 3, value)), bytes);
    assert.deepEqual(decodeApiVersionsRequest(new Reader(bytes), 3), value);
  });

  it('ApiVersionsRequest v2 silently drops the client software name (ignorable field added in v3)', () => {
    assert.deepEqual(encoded((w) => encodeApiVersionsRequest(w, 2, { clientSoftwareName: 'x' })), Buffer.alloc(0));
  });

  it('MetadataRequest v0: int32 array of int16 strings', () => {
    const bytes = hex(`00000001 | 0003 ${str('foo')}`);
    assert.deepEqual(encoded((w) => encodeMetadataRequest(w, 0, { topics: [{ name: 'foo' }] })), bytes);
    const d = decodeMetadataRequest(new Reader(bytes), 0);
    assert.deepEqual(d.topics, [{ topicId: ZERO_UUID, name: 'foo' }]);
    assert.equal(d.allowAutoTopicCreation, true, 'v0-3 imply auto-creation (default true)');
  });

  it('MetadataRequest v1: null topics (all topics) is int32 -1', () => {
    const bytes = hex('ffffffff');
    assert.deepEqual(encoded((w) => encodeMetadataRequest(w, 1, { topics: null })), bytes);
    assert.equal(decodeMetadataRequest(new Reader(bytes), 1).topics, null);
    assert.throws(() => decodeMetadataRequest(new Reader(bytes), 0), /non-nullable/);
  });

  it('MetadataRequest v3 cannot carry allowAutoTopicCreation=false (not ignorable, added in v4)', () => {
    assert.throws(() => encodeMetadataRequest(new Writer(), 3, { allowAutoTopicCreation: false }), RangeError);
    assert.doesNotThrow(() => encodeMetadataRequest(new Writer(), 3, { allowAutoTopicCreation: true }));
  });

  it('MetadataRequest v9: compact array, per-topic tags, booleans, body tags', () => {
    const bytes = hex(`02 | 04 ${str('foo')} 00 | 01 | 00 | 01 | 00`);
    const value = {
      topics: [{ name: 'foo' }],
      allowAutoTopicCreation: true,
      includeClusterAuthorizedOperations: false,
      includeTopicAuthorizedOperations: true,
    };
    assert.deepEqual(encoded((w) => encodeMetadataRequest(w, 9, value)), bytes);
    const d = decodeMetadataRequest(new Reader(bytes), 9);
    assert.deepEqual(d.topics, [{ topicId: ZERO_UUID, name: 'foo' }]);
    assert.equal(d.includeTopicAuthorizedOperations, true);
  });

  it('MetadataRequest v12: topic ids and nullable compact topic names', () => {
    const id = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const bytes = hex(`03 | ${'00'.repeat(16)} 04 ${str('foo')} 00 | ${id.toString('hex')} 00 00 | 00 | 00 | 00`);
    const value = {
      topics: [
        { topicId: ZERO_UUID, name: 'foo' },
        { topicId: id.toString('base64url'), name: null },
      ],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    };
    assert.deepEqual(encoded((w) => encodeMetadataRequest(w, 12, value)), bytes);
    const d = decodeMetadataRequest(new Reader(bytes), 12);
    assert.deepEqual(d.topics, value.topics);
    assert.equal(d.includeClusterAuthorizedOperations, false, 'v8-10 only: default when absent');
  });

  it('ProduceRequest v3: nullable transactional id, records as int32-length bytes', () => {
    const bytes = hex(`ffff | ffff | 00007530 | 00000001 | 0001 ${str('t')} | 00000001 | 00000000 | 00000003 010203`);
    const value = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.from([1, 2, 3]) }] }],
    };
    assert.deepEqual(encoded((w) => encodeProduceRequest(w, 3, value)), bytes);
    const d = decodeProduceRequest(new Reader(bytes), 3);
    assert.deepEqual(d, value);
    assert.equal(d.topicData[0]!.partitionData[0]!.records!.buffer, bytes.buffer, 'records are a view, not a copy');
  });

  it('ProduceRequest v9: compact strings/arrays/records and a tag section per struct', () => {
    const bytes = hex(`03 ${str('tx')} | ffff | 00007530 | 02 | 02 ${str('t')} | 02 | 00000000 | 04 010203 | 00 | 00 | 00`);
    const value = {
      transactionalId: 'tx',
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: 't', partitionData: [{ index: 0, records: Buffer.from([1, 2, 3]) }] }],
    };
    assert.deepEqual(encoded((w) => encodeProduceRequest(w, 9, value)), bytes);
    assert.deepEqual(decodeProduceRequest(new Reader(bytes), 9), value);
  });

  it('records given as ExternalRecords become their own output chunk (length prefix written in place)', () => {
    const external = { sizeInBytes: 3, regions: [{ fd: 99, position: 10, length: 3 }] };
    const value = { topicData: [{ name: 't', partitionData: [{ index: 0, records: external }] }] };
    const w = new Writer(8);
    encodeProduceRequest(w, 9, value);
    const chunks = w.chunks();
    assert.equal(chunks.length, 3);
    assert.deepEqual(chunks[0], hex(`00 | 0000 | 00000000 | 02 | 02 ${str('t')} | 02 | 00000000 | 04`));
    assert.equal(chunks[1], external);
    assert.deepEqual(chunks[2], hex('00 | 00 | 00'));
    assert.equal(w.length, sizeProduceRequest(9, value));
  });

  it('ApiVersionsResponse v3: known tags in order, merged with an unknown tag', () => {
    const bytes = hex(
      `0000 | 02 | 0012 0000 0004 00 | 00000000 | 03 | 01 08 0000000000000005 | 03 01 01 | 05 02 abcd`,
    );
    const value = {
      errorCode: 0,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: 5n,
      zkMigrationReady: true,
      _unknownTaggedFields: [{ tag: 5, data: Buffer.from([0xab, 0xcd]) }],
    };
    assert.deepEqual(encoded((w) => encodeApiVersionsResponse(w, 3, value)), bytes);
    assert.equal(sizeApiVersionsResponse(3, value), bytes.length);
    assert.deepEqual(decodeApiVersionsResponse(new Reader(bytes), 3), {
      ...value,
      supportedFeatures: [],
      finalizedFeatures: [],
    });
  });

  it('ApiVersionsResponse v0: only error code and api keys; v0 drops the ignorable throttle time', () => {
    const bytes = hex('0023 | 00000001 | 0012 0000 0003');
    const value = { errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }], throttleTimeMs: 100 };
    assert.deepEqual(encoded((w) => encodeApiVersionsResponse(w, 0, value)), bytes);
  });

  it('FetchRequest v15: a tagged struct (ReplicaState) is written only when non-default', () => {
    const base = `00000000 | 00000000 | 7fffffff | 00 | 00000000 | ffffffff | 01 | 01 | 01`;
    const minimal = { topics: [], forgottenTopicsData: [] };
    assert.deepEqual(encoded((w) => encodeFetchRequest(w, 15, minimal)), hex(`${base} | 00`));
    const withState = { ...minimal, replicaState: { replicaId: 1, replicaEpoch: 2n } };
    const bytes = hex(`${base} | 01 | 01 0d 00000001 0000000000000002 00`);
    assert.deepEqual(encoded((w) => encodeFetchRequest(w, 15, withState)), bytes);
    const d = decodeFetchRequest(new Reader(bytes), 15);
    assert.deepEqual(d.replicaState, { replicaId: 1, replicaEpoch: 2n });
    assert.equal(d.replicaId, -1);
    assert.deepEqual(decodeFetchRequest(new Reader(hex(`${base} | 00`)), 15).replicaState, {
      replicaId: -1,
      replicaEpoch: -1n,
    });
  });

  it('ConsumerGroupMemberMetadataValue: a nullable tagged struct has a uvarint presence marker', () => {
    // Nullable strings without a default default to '' (Kafka's FieldSpec), not null.
    const head = `01 | 01 | 01 | 01 | 01 | 01 | ffffffff | 01`;
    const value = { clientId: '', clientHost: '', classicMemberMetadata: { sessionTimeoutMs: 10, supportedProtocols: [] } };
    const bytes = hex(`${head} | 01 | 00 07 01 0000000a 01 00`);
    assert.deepEqual(encoded((w) => encodeConsumerGroupMemberMetadataValue(w, 0, value)), bytes);
    const d = decodeConsumerGroupMemberMetadataValue(new Reader(bytes), 0);
    assert.deepEqual(d.classicMemberMetadata, { sessionTimeoutMs: 10, supportedProtocols: [] });
    const noMeta = decodeConsumerGroupMemberMetadataValue(new Reader(hex(`${head} | 00`)), 0);
    assert.equal(noMeta.classicMemberMetadata, null);
  });

  it('OffsetCommitKey v1 (a __consumer_offsets record key)', () => {
    const bytes = hex(`0002 ${str('g1')} | 0001 ${str('t')} | 00000003`);
    const value = { group: 'g1', topic: 't', partition: 3 };
    assert.deepEqual(encoded((w) => encodeOffsetCommitKey(w, 1, value)), bytes);
    assert.deepEqual(decodeOffsetCommitKey(new Reader(bytes), 1), value);
  });

  it('unsupported versions: RangeError to encode', () => {
    assert.throws(() => encodeProduceRequest(new Writer(), 12, {}), RangeError);
    assert.throws(() => encodeProduceRequest(new Writer(), -1, {}), RangeError);
  });

  it('null where the version does not allow it is a RangeError', () => {
    assert.throws(() => encodeMetadataRequest(new Writer(), 0, { topics: null }), /null is not allowed/);
    assert.throws(
      () => encodeMetadataRequest(new Writer(), 9, { topics: [{ name: null }] }),
      /MetadataRequestTopic.name: null is not allowed in version 9/,
    );
  });

  it('tagged fields in a non-flexible version are a RangeError', () => {
    const tags = [{ tag: 0, data: Buffer.alloc(0) }];
    assert.throws(() => encodeProduceRequest(new Writer(), 8, { _unknownTaggedFields: tags }), RangeError);
  });
});
