import type { TopicPartition } from '../common/topic-partition.ts';
import type { NetworkClient } from '../network/network-client.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { FetchRequest } from '../protocol/generated/messages/fetch-request.ts';
import type { FetchResponse } from '../protocol/generated/messages/fetch-response.ts';
import type { ListOffsetsResponse } from '../protocol/generated/messages/list-offsets-response.ts';
import type { Input } from '../protocol/message-input.ts';
import type { BrokerEndPoint, LeaderEndPoint, LeaderOffset } from '../replication/leader-end-point.ts';

/**
 * Fetch v12 is what followers speak: the first version with lastFetchedEpoch and diverging epochs (truncation on
 * fetch, KIP-320) and the last one with topic names, which this broker's Fetch serves up to.
 */
const REPLICA_FETCH_VERSION = 12;

/**
 * A replica fetcher's connection to the leader it fetches from, after Kafka's `RemoteLeaderEndPoint` over its
 * `BrokerBlockingSender`: Fetch and ListOffsets (as replica `replicaId`) on a NetworkClient of the fetcher's own
 * (client id `broker-<id>-fetcher-<n>`, one request in flight), to the leader's inter-broker listener. Its Fetch
 * responses are frames of the client's FramePool, recycled by {@link releaseResponse}.
 */
export class RemoteLeaderEndPoint implements LeaderEndPoint {
  readonly leader: BrokerEndPoint;
  readonly #client: NetworkClient;
  readonly #replicaId: number;
  /** replica.socket.timeout.ms: a fetch waits at most replica.fetch.wait.max.ms at the leader, plus the network. */
  readonly #timeoutMs: number;
  /** How to recycle the frame of each Fetch response not yet released. */
  readonly #frames = new WeakMap<FetchResponse, () => void>();

  constructor(options: { leader: BrokerEndPoint; client: NetworkClient; replicaId: number; requestTimeoutMs: number }) {
    this.leader = options.leader;
    this.#client = options.client;
    this.#replicaId = options.replicaId;
    this.#timeoutMs = options.requestTimeoutMs;
  }

  async fetch(request: Input<FetchRequest>): Promise<FetchResponse> {
    const response = await this.#client.send<FetchResponse>(this.leader, ApiKeys.Fetch, REPLICA_FETCH_VERSION, request, { timeoutMs: this.#timeoutMs });
    this.#frames.set(response.body, response.releaseFrame);
    return response.body;
  }

  releaseResponse(response: FetchResponse): void {
    const release = this.#frames.get(response);
    this.#frames.delete(response);
    release?.();
  }

  async listOffset(tp: TopicPartition, currentLeaderEpoch: number, timestamp: bigint): Promise<LeaderOffset> {
    const response = await this.#client.send<ListOffsetsResponse>(
      this.leader,
      ApiKeys.ListOffsets,
      { min: 1 },
      { replicaId: this.#replicaId, isolationLevel: 0, topics: [{ name: tp.topic, partitions: [{ partitionIndex: tp.partition, currentLeaderEpoch, timestamp }] }] },
      { timeoutMs: this.#timeoutMs },
    );
    const p = response.body.topics.find((t) => t.name === tp.topic)?.partitions.find((x) => x.partitionIndex === tp.partition);
    if (p === undefined) return { errorCode: Errors.UNKNOWN_TOPIC_OR_PARTITION, offset: -1n, leaderEpoch: -1 };
    return { errorCode: p.errorCode, offset: p.offset, leaderEpoch: p.leaderEpoch };
  }

  close(): void {
    this.#client.close();
  }
}
