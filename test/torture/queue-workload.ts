// The queue workload of the torture harness (issue 16 item 3), through kafkajs, recording a Jepsen-style history
// (history.ts): keys are the partitions of one topic (RF 3, min.insync.replicas 2), values unique integers.
//   - idempotent producers (acks=all, one request in flight): one send per op; an error is `info` (the record may
//     have been written) and the producer is replaced by a new process, as Jepsen does after a crash;
//   - transactional producers: 1-3 sends to random keys, then commit (ok) or a deliberate abort (fail: no read may
//     ever see those values); an error is `info` and the producer is replaced;
//   - consumers in one group (subscribe, read_committed, offsets committed by kafkajs after each batch): each batch
//     is a poll op; each group join is an assign op (the consumer's positions restart at the committed offsets);
//   - a final drain: a fresh consumer reads every partition from the start up to its high watermark.
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { SeededRandom } from '../../src/common/random.ts';
import { GuardedKafkajsConsumer } from '../helpers/guarded-kafkajs-consumer.ts';
import type { HistoryRecorder, MicroOp } from './history.ts';

/** Workload shape. */
export interface QueueWorkloadOptions {
  topic: string;
  partitions: number;
  idempotentProducers: number;
  transactionalProducers: number;
  consumers: number;
  seed: number;
  /** Pause between ops of one producer, ms (bounds the load on a 2-core machine). */
  opIntervalMs: number;
}

const CLIENT = { logLevel: logLevel.NOTHING, connectionTimeout: 3000, requestTimeout: 10_000, retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 } };

/**
 * Runs the workload against `bootstrap()` (called at each (re)connect, so restarted nodes are found) until
 * {@link stop}; {@link drain} then reads everything back. Every op lands in `history`.
 */
export class QueueWorkload {
  readonly #history: HistoryRecorder;
  readonly #options: QueueWorkloadOptions;
  readonly #bootstrap: () => string[];
  readonly #random: SeededRandom;
  #nextValue = 0;
  #nextProcess = 0;
  #running = false;
  readonly #loops: Promise<void>[] = [];
  readonly #consumers: GuardedKafkajsConsumer[] = [];

  constructor(history: HistoryRecorder, bootstrap: () => string[], options: QueueWorkloadOptions) {
    this.#history = history;
    this.#bootstrap = bootstrap;
    this.#options = options;
    this.#random = new SeededRandom(options.seed);
  }

  /** Acknowledged ops so far (sends and txns), for progress and recovery checks. */
  okWrites = 0;

  #kafka(): Kafka {
    return new Kafka({ ...CLIENT, clientId: 'torture', brokers: this.#bootstrap() });
  }

  /** Starts every producer loop and consumer. */
  async start(): Promise<void> {
    this.#running = true;
    for (let i = 0; i < this.#options.idempotentProducers; i++) this.#loops.push(this.#producerLoop(false, i));
    for (let i = 0; i < this.#options.transactionalProducers; i++) this.#loops.push(this.#producerLoop(true, i));
    for (let i = 0; i < this.#options.consumers; i++) await this.#startConsumer();
  }

  async #producerLoop(transactional: boolean, slot: number): Promise<void> {
    const random = this.#random.fork();
    while (this.#running) {
      const process = this.#nextProcess++;
      let producer: Producer | undefined;
      try {
        producer = this.#kafka().producer({
          idempotent: true, maxInFlightRequests: 1,
          ...(transactional ? { transactionalId: `torture-tx-${slot}`, transactionTimeout: 10_000 } : {}),
        });
        await producer.connect();
      } catch {
        await producer?.disconnect().catch(() => undefined);
        await sleep(500);
        continue;
      }
      // One producer per process until an op ends indeterminate; then a new process, as after a crash.
      while (this.#running) {
        const healthy = transactional ? await this.#txnOp(producer, process, random) : await this.#sendOp(producer, process, random);
        if (!healthy) break;
        await sleep(this.#options.opIntervalMs);
      }
      await producer.disconnect().catch(() => undefined);
    }
  }

  async #sendOp(producer: Producer, process: number, random: SeededRandom): Promise<boolean> {
    const key = random.nextInt(this.#options.partitions);
    const value = this.#nextValue++;
    this.#history.record({ process, type: 'invoke', f: 'send', value: [['send', key, value]] });
    try {
      const [meta] = await producer.send({ topic: this.#options.topic, acks: -1, timeout: 10_000, messages: [{ partition: key, value: String(value) }] });
      this.#history.record({ process, type: 'ok', f: 'send', value: [['send', key, [Number(meta!.baseOffset), value]]] });
      this.okWrites++;
      return true;
    } catch (e) {
      this.#history.record({ process, type: 'info', f: 'send', value: [['send', key, value]], error: (e as Error).name });
      return false;
    }
  }

  async #txnOp(producer: Producer, process: number, random: SeededRandom): Promise<boolean> {
    const sends = Array.from({ length: 1 + random.nextInt(3) }, () => ['send', random.nextInt(this.#options.partitions), this.#nextValue++] as const);
    const commit = random.nextDouble() < 0.8;
    this.#history.record({ process, type: 'invoke', f: 'txn', value: sends });
    let tx;
    try {
      tx = await producer.transaction();
    } catch (e) {
      this.#history.record({ process, type: 'fail', f: 'txn', value: sends, error: `begin: ${(e as Error).name}` });
      return false;
    }
    const done: MicroOp[] = [];
    try {
      for (const [, key, value] of sends) {
        const [meta] = await tx.send({ topic: this.#options.topic, acks: -1, timeout: 10_000, messages: [{ partition: key, value: String(value) }] });
        done.push(['send', key, [Number(meta!.baseOffset), value]]);
      }
    } catch (e) {
      // The transaction never committed: abort it; if even that fails the broker aborts it at its timeout.
      const aborted = await tx.abort().then(() => true, () => false);
      this.#history.record({ process, type: aborted ? 'fail' : 'info', f: 'txn', value: sends, error: (e as Error).name });
      return aborted;
    }
    try {
      if (commit) {
        await tx.commit();
        this.#history.record({ process, type: 'ok', f: 'txn', value: done });
        this.okWrites++;
      } else {
        await tx.abort();
        this.#history.record({ process, type: 'fail', f: 'txn', value: sends, error: 'aborted on purpose' });
      }
      return true;
    } catch (e) {
      this.#history.record({ process, type: 'info', f: 'txn', value: sends, error: (e as Error).name });
      return false;
    }
  }

  async #startConsumer(groupId = `${this.#options.topic}-group`, fromBeginning = true): Promise<GuardedKafkajsConsumer> {
    const process = this.#nextProcess++;
    const guarded = new GuardedKafkajsConsumer({ clientId: 'torture-consumer', brokers: this.#bootstrap(), connectionTimeout: 3000, requestTimeout: 10_000 },
      { groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 500, retry: { retries: 5 } });
    const consumer = guarded.consumer;
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const keys = (e.payload.memberAssignment[this.#options.topic] ?? []) as number[];
      this.#history.record({ process, type: 'invoke', f: 'assign', value: keys });
      this.#history.record({ process, type: 'ok', f: 'assign', value: keys });
    });
    consumer.on(consumer.events.CRASH, () => {
      this.#history.record({ process, type: 'invoke', f: 'crash' });
      this.#history.record({ process, type: 'info', f: 'crash' });
    });
    await consumer.connect();
    await consumer.subscribe({ topic: this.#options.topic, fromBeginning });
    await consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        const records: [number, number][] = batch.messages.map((m) => [Number(m.offset), Number(m.value!.toString())]);
        this.#history.record({ process, type: 'invoke', f: 'poll', value: [['poll']] });
        this.#history.record({ process, type: 'ok', f: 'poll', value: [['poll', { [batch.partition]: records }]] });
      },
    });
    this.#consumers.push(guarded);
    return guarded;
  }

  /** Stops the producers (each finishes its op) and the consumers. */
  async stop(): Promise<void> {
    this.#running = false;
    await Promise.all(this.#loops.splice(0));
    await Promise.all(this.#consumers.splice(0).map((c) => c.disconnect().catch(() => undefined)));
  }

  /**
   * The final complete read: a consumer in a new group reads every partition from offset 0 until it reached each
   * partition's high watermark (listed after the producers stopped) or `timeoutMs` passed.
   * @returns whether every partition was read to its high watermark.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    const admin = this.#kafka().admin();
    await admin.connect();
    let ends: Map<number, number>;
    try {
      const offsets = await admin.fetchTopicOffsets(this.#options.topic);
      ends = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    } finally {
      await admin.disconnect();
    }
    const reached = new Map<number, number>();
    const consumer = await this.#startConsumer(`${this.#options.topic}-drain-${Date.now()}`, true);
    consumer.consumer.on(consumer.consumer.events.END_BATCH_PROCESS, (e) => {
      const next = Number(e.payload.lastOffset) + 1;
      reached.set(e.payload.partition, Math.max(reached.get(e.payload.partition) ?? 0, next));
    });
    // kafkajs' lastOffset counts control records (transaction markers), so a partition is read to its end exactly.
    const done = (): boolean => [...ends].every(([p, end]) => end === 0 || (reached.get(p) ?? 0) >= end);
    const deadline = Date.now() + timeoutMs;
    while (!done() && Date.now() < deadline) await sleep(200);
    const complete = done();
    await consumer.disconnect().catch(() => undefined);
    this.#consumers.splice(this.#consumers.indexOf(consumer), 1);
    return complete;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
