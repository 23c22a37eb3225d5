// The replication metrics of the Prometheus endpoint (metrics.prometheus.listener) on three combined nodes, scraped
// over HTTP as Prometheus would, named as the JMX exporter's standard Kafka rules name Kafka's beans:
// kafka.server:type=ReplicaManager (UnderReplicatedPartitions, IsrShrinksPerSec, ...), ReplicaFetcherManager MaxLag,
// FetcherLagMetrics ConsumerLag, kafka.controller:type=KafkaController (ActiveControllerCount, FencedBrokerCount,
// ...). A follower of every partition is killed: the leaders shrink their ISRs (replica.lag.time.max.ms is short),
// the gauges say so, the controller fences it; restarted, it catches up and everything goes back.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runKcat } from '../fixtures/e2e/kcat.ts';
import { freePorts } from '../helpers/role-nodes.ts';
import { waitFor } from '../helpers/broker.ts';
import { isrIs, waitForPartition } from './replicated-partition.ts';
import { printLogsOnFailure, SHORT_BROKER_SESSION, TestCluster } from './test-cluster.ts';

const TOPIC = 'metered';
/** Node 3 follows every partition; 1 leads partitions 0 and 1, 2 leads partition 2. */
const ASSIGNMENTS = [[1, 2, 3], [1, 3, 2], [2, 1, 3]];
/**
 * Longer than the short session of the other cluster tests: the leaders must drop the dead follower themselves
 * (replica.lag.time.max.ms, 1 s) before the controller fences it and takes it out of the ISRs itself.
 */
const SESSION_MS = 8000;

/** Every sample of a Prometheus text exposition: `name{labels}` (labels as exported) to value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

describe('replication metrics on the Prometheus endpoint of three combined nodes', () => {
  let cluster: TestCluster;
  let ports: number[];
  const scrape = async (nodeId: number): Promise<Map<string, number>> => {
    const res = await fetch(`http://127.0.0.1:${ports[nodeId - 1]}/metrics`);
    assert.equal(res.status, 200);
    return parse(await res.text());
  };
  const value = (samples: Map<string, number>, series: string): number => {
    const v = samples.get(series);
    assert.ok(v !== undefined, `${series} is exported`);
    return v;
  };
  /** Waits until `series` of `nodeId` satisfies `ok`; returns the samples of that scrape. */
  const waitForSample = async (nodeId: number, series: string, ok: (v: number) => boolean, what: string, timeoutMs = 30_000): Promise<Map<string, number>> => {
    let last: Map<string, number> = new Map();
    await waitFor(what, async () => {
      last = await scrape(nodeId);
      const v = last.get(series);
      return v !== undefined && ok(v);
    }, timeoutMs, 100);
    return last;
  };

  before(async () => {
    ports = await freePorts(3);
    cluster = await TestCluster.start({
      combined: 3,
      overrides: { ...SHORT_BROKER_SESSION, 'broker.session.timeout.ms': String(SESSION_MS), 'replica.lag.time.max.ms': '1000', 'min.insync.replicas': '2' },
      nodeOverrides: Object.fromEntries(ports.map((port, i) => [i + 1, { 'metrics.prometheus.listener': `127.0.0.1:${port}` }])),
    });
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('a follower killed: UnderReplicatedPartitions and IsrShrinks on the leaders, FencedBrokerCount on the controller; restarted, back to 0 with IsrExpands', async () => {
    await cluster.createTopics([{ topic: TOPIC, assignments: ASSIGNMENTS }]);
    for (let p = 0; p < 3; p++) await waitForPartition(cluster, TOPIC, p, 'all replicas in sync', isrIs([1, 2, 3]));

    // In sync: every gauge at its quiet value, on every node. A follower slow to send its first fetch may be
    // dropped from a new partition's ISR after replica.lag.time.max.ms and added back once it fetched: the baseline
    // is taken once every follower has had a fetch answered (its ConsumerLag series exists) and the ISRs are full.
    const lagSeries = (leader: number, p: number): string => `kafka_server_fetcherlagmetrics_consumerlag{clientId="ReplicaFetcherThread-0-${leader}",topic="${TOPIC}",partition="${p}"}`;
    for (const [follower, leader, p] of [[2, 1, 0], [2, 1, 1], [3, 1, 0], [3, 1, 1], [3, 2, 2], [1, 2, 2]] as const) {
      await waitForSample(follower, lagSeries(leader, p), (v) => v === 0, `node ${follower} fetched partition ${p} from node ${leader}`);
    }
    for (let p = 0; p < 3; p++) await waitForPartition(cluster, TOPIC, p, 'all replicas in sync', isrIs([1, 2, 3]));
    await waitForSample(1, 'kafka_server_replicamanager_leadercount', (v) => v === 2, 'node 1 leading partitions 0 and 1');
    await waitForSample(1, 'kafka_server_replicamanager_underreplicatedpartitions', (v) => v === 0, 'node 1: nothing under-replicated');
    await waitForSample(2, 'kafka_server_replicamanager_underreplicatedpartitions', (v) => v === 0, 'node 2: nothing under-replicated');
    const steady = await scrape(1);
    assert.equal(value(steady, 'kafka_server_replicamanager_partitioncount'), 3);
    assert.equal(value(steady, 'kafka_server_replicamanager_underreplicatedpartitions'), 0);
    assert.equal(value(steady, 'kafka_server_replicamanager_underminisrpartitioncount'), 0);
    assert.equal(value(steady, 'kafka_server_replicamanager_atminisrpartitioncount'), 0);
    assert.equal(value(steady, 'kafka_server_replicamanager_offlinereplicacount'), 0);
    assert.equal(value(steady, 'kafka_server_replicafetchermanager_maxlag{clientId="Replica"}'), 0);
    const shrinksBefore = value(steady, 'kafka_server_replicamanager_isrshrinks_total');
    const expandsBefore = value(steady, 'kafka_server_replicamanager_isrexpands_total');
    assert.equal(value(steady, 'kafka_server_replicamanager_failedisrupdates_total'), 0);

    const controllerSamples = await Promise.all([1, 2, 3].map((id) => scrape(id)));
    const active = controllerSamples.map((s) => value(s, 'kafka_controller_kafkacontroller_activecontrollercount'));
    assert.deepEqual(active.filter((v) => v === 1).length, 1, `one active controller: ${active}`);
    for (const s of controllerSamples) {
      assert.equal(value(s, 'kafka_controller_kafkacontroller_activebrokercount'), 3);
      assert.equal(value(s, 'kafka_controller_kafkacontroller_fencedbrokercount'), 0);
      assert.equal(value(s, 'kafka_controller_kafkacontroller_offlinepartitionscount'), 0);
      assert.equal(value(s, 'kafka_controller_kafkacontroller_preferredreplicaimbalancecount'), 0);
      assert.ok(value(s, 'kafka_controller_kafkacontroller_globaltopiccount') >= 1);
      assert.ok(value(s, 'kafka_controller_kafkacontroller_globalpartitioncount') >= 3);
    }

    await cluster.node(3).kill();
    // A follower is out of sync only once it is behind the leader's log end (Kafka's isCaughtUp): records arrive,
    // and the leaders drop node 3 after replica.lag.time.max.ms (1 s).
    const bootstrap = `${cluster.node(1).bootstrap},${cluster.node(2).bootstrap}`;
    for (let p = 0; p < 3; p++) await runKcat(['-P', '-b', bootstrap, '-t', TOPIC, '-p', String(p), '-X', 'acks=1'], { input: 'a\nb\nc\n' });
    const shrunk = await waitForSample(1, 'kafka_server_replicamanager_underreplicatedpartitions', (v) => v === 2, 'node 1: two under-replicated partitions');
    assert.equal(value(shrunk, 'kafka_server_replicamanager_underminisrpartitioncount'), 0);
    await waitForSample(1, 'kafka_server_replicamanager_atminisrpartitioncount', (v) => v === 2, 'node 1: both partitions at min.insync.replicas');
    await waitForSample(2, 'kafka_server_replicamanager_underreplicatedpartitions', (v) => v === 1, 'node 2: one under-replicated partition');
    const afterKill = await scrape(1);
    assert.equal(value(afterKill, 'kafka_server_replicamanager_isrshrinks_total') - shrinksBefore, 2, 'node 1 shrank two ISRs');

    // The controller fences node 3 once its session expired.
    const survivor = active[0] === 1 || active[1] === 1 ? 1 : 2;
    await waitForSample(survivor, 'kafka_controller_kafkacontroller_fencedbrokercount', (v) => v === 1, 'node 3 fenced', SESSION_MS + 20_000);
    const fenced = await scrape(survivor);
    assert.equal(value(fenced, 'kafka_controller_kafkacontroller_activebrokercount'), 2);
    assert.equal(value(fenced, 'kafka_controller_kafkacontroller_offlinepartitionscount'), 0);

    await cluster.node(3).start();
    for (let p = 0; p < 3; p++) await waitForPartition(cluster, TOPIC, p, 'node 3 back in the ISR', isrIs([1, 2, 3]), 60_000);
    const healed = await waitForSample(1, 'kafka_server_replicamanager_underreplicatedpartitions', (v) => v === 0, 'node 1: nothing under-replicated');
    assert.equal(value(healed, 'kafka_server_replicamanager_isrexpands_total') - expandsBefore, 2, 'node 1 added node 3 back to both ISRs');
    assert.equal(value(healed, 'kafka_server_replicamanager_atminisrpartitioncount'), 0);
    await waitForSample(2, 'kafka_server_replicamanager_underreplicatedpartitions', (v) => v === 0, 'node 2: nothing under-replicated');
    await waitForSample(1, 'kafka_controller_kafkacontroller_fencedbrokercount', (v) => v === 0, 'node 3 unfenced (seen by node 1)');
    // Node 3 follows all three partitions again: its fetchers' lags are exported.
    const follower = await waitForSample(3, lagSeries(1, 0), (v) => v === 0, 'node 3 caught up on partition 0');
    assert.equal(value(follower, 'kafka_server_replicamanager_partitioncount'), 3);
    assert.equal(value(follower, 'kafka_server_replicamanager_leadercount'), 0);
  });
});
