import type { Logger } from '../observability/logger.ts';
import { Errors } from '../protocol/generated/errors.ts';

/** One partition of a follower's fetch, as the request carries it (FetchRequest.FetchPartition, v12). */
export interface FetchPartitionData {
  readonly topic: string;
  readonly partition: number;
  readonly fetchOffset: bigint;
  /** The follower's log start offset. */
  readonly logStartOffset: bigint;
  /** replica.fetch.max.bytes. */
  readonly partitionMaxBytes: number;
  readonly currentLeaderEpoch: number;
  /** The epoch of the last batch in the follower's log (-1: none): the leader checks it for divergence. */
  readonly lastFetchedEpoch: number;
}

/** A request built by {@link FetchSessionHandler.build}. */
export interface FetchSessionRequest {
  readonly sessionId: number;
  readonly sessionEpoch: number;
  /** The partitions to put in the request (all of them in a full fetch, the new or changed ones otherwise). */
  readonly toSend: readonly FetchPartitionData[];
  /** Partitions the session drops (incremental fetch). */
  readonly toForget: readonly { topic: string; partition: number }[];
  /** Every partition the session fetches after this request. */
  readonly sessionPartitions: ReadonlyMap<string, FetchPartitionData>;
  readonly isFull: boolean;
}

const INITIAL_EPOCH = 0;
const INVALID_SESSION_ID = 0;

function key(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

function samePartitionData(a: FetchPartitionData, b: FetchPartitionData): boolean {
  return a.fetchOffset === b.fetchOffset && a.logStartOffset === b.logStartOffset && a.partitionMaxBytes === b.partitionMaxBytes && a.currentLeaderEpoch === b.currentLeaderEpoch && a.lastFetchedEpoch === b.lastFetchedEpoch;
}

/**
 * The client side of incremental fetch sessions (KIP-227), after Kafka's `FetchSessionHandler`: a replica fetcher
 * asks for its partitions in a full fetch (session id 0 or the old one, epoch 0: the leader creates a session),
 * then in incremental fetches (the session id, epochs 1, 2, ...) that name only the partitions whose fetch position
 * changed, and forget the ones it no longer fetches; the leader answers incremental fetches with only the
 * partitions that have something new.
 *
 * | event                                         | next request                                        |
 * |-----------------------------------------------|-----------------------------------------------------|
 * | full answered with a session id               | incremental, epoch 1                                |
 * | full answered without session (id 0)          | full, no session                                    |
 * | incremental answered with the session id      | incremental, epoch + 1                              |
 * | incremental answered with id 0 (closed)       | full, no session                                    |
 * | FETCH_SESSION_ID_NOT_FOUND                    | full, no session                                    |
 * | any other top-level error, a lost request     | full that closes the session and opens a new one    |
 * | full answer not covering exactly the request  | full, no session                                    |
 */
export class FetchSessionHandler {
  readonly #logger: Logger;
  #sessionId = INVALID_SESSION_ID;
  #epoch = INITIAL_EPOCH;
  /** What the leader's session holds (after the last request built). */
  #sessionPartitions = new Map<string, FetchPartitionData>();

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get sessionId(): number {
    return this.#sessionId;
  }

  get sessionEpoch(): number {
    return this.#epoch;
  }

  /**
   * The next request for `next` (every partition to fetch now, in order).
   * @returns null when there is nothing to send (no partition to fetch and none to forget).
   */
  build(next: readonly FetchPartitionData[]): FetchSessionRequest | null {
    const isFull = this.#epoch === INITIAL_EPOCH;
    const nextMap = new Map<string, FetchPartitionData>();
    for (const p of next) nextMap.set(key(p.topic, p.partition), p);
    if (isFull) {
      this.#sessionPartitions = nextMap;
      if (nextMap.size === 0) return null;
      return { sessionId: this.#sessionId, sessionEpoch: this.#epoch, toSend: [...nextMap.values()], toForget: [], sessionPartitions: nextMap, isFull };
    }
    const toSend: FetchPartitionData[] = [];
    const toForget: { topic: string; partition: number }[] = [];
    for (const [k, previous] of this.#sessionPartitions) {
      const data = nextMap.get(k);
      if (data === undefined) toForget.push({ topic: previous.topic, partition: previous.partition });
      else if (!samePartitionData(previous, data)) toSend.push(data);
    }
    for (const [k, data] of nextMap) if (!this.#sessionPartitions.has(k)) toSend.push(data);
    this.#sessionPartitions = nextMap;
    if (nextMap.size === 0 && toForget.length === 0) return null;
    return { sessionId: this.#sessionId, sessionEpoch: this.#epoch, toSend, toForget, sessionPartitions: nextMap, isFull };
  }

  /**
   * Takes the answer to the last request built.
   * @param partitions the partitions the answer names ("topic:partition").
   * @returns false when the answer must not be used (a top-level error, or a full answer that does not match the
   *   request): the caller processes nothing of it and fetches again.
   */
  handleResponse(errorCode: number, sessionId: number, partitions: Iterable<string>): boolean {
    if (errorCode !== Errors.NONE) {
      this.#logger.info({ sessionId: this.#sessionId, epoch: this.#epoch, error: errorCode }, 'The leader could not process the fetch request');
      if (errorCode === Errors.FETCH_SESSION_ID_NOT_FOUND) this.#sessionId = INVALID_SESSION_ID;
      this.#epoch = INITIAL_EPOCH;
      return false;
    }
    if (this.#epoch === INITIAL_EPOCH) {
      const answered = new Set(partitions);
      let matches = answered.size === this.#sessionPartitions.size;
      for (const k of this.#sessionPartitions.keys()) if (!answered.has(k)) matches = false;
      if (!matches) {
        this.#logger.info({ requested: [...this.#sessionPartitions.keys()], answered: [...answered] }, 'The leader sent a full fetch response that does not match the request');
        this.#sessionId = INVALID_SESSION_ID;
        return false;
      }
      this.#sessionId = sessionId;
      this.#epoch = sessionId === INVALID_SESSION_ID ? INITIAL_EPOCH : 1;
      return true;
    }
    for (const k of partitions) {
      if (!this.#sessionPartitions.has(k)) {
        this.#logger.info({ partition: k }, 'The leader sent an incremental fetch response with a partition outside the session');
        this.#epoch = INITIAL_EPOCH;
        return false;
      }
    }
    if (sessionId === INVALID_SESSION_ID) {
      this.#sessionId = INVALID_SESSION_ID;
      this.#epoch = INITIAL_EPOCH;
    } else {
      this.#epoch = this.#epoch === 0x7fffffff ? 1 : this.#epoch + 1;
    }
    return true;
  }

  /** The request failed (lost, timed out, disconnected): the next one is full and replaces the session. */
  handleError(): void {
    this.#epoch = INITIAL_EPOCH;
  }
}
