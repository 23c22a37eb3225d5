// NodeToControllerChannel against the controllers of a real two-voter quorum (two combined nodes in this process,
// over TCP): a channel pointed first at the standby controller gets its NOT_CONTROLLER, whether at the top level
// (an Envelope) or per topic (a CreateTopics sent plain, as auto topic creation of the internal topics does), closes
// that connection and retries on the active controller, as Kafka's NodeToControllerRequestThread does; a channel
// that only ever finds the standby fails with REQUEST_TIMED_OUT at its deadline. Only the choice of the controller
// is scripted; the requests, the controllers and their answers are real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SystemTime } from '../../../src/common/time.ts';
import { NetworkClient, type NodeEndpoint } from '../../../src/network/network-client.ts';
import { rootLogger } from '../../../src/observability/logger.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { CreateTopicsResponse } from '../../../src/protocol/generated/messages/create-topics-response.ts';
import type { EnvelopeResponse } from '../../../src/protocol/generated/messages/envelope-response.ts';
import { Writer } from '../../../src/protocol/writer.ts';
import { encodeRequestHeader } from '../../../src/protocol/request-header.ts';
import { API_MESSAGES, requestHeaderVersion } from '../../../src/protocol/generated/api-messages.ts';
import { KafkaPrincipalSerde } from '../../../src/server/kafka-principal-serde.ts';
import { ANONYMOUS_PRINCIPAL } from '../../../src/security/kafka-principal.ts';
import type { KafkaRaftServer } from '../../../src/server/kafka-raft-server.ts';
import { ControllerUnavailableError, NodeToControllerChannel } from '../../../src/server/node-to-controller-channel.ts';
import { startCombinedQuorum } from '../../helpers/role-nodes.ts';

const logger = rootLogger.child({ test: 'node-to-controller-channel' });

function channelTo(pick: () => NodeEndpoint | null): NodeToControllerChannel {
  const client = new NetworkClient({
    clientId: 'channel-test',
    time: SystemTime,
    requestTimeoutMs: 5000,
    maxInFlightRequestsPerConnection: 1,
    reconnectBackoffMs: 50,
    reconnectBackoffMaxMs: 50,
    logger,
  });
  return new NodeToControllerChannel({ client, provider: { activeController: pick }, time: SystemTime, retryBackoffMs: 50, requestTimeoutMs: 5000, logger });
}

const createTopic = (name: string) => ({ topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });

function envelopeOf(name: string): object {
  const w = new Writer(128);
  encodeRequestHeader(w, requestHeaderVersion(ApiKeys.CreateTopics, 7), { requestApiKey: ApiKeys.CreateTopics, requestApiVersion: 7, correlationId: 9, clientId: 'forwarded' });
  API_MESSAGES.get(ApiKeys.CreateTopics)!.encodeRequest(w, 7, createTopic(name) as never);
  return { requestData: w.toBuffer(), requestPrincipal: KafkaPrincipalSerde.serialize(ANONYMOUS_PRINCIPAL), clientHostAddress: Buffer.from([127, 0, 0, 1]) };
}

describe('NodeToControllerChannel and a standby controller', () => {
  let nodes: KafkaRaftServer[];
  let active: NodeEndpoint;
  let standby: NodeEndpoint;
  let stop: () => Promise<void>;

  before(async () => {
    ({ nodes, stop } = await startCombinedQuorum(2));
    const leaderId = nodes[0]!.shared.raft.client.leaderAndEpoch.leaderId;
    const endpoint = (n: KafkaRaftServer): NodeEndpoint => ({ nodeId: n.nodeId, host: '127.0.0.1', port: n.boundPort('CONTROLLER') });
    active = endpoint(nodes.find((n) => n.nodeId === leaderId)!);
    standby = endpoint(nodes.find((n) => n.nodeId !== leaderId)!);
  });

  after(async () => {
    await stop?.();
  });

  /** A channel that names the standby for the first `standbyAnswers` attempts, then the active controller. */
  function standbyFirst(standbyAnswers: number): { channel: NodeToControllerChannel; picks: number[] } {
    const picks: number[] = [];
    const channel = channelTo(() => {
      const next = picks.length < standbyAnswers ? standby : active;
      picks.push(next.nodeId);
      return next;
    });
    return { channel, picks };
  }

  test('a top-level NOT_CONTROLLER (Envelope) is retried on the active controller', async () => {
    const { channel, picks } = standbyFirst(2);
    try {
      const response = await channel.send<EnvelopeResponse>(ApiKeys.Envelope, envelopeOf('channel-envelope'), { timeoutMs: 10_000 });
      assert.equal(response.errorCode, Errors.NONE);
      assert.deepEqual(picks, [standby.nodeId, standby.nodeId, active.nodeId]);
      assert.ok(nodes.find((n) => n.nodeId === active.nodeId)!.metadata.topicsByName.has('channel-envelope'));
    } finally {
      channel.close();
    }
  });

  test('a NOT_CONTROLLER of each topic of a plain CreateTopics is retried on the active controller', async () => {
    // What the standby answers, straight: NOT_CONTROLLER inside the topic's entry, not at the top level.
    const standbyAnswer = new NetworkClient({ clientId: 'direct', time: SystemTime, requestTimeoutMs: 5000, logger });
    try {
      const answer = await standbyAnswer.send<CreateTopicsResponse>(standby, ApiKeys.CreateTopics, {}, createTopic('channel-direct'), { timeoutMs: 5000 });
      assert.deepEqual(answer.body.topics.map((t) => t.errorCode), [Errors.NOT_CONTROLLER]);
    } finally {
      standbyAnswer.close();
    }
    const { channel, picks } = standbyFirst(1);
    try {
      const response = await channel.send<CreateTopicsResponse>(ApiKeys.CreateTopics, createTopic('channel-plain'), { timeoutMs: 10_000 });
      assert.deepEqual(response.topics.map((t) => [t.name, t.errorCode]), [['channel-plain', Errors.NONE]]);
      assert.deepEqual(picks, [standby.nodeId, active.nodeId]);
    } finally {
      channel.close();
    }
  });

  test('only the standby until the deadline: REQUEST_TIMED_OUT, after retrying', async () => {
    let attempts = 0;
    const channel = channelTo(() => {
      attempts++;
      return standby;
    });
    try {
      const failed = await channel.send(ApiKeys.Envelope, envelopeOf('channel-never'), { timeoutMs: 1000 }).then(() => null, (e: unknown) => e);
      assert.ok(failed instanceof ControllerUnavailableError, String(failed));
      assert.equal(failed.errorCode, Errors.REQUEST_TIMED_OUT);
      assert.ok(attempts > 1, `retried (${attempts} attempts)`);
      assert.ok(nodes.every((n) => !n.metadata.topicsByName.has('channel-never')));
    } finally {
      channel.close();
    }
  });
});
