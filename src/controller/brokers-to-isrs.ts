import type { MetadataImage, TopicImage } from '../metadata/metadata-image.ts';

/** A partition by topic id and index (Kafka's TopicIdPartition). */
export interface TopicIdPartition {
  readonly topicId: string;
  readonly partitionId: number;
}

/** Indexes built once per topics map: images that share their topics (most do) share the index. */
const cache = new WeakMap<ReadonlyMap<string, TopicImage>, BrokersToIsrs>();

/**
 * Which partitions each broker is in the ISR of, leads, and which partitions have no leader, after Kafka's
 * `BrokersToIsrs` (kept there as records are replayed; here built from an image on first use and cached for
 * every image with the same topics).
 */
export class BrokersToIsrs {
  readonly #inIsr = new Map<number, TopicIdPartition[]>();
  readonly #leaderships = new Map<number, number>();
  readonly #noLeader: TopicIdPartition[] = [];

  private constructor(topics: ReadonlyMap<string, TopicImage>) {
    for (const topic of topics.values()) {
      for (const [partitionId, p] of topic.partitions) {
        const tp = { topicId: topic.id, partitionId };
        for (const r of p.isr) {
          let list = this.#inIsr.get(r);
          if (list === undefined) this.#inIsr.set(r, (list = []));
          list.push(tp);
        }
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

  /** Partitions with no leader. */
  partitionsWithNoLeader(): readonly TopicIdPartition[] {
    return this.#noLeader;
  }

  /** Whether `brokerId` leads at least one partition. */
  hasLeaderships(brokerId: number): boolean {
    return (this.#leaderships.get(brokerId) ?? 0) > 0;
  }
}
