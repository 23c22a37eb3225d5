// KafkaNetworkChannel over a real socket to a scripted Kafka peer: Vote goes at the newest version both sides have
// that can carry the body; a pre-vote (KIP-996, Vote v2 PreVote=true) reaches a peer with Vote v2 and fails with
// UNSUPPORTED_VERSION, nothing sent, against a peer that only has v0-1 (the raft client then runs a real election).
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { NetworkClient } from '../../../src/network/network-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { VoteRequest } from '../../../src/protocol/generated/messages/vote-request.ts';
import type { VoteResponse } from '../../../src/protocol/generated/messages/vote-response.ts';
import { METADATA_PARTITION, METADATA_TOPIC_NAME } from '../../../src/raft/raft-messages.ts';
import { RAFT_REQUEST_VERSIONS, type RaftRequestOutbound } from '../../../src/raft/network-channel.ts';
import { buildVoteRequest, readVoteRequest } from '../../../src/raft/vote-messages.ts';
import { KafkaNetworkChannel } from '../../../src/server/kafka-network-channel.ts';
import { FakeKafkaPeer, allApiVersions, type PeerRequest } from '../network/fake-kafka-peer.ts';

const DIRECTORY_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

function voteRequest(port: number, preVote: boolean): RaftRequestOutbound {
  return {
    correlationId: 1,
    destination: { id: 2, host: '127.0.0.1', port },
    apiKey: ApiKeys.Vote,
    apiVersion: RAFT_REQUEST_VERSIONS[ApiKeys.Vote],
    data: buildVoteRequest({
      clusterId: 'test-cluster',
      topicName: METADATA_TOPIC_NAME,
      partitionIndex: METADATA_PARTITION,
      voterId: 2,
      voterDirectoryId: DIRECTORY_ID,
      replicaId: 1,
      replicaDirectoryId: DIRECTORY_ID,
      replicaEpoch: 7,
      lastOffsetEpoch: 6,
      lastOffset: 42n,
      preVote,
    }),
    createdTimeMs: 0,
    timeoutMs: 5_000,
  };
}

/** Grants every Vote, echoing the epoch. */
function grant(r: PeerRequest): void {
  const p = readVoteRequest(r.body as unknown as VoteRequest)!;
  const response: VoteResponse = {
    errorCode: Errors.NONE,
    topics: [{ topicName: p.topicName, partitions: [{ partitionIndex: p.partitionIndex, errorCode: Errors.NONE, leaderId: -1, leaderEpoch: p.replicaEpoch, voteGranted: true }] }],
    nodeEndpoints: [],
  };
  r.respond(response);
}

async function channelTo(t: TestContext, voteMaxVersion: number): Promise<{ peer: FakeKafkaPeer; channel: KafkaNetworkChannel }> {
  const apiVersions = allApiVersions().map((v) => (v.apiKey === ApiKeys.Vote ? { ...v, maxVersion: voteMaxVersion } : v));
  const peer = await FakeKafkaPeer.start({ apiVersions, onRequest: grant });
  const client = new NetworkClient({ clientId: 'raft-client-1', maxInFlightRequestsPerConnection: 1 });
  t.after(async () => {
    client.close();
    await peer.close();
  });
  return { peer, channel: new KafkaNetworkChannel(client, 'CONTROLLER') };
}

describe('KafkaNetworkChannel Vote versions (KIP-996)', () => {
  it('sends a pre-vote as Vote v2 with PreVote=true to a peer that has v2', async (t) => {
    const { peer, channel } = await channelTo(t, 2);
    const response = (await channel.send(voteRequest(peer.port, true))) as VoteResponse;
    assert.equal(response.topics[0]!.partitions[0]!.voteGranted, true);
    const [sent] = peer.apiRequests;
    assert.equal(sent!.header.requestApiVersion, 2);
    assert.deepEqual(readVoteRequest(sent!.body as unknown as VoteRequest), readVoteRequest(voteRequest(peer.port, true).data as VoteRequest));
  });

  it('fails a pre-vote with UNSUPPORTED_VERSION, nothing sent, when the peer only has Vote v0-1', async (t) => {
    const { peer, channel } = await channelTo(t, 1);
    await assert.rejects(channel.send(voteRequest(peer.port, true)), (e: Error & { errorCode?: number }) => e.errorCode === Errors.UNSUPPORTED_VERSION);
    assert.deepEqual(peer.apiRequests, []);
  });

  it('sends a real vote at the newest version the peer has: v1 to a v0-1 peer, v2 to a v2 peer', async (t) => {
    for (const max of [1, 2]) {
      const { peer, channel } = await channelTo(t, max);
      const response = (await channel.send(voteRequest(peer.port, false))) as VoteResponse;
      assert.equal(response.topics[0]!.partitions[0]!.voteGranted, true);
      const [sent] = peer.apiRequests;
      assert.equal(sent!.header.requestApiVersion, max);
      const fields = readVoteRequest(sent!.body as unknown as VoteRequest)!;
      assert.equal(fields.preVote, false);
      assert.equal(fields.replicaEpoch, 7);
      assert.equal(fields.lastOffset, 42n);
    }
  });
});
