// What the replication bench asks a cluster of broker processes over the wire (RawKafkaClient, one request at a
// time, never the load): create a topic with an explicit replica assignment, a partition's leader and ISR as a
// given broker's metadata holds them, and one replica's log end offset (ListOffsets from the debugging replica id,
// which any replica answers, follower included, as Kafka does).
import { ZERO_UUID_STRING } from '../../src/common/uuid.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import { Errors } from '../../src/protocol/generated/errors.ts';
import type { CreateTopicsResponse } from '../../src/protocol/generated/messages/create-topics-response.ts';
import type { ListOffsetsResponse } from '../../src/protocol/generated/messages/list-offsets-response.ts';
import type { MetadataResponse } from '../../src/protocol/generated/messages/metadata-response.ts';
import { RawKafkaClient } from '../../test/fixtures/e2e/raw-kafka-client.ts';

/** ListOffsetsRequest.DEBUGGING_REPLICA_ID: answered by any replica with its log end offset. */
const DEBUGGING_REPLICA_ID = -2;
const LATEST_TIMESTAMP = -1n;

/** Partition 0 of a topic as one broker's metadata image holds it. */
export interface PartitionState {
  /** -1: no leader (or the broker does not know the topic yet). */
  readonly leader: number;
  readonly isr: readonly number[];
}

/**
 * Creates `topic` with one partition placed on `replicas` (the first is the preferred leader) and topic `configs`,
 * through the broker listening on `port` (it forwards to the active controller). NOT_CONTROLLER and other
 * answers are retried every 100 ms; TOPIC_ALREADY_EXISTS (an earlier attempt created it) counts as done.
 * @throws Error with the last failure when `timeoutMs` passes.
 */
export async function createAssignedTopic(port: number, topic: string, replicas: readonly number[], configs: Record<string, string> = {}, timeoutMs = 30_000): Promise<void> {
  const request = {
    topics: [{
      name: topic,
      // Kafka's CreateTopics: with an explicit assignment both counts are -1.
      numPartitions: -1,
      replicationFactor: -1,
      assignments: [{ partitionIndex: 0, brokerIds: [...replicas] }],
      configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
    }],
    timeoutMs: 10_000,
    validateOnly: false,
  };
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const client = await RawKafkaClient.connect(port);
    try {
      const r = await client.request<CreateTopicsResponse>(ApiKeys.CreateTopics, 7, request, 15_000);
      const t = r.topics[0]!;
      if (t.errorCode === Errors.NONE || t.errorCode === Errors.TOPIC_ALREADY_EXISTS) return;
      last = `error ${t.errorCode} ${t.errorMessage ?? ''}`;
    } catch (e) {
      last = (e as Error).message;
    } finally {
      client.socket.destroy();
    }
    if (Date.now() > deadline) throw new Error(`could not create ${topic} on [${replicas.join(',')}]: ${last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Partition 0 of `topic` in the Metadata (v12) of the broker on `port`.
 * @throws Error when the broker does not answer within `timeoutMs`.
 */
export async function partitionState(port: number, topic: string, timeoutMs = 5000): Promise<PartitionState> {
  const client = await RawKafkaClient.connect(port);
  try {
    const r = await client.request<MetadataResponse>(ApiKeys.Metadata, 12, { topics: [{ topicId: ZERO_UUID_STRING, name: topic }], allowAutoTopicCreation: false }, timeoutMs);
    const p = r.topics.find((t) => t.name === topic)?.partitions.find((x) => x.partitionIndex === 0);
    return p === undefined || p.errorCode !== Errors.NONE ? { leader: -1, isr: [] } : { leader: p.leaderId, isr: [...p.isrNodes].sort((a, b) => a - b) };
  } finally {
    client.socket.destroy();
  }
}

/**
 * A connection to one broker that asks for its replica's log end offset of partition 0 of a topic (ListOffsets
 * v7, LATEST, replica id -2: the log end offset, not the high watermark, from a follower as from the leader).
 */
export class ReplicaOffsets {
  readonly #client: RawKafkaClient;

  private constructor(client: RawKafkaClient) {
    this.#client = client;
  }

  static async connect(port: number): Promise<ReplicaOffsets> {
    return new ReplicaOffsets(await RawKafkaClient.connect(port));
  }

  /** The replica's log end offset. @throws Error on an error code (e.g. 3: the broker does not host it yet). */
  async logEndOffset(topic: string, timeoutMs = 5000): Promise<number> {
    const r = await this.#client.request<ListOffsetsResponse>(ApiKeys.ListOffsets, 7, {
      replicaId: DEBUGGING_REPLICA_ID,
      isolationLevel: 0,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: LATEST_TIMESTAMP }] }],
    }, timeoutMs);
    const p = r.topics[0]!.partitions[0]!;
    if (p.errorCode !== Errors.NONE) throw new Error(`ListOffsets ${topic}-0: error ${p.errorCode}`);
    return Number(p.offset);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
