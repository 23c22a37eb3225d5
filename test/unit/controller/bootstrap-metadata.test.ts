import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { BootstrapMetadata } from '../../../src/controller/bootstrap-metadata.ts';
import { SystemTime } from '../../../src/common/time.ts';
import { encodeMetadataRecord, type MetadataRecordInput } from '../../../src/metadata/metadata-record-serde.ts';
import { MetadataVersion } from '../../../src/metadata/metadata-version.ts';
import { writeBootstrapCheckpoint } from '../../../src/raft/bootstrap-checkpoint.ts';
import { KafkaMetadataLog, type MetadataLogConfig } from '../../../src/raft/kafka-metadata-log.ts';
import { replicaKey } from '../../../src/raft/replica-key.ts';
import { VoterSet } from '../../../src/raft/voter-set.ts';

const CONFIG: MetadataLogConfig = { segmentBytes: 1024 * 1024, segmentMs: 7 * 24 * 3600 * 1000, retentionMaxBytes: -1, retentionMs: -1, maxBatchSizeBytes: 8 * 1024 * 1024 };

async function withLog(body: (dir: string, log: KafkaMetadataLog) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'bootstrap-metadata-'));
  const dir = join(root, '__cluster_metadata-0');
  const log = await KafkaMetadataLog.open(dir, CONFIG, { time: SystemTime, logger: pino({ level: 'silent' }) });
  try {
    await body(dir, log);
  } finally {
    await log.close();
    await rm(root, { recursive: true, force: true });
  }
}

const scram: MetadataRecordInput = {
  type: 'UserScramCredentialRecord', version: 0,
  data: { name: 'alice', mechanism: 1, salt: Buffer.from('salt'), storedKey: Buffer.alloc(32, 1), serverKey: Buffer.alloc(32, 2), iterations: 4096 },
};

test('the records of a kraft.version 0 bootstrap checkpoint are read back in order, as format wrote them', async () => {
  await withLog(async (dir, log) => {
    const written = [...BootstrapMetadata.fromVersions(MetadataVersion.IBP_4_1_IV0, 'format command').records, scram];
    assert.equal(await writeBootstrapCheckpoint(log, null, 0, 1_000, written.map(encodeMetadataRecord)), true);
    const read = await BootstrapMetadata.read(dir);
    assert.ok(read !== null);
    assert.deepEqual(read.records, written);
    assert.equal(read.featureLevel('metadata.version'), MetadataVersion.IBP_4_1_IV0);
    assert.equal(read.featureLevel('eligible.leader.replicas.version'), 1);
    assert.match(read.source, /00000000000000000000-0000000000\.checkpoint$/);
  });
});

test('no checkpoint, or one with only voters (an older format), reads as null: the controller uses its defaults', async () => {
  await withLog(async (dir, log) => {
    assert.equal(await BootstrapMetadata.read(dir), null);
    const voters = new VoterSet([{ voterKey: replicaKey(1, 'JEXY6aqzQY-32P5TStzaFg'), listeners: new Map([['CONTROLLER', { host: 'a', port: 9093 }]]), supportedKRaftVersion: { min: 0, max: 1 } }]);
    await writeBootstrapCheckpoint(log, voters, 1, 1_000);
    assert.equal(await BootstrapMetadata.read(dir), null);
  });
});

test('records without metadata.version are refused, as Kafka\'s BootstrapMetadata.fromRecords', async () => {
  await withLog(async (dir, log) => {
    await writeBootstrapCheckpoint(log, null, 0, 1_000, [encodeMetadataRecord(scram)]);
    await assert.rejects(BootstrapMetadata.read(dir), /No FeatureLevelRecord for metadata\.version was found in the bootstrap metadata from the binary bootstrap metadata file: /);
  });
});

test('voters with kraft.version 0 are refused', async () => {
  await withLog(async (_dir, log) => {
    const voters = new VoterSet([{ voterKey: replicaKey(1, 'JEXY6aqzQY-32P5TStzaFg'), listeners: new Map([['CONTROLLER', { host: 'a', port: 9093 }]]), supportedKRaftVersion: { min: 0, max: 1 } }]);
    await assert.rejects(writeBootstrapCheckpoint(log, voters, 0, 1_000), /not expected when the kraft\.version is 0/);
  });
});
