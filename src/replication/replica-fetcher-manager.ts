import { topicPartitionKey, type TopicPartition } from '../common/topic-partition.ts';
import type { Logger } from '../observability/logger.ts';
import type { PartitionLog } from './partition-log.ts';
import type { BrokerEndPoint } from './leader-end-point.ts';
import type { InitialFetchState, PartitionFetchState, ReplicaFetcherThread } from './replica-fetcher-thread.ts';

/** Java's String.hashCode (UTF-16 code units, int32 arithmetic), for Kafka's fetcher id. */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The fetcher a partition goes to among `numFetchers` per leader (Kafka's AbstractFetcherManager.getFetcherId:
 * abs(31 * topic.hashCode + partition) % numFetchers), so a broker's partitions spread over its fetchers the way
 * Kafka spreads them.
 */
export function fetcherIdFor(tp: TopicPartition, numFetchers: number): number {
  const h = (Math.imul(31, javaStringHash(tp.topic)) + tp.partition) | 0;
  const abs = h === -0x80000000 ? 0 : Math.abs(h);
  return abs % numFetchers;
}

/** What a {@link ReplicaFetcherManager} is built with. */
export interface ReplicaFetcherManagerOptions<L extends PartitionLog> {
  /** num.replica.fetchers: fetchers (fetch sessions, connections) per leader broker. */
  numFetchers(): number;
  /** Creates (not starts) the fetcher `fetcherId` for `leader`, with a connection of its own. */
  createFetcher(leader: BrokerEndPoint, fetcherId: number): ReplicaFetcherThread<L>;
  readonly logger: Logger;
}

/**
 * The follower partitions' fetchers, after Kafka's `ReplicaFetcherManager` / `AbstractFetcherManager`: one
 * {@link ReplicaFetcherThread} per (leader broker, fetcher id), the fetcher id of a partition from its name
 * ({@link fetcherIdFor}); a fetcher whose leader's address changed is replaced. The ReplicaManager adds a
 * partition when it starts following a leader epoch, and removes it (waiting until its fetcher no longer touches
 * it) before it becomes leader or follows another epoch.
 */
export class ReplicaFetcherManager<L extends PartitionLog> {
  readonly #o: ReplicaFetcherManagerOptions<L>;
  readonly #fetchers = new Map<string, ReplicaFetcherThread<L>>();
  /** Which fetcher holds each partition: "topic-partition" -> the partition and its fetcher's "leaderId:fetcherId". */
  readonly #assignment = new Map<string, { readonly tp: TopicPartition; readonly fetcher: string }>();
  #closed = false;

  constructor(options: ReplicaFetcherManagerOptions<L>) {
    this.#o = options;
  }

  /** The running fetchers (tests, metrics). */
  get fetchers(): ReadonlyMap<string, ReplicaFetcherThread<L>> {
    return this.#fetchers;
  }

  /** The fetcher of a partition, if any. */
  fetcherFor(tp: TopicPartition): ReplicaFetcherThread<L> | undefined {
    const a = this.#assignment.get(topicPartitionKey(tp));
    return a === undefined ? undefined : this.#fetchers.get(a.fetcher);
  }

  /** Starts fetching `states` from their leaders (Kafka's addFetcherForPartitions). */
  async addFetcherForPartitions(states: readonly InitialFetchState[]): Promise<void> {
    if (this.#closed || states.length === 0) return;
    const numFetchers = Math.max(1, this.#o.numFetchers());
    const byFetcher = new Map<string, { leader: BrokerEndPoint; fetcherId: number; states: InitialFetchState[] }>();
    for (const s of states) {
      const fetcherId = fetcherIdFor(s.topicPartition, numFetchers);
      const key = `${s.leader.nodeId}:${fetcherId}`;
      let group = byFetcher.get(key);
      if (group === undefined) byFetcher.set(key, (group = { leader: s.leader, fetcherId, states: [] }));
      group.states.push(s);
    }
    for (const [key, group] of byFetcher) {
      let fetcher = this.#fetchers.get(key);
      const leader = fetcher?.leader;
      if (fetcher !== undefined && (leader!.host !== group.leader.host || leader!.port !== group.leader.port)) {
        // The leader moved to another address (it re-registered): a new connection, the partitions start over.
        this.#fetchers.delete(key);
        const moved = await fetcher.removePartitions(this.#partitionsOf(key));
        await fetcher.shutdown();
        fetcher = undefined;
        // The old fetcher's other partitions follow the same leader: they go on from where they were.
        const adding = new Set(group.states.map((s) => topicPartitionKey(s.topicPartition)));
        for (const m of moved) {
          if (adding.has(topicPartitionKey(m.topicPartition))) continue;
          group.states.push({ topicPartition: m.topicPartition, topicId: m.topicId, leader: group.leader, currentLeaderEpoch: m.currentLeaderEpoch, initOffset: m.fetchOffset });
        }
      }
      if (fetcher === undefined) {
        fetcher = this.#o.createFetcher(group.leader, group.fetcherId);
        this.#fetchers.set(key, fetcher);
        fetcher.start();
      }
      for (const s of group.states) {
        const tpKey = topicPartitionKey(s.topicPartition);
        const previous = this.#assignment.get(tpKey)?.fetcher;
        if (previous !== undefined && previous !== key) await this.#fetchers.get(previous)?.removePartitions([s.topicPartition]);
        this.#assignment.set(tpKey, { tp: s.topicPartition, fetcher: key });
      }
      fetcher.addPartitions(group.states);
    }
  }

  #partitionsOf(fetcherKey: string): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const a of this.#assignment.values()) if (a.fetcher === fetcherKey) out.push(a.tp);
    return out;
  }

  /**
   * Stops fetching `tps` (Kafka's removeFetcherForPartitions); resolves once no fetcher touches them any more.
   * @returns their fetch states.
   */
  async removeFetcherForPartitions(tps: Iterable<TopicPartition>): Promise<PartitionFetchState[]> {
    const byFetcher = new Map<string, TopicPartition[]>();
    for (const tp of tps) {
      const tpKey = topicPartitionKey(tp);
      const key = this.#assignment.get(tpKey)?.fetcher;
      if (key === undefined) continue;
      this.#assignment.delete(tpKey);
      let list = byFetcher.get(key);
      if (list === undefined) byFetcher.set(key, (list = []));
      list.push(tp);
    }
    const removed: PartitionFetchState[] = [];
    for (const [key, list] of byFetcher) {
      const fetcher = this.#fetchers.get(key);
      if (fetcher !== undefined) removed.push(...(await fetcher.removePartitions(list)));
    }
    return removed;
  }

  /** Stops the fetchers left without partitions (Kafka's shutdownIdleFetcherThreads). */
  async shutdownIdleFetcherThreads(): Promise<void> {
    for (const [key, fetcher] of [...this.#fetchers]) {
      if (fetcher.partitionCount > 0) continue;
      this.#fetchers.delete(key);
      for (const tp of this.#partitionsOf(key)) this.#assignment.delete(topicPartitionKey(tp));
      await fetcher.shutdown();
    }
  }

  /** Stops every fetcher. */
  async shutdown(): Promise<void> {
    this.#closed = true;
    const fetchers = [...this.#fetchers.values()];
    this.#fetchers.clear();
    this.#assignment.clear();
    await Promise.all(fetchers.map((f) => f.shutdown()));
    this.#o.logger.info('Replica fetchers shut down');
  }
}
