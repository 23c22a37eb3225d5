import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { RecordingFaultHandler } from '../../../src/common/fault-handler.ts';
import type { TopicPartition } from '../../../src/common/topic-partition.ts';
import { SystemTime } from '../../../src/common/time.ts';
import { MetadataDelta } from '../../../src/metadata/metadata-delta.ts';
import { EMPTY_IMAGE } from '../../../src/metadata/metadata-image.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { ReplicaManager } from '../../../src/replication/replica-manager.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { KafkaStorageError } from '../../../src/storage/errors.ts';
import { LogManager } from '../../../src/storage/log-manager.ts';
import type { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { buildBatch, simpleRecords } from '../storage/batches.ts';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAg';
const config = logConfig({ fileDeleteDelayMs: 0 });

let root: string;
let n = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'replica-manager-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A LogManager whose getOrCreateLog counts the creations in flight and can fail some partitions. */
async function countingLogManager(fail: (tp: TopicPartition) => boolean = () => false, error = (tp: TopicPartition): Error => new Error(`no disk for ${tp.topic}-${tp.partition}`)): Promise<{ manager: LogManager; maxInFlight: () => number }> {
  // A recording fault handler: a test that fails the only log dir would otherwise end this process.
  const manager = await LogManager.create({ logDirs: [join(root, `dir-${n++}`)], defaultConfig: config, cleaner: false, faultHandler: new RecordingFaultHandler() });
  await manager.startup();
  let inFlight = 0;
  let max = 0;
  const create = manager.getOrCreateLog.bind(manager);
  manager.getOrCreateLog = async (tp, cfg, topicId): Promise<UnifiedLog> => {
    max = Math.max(max, ++inFlight);
    try {
      if (fail(tp)) throw error(tp);
      return await create(tp, cfg, topicId);
    } finally {
      inFlight--;
    }
  };
  return { manager, maxInFlight: () => max };
}

function topicDelta(partitions: number) {
  const delta = new MetadataDelta(EMPTY_IMAGE);
  let offset = 0n;
  delta.replay({ type: 'TopicRecord', version: 0, data: { name: 'many', topicId: TOPIC_ID } }, offset++, 1);
  for (let p = 0; p < partitions; p++) {
    delta.replay(
      {
        type: 'PartitionRecord',
        version: 0,
        data: { partitionId: p, topicId: TOPIC_ID, replicas: [1], isr: [1], removingReplicas: [], addingReplicas: [], leader: 1, leaderRecoveryState: 0, leaderEpoch: 4, partitionEpoch: 0, directories: [], eligibleLeaderReplicas: null, lastKnownElr: null },
      },
      offset++,
      1,
    );
  }
  return delta.apply();
}

function replicaManager(logManager: LogManager): ReplicaManager {
  return new ReplicaManager({
    nodeId: 1,
    logManager,
    time: SystemTime,
    logger: rootLogger,
    logConfig: () => config,
    minInsyncReplicas: () => 1,
    validate: async () => {
      throw new Error('not used');
    },
  });
}

test("a metadata update creates its new partitions' logs a few at a time and makes this node their leader", async () => {
  const { manager, maxInFlight } = await countingLogManager();
  const replicas = replicaManager(manager);
  const { image, changes } = topicDelta(200);
  await replicas.onMetadataUpdate(image, changes);
  assert.equal([...replicas.allPartitions()].length, 200);
  assert.ok(maxInFlight() > 1 && maxInFlight() <= 16, `at most 16 creations at once (saw ${maxInFlight()})`);
  const p = replicas.leaderPartition({ topic: 'many', partition: 123 }, 4);
  assert.deepEqual([p.isLeader, p.log.latestEpoch, p.topicId], [true, 4, TOPIC_ID]);
  const info = await p.appendRecordsToLeader(buildBatch(simpleRecords(2)), -1);
  assert.deepEqual([info.firstOffset, info.lastOffset, p.highWatermark], [0n, 1n, 2n]);
  assert.equal(await readFile(join(p.log.dir, 'leader-epoch-checkpoint'), 'utf8'), '0\n1\n4 0\n');
  await manager.shutdown();
});

test('a partition whose log cannot be created does not stop the others; the error is rethrown after them', async () => {
  const { manager } = await countingLogManager((tp) => tp.partition === 5);
  const replicas = replicaManager(manager);
  const { image, changes } = topicDelta(40);
  await assert.rejects(replicas.onMetadataUpdate(image, changes), /no disk for many-5/);
  assert.equal([...replicas.allPartitions()].length, 39);
  assert.equal(replicas.getPartition({ topic: 'many', partition: 5 }), undefined);
  await manager.shutdown();
});

test('a partition whose log dir failed is offline: KAFKA_STORAGE_ERROR for it, the update goes on (Kafka marks it offline)', async () => {
  const { manager } = await countingLogManager((tp) => tp.partition === 5, () => new KafkaStorageError('Creating the log in log dir /x failed: ENOSPC'));
  const replicas = replicaManager(manager);
  const { image, changes } = topicDelta(10);
  await replicas.onMetadataUpdate(image, changes);
  assert.equal([...replicas.allPartitions()].length, 9);
  assert.throws(() => replicas.leaderPartition({ topic: 'many', partition: 5 }), { code: 56, message: 'Partition many-5 is in an offline log directory' });
  // A hosted partition whose log went offline answers the same, before any leadership check.
  const p = replicas.leaderPartition({ topic: 'many', partition: 3 });
  manager.handleLogDirFailure(manager.logDirs[0]!, 'test', new KafkaStorageError('EIO'));
  assert.ok(p.log.isOffline);
  assert.throws(() => replicas.leaderPartition({ topic: 'many', partition: 3 }, 99), { code: 56 });
  await manager.shutdown();
});
