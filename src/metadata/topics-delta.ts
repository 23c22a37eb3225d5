import type { TopicRecord } from '../protocol/generated/records/topic-record.ts';
import type { PartitionRecord } from '../protocol/generated/records/partition-record.ts';
import type { PartitionChangeRecord } from '../protocol/generated/records/partition-change-record.ts';
import { mergePartitionChange, partitionFromRecord, partitionsEqual, type PartitionRegistration } from './partition-registration.ts';

/** A topic of the image: its name, id (Kafka's Uuid string form) and partitions by index. */
export interface TopicImage {
  readonly name: string;
  readonly id: string;
  readonly partitions: ReadonlyMap<number, PartitionRegistration>;
}

interface MutableTopic {
  name: string;
  id: string;
  partitions: Map<number, PartitionRegistration>;
}

/** What a {@link TopicsDelta} produced: the topic maps of the next image and what changed in them. */
export interface TopicsChanges {
  readonly topicsById: ReadonlyMap<string, TopicImage>;
  readonly topicsByName: ReadonlyMap<string, TopicImage>;
  readonly createdTopics: ReadonlySet<string>;
  readonly deletedTopics: ReadonlyMap<string, TopicImage>;
  /** "topicId:partition" of every partition created or changed. */
  readonly changedPartitions: ReadonlySet<string>;
}

/**
 * Topic and partition changes on top of a base image, after Kafka's `TopicsDelta`: only the topics touched are
 * copied (their partition map, not the registrations); the rest of the image is shared. Records that refer to an
 * unknown topic or partition, or that would give two live topics one name or one id, are invariant breaks and
 * throw (the controller never writes them).
 */
export class TopicsDelta {
  readonly #baseById: ReadonlyMap<string, TopicImage>;
  readonly #baseByName: ReadonlyMap<string, TopicImage>;
  /** Topics created or changed in this delta (in a snapshot: every topic read so far). */
  readonly #topics = new Map<string, MutableTopic>();
  /** Topics of the base removed in this delta, with their last content. */
  readonly #removed = new Map<string, TopicImage>();
  readonly #created = new Set<string>();
  #changedPartitions = new Set<string>();
  #snapshot: 'no' | 'loading' | 'finished' = 'no';

  constructor(baseById: ReadonlyMap<string, TopicImage>, baseByName: ReadonlyMap<string, TopicImage>) {
    this.#baseById = baseById;
    this.#baseByName = baseByName;
  }

  /**
   * The live topic `id` of the base: while a snapshot loads, none is (until the snapshot names it); once it is
   * finished, those the snapshot kept as they were.
   */
  #liveBase(id: string): TopicImage | undefined {
    return this.#snapshot !== 'loading' && !this.#removed.has(id) ? this.#baseById.get(id) : undefined;
  }

  #topic(id: string): MutableTopic {
    let t = this.#topics.get(id);
    if (t !== undefined) return t;
    const base = this.#liveBase(id);
    if (base === undefined) throw new Error(`metadata record for unknown topic id ${id}`);
    t = { name: base.name, id, partitions: new Map(base.partitions) };
    this.#topics.set(id, t);
    return t;
  }

  #changed(topicId: string, partitionId: number): void {
    if (this.#snapshot !== 'loading') this.#changedPartitions.add(`${topicId}:${partitionId}`);
  }

  replayTopic(d: TopicRecord): void {
    const { name, topicId } = d;
    if (this.#topics.has(topicId) || this.#liveBase(topicId) !== undefined) throw new Error(`TopicRecord for existing topic id ${topicId}`);
    // A name taken by another live topic is found when the name map is built (apply), where it costs nothing.
    this.#topics.set(topicId, { name, id: topicId, partitions: new Map() });
    this.#created.add(topicId);
  }

  replayPartition(d: PartitionRecord): void {
    this.#topic(d.topicId).partitions.set(d.partitionId, partitionFromRecord(d));
    this.#changed(d.topicId, d.partitionId);
  }

  replayPartitionChange(d: PartitionChangeRecord): void {
    const t = this.#topic(d.topicId);
    const p = t.partitions.get(d.partitionId);
    if (p === undefined) throw new Error(`PartitionChangeRecord for unknown partition ${t.name}-${d.partitionId}`);
    t.partitions.set(d.partitionId, mergePartitionChange(p, d));
    this.#changed(d.topicId, d.partitionId);
  }

  /** Removes a topic. @returns its name (its configs go with it). */
  replayRemoveTopic(id: string): string {
    const last: TopicImage | undefined = this.#topics.get(id) ?? this.#liveBase(id);
    if (last === undefined) throw new Error(`RemoveTopicRecord for unknown topic id ${id}`);
    this.#topics.delete(id);
    // A topic created within this delta leaves no trace; one of the base is reported with its last content.
    if (!this.#created.delete(id) && this.#snapshot !== 'loading') this.#removed.set(id, last);
    return last.name;
  }

  /** From now on the records are a complete snapshot: nothing of the base is live until a record names it. */
  beginSnapshot(): void {
    this.#topics.clear();
    this.#removed.clear();
    this.#created.clear();
    this.#changedPartitions = new Set();
    this.#snapshot = 'loading';
  }

  /**
   * Ends a snapshot (Kafka's TopicsDelta.finishSnapshot): base topics it lacks are deleted; a base topic it holds
   * is kept as the base's object where nothing differs, else only its differing partitions count as changed.
   * @throws Error when the snapshot holds a base topic under another name or without one of its partitions:
   * neither happens to a topic id in Kafka (no rename, no partition removal), so the log or snapshot is corrupt.
   */
  finishSnapshot(): void {
    if (this.#snapshot !== 'loading') throw new Error('finishSnapshot without beginSnapshot');
    this.#snapshot = 'finished';
    for (const [id, base] of this.#baseById) {
      const t = this.#topics.get(id);
      if (t === undefined) {
        this.#removed.set(id, base);
        continue;
      }
      this.#created.delete(id);
      if (t.name !== base.name) throw new Error(`snapshot holds topic ${id} as ${t.name}, the image as ${base.name}`);
      let same = t.partitions.size === base.partitions.size;
      for (const [partitionId, old] of base.partitions) {
        const p = t.partitions.get(partitionId);
        if (p === undefined) throw new Error(`snapshot lacks partition ${base.name}-${partitionId} of topic ${id}`);
        if (partitionsEqual(old, p)) t.partitions.set(partitionId, old);
        else {
          same = false;
          this.#changedPartitions.add(`${id}:${partitionId}`);
        }
      }
      if (same) this.#topics.delete(id);
      else for (const partitionId of t.partitions.keys()) if (!base.partitions.has(partitionId)) this.#changedPartitions.add(`${id}:${partitionId}`);
    }
    for (const id of this.#created) for (const partitionId of this.#topics.get(id)!.partitions.keys()) this.#changedPartitions.add(`${id}:${partitionId}`);
  }

  /** The next image's topic maps and what changed. @throws Error for a snapshot begun and not finished. */
  apply(): TopicsChanges {
    if (this.#snapshot === 'loading') throw new Error('a snapshot was begun and not finished');
    let topicsById = this.#baseById;
    let topicsByName = this.#baseByName;
    if (this.#topics.size > 0 || this.#removed.size > 0) {
      const byId = new Map(this.#baseById);
      const byName = new Map(this.#baseByName);
      for (const [id, last] of this.#removed) {
        byId.delete(id);
        if (byName.get(last.name)?.id === id) byName.delete(last.name);
      }
      for (const t of this.#topics.values()) {
        const image: TopicImage = { name: t.name, id: t.id, partitions: t.partitions };
        const sameName = byName.get(t.name);
        if (sameName !== undefined && sameName.id !== t.id) throw new Error(`topics ${sameName.id} and ${t.id} are both named ${t.name}`);
        byId.set(t.id, image);
        byName.set(t.name, image);
      }
      topicsById = byId;
      topicsByName = byName;
    }
    return { topicsById, topicsByName, createdTopics: this.#created, deletedTopics: this.#removed, changedPartitions: this.#changedPartitions };
  }
}
