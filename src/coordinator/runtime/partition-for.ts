/**
 * Java's `String.hashCode()`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 code units with int32 overflow.
 * JavaScript strings are UTF-16 too, so `charCodeAt` gives the same code units Java hashes.
 */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * The partition of a coordinator topic that owns `key` (a group id or transactional id):
 * `Utils.abs(key.hashCode()) % numPartitions`, as Kafka's `GroupCoordinatorService.partitionFor` and
 * `TransactionStateManager.partitionFor` compute it, so that every tool agrees on the coordinator.
 * Kafka's `Utils.abs` maps Integer.MIN_VALUE to 0 (unlike Math.abs).
 */
export function partitionFor(key: string, numPartitions: number): number {
  const h = javaStringHashCode(key);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % numPartitions;
}
