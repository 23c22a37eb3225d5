// Metadata (key 3) over the wire to one given broker listener: what that very node's metadata image holds (a
// client library would pick any broker it knows, and the tests need to ask the node that was down).
import { RawKafkaClient } from '../fixtures/e2e/raw-kafka-client.ts';
import { ApiKeys } from '../../src/protocol/generated/api-keys.ts';
import type { MetadataResponse } from '../../src/protocol/generated/messages/metadata-response.ts';

/** One node's answer to Metadata for all topics: its brokers, the controller it names and its topics. */
export interface NodeMetadata {
  readonly clusterId: string | null;
  readonly controllerId: number;
  /** Broker ids, ascending. */
  readonly brokers: readonly number[];
  /** Topic name -> partition count (internal topics included). */
  readonly topics: ReadonlyMap<string, number>;
  /** Topic name -> leader id of each partition by index (-1: no leader, e.g. its only replica is fenced). */
  readonly leaders: ReadonlyMap<string, readonly number[]>;
  /** Topic name -> each partition's state by index, as this node's image holds it. */
  readonly partitions: ReadonlyMap<string, readonly PartitionMetadata[]>;
}

/** One partition as Metadata describes it: leader, leader epoch, replicas and ISR (ids ascending). */
export interface PartitionMetadata {
  readonly leader: number;
  readonly leaderEpoch: number;
  /** Replica ids in assignment order (the first is the preferred leader). */
  readonly replicas: readonly number[];
  /** In-sync replica ids, ascending. */
  readonly isr: readonly number[];
}

/**
 * Sends Metadata v12 (all topics, no auto-creation) to `host`:`port`.
 * @throws Error when the connection is refused or closed, or no answer comes within `timeoutMs`.
 */
export async function nodeMetadata(port: number, timeoutMs = 5000, host = '127.0.0.1'): Promise<NodeMetadata> {
  const client = await RawKafkaClient.connect(port, host);
  try {
    const r = await client.request<MetadataResponse>(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false }, timeoutMs);
    const sorted = new Map(r.topics.map((t) => [t.name ?? '', [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex)]));
    return {
      clusterId: r.clusterId,
      controllerId: r.controllerId,
      brokers: r.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
      topics: new Map(r.topics.map((t) => [t.name ?? '', t.partitions.length])),
      leaders: new Map([...sorted].map(([name, ps]) => [name, ps.map((p) => p.leaderId)])),
      partitions: new Map([...sorted].map(([name, ps]) => [name, ps.map((p) => ({ leader: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicaNodes, isr: [...p.isrNodes].sort((a, b) => a - b) }))])),
    };
  } finally {
    client.socket.destroy();
  }
}
