import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { FileRawSnapshotReader } from '../../../src/raft/file-raw-snapshot-reader.ts';
import { parseSnapshotPath } from '../../../src/raft/snapshot-path.ts';
import { SnapshotReader } from '../../../src/raft/snapshot-reader.ts';
import { decodeMetadataRecord } from '../../../src/metadata/metadata-record-serde.ts';
import type { KafkaRaftServer } from '../../../src/server/kafka-raft-server.ts';
import { waitFor } from '../../helpers/broker.ts';
import { freePorts, staticQuorum, tempDir } from './in-process-nodes.ts';

// KIP-630 end to end: every node snapshots its own metadata image (SnapshotGenerator + SnapshotEmitter over the
// raft client), the metadata log is trimmed below the snapshots (metadata.max.retention.*), a restart loads the
// latest snapshot then the tail, and a node behind the leader's log start fetches the leader's snapshot.

/** Snapshots often, keeps little: every few topics make a snapshot, and retention trims below the second one. */
const SNAPSHOT_OFTEN = {
  'metadata.log.max.record.bytes.between.snapshots': '1500',
  'metadata.log.segment.bytes': '4096',
  'metadata.max.retention.bytes': '1',
};
/** Retention runs every 100 ms instead of Kafka's fixed 60 s. */
const FAST_CLEAN = { metadataLogCleanIntervalMs: 100 };

async function createTopics(bootstrap: string, names: string[]): Promise<void> {
  const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    // One request per topic: each makes its own committed batches, as separate operations would.
    for (const topic of names) assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }] }), true, topic);
  } finally {
    await admin.disconnect();
  }
}

function bootstrapOf(server: KafkaRaftServer): string {
  return `127.0.0.1:${server.boundPort('PLAINTEXT')}`;
}

/** The frozen snapshots `<offset>-<epoch>.checkpoint` in a metadata log dir, oldest first. */
async function snapshotFiles(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, 'logs', '__cluster_metadata-0');
  return (await readdir(dir)).filter((f) => f.endsWith('.checkpoint')).sort();
}

test('a node snapshots its metadata image in Kafka\'s format; retention trims the log below the snapshots; a restart loads the latest snapshot then the tail', async () => {
  const { dir, cleanup } = await tempDir('kafka-snapshots-');
  const [controllerPort] = await freePorts(1);
  const [node] = staticQuorum(dir, [controllerPort!], SNAPSHOT_OFTEN, FAST_CLEAN);
  try {
    let server = await node!.start();
    const names = Array.from({ length: 30 }, (_, i) => `snap-${i}`);
    await createTopics(bootstrapOf(server), names);
    const log = server.shared.raft.log;
    await waitFor('the log start offset to move past 0 (trimmed below a snapshot)', () => log.startOffset > 0n, 20_000);
    const files = await snapshotFiles(node!.dataDir);
    assert.ok(files.length >= 1, `snapshots in the metadata log dir: ${files}`);
    const latest = parseSnapshotPath(join(node!.dataDir, 'logs', '__cluster_metadata-0'), files.at(-1)!)!;
    assert.ok(latest.snapshotId.offset >= log.startOffset, 'the latest snapshot is at or past the log start');
    assert.ok(latest.snapshotId.offset <= server.shared.raft.client.highWatermark!, 'snapshots are of committed offsets only');

    // The file is Kafka's: header, the image's records (metadata.version first), footer.
    const reader = new SnapshotReader(await FileRawSnapshotReader.open(latest.snapshotId, latest.path, `${latest.path}.deleted`));
    const types: string[] = [];
    for await (const b of reader.batches()) for (const r of b.records) types.push(decodeMetadataRecord(r).type);
    assert.equal(types[0], 'FeatureLevelRecord');
    assert.ok(types.filter((t) => t === 'TopicRecord').length >= 1);

    // Topics created after the latest snapshot are in the tail of the log.
    await createTopics(bootstrapOf(server), ['after-snapshot']);
    await node!.stop();
    server = await node!.start();
    assert.ok(server.shared.raft.log.startOffset > 0n, 'the log before the start offset is gone: the image comes from the snapshot');
    for (const name of [...names, 'after-snapshot']) assert.ok(server.metadata.topicsByName.has(name), name);
  } finally {
    await node!.stop();
    await cleanup();
  }
});

test('a voter restarted after the leader trimmed its log past the voter\'s log end catches up from the leader\'s snapshot (FetchSnapshot)', async () => {
  const { dir, cleanup } = await tempDir('kafka-snapshots-3-');
  const ports = await freePorts(3);
  const nodes = staticQuorum(dir, ports, SNAPSHOT_OFTEN, FAST_CLEAN);
  try {
    await Promise.all(nodes.map((n) => n.start()));
    const leaderOf = (): KafkaRaftServer => nodes.map((n) => n.server!).find((s) => s.shared.raft.client.isLeader)!;
    const lagging = await waitFor('a leader and a node that is not it', () => {
      const leader = nodes.find((n) => n.server?.shared.raft.client.isLeader);
      return leader === undefined ? null : nodes.find((n) => n !== leader)!;
    });
    await createTopics(bootstrapOf(leaderOf()), ['before-1', 'before-2']);
    const laggingEnd = lagging.server!.shared.raft.log.endOffset;
    await lagging.stop();

    const names = Array.from({ length: 30 }, (_, i) => `while-down-${i}`);
    await createTopics(bootstrapOf(leaderOf()), names);
    await waitFor('the leader to trim its log past the stopped voter\'s log end', () => leaderOf().shared.raft.log.startOffset > laggingEnd, 20_000);

    const server = await lagging.start();
    await waitFor('the restarted voter to have every topic', () => [...names, 'before-1', 'before-2'].every((n) => server.metadata.topicsByName.has(n)), 20_000);
    const log = server.shared.raft.log;
    assert.ok(log.startOffset > laggingEnd, `its log restarts at the fetched snapshot (${log.startOffset} > ${laggingEnd})`);
    const fetched = server.shared.raft.client.latestSnapshotId();
    assert.ok(fetched !== null && fetched.offset >= log.startOffset);
    // It still follows: a topic created now reaches it through Fetch.
    await createTopics(bootstrapOf(leaderOf()), ['after-restart']);
    await waitFor('the new topic on the restarted voter', () => server.metadata.topicsByName.has('after-restart'));
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await cleanup();
  }
});
