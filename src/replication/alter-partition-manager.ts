import { ApiError } from '../common/api-error.ts';
import type { Logger } from '../observability/logger.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { AlterPartitionRequest } from '../protocol/generated/messages/alter-partition-request.ts';
import type { AlterPartitionResponse } from '../protocol/generated/messages/alter-partition-response.ts';
import type { Input } from '../protocol/message-input.ts';
import type { AlterPartitionSubmitter } from './partition.ts';
import type { CommittedLeaderAndIsr, LeaderAndIsr } from './partition-state.ts';
import type { Timer } from './timer.ts';

/** Kafka's DefaultAlterPartitionManager retries a failed request after 50 ms. */
export const ALTER_PARTITION_RETRY_BACKOFF_MS = 50;

/** What an {@link AlterPartitionManager} is built with. */
export interface AlterPartitionManagerOptions {
  readonly brokerId: number;
  /** This broker's epoch (its registration), the request's brokerEpoch. */
  brokerEpoch(): bigint;
  /**
   * Sends an AlterPartition (v2+: topic ids; v3: ISR members with broker epochs) to the active controller and
   * resolves with its answer; rejects when no controller answered.
   */
  send(request: Input<AlterPartitionRequest>): Promise<AlterPartitionResponse>;
  readonly timer: Timer;
  readonly logger: Logger;
}

interface Item {
  readonly topicId: string;
  readonly partition: number;
  readonly leaderAndIsr: LeaderAndIsr;
  readonly resolve: (committed: CommittedLeaderAndIsr) => void;
  readonly reject: (error: ApiError) => void;
}

/**
 * Sends the partition leaders' ISR changes to the active controller, after Kafka's `DefaultAlterPartitionManager`:
 * changes submitted while a request is in flight wait and go together in the next one (one AlterPartition in
 * flight per broker); a partition has at most one change queued or in flight (a second submit is answered
 * OPERATION_NOT_ATTEMPTED at once). Each change's promise settles with the controller's answer for its partition: the
 * committed leader, ISR and partition epoch, or an ApiError with the partition's error code. A top-level error
 * (STALE_BROKER_EPOCH while this broker re-registers, NOT_CONTROLLER after the channel's own retries, a request that
 * could not be sent) keeps every change and sends them again after {@link ALTER_PARTITION_RETRY_BACKOFF_MS}; a
 * partition missing from an answer stays queued.
 */
export class AlterPartitionManager implements AlterPartitionSubmitter {
  readonly #options: AlterPartitionManagerOptions;
  /** Queued or in flight, by "topicId:partition" (Kafka's unsentIsrUpdates: an item stays until answered). */
  readonly #items = new Map<string, Item>();
  #inFlight = false;
  #retryScheduled = false;
  /** The last request could not be sent (logged once until one is answered). */
  #failing = false;
  #closed = false;

  constructor(options: AlterPartitionManagerOptions) {
    this.#options = options;
  }

  /** Changes queued or in flight. */
  get pendingCount(): number {
    return this.#items.size;
  }

  submit(topicId: string, partition: number, leaderAndIsr: LeaderAndIsr): Promise<CommittedLeaderAndIsr> {
    return new Promise((resolve, reject) => {
      const key = `${topicId}:${partition}`;
      if (this.#closed || this.#items.has(key)) {
        reject(new ApiError(Errors.OPERATION_NOT_ATTEMPTED, `Failed to enqueue ISR change state ${JSON.stringify(leaderAndIsr.isr.map((m) => m.brokerId))} for partition ${key}`));
        return;
      }
      this.#items.set(key, { topicId, partition, leaderAndIsr, resolve, reject });
      this.#maybePropagateIsrChanges();
    });
  }

  /** Fails every queued change with OPERATION_NOT_ATTEMPTED and sends nothing more. */
  close(): void {
    this.#closed = true;
    const items = [...this.#items.values()];
    this.#items.clear();
    for (const item of items) item.reject(new ApiError(Errors.OPERATION_NOT_ATTEMPTED, 'The broker is shutting down'));
  }

  #maybePropagateIsrChanges(): void {
    if (this.#closed || this.#inFlight || this.#retryScheduled || this.#items.size === 0) return;
    this.#inFlight = true;
    const items = [...this.#items.values()];
    const brokerEpoch = this.#options.brokerEpoch();
    this.#options.send(this.#buildRequest(items, brokerEpoch)).then(
      (response) => {
        this.#inFlight = false;
        this.#failing = false;
        const error = this.#handleResponse(response, brokerEpoch, items);
        if (error === Errors.NONE) this.#maybePropagateIsrChanges();
        else this.#retryLater();
      },
      (e: unknown) => {
        this.#inFlight = false;
        // Once per outage (a controller without AlterPartition refuses every 50 ms until it has it).
        if (!this.#failing) this.#options.logger.warn({ err: e }, 'AlterPartition could not be sent to the controller; retrying every 50 ms');
        this.#failing = true;
        this.#retryLater();
      },
    );
  }

  #retryLater(): void {
    if (this.#closed || this.#retryScheduled) return;
    this.#retryScheduled = true;
    this.#options.timer.schedule(ALTER_PARTITION_RETRY_BACKOFF_MS, () => {
      this.#retryScheduled = false;
      this.#maybePropagateIsrChanges();
    });
  }

  #buildRequest(items: readonly Item[], brokerEpoch: bigint): Input<AlterPartitionRequest> {
    const byTopic = new Map<string, Item[]>();
    for (const item of items) {
      let list = byTopic.get(item.topicId);
      if (list === undefined) byTopic.set(item.topicId, (list = []));
      list.push(item);
    }
    return {
      brokerId: this.#options.brokerId,
      brokerEpoch,
      topics: [...byTopic].map(([topicId, list]) => ({
        topicId,
        partitions: list.map((item) => ({
          partitionIndex: item.partition,
          leaderEpoch: item.leaderAndIsr.leaderEpoch,
          newIsrWithEpochs: item.leaderAndIsr.isr.map((m) => ({ brokerId: m.brokerId, brokerEpoch: m.brokerEpoch })),
          leaderRecoveryState: item.leaderAndIsr.leaderRecoveryState,
          partitionEpoch: item.leaderAndIsr.partitionEpoch,
        })),
      })),
    };
  }

  /** Settles the items the answer covers. @returns the top-level error code. */
  #handleResponse(response: AlterPartitionResponse, sentBrokerEpoch: bigint, items: readonly Item[]): number {
    const logger = this.#options.logger;
    const error = response.errorCode;
    if (error !== Errors.NONE) {
      if (error === Errors.STALE_BROKER_EPOCH) logger.warn({ brokerEpoch: String(sentBrokerEpoch) }, 'AlterPartition: the broker epoch is stale; retrying');
      else if (error === Errors.CLUSTER_AUTHORIZATION_FAILED) logger.error('This broker is not authorized to send AlterPartition to the controller');
      else logger.warn({ error }, 'AlterPartition failed with a top-level error; retrying');
      return error;
    }
    const answers = new Map<string, { errorCode: number; committed: CommittedLeaderAndIsr | null }>();
    for (const t of response.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== Errors.NONE) {
          answers.set(`${t.topicId}:${p.partitionIndex}`, { errorCode: p.errorCode, committed: null });
        } else if (p.leaderRecoveryState !== 0 && p.leaderRecoveryState !== 1) {
          logger.error({ topicId: t.topicId, partition: p.partitionIndex, leaderRecoveryState: p.leaderRecoveryState }, 'The controller answered AlterPartition with an invalid leader recovery state');
          answers.set(`${t.topicId}:${p.partitionIndex}`, { errorCode: Errors.UNKNOWN_SERVER_ERROR, committed: null });
        } else {
          answers.set(`${t.topicId}:${p.partitionIndex}`, {
            errorCode: Errors.NONE,
            committed: { leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, isr: p.isr, leaderRecoveryState: p.leaderRecoveryState, partitionEpoch: p.partitionEpoch },
          });
        }
      }
    }
    for (const item of items) {
      const key = `${item.topicId}:${item.partition}`;
      const answer = answers.get(key);
      if (answer === undefined) {
        logger.warn({ partition: key }, 'Partition was sent in AlterPartition but not included in the response');
        continue;
      }
      if (this.#items.get(key) === item) this.#items.delete(key);
      if (answer.committed !== null) item.resolve(answer.committed);
      else item.reject(new ApiError(answer.errorCode, `AlterPartition of ${key} failed with error ${answer.errorCode}`));
    }
    return Errors.NONE;
  }
}
