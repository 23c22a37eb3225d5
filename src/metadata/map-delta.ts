/**
 * Copy-on-write changes to one map of a {@link MetadataImage} part (brokers, features, ACLs, ...), after the
 * per-part deltas of Kafka's `org.apache.kafka.image` (ClusterDelta, AclsDelta, ...): the base map is shared
 * until the first change, then copied once. Values are immutable; a new value replaces the old one.
 *
 * Snapshot loading (Kafka's `finishSnapshot`): after {@link beginSnapshot} the map starts empty and is filled by
 * the snapshot's records only, so whatever the snapshot does not hold is gone; {@link apply} then reports the
 * keys that really differ from the base and keeps the base's value objects (or the whole base map) where they
 * are equal, so a snapshot that matches the current image changes nothing and allocates nothing lasting.
 */
export class MapDelta<K, V> {
  readonly #base: ReadonlyMap<K, V>;
  #map: Map<K, V> | undefined;
  readonly #changed = new Set<K>();
  #snapshot = false;

  constructor(base: ReadonlyMap<K, V>) {
    this.#base = base;
  }

  get(key: K): V | undefined {
    return (this.#map ?? this.#base).get(key);
  }

  has(key: K): boolean {
    return (this.#map ?? this.#base).has(key);
  }

  set(key: K, value: V): void {
    (this.#map ??= new Map(this.#base)).set(key, value);
    this.#changed.add(key);
  }

  /** Removes `key`; false (and no change recorded) when it is absent. */
  delete(key: K): boolean {
    if (!this.has(key)) return false;
    (this.#map ??= new Map(this.#base)).delete(key);
    this.#changed.add(key);
    return true;
  }

  /** Forgets every change: the map is empty until the snapshot's records fill it. */
  beginSnapshot(): void {
    this.#map = new Map();
    this.#changed.clear();
    this.#snapshot = true;
  }

  /**
   * The new map and its changed keys: the keys replayed (log deltas), or the keys whose value differs from the
   * base by `equal` (snapshots). The delta must not be changed afterwards: the map may be the one it built.
   */
  apply(equal: (a: V, b: V) => boolean): { map: ReadonlyMap<K, V>; changed: ReadonlySet<K> } {
    const next = this.#map;
    if (!this.#snapshot || next === undefined) return { map: next ?? this.#base, changed: this.#changed };
    const changed = new Set<K>();
    for (const [key, value] of next) {
      const old = this.#base.get(key);
      if (old !== undefined && equal(old, value)) next.set(key, old);
      else changed.add(key);
    }
    for (const key of this.#base.keys()) if (!next.has(key)) changed.add(key);
    return { map: changed.size === 0 ? this.#base : next, changed };
  }
}

/**
 * A {@link MapDelta} of maps (configs by resource, quotas by entity, SCRAM credentials by user): an inner map
 * is copied once on its first change in a delta, then changed in place; an inner map left empty is removed, as
 * Kafka drops a config resource or quota entity with no entries left.
 */
export class NestedMapDelta<K, K2, V> {
  readonly #outer: MapDelta<K, ReadonlyMap<K2, V>>;
  /** Inner maps this delta created, which it may change in place. */
  readonly #owned = new Map<K, Map<K2, V>>();

  constructor(base: ReadonlyMap<K, ReadonlyMap<K2, V>>) {
    this.#outer = new MapDelta(base);
  }

  get(key: K): ReadonlyMap<K2, V> | undefined {
    return this.#outer.get(key);
  }

  #inner(key: K): Map<K2, V> {
    let inner = this.#owned.get(key);
    if (inner === undefined) {
      inner = new Map(this.#outer.get(key) ?? []);
      this.#owned.set(key, inner);
      this.#outer.set(key, inner);
    }
    return inner;
  }

  set(key: K, innerKey: K2, value: V): void {
    this.#inner(key).set(innerKey, value);
  }

  delete(key: K, innerKey: K2): void {
    if (this.#outer.get(key)?.has(innerKey) === true) this.#inner(key).delete(innerKey);
  }

  /** Removes every entry of `key` (a deleted topic's configs). */
  deleteAll(key: K): void {
    this.#owned.delete(key);
    this.#outer.delete(key);
  }

  beginSnapshot(): void {
    this.#owned.clear();
    this.#outer.beginSnapshot();
  }

  /** See {@link MapDelta.apply}; inner maps are equal when they hold the same keys with `equal` values. */
  apply(equal: (a: V, b: V) => boolean): { map: ReadonlyMap<K, ReadonlyMap<K2, V>>; changed: ReadonlySet<K> } {
    for (const [key, inner] of this.#owned) if (inner.size === 0) this.#outer.delete(key);
    return this.#outer.apply((a, b) => {
      if (a.size !== b.size) return false;
      for (const [k, v] of a) {
        const w = b.get(k);
        if (w === undefined || !equal(v, w)) return false;
      }
      return true;
    });
  }
}
