// The controller's AlterPartition and ElectLeaders over the wire on a real node (combined roles, one voter).
// AlterPartition on the controller listener: advertised v0-3, a stale broker epoch answered at the top level, per
// partition UNKNOWN_TOPIC_ID, FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION, INVALID_REQUEST, and the current state
// for an unchanged ISR, at each version's encoding. ElectLeaders sent to the broker listener, which forwards it to
// the controller (KIP-590): advertised v0-2, per-partition outcomes, the top-level error of v1+.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startBroker, type TestBroker } from '../helpers/broker.ts';
import { RawKafkaClient } from '../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import type { ApiVersionsResponse } from '../../src/protocol/generated/messages/api-versions-response.ts';
import type { AlterPartitionResponse } from '../../src/protocol/generated/messages/alter-partition-response.ts';
import type { Input } from '../../src/protocol/message-input.ts';
import type { AlterPartitionRequest } from '../../src/protocol/generated/messages/alter-partition-request.ts';
import type { ElectLeadersResponse } from '../../src/protocol/generated/messages/elect-leaders-response.ts';

let broker: TestBroker;
let client: RawKafkaClient;
let brokerClient: RawKafkaClient;

before(async () => {
  broker = await startBroker();
  await broker.server.controller.createTopics([{ name: 'wire', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], false);
  client = await RawKafkaClient.connect(broker.server.boundPort('CONTROLLER'));
  brokerClient = await RawKafkaClient.connect(broker.port);
});

after(async () => {
  client?.socket.destroy();
  brokerClient?.socket.destroy();
  await broker?.cleanup();
});

function alterPartition(version: number, body: Input<AlterPartitionRequest>): Promise<AlterPartitionResponse> {
  return client.request<AlterPartitionResponse>(ApiKeys.AlterPartition, version, body);
}

test('the controller listener advertises AlterPartition v0-3', async () => {
  const versions = await client.request<ApiVersionsResponse>(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
  const entry = versions.apiKeys.find((k) => k.apiKey === ApiKeys.AlterPartition);
  assert.deepEqual(entry && [entry.minVersion, entry.maxVersion], [0, 3]);
});

test('AlterPartition answers with Kafka\'s error codes and the committed state, v0 to v3', async () => {
  const image = broker.server.metadata;
  const brokerEpoch = image.brokers.get(1)!.epoch;
  const topic = image.topicsByName.get('wire')!;
  const p = topic.partitions.get(0)!;
  assert.equal(p.leader, 1);
  // v0-2 carry the ISR as ids, v3 with broker epochs (-1: not checked).
  const partition = (version: number, overrides: { leaderEpoch?: number; partitionEpoch?: number; isr?: number[] } = {}) => {
    const { isr = [1], ...epochs } = overrides;
    const members = version < 3 ? { newIsr: isr } : { newIsrWithEpochs: isr.map((id) => ({ brokerId: id, brokerEpoch: id === 1 ? brokerEpoch : -1n })) };
    return { partitionIndex: 0, leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch, ...members, ...epochs };
  };
  const stale = await alterPartition(3, { brokerId: 1, brokerEpoch: brokerEpoch + 7n, topics: [{ topicId: topic.id, partitions: [partition(3)] }] });
  assert.equal(stale.errorCode, Errors.STALE_BROKER_EPOCH);
  assert.deepEqual(stale.topics, []);

  for (const version of [3, 2]) {
    const response = await alterPartition(version, {
      brokerId: 1,
      brokerEpoch,
      topics: [
        { topicId: topic.id, partitions: [partition(version), partition(version, { leaderEpoch: p.leaderEpoch - 1 }), partition(version, { partitionEpoch: p.partitionEpoch - 1 }), partition(version, { isr: [1, 2] })] },
        { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [partition(version)] },
      ],
    });
    assert.equal(response.errorCode, Errors.NONE);
    const [known, unknown] = response.topics;
    assert.equal(known!.topicId, topic.id);
    assert.deepEqual(known!.partitions.map((x) => x.errorCode), [Errors.NONE, Errors.FENCED_LEADER_EPOCH, Errors.INVALID_UPDATE_VERSION, Errors.INVALID_REQUEST], `v${version}`);
    const ok = known!.partitions[0]!;
    assert.deepEqual([ok.leaderId, ok.leaderEpoch, ok.isr, ok.partitionEpoch], [1, p.leaderEpoch, [1], p.partitionEpoch]);
    assert.deepEqual(unknown!.partitions.map((x) => x.errorCode), [Errors.UNKNOWN_TOPIC_ID]);
  }
  for (const version of [1, 0]) {
    const response = await alterPartition(version, { brokerId: 1, brokerEpoch, topics: [{ topicName: 'wire', partitions: [partition(version)] }, { topicName: 'missing', partitions: [partition(version)] }] });
    assert.deepEqual(response.topics.map((t) => [t.topicName, t.partitions[0]!.errorCode]), [['wire', Errors.NONE], ['missing', Errors.UNKNOWN_TOPIC_OR_PARTITION]], `v${version}`);
  }
  assert.equal(broker.server.metadata.topicsByName.get('wire')!.partitions.get(0)!.partitionEpoch, p.partitionEpoch, 'an unchanged ISR writes nothing');
});

test('ElectLeaders sent to a broker is forwarded to the controller: advertised v0-2, outcomes per partition and version', async () => {
  const versions = await brokerClient.request<ApiVersionsResponse>(ApiKeys.ApiVersions, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
  const entry = versions.apiKeys.find((k) => k.apiKey === ApiKeys.ElectLeaders);
  assert.deepEqual(entry && [entry.minVersion, entry.maxVersion], [0, 2]);
  const elect = (version: number, body: object) => brokerClient.request<ElectLeadersResponse>(ApiKeys.ElectLeaders, version, body);

  // The one replica leads already: no election needed, whichever type; unknown partitions are named.
  for (const [version, electionType] of [[2, 0], [2, 1], [1, 0], [0, 0]] as const) {
    const response = await elect(version, { ...(version >= 1 ? { electionType } : {}), topicPartitions: [{ topic: 'wire', partitions: [0, 3] }, { topic: 'missing', partitions: [0] }], timeoutMs: 10_000 });
    assert.equal(response.errorCode ?? 0, Errors.NONE);
    assert.deepEqual(
      response.replicaElectionResults.map((t) => [t.topic, t.partitionResult.map((p) => [p.partitionId, p.errorCode])]),
      [['wire', [[0, Errors.ELECTION_NOT_NEEDED], [3, Errors.UNKNOWN_TOPIC_OR_PARTITION]]], ['missing', [[0, Errors.UNKNOWN_TOPIC_OR_PARTITION]]]],
      `v${version} type ${electionType}`,
    );
  }
  // Every partition: only those that needed an election are listed.
  const all = await elect(2, { electionType: 0, topicPartitions: null, timeoutMs: 10_000 });
  assert.deepEqual(all.replicaElectionResults.flatMap((t) => t.partitionResult), []);
  // An unknown election type fails the request: the top-level code and each named partition carry it.
  const bad = await elect(2, { electionType: 9, topicPartitions: [{ topic: 'wire', partitions: [0] }], timeoutMs: 10_000 });
  assert.equal(bad.errorCode, Errors.INVALID_REQUEST);
  assert.deepEqual(bad.replicaElectionResults.map((t) => t.partitionResult.map((p) => p.errorCode)), [[Errors.INVALID_REQUEST]]);
});
