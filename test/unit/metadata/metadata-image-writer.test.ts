import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { EMPTY_IMAGE, type MetadataImage } from '../../../src/metadata/metadata-image.ts';
import { metadataImageRecords, UnwritableMetadataError, writeMetadataImage } from '../../../src/metadata/metadata-image-writer.ts';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataRecordInput } from '../../../src/metadata/metadata-record-serde.ts';
import { MIGRATING_DIRECTORY } from '../../../src/metadata/partition-registration.ts';
import { canonicalImage, randomImage, RandomMetadataOps, replayBatches } from './metadata-test-kit.ts';

/** Records encoded by Apache Kafka 4.4 (input) and its MetadataImage.write of their image (written); see KafkaImageWriteGolden.java. */
const KAFKA_GOLDEN = JSON.parse(readFileSync(new URL('../../fixtures/metadata/kafka-4.4-image-write.json', import.meta.url), 'utf8')) as {
  metadataVersion: number;
  input: string[];
  written: string[];
}[];

const TOPIC_ID = 'ESIzRFVmd4iZqrvM3e7_AA';
const DIR = 'gAAAAAAAAAEAAAAAAAAAAg';

function apiKeys(hex: readonly string[]): number[] {
  return hex.map((h) => Buffer.from(h, 'hex')[1]!);
}

for (const golden of KAFKA_GOLDEN) {
  test(`records written by Kafka 4.4 at metadata.version ${golden.metadataVersion} decode, re-encode to the same bytes, and give an image written as Kafka writes it`, () => {
    const records = golden.input.map((h) => decodeMetadataRecord(Buffer.from(h, 'hex')));
    for (const [i, r] of records.entries()) {
      assert.notEqual(r.type, 'Unknown');
      assert.equal(encodeMetadataRecord(r as MetadataRecordInput).toString('hex'), golden.input[i], `${r.type} re-encoded`);
    }
    const image = replayBatches(EMPTY_IMAGE, [records as MetadataRecordInput[]]);
    const ours = [...writeMetadataImage(image)].flat().map((b) => b.toString('hex'));
    // Kafka iterates hash maps, so records of one kind may come in another order; the kinds' order is Kafka's.
    assert.deepEqual(apiKeys(ours), apiKeys(golden.written));
    assert.equal(ours[0], golden.written[0], 'metadata.version first of all');
    assert.deepEqual([...ours].sort(), [...golden.written].sort());
    const p = image.topicsById.get(TOPIC_ID)!.partitions.get(0)!;
    assert.deepEqual([p.leader, p.leaderEpoch, p.partitionEpoch, [...p.isr], [...p.directories]], [1, 4, 5, [1, 2], [DIR, MIGRATING_DIRECTORY]]);
  });
}

function fullImage(metadataVersion: number): MetadataImage {
  const records: MetadataRecordInput[] = [
    { type: 'FeatureLevelRecord', data: { name: 'group.version', featureLevel: 1 } },
    { type: 'FeatureLevelRecord', data: { name: 'metadata.version', featureLevel: metadataVersion } },
    ...[2, 1].map((brokerId): MetadataRecordInput => ({
      type: 'RegisterBrokerRecord',
      data: { brokerId, isMigratingZkBroker: brokerId === 2, incarnationId: TOPIC_ID, brokerEpoch: 7n, endPoints: [], features: [], rack: null, fenced: false, inControlledShutdown: true, logDirs: brokerId === 1 ? [DIR] : [] },
    })),
    { type: 'RegisterControllerRecord', data: { controllerId: 3000, incarnationId: TOPIC_ID, zkMigrationReady: false, endPoints: [], features: [] } },
    { type: 'TopicRecord', data: { name: 'a', topicId: TOPIC_ID } },
    ...[0, 1].map((partitionId): MetadataRecordInput => ({
      type: 'PartitionRecord',
      data: { partitionId, topicId: TOPIC_ID, replicas: [1, 2], isr: [1], removingReplicas: [], addingReplicas: [], leader: 1, leaderRecoveryState: 0, leaderEpoch: 0, partitionEpoch: 0, directories: partitionId === 0 ? [DIR, MIGRATING_DIRECTORY] : [], eligibleLeaderReplicas: [2], lastKnownElr: null },
    })),
    { type: 'ConfigRecord', data: { resourceType: 2, resourceName: 'a', name: 'retention.ms', value: '1' } },
    { type: 'ConfigRecord', data: { resourceType: 4, resourceName: '', name: 'log.retention.ms', value: '2' } },
    { type: 'ClientQuotaRecord', data: { entity: [{ entityType: 'user', entityName: null }], key: 'producer_byte_rate', value: 10, remove: false } },
    { type: 'ProducerIdsRecord', data: { brokerId: 1, brokerEpoch: 7n, nextProducerId: 3000n } },
    { type: 'AccessControlEntryRecord', data: { id: DIR, resourceType: 2, resourceName: 'a', patternType: 3, principal: 'User:x', host: '*', operation: 3, permissionType: 3 } },
    { type: 'UserScramCredentialRecord', data: { name: 'x', mechanism: 2, salt: Buffer.from([1]), storedKey: Buffer.from([2]), serverKey: Buffer.from([3]), iterations: 8192 } },
    { type: 'DelegationTokenRecord', data: { tokenId: 'tok', owner: 'User:x', requester: 'User:x', renewers: [], issueTimestamp: 1n, maxTimestamp: 2n, expirationTimestamp: 2n } },
  ];
  return replayBatches(EMPTY_IMAGE, [records]);
}

function summary(image: MetadataImage, options: Parameters<typeof metadataImageRecords>[1] = {}): string[] {
  return [...metadataImageRecords(image, options)].map((r) => {
    const d = r.data as unknown as Record<string, unknown>;
    const field = { RegisterBrokerRecord: 'brokerId', RegisterControllerRecord: 'controllerId', PartitionRecord: 'partitionId', ConfigRecord: 'resourceName', ClientQuotaRecord: 'key', ProducerIdsRecord: 'nextProducerId', AccessControlEntryRecord: 'id', DelegationTokenRecord: 'tokenId' }[r.type as string] ?? 'name';
    return `${r.type} v${r.version} ${String(d[field])}`;
  });
}

test("an image is written in Kafka's order: metadata.version first, then features, brokers, controllers, topics, configs, quotas, producer ids, ACLs, SCRAM, tokens", () => {
  assert.deepEqual(summary(fullImage(21)), [
    'FeatureLevelRecord v0 metadata.version',
    'FeatureLevelRecord v0 group.version',
    'RegisterBrokerRecord v3 2',
    'RegisterBrokerRecord v3 1',
    'RegisterControllerRecord v0 3000',
    'TopicRecord v0 a',
    'PartitionRecord v1 0',
    'PartitionRecord v1 1',
    'ConfigRecord v0 a',
    'ConfigRecord v0 ',
    'ClientQuotaRecord v0 producer_byte_rate',
    'ProducerIdsRecord v0 3000',
    'AccessControlEntryRecord v0 gAAAAAAAAAEAAAAAAAAAAg',
    'UserScramCredentialRecord v0 x',
    'DelegationTokenRecord v0 tok',
  ]);
  const producerIds = [...metadataImageRecords(fullImage(21))].find((r) => r.type === 'ProducerIdsRecord')!;
  assert.deepEqual(producerIds.data, { brokerId: -1, brokerEpoch: -1n, nextProducerId: 3000n }, "Kafka's ProducerIdsImage keeps only the next id");
});

test('record versions follow the metadata.version written; ELR only with eligible.leader.replicas.version on', () => {
  const image = fullImage(25);
  const versions = (options: Parameters<typeof metadataImageRecords>[1]) =>
    Object.fromEntries([...metadataImageRecords(image, options)].filter((r) => r.type === 'RegisterBrokerRecord' || r.type === 'PartitionRecord').map((r) => [r.type, r.version]));
  assert.deepEqual(versions({ metadataVersion: 25 }), { RegisterBrokerRecord: 3, PartitionRecord: 2 });
  const partition = (options: Parameters<typeof metadataImageRecords>[1]) =>
    [...metadataImageRecords(image, options)].find((r) => r.type === 'PartitionRecord')!.data as { eligibleLeaderReplicas: number[] | null; directories: string[] };
  assert.equal(partition({}).eligibleLeaderReplicas, null, 'the image has no eligible.leader.replicas.version: ELR left out, as Kafka does');
  assert.deepEqual(partition({ eligibleLeaderReplicasEnabled: true }).eligibleLeaderReplicas, [2]);
  const noLoss = { lossHandler: () => undefined };
  assert.deepEqual(versions({ metadataVersion: 17, ...noLoss }), { RegisterBrokerRecord: 3, PartitionRecord: 1 });
  assert.deepEqual(versions({ metadataVersion: 8, ...noLoss }), { RegisterBrokerRecord: 2, PartitionRecord: 0 });
  assert.deepEqual(versions({ metadataVersion: 7, ...noLoss }), { RegisterBrokerRecord: 1, PartitionRecord: 0 });
  assert.deepEqual(partition({ metadataVersion: 14, ...noLoss }).directories, []);
});

test('what the metadata.version cannot represent goes to the loss handler, which throws by default', () => {
  const image = fullImage(21);
  assert.throws(() => [...metadataImageRecords(image, { metadataVersion: 7 })], (e: unknown) => e instanceof UnwritableMetadataError && /metadata.version 3.3-IV3 \(7\): the isMigratingZkBroker state/.test(e.message));
  const losses: string[] = [];
  const records = [...metadataImageRecords(image, { metadataVersion: 7, lossHandler: (e) => losses.push(e.loss) })];
  assert.deepEqual(losses, [
    'the isMigratingZkBroker state of one or more brokers',
    'the online log directories of one or more brokers',
    'controller registration data',
    'the directory assignment state of one or more replicas',
    'SCRAM credentials of users x',
    'delegation tokens tok',
  ]);
  assert.deepEqual([...new Set(records.map((r) => r.type))], ['FeatureLevelRecord', 'RegisterBrokerRecord', 'TopicRecord', 'PartitionRecord', 'ConfigRecord', 'ClientQuotaRecord', 'ProducerIdsRecord', 'AccessControlEntryRecord']);
  const elrLoss: string[] = [];
  [...metadataImageRecords(image, { eligibleLeaderReplicasEnabled: true, lossHandler: (e) => elrLoss.push(e.loss) })];
  assert.deepEqual(elrLoss, ['the eligible leader replicas of one or more partitions', 'the eligible leader replicas of one or more partitions']);
});

test('an image without metadata.version, or one needing record versions this build lacks, is not written', () => {
  assert.throws(() => [...writeMetadataImage(EMPTY_IMAGE)], /without metadata.version/);
  assert.throws(() => [...writeMetadataImage(fullImage(21), { metadataVersion: 99 })], /unknown metadata.version 99/);
  assert.throws(() => [...writeMetadataImage(fullImage(30))], /RegisterBrokerRecord v4, which this build's record definitions lack/);
});

test('batches hold at most maxRecordsPerBatch records and maxBatchBytes value bytes, a larger record alone, in order', () => {
  const image = randomImage(new RandomMetadataOps(42), 150);
  const all = [...writeMetadataImage(image, { maxRecordsPerBatch: 1_000_000, maxBatchBytes: 1 << 30 })].flat();
  assert.ok(all.length > 50);
  const biggest = Math.max(...all.map((b) => b.length));
  for (const [maxRecordsPerBatch, maxBatchBytes] of [[1, 1 << 20], [7, 1 << 20], [1024, 300], [1024, biggest - 1]] as const) {
    const batches = [...writeMetadataImage(image, { maxRecordsPerBatch, maxBatchBytes })];
    assert.deepEqual(batches.flat(), all);
    for (const b of batches) {
      assert.ok(b.length >= 1 && b.length <= maxRecordsPerBatch);
      const bytes = b.reduce((n, v) => n + v.length, 0);
      assert.ok(bytes <= maxBatchBytes || b.length === 1, `${bytes} bytes in ${b.length} records`);
    }
  }
  assert.equal([...writeMetadataImage(image)].length, 1, 'the defaults (1024 records, 1 MiB) hold this image in one batch');
  assert.deepStrictEqual(canonicalImage(replayBatches(EMPTY_IMAGE, [all.map((b) => decodeMetadataRecord(b) as MetadataRecordInput)])), canonicalImage(image));
});
