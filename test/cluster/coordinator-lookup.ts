// What the coordinator-failover tests ask one given broker over the wire: which broker it names as the coordinator
// of a group or transactional id (FindCoordinator), and where the replicas of an internal topic's partition are
// (Metadata): leader, replicas and ISR, as that very node's metadata image holds them; and how a transaction
// coordinator describes a transactional id (DescribeTransactions).
import { RawKafkaClient } from '../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import type { FindCoordinatorResponse } from '../../src/protocol/generated/messages/find-coordinator-response.ts';
import type { MetadataResponse } from '../../src/protocol/generated/messages/metadata-response.ts';
import type { DescribeTransactionsResponse } from '../../src/protocol/generated/messages/describe-transactions-response.ts';

/** Runs `ask` on a new connection to 127.0.0.1:`port`, closed after. */
async function onConnection<T>(port: number, ask: (client: RawKafkaClient) => Promise<T>): Promise<T> {
  const client = await RawKafkaClient.connect(port);
  try {
    return await ask(client);
  } finally {
    client.socket.destroy();
  }
}

/** FindCoordinator's key types (KIP-98): a consumer group, a transactional id. */
export const COORDINATOR_GROUP = 0;
export const COORDINATOR_TRANSACTION = 1;

/** One coordinator lookup's answer: the error code and the node named (-1 with an error). */
export interface CoordinatorAnswer {
  readonly errorCode: number;
  readonly nodeId: number;
}

/**
 * FindCoordinator v4 (batched keys, KIP-699) for `key` of `keyType`, sent to 127.0.0.1:`port`.
 * @throws Error when the connection is refused or closed, or no answer comes within `timeoutMs`.
 */
export async function findCoordinator(port: number, key: string, keyType: number, timeoutMs = 5000): Promise<CoordinatorAnswer> {
  const r = await onConnection(port, (client) => client.request<FindCoordinatorResponse>(ApiKeys.FindCoordinator, 4, { key: '', keyType, coordinatorKeys: [key] }, timeoutMs));
  const c = r.coordinators[0]!;
  return { errorCode: c.errorCode, nodeId: c.nodeId };
}

/** A partition's replica placement as one broker's Metadata answers it. */
export interface PartitionReplicas {
  readonly leader: number;
  readonly leaderEpoch: number;
  /** Replica ids, ascending. */
  readonly replicas: readonly number[];
  /** In-sync replica ids, ascending. */
  readonly isr: readonly number[];
}

/**
 * Metadata v12 of `topic` from 127.0.0.1:`port`: each partition's leader, leader epoch, replicas and ISR, by
 * partition index.
 * @throws Error when the connection fails, or the broker does not know the topic.
 */
export async function partitionReplicas(port: number, topic: string, timeoutMs = 5000): Promise<PartitionReplicas[]> {
  const request = { topics: [{ name: topic, topicId: '00000000-0000-0000-0000-000000000000' }], allowAutoTopicCreation: false };
  const r = await onConnection(port, (client) => client.request<MetadataResponse>(ApiKeys.Metadata, 12, request, timeoutMs));
  const t = r.topics[0];
  if (t === undefined || t.errorCode !== 0) throw new Error(`broker on port ${port} answers ${topic} with error ${t?.errorCode}`);
  const sortIds = (ids: readonly number[]): number[] => [...ids].sort((a, b) => a - b);
  return [...t.partitions]
    .sort((a, b) => a.partitionIndex - b.partitionIndex)
    .map((p) => ({ leader: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: sortIds(p.replicaNodes), isr: sortIds(p.isrNodes) }));
}

/** A transactional id as its coordinator describes it: the error code, the state and the partitions in the transaction. */
export interface DescribedTransaction {
  readonly errorCode: number;
  readonly state: string;
  /** `topic-partition` names, sorted. */
  readonly partitions: readonly string[];
}

/**
 * DescribeTransactions v0 (KIP-664) of `transactionalId`, sent to 127.0.0.1:`port` (its coordinator answers; any
 * other broker answers NOT_COORDINATOR, a loading one COORDINATOR_LOAD_IN_PROGRESS).
 * @throws Error when the connection fails or no answer comes within `timeoutMs`.
 */
export async function describeTransaction(port: number, transactionalId: string, timeoutMs = 5000): Promise<DescribedTransaction> {
  const r = await onConnection(port, (client) => client.request<DescribeTransactionsResponse>(ApiKeys.DescribeTransactions, 0, { transactionalIds: [transactionalId] }, timeoutMs));
  const t = r.transactionStates[0]!;
  return { errorCode: t.errorCode, state: t.transactionState, partitions: t.topics.flatMap((d) => d.partitions.map((p) => `${d.topic}-${p}`)).sort() };
}
