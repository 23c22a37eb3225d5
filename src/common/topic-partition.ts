/** A partition of a topic, Kafka's TopicPartition. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** The "<topic>-<partition>" form Kafka uses for partition directories and map keys. */
export function topicPartitionKey(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}
