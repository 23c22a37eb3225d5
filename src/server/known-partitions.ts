import { Errors } from '../protocol/generated/errors.ts';
import type { MetadataImage } from '../metadata/metadata-image.ts';

/**
 * Splits the topics of an offsets request (OffsetCommit, TxnOffsetCommit, OffsetDelete) into the partitions that
 * exist in the metadata image and, for the others, UNKNOWN_TOPIC_OR_PARTITION (3) results, as Kafka's handlers
 * check them before calling the group coordinator; with `authorized`, the topics not in it get
 * TOPIC_AUTHORIZATION_FAILED (29) on every partition instead (checked first, as Kafka does).
 */
export function splitKnownPartitions<P extends { partitionIndex: number }, T extends { name: string; partitions: P[] }>(
  image: MetadataImage,
  topics: readonly T[],
  authorized?: ReadonlySet<string>,
): { valid: T[]; errors: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[] } {
  const valid: T[] = [];
  const errors: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[] = [];
  for (const t of topics) {
    if (authorized !== undefined && !authorized.has(t.name)) {
      errors.push({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: Errors.TOPIC_AUTHORIZATION_FAILED })) });
      continue;
    }
    const topic = image.topicsByName.get(t.name);
    const known = t.partitions.filter((p) => topic?.partitions.has(p.partitionIndex) === true);
    const unknown = t.partitions.filter((p) => topic?.partitions.has(p.partitionIndex) !== true);
    if (unknown.length > 0) errors.push({ name: t.name, partitions: unknown.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: Errors.UNKNOWN_TOPIC_OR_PARTITION })) });
    if (known.length > 0) valid.push({ ...t, partitions: known });
  }
  return { valid, errors };
}
