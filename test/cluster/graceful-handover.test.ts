// Clean shutdowns in a three-node quorum. SIGTERM of the active controller hands leadership over at once: the
// leader resigns with EndQuorumEpoch, the voters elect a successor without waiting for their fetch timeout, and the
// old leader hears of the successor before it closes its controller listener (so its raft client shuts down
// gracefully instead of timing out). A stopped node, restarted, catches up with what was written while it was down,
// without disturbing the quorum.
//
// The fetch timeout is raised far above every deadline of this file: a successor elected within them can only come
// from EndQuorumEpoch, and no election can start behind the tests' back (a loaded machine cannot make a follower
// miss its leader's fetch responses for that long).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeMetadata } from './node-metadata.ts';
import { printLogsOnFailure, SHORT_BROKER_SESSION, TestCluster } from './test-cluster.ts';

const FETCH_TIMEOUT_MS = 120_000;

describe('clean shutdown and restart of quorum members', () => {
  let cluster: TestCluster;

  before(async () => {
    // A short broker session: a restarted node may only register again once its previous incarnation's session
    // expired, even after a clean shutdown (Kafka's BrokerHeartbeatTracker keeps the contact time until then).
    cluster = await TestCluster.start({
      combined: 3,
      overrides: { 'controller.quorum.fetch.timeout.ms': String(FETCH_TIMEOUT_MS), ...SHORT_BROKER_SESSION },
    });
    await cluster.createTopics([{ topic: 'before-any-stop' }]);
  });
  printLogsOnFailure(() => cluster);
  after(async () => {
    await cluster?.teardown();
  });

  test('SIGTERM of the active controller: a successor is elected at once (EndQuorumEpoch), the old leader exits 0 after a graceful raft shutdown', async () => {
    const { node: old, quorum } = await cluster.waitForLeader();
    const exit = await old.stop();
    assert.deepEqual(exit, { code: 0, signal: null });
    const run = old.runs;
    assert.equal(old.log.filter('Completed graceful shutdown of the raft client', run).length, 1, 'the resigned leader heard of its successor before closing');
    assert.deepEqual(old.log.filter('Graceful shutdown of the raft client timed out', run), []);

    const { node: successor, quorum: next } = await cluster.waitForLeader({ epochAbove: quorum.leaderEpoch, timeoutMs: FETCH_TIMEOUT_MS / 4 });
    assert.notEqual(successor.nodeId, old.nodeId);
    const signalled = old.log.last('Received signal, shutting down')!;
    const elected = successor.log.last((l) => l.msg === 'Became leader' && l.epoch === next.leaderEpoch);
    assert.ok(elected !== undefined, `node ${successor.nodeId} logged no 'Became leader' for epoch ${next.leaderEpoch}`);
    assert.ok(elected.time - signalled.time < FETCH_TIMEOUT_MS, 'elected before any follower could time out its fetches');

    await cluster.createTopics([{ topic: 'after-handover' }]);
    await old.start();
    await cluster.waitForCatchUp(old);
    const md = await nodeMetadata(old.brokerPort!);
    assert.ok(md.topics.has('before-any-stop') && md.topics.has('after-handover'), [...md.topics.keys()].join(', '));
  });

  test('a follower stopped and restarted catches up with the topics created and deleted meanwhile; the leader and its epoch stay', async () => {
    await cluster.createTopics([{ topic: 'deleted-while-down' }]);
    const { node: leader, quorum } = await cluster.waitForLeader();
    const follower = cluster.nodes.find((n) => n !== leader)!;
    await cluster.waitForCatchUp(follower);
    assert.deepEqual(await follower.stop(), { code: 0, signal: null });

    const created = ['created-while-down-1', 'created-while-down-2'];
    await cluster.createTopics(created.map((topic) => ({ topic, numPartitions: 2 })));
    await cluster.deleteTopics(['deleted-while-down']);

    await follower.start();
    await cluster.waitForCatchUp(follower);
    const md = await nodeMetadata(follower.brokerPort!);
    for (const t of created) assert.equal(md.topics.get(t), 2, t);
    assert.equal(md.topics.has('deleted-while-down'), false);
    const after = await cluster.waitForLeader();
    assert.deepEqual([after.node.nodeId, after.quorum.leaderEpoch], [leader.nodeId, quorum.leaderEpoch]);
  });
});
