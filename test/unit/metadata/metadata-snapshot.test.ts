import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { EMPTY_IMAGE, type MetadataImage } from '../../../src/metadata/metadata-image.ts';
import { writeMetadataImage } from '../../../src/metadata/metadata-image-writer.ts';
import { partitionsEqual } from '../../../src/metadata/partition-registration.ts';
import type { MetadataChanges } from '../../../src/metadata/metadata-delta.ts';
import { MetadataDelta } from '../../../src/metadata/metadata-delta.ts';
import { canonicalImage, decodeAll, differingKeys, loadSnapshot, randomImage, RandomMetadataOps, replayBatches } from './metadata-test-kit.ts';

const SEEDS = Number(process.env.METADATA_SNAPSHOT_SEEDS ?? 400);

function replayHint(seed: number): string {
  return `seed ${seed} (replay: METADATA_SNAPSHOT_FIRST_SEED=${seed} METADATA_SNAPSHOT_SEEDS=1)`;
}

const FIRST_SEED = Number(process.env.METADATA_SNAPSHOT_FIRST_SEED ?? 1);

/** The changes a snapshot of `next` loaded onto `prev` must report: the differences of the two images. */
function expectedChanges(prev: MetadataImage, next: MetadataImage) {
  const changedPartitions = new Set<string>();
  for (const [id, t] of next.topicsById) {
    const old = prev.topicsById.get(id);
    for (const [p, r] of t.partitions) {
      const o = old?.partitions.get(p);
      if (o === undefined || !partitionsEqual(o, r)) changedPartitions.add(`${id}:${p}`);
    }
  }
  return {
    createdTopics: [...next.topicsById.keys()].filter((id) => !prev.topicsById.has(id)).sort(),
    deletedTopics: [...prev.topicsById.keys()].filter((id) => !next.topicsById.has(id)).sort(),
    changedPartitions: [...changedPartitions].sort(),
    changedConfigs: [...differingKeys(prev.configs, next.configs, isDeepStrictEqual)].sort(),
    changedBrokers: [...differingKeys(prev.brokers, next.brokers, isDeepStrictEqual)].sort(),
    changedControllers: [...differingKeys(prev.controllers, next.controllers, isDeepStrictEqual)].sort(),
    changedFeatures: [...differingKeys(prev.features, next.features, Object.is)].sort(),
    changedClientQuotas: [...differingKeys(prev.clientQuotas, next.clientQuotas, isDeepStrictEqual)].sort(),
    changedAcls: [...differingKeys(prev.acls, next.acls, isDeepStrictEqual)].sort(),
    changedScramUsers: [...differingKeys(prev.scram, next.scram, isDeepStrictEqual)].sort(),
    changedDelegationTokens: [...differingKeys(prev.delegationTokens, next.delegationTokens, isDeepStrictEqual)].sort(),
    producerIdsChanged: prev.nextProducerId !== next.nextProducerId,
  };
}

function reported(changes: MetadataChanges) {
  const sort = <T>(s: Iterable<T>): T[] => [...s].sort();
  return {
    createdTopics: sort(changes.createdTopics),
    deletedTopics: sort(changes.deletedTopics.keys()),
    changedPartitions: sort(changes.changedPartitions),
    changedConfigs: sort(changes.changedConfigs),
    changedBrokers: sort(changes.changedBrokers),
    changedControllers: sort(changes.changedControllers),
    changedFeatures: sort(changes.changedFeatures),
    changedClientQuotas: sort(changes.changedClientQuotas),
    changedAcls: sort(changes.changedAcls),
    changedScramUsers: sort(changes.changedScramUsers),
    changedDelegationTokens: sort(changes.changedDelegationTokens),
    producerIdsChanged: changes.producerIdsChanged,
  };
}

test(`image -> snapshot records -> replay from the empty image gives the same image (${SEEDS} seeds of random controller operations)`, () => {
  for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
    const a = randomImage(new RandomMetadataOps(seed), 20 + (seed % 60));
    const records = decodeAll(writeMetadataImage(a, { maxRecordsPerBatch: 1 + (seed % 7) }));
    const asLog = replayBatches(EMPTY_IMAGE, [records.map((r) => r as never)]);
    assert.deepStrictEqual(canonicalImage(asLog), canonicalImage(a), replayHint(seed));
    const { image: b, changes } = loadSnapshot(EMPTY_IMAGE, writeMetadataImage(a), a.offset, a.epoch);
    assert.deepStrictEqual(canonicalImage(b), canonicalImage(a), replayHint(seed));
    assert.deepEqual([b.offset, b.epoch], [a.offset, a.epoch], replayHint(seed));
    assert.deepStrictEqual(reported(changes), expectedChanges(EMPTY_IMAGE, a), replayHint(seed));
    assert.equal(changes.fromSnapshot, true);
  }
});

test(`a snapshot loaded onto another image gives exactly the snapshot's image and reports the differences (${SEEDS} seeds)`, () => {
  for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
    // A node that is behind (an earlier image of the same history) and a node with an unrelated history.
    const ops = new RandomMetadataOps(seed);
    let behind = replayBatches(EMPTY_IMAGE, [ops.bootstrap()]);
    const steps = 10 + (seed % 50);
    let a = behind;
    for (let i = 0; i < steps; i++) {
      a = replayBatches(a, [ops.next(a)]);
      if (i === (seed % steps)) behind = a;
    }
    const unrelated = randomImage(new RandomMetadataOps(seed + 1_000_000), 10 + (seed % 40));
    for (const current of [behind, unrelated, a]) {
      const { image, changes } = loadSnapshot(current, writeMetadataImage(a), a.offset, a.epoch);
      assert.deepStrictEqual(canonicalImage(image), canonicalImage(a), replayHint(seed));
      assert.deepStrictEqual(reported(changes), expectedChanges(current, a), replayHint(seed));
      for (const [id, t] of changes.deletedTopics) assert.equal(t, current.topicsById.get(id), 'a deleted topic is reported with its last image');
    }
  }
});

test('a snapshot of the current image changes nothing and keeps every part of it', () => {
  const a = randomImage(new RandomMetadataOps(7), 80);
  const { image, changes } = loadSnapshot(a, writeMetadataImage(a), a.offset + 10n, a.epoch + 1);
  assert.deepEqual(reported(changes), expectedChanges(a, a));
  assert.equal(changes.deletedTopics.size + changes.createdTopics.size + changes.changedPartitions.size, 0);
  for (const part of ['features', 'brokers', 'controllers', 'topicsById', 'topicsByName', 'configs', 'clientQuotas', 'acls', 'scram', 'delegationTokens'] as const) {
    assert.equal(image[part], a[part], `${part} is the previous image's map`);
  }
  assert.deepEqual([image.offset, image.epoch], [a.offset + 10n, a.epoch + 1]);
});

test('a snapshot that changes one partition keeps the other partitions and topics of the previous image', () => {
  const ops = new RandomMetadataOps(11);
  let a = randomImage(ops, 0);
  a = replayBatches(a, [[{ type: 'RegisterBrokerRecord', data: { brokerId: 1, isMigratingZkBroker: false, incarnationId: ops.uuid(), brokerEpoch: 5n, endPoints: [], features: [], rack: null, fenced: false, inControlledShutdown: false, logDirs: [] } }]]);
  const ids = [ops.uuid(), ops.uuid()];
  for (const [i, topicId] of ids.entries()) {
    a = replayBatches(a, [[
      { type: 'TopicRecord', data: { name: `t${i}`, topicId } },
      ...[0, 1].map((partitionId) => ({ type: 'PartitionRecord' as const, data: { partitionId, topicId, replicas: [1], isr: [1], removingReplicas: [], addingReplicas: [], leader: 1, leaderRecoveryState: 0, leaderEpoch: 0, partitionEpoch: 0, directories: [], eligibleLeaderReplicas: null, lastKnownElr: null } })),
    ]]);
  }
  const b = replayBatches(a, [[{ type: 'PartitionChangeRecord', data: { partitionId: 1, topicId: ids[0]!, isr: null, leader: -1, replicas: null, removingReplicas: null, addingReplicas: null, leaderRecoveryState: -1, directories: null, eligibleLeaderReplicas: null, lastKnownElr: null } }]]);
  const { image, changes } = loadSnapshot(a, writeMetadataImage(b), b.offset, b.epoch);
  assert.deepEqual([...changes.changedPartitions], [`${ids[0]}:1`]);
  assert.equal(changes.createdTopics.size, 0);
  assert.equal(image.topicsById.get(ids[1]!), a.topicsById.get(ids[1]!), 'the unchanged topic is the same object');
  assert.equal(image.topicsById.get(ids[0]!)!.partitions.get(0), a.topicsById.get(ids[0]!)!.partitions.get(0), 'the unchanged partition is the same object');
  assert.equal(image.topicsById.get(ids[0]!)!.partitions.get(1)!.leader, -1);
  assert.equal(image.brokers, a.brokers);
});

test('a snapshot without metadata.version, or lacking a partition or the name of a topic id the image holds, is refused', () => {
  const ops = new RandomMetadataOps(3);
  const base = replayBatches(EMPTY_IMAGE, [[{ type: 'FeatureLevelRecord', data: { name: 'metadata.version', featureLevel: 21 } }]]);
  const topicId = ops.uuid();
  const partition = (partitionId: number) => ({ type: 'PartitionRecord' as const, data: { partitionId, topicId, replicas: [1], isr: [1], removingReplicas: [], addingReplicas: [], leader: 1, leaderRecoveryState: 0, leaderEpoch: 0, partitionEpoch: 0, directories: [], eligibleLeaderReplicas: null, lastKnownElr: null } });
  const small = replayBatches(base, [[{ type: 'TopicRecord', data: { name: 't', topicId } }, partition(0)]]);
  const big = replayBatches(small, [[partition(1)]]);
  assert.throws(() => loadSnapshot(big, writeMetadataImage(small), small.offset, 1), /snapshot lacks partition t-1/);
  const renamed = replayBatches(base, [[{ type: 'TopicRecord', data: { name: 'u', topicId } }, partition(0)]]);
  assert.throws(() => loadSnapshot(small, writeMetadataImage(renamed), renamed.offset, 1), /as u, the image as t/);
  const withoutVersion = [[...writeMetadataImage(small)].flat().slice(1)];
  assert.throws(() => loadSnapshot(EMPTY_IMAGE, withoutVersion, small.offset, 1), /holds no metadata.version/);
});

test('beginSnapshot drops what the delta replayed before, and changes stay relative to the published image', () => {
  const a = randomImage(new RandomMetadataOps(5), 40);
  const published = randomImage(new RandomMetadataOps(6), 40);
  const delta = new MetadataDelta(published);
  const ops = new RandomMetadataOps(99);
  let scratch = published;
  let offset = published.offset + 1n;
  for (let i = 0; i < 10; i++) {
    const batch = ops.next(scratch);
    scratch = replayBatches(scratch, [batch]);
    for (const r of batch) delta.replay({ version: 0, ...r } as never, offset++, 1);
  }
  delta.beginSnapshot();
  for (const r of decodeAll(writeMetadataImage(a))) delta.replay(r, 0n, 0);
  assert.throws(() => delta.apply(), /begun and not finished/);
  delta.finishSnapshot(a.offset, a.epoch);
  const { image, changes } = delta.apply();
  assert.deepStrictEqual(canonicalImage(image), canonicalImage(a));
  assert.deepStrictEqual(reported(changes), expectedChanges(published, a));
  assert.throws(() => delta.beginSnapshot(), /already applied/);
});

test(`log records replayed after a snapshot in the same delta give the image of snapshot + tail, with changes against the base (${SEEDS} seeds)`, () => {
  for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
    const ops = new RandomMetadataOps(seed);
    const a = randomImage(ops, 10 + (seed % 40));
    const tail: ReturnType<typeof ops.next>[] = [];
    let end = a;
    for (let i = 0; i < 1 + (seed % 15); i++) {
      tail.push(ops.next(end));
      end = replayBatches(end, [tail.at(-1)!]);
    }
    const base = seed % 2 === 0 ? randomImage(new RandomMetadataOps(seed + 1_000_000), 30) : randomImage(new RandomMetadataOps(seed), 5 + (seed % 5));
    const delta = new MetadataDelta(base);
    delta.beginSnapshot();
    for (const r of decodeAll(writeMetadataImage(a))) delta.replay(r, 0n, 0);
    delta.finishSnapshot(a.offset, a.epoch);
    let offset = a.offset + 1n;
    for (const batch of tail) for (const r of batch) delta.replay({ version: 0, ...r } as never, offset++, 4);
    const { image, changes } = delta.apply();
    assert.deepStrictEqual(canonicalImage(image), canonicalImage(end), replayHint(seed));
    assert.deepEqual([image.offset, image.epoch], [end.offset, 4], replayHint(seed));
    const expected = expectedChanges(base, end);
    const got = reported(changes);
    // Partitions a tail record touched are listed even when their topic is gone by the end (log-delta semantics).
    const extra = got.changedPartitions.filter((k) => !expected.changedPartitions.includes(k));
    assert.ok(extra.every((k) => !end.topicsById.has(k.slice(0, k.indexOf(':')))), `${replayHint(seed)}: ${extra}`);
    assert.deepStrictEqual({ ...got, changedPartitions: [] }, { ...expected, changedPartitions: [] }, replayHint(seed));
    assert.ok(expected.changedPartitions.every((k) => got.changedPartitions.includes(k)), replayHint(seed));
  }
});
