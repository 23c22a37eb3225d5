import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { NetworkClient } from '../../../src/network/network-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { ListOffsetsResponse } from '../../../src/protocol/generated/messages/list-offsets-response.ts';
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce-response.ts';
import type { KafkaRaftServer } from '../../../src/server/kafka-raft-server.ts';
import { buildBatch, simpleRecords } from '../../unit/storage/batches.ts';
import { waitFor } from '../../helpers/broker.ts';
import { freePorts, staticQuorum, tempDir, type StaticQuorumNode } from '../quorum/in-process-nodes.ts';

// Issue 15, items 2-4: a topic of replication factor 3 on three combined nodes. The followers fetch from the leader
// (Fetch v12 with their replica id) and append its batches as follower; acks=all with min.insync.replicas=2 is
// answered once the ISR has the records; every record is in all three logs; when the leader stops without a
// controlled shutdown, the controller fences it after broker.session.timeout.ms and elects a leader from the ISR,
// which serves every acknowledged record. A follower refuses produce with the current leader's id, epoch and
// endpoint (KIP-951).

const execFileAsync = promisify(execFile);
const TOPIC = 'replicated';
const RECORDS = 200;

const OVERRIDES = {
  'min.insync.replicas': '2',
  // A stopped broker is not moved off its partitions first: its death is found by the missing heartbeats.
  'controlled.shutdown.enable': 'false',
  'broker.session.timeout.ms': '3000',
  'broker.heartbeat.interval.ms': '500',
  'replica.fetch.wait.max.ms': '200',
  'replica.fetch.backoff.ms': '200',
};

function bootstrapOf(server: KafkaRaftServer): string {
  return `127.0.0.1:${server.boundPort('PLAINTEXT')}`;
}

/** The partition's state on `server` (undefined when it does not host it). */
function partitionOn(server: KafkaRaftServer) {
  return server.brokerServer!.replicaManager.getPartition({ topic: TOPIC, partition: 0 });
}

/** The record values of partition 0 from its current leader, read with kcat (librdkafka, no consumer group). */
async function consumeAll(bootstrap: string): Promise<string[]> {
  const { stdout } = await execFileAsync('kcat', ['-C', '-b', bootstrap, '-t', TOPIC, '-p', '0', '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { timeout: 30_000 });
  return stdout.split('\n').filter((l) => l !== '');
}

test('RF 3, min.insync.replicas=2: acks=all records reach all three logs; after the leader dies a leader from the ISR serves every acknowledged record', { timeout: 120_000 }, async () => {
  const { dir, cleanup } = await tempDir('kafka-replication-');
  const nodes: StaticQuorumNode[] = staticQuorum(dir, await freePorts(3), OVERRIDES);
  try {
    const servers = await Promise.all(nodes.map((n) => n.start()));
    const kafka = new Kafka({ brokers: servers.map(bootstrapOf), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 3 }], waitForLeaders: false }), true);
    } finally {
      await admin.disconnect();
    }
    // Every node hosts the partition; one leads it, with the three replicas in its ISR.
    const leader = await waitFor('a leader with the whole ISR', () => servers.find((s) => partitionOn(s)?.isLeader === true && partitionOn(s)!.isr.length === 3));
    await waitFor('every node hosts the partition', () => servers.every((s) => partitionOn(s) !== undefined));

    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (let i = 0; i < RECORDS; i += 20) {
        const res = await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 20 }, (_, j) => ({ value: `v${i + j}` })) });
        assert.equal(res[0]!.errorCode, 0);
      }
    } finally {
      await producer.disconnect();
    }
    // acks=all was answered once the high watermark passed the records: the leader's high watermark is the end.
    const leaderPartition = partitionOn(leader)!;
    assert.equal(leaderPartition.log.logEndOffset, BigInt(RECORDS));
    assert.equal(leaderPartition.highWatermark, BigInt(RECORDS));
    // The followers have the same records (their log end) and learn the high watermark on their next fetch.
    await waitFor('the followers caught up', () => servers.every((s) => partitionOn(s)!.log.logEndOffset === BigInt(RECORDS) && partitionOn(s)!.highWatermark === BigInt(RECORDS)));
    for (const s of servers) {
      if (s === leader) continue;
      const p = partitionOn(s)!;
      assert.equal(p.isLeader, false);
      assert.equal(p.leaderId, leader.nodeId);
      assert.equal(p.log.latestEpoch, leaderPartition.log.latestEpoch, 'the follower keeps the leader\'s epochs');
    }

    // A follower answers produce NOT_LEADER_OR_FOLLOWER with the current leader and its endpoint (KIP-951).
    const follower = servers.find((s) => s !== leader)!;
    const client = new NetworkClient({ clientId: 'kip-951-check' });
    try {
      const response = await client.send<ProduceResponse>({ nodeId: follower.nodeId, host: '127.0.0.1', port: follower.boundPort('PLAINTEXT') }, ApiKeys.Produce, 11, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 5000,
        topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildBatch(simpleRecords(1)) }] }],
      });
      const p = response.body.responses[0]!.partitionResponses[0]!;
      assert.equal(p.errorCode, Errors.NOT_LEADER_OR_FOLLOWER);
      assert.deepEqual(p.currentLeader, { leaderId: leader.nodeId, leaderEpoch: leaderPartition.leaderEpoch });
      assert.deepEqual(response.body.nodeEndpoints.map((e) => [e.nodeId, e.port]), [[leader.nodeId, leader.boundPort('PLAINTEXT')]]);
      // ListOffsets LATEST from the debugging replica id (-2) is answered by a follower too, with its log end offset
      // (Kafka's fetchOnlyFromLeader = false); a consumer's (-1) gets NOT_LEADER_OR_FOLLOWER there.
      const latest = async (replicaId: number): Promise<{ errorCode: number; offset: bigint }> => {
        const r = await client.send<ListOffsetsResponse>({ nodeId: follower.nodeId, host: '127.0.0.1', port: follower.boundPort('PLAINTEXT') }, ApiKeys.ListOffsets, 7, {
          replicaId,
          isolationLevel: 0,
          topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
        });
        return r.body.topics[0]!.partitions[0]!;
      };
      assert.deepEqual(await latest(-2).then((x) => [x.errorCode, x.offset]), [Errors.NONE, BigInt(RECORDS)]);
      assert.equal((await latest(-1)).errorCode, Errors.NOT_LEADER_OR_FOLLOWER);
    } finally {
      client.close();
    }

    const oldEpoch = leaderPartition.leaderEpoch;
    await nodes.find((n) => n.nodeId === leader.nodeId)!.stop();
    const survivors = servers.filter((s) => s !== leader);
    const newLeader = await waitFor('a new leader among the survivors', () => survivors.find((s) => partitionOn(s)?.isLeader === true), 30_000);
    const p = partitionOn(newLeader)!;
    assert.ok(p.leaderEpoch > oldEpoch, 'a new leader epoch');
    assert.ok(!p.isr.includes(leader.nodeId) || p.isr.length <= 3);
    const values = await consumeAll(bootstrapOf(newLeader));
    assert.deepEqual(values, Array.from({ length: RECORDS }, (_, i) => `v${i}`));
  } finally {
    for (const n of nodes) await n.stop().catch(() => undefined);
    await cleanup();
  }
});
