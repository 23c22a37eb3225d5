// Coordinators move with their partitions (issue 15 item 6): on three controller-only nodes and three broker-only
// nodes, __consumer_offsets and __transaction_state are replicated on the three brokers. When the broker that leads
// a group's or a transactional id's partition is killed with -9, the controller elects a new leader from the ISR
// once the dead broker's session expires, the new leader loads the shard from its replica of the log
// (COORDINATOR_LOAD_IN_PROGRESS meanwhile), FindCoordinator names it, and the clients carry on: a kafkajs group
// keeps its committed offsets and consumes on, kcat -G resumes from its commits, and a kafkajs transactional
// producer commits a transaction that was open at the kill, with read_committed consumers seeing every committed
// record once and no aborted one.
//
// The tests run in order on one cluster; each one restarts the broker it killed and waits until it is back in
// every ISR, so that the next one starts with three in-sync replicas everywhere. kafkajs consumers are stopped
// through GuardedKafkajsConsumer (kafkajs' fetchers race a disconnect while the broker set changes), before the
// killed broker is restarted: the restart changes their broker set again.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, logLevel, type Admin, type ConsumerConfig } from 'kafkajs';
import { Consumer as PlatformaticConsumer, stringDeserializers } from '@platformatic/kafka';
import { waitFor } from '../helpers/broker.ts';
import { GuardedKafkajsConsumer } from '../helpers/guarded-kafkajs-consumer.ts';
import { runKcat } from '../fixtures/e2e/kcat.ts';
import { partitionFor } from '../../src/coordinator/runtime/partition-for.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import { COORDINATOR_GROUP, COORDINATOR_TRANSACTION, describeTransaction, findCoordinator, partitionReplicas } from './coordinator-lookup.ts';
import type { ClusterNode } from './cluster-node.ts';
import { printLogsOnFailure, SHORT_BROKER_SESSION, SHORT_SESSION_MS, TestCluster } from './test-cluster.ts';

const SESSION_MS = SHORT_SESSION_MS;
const BROKER_IDS = [4, 5, 6];
/** Three partitions per internal topic (the test brokers' setting), each replicated on the three brokers. */
const INTERNAL_PARTITIONS = 3;
/**
 * kafkajs keeps the group coordinator it found until an error code tells it to look again (NOT_COORDINATOR,
 * REBALANCE_IN_PROGRESS...): against a dead coordinator it only gets connection errors, retries them, and once its
 * retries are spent the consumer crashes and restarts (restartOnFailure), which asks FindCoordinator again. It does
 * the same against Kafka; few short retries make the restart come within seconds.
 */
const CONSUMER_RETRY = { retries: 3, initialRetryTime: 200, maxRetryTime: 1000 };
/** The kafkajs clients' config. */
const KAFKAJS_RETRY = { retries: 10, maxRetryTime: 5000 };
/** The errors of a group coordinator that is moving or loading, which Kafka's Admin client retries. */
const MOVING_COORDINATOR: ReadonlySet<number> = new Set([Errors.COORDINATOR_LOAD_IN_PROGRESS, Errors.COORDINATOR_NOT_AVAILABLE, Errors.NOT_COORDINATOR]);

describe('coordinators move with their partitions when a broker is killed', () => {
  let cluster: TestCluster;
  let kafka: Kafka;

  before(async () => {
    cluster = await TestCluster.start({
      controllers: 3,
      brokers: 3,
      overrides: {
        ...SHORT_BROKER_SESSION,
        'replica.lag.time.max.ms': '3000',
        'default.replication.factor': '3',
        'min.insync.replicas': '2',
        'offsets.topic.replication.factor': '3',
        'offsets.topic.num.partitions': String(INTERNAL_PARTITIONS),
        'transaction.state.log.replication.factor': '3',
        'transaction.state.log.min.isr': '2',
        'transaction.state.log.num.partitions': String(INTERNAL_PARTITIONS),
        // KIP-848 members heartbeat every 500 ms (Kafka's 5 s default and minimum).
        'group.consumer.min.heartbeat.interval.ms': '500',
        'group.consumer.heartbeat.interval.ms': '500',
      },
    });
    kafka = new Kafka({ brokers: cluster.bootstrapServers(), logLevel: logLevel.NOTHING, retry: KAFKAJS_RETRY });
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  /** A running broker's port, to ask it over the wire. */
  function anyRunningBroker(): number {
    return cluster.brokers.find((n) => n.isUp)!.brokerPort!;
  }

  /**
   * Waits until a running broker names a running broker as coordinator of `key`, and that broker leads the key's
   * partition of `internalTopic` in its metadata. @returns the coordinator's node id.
   */
  async function coordinatorOf(key: string, keyType: number, internalTopic: string): Promise<number> {
    return waitFor(`a live coordinator for ${key}`, async () => {
      const answer = await findCoordinator(anyRunningBroker(), key, keyType).catch(() => null);
      if (answer === null || answer.errorCode !== 0 || !cluster.node(answer.nodeId).isUp) return null;
      const partition = (await partitionReplicas(anyRunningBroker(), internalTopic))[partitionFor(key, INTERNAL_PARTITIONS)]!;
      return partition.leader === answer.nodeId ? answer.nodeId : null;
    }, 30_000, 100);
  }

  /**
   * A kafkajs group member of `groupId` that fails over as the tests expect (see CONSUMER_RETRY). Long polls of
   * 1 s keep a disconnect's wait for kafkajs' fetchers short.
   */
  function groupConsumer(groupId: string): GuardedKafkajsConsumer {
    const config: ConsumerConfig = { groupId, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 1000, retry: CONSUMER_RETRY };
    return new GuardedKafkajsConsumer({ brokers: cluster.bootstrapServers(), retry: KAFKAJS_RETRY }, config);
  }

  /**
   * The committed offsets of `group` on `topic` by partition, through kafkajs' admin, asked again while the group's
   * coordinator is moving: kafkajs' fetchOffsets does not retry NOT_COORDINATOR (a broker whose metadata does not
   * make it leader yet, while another one already names it), Kafka's Admin client does.
   */
  async function committedOffsets(admin: Admin, group: string, topic: string): Promise<string[]> {
    return waitFor(`the committed offsets of ${group}`, async () => {
      try {
        const o = await admin.fetchOffsets({ groupId: group, topics: [topic] });
        return o[0]!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
      } catch (e) {
        if (MOVING_COORDINATOR.has((e as { code?: number }).code ?? -1)) return null;
        throw e;
      }
    }, 15_000, 100);
  }

  /** The values of `partition` of `topic` from the beginning to its end, read by kcat with `extra` options. */
  async function kcatRead(topic: string, partition: number, extra: readonly string[] = []): Promise<string[]> {
    const out = await runKcat(['-C', '-b', cluster.bootstrapServers().join(','), '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q', '-f', '%s\\n', ...extra]);
    return out.stdout.toString().split('\n').filter((l) => l !== '');
  }

  /** Kills `victim` and waits until the controller fenced it (no running broker lists it). */
  async function killBroker(victim: ClusterNode): Promise<void> {
    await victim.kill();
    await cluster.waitForBrokers(BROKER_IDS.filter((id) => id !== victim.nodeId), SESSION_MS + 15_000);
  }

  /** Restarts `node` and waits until it is unfenced and back in the ISR of every partition of `topics`. */
  async function restartBroker(node: ClusterNode, topics: readonly string[]): Promise<void> {
    await node.start();
    await cluster.waitForBrokers(BROKER_IDS);
    await waitFor(`broker ${node.nodeId} back in every ISR of ${topics.join(', ')}`, async () => {
      for (const topic of topics) {
        const partitions = await partitionReplicas(anyRunningBroker(), topic);
        if (!partitions.every((p) => p.isr.length === 3)) return false;
      }
      return true;
    }, 30_000, 200);
  }

  test('the internal topics are replicated on the three brokers', async () => {
    // The first FindCoordinator of each kind creates the internal topic (forwarded to the active controller).
    await coordinatorOf('warm-up', COORDINATOR_GROUP, '__consumer_offsets');
    await coordinatorOf('warm-up', COORDINATOR_TRANSACTION, '__transaction_state');
    for (const topic of ['__consumer_offsets', '__transaction_state']) {
      await waitFor(`every ${topic} partition with three in-sync replicas`, async () => {
        const partitions = await partitionReplicas(anyRunningBroker(), topic);
        return partitions.length === INTERNAL_PARTITIONS && partitions.every((p) => p.replicas.join() === '4,5,6' && p.isr.join() === '4,5,6');
      });
    }
  });

  test('kafkajs group: the group moves to the new leader of its __consumer_offsets partition; commits kept, consumption resumes from them', async () => {
    const topic = 'orders';
    const group = 'orders-group';
    const admin = kafka.admin();
    await admin.connect();
    // Idempotent: its sends after the kill go to the new leader of the dead broker's partition, which continues
    // the producer's sequences from its replica of the log (no duplicate, no OUT_OF_ORDER_SEQUENCE_NUMBER).
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 20, maxRetryTime: 2000 } });
    await producer.connect();
    const consumers: GuardedKafkajsConsumer[] = [];
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }] });
      await cluster.waitForTopic(topic, 3);
      const send = (from: number, count: number) =>
        producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ partition: (from + i) % 3, value: `v${from + i}` })) });
      const committed = async (): Promise<string> => (await committedOffsets(admin, group, topic)).join();
      const consume = async (seen: string[]): Promise<GuardedKafkajsConsumer> => {
        const member = groupConsumer(group);
        consumers.push(member);
        await member.consumer.connect();
        await member.consumer.subscribe({ topics: [topic], fromBeginning: true });
        await member.consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
        return member;
      };

      await send(0, 30);
      const seen: string[] = [];
      const first = await consume(seen);
      await waitFor('the 30 records consumed', () => seen.length >= 30, 30_000);
      await waitFor('offsets 10,10,10 committed', async () => (await committed()) === '10,10,10', 15_000);

      const coordinator = await coordinatorOf(group, COORDINATOR_GROUP, '__consumer_offsets');
      await killBroker(cluster.node(coordinator));
      const moved = await coordinatorOf(group, COORDINATOR_GROUP, '__consumer_offsets');
      assert.notEqual(moved, coordinator);
      // The new coordinator loaded the commits from its replica of the partition.
      assert.equal(await committed(), '10,10,10');

      await send(30, 30);
      await waitFor('the 30 records sent after the kill consumed', () => Array.from({ length: 30 }, (_, i) => `v${30 + i}`).every((v) => seen.includes(v)), 45_000);
      await waitFor('offsets 20,20,20 committed to the new coordinator', async () => (await committed()) === '20,20,20', 15_000);
      assert.deepEqual([...new Set(seen)].sort(), Array.from({ length: 60 }, (_, i) => `v${i}`).sort());
      await first.disconnect();

      // A new member of the group starts from the commits: it reads only what is produced from now on.
      const later: string[] = [];
      const second = await consume(later);
      await send(60, 3);
      await waitFor('the 3 new records consumed', () => later.length >= 3, 30_000);
      assert.deepEqual(later.sort(), ['v60', 'v61', 'v62']);
      // Each record is in the topic once (kcat to the end of each partition).
      const inTopic: string[] = [];
      for (const p of [0, 1, 2]) inTopic.push(...(await kcatRead(topic, p)));
      assert.deepEqual(inTopic.sort(), Array.from({ length: 63 }, (_, i) => `v${i}`).sort());
      await second.disconnect();
      await restartBroker(cluster.node(coordinator), ['__consumer_offsets', topic]);
    } finally {
      for (const c of consumers) await c.disconnect().catch(() => undefined);
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  test('kcat -G: after its coordinator\'s broker is killed, the group resumes from its commits', async () => {
    const topic = 'orders';
    const group = 'kcat-group';
    const kcatGroupConsume = async (): Promise<string[]> => {
      const args = ['-b', cluster.bootstrapServers().join(','), '-G', group, topic, '-e', '-q', '-f', '%s\\n', '-X', 'auto.offset.reset=earliest', '-X', 'enable.auto.commit=true', '-X', 'auto.commit.interval.ms=100'];
      const out = (await runKcat(args, { timeoutMs: 60_000 })).stdout.toString();
      return out.split('\n').filter((l) => l !== '');
    };
    const firstRun = await kcatGroupConsume();
    assert.equal(firstRun.length, 63);

    const coordinator = await coordinatorOf(group, COORDINATOR_GROUP, '__consumer_offsets');
    await killBroker(cluster.node(coordinator));
    assert.notEqual(await coordinatorOf(group, COORDINATOR_GROUP, '__consumer_offsets'), coordinator);
    await runKcat(['-P', '-b', cluster.bootstrapServers().join(','), '-t', topic, '-X', 'acks=all'], { input: 'after-1\nafter-2\nafter-3\n' });
    assert.deepEqual((await kcatGroupConsume()).sort(), ['after-1', 'after-2', 'after-3']);
    await restartBroker(cluster.node(coordinator), ['__consumer_offsets', topic]);
  });

  test('KIP-848 group (@platformatic/kafka): the group moves with its __consumer_offsets partition; commits kept, consumption and commits go on', async () => {
    const topic = 'shipments';
    const group = 'kip848-group';
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer();
    await producer.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }] });
    await cluster.waitForTopic(topic, 3);
    const inTopic = Array.from({ length: 30 }, (_, i) => `s${i}`);
    await producer.send({ topic, acks: -1, messages: inTopic.map((value, i) => ({ partition: i % 3, value })) });
    const consumer = new PlatformaticConsumer({
      groupId: group,
      clientId: 'kip848-consumer',
      bootstrapBrokers: cluster.bootstrapServers(),
      deserializers: stringDeserializers,
      groupProtocol: 'consumer',
      // Fetches and heartbeats to the dead broker fail until its session expires and its partitions move.
      retries: 30,
      retryDelay: 300,
    });
    try {
      const committedTotal = async (): Promise<number> =>
        (await committedOffsets(admin, group, topic)).reduce((n, offset) => n + Math.max(0, Number(offset)), 0);
      const seen: string[] = [];
      const stream = await consumer.consume({ topics: [topic], autocommit: 100, mode: 'earliest' } as Parameters<typeof consumer.consume>[0]);
      const streamErrors: Error[] = [];
      stream.on('data', (m: { value: string }) => void seen.push(m.value));
      stream.on('error', (e: Error) => void streamErrors.push(e));
      await waitFor(`the ${inTopic.length} records consumed`, () => seen.length >= inTopic.length, 30_000);
      await waitFor('every record committed', async () => (await committedTotal()) === inTopic.length, 15_000);

      const coordinator = await coordinatorOf(group, COORDINATOR_GROUP, '__consumer_offsets');
      await killBroker(cluster.node(coordinator));
      assert.notEqual(await coordinatorOf(group, COORDINATOR_GROUP, '__consumer_offsets'), coordinator);
      assert.equal(await committedTotal(), inTopic.length);

      await producer.send({ topic, acks: -1, messages: [0, 1, 2, 3, 4, 5].map((i) => ({ partition: i % 3, value: `kip848-${i}` })) });
      await waitFor('the records sent after the kill consumed', () => [0, 1, 2, 3, 4, 5].every((i) => seen.includes(`kip848-${i}`)), 45_000);
      await waitFor('the new records committed to the new coordinator', async () => (await committedTotal()) === inTopic.length + 6, 15_000);
      assert.deepEqual(streamErrors, []);
      await consumer.close(true);
      await restartBroker(cluster.node(coordinator), ['__consumer_offsets', topic]);
    } finally {
      if (!consumer.closed) await consumer.close(true).catch(() => undefined);
      await producer.disconnect();
      await admin.disconnect();
    }
  });

  test('kafkajs transactions: a transaction open when its coordinator\'s broker is killed commits on the new coordinator; read_committed sees every committed record once, no aborted one', async () => {
    const topic = 'payments';
    const transactionalId = 'payments-tx';
    const admin = kafka.admin();
    await admin.connect();
    const producer = kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, retry: { retries: 20, maxRetryTime: 5000 } });
    const reader = groupConsumer('payments-reader');
    const consumer = reader.consumer;
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 3 }] });
      await cluster.waitForTopic(topic, 3);
      await producer.connect();
      const transaction = async (tag: string, outcome: 'commit' | 'abort', beforeEnd?: () => Promise<void>): Promise<void> => {
        const txn = await producer.transaction();
        await txn.send({ topic, acks: -1, messages: [0, 1, 2].map((partition) => ({ partition, value: `${tag}-p${partition}` })) });
        await beforeEnd?.();
        await (outcome === 'commit' ? txn.commit() : txn.abort());
      };
      await transaction('committed-1', 'commit');
      await transaction('aborted-2', 'abort');
      const coordinator = await coordinatorOf(transactionalId, COORDINATOR_TRANSACTION, '__transaction_state');
      // The victim also leads a partition of the topic: the markers of the transaction open at the kill go to its new leader.
      assert.ok((await partitionReplicas(anyRunningBroker(), topic)).some((p) => p.leader === coordinator), `broker ${coordinator} leads a partition of ${topic}`);
      await transaction('committed-3', 'commit', async () => {
        await killBroker(cluster.node(coordinator));
        const moved = await coordinatorOf(transactionalId, COORDINATOR_TRANSACTION, '__transaction_state');
        assert.notEqual(moved, coordinator);
        // The new coordinator loaded the open transaction from its replica of __transaction_state (until its shard
        // is loaded it answers COORDINATOR_LOAD_IN_PROGRESS, or NOT_COORDINATOR while its metadata lags the
        // answering broker's: kafkajs does not retry an EndTxn that gets it).
        const described = await waitFor('the new coordinator to describe the open transaction', async () => {
          const d = await describeTransaction(cluster.node(moved).brokerPort!, transactionalId);
          return d.errorCode === 0 ? d : null;
        }, 15_000, 100);
        assert.deepEqual(described, { errorCode: 0, state: 'Ongoing', partitions: [`${topic}-0`, `${topic}-1`, `${topic}-2`] });
      });
      await transaction('aborted-4', 'abort');
      await transaction('committed-5', 'commit');

      const expected = ['committed-1', 'committed-3', 'committed-5'].flatMap((tag) => [0, 1, 2].map((p) => `${tag}-p${p}`)).sort();
      // kafkajs reads read_committed by default.
      const seen: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await waitFor('the committed records consumed', () => seen.length >= expected.length, 30_000);
      // kcat read_committed, partition by partition to the last stable offset: the same records, none twice.
      const kcatSeen: string[] = [];
      for (const p of [0, 1, 2]) kcatSeen.push(...(await kcatRead(topic, p, ['-X', 'isolation.level=read_committed'])));
      assert.deepEqual(kcatSeen.sort(), expected);
      assert.deepEqual(seen.sort(), expected);
      await reader.disconnect();
      await restartBroker(cluster.node(coordinator), ['__transaction_state', topic]);
    } finally {
      await reader.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect();
    }
  });
});
