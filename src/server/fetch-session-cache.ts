import { Errors } from '../protocol/generated/errors.ts';

/** FetchRequest session epochs (KIP-227). */
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
export const INVALID_SESSION_ID = 0;

/** What a session remembers of one partition: the request fields and the last values sent to the client. */
export interface CachedPartition {
  topic: string;
  partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  /** Follower fetches (v12+): the epoch of the follower's last batch, -1 when not sent. */
  lastFetchedEpoch: number;
  /** Follower fetches: the follower's log start offset, -1n when not sent (Kafka's fetcherLogStartOffset). */
  fetcherLogStartOffset: bigint;
  /** Last values sent, -2n before the first send (so the first response always includes the partition). */
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
}

export interface FetchSession {
  readonly id: number;
  /** The epoch the next incremental request must carry. */
  epoch: number;
  /** Partitions in insertion order, keyed "topic:partition". */
  readonly partitions: Map<string, CachedPartition>;
  lastUsedMs: number;
}

/** The partition fields of a fetch request, version-independent. */
export interface FetchRequestPartition {
  topic: string;
  partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
  fetcherLogStartOffset: bigint;
}

/** How a fetch request relates to sessions. */
export type FetchContext =
  /** Top-level error: FETCH_SESSION_ID_NOT_FOUND (70) or INVALID_FETCH_SESSION_EPOCH (71). */
  | { kind: 'error'; errorCode: number }
  /** A full fetch: every requested partition is answered; `session` is set when one was created. */
  | { kind: 'full'; partitions: CachedPartition[]; session: FetchSession | null }
  /** An incremental fetch over an existing session: answer only the partitions that changed. */
  | { kind: 'incremental'; partitions: CachedPartition[]; session: FetchSession };

const key = (topic: string, partition: number): string => `${topic}:${partition}`;

/**
 * Incremental fetch sessions (KIP-227), after Kafka's `FetchSessionCache` / `FetchManager`:
 * - sessionId 0, epoch -1: sessionless full fetch (librdkafka, kafkajs);
 * - sessionId 0, epoch 0: full fetch that creates a session (Java consumer, followers);
 * - sessionId N, epoch -1: closes session N, then a sessionless full fetch;
 * - sessionId N, epoch E > 0: incremental fetch; E must equal the session's next epoch
 *   (else INVALID_FETCH_SESSION_EPOCH 71); an unknown N gives FETCH_SESSION_ID_NOT_FOUND (70).
 * The cache holds at most `maxSlots` sessions (max.incremental.fetch.session.cache.slots) and evicts the least
 * recently used one when full.
 */
export class FetchSessionCache {
  readonly #sessions = new Map<number, FetchSession>();
  readonly #maxSlots: number;
  #nextId = 1 + Math.floor(Math.random() * 0x3fffffff);

  constructor(maxSlots: number) {
    this.#maxSlots = maxSlots;
  }

  get size(): number {
    return this.#sessions.size;
  }

  #newSessionId(): number {
    for (;;) {
      const id = this.#nextId;
      this.#nextId = this.#nextId >= 0x7fffffff ? 1 : this.#nextId + 1;
      if (!this.#sessions.has(id)) return id;
    }
  }

  #touch(session: FetchSession, nowMs: number): void {
    session.lastUsedMs = nowMs;
    // Re-insert so Map order is least-recently-used first.
    this.#sessions.delete(session.id);
    this.#sessions.set(session.id, session);
  }

  /** Resolves a request to a {@link FetchContext}, updating the sessions. */
  newContext(
    sessionId: number,
    epoch: number,
    partitions: FetchRequestPartition[],
    forgotten: { topic: string; partitions: number[] }[],
    isFollower: boolean,
    nowMs: number,
  ): FetchContext {
    const toCached = (p: FetchRequestPartition): CachedPartition => ({ ...p, highWatermark: -2n, lastStableOffset: -2n, logStartOffset: -2n });
    if (epoch === FINAL_EPOCH) {
      if (sessionId !== INVALID_SESSION_ID) this.#sessions.delete(sessionId);
      return { kind: 'full', partitions: partitions.map(toCached), session: null };
    }
    if (epoch === INITIAL_EPOCH) {
      if (sessionId !== INVALID_SESSION_ID) this.#sessions.delete(sessionId);
      const cached = partitions.map(toCached);
      let session: FetchSession | null = null;
      if (this.#maxSlots > 0 && (cached.length > 0 || isFollower)) {
        if (this.#sessions.size >= this.#maxSlots) {
          const oldest = this.#sessions.keys().next().value;
          if (oldest !== undefined) this.#sessions.delete(oldest);
        }
        session = { id: this.#newSessionId(), epoch: 1, partitions: new Map(cached.map((c) => [key(c.topic, c.partition), c])), lastUsedMs: nowMs };
        this.#sessions.set(session.id, session);
      }
      return { kind: 'full', partitions: cached, session };
    }
    if (sessionId === INVALID_SESSION_ID) return { kind: 'error', errorCode: Errors.INVALID_FETCH_SESSION_EPOCH };
    const session = this.#sessions.get(sessionId);
    if (session === undefined) return { kind: 'error', errorCode: Errors.FETCH_SESSION_ID_NOT_FOUND };
    if (session.epoch !== epoch) return { kind: 'error', errorCode: Errors.INVALID_FETCH_SESSION_EPOCH };
    for (const f of forgotten) for (const p of f.partitions) session.partitions.delete(key(f.topic, p));
    for (const p of partitions) {
      const existing = session.partitions.get(key(p.topic, p.partition));
      if (existing === undefined) session.partitions.set(key(p.topic, p.partition), toCached(p));
      else {
        existing.fetchOffset = p.fetchOffset;
        existing.partitionMaxBytes = p.partitionMaxBytes;
        existing.currentLeaderEpoch = p.currentLeaderEpoch;
        existing.lastFetchedEpoch = p.lastFetchedEpoch;
        existing.fetcherLogStartOffset = p.fetcherLogStartOffset;
      }
    }
    session.epoch = epoch === 0x7fffffff ? 1 : epoch + 1;
    this.#touch(session, nowMs);
    return { kind: 'incremental', partitions: [...session.partitions.values()], session };
  }

  /** Drops a session (e.g. its partitions were deleted). */
  remove(sessionId: number): void {
    this.#sessions.delete(sessionId);
  }
}
