import { randomInt } from 'node:crypto';
import { partitionForKey } from '../common/murmur2.ts';
import type { NodeEndpoint } from '../network/network-client.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { MetadataResponse } from '../protocol/generated/messages/metadata-response.ts';
import type { ProduceResponse } from '../protocol/generated/messages/produce-response.ts';
import { buildRecordBatch } from '../protocol/records/record-batch-builder.ts';
import type { CompressionTypeName } from '../protocol/records/record-batch.ts';
import { AdminError, isRetriable, type AdminClient } from './admin-client.ts';
import type { LineRecord } from './line-message-reader.ts';

/** The producer settings the console producer exposes (Kafka's names in the comments). */
export interface SimpleProducerOptions {
  /** acks: -1 (all) or 1; 0 is refused by the caller (our NetworkClient always waits for a response). */
  readonly acks: -1 | 1;
  /** batch.size, in bytes: a partition's pending records are sent once they reach it. */
  readonly batchSize: number;
  /** linger.ms: how long a record may wait for its batch to fill. */
  readonly lingerMs: number;
  /** request.timeout.ms: the Produce timeoutMs the broker waits for acks. */
  readonly requestTimeoutMs: number;
  /** max.block.ms: how long to wait for the topic's metadata (leaders). */
  readonly maxBlockMs: number;
  /** buffer.memory, in bytes: records pending beyond it wait for the sends in flight. */
  readonly bufferMemory: number;
  /** retries of a partition's batch after a retriable error. */
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly compression: CompressionTypeName;
}

/** A record the broker refused (after retries), for the caller to report as Kafka's ErrorLoggingCallback. */
export interface SendFailure {
  readonly record: LineRecord;
  readonly error: AdminError | Error;
}

interface Pending {
  records: LineRecord[];
  bytes: number;
}

/**
 * A minimal producer of one topic over the admin transport (our NetworkClient and generated codecs), as the console
 * producer needs it: keyed records go to Kafka's default partition (murmur2 of the key, BuiltInPartitioner); records
 * without a key stick to one random partition until its batch is sent (Kafka's uniform sticky partitioning, KIP-794,
 * simplified: the switch happens per batch, not per batch.size of bytes produced). Batches (v2, optionally
 * compressed) are sent per leader, one Produce request at a time so that each partition keeps the order of the
 * input; a retriable error refreshes the metadata and retries the batch up to `retries` times. Not idempotent and
 * not transactional. Failures are handed to `onFailure`, one per record, as Kafka's producer does with callbacks.
 */
export class SimpleProducer {
  readonly #client: AdminClient;
  readonly #topic: string;
  readonly #options: SimpleProducerOptions;
  readonly #onFailure: (failure: SendFailure) => void;
  readonly #pending = new Map<number, Pending>();
  #pendingBytes = 0;
  #partitions: { count: number; leaders: Map<number, NodeEndpoint> } | null = null;
  #sticky = -1;
  #linger: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> = Promise.resolve();

  constructor(client: AdminClient, topic: string, options: SimpleProducerOptions, onFailure: (failure: SendFailure) => void) {
    this.#client = client;
    this.#topic = topic;
    this.#options = options;
    this.#onFailure = onFailure;
  }

  /**
   * Queues `record`; resolves once it is queued (after waiting for sends in flight when buffer.memory is full).
   * @throws Error "Topic <t> not present in metadata after <max.block.ms> ms." as Kafka's producer.
   */
  async send(record: LineRecord): Promise<void> {
    const partitions = await this.#metadata(false);
    const partition = record.key !== null ? partitionForKey(record.key, partitions.count) : this.#stickyPartition(partitions.count);
    const pending = this.#pending.get(partition) ?? { records: [], bytes: 0 };
    this.#pending.set(partition, pending);
    const size = (record.key?.length ?? 0) + (record.value?.length ?? 0) + record.headers.reduce((n, h) => n + h.key.length + (h.value?.length ?? 0), 0) + 16;
    pending.records.push(record);
    pending.bytes += size;
    this.#pendingBytes += size;
    if (pending.bytes >= this.#options.batchSize) this.#flush();
    else this.#linger ??= setTimeout(() => this.#flush(), this.#options.lingerMs);
    if (this.#pendingBytes >= this.#options.bufferMemory) await this.#inFlight;
  }

  /** Sends everything queued and waits for the answers (Kafka's flush). */
  async flush(): Promise<void> {
    this.#flush();
    await this.#inFlight;
  }

  #stickyPartition(count: number): number {
    if (this.#sticky < 0 || this.#sticky >= count) this.#sticky = randomInt(count);
    return this.#sticky;
  }

  /** Takes every pending batch and chains its send after the ones in flight. */
  #flush(): void {
    if (this.#linger !== null) clearTimeout(this.#linger);
    this.#linger = null;
    if (this.#pending.size === 0) return;
    const batches = [...this.#pending].map(([partition, p]) => ({ partition, records: p.records }));
    this.#pending.clear();
    this.#pendingBytes = 0;
    this.#sticky = -1;
    this.#inFlight = this.#inFlight.then(() => this.#sendBatches(batches, 0));
  }

  async #sendBatches(batches: { partition: number; records: LineRecord[] }[], attempt: number): Promise<void> {
    let leaders: Map<number, NodeEndpoint>;
    try {
      leaders = (await this.#metadata(attempt > 0)).leaders;
    } catch (e) {
      for (const b of batches) for (const record of b.records) this.#onFailure({ record, error: e as Error });
      return;
    }
    const byLeader = new Map<number, typeof batches>();
    for (const b of batches) {
      const leader = leaders.get(b.partition)?.nodeId ?? -1;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), b]);
    }
    const retry: typeof batches = [];
    for (const [leader, group] of byLeader) {
      const node = leaders.get(group[0]!.partition);
      if (leader < 0 || node === undefined) {
        retry.push(...group);
        continue;
      }
      const partitionData = await Promise.all(group.map(async (b) => ({
        index: b.partition,
        records: await buildRecordBatch({ compression: this.#options.compression, records: b.records.map((r) => ({ key: r.key, value: r.value, headers: r.headers })) }),
      })));
      const request = { transactionalId: null, acks: this.#options.acks, timeoutMs: this.#options.requestTimeoutMs, topicData: [{ name: this.#topic, partitionData }] };
      let response: ProduceResponse;
      try {
        response = await this.#client.send<ProduceResponse>(ApiKeys.Produce, request, { node, version: { min: 3 } });
      } catch (e) {
        for (const b of group) for (const record of b.records) this.#onFailure({ record, error: e as Error });
        continue;
      }
      for (const p of response.responses.flatMap((t) => t.partitionResponses)) {
        if (p.errorCode === Errors.NONE) continue;
        const b = group.find((g) => g.partition === p.index)!;
        if (isRetriable(p.errorCode) && attempt < this.#options.retries) retry.push(b);
        else for (const record of b.records) this.#onFailure({ record, error: new AdminError(p.errorCode, p.errorMessage) });
      }
    }
    if (retry.length === 0) return;
    if (attempt >= this.#options.retries) {
      for (const b of retry) for (const record of b.records) this.#onFailure({ record, error: new AdminError(Errors.LEADER_NOT_AVAILABLE, null) });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, this.#options.retryBackoffMs));
    await this.#sendBatches(retry, attempt + 1);
  }

  /** The topic's partition count and leaders, asked again when `refresh` (auto-creating the topic as Kafka's producer). */
  async #metadata(refresh: boolean): Promise<{ count: number; leaders: Map<number, NodeEndpoint> }> {
    if (this.#partitions !== null && !refresh) return this.#partitions;
    const deadline = Date.now() + this.#options.maxBlockMs;
    for (;;) {
      const r = await this.#client.send<MetadataResponse>(ApiKeys.Metadata, { topics: [{ name: this.#topic }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false }, { version: { min: 4 } });
      const topic = r.topics.find((t) => t.name === this.#topic);
      const brokers = new Map(r.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port }]));
      if (topic !== undefined && topic.errorCode === Errors.NONE && topic.partitions.length > 0) {
        const leaders = new Map<number, NodeEndpoint>();
        for (const p of topic.partitions) {
          const leader = brokers.get(p.leaderId);
          if (leader !== undefined) leaders.set(p.partitionIndex, leader);
        }
        // Partitions without a leader yet are retried by the send path.
        this.#partitions = { count: topic.partitions.length, leaders };
        return this.#partitions;
      }
      if (topic !== undefined && topic.errorCode !== Errors.NONE && !isRetriable(topic.errorCode)) throw new AdminError(topic.errorCode, null);
      if (Date.now() + this.#options.retryBackoffMs >= deadline) throw new Error(`Topic ${this.#topic} not present in metadata after ${this.#options.maxBlockMs} ms.`);
      await new Promise((resolve) => setTimeout(resolve, this.#options.retryBackoffMs));
    }
  }
}
