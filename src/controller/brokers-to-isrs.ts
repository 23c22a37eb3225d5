import type { MetadataImage, TopicImage } from '../metadata/metadata-image.ts';

/** A partition by topic id and index (Kafka's TopicIdPartition). */
export interface TopicIdPartition {
  readonly topicId: string;
  readonly partitionId: number;
}

/** Indexes built once per topics map: images that share their topics (most do) share the index. */
const cache = new WeakMap<ReadonlyMap<string, TopicImage>, BrokersToIsrs>();

/**
 * Which partitions each broker is in the ISR (and the ELR, KIP-966) of, leads, which partitions have no leader or not their preferred one, after Kafka's
 * `BrokersToIsrs` (kept there as records are replayed; here built from an image on first use and cached for
 * every image with the same topics).
 */
export class BrokersToIsrs {
  readonly #inIsr = new Map<number, TopicIdPartition[]>();
  readonly #inElr = new Map<number, TopicIdPartition[]>();
  readonly #leaderships = new Map<number, number>();
  readonly #noLeader: TopicIdPartition[] = [];
  readonly #imbalanced: TopicIdPartition[] = [];

  private constructor(topics: ReadonlyMap<string, TopicImage>) {
    for (const topic of topics.values()) {
      for (const [partitionId, p] of topic.partitions) {
        const tp = { topicId: topic.id, partitionId };
        for (const r of p.isr) addTo(this.#inIsr, r, tp);
        for (const r of p.elr) addTo(this.#inElr, r, tp);
        if (p.leader !== p.replicas[0]) this.#imbalanced.push(tp);
        if (p.leader < 0) this.#noLeader.push(tp);
        else this.#leaderships.set(p.leader, (this.#leaderships.get(p.leader) ?? 0) + 1);
      }
    }
  }

  /** The index of `image`'s partitions. */
  static of(image: MetadataImage): BrokersToIsrs {
    let index = cache.get(image.topicsById);
    if (index === undefined) {
      index = new BrokersToIsrs(image.topicsById);
      cache.set(image.topicsById, index);
    }
    return index;
  }

  /** Partitions whose ISR holds `brokerId`. */
  partitionsWithBrokerInIsr(brokerId: number): readonly TopicIdPartition[] {
    return this.#inIsr.get(brokerId) ?? [];
  }

  /** Partitions whose ELR holds `brokerId` (KIP-966; Kafka's BrokersToElrs.partitionsWithBrokerInElr). */
  partitionsWithBrokerInElr(brokerId: number): readonly TopicIdPartition[] {
    return this.#inElr.get(brokerId) ?? [];
  }

  /** Partitions with no leader. */
  partitionsWithNoLeader(): readonly TopicIdPartition[] {
    return this.#noLeader;
  }

  /** Partitions not led by their preferred replica (the first), leaderless ones included (Kafka's imbalancedPartitions). */
  imbalancedPartitions(): readonly TopicIdPartition[] {
    return this.#imbalanced;
  }

  /** Whether `brokerId` leads at least one partition. */
  hasLeaderships(brokerId: number): boolean {
    return (this.#leaderships.get(brokerId) ?? 0) > 0;
  }
}

function addTo(index: Map<number, TopicIdPartition[]>, brokerId: number, tp: TopicIdPartition): void {
  let list = index.get(brokerId);
  if (list === undefined) index.set(brokerId, (list = []));
  list.push(tp);
}
