// The tables `kafka-consumer-groups` prints (Kafka 4.4's ConsumerGroupCommand and GroupOffsetsResetter), column for
// column: Java's printf "%-Ns" pads to N and never truncates; widths grow with the longest value as Kafka's do.

/** "-" where a value is unknown (ConsumerGroupCommand.MISSING_COLUMN_VALUE). */
export const MISSING = '-';

/** Java's `%-Ns`. */
function pad(value: string, width: number): string {
  return value.length >= width ? value : value + ' '.repeat(width - value.length);
}

/** A row of --describe --offsets (PartitionAssignmentState). */
export interface OffsetRow {
  readonly group: string;
  readonly topic: string;
  readonly partition: string;
  readonly currentOffset: string;
  readonly logEndOffset: string;
  readonly lag: string;
  readonly consumerId: string;
  readonly host: string;
  readonly clientId: string;
}

/** The --describe (--offsets) table of one group: "\nHEADER" then "\nrow" each, then a newline. */
export function formatOffsets(rows: readonly OffsetRow[]): string {
  const g = Math.max(15, ...rows.map((r) => r.group.length));
  const t = Math.max(15, ...rows.map((r) => r.topic.length));
  const c = Math.max(15, ...rows.map((r) => r.consumerId.length));
  const h = Math.max(15, ...rows.map((r) => r.host.length));
  const line = (v: string[]): string => `\n${pad(v[0]!, g)} ${pad(v[1]!, t)} ${pad(v[2]!, 10)} ${pad(v[3]!, 15)} ${pad(v[4]!, 15)} ${pad(v[5]!, 15)} ${pad(v[6]!, c)} ${pad(v[7]!, h)} ${v[8]}`;
  let out = line(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID']);
  for (const r of rows) out += line([r.group, r.topic, r.partition, r.currentOffset, r.logEndOffset, r.lag, r.consumerId, r.host, r.clientId]);
  return `${out}\n`;
}

/** A row of --describe --members (MemberAssignmentState). */
export interface MemberRow {
  readonly group: string;
  readonly consumerId: string;
  readonly groupInstanceId: string;
  readonly host: string;
  readonly clientId: string;
  readonly numPartitions: number;
}

/**
 * The --describe --members table of one group; GROUP-INSTANCE-ID appears when a member has one. When the group is
 * not `printable` (dead, or without members) the widths stay at their minimums; the header is printed regardless,
 * as Kafka's printMembers does.
 */
export function formatMembers(rows: readonly MemberRow[], printable: boolean): string {
  const sized = printable ? rows : [];
  const g = Math.max(15, ...sized.map((r) => r.group.length));
  const c = Math.max(15, ...sized.map((r) => r.consumerId.length));
  const i = Math.max(17, ...sized.map((r) => r.groupInstanceId.length));
  const h = Math.max(15, ...sized.map((r) => r.host.length));
  const cl = Math.max(15, ...sized.map((r) => r.clientId.length));
  const withInstance = sized.some((r) => r.groupInstanceId !== '');
  const line = (v: string[]): string => withInstance
    ? `${pad(v[0]!, g)} ${pad(v[1]!, c)} ${pad(v[2]!, i)} ${pad(v[3]!, h)} ${pad(v[4]!, cl)} ${pad(v[5]!, 15)} `
    : `${pad(v[0]!, g)} ${pad(v[1]!, c)} ${pad(v[3]!, h)} ${pad(v[4]!, cl)} ${pad(v[5]!, 15)} `;
  let out = `\n${line(['GROUP', 'CONSUMER-ID', 'GROUP-INSTANCE-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS'])}\n`;
  for (const r of rows) out += `${line([r.group, r.consumerId, r.groupInstanceId, r.host, r.clientId, String(r.numPartitions)])}\n`;
  return out;
}

/** The --describe --state table of one group. `coordinator` is "host:port  (id)". */
export function formatState(s: { group: string; coordinator: string; assignmentStrategy: string; state: string; members: number }): string {
  const c = Math.max(25, s.coordinator.length);
  const g = Math.max(15, s.group.length);
  const line = (v: string[]): string => `\n${pad(v[0]!, g)} ${pad(v[1]!, c)} ${pad(v[2]!, 20)} ${pad(v[3]!, 20)} ${v[4]}`;
  return `${line(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'])}${line([s.group, s.coordinator, s.assignmentStrategy === '' ? MISSING : s.assignmentStrategy, s.state, String(s.members)])}\n`;
}

/** --list --state: GROUP padded to the longest id (at least 15) plus 10, then STATE in 20. */
export function formatGroupStates(groups: readonly { groupId: string; state: string }[]): string {
  const g = Math.max(15, ...groups.map((x) => x.groupId.length)) + 10;
  return [{ groupId: 'GROUP', state: 'STATE' }, ...groups].map((x) => `${pad(x.groupId, g)} ${pad(x.state, 20)}\n`).join('');
}

/** The plan or result of --reset-offsets (GroupOffsetsResetter.printOffsetsToReset); no header when no group. */
export function formatOffsetsToReset(groups: ReadonlyMap<string, readonly { topic: string; partition: number; offset: bigint }[]>): string {
  const all = [...groups.values()].flat();
  const g = Math.max(15, ...[...groups.keys()].map((k) => k.length));
  const t = Math.max(15, ...all.map((o) => o.topic.length));
  const line = (v: string[]): string => `\n${pad(v[0]!, g)} ${pad(v[1]!, t)} ${pad(v[2]!, 10)} ${v[3]}`;
  let out = groups.size > 0 ? line(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET']) : '';
  for (const [group, offsets] of groups) for (const o of offsets) out += line([group, o.topic, String(o.partition), String(o.offset)]);
  return `${out}\n`;
}
