import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { partitionFor } from '../../../src/coordinator/runtime/partition-for.ts';
import { NetworkClient } from '../../../src/network/network-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { ProduceResponse } from '../../../src/protocol/generated/messages/produce-response.ts';
import { buildBatch, simpleRecords } from '../../unit/storage/batches.ts';
import { waitFor } from '../../helpers/broker.ts';
import { freePorts, staticQuorum, tempDir, type StaticQuorumNode } from '../quorum/in-process-nodes.ts';

// KIP-890 verification across brokers (issue 15 item 6): a partition leader that is not the transactional id's
// coordinator asks the coordinator's broker (AddPartitionsToTxn v4 verifyOnly) whether the partition was added to
// the transaction. A kafkajs transaction over partitions led by the three brokers commits and read_committed sees
// it; a transactional batch for a partition that was never added is refused by its leader.

const TOPIC = 'spread';
const TRANSACTIONAL_ID = 'spread-tx';
/** The isTransactional bit of a record batch's attributes. */
const TRANSACTIONAL_ATTRIBUTE = 0x10;

test('transactional produce is verified with the coordinator on another broker (KIP-890)', { timeout: 60_000 }, async () => {
  const { dir, cleanup } = await tempDir('kafka-txn-verify-');
  const nodes: StaticQuorumNode[] = staticQuorum(dir, await freePorts(3), { 'controlled.shutdown.enable': 'false' });
  try {
    const servers = await Promise.all(nodes.map((n) => n.start()));
    const kafka = new Kafka({ brokers: servers.map((s) => `127.0.0.1:${s.boundPort('PLAINTEXT')}`), logLevel: logLevel.NOTHING, retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 1000 } });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // One partition per broker (round-robin placement), so at least two are led by a broker that is not the coordinator.
      assert.equal(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: false }), true);
    } finally {
      await admin.disconnect();
    }
    const leaderOf = (partition: number) => servers.find((s) => s.brokerServer!.replicaManager.getPartition({ topic: TOPIC, partition })?.isLeader === true);
    await waitFor('every partition led', () => [0, 1, 2].every((p) => leaderOf(p) !== undefined));
    assert.equal(new Set([0, 1, 2].map((p) => leaderOf(p)!.nodeId)).size, 3, 'each broker leads one partition');

    const producer = kafka.producer({ transactionalId: TRANSACTIONAL_ID, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    let producerId = -1n;
    let producerEpoch = -1;
    try {
      const txn = await producer.transaction();
      await txn.send({ topic: TOPIC, acks: -1, messages: [0, 1, 2].map((partition) => ({ partition, value: `p${partition}` })) });
      await txn.commit();
      // The producer's id and epoch, from the coordinator's state, for the refused batch below.
      const coordinatorTp = { topic: '__transaction_state', partition: partitionFor(TRANSACTIONAL_ID, 3) };
      const coordinator = servers.find((s) => s.brokerServer!.replicaManager.getPartition(coordinatorTp)?.isLeader === true)!;
      // EndTxn is answered once PrepareCommit is written; the markers follow.
      const described = await waitFor('the markers written', async () => {
        const d = await coordinator.brokerServer!.transactionCoordinator.describeTransaction(TRANSACTIONAL_ID);
        return d.transactionState === 'CompleteCommit' ? d : null;
      });
      producerId = described.producerId;
      producerEpoch = described.producerEpoch;

      // A transactional batch for a partition led elsewhere that is not in any open transaction: refused.
      const partition = [0, 1, 2].find((p) => leaderOf(p) !== coordinator)!;
      const leader = leaderOf(partition)!;
      const client = new NetworkClient({ clientId: 'unverified-produce' });
      try {
        const records = buildBatch(simpleRecords(1), { producerId, producerEpoch, baseSequence: 1, attributes: TRANSACTIONAL_ATTRIBUTE });
        const response = await client.send<ProduceResponse>({ nodeId: leader.nodeId, host: '127.0.0.1', port: leader.boundPort('PLAINTEXT') }, ApiKeys.Produce, 11, {
          transactionalId: TRANSACTIONAL_ID,
          acks: -1,
          timeoutMs: 5000,
          topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }],
        });
        assert.equal(response.body.responses[0]!.partitionResponses[0]!.errorCode, Errors.TRANSACTION_ABORTABLE);
      } finally {
        client.close();
      }
    } finally {
      await producer.disconnect();
    }

    const consumer = kafka.consumer({ groupId: 'spread-reader' });
    const seen: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      await waitFor('the committed records', () => seen.length >= 3, 30_000);
    } finally {
      await consumer.disconnect();
    }
    assert.deepEqual(seen.sort(), ['p0', 'p1', 'p2']);
  } finally {
    for (const n of nodes) await n.stop().catch(() => undefined);
    await cleanup();
  }
});
