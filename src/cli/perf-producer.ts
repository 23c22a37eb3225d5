import { pino } from 'pino';
import { NetworkClient, type NodeEndpoint } from '../network/network-client.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { InitProducerIdResponse } from '../protocol/generated/messages/init-producer-id-response.ts';
import type { MetadataResponse } from '../protocol/generated/messages/metadata-response.ts';
import type { ProduceResponse } from '../protocol/generated/messages/produce-response.ts';
import type { CompressionTypeName } from '../protocol/records/record-batch.ts';
import { AdminError, isRetriable, type AdminClient } from './admin-client.ts';
import { PerfRecordBatch, type BatchProducer } from './perf-record-batch.ts';

/** The producer configs the perf producer honours (Kafka's names in the comments). */
export interface PerfProducerOptions {
  readonly clientId: string;
  /** acks: -1 (all) or 1. */
  readonly acks: -1 | 1;
  /** batch.size, in bytes. */
  readonly batchSize: number;
  /** linger.ms. */
  readonly lingerMs: number;
  /** compression.type. */
  readonly compression: CompressionTypeName;
  /** max.in.flight.requests.per.connection. */
  readonly maxInFlight: number;
  /** request.timeout.ms: the Produce timeoutMs and the wait for each answer. */
  readonly requestTimeoutMs: number;
  /** max.block.ms: the wait for the topic's metadata. */
  readonly maxBlockMs: number;
  /** buffer.memory, in bytes: unacknowledged batches beyond it make `send` wait. */
  readonly bufferMemory: number;
  /** max.request.size, in bytes: one Produce request's batches stay below it. */
  readonly maxRequestSize: number;
  /** enable.idempotence: a producer id from InitProducerId and sequence numbers per partition (KIP-98). */
  readonly idempotence: boolean;
}

/** What the caller learns of a batch once answered: the batch, the time of the answer (ms), and the error if any. */
export type BatchListener = (batch: PerfRecordBatch, nowMs: number, error: AdminError | Error | null) => void;

interface NodeQueue {
  readonly node: NodeEndpoint;
  readonly ready: PerfRecordBatch[];
  inFlight: number;
  /** Requests are built one after another so that each partition's batches leave in sequence order. */
  building: Promise<void>;
}

const NO_PRODUCER: BatchProducer = { producerId: -1n, producerEpoch: -1, transactional: false };
const RETRY_BACKOFF_MS = 100;
/** One turn of the event loop: setImmediate runs after the poll phase, so sockets are written and read meanwhile. */
const YIELD = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The producer of `kafka-broker producer-perf-test`: one topic, over our NetworkClient and a batch encoder that writes
 * records straight into their batch (no per-record objects). As Kafka's RecordAccumulator and Sender: records go to a
 * sticky partition (null keys; a new random one each time a batch fills, KIP-480) or murmur2's partition (keys, by
 * the caller); a batch is sealed when full or after linger.ms; per leader, sealed batches are packed into Produce
 * requests of at most max.request.size, one batch per partition per request, with up to
 * max.in.flight.requests.per.connection requests pipelined; `send` waits while unacknowledged batches exceed
 * buffer.memory. Idempotent by default as Kafka's producer (InitProducerId, then baseSequence per partition).
 * Not done: retries (a failed batch is reported to the listener and its records are lost, as after Kafka's
 * delivery.timeout.ms) and transactions.
 */
export class PerfProducer {
  readonly #admin: AdminClient;
  readonly #client: NetworkClient;
  readonly #topic: string;
  readonly #options: PerfProducerOptions;
  readonly #onBatch: BatchListener;
  readonly #open = new Map<number, PerfRecordBatch>();
  readonly #queues = new Map<number, NodeQueue>();
  readonly #sequences = new Map<number, number>();
  #leaders = new Map<number, NodeEndpoint>();
  #partitionCount = 0;
  #sticky = -1;
  #producer = NO_PRODUCER;
  #unackedBytes = 0;
  #linger: NodeJS.Timeout | null = null;
  #waiters: (() => void)[] = [];

  private constructor(admin: AdminClient, topic: string, options: PerfProducerOptions, onBatch: BatchListener) {
    this.#admin = admin;
    this.#topic = topic;
    this.#options = options;
    this.#onBatch = onBatch;
    this.#client = new NetworkClient({
      clientId: options.clientId,
      requestTimeoutMs: options.requestTimeoutMs,
      maxInFlightRequestsPerConnection: options.maxInFlight,
      logger: pino({ level: 'silent' }),
    });
  }

  /**
   * A producer of `topic` with its metadata (the topic auto-created when the broker allows it, as Kafka's producer)
   * and, when idempotent, its producer id.
   * @throws Error "Topic <t> not present in metadata after <max.block.ms> ms."; AdminError from InitProducerId.
   */
  static async create(admin: AdminClient, topic: string, options: PerfProducerOptions, onBatch: BatchListener): Promise<PerfProducer> {
    const producer = new PerfProducer(admin, topic, options, onBatch);
    await producer.#loadMetadata();
    if (options.idempotence) await producer.#initProducerId();
    return producer;
  }

  /** The topic's partition count. */
  get partitionCount(): number {
    return this.#partitionCount;
  }

  /**
   * Appends a record to its partition's batch (`partition` -1: the sticky partition). Returns a promise when the
   * caller must wait before the next record: buffer.memory is used up (until answers free some), or a batch just
   * filled (one turn of the event loop). Kafka's Sender is a thread of its own that writes a sealed batch while the
   * application fills the next one; here the caller's loop must yield for the request to leave and for answers to be
   * read, else it would fill all of buffer.memory before the broker sees a byte, then wait with nothing to encode.
   */
  send(key: Buffer | null, value: Buffer, partition: number, nowMs: number): Promise<void> | undefined {
    let p = partition;
    if (p < 0) {
      if (this.#sticky < 0) this.#sticky = Math.floor(Math.random() * this.#partitionCount);
      p = this.#sticky;
    }
    let batch = this.#open.get(p);
    let sealed = false;
    if (batch !== undefined && !batch.hasRoomFor(key, value)) {
      this.#seal(batch);
      sealed = true;
      if (partition < 0) {
        const wait = this.send(key, value, partition, nowMs);
        return wait ?? YIELD();
      }
      batch = undefined;
    }
    if (batch === undefined) {
      batch = new PerfRecordBatch(p, this.#options.batchSize);
      this.#open.set(p, batch);
      this.#linger ??= setTimeout(() => this.#sealAll(), this.#options.lingerMs);
    }
    batch.append(key, value, nowMs);
    if (this.#unackedBytes + batch.sizeBytes >= this.#options.bufferMemory) return this.#waitForSpace();
    return sealed ? YIELD() : undefined;
  }

  /** Seals every open batch and resolves once every batch sent has its answer (Kafka's flush). */
  async flush(): Promise<void> {
    this.#sealAll();
    while (this.#unackedBytes > 0) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Closes the connections (after `flush`). */
  close(): void {
    if (this.#linger !== null) clearTimeout(this.#linger);
    this.#client.close();
  }

  #waitForSpace(): Promise<void> {
    this.#sealAll();
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  #sealAll(): void {
    if (this.#linger !== null) clearTimeout(this.#linger);
    this.#linger = null;
    for (const batch of [...this.#open.values()]) this.#seal(batch);
  }

  /** Moves `batch` to its leader's queue, giving it its sequence numbers, and starts a request if one may go. */
  #seal(batch: PerfRecordBatch): void {
    this.#open.delete(batch.partition);
    if (batch.partition === this.#sticky) this.#sticky = -1;
    this.#unackedBytes += batch.sizeBytes;
    const leader = this.#leaders.get(batch.partition);
    if (leader === undefined) {
      this.#finish([batch], new AdminError(Errors.LEADER_NOT_AVAILABLE, null));
      return;
    }
    let queue = this.#queues.get(leader.nodeId);
    if (queue === undefined) {
      queue = { node: leader, ready: [], inFlight: 0, building: Promise.resolve() };
      this.#queues.set(leader.nodeId, queue);
    }
    queue.ready.push(batch);
    this.#drain(queue);
  }

  /** Sends queued batches to the queue's node while fewer than max.in.flight requests wait for answers. */
  #drain(queue: NodeQueue): void {
    while (queue.inFlight < this.#options.maxInFlight && queue.ready.length > 0) {
      const taken: PerfRecordBatch[] = [];
      const partitions = new Set<number>();
      let bytes = 0;
      for (let i = 0; i < queue.ready.length; ) {
        const b = queue.ready[i]!;
        if (partitions.has(b.partition) || (taken.length > 0 && bytes + b.sizeBytes > this.#options.maxRequestSize)) {
          i++;
          continue;
        }
        taken.push(b);
        partitions.add(b.partition);
        bytes += b.sizeBytes;
        queue.ready.splice(i, 1);
      }
      queue.inFlight++;
      const sequences = taken.map((b) => this.#nextSequence(b));
      const built = queue.building.then(() => Promise.all(taken.map((b, i) => b.close(this.#options.compression, this.#producer, sequences[i]!))));
      queue.building = built.then(() => undefined, () => undefined);
      built.then(
        (records) => this.#produce(queue, taken, records),
        (e: unknown) => this.#answered(queue, taken, e as Error),
      );
    }
  }

  #nextSequence(batch: PerfRecordBatch): number {
    if (this.#producer.producerId < 0n) return -1;
    const next = this.#sequences.get(batch.partition) ?? 0;
    // Sequences wrap at Integer.MAX_VALUE as Kafka's DefaultRecordBatch.incrementSequence.
    this.#sequences.set(batch.partition, (next + batch.recordCount) % 0x80000000);
    return next;
  }

  #produce(queue: NodeQueue, batches: PerfRecordBatch[], records: Buffer[]): void {
    const partitionData = batches.map((b, i) => ({ index: b.partition, records: records[i]! }));
    const request = { transactionalId: null, acks: this.#options.acks, timeoutMs: this.#options.requestTimeoutMs, topicData: [{ name: this.#topic, partitionData }] };
    this.#client.send<ProduceResponse>(queue.node, ApiKeys.Produce, { min: 3 }, request).then(
      (r) => {
        const errors = new Map<number, AdminError>();
        for (const p of r.body.responses.flatMap((t) => t.partitionResponses)) {
          if (p.errorCode !== Errors.NONE) errors.set(p.index, new AdminError(p.errorCode, p.errorMessage));
        }
        this.#answered(queue, batches, null, errors);
      },
      (e: unknown) => this.#answered(queue, batches, e as Error),
    );
  }

  #answered(queue: NodeQueue, batches: PerfRecordBatch[], error: Error | null, errors?: Map<number, AdminError>): void {
    queue.inFlight--;
    for (const b of batches) this.#finish([b], error ?? errors?.get(b.partition) ?? null);
    this.#drain(queue);
  }

  #finish(batches: PerfRecordBatch[], error: Error | null): void {
    const now = Date.now();
    for (const b of batches) {
      this.#unackedBytes -= b.sizeBytes;
      this.#onBatch(b, now, error);
    }
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** The topic's partitions and leaders, waiting up to max.block.ms for them. */
  async #loadMetadata(): Promise<void> {
    const deadline = Date.now() + this.#options.maxBlockMs;
    for (;;) {
      const request = { topics: [{ name: this.#topic }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false };
      const r = await this.#admin.send<MetadataResponse>(ApiKeys.Metadata, request, { version: { min: 4 } });
      const topic = r.topics.find((t) => t.name === this.#topic);
      const brokers = new Map(r.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port }]));
      if (topic !== undefined && topic.errorCode === Errors.NONE && topic.partitions.length > 0 && topic.partitions.every((p) => brokers.has(p.leaderId))) {
        this.#leaders = new Map(topic.partitions.map((p) => [p.partitionIndex, brokers.get(p.leaderId)!]));
        this.#partitionCount = topic.partitions.length;
        return;
      }
      if (topic !== undefined && topic.errorCode !== Errors.NONE && !isRetriable(topic.errorCode)) throw new AdminError(topic.errorCode, null);
      if (Date.now() + RETRY_BACKOFF_MS >= deadline) throw new Error(`Topic ${this.#topic} not present in metadata after ${this.#options.maxBlockMs} ms.`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
    }
  }

  /** InitProducerId without a transactional id (an idempotent producer), retried while retriable. */
  async #initProducerId(): Promise<void> {
    const deadline = Date.now() + this.#options.maxBlockMs;
    for (;;) {
      const request = { transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 };
      const r = await this.#admin.send<InitProducerIdResponse>(ApiKeys.InitProducerId, request);
      if (r.errorCode === Errors.NONE) {
        this.#producer = { producerId: r.producerId, producerEpoch: r.producerEpoch, transactional: false };
        return;
      }
      if (!isRetriable(r.errorCode) || Date.now() + RETRY_BACKOFF_MS >= deadline) throw new AdminError(r.errorCode, null);
      await new Promise((resolve) => setTimeout(resolve, RETRY_BACKOFF_MS));
    }
  }
}
