// Issue 14's "Done when" for the metadata quorum of processes: kill -9 of the active controller, again and again,
// gives a new controller and working metadata writes within 10 s each time (with Kafka's default quorum timeouts),
// and the killed node, restarted, rejoins and catches up with the writes made while it was down. A frozen
// (SIGSTOP) controller is replaced the same way and, thawed, follows the new leader.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor } from '../helpers/broker.ts';
import { describeQuorum } from './describe-quorum.ts';
import { nodeMetadata } from './node-metadata.ts';
import { printLogsOnFailure, SHORT_BROKER_SESSION, TestCluster } from './test-cluster.ts';

/** Issue 14: a new controller and working metadata writes within this long after each kill. */
const FAILOVER_DEADLINE_MS = 10_000;
const KILLS = 3;

describe('failover of the active controller (three combined nodes, default quorum timeouts)', () => {
  let cluster: TestCluster;
  /** Every topic whose creation was acknowledged: none may be missing from any node afterwards. */
  const acknowledged: string[] = [];

  before(async () => {
    // Kafka's default quorum timeouts; a short broker session only so that a restarted node, whose previous
    // incarnation died without a controlled shutdown, may register again sooner (DUPLICATE_BROKER_REGISTRATION
    // while the old session lives).
    cluster = await TestCluster.start({ combined: 3, overrides: SHORT_BROKER_SESSION });
    await cluster.createTopics([{ topic: 'before-the-kills' }]);
    acknowledged.push('before-the-kills');
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test(`kill -9 of the active controller ${KILLS} times: a new controller and metadata writes within 10 s, the killed node catches up`, async () => {
    for (let round = 1; round <= KILLS; round++) {
      const { node: victim, quorum } = await cluster.waitForLeader();
      await victim.kill();
      const deadline = Date.now() + FAILOVER_DEADLINE_MS;

      const { node: successor, quorum: next } = await cluster.waitForLeader({ epochAbove: quorum.leaderEpoch, timeoutMs: FAILOVER_DEADLINE_MS });
      assert.notEqual(successor.nodeId, victim.nodeId, `round ${round}`);
      const topic = `written-while-node-${victim.nodeId}-was-down-${round}`;
      await cluster.createTopics([{ topic }], Math.max(0, deadline - Date.now()));
      acknowledged.push(topic);
      await cluster.waitForTopic(topic, 1);

      await victim.start();
      await cluster.waitForCatchUp(victim);
      const md = await nodeMetadata(victim.brokerPort!);
      for (const t of acknowledged) assert.ok(md.topics.has(t), `round ${round}: restarted node ${victim.nodeId} lacks ${t}`);
      await cluster.waitForBrokers([1, 2, 3]);
      // The rejoined node follows: it does not lead an epoch of its own.
      const quorumNow = await cluster.waitForLeader();
      assert.ok(quorumNow.quorum.leaderEpoch >= next.leaderEpoch);
      assert.notEqual(quorumNow.node.nodeId, victim.nodeId);
    }
    for (const n of cluster.nodes) {
      const md = await nodeMetadata(n.brokerPort!);
      assert.deepEqual(acknowledged.filter((t) => !md.topics.has(t)), [], `node ${n.nodeId}`);
    }
  });

  test('a frozen (SIGSTOP) active controller is replaced; thawed (SIGCONT), it follows the new leader and catches up', async () => {
    const { node: frozen, quorum } = await cluster.waitForLeader();
    frozen.pause();
    try {
      const { node: successor } = await cluster.waitForLeader({ epochAbove: quorum.leaderEpoch, timeoutMs: FAILOVER_DEADLINE_MS });
      assert.notEqual(successor.nodeId, frozen.nodeId);
      await cluster.createTopics([{ topic: 'written-while-frozen' }]);
    } finally {
      frozen.resume();
    }
    // Thawed, it still believes it leads the old epoch until a message of the new one reaches it.
    await waitFor('the thawed node to stop answering as leader', async () => (await describeQuorum(frozen.controllerPort!)) === null);
    await cluster.waitForCatchUp(frozen);
    await waitFor('the thawed node to list the topic written while it was frozen', async () => (await nodeMetadata(frozen.brokerPort!)).topics.has('written-while-frozen'));
    const { node: leader } = await cluster.waitForLeader();
    assert.notEqual(leader.nodeId, frozen.nodeId);
  });
});
