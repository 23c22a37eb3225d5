import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NetworkClient } from '../../../src/network/network-client.ts';
import { ApiKeys } from '../../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../../src/protocol/generated/errors.ts';
import type { ApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions-response.ts';
import type { VoteResponse } from '../../../src/protocol/generated/messages/vote-response.ts';
import { RAFT_REQUEST_VERSIONS } from '../../../src/raft/network-channel.ts';
import { METADATA_PARTITION, METADATA_TOPIC_NAME } from '../../../src/raft/raft-messages.ts';
import { buildVoteRequest } from '../../../src/raft/vote-messages.ts';
import { KafkaNetworkChannel } from '../../../src/server/kafka-network-channel.ts';
import { CLUSTER_ID, freePorts, staticQuorum, tempDir } from './in-process-nodes.ts';

// KIP-996 on the wire: the controller listener advertises Vote v0-2 and hands a pre-vote (Vote v2, PreVote=true)
// to the raft client. A voter with no leader grants a pre-vote from a replica whose log is at least as long, and
// records no vote: a real vote of another replica in the same epoch is granted after it (as in Kafka, a higher
// epoch in the request still moves the voter to that epoch, unattached).

const NO_DIRECTORY_ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const EPOCH = 5;

function voteBody(replicaId: number, preVote: boolean): ReturnType<typeof buildVoteRequest> {
  return buildVoteRequest({
    clusterId: CLUSTER_ID,
    topicName: METADATA_TOPIC_NAME,
    partitionIndex: METADATA_PARTITION,
    voterId: 1,
    voterDirectoryId: NO_DIRECTORY_ID,
    replicaId,
    replicaDirectoryId: NO_DIRECTORY_ID,
    replicaEpoch: EPOCH,
    lastOffsetEpoch: EPOCH - 1,
    lastOffset: 1_000_000n,
    preVote,
  });
}

test('a voter answers a pre-vote (Vote v2) on its controller listener and records no vote for it', async () => {
  const { dir, cleanup } = await tempDir('kafka-pre-vote-');
  const ports = await freePorts(3);
  // No controlled shutdown: the last node stopping has no quorum to approve it (Kafka waits up to 5 minutes).
  const [node1, node2] = staticQuorum(dir, ports, { 'controlled.shutdown.enable': 'false' });
  const client = new NetworkClient({ clientId: 'raft-client-2', maxInFlightRequestsPerConnection: 1 });
  const destination = { id: 1, host: '127.0.0.1', port: ports[0]! };
  // Node 1 alone has no majority: it stays without a leader (unattached or prospective) until node 2 starts.
  const started1 = node1!.start();
  started1.catch(() => undefined);
  let started2: ReturnType<typeof node2.start> | undefined;
  try {
    let versions: ApiVersionsResponse | undefined;
    const deadline = Date.now() + 30_000;
    while (versions === undefined) {
      try {
        versions = (await client.send<ApiVersionsResponse>({ nodeId: 1, host: destination.host, port: destination.port }, ApiKeys.ApiVersions, {}, { clientSoftwareName: 'pre-vote-test', clientSoftwareVersion: '1' }, { timeoutMs: 2_000 })).body;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const vote = versions.apiKeys.find((k) => k.apiKey === ApiKeys.Vote);
    assert.deepEqual({ min: vote?.minVersion, max: vote?.maxVersion }, { min: 0, max: 2 });

    const channel = new KafkaNetworkChannel(client, 'CONTROLLER');
    const send = async (data: ReturnType<typeof voteBody>): Promise<{ errorCode: number; voteGranted: boolean; leaderEpoch: number }> => {
      const response = (await channel.send({ correlationId: 1, destination, apiKey: ApiKeys.Vote, apiVersion: RAFT_REQUEST_VERSIONS[ApiKeys.Vote], data, createdTimeMs: 0, timeoutMs: 10_000 })) as VoteResponse;
      assert.equal(response.errorCode, Errors.NONE);
      return response.topics[0]!.partitions[0]!;
    };
    assert.deepEqual(await send(voteBody(2, true)), { partitionIndex: 0, errorCode: Errors.NONE, leaderId: -1, leaderEpoch: EPOCH, voteGranted: true }, 'no leader, and the pre-voter\'s log is longer');
    assert.equal((await send(voteBody(3, false))).voteGranted, true, 'the pre-vote for 2 recorded no vote in the epoch');
    assert.equal((await send(voteBody(2, false))).voteGranted, false, 'the real vote for 3 is recorded');

    // With node 2 the quorum has a majority and elects a leader.
    started2 = node2!.start();
    const [server1, server2] = await Promise.all([started1, started2]);
    assert.ok(server1.shared.raft.client.epoch > EPOCH, `epoch ${server1.shared.raft.client.epoch}`);
    assert.equal(server1.shared.raft.client.epoch, server2.shared.raft.client.epoch);
  } finally {
    client.close();
    // Node 1's start ends only once a leader is elected, which needs node 2.
    started2 ??= node2!.start();
    await Promise.allSettled([started1, started2]);
    await Promise.all([node1!.stop(), node2!.stop()]);
    await cleanup();
  }
});
