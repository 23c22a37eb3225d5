// Issue 15 item 9, faults that leave a partition short of replicas, on real processes: three controller-only nodes
// (never touched) and three broker-only nodes 4, 5, 6; each topic is placed on [4, 5, 6], so 4 is its preferred
// leader; min.insync.replicas=2.
// - Two of the three brokers killed: once the controller fenced them (broker.session.timeout.ms) the ISR is the
//   leader alone; acks=all is refused with NOT_ENOUGH_REPLICAS, acks=1 is written (and stays above the high
//   watermark until the ISR is back to min.insync.replicas); restarted, the brokers catch up and the leader adds
//   them back to the ISR, as Metadata and kcat -L show.
// - A leader killed with records that never reached its followers (they were SIGSTOPped while it took acks=1
//   writes): a follower from the ISR takes over; the old leader, restarted, truncates those records (the diverging
//   epoch of its first fetch) and keeps everything below the high watermark, as kcat reads once it leads again and
//   as the three replicas' log sizes show.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import type { DescribeLogDirsResponse } from '../../src/protocol/generated/messages/describe-log-dirs-response.ts';
import type { ElectLeadersResponse } from '../../src/protocol/generated/messages/elect-leaders-response.ts';
import type { ProduceResponse } from '../../src/protocol/generated/messages/produce-response.ts';
import { RawKafkaClient } from '../fixtures/e2e/raw-kafka-client.ts';
import { runKcat } from '../fixtures/e2e/kcat.ts';
import { buildBatch } from '../unit/storage/batches.ts';
import { isrIs, kcatValues, waitForPartition } from './replicated-partition.ts';
import { printLogsOnFailure, SHORT_BROKER_SESSION, SHORT_SESSION_MS, TestCluster } from './test-cluster.ts';
import type { ClusterNode } from './cluster-node.ts';

const SESSION_MS = SHORT_SESSION_MS;
const BROKERS = [4, 5, 6];

/** Sends `request` to `node`'s broker listener on a fresh connection. */
async function ask<T>(node: ClusterNode, apiKey: number, version: number, request: object): Promise<T> {
  const client = await RawKafkaClient.connect(node.brokerPort!);
  try {
    return await client.request<T>(apiKey, version, request, 10_000);
  } finally {
    client.socket.destroy();
  }
}

/** Produce v9 of `values` (one batch) to partition 0 of `topic` on `node`: the partition's error code. */
async function produceRaw(node: ClusterNode, topic: string, acks: number, values: readonly string[]): Promise<number> {
  const records = buildBatch(values.map((v) => ({ key: null, value: Buffer.from(v) })));
  const r = await ask<ProduceResponse>(node, ApiKeys.Produce, 9, { transactionalId: null, acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
  return r.responses[0]!.partitionResponses[0]!.errorCode;
}

/** kcat's producer with `acks`, bootstrapped from `bootstrap` only: writes `values` to partition 0 of `topic`. */
async function kcatProduce(bootstrap: string, topic: string, acks: string, values: readonly string[]): Promise<void> {
  await runKcat(['-P', '-b', bootstrap, '-t', topic, '-p', '0', '-X', `acks=${acks}`], { input: values.map((v) => `${v}\n`).join('') });
}

/** Each running broker's size in bytes of partition 0 of `topic` (DescribeLogDirs v1), by node id. */
async function partitionSizes(cluster: TestCluster, topic: string): Promise<Map<number, bigint>> {
  const sizes = new Map<number, bigint>();
  for (const node of cluster.brokers) {
    const r = await ask<DescribeLogDirsResponse>(node, ApiKeys.DescribeLogDirs, 1, { topics: [{ topic, partitions: [0] }] });
    const p = r.results.flatMap((d) => d.topics).find((t) => t.name === topic)?.partitions.find((x) => x.partitionIndex === 0);
    if (p !== undefined) sizes.set(node.nodeId, p.partitionSize);
  }
  return sizes;
}

const range = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix} ${i}`);

describe('replication faults on three controllers and three brokers', () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.start({
      controllers: 3,
      brokers: 3,
      overrides: {
        ...SHORT_BROKER_SESSION,
        'min.insync.replicas': '2',
        // Well above the pauses below: the paused followers must stay in the ISR.
        'replica.lag.time.max.ms': '15000',
        'replica.fetch.max.bytes': '1',
      },
    });
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('two of three brokers down: acks=all refused with NOT_ENOUGH_REPLICAS once the ISR shrank, acks=1 written; restarted, they rejoin the ISR', async () => {
    const topic = 'two-down';
    await cluster.createTopics([{ topic, assignments: [BROKERS] }]);
    await waitForPartition(cluster, topic, 0, 'all three replicas in sync', isrIs(BROKERS));
    const leader = cluster.node(4);
    await kcatProduce(leader.bootstrap, topic, 'all', range('before', 5));

    await Promise.all([cluster.node(5).kill(), cluster.node(6).kill()]);
    await waitForPartition(cluster, topic, 0, 'the ISR shrunk to the leader', isrIs([4]), SESSION_MS + 30_000);
    assert.equal(await produceRaw(leader, topic, -1, ['refused']), Errors.NOT_ENOUGH_REPLICAS, 'acks=all with an ISR of 1 < min.insync.replicas');
    assert.equal(await produceRaw(leader, topic, 1, ['raw acks=1']), Errors.NONE);
    await kcatProduce(leader.bootstrap, topic, '1', range('acks=1', 5));
    // Kafka 3.7+ (KIP-966): the high watermark does not move while the ISR is under min.insync.replicas, so the
    // acks=1 records are in the leader's log but not yet visible to consumers.
    assert.deepEqual(await kcatValues(leader.bootstrap, topic, 0), range('before', 5));

    await Promise.all([cluster.node(5).start(), cluster.node(6).start()]);
    await waitForPartition(cluster, topic, 0, 'the ISR grew back', isrIs(BROKERS), 60_000);
    const md = JSON.parse((await runKcat(['-L', '-J', '-b', cluster.bootstrapServers().join(','), '-t', topic])).stdout.toString()) as {
      topics: { partitions: { partition: number; leader: number; isrs: { id: number }[] }[] }[];
    };
    const p0 = md.topics[0]!.partitions[0]!;
    assert.deepEqual([p0.leader, p0.isrs.map((r) => r.id).sort()], [4, BROKERS], 'kcat -L');
    await kcatProduce(leader.bootstrap, topic, 'all', range('after', 5));
    assert.deepEqual(await kcatValues(cluster.bootstrapServers().join(','), topic, 0), [...range('before', 5), 'raw acks=1', ...range('acks=1', 5), ...range('after', 5)]);
  });

  test('a leader killed with records its followers never fetched: they are truncated when it rejoins, the records below the high watermark kept', async () => {
    const topic = 'truncation';
    await cluster.createTopics([{ topic, assignments: [BROKERS] }]);
    const start = await waitForPartition(cluster, topic, 0, 'all three replicas in sync, 4 leading', (p) => isrIs(BROKERS)(p) && p.leader === 4);
    const old = cluster.node(4);
    await kcatProduce(old.bootstrap, topic, 'all', range('committed', 10));

    // The followers freeze; the leader takes acks=1 records, one batch per request, and dies. A follower's fetch
    // parked at the leader when it froze is answered with the first batch (replica.fetch.max.bytes=1: one batch per
    // response), which that follower appends when it thaws; nothing later can reach them.
    const unreplicated = range('unreplicated', 5);
    cluster.node(5).pause();
    cluster.node(6).pause();
    try {
      for (const v of unreplicated) assert.equal(await produceRaw(old, topic, 1, [v]), Errors.NONE, `acks=1 ${v}`);
      await old.kill();
    } finally {
      cluster.node(5).resume();
      cluster.node(6).resume();
    }
    const next = await waitForPartition(cluster, topic, 0, 'a leader from the ISR', (p) => p.leader !== 4 && p.leader >= 0 && p.leaderEpoch > start.leaderEpoch, SESSION_MS + 30_000);
    assert.deepEqual(next.isr, [5, 6]);
    // acks=all on the new leader: once answered, the high watermark covers everything the new leader has.
    await kcatProduce(cluster.bootstrapServers().join(','), topic, 'all', range('new leader', 5));
    const served = await kcatValues(cluster.bootstrapServers().join(','), topic, 0);
    const kept = served.length - 15;
    assert.deepEqual(served, [...range('committed', 10), ...unreplicated.slice(0, kept), ...range('new leader', 5)], 'the new leader keeps what was committed');
    assert.ok(kept <= 1, `the followers had ${kept} of the batches written while they were frozen`);

    await old.start();
    await waitForPartition(cluster, topic, 0, '4 back in the ISR', isrIs(BROKERS), 60_000);
    const truncated = old.log.filter((l) => l.msg === 'Truncating to the end of the diverging epoch' && l.topicPartition === `${topic}-0`, old.runs);
    assert.equal(truncated.length, 1, 'the old leader truncated at its first fetch');
    assert.equal(truncated[0]!.offset, String(10 + kept), 'to the end of its epoch on the new leader');

    // Leadership back on 4 (the preferred replica): its log is the new leader's.
    const elected = await ask<ElectLeadersResponse>(cluster.node(5), ApiKeys.ElectLeaders, 2, { electionType: 0, topicPartitions: [{ topic, partitions: [0] }], timeoutMs: 10_000 });
    assert.deepEqual(elected.replicaElectionResults.flatMap((r) => r.partitionResult.map((p) => [elected.errorCode, p.errorCode])), [[Errors.NONE, Errors.NONE]]);
    await waitForPartition(cluster, topic, 0, '4 leading again', (p) => p.leader === 4 && p.isr.length === 3);
    assert.deepEqual(await kcatValues(old.bootstrap, topic, 0), served);
    const sizes = await partitionSizes(cluster, topic);
    assert.deepEqual([...sizes.keys()].sort(), BROKERS);
    assert.equal(new Set(sizes.values()).size, 1, `the three replicas hold the same bytes: ${[...sizes].join(' ')}`);
  });
});
