// Every version of every non-group API the broker advertises, on a raw connection: a meaningful request built for
// that exact version gets a well-formed answer (never a closed connection, which is what a handler that builds a
// response the version cannot carry turns into) with the expected result. Versions come from ApiVersions, so a
// newly advertised version is covered automatically.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel } from 'kafkajs';
import { startBroker, type TestBroker } from '../../helpers/broker.ts';
import { RawKafkaClient } from '../../fixtures/e2e/raw-kafka-client.ts';
import { apiVersionRanges } from '../../fixtures/e2e/api-versions.ts';
import { buildRecordBatchSync } from '../../../src/protocol/records/record-batch-builder.ts';
import { sizeOfLegacyEntry, writeLegacyEntry } from '../../../src/protocol/records/legacy-record.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';
type Body = Record<string, unknown>;
type Check = (response: any, version: number) => void;

/** One uncompressed magic 0 (Produce v0-1) or magic 1 (v2) message set, as pre-0.11 clients write them. */
function legacyMessageSet(magic: 0 | 1, values: string[]): Buffer {
  const entries = values.map((v) => Buffer.from(v));
  const buf = Buffer.alloc(entries.reduce((n, v) => n + sizeOfLegacyEntry(magic, null, v), 0));
  let pos = 0;
  entries.forEach((v, i) => (pos = writeLegacyEntry(buf, pos, BigInt(i), magic, 0, BigInt(Date.now()), null, v)));
  return buf;
}

/** The request to send at `version` and what its response must show. */
interface Case {
  request(version: number): Body;
  check: Check;
}

function partitionsOf(response: any, topicsField: string, partitionsField: string): any[] {
  return response[topicsField].flatMap((t: any) => t[partitionsField]);
}

const CASES: Partial<Record<number, Case>> = {
  [ApiKeys.ApiVersions]: {
    request: (v) => (v >= 3 ? { clientSoftwareName: 'matrix', clientSoftwareVersion: '1.0' } : {}),
    check: (r) => {
      assert.equal(r.errorCode, 0);
      assert.ok(r.apiKeys.length > 10);
    },
  },
  [ApiKeys.Metadata]: {
    request: (v) => ({
      topics: [{ name: 'matrix', topicId: ZERO_UUID }],
      // Before v4 a Metadata request always allows auto-creation (the field does not exist).
      allowAutoTopicCreation: v < 4,
      includeTopicAuthorizedOperations: v >= 8,
      includeClusterAuthorizedOperations: v >= 8 && v <= 10,
    }),
    check: (r, v) => {
      assert.equal(r.topics.length, 1);
      assert.equal(r.topics[0].errorCode, 0);
      assert.equal(r.topics[0].partitions[0].leaderId, 1);
      if (v >= 10) assert.notEqual(r.topics[0].topicId, ZERO_UUID);
      assert.equal(r.brokers.length, 1);
    },
  },
  [ApiKeys.Produce]: {
    request: (v) => ({
      transactionalId: null,
      acks: -1,
      timeoutMs: 5000,
      topicData: [{
        name: 'matrix-produce',
        partitionData: [{ index: 0, records: v >= 3 ? buildRecordBatchSync({ records: [{ key: 'k', value: `v${v}` }] }) : legacyMessageSet(v === 2 ? 1 : 0, [`v${v}`]) }],
      }],
    }),
    check: (r) => {
      const p = partitionsOf(r, 'responses', 'partitionResponses')[0];
      assert.equal(p.errorCode, 0, `produce error ${p.errorCode}: ${p.errorMessage}`);
      assert.ok(p.baseOffset >= 0n);
    },
  },
  [ApiKeys.Fetch]: {
    request: () => ({
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic: 'matrix', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    }),
    check: (r, v) => {
      const p = partitionsOf(r, 'responses', 'partitions')[0];
      assert.equal(p.errorCode, 0);
      assert.equal(p.highWatermark, 3n);
      assert.ok(p.records !== null && p.records.length > 0);
      // The magic byte sits at offset 16 in every format: v0-1 get magic 0, v2-3 magic 1 (down-converted), v4+ 2.
      assert.equal(p.records[16], v <= 1 ? 0 : v <= 3 ? 1 : 2);
    },
  },
  [ApiKeys.ListOffsets]: {
    request: (v) => ({
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 'matrix', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }],
      timeoutMs: v >= 10 ? 5000 : 0,
    }),
    check: (r, v) => {
      const p = partitionsOf(r, 'topics', 'partitions')[0];
      assert.equal(p.errorCode, 0);
      if (v === 0) assert.deepEqual(p.oldStyleOffsets, [3n]);
      else assert.equal(p.offset, 3n);
    },
  },
  [ApiKeys.CreateTopics]: {
    request: (v) => ({
      topics: [{ name: `matrix-created-v${v}`, numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '3600000' }] }],
      timeoutMs: 5000,
      validateOnly: false,
    }),
    check: (r, v) => {
      assert.equal(r.topics[0].name, `matrix-created-v${v}`);
      assert.equal(r.topics[0].errorCode, 0);
      if (v >= 5) {
        assert.equal(r.topics[0].numPartitions, 2);
        assert.ok(r.topics[0].configs.some((c: any) => c.name === 'retention.ms' && c.value === '3600000'));
      }
    },
  },
  [ApiKeys.CreatePartitions]: {
    request: (v) => ({ topics: [{ name: `matrix-created-v${Math.min(v, 7)}`, count: 3 + v, assignments: null }], timeoutMs: 5000, validateOnly: false }),
    check: (r) => assert.equal(r.results[0].errorCode, 0, r.results[0].errorMessage),
  },
  [ApiKeys.DescribeConfigs]: {
    request: (v) => ({
      resources: [{ resourceType: 2, resourceName: 'matrix', configurationKeys: ['retention.ms', 'cleanup.policy'] }, { resourceType: 4, resourceName: '1', configurationKeys: ['log.retention.hours'] }],
      includeSynonyms: v >= 1,
      includeDocumentation: v >= 3,
    }),
    check: (r, v) => {
      assert.deepEqual(r.results.map((x: any) => x.errorCode), [0, 0]);
      assert.deepEqual(r.results[0].configs.map((c: any) => c.name).sort(), ['cleanup.policy', 'retention.ms']);
      if (v === 0) assert.equal(r.results[0].configs[0].isDefault, true);
      else assert.equal(r.results[0].configs[0].configSource, 5);
      if (v >= 3) assert.ok(r.results[0].configs[0].documentation.length > 0);
    },
  },
  [ApiKeys.AlterConfigs]: {
    request: () => ({ resources: [{ resourceType: 2, resourceName: 'matrix', configs: [{ name: 'segment.ms', value: '3600000' }] }], validateOnly: false }),
    check: (r) => assert.equal(r.responses[0].errorCode, 0),
  },
  [ApiKeys.IncrementalAlterConfigs]: {
    request: () => ({ resources: [{ resourceType: 2, resourceName: 'matrix', configs: [{ name: 'segment.ms', configOperation: 0, value: '7200000' }] }], validateOnly: false }),
    check: (r) => assert.equal(r.responses[0].errorCode, 0),
  },
  [ApiKeys.DeleteRecords]: {
    request: () => ({ topics: [{ name: 'matrix-produce', partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: 5000 }),
    check: (r) => assert.equal(r.topics[0].partitions[0].errorCode, 0),
  },
  [ApiKeys.DescribeCluster]: {
    request: (v) => ({ includeClusterAuthorizedOperations: true, endpointType: v >= 1 ? 1 : 1 }),
    check: (r) => {
      assert.equal(r.errorCode, 0);
      assert.equal(r.clusterId, 'test-cluster-id-00000A');
      assert.equal(r.brokers.length, 1);
    },
  },
  [ApiKeys.DescribeLogDirs]: {
    request: () => ({ topics: [{ topic: 'matrix', partitions: [0] }] }),
    check: (r) => {
      const dir = r.results[0];
      assert.equal(dir.errorCode, 0);
      assert.ok(dir.topics[0].partitions[0].partitionSize > 0n);
    },
  },
  [ApiKeys.OffsetForLeaderEpoch]: {
    request: () => ({ replicaId: -1, topics: [{ topic: 'matrix', partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] }),
    check: (r, v) => {
      const p = r.topics[0].partitions[0];
      assert.equal(p.errorCode, 0);
      assert.equal(p.endOffset, 3n);
      if (v >= 1) assert.equal(p.leaderEpoch, 0);
    },
  },
  [ApiKeys.DeleteTopics]: {
    request: (v) => (v >= 6
      ? { topics: [{ name: `matrix-created-v${Math.min(v, 7)}`, topicId: ZERO_UUID }], timeoutMs: 5000 }
      : { topicNames: [`matrix-created-v${v}`], timeoutMs: 5000 }),
    check: (r) => assert.equal(r.responses[0].errorCode, 0, r.responses[0].errorMessage),
  },
};

/** Run order: topics are created before they are grown and deleted. */
const ORDER = [18, 3, 0, 1, 2, 19, 37, 32, 33, 44, 21, 60, 35, 23, 20];

describe('every advertised version of every topic, record and config API', () => {
  let broker: TestBroker;
  let ranges: Map<number, { minVersion: number; maxVersion: number }>;

  before(async () => {
    broker = await startBroker();
    ranges = await apiVersionRanges(broker.port);
    const kafka = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'matrix', numPartitions: 1 }, { topic: 'matrix-produce', numPartitions: 1 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'matrix', messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();
  });
  after(async () => {
    await broker.cleanup();
  });

  test('the matrix covers every API it should', () => {
    for (const key of ORDER) assert.ok(ranges.has(key), `api ${key} not advertised`);
  });

  for (const key of ORDER) {
    test(`api key ${key}: every advertised version answers correctly`, async () => {
      const c = CASES[key]!;
      const { minVersion, maxVersion } = ranges.get(key)!;
      for (let v = minVersion; v <= maxVersion; v++) {
        const client = await RawKafkaClient.connect(broker.port);
        try {
          const response = await client.request(key, v, c.request(v)).catch((e: Error) => {
            throw new Error(`api ${key} v${v}: ${e.message}`);
          });
          try {
            c.check(response, v);
          } catch (e) {
            throw new Error(`api ${key} v${v}: ${(e as Error).message}`);
          }
        } finally {
          await client.close();
        }
      }
    });
  }
});
