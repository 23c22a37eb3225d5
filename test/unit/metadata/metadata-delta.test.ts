import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MetadataDelta } from '../../../src/metadata/metadata-delta.ts';
import { EMPTY_IMAGE } from '../../../src/metadata/metadata-image.ts';
import type { MetadataRecord } from '../../../src/metadata/metadata-record-serde.ts';
import { partitionRecordData } from '../../fixtures/metadata/partition-record.ts';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

function topicRecord(name: string, topicId: string): MetadataRecord {
  return { type: 'TopicRecord', version: 0, data: { name, topicId } };
}

function partitionRecord(partitionId: number, replicas: number[], isr: number[]): MetadataRecord {
  return { type: 'PartitionRecord', version: 2, data: partitionRecordData(TOPIC_ID, partitionId, replicas, isr) };
}

test('partitions with equal replica lists share one frozen list; empty lists are one shared list', () => {
  const delta = new MetadataDelta(EMPTY_IMAGE);
  let offset = 0n;
  delta.replay(topicRecord('t', TOPIC_ID), offset++, 1);
  for (let p = 0; p < 4; p++) delta.replay(partitionRecord(p, p < 2 ? [1, 2] : [2, 1], [1]), offset++, 1);
  const { image, changes } = delta.apply();
  const parts = image.topicsByName.get('t')!.partitions;
  const [p0, p1, p2, p3] = [0, 1, 2, 3].map((p) => parts.get(p)!);
  assert.deepEqual([...p0!.replicas], [1, 2]);
  assert.deepEqual([...p2!.replicas], [2, 1], 'the order of a replica list is kept');
  assert.equal(p0!.replicas, p1!.replicas);
  assert.equal(p2!.replicas, p3!.replicas);
  assert.notEqual(p0!.replicas, p2!.replicas);
  assert.equal(p0!.isr, p3!.isr);
  assert.equal(p0!.removingReplicas, p3!.addingReplicas);
  assert.ok(Object.isFrozen(p0!.replicas) && Object.isFrozen(p0!.removingReplicas));
  assert.equal(changes.changedPartitions.size, 4);
});

test('a PartitionChangeRecord keeps the lists it leaves null and interns the ones it sets', () => {
  const first = new MetadataDelta(EMPTY_IMAGE);
  first.replay(topicRecord('t', TOPIC_ID), 0n, 1);
  first.replay(partitionRecord(0, [1, 2, 3], [1, 2, 3]), 1n, 1);
  first.replay(partitionRecord(1, [1, 2, 3], [1, 2]), 2n, 1);
  const base = first.apply().image;
  const delta = new MetadataDelta(base);
  delta.replay(
    {
      type: 'PartitionChangeRecord',
      version: 0,
      data: {
        partitionId: 0,
        topicId: TOPIC_ID,
        isr: [1, 2],
        leader: 2,
        replicas: null,
        removingReplicas: null,
        addingReplicas: null,
        leaderRecoveryState: -1,
        directories: null,
        eligibleLeaderReplicas: null,
        lastKnownElr: null,
      },
    },
    3n,
    1,
  );
  const after = delta.apply().image.topicsById.get(TOPIC_ID)!.partitions;
  const before = base.topicsById.get(TOPIC_ID)!.partitions;
  assert.equal(after.get(0)!.replicas, before.get(0)!.replicas);
  assert.equal(after.get(0)!.isr, before.get(1)!.isr, 'the new ISR is the interned [1, 2]');
  assert.deepEqual([after.get(0)!.leader, after.get(0)!.leaderEpoch, after.get(0)!.partitionEpoch], [2, 1, 1]);
  assert.equal(after.get(1), before.get(1));
});
