// GuardedKafkajsConsumer against the kafkajs race that hung coordinator-failover.test.ts: a consumer disconnected
// while kafkajs replaces its per-broker fetchers after the broker set changed. One controller and three brokers;
// the topic's two partitions are on two brokers and the group's coordinator is on one of them, so that killing the
// third changes nothing but the broker set: once it is fenced, kafkajs' next metadata refresh drops it, a fetcher
// throws KafkaJSFetcherRebalanceError and kafkajs waits for the other fetchers' long polls (5 s) before creating
// new ones. disconnect() is called inside that window, where a plain consumer.disconnect() leaves the new fetchers
// spinning on resolved promises forever (see the guard's file comment).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/broker.ts';
import { GuardedKafkajsConsumer } from '../helpers/guarded-kafkajs-consumer.ts';
import { COORDINATOR_GROUP, findCoordinator } from './coordinator-lookup.ts';
import { printLogsOnFailure, SHORT_BROKER_SESSION, TestCluster } from './test-cluster.ts';

const BROKER_IDS = [2, 3, 4];
const GROUP = 'guarded-group';
const TOPIC = 'guarded';
/** kafkajs' default long poll: the window in which the old fetchers finish before new ones are created. */
const MAX_WAIT_MS = 5000;

describe('GuardedKafkajsConsumer', () => {
  let cluster: TestCluster;

  before(async () => {
    cluster = await TestCluster.start({
      controllers: 1,
      brokers: 3,
      overrides: { ...SHORT_BROKER_SESSION, 'offsets.topic.replication.factor': '1', 'offsets.topic.num.partitions': '1' },
    });
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('disconnect() while kafkajs replaces its fetchers after a broker is fenced waits for the new fetchers, then stops the consumer', async () => {
    const coordinator = await waitFor('the group coordinator', async () => {
      const answer = await findCoordinator(cluster.node(2).brokerPort!, GROUP, COORDINATOR_GROUP).catch(() => null);
      return answer?.errorCode === 0 ? answer.nodeId : null;
    }, 30_000, 200);
    const victim = BROKER_IDS.find((id) => id !== coordinator)!;
    const hosts = BROKER_IDS.filter((id) => id !== victim);
    await cluster.createTopics([{ topic: TOPIC, assignments: hosts.map((id) => [id]) }]);
    await cluster.waitForTopic(TOPIC, 2);

    // A short metadata max age: kafkajs learns within a second that the victim was fenced.
    const guarded = new GuardedKafkajsConsumer(
      { brokers: cluster.bootstrapServers() },
      { groupId: GROUP, metadataMaxAge: 1000, maxWaitTimeInMs: MAX_WAIT_MS, retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 1000 } },
    );
    try {
      await guarded.consumer.connect();
      await guarded.consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await guarded.consumer.run({ eachMessage: async () => undefined });
      await waitFor('a fetcher per broker', () => guarded.fetcherNodeIds.join() === BROKER_IDS.join(), 30_000);

      await cluster.node(victim).kill();
      await waitFor('kafkajs stopping its fetchers', () => guarded.fetcherStopsInFlight > 0, 30_000, 5);
      assert.deepEqual(guarded.fetcherNodeIds, BROKER_IDS.map(String), 'the stop began before new fetchers were created');
      await guarded.disconnect();
      assert.deepEqual(guarded.fetcherNodeIds, hosts.map(String), 'the disconnect waited for the fetchers of the two live brokers');
      // The event loop is alive: a timer fires (a spinning fetcher would starve it).
      await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      await guarded.disconnect().catch(() => undefined);
    }
  });
});
