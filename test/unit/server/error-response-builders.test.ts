// Every registered handler's errorResponse (Kafka's AbstractRequest.getErrorResponse) at every version it serves:
// built from seeded random requests that went through the generated request codec, encoded and decoded again with
// the generated response codec, then checked against Kafka's getErrorResponse of that API: where the error code
// appears and which request entries (topics, partitions, groups, resources, keys) the response mirrors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Reader } from '../../../src/protocol/reader.ts';
import { Writer } from '../../../src/protocol/writer.ts';
import { API_MESSAGES } from '../../../src/protocol/generated/api-messages.ts';
import { API_KEY_NAMES, ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import { ALL_HANDLERS, KIP_848_HANDLERS } from '../../../src/server/apis/index.ts';
import { NO_RESPONSE, type ApiHandler, type HandlerError } from '../../../src/server/api-handler.ts';
import { loadAll, randomStruct, Rng, type Value } from '../protocol/message-values.ts';

const SAMPLES_PER_VERSION = 12;
const HANDLERS: readonly ApiHandler<any, any>[] = [...ALL_HANDLERS, ...KIP_848_HANDLERS];
const specs = new Map((await loadAll()).map((m) => [m.msg.name, m.msg]));

/** The values at `path` ("a[].b[].c": `[]` flattens an array, a null array counts as empty). */
function pluck(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const part of path.split('.')) {
    const many = part.endsWith('[]');
    const key = many ? part.slice(0, -2) : part;
    current = current.flatMap((v) => {
      const x = (v as Value)[key];
      return many ? ((x ?? []) as unknown[]) : [x];
    });
  }
  return current;
}

/** Where Kafka's getErrorResponse puts the error code, and [request path, response path] pairs it mirrors. */
interface Expectation {
  readonly errors: readonly string[];
  readonly mirror?: readonly (readonly [string, string])[];
}

const topicsAndPartitions = (reqTopics: string, reqName: string, reqPartitions: string, resTopics: string, resName: string, resPartitions: string): [string, string][] => [
  [`${reqTopics}[].${reqName}`, `${resTopics}[].${resName}`],
  [`${reqTopics}[].${reqPartitions}`, `${resTopics}[].${resPartitions}`],
];

const EXPECTATIONS: Record<string, (version: number) => Expectation> = {
  Produce: () => ({
    errors: ['responses[].partitionResponses[].errorCode'],
    mirror: topicsAndPartitions('topicData', 'name', 'partitionData[].index', 'responses', 'name', 'partitionResponses[].index'),
  }),
  Fetch: (v) => ({
    errors: [...(v >= 7 ? ['errorCode'] : []), 'responses[].partitions[].errorCode'],
    mirror: topicsAndPartitions('topics', 'topic', 'partitions[].partition', 'responses', 'topic', 'partitions[].partitionIndex'),
  }),
  ListOffsets: () => ({
    errors: ['topics[].partitions[].errorCode'],
    mirror: topicsAndPartitions('topics', 'name', 'partitions[].partitionIndex', 'topics', 'name', 'partitions[].partitionIndex'),
  }),
  Metadata: () => ({ errors: ['topics[].errorCode'], mirror: [['topics[].topicId', 'topics[].topicId']] }),
  OffsetCommit: () => ({
    errors: ['topics[].partitions[].errorCode'],
    mirror: topicsAndPartitions('topics', 'name', 'partitions[].partitionIndex', 'topics', 'name', 'partitions[].partitionIndex'),
  }),
  OffsetFetch: (v) => {
    if (v >= 8) return { errors: ['groups[].errorCode'], mirror: [['groups[].groupId', 'groups[].groupId']] };
    if (v >= 2) return { errors: ['errorCode'] };
    return { errors: ['topics[].partitions[].errorCode'], mirror: topicsAndPartitions('topics', 'name', 'partitionIndexes[]', 'topics', 'name', 'partitions[].partitionIndex') };
  },
  FindCoordinator: (v) => (v >= 4 ? { errors: ['coordinators[].errorCode'], mirror: [['coordinatorKeys[]', 'coordinators[].key']] } : { errors: ['errorCode'] }),
  JoinGroup: () => ({ errors: ['errorCode'] }),
  Heartbeat: () => ({ errors: ['errorCode'] }),
  LeaveGroup: () => ({ errors: ['errorCode'] }),
  SyncGroup: () => ({ errors: ['errorCode'] }),
  DescribeGroups: () => ({ errors: ['groups[].errorCode'], mirror: [['groups[]', 'groups[].groupId']] }),
  ListGroups: () => ({ errors: ['errorCode'] }),
  ApiVersions: () => ({ errors: ['errorCode'] }),
  CreateTopics: () => ({ errors: ['topics[].errorCode'], mirror: [['topics[].name', 'topics[].name']] }),
  DeleteTopics: (v) => ({ errors: ['responses[].errorCode'], mirror: [[v >= 6 ? 'topics[].name' : 'topicNames[]', 'responses[].name']] }),
  DeleteRecords: () => ({
    errors: ['topics[].partitions[].errorCode'],
    mirror: topicsAndPartitions('topics', 'name', 'partitions[].partitionIndex', 'topics', 'name', 'partitions[].partitionIndex'),
  }),
  InitProducerId: () => ({ errors: ['errorCode'] }),
  OffsetForLeaderEpoch: () => ({
    errors: ['topics[].partitions[].errorCode'],
    mirror: topicsAndPartitions('topics', 'topic', 'partitions[].partition', 'topics', 'topic', 'partitions[].partition'),
  }),
  AddPartitionsToTxn: (v) => (v >= 4
    ? { errors: ['errorCode'] }
    : {
        errors: ['resultsByTopicV3AndBelow[].resultsByPartition[].partitionErrorCode'],
        mirror: topicsAndPartitions('v3AndBelowTopics', 'name', 'partitions[]', 'resultsByTopicV3AndBelow', 'name', 'resultsByPartition[].partitionIndex'),
      }),
  AddOffsetsToTxn: () => ({ errors: ['errorCode'] }),
  EndTxn: () => ({ errors: ['errorCode'] }),
  WriteTxnMarkers: () => ({
    errors: ['markers[].topics[].partitions[].errorCode'],
    mirror: [['markers[].producerId', 'markers[].producerId'], ['markers[].topics[].partitionIndexes[]', 'markers[].topics[].partitions[].partitionIndex']],
  }),
  TxnOffsetCommit: () => ({
    errors: ['topics[].partitions[].errorCode'],
    mirror: topicsAndPartitions('topics', 'name', 'partitions[].partitionIndex', 'topics', 'name', 'partitions[].partitionIndex'),
  }),
  DescribeConfigs: () => ({ errors: ['results[].errorCode'], mirror: [['resources[].resourceName', 'results[].resourceName'], ['resources[].resourceType', 'results[].resourceType']] }),
  AlterConfigs: () => ({ errors: ['responses[].errorCode'], mirror: [['resources[].resourceName', 'responses[].resourceName'], ['resources[].resourceType', 'responses[].resourceType']] }),
  // v0-2 have no field for the error: Kafka's response is then an empty list of log dirs.
  DescribeLogDirs: (v) => ({ errors: v >= 3 ? ['errorCode'] : [] }),
  CreatePartitions: () => ({ errors: ['results[].errorCode'], mirror: [['topics[].name', 'results[].name']] }),
  DeleteGroups: () => ({ errors: ['results[].errorCode'], mirror: [['groupsNames[]', 'results[].groupId']] }),
  IncrementalAlterConfigs: () => ({ errors: ['responses[].errorCode'], mirror: [['resources[].resourceName', 'responses[].resourceName'], ['resources[].resourceType', 'responses[].resourceType']] }),
  ElectLeaders: (v) => ({
    errors: [...(v >= 1 ? ['errorCode'] : []), 'replicaElectionResults[].partitionResult[].errorCode'],
    mirror: topicsAndPartitions('topicPartitions', 'topic', 'partitions[]', 'replicaElectionResults', 'topic', 'partitionResult[].partitionId'),
  }),
  AlterPartitionReassignments: () => ({
    errors: ['errorCode', 'responses[].partitions[].errorCode'],
    mirror: topicsAndPartitions('topics', 'name', 'partitions[].partitionIndex', 'responses', 'name', 'partitions[].partitionIndex'),
  }),
  ListPartitionReassignments: () => ({
    errors: ['errorCode'],
    mirror: topicsAndPartitions('topics', 'name', 'partitionIndexes[]', 'topics', 'name', 'partitions[].partitionIndex'),
  }),
  OffsetDelete: () => ({ errors: ['errorCode'] }),
  DescribeCluster: () => ({ errors: ['errorCode'] }),
  DescribeProducers: () => ({
    errors: ['topics[].partitions[].errorCode'],
    mirror: topicsAndPartitions('topics', 'name', 'partitionIndexes[]', 'topics', 'name', 'partitions[].partitionIndex'),
  }),
  DescribeTopicPartitions: () => ({ errors: ['topics[].errorCode'], mirror: [['topics[].name', 'topics[].name']] }),
  DescribeTransactions: () => ({ errors: ['transactionStates[].errorCode'], mirror: [['transactionalIds[]', 'transactionStates[].transactionalId']] }),
  ListTransactions: () => ({ errors: ['errorCode'] }),
  ConsumerGroupHeartbeat: () => ({ errors: ['errorCode'] }),
  ConsumerGroupDescribe: () => ({ errors: ['groups[].errorCode'], mirror: [['groupIds[]', 'groups[].groupId']] }),
  // The KRaft admin APIs: Kafka's getErrorResponse sets the top-level error only.
  DescribeQuorum: () => ({ errors: ['errorCode'] }),
  AddRaftVoter: () => ({ errors: ['errorCode'] }),
  RemoveRaftVoter: () => ({ errors: ['errorCode'] }),
  DescribeAcls: () => ({ errors: ['errorCode'] }),
  CreateAcls: () => ({ errors: ['results[].errorCode'] }),
  DeleteAcls: () => ({ errors: ['filterResults[].errorCode'] }),
  DescribeClientQuotas: () => ({ errors: ['errorCode'] }),
  AlterClientQuotas: () => ({ errors: ['entries[].errorCode'] }),
  SaslHandshake: () => ({ errors: ['errorCode'] }),
  SaslAuthenticate: () => ({ errors: ['errorCode'] }),
  // Kafka's getErrorResponse: one result per named user, whose user field it leaves empty.
  DescribeUserScramCredentials: () => ({ errors: ['errorCode', 'results[].errorCode'] }),
  AlterUserScramCredentials: () => ({ errors: ['results[].errorCode'] }),
};

/** A random request of `apiKey` at `version`, as KafkaApis hands it to a handler (through the generated decoder). */
function randomRequest(apiKey: number, version: number, rng: Rng): Value {
  const api = API_MESSAGES.get(apiKey)!;
  const spec = specs.get(`${api.name}Request`)!;
  const value = randomStruct(spec, spec.root, version, rng);
  // Produce acks=0 has no response at all (tested on its own below).
  if (apiKey === ApiKeys.Produce && value.acks === 0) value.acks = -1;
  const w = new Writer(256);
  api.encodeRequest(w, version, value as never);
  return api.decodeRequest(new Reader(w.toBuffer()), version) as Value;
}

/** errorResponse encoded and decoded with the generated response codec of `version`. */
function errorResponseOnTheWire(handler: ApiHandler<any, any>, request: Value, error: HandlerError, version: number): Value {
  const response = handler.errorResponse(request, error, version);
  assert.notEqual(response, NO_RESPONSE);
  const api = API_MESSAGES.get(handler.apiKey)!;
  const w = new Writer(256);
  api.encodeResponse(w, version, response as never);
  const bytes = w.toBuffer();
  const r = new Reader(bytes);
  const decoded = api.decodeResponse(r, version) as Value;
  assert.equal(r.offset, bytes.length);
  return decoded;
}

describe('error responses of every registered API (Kafka getErrorResponse)', () => {
  test('every registered handler has an expectation here', () => {
    for (const h of HANDLERS) assert.ok(EXPECTATIONS[API_KEY_NAMES[h.apiKey]!] !== undefined, `no expectation for ${API_KEY_NAMES[h.apiKey]}`);
  });

  for (const handler of HANDLERS) {
    const name = API_KEY_NAMES[handler.apiKey]!;
    test(`${name} v${handler.minVersion}-${handler.maxVersion}: the error on every entry, mirroring the request`, () => {
      const rng = new Rng(0xe44 + handler.apiKey);
      const errors: HandlerError[] = [
        { code: Errors.UNKNOWN_SERVER_ERROR, message: null },
        { code: Errors.COORDINATOR_NOT_AVAILABLE, message: 'the coordinator is moving' },
      ];
      for (let version = handler.minVersion; version <= handler.maxVersion; version++) {
        const expectation = EXPECTATIONS[name]!(version);
        let errorFields = 0;
        for (let i = 0; i < SAMPLES_PER_VERSION; i++) {
          const request = randomRequest(handler.apiKey, version, rng);
          const error = errors[i % errors.length]!;
          const where = `${name} v${version} sample ${i}`;
          const response = errorResponseOnTheWire(handler, request, error, version);
          for (const path of expectation.errors) {
            const codes = pluck(response, path);
            errorFields += codes.length;
            for (const code of codes) assert.equal(code, error.code, `${where}: ${path}`);
          }
          for (const [requestPath, responsePath] of expectation.mirror ?? []) {
            assert.deepEqual(pluck(response, responsePath), pluck(request, requestPath), `${where}: ${responsePath} mirrors ${requestPath}`);
          }
        }
        if (expectation.errors.length > 0) assert.ok(errorFields > 0, `${name} v${version}: no error field was ever filled`);
      }
    });
  }

  test('Produce with acks=0 has no error response: KafkaApis closes the connection instead', () => {
    const produce = HANDLERS.find((h) => h.apiKey === ApiKeys.Produce)!;
    const request = { ...randomRequest(ApiKeys.Produce, 9, new Rng(1)), acks: 0 };
    assert.equal(produce.errorResponse(request, { code: Errors.UNKNOWN_SERVER_ERROR, message: null }, 9), NO_RESPONSE);
  });

  test('Produce v8+ carries the error message; UNKNOWN_SERVER_ERROR carries none', () => {
    const produce = HANDLERS.find((h) => h.apiKey === ApiKeys.Produce)!;
    const request = { acks: 1, timeoutMs: 1000, transactionalId: null, topicData: [{ name: 't', partitionData: [{ index: 3, records: null }] }] };
    const withMessage = errorResponseOnTheWire(produce, request, { code: Errors.NOT_ENOUGH_REPLICAS, message: 'only 1 in sync' }, 8);
    assert.deepEqual(pluck(withMessage, 'responses[].partitionResponses[].errorMessage'), ['only 1 in sync']);
    assert.deepEqual(pluck(withMessage, 'responses[].partitionResponses[].baseOffset'), [-1n]);
    const unknown = errorResponseOnTheWire(produce, request, { code: Errors.UNKNOWN_SERVER_ERROR, message: null }, 8);
    assert.deepEqual(pluck(unknown, 'responses[].partitionResponses[].errorMessage'), [null]);
  });

  test('ApiVersions answering UNSUPPORTED_VERSION lists its own range (KIP-511)', () => {
    const apiVersions = HANDLERS.find((h) => h.apiKey === ApiKeys.ApiVersions)!;
    const response = errorResponseOnTheWire(apiVersions, randomRequest(ApiKeys.ApiVersions, 3, new Rng(2)), { code: Errors.UNSUPPORTED_VERSION, message: null }, 3);
    assert.deepEqual(pluck(response, 'apiKeys[].apiKey'), [ApiKeys.ApiVersions]);
    assert.deepEqual(pluck(response, 'apiKeys[].maxVersion'), [apiVersions.maxVersion]);
  });

  test('Metadata: a null topic name (v12) is answered as an empty name, as Kafka does', () => {
    const metadata = HANDLERS.find((h) => h.apiKey === ApiKeys.Metadata)!;
    const request = { topics: [{ name: null, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false };
    const response = errorResponseOnTheWire(metadata, request, { code: Errors.UNKNOWN_SERVER_ERROR, message: null }, 12);
    assert.deepEqual(pluck(response, 'topics[].name'), ['']);
    assert.deepEqual(pluck(response, 'topics[].errorCode'), [Errors.UNKNOWN_SERVER_ERROR]);
  });
});
