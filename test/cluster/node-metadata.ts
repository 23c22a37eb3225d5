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
}

/**
 * Sends Metadata v12 (all topics, no auto-creation) to 127.0.0.1:`port`.
 * @throws Error when the connection is refused or closed, or no answer comes within `timeoutMs`.
 */
export async function nodeMetadata(port: number, timeoutMs = 5000): Promise<NodeMetadata> {
  const client = await RawKafkaClient.connect(port);
  try {
    const r = await client.request<MetadataResponse>(ApiKeys.Metadata, 12, { topics: null, allowAutoTopicCreation: false }, timeoutMs);
    return {
      clusterId: r.clusterId,
      controllerId: r.controllerId,
      brokers: r.brokers.map((b) => b.nodeId).sort((a, b) => a - b),
      topics: new Map(r.topics.map((t) => [t.name ?? '', t.partitions.length])),
      leaders: new Map(r.topics.map((t) => [t.name ?? '', [...t.partitions].sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => p.leaderId)])),
    };
  } finally {
    client.socket.destroy();
  }
}
