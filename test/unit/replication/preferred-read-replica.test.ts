// KIP-392 on a leader's Partition over a real log (Kafka's ReplicaManager.findPreferredReadReplica): which replica a
// consumer is sent to, from the ISR followers whose last fetch covers the fetch offset, reachable on the consumer's
// listener, as RackAwareReplicaSelector picks them; never the leader itself, never for followers' fetches.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MockTime } from '../../../src/common/time.ts';
import { EMPTY_IMAGE, type BrokerRegistration, type MetadataImage, type PartitionRegistration } from '../../../src/metadata/metadata-image.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { Partition } from '../../../src/replication/partition.ts';
import { findPreferredReadReplica } from '../../../src/replication/preferred-read-replica.ts';
import { RackAwareReplicaSelector } from '../../../src/replication/rack-aware-replica-selector.ts';
import { logConfig } from '../../../src/storage/log-config.ts';
import { UnifiedLog } from '../../../src/storage/unified-log.ts';
import { buildBatch, simpleRecords } from '../storage/batches.ts';

const TP = { topic: 't', partition: 0 };
const RACKS: Record<number, string> = { 1: 'a', 2: 'b', 3: 'b' };
let dir: string | undefined;
let log: UnifiedLog | undefined;
after(async () => {
  await log?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function broker(id: number, fenced = false): BrokerRegistration {
  return {
    id, epoch: BigInt(id * 10), incarnationId: `inc-${id}`, endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9090 + id, securityProtocol: 0 }],
    supportedFeatures: [], rack: RACKS[id]!, fenced, inControlledShutdown: false, isMigratingZkBroker: false, directories: [],
  };
}

function registration(isr: number[], partitionEpoch: number): PartitionRegistration {
  return { replicas: [1, 2, 3], isr, removingReplicas: [], addingReplicas: [], directories: [], elr: [], lastKnownElr: [], leader: 1, leaderRecoveryState: 0, leaderEpoch: 0, partitionEpoch };
}

test('the leader sends a rack b consumer to the most caught-up ISR follower of rack b that holds the fetch offset and is reachable, else reads itself', async () => {
  dir = await mkdtemp(join(tmpdir(), 'preferred-read-replica-'));
  log = await UnifiedLog.open(join(dir, 't-0'), TP, logConfig({}));
  const time = new MockTime();
  let image: MetadataImage = { ...EMPTY_IMAGE, brokers: new Map([1, 2, 3].map((id) => [id, broker(id)])) };
  const leader = new Partition(TP, 'AAAAAAAAAAAAAAAAAAAABA', log, {
    nodeId: 1, time, logger: rootLogger, replicaLagTimeMaxMs: 10_000,
    alterPartitionManager: { submit: () => Promise.reject(new Error('unused')) },
    minInsyncReplicas: () => 1, metadata: () => image, brokerEpoch: () => 10n, tryCompleteDelayedRequests: () => undefined,
  });
  await leader.makeLeader(registration([1, 2, 3], 0));
  await leader.appendRecordsToLeader(buildBatch(simpleRecords(10)), 1);
  // Follower 2 has the whole log, follower 3 the first 6 records.
  leader.updateFollowerFetchState(2, 10n, 0n, time.milliseconds(), 10n, 20n);
  leader.updateFollowerFetchState(3, 6n, 0n, time.milliseconds(), 10n, 30n);

  const selector = new RackAwareReplicaSelector();
  const client = (rackId: string, listenerName = 'PLAINTEXT') => ({ rackId, clientId: 'c', listenerName });
  const preferred = (rackId: string, fetchOffset: bigint, replicaId = -1, listenerName = 'PLAINTEXT') =>
    findPreferredReadReplica(leader, image, selector, client(rackId, listenerName), replicaId, fetchOffset, time.milliseconds());

  assert.equal(preferred('b', 0n), 2, 'the larger log end offset');
  assert.equal(preferred('a', 0n), null, 'the leader is in the consumer\'s rack');
  assert.equal(preferred('', 0n), null, 'no client rack');
  assert.equal(preferred('b', 0n, 3), null, 'a follower\'s fetch');
  assert.equal(preferred('b', 0n, -1, 'INTERNAL'), null, 'no replica has an endpoint on the consumer\'s listener');
  assert.equal(findPreferredReadReplica(leader, image, null, client('b'), -1, 0n, time.milliseconds()), null, 'no replica.selector.class');

  // Follower 2 fenced: offered without its rack, so the rack's other follower is chosen.
  image = { ...image, brokers: new Map([...image.brokers, [2, broker(2, true)]]) };
  assert.equal(preferred('b', 0n), 3);
  // Follower 3 does not hold offset 8 either: the leader serves it.
  assert.equal(preferred('b', 8n), null);
  image = { ...image, brokers: new Map([1, 2, 3].map((id) => [id, broker(id)])) };
  // Follower 2 out of the ISR (the controller committed the shrink): only follower 3 is a candidate.
  await leader.makeLeader(registration([1, 3], 1));
  assert.equal(preferred('b', 0n), 3);
  assert.equal(preferred('b', 7n), null);
});
