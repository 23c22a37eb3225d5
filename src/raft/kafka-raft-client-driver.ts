import type { FaultHandler } from '../common/fault-handler.ts';
import type { Time } from '../common/time.ts';
import type { Logger } from '../observability/logger.ts';
import type { KafkaRaftClient } from './kafka-raft-client.ts';

/** Kafka's KafkaRaftClientDriver.initiateShutdown timeout for the graceful shutdown of the client (5 s). */
export const DEFAULT_RAFT_SHUTDOWN_TIMEOUT_MS = 5000;
/** setTimeout's largest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs a KafkaRaftClient in the process (Kafka's `KafkaRaftClientDriver`, its raft IO thread): polls in a loop,
 * and between polls sleeps until the client's next deadline or a wake-up (a request or response arrived, an
 * append was scheduled, a listener finished). The only place the raft layer uses real timers. An error that
 * escapes poll goes to the fault handler (fail-stop).
 */
export class RaftClientDriver {
  readonly #client: KafkaRaftClient;
  readonly #time: Time;
  readonly #faultHandler: FaultHandler;
  readonly #logger: Logger;
  #wakeupRequested = false;
  #wake: (() => void) | null = null;
  #timer: NodeJS.Timeout | null = null;
  #loop: Promise<void> | null = null;
  #stopping = false;
  #failed = false;

  constructor(client: KafkaRaftClient, options: { time: Time; faultHandler: FaultHandler; logger: Logger }) {
    this.#client = client;
    this.#time = options.time;
    this.#faultHandler = options.faultHandler;
    this.#logger = options.logger;
    client.onWakeup(() => {
      this.#wakeupRequested = true;
      this.#wake?.();
    });
  }

  /** Starts the poll loop (the client must be initialized). */
  start(): void {
    this.#loop ??= this.#run();
  }

  /** False once the loop stopped (shut down or failed). */
  get isRunning(): boolean {
    return this.#loop !== null && !this.#failed && this.#client.isRunning;
  }

  async #run(): Promise<void> {
    let idleMs = 0;
    let cycleStart = this.#time.hiResClockMs();
    while (!this.#failed && this.#client.isRunning) {
      this.#wakeupRequested = false;
      try {
        await this.#client.poll();
      } catch (e) {
        this.#failed = true;
        this.#logger.error({ err: e }, 'Unexpected error in the raft client');
        this.#faultHandler.handleFault('Unexpected error in raft IO thread', e);
        return;
      }
      if (!this.#client.isRunning) return;
      const now = this.#time.hiResClockMs();
      this.#client.recordPollIdle(idleMs, now - cycleStart);
      cycleStart = now;
      const delayMs = Math.max(0, this.#client.nextPollDeadlineMs - now);
      if (this.#wakeupRequested || delayMs === 0) {
        idleMs = 0;
        // Let I/O callbacks run between back-to-back polls.
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        if (Number.isFinite(delayMs)) this.#timer = setTimeout(resolve, Math.min(delayMs, MAX_TIMER_MS));
      });
      this.#wake = null;
      if (this.#timer !== null) clearTimeout(this.#timer);
      this.#timer = null;
      idleMs = this.#time.hiResClockMs() - now;
    }
  }

  /**
   * Graceful shutdown (Kafka's initiateShutdown + shutdown): asks the client to shut down (a leader hands over
   * leadership), keeps polling until that completes or `timeoutMs` passes, then closes the client (flushes and
   * closes the log).
   */
  async shutdown(timeoutMs = DEFAULT_RAFT_SHUTDOWN_TIMEOUT_MS): Promise<void> {
    if (this.#stopping) return this.#loop?.then(() => undefined);
    this.#stopping = true;
    if (this.#loop !== null && !this.#failed) {
      const completed = await this.#client.shutdown(timeoutMs);
      if (completed) this.#logger.info('Completed graceful shutdown of the raft client');
      else this.#logger.warn('Graceful shutdown of the raft client timed out');
      this.#wake?.();
      await this.#loop;
    }
    await this.#client.close();
  }
}
