// Two parts of Kafka 4.4's kafka-consumer-groups that `kafka-broker consumer-groups` takes from here: --delete-offsets
// (ConsumerGroupService.deleteOffsets: OffsetDelete at the group coordinator, its messages and TOPIC/PARTITION/STATUS
// table) and the reset plan of --reset-offsets --from-file (GroupOffsetsResetter.parseResetPlan: CSV lines
// `topic,partition,offset` for one group, or `group,topic,partition,offset`).

import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { ERROR_INFO, Errors } from '../protocol/generated/errors.ts';
import type { MetadataResponse } from '../protocol/generated/messages/metadata-response.ts';
import type { OffsetDeleteResponse } from '../protocol/generated/messages/offset-delete-response.ts';
import { AdminError, type AdminClient } from './admin-client.ts';
import type { ToolOutput } from './admin-tool.ts';
import { exceptionClass } from './java-format.ts';

/** Kafka's MISSING_COLUMN_VALUE. */
const MISSING = '-';
/** Top-level OffsetDelete errors that fail the whole group (Kafka's DeleteConsumerGroupOffsetsHandler). */
const GROUP_ERRORS: ReadonlySet<number> = new Set([Errors.INVALID_GROUP_ID, Errors.GROUP_ID_NOT_FOUND, Errors.GROUP_AUTHORIZATION_FAILED, Errors.NON_EMPTY_GROUP]);
const PARTITION_ERRORS: ReadonlySet<number> = new Set([Errors.GROUP_SUBSCRIBED_TO_TOPIC, Errors.TOPIC_AUTHORIZATION_FAILED, Errors.UNKNOWN_TOPIC_OR_PARTITION]);

/** What Java prints for the exception of error `code` (ExecutionException.getMessage: the cause's toString). */
function errorText(code: number): string {
  return `org.apache.kafka.common.errors.${exceptionClass(code)}: ${new AdminError(code, null).message}`;
}

/** One row of the --delete-offsets table: partition -1 stands for a topic that could not be described. */
interface DeleteOffsetsRow {
  readonly topic: string;
  readonly partition: number;
  /** null when the offset was deleted. */
  readonly error: string | null;
}

/**
 * `--delete-offsets --group g --topic t[:p,p]...`: deletes the group's committed offsets of those partitions (every
 * partition of a topic given without partitions) and prints Kafka's result line and table. Errors go to `errors`
 * (the command then exits with 1).
 * @throws Error when the coordinator cannot be reached.
 */
export async function deleteOffsets(client: AdminClient, groupId: string, topicArgs: readonly string[], io: ToolOutput, errors: string[]): Promise<void> {
  const rows: DeleteOffsetsRow[] = [];
  const partitions: [string, number][] = [];
  const whole: string[] = [];
  for (const arg of new Set(topicArgs)) {
    if (!arg.includes(':')) {
      whole.push(arg);
      continue;
    }
    const [topic, list] = arg.split(':') as [string, string];
    for (const p of list.split(',')) partitions.push([topic, Number(p)]);
  }
  if (whole.length > 0) {
    const metadata = await client.send<MetadataResponse>(ApiKeys.Metadata, { topics: whole.map((name) => ({ name })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, { version: { min: 10 } });
    for (const t of metadata.topics) {
      if (t.errorCode !== Errors.NONE) rows.push({ topic: t.name!, partition: -1, error: errorText(t.errorCode) });
      else for (const p of t.partitions) partitions.push([t.name!, p.partitionIndex]);
    }
  }
  const unique = [...new Map(partitions.map((tp) => [`${tp[0]}-${tp[1]}`, tp])).values()];
  const coordinator = await client.groupCoordinator(groupId);
  const topics = [...new Set(unique.map(([t]) => t))].map((name) => ({ name, partitions: unique.filter(([t]) => t === name).map(([, partitionIndex]) => ({ partitionIndex })) }));
  const response = await client.send<OffsetDeleteResponse>(ApiKeys.OffsetDelete, { groupId, topics }, { node: coordinator });
  let topLevel: number = Errors.NONE;
  if (response.errorCode !== Errors.NONE) {
    topLevel = response.errorCode;
    for (const [topic, partition] of unique) rows.push({ topic, partition, error: errorText(response.errorCode) });
  } else {
    for (const [topic, partition] of unique) {
      const code = response.topics.find((t) => t.name === topic)?.partitions.find((p) => p.partitionIndex === partition)?.errorCode ?? Errors.UNKNOWN_SERVER_ERROR;
      if (code !== Errors.NONE && topLevel === Errors.NONE) topLevel = code;
      rows.push({ topic, partition, error: code === Errors.NONE ? null : errorText(code) });
    }
  }
  if (topLevel === Errors.NONE) {
    io.out(`Request succeeded for deleting offsets from group ${groupId}.\n`);
  } else {
    const message = GROUP_ERRORS.has(topLevel)
      ? new AdminError(topLevel, null).message
      : PARTITION_ERRORS.has(topLevel)
        ? 'Encountered some partition-level error, see the follow-up details.'
        : `Encountered some unknown error: ${ERROR_INFO[topLevel]?.name ?? topLevel}`;
    errors.push(message);
    io.out(`\nError: ${message}\n`);
  }
  const width = Math.max(15, ...rows.map((r) => r.topic.length));
  const line = (topic: string, partition: string, status: string): string => `\n${topic.padEnd(width)} ${partition.padEnd(10)} ${status.padEnd(15)}`;
  let table = line('TOPIC', 'PARTITION', 'STATUS');
  // Kafka sorts the rows by the text topic + partition.
  const sortKey = (r: DeleteOffsetsRow): string => `${r.topic}${r.partition}`;
  for (const r of [...rows].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0))) {
    table += line(r.topic, r.partition >= 0 ? String(r.partition) : MISSING, r.error === null ? 'Successful' : `Error: ${r.error}`);
  }
  io.out(`${table}\n`);
}

/** A reset plan: group → offsets to commit. */
export type ResetPlan = Map<string, { topic: string; partition: number; offset: bigint }[]>;

/** One CSV line as `columns` fields (Jackson's CSV reader of Kafka's CsvRecordNoGroup / CsvRecordWithGroup), or null. */
function csvFields(line: string, columns: number): string[] | null {
  const fields = line.replace(/\r$/, '').split(',');
  if (fields.length !== columns) return null;
  const [partition, offset] = fields.slice(-2) as [string, string];
  return /^[-+]?\d+$/.test(partition.trim()) && /^[-+]?\d+$/.test(offset.trim()) ? fields : null;
}

/**
 * GroupOffsetsResetter.parseResetPlan: with one --group and a first line of three columns, every line is
 * `topic,partition,offset` for that group; otherwise every line is `group,topic,partition,offset`.
 * @throws Error naming the first line that does not parse.
 */
export function parseResetPlan(csv: string, groups: readonly string[]): ResetPlan {
  const lines = csv.split('\n');
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const noGroup = groups.length === 1 && lines.length > 0 && csvFields(lines[0]!, 3) !== null;
  const plan: ResetPlan = new Map();
  for (const line of lines) {
    const fields = csvFields(line, noGroup ? 3 : 4);
    if (fields === null) throw new Error(`Invalid line in the reset plan (expected ${noGroup ? 'topic,partition,offset' : 'group,topic,partition,offset'}): '${line}'`);
    const [group, topic, partition, offset] = noGroup ? [groups[0]!, ...fields] : fields;
    const list = plan.get(group!) ?? [];
    list.push({ topic: topic!, partition: Number(partition!.trim()), offset: BigInt(offset!.trim()) });
    plan.set(group!, list);
  }
  return plan;
}
