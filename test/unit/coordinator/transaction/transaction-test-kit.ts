// Shared by the transaction coordinator unit tests: a coordinator over in-memory __transaction_state logs with
// MockTime, a scripted marker sender and a metadata image with a few topics on broker 1.
import { MockTime } from '../../../../src/common/time.ts';
import { topicPartitionKey, type TopicPartition } from '../../../../src/common/topic-partition.ts';
import { EMPTY_IMAGE, type MetadataImage, type PartitionRegistration, type TopicImage } from '../../../../src/metadata/metadata-image.ts';
import { rootLogger } from '../../../../src/observability/logger.ts';
import { Errors } from '../../../../src/protocol/generated/errors.ts';
import { InMemoryPartitionWriter } from '../../../../src/coordinator/runtime/in-memory-partition-writer.ts';
import { TransactionCoordinator, TRANSACTION_STATE_TOPIC_NAME } from '../../../../src/coordinator/transaction/transaction-coordinator.ts';
import type { TxnMarkerEntry } from '../../../../src/coordinator/transaction/transaction-marker-channel-manager.ts';
import type { TransactionCoordinatorConfig } from '../../../../src/coordinator/transaction/transaction-coordinator-config.ts';

export const NUM_TXN_PARTITIONS = 3;

/** A metadata image with `topics` (name → partition count), every partition led by broker 1. */
export function imageWith(topics: Record<string, number>): MetadataImage {
  const byName = new Map<string, TopicImage>();
  let n = 0;
  for (const [name, count] of Object.entries(topics)) {
    const partitions = new Map<number, PartitionRegistration>();
    for (let p = 0; p < count; p++) partitions.set(p, { replicas: [1], isr: [1], removingReplicas: [], addingReplicas: [], directories: [], elr: [], lastKnownElr: [], leader: 1, leaderRecoveryState: 0, leaderEpoch: 0, partitionEpoch: 0 });
    byName.set(name, { name, id: `topic-id-${n++}`, partitions });
  }
  return {
    ...EMPTY_IMAGE,
    brokers: new Map([[1, { id: 1, epoch: 1n, incarnationId: 'x', endpoints: [], supportedFeatures: [], rack: null, fenced: false, inControlledShutdown: false, isMigratingZkBroker: false, directories: [] }]]),
    topicsByName: byName,
    topicsById: new Map([...byName.values()].map((t) => [t.id, t])),
  };
}

/** A marker sender that records every marker and answers with `respond` (default: NONE for all). */
export class ScriptedMarkerSender {
  readonly sent: { brokerId: number; marker: TxnMarkerEntry }[] = [];
  respond: (tp: TopicPartition, marker: TxnMarkerEntry) => number = () => Errors.NONE;
  /** While set, responses wait for {@link release}. */
  #held: (() => void)[] | null = null;

  hold(): void {
    this.#held ??= [];
  }

  release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const r of held) r();
  }

  readonly send = (brokerId: number, marker: TxnMarkerEntry): Promise<Map<string, number>> => {
    this.sent.push({ brokerId, marker });
    const answer = () => new Map(marker.partitions.map((tp) => [topicPartitionKey(tp), this.respond(tp, marker)]));
    if (this.#held === null) return Promise.resolve(answer());
    return new Promise((resolve) => this.#held!.push(() => resolve(answer())));
  };
}

export interface Harness {
  readonly coordinator: TransactionCoordinator;
  readonly writer: InMemoryPartitionWriter;
  readonly time: MockTime;
  readonly sender: ScriptedMarkerSender;
  image: MetadataImage;
  /** Producer ids handed out so far. */
  readonly producerIds: bigint[];
  /** Loads every __transaction_state partition (leader epoch `epoch`). */
  loadAll(epoch?: number): Promise<void>;
  /** A new coordinator over the same logs, time and sender (a broker restart). */
  restart(): Harness;
}

/** Builds a coordinator with in-memory logs; nothing is loaded until {@link Harness.loadAll}. */
export function harness(options: { config?: Partial<TransactionCoordinatorConfig>; writer?: InMemoryPartitionWriter; time?: MockTime; sender?: ScriptedMarkerSender; nextProducerId?: { value: bigint } } = {}): Harness {
  const writer = options.writer ?? new InMemoryPartitionWriter();
  const time = options.time ?? new MockTime();
  const sender = options.sender ?? new ScriptedMarkerSender();
  const next = options.nextProducerId ?? { value: 1000n };
  const producerIds: bigint[] = [];
  const h: Harness = {
    coordinator: undefined as unknown as TransactionCoordinator,
    writer,
    time,
    sender,
    image: imageWith({ t: 3, u: 2, __consumer_offsets: 3, [TRANSACTION_STATE_TOPIC_NAME]: NUM_TXN_PARTITIONS }),
    producerIds,
    async loadAll(epoch = 0) {
      for (let p = 0; p < NUM_TXN_PARTITIONS; p++) await this.coordinator.onPartitionLeadershipChange({ topic: TRANSACTION_STATE_TOPIC_NAME, partition: p }, true, epoch);
    },
    restart() {
      this.coordinator.close();
      return harness({ ...options, writer, time, sender, nextProducerId: next });
    },
  };
  (h as { coordinator: TransactionCoordinator }).coordinator = new TransactionCoordinator({
    config: { transactionLogNumPartitions: NUM_TXN_PARTITIONS, retryBackoffMs: 1, ...options.config },
    time,
    writer,
    producerIdManager: {
      generateProducerId: () => {
        const id = next.value++;
        producerIds.push(id);
        return Promise.resolve(id);
      },
    },
    metadataImage: () => h.image,
    markerSender: sender.send,
    logger: rootLogger.child({ component: 'test' }),
    autoTimers: false,
  });
  return h;
}

/** Polls `check` (with real timers: marker retries use setTimeout) until truthy or 5 s pass. */
export async function eventually<T>(what: string, check: () => T | Promise<T>): Promise<NonNullable<T>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
