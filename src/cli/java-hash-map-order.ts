// The iteration order of a java.util.HashMap, for tools whose output Kafka's own tools print in that order (kafka-topics
// prints the topics of Admin.describeTopics and the entries of each topic's Config straight from HashMaps), so that
// our output matches theirs line for line. Follows OpenJDK's HashMap: String.hashCode, the spread `h ^ (h >>> 16)`,
// power-of-two tables from `tableSizeFor`, doubling when the size passes 0.75 of the table, and resizes that keep
// the relative order of the entries of a bucket (tree bins, 8+ entries in one bucket, are not modelled).

const MAXIMUM_CAPACITY = 1 << 30;
const DEFAULT_CAPACITY = 16;

/** Java's String.hashCode: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, as a 32-bit int. */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** HashMap.tableSizeFor: the smallest power of two >= `capacity` (1 at least). */
function tableSizeFor(capacity: number): number {
  let n = 1;
  while (n < capacity && n < MAXIMUM_CAPACITY) n <<= 1;
  return n;
}

/**
 * The order in which a HashMap (or HashSet) iterates `items` (of distinct keys) after they were put in that order into
 * `new HashMap<>(initialCapacity)` (or `new HashMap<>()` when `initialCapacity` is undefined); `hash` is the key's
 * Java hashCode (e.g. {@link javaStringHash} of a String key).
 */
export function javaHashMapOrder<T>(items: readonly T[], hash: (item: T) => number, initialCapacity?: number): T[] {
  let capacity = initialCapacity === undefined ? DEFAULT_CAPACITY : tableSizeFor(initialCapacity);
  for (let size = 1; size <= items.length; size++) {
    if (size > capacity * 0.75 && capacity < MAXIMUM_CAPACITY) capacity <<= 1;
  }
  const spread = (h: number): number => (h ^ (h >>> 16)) >>> 0;
  return items
    .map((item, index) => ({ item, index, bucket: spread(hash(item)) & (capacity - 1) }))
    .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
    .map((e) => e.item);
}
