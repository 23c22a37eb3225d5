import { ApiError } from '../../common/api-error.ts';
import { Errors } from '../../protocol/generated/errors.ts';
import type { Logger } from '../../observability/logger.ts';

/** A block of producer ids [start, start + length) reserved for this broker by the controller. */
export interface ProducerIdsBlock {
  readonly start: bigint;
  readonly length: number;
}

export interface ProducerIdManagerOptions {
  readonly brokerId: number;
  /** The broker's current registration epoch (sent with the allocation, as AllocateProducerIds does). */
  readonly brokerEpoch: () => bigint;
  /**
   * Reserves the next block through the metadata log (QuorumController.allocateProducerIds: a committed
   * ProducerIdsRecord), so ids never repeat across restarts or nodes.
   */
  readonly allocate: (brokerId: number, brokerEpoch: bigint) => Promise<ProducerIdsBlock>;
  readonly logger: Logger;
}

/** Share of a block handed out before the next one is fetched (Kafka's PRODUCER_ID_BLOCK_PREFETCH threshold: 90%). */
const PREFETCH_THRESHOLD = 0.9;

/**
 * Hands out producer ids from blocks the controller reserves for this broker, after Kafka's
 * `RPCProducerIdManager`: ids come from the current block; once 90% of it is used the next block is fetched in
 * the background, so InitProducerId rarely waits for the metadata log. Concurrent callers share one fetch.
 */
export class ProducerIdManager {
  readonly #options: ProducerIdManagerOptions;
  #next = 0n;
  #end = 0n;
  #prefetchAt = 0n;
  #nextBlock: ProducerIdsBlock | null = null;
  #inflight: Promise<void> | null = null;

  constructor(options: ProducerIdManagerOptions) {
    this.#options = options;
  }

  /**
   * The next unused producer id.
   * @throws (rejects) ApiError COORDINATOR_LOAD_IN_PROGRESS (14, retriable) when no block could be allocated
   *   (the controller is not available); the next call tries again.
   */
  async generateProducerId(): Promise<bigint> {
    for (;;) {
      if (this.#next >= this.#end && this.#nextBlock !== null) this.#install(this.#nextBlock);
      if (this.#next < this.#end) {
        const id = this.#next++;
        if (id >= this.#prefetchAt && this.#nextBlock === null) void this.#fetch().catch(() => undefined);
        return id;
      }
      await this.#fetch();
    }
  }

  #install(block: ProducerIdsBlock): void {
    this.#nextBlock = null;
    this.#next = block.start;
    this.#end = block.start + BigInt(block.length);
    this.#prefetchAt = block.start + BigInt(Math.floor(block.length * PREFETCH_THRESHOLD));
    this.#options.logger.info({ start: String(block.start), length: block.length }, 'Using a new producer id block');
  }

  #fetch(): Promise<void> {
    this.#inflight ??= (async () => {
      try {
        const block = await this.#options.allocate(this.#options.brokerId, this.#options.brokerEpoch());
        if (block.length <= 0 || block.start < 0n) throw new Error(`invalid producer id block ${block.start}+${block.length}`);
        this.#nextBlock = block;
      } catch (err) {
        this.#options.logger.warn({ err }, 'Could not allocate a producer id block');
        throw new ApiError(Errors.COORDINATOR_LOAD_IN_PROGRESS, 'producer ids are not available yet');
      } finally {
        this.#inflight = null;
      }
    })();
    return this.#inflight;
  }
}
