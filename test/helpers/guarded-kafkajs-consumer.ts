// A kafkajs consumer that can be disconnected safely while the brokers it knows come and go (kills, restarts,
// fencing in the cluster tests).
//
// The race it avoids, in kafkajs 2.2.4 (src/consumer/fetchManager.js, fetcher.js, runner.js): kafkajs runs one
// fetcher per broker in its cached metadata. When a fetcher sees that the broker set changed (a broker fenced and
// dropped from Metadata, one removed after a closed connection, or one registered again), it throws
// KafkaJSFetcherRebalanceError; FetchManager.start() then awaits stop() of the old fetchers (each one finishes its
// in-flight Fetch, up to maxWaitTimeInMs) and creates NEW fetchers for the new set. If consumer.disconnect() runs in
// that window, Runner.stop() stops only the old fetchers and sets `running` to false; the new fetchers then loop on
// Runner.fetch(), which returns [] at once while not running: a loop of resolved promises that starves the event
// loop (no timer, no I/O, no node:test timeout ever fires again) and never lets disconnect() resolve.
//
// The guard reads kafkajs' own FetchManager debug lines ("Stopping fetchers...", "Stopped fetchers",
// "Created N fetchers") and calls consumer.disconnect() only at the start of a macrotask where no fetcher stop is
// in flight: the microtask queue is then empty, so a fetcher that threw the rebalance error has already reached
// "Stopping fetchers..."; and disconnect() synchronously marks the runner stopped and every current fetcher stopped,
// so no fetcher starts another Fetch and none can see a broker-set change any more. Should kafkajs create fetchers
// after the disconnect anyway, the guard throws from that log line: createFetchers() fails, the runner's retrier
// finds it not running and ends, and disconnect() rejects saying so, instead of the process hanging.
import { createRequire } from 'node:module';
import { EventEmitter, once } from 'node:events';
import { Kafka, logLevel, type Consumer, type ConsumerConfig, type KafkaConfig, type LogEntry } from 'kafkajs';

/** The kafkajs version whose FetchManager log lines and stop sequence the guard relies on. */
const KAFKAJS_VERSION = '2.2.4';
const STOPPING = 'Stopping fetchers...';
const STOPPED = 'Stopped fetchers';
const CREATED = /^Created \d+ fetchers$/;

/**
 * One kafkajs consumer on its own Kafka client (the guard needs that client's log lines, which do not say which
 * consumer they come from). Use {@link consumer} as usual (connect, subscribe, run, events) but stop it with
 * {@link disconnect}, never consumer.disconnect() or consumer.stop(). The client logs nothing (its debug lines
 * only feed the guard). A consumer that crashed after disconnect() began is not restarted.
 */
export class GuardedKafkajsConsumer {
  readonly consumer: Consumer;
  readonly #events = new EventEmitter();
  #stopsInFlight = 0;
  #disconnecting = false;
  #fetchersCreatedAfterDisconnect = 0;
  #lastFetcherNodeIds: readonly string[] = [];

  /**
   * @param kafkaConfig the kafkajs client's config (brokers, retry...); its logLevel and logCreator are the guard's.
   * @param consumerConfig the consumer's config; retry.restartOnFailure is wrapped so that a crash after
   *   disconnect() began does not start the consumer again.
   * @throws Error when the installed kafkajs is not 2.2.4, or KAFKAJS_LOG_LEVEL hides kafkajs' debug lines.
   */
  constructor(kafkaConfig: Omit<KafkaConfig, 'logLevel' | 'logCreator'>, consumerConfig: ConsumerConfig) {
    const version = (createRequire(import.meta.url)('kafkajs/package.json') as { version: string }).version;
    if (version !== KAFKAJS_VERSION) {
      throw new Error(`GuardedKafkajsConsumer follows kafkajs ${KAFKAJS_VERSION}'s fetcher rebalance; kafkajs ${version} is installed: check its src/consumer/fetchManager.js and update the guard`);
    }
    const envLevel = process.env.KAFKAJS_LOG_LEVEL;
    if (envLevel !== undefined && envLevel !== '' && envLevel.toUpperCase() !== 'DEBUG') {
      throw new Error(`KAFKAJS_LOG_LEVEL=${envLevel} hides the kafkajs debug lines GuardedKafkajsConsumer reads`);
    }
    const kafka = new Kafka({ ...kafkaConfig, logLevel: logLevel.DEBUG, logCreator: () => (entry) => this.#onLog(entry) });
    const userRestart = consumerConfig.retry?.restartOnFailure;
    this.consumer = kafka.consumer({
      ...consumerConfig,
      retry: {
        ...consumerConfig.retry,
        restartOnFailure: async (e) => !this.#disconnecting && (userRestart === undefined || (await userRestart(e))),
      },
    });
  }

  /** The broker ids (as strings) of the fetchers kafkajs created last, e.g. ['4', '6'] once broker 5 is gone. */
  get fetcherNodeIds(): readonly string[] {
    return this.#lastFetcherNodeIds;
  }

  /** Fetcher stops in progress: > 0 while kafkajs replaces its fetchers after a broker-set change (or stops them). */
  get fetcherStopsInFlight(): number {
    return this.#stopsInFlight;
  }

  /**
   * Disconnects the consumer (leaves its group, closes its connections) once no fetcher stop is in flight, waiting
   * for kafkajs to finish replacing its fetchers (at most about maxWaitTimeInMs plus the batch in progress).
   * Calling it again returns the same disconnect.
   * @param timeoutMs how long to wait for kafkajs' fetchers to settle.
   * @throws Error when they do not settle within `timeoutMs`, or when kafkajs created fetchers after the disconnect
   *   began (the guard then ended them, see the file comment).
   */
  async disconnect(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // Checked and started at the top of a macrotask: no fetcher's rejection is still travelling through promises.
      const started = await new Promise<{ done: Promise<void> } | null>((resolve) => setImmediate(() => {
        if (!this.#disconnecting && this.#stopsInFlight > 0) return resolve(null);
        this.#disconnecting = true;
        resolve({ done: this.consumer.disconnect() });
      }));
      if (started !== null) {
        await started.done;
        if (this.#fetchersCreatedAfterDisconnect > 0) {
          throw new Error(`kafkajs created fetchers ${this.#fetchersCreatedAfterDisconnect} time(s) after disconnect began (its fetcher rebalance race); the guard ended them`);
        }
        return;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`kafkajs fetchers still stopping after ${timeoutMs} ms: not disconnected`);
      await once(this.#events, STOPPED, { signal: AbortSignal.timeout(left) }).catch(() => undefined);
    }
  }

  #onLog({ namespace, log }: LogEntry): void {
    if (namespace !== 'FetchManager') return;
    if (log.message === STOPPING) {
      this.#stopsInFlight++;
    } else if (log.message === STOPPED) {
      this.#stopsInFlight--;
      this.#events.emit(STOPPED);
    } else if (CREATED.test(log.message)) {
      this.#lastFetcherNodeIds = log.nodeIds as string[];
      if (this.#disconnecting) {
        this.#fetchersCreatedAfterDisconnect++;
        // Thrown out of createFetchers(), outside FetchManager.start()'s try: the runner's retrier takes it, finds
        // the runner stopped and returns, so disconnect() completes.
        throw new Error('GuardedKafkajsConsumer: fetchers created after disconnect');
      }
    }
  }
}
