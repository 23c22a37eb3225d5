// A kafkajs producer writing an increasing sequence in the background while a test breaks brokers, remembering
// which values were acknowledged and what went wrong: the client side of Kafka's replication_test.
import { Kafka, logLevel, type LogEntry, type Producer } from 'kafkajs';

/** A retry policy that outlasts a failover (a dead leader is fenced after broker.session.timeout.ms). */
const RETRY = { retries: 60, initialRetryTime: 100, maxRetryTime: 1000 };

/** How {@link SequenceProducer} writes. */
export interface SequenceProducerOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly partitions: number;
  /** An idempotent producer (kafkajs idempotent: true, one request in flight). */
  readonly idempotent: boolean;
  /** Values per send; each send goes to one partition, the next send to the next partition. */
  readonly batch: number;
}

/**
 * Sends `<n>` values (n = 0, 1, 2, ...) with acks=all, one send at a time, until {@link stop}; see
 * {@link partitionOf}. One partition per send: kafkajs (2.2.4) loses the records of a multi-partition send whose
 * failed partition moved to a broker that answered for another partition of the same send (on retry, sendMessages
 * skips every broker already in its responsePerBroker map and resolves; tulios/kafkajs#1303, PR #1798), which a
 * clean bounce reproduces. `acked` holds the values of every send that resolved, `failures` the error of every
 * send that rejected (after kafkajs's retries), `retried` the errors kafkajs logged and retried.
 */
export class SequenceProducer {
  readonly acked: number[] = [];
  readonly failures: string[] = [];
  readonly retried: string[] = [];
  readonly #options: SequenceProducerOptions;
  readonly #producer: Producer;
  #next = 0;
  #stopping = false;
  #loop: Promise<void> | null = null;

  constructor(options: SequenceProducerOptions) {
    this.#options = options;
    const logCreator = () => (entry: LogEntry) => {
      if (entry.level === logLevel.ERROR && entry.log.message.startsWith('Failed to send messages')) this.retried.push(entry.log.message);
    };
    const kafka = new Kafka({ brokers: [...options.brokers], logLevel: logLevel.ERROR, logCreator, retry: RETRY });
    this.#producer = kafka.producer({ idempotent: options.idempotent, maxInFlightRequests: options.idempotent ? 1 : undefined, allowAutoTopicCreation: false, retry: RETRY });
  }

  /** Values handed to a send so far (acknowledged or not): everything that may be in the log is below it. */
  get sent(): number {
    return this.#next;
  }

  /** The partition value `n` was sent to. */
  partitionOf(n: number): number {
    return Math.floor(n / this.#options.batch) % this.#options.partitions;
  }

  /** Connects and starts the sending loop. */
  async start(): Promise<void> {
    await this.#producer.connect();
    this.#loop = this.#run();
  }

  /** Resolves once `count` more values than now are acknowledged. */
  async progress(count: number, timeoutMs = 30_000): Promise<void> {
    const target = this.acked.length + count;
    const deadline = Date.now() + timeoutMs;
    while (this.acked.length < target) {
      if (Date.now() > deadline) throw new Error(`the producer acknowledged ${this.acked.length} values, not ${target}, within ${timeoutMs} ms; failures: ${this.failures.slice(-3).join(' | ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Ends the loop after the send in flight, and disconnects. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
    await this.#producer.disconnect();
  }

  async #run(): Promise<void> {
    const { topic, batch } = this.#options;
    while (!this.#stopping) {
      const values = Array.from({ length: batch }, () => this.#next++);
      const partition = this.partitionOf(values[0]!);
      try {
        await this.#producer.send({ topic, acks: -1, messages: values.map((n) => ({ partition, value: String(n) })) });
        this.acked.push(...values);
      } catch (e) {
        this.failures.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  }
}
