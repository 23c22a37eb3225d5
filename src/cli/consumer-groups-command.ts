// `kafka-broker consumer-groups`: Apache Kafka's kafka-consumer-groups.sh (ConsumerGroupCommand, Kafka 4.4) with its
// flags, argument rules, messages and tables: --list [--state], --describe [--offsets|--members|--state],
// --delete, --delete-offsets, --reset-offsets with --to-earliest/--to-latest/--to-current/--to-offset/--shift-by/
// --to-datetime/--by-duration over --all-topics or --topic t[:p,p], or --from-file, --dry-run (the default) or
// --execute; a reset is refused while the group is active, as Kafka. Not offered (refused as unknown options):
// --export, --verbose, --type, --validate-regex. Unlike Kafka's script, which exits 0 after an "Error: ..." line, every
// failure exits with 1.

import { Command } from 'commander';
import { checkInvalidArgs, checkRequiredArgs, givenOptions, PROCESS_OUTPUT, runTool, UsageError, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { ERROR_INFO } from '../protocol/generated/errors.ts';
import { AdminError } from './admin-client.ts';
import { formatGroupStates, formatMembers, formatOffsets, formatOffsetsToReset, formatState, MISSING, type OffsetRow } from './consumer-group-format.ts';
import { ConsumerGroupService, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, type GroupDescription } from './consumer-group-service.ts';
import { parseDuration, parseDateTime } from './reset-time-parse.ts';
import { deleteOffsets, parseResetPlan, type ResetPlan } from './consumer-group-offset-actions.ts';
import { exceptionClass } from './java-format.ts';
import { readFile } from 'node:fs/promises';

const ACTIONS = ['list', 'describe', 'delete', 'reset-offsets', 'delete-offsets'] as const;
const SCENARIOS = ['to-offset', 'shift-by', 'to-datetime', 'by-duration', 'to-earliest', 'to-latest', 'to-current', 'from-file'] as const;
const NO_EXECUTE_WARNING = 'WARN: No action will be performed as the --execute option is missing. In version 5.0, this command will require either --dry-run or --execute to be specified. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.\n';

interface GroupsOptions {
  bootstrapServer?: string;
  commandConfig?: string;
  group?: string[];
  topic?: string[];
  timeout: string;
  toOffset?: string;
  shiftBy?: string;
  toDatetime?: string;
  byDuration?: string;
  state?: string | true;
  fromFile?: string;
}

/** ConsumerGroupCommandOptions.checkArgs and the one-action rule of ConsumerGroupCommand.main. */
function checkArgs(given: ReadonlySet<string>, opts: GroupsOptions): void {
  checkRequiredArgs(given, 'bootstrap-server');
  const scope = '[group], [all-groups]';
  const hasScope = given.has('group') || given.has('all-groups');
  if (given.has('describe')) {
    if (!hasScope) throw new UsageError(`Option [describe] takes one of these options: ${scope}`);
    if (['members', 'offsets', 'state'].filter((o) => given.has(o)).length > 1) throw new UsageError('Option [describe] takes at most one of these options: [members], [offsets], [state]');
    if (given.has('state') && opts.state !== true) throw new UsageError('Option [describe] does not take a value for [state]');
  }
  if (given.has('delete')) {
    if (!hasScope) throw new UsageError(`Option [delete] takes one of these options: ${scope}`);
    if (given.has('topic')) throw new UsageError('The consumer does not support topic-specific offset deletion from a consumer group.');
  }
  if (given.has('delete-offsets') && !(given.has('group') && given.has('topic'))) throw new UsageError('Option [delete-offsets] takes the following options: [group], [topic]');
  if (given.has('reset-offsets')) {
    if (given.has('dry-run') && given.has('execute')) throw new UsageError('Option [reset-offsets] only accepts one of [execute] and [dry-run]');
    if (!hasScope) throw new UsageError(`Option [reset-offsets] takes one of these options: ${scope}`);
    for (const s of SCENARIOS) checkInvalidArgs(given, s, SCENARIOS);
  }
  for (const o of ['members', 'offsets']) if (given.has(o) && !given.has('describe')) throw new UsageError(`Option [${o}] is available only when [describe] is present`);
  if (given.has('state') && !given.has('describe') && !given.has('list')) throw new UsageError('Option [state] is available only when [describe] or [list] is present');
  checkInvalidArgs(given, 'group', ['all-groups']);
  checkInvalidArgs(given, 'group', ['list']);
  checkInvalidArgs(given, 'topic', ['list', 'describe']);
  if (ACTIONS.filter((a) => given.has(a)).length !== 1) throw new UsageError(`Command must include exactly one action: ${ACTIONS.map((a) => `--${a}`).join(', ')}`);
}

/**
 * ConsumerGroupService.shouldPrintMemberState: a dead group is an error; an empty one or one rebalancing gets a note
 * on stderr. Returns whether the group's rows are printed.
 */
function shouldPrint(group: GroupDescription, rows: number, io: ToolOutput, errors: string[]): boolean {
  switch (group.state) {
    case 'Dead':
      errors.push(`Consumer group '${group.groupId}' does not exist.`);
      io.out(`\nError: Consumer group '${group.groupId}' does not exist.\n`);
      return false;
    case 'Empty':
      io.err(`\nConsumer group '${group.groupId}' has no active members.\n`);
      break;
    case 'PreparingRebalance':
    case 'CompletingRebalance':
    case 'Assigning':
    case 'Reconciling':
      io.err(`\nWarning: Consumer group '${group.groupId}' is rebalancing.\n`);
      break;
    case 'Stable':
      break;
    default:
      throw new Error(`Expected a valid consumer group state, but found '${group.state}'.`);
  }
  return rows > 0;
}

/** The --describe --offsets rows of a group (collectGroupsOffsets): members by assignment size, then the rest. */
async function offsetRows(service: ConsumerGroupService, group: GroupDescription): Promise<OffsetRow[]> {
  const committed = await service.committedOffsets(group.groupId);
  const members = group.members.filter((m) => m.assignment.length > 0).sort((a, b) => b.assignment.length - a.assignment.length);
  const assigned = new Set(members.flatMap((m) => m.assignment.map(([t, p]) => `${t}-${p}`)));
  const unassigned = [...committed.values()].filter((c) => !assigned.has(`${c.topic}-${c.partition}`)).map((c) => [c.topic, c.partition] as const);
  const all = [...members.flatMap((m) => m.assignment), ...unassigned];
  const ends = await service.logOffsets(all, () => LATEST_TIMESTAMP);
  const rows = (tps: readonly (readonly [string, number])[], consumer: { consumerId: string; host: string; clientId: string }): OffsetRow[] =>
    [...tps].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1])).map(([topic, partition]) => {
      const offset = committed.get(`${topic}-${partition}`)?.offset;
      const end = ends.get(`${topic}-${partition}`);
      const lag = offset === undefined || end === undefined ? MISSING : String(end - offset);
      return { group: group.groupId, topic, partition: String(partition), currentOffset: offset === undefined ? MISSING : String(offset), logEndOffset: end === undefined ? MISSING : String(end), lag, ...consumer };
    });
  return [
    ...members.flatMap((m) => rows(m.assignment, { consumerId: m.consumerId, host: m.host, clientId: m.clientId })),
    ...(unassigned.length > 0 ? rows(unassigned, { consumerId: MISSING, host: MISSING, clientId: MISSING }) : []),
  ];
}

async function describe(service: ConsumerGroupService, groupIds: readonly string[], given: ReadonlySet<string>, io: ToolOutput, errors: string[]): Promise<void> {
  for (const groupId of [...groupIds].sort()) {
    const group = await service.describeGroup(groupId);
    if (given.has('members')) {
      const rows = group.members.map((m) => ({ group: groupId, consumerId: m.consumerId, groupInstanceId: m.groupInstanceId ?? '', host: m.host, clientId: m.clientId, numPartitions: m.assignment.length }));
      const printable = shouldPrint(group, rows.length, io, errors);
      io.out(formatMembers(rows, printable));
    } else if (given.has('state')) {
      if (shouldPrint(group, 1, io, errors)) {
        const coordinator = `${group.coordinator.host}:${group.coordinator.port}  (${group.coordinator.nodeId})`;
        io.out(formatState({ group: groupId, coordinator, assignmentStrategy: group.partitionAssignor, state: group.state, members: group.members.length }));
      }
    } else {
      const rows = group.state === 'Dead' ? [] : await offsetRows(service, group);
      if (shouldPrint(group, rows.length, io, errors)) io.out(formatOffsets(rows));
    }
  }
}

/** The partitions a reset applies to (getPartitionsToReset): --all-topics (the committed ones) or --topic t[:p,p]. */
async function partitionsToReset(service: ConsumerGroupService, groupId: string, opts: GroupsOptions, given: ReadonlySet<string>): Promise<[string, number][]> {
  if (given.has('all-topics')) return [...(await service.committedOffsets(groupId)).values()].map((c) => [c.topic, c.partition]);
  if (!given.has('topic')) {
    if (given.has('from-file')) return [];
    throw new UsageError('One of the reset scopes should be defined: --all-topics, --topic.');
  }
  const out: [string, number][] = [];
  const whole: string[] = [];
  for (const arg of opts.topic!) {
    if (!arg.includes(':')) {
      whole.push(arg);
      continue;
    }
    const parts = arg.split(':');
    if (parts.length !== 2) throw new UsageError(`Invalid topic arg '${arg}', expected topic name and partitions`);
    for (const p of parts[1]!.split(',')) {
      if (!/^[-+]?\d+$/.test(p)) throw new UsageError(`Invalid partition '${p}' specified in topic arg '${arg}''`);
      out.push([parts[0]!, Number(p)]);
    }
  }
  for (const p of await service.partitionsOf(whole)) out.push([p.topic, p.partition]);
  return out;
}

/** The new offsets of a reset (prepareOffsetsToReset), clamped to the log's range where Kafka clamps them. */
async function prepareOffsets(service: ConsumerGroupService, groupId: string, tps: [string, number][], opts: GroupsOptions, given: ReadonlySet<string>, io: ToolOutput, plan: ResetPlan | null): Promise<{ topic: string; partition: number; offset: bigint }[]> {
  const existing = await service.partitionsOf([...new Set(tps.map(([t]) => t))]);
  const missing = tps.filter(([t, p]) => !existing.some((e) => e.topic === t && e.partition === p));
  if (missing.length > 0) throw new Error(`The partitions "${missing.map(([t, p]) => `${t}-${p}`).join(',')}" do not exist`);
  const leaderless = tps.filter(([t, p]) => existing.some((e) => e.topic === t && e.partition === p && e.leader < 0));
  if (leaderless.length > 0) throw new Error(`The partitions "${leaderless.map(([t, p]) => `${t}-${p}`).join(',')}" have no leader`);
  const key = (t: string, p: number): string => `${t}-${p}`;
  const at = async (timestamp: bigint, what: string): Promise<Map<string, bigint>> => {
    const found = await service.logOffsets(tps, () => timestamp);
    for (const [t, p] of tps) if (found.get(key(t, p)) === undefined) throw new UsageError(`Error getting ${what} of topic partition: ${key(t, p)}`);
    return found;
  };
  const clamp = async (requested: Map<string, bigint>): Promise<Map<string, bigint>> => {
    const starts = await service.logOffsets(tps, () => EARLIEST_TIMESTAMP);
    const ends = await service.logOffsets(tps, () => LATEST_TIMESTAMP);
    return new Map([...requested].map(([k, o]) => {
      const end = ends.get(k);
      const start = starts.get(k);
      return [k, end !== undefined && o > end ? end : start !== undefined && o < start ? start : o];
    }));
  };
  const byTime = async (timestamp: bigint): Promise<Map<string, bigint>> => {
    const found = await service.logOffsets(tps, () => timestamp);
    const empty = tps.filter(([t, p]) => found.get(key(t, p)) === -1n);
    for (const [t, p] of empty) io.out(`\nWarn: Partition ${p} from topic ${t} is empty. Falling back to latest known offset.\n`);
    const ends = await service.logOffsets(empty, () => LATEST_TIMESTAMP);
    for (const [t, p] of empty) found.set(key(t, p), ends.get(key(t, p))!);
    for (const [t, p] of tps) if (found.get(key(t, p)) === undefined) throw new UsageError(`Error getting offset by timestamp of topic partition: ${key(t, p)}`);
    return found;
  };
  let offsets: Map<string, bigint>;
  if (given.has('to-offset')) offsets = await clamp(new Map(tps.map(([t, p]) => [key(t, p), parseLong('to-offset', opts.toOffset!)])));
  else if (given.has('to-earliest')) offsets = await at(EARLIEST_TIMESTAMP, 'starting offset');
  else if (given.has('to-latest')) offsets = await at(LATEST_TIMESTAMP, 'ending offset');
  else if (given.has('shift-by')) {
    const shift = parseLong('shift-by', opts.shiftBy!);
    const committed = await service.committedOffsets(groupId);
    offsets = await clamp(new Map(tps.map(([t, p]) => {
      const current = committed.get(key(t, p));
      if (current === undefined) throw new UsageError(`Cannot shift offset for partition ${key(t, p)} since there is no current committed offset`);
      return [key(t, p), current.offset + shift];
    })));
  } else if (given.has('to-datetime')) offsets = await byTime(BigInt(parseDateTime(opts.toDatetime!)));
  else if (plan !== null) {
    const planned = plan.get(groupId) ?? [];
    tps.push(...planned.map((o): [string, number] => [o.topic, o.partition]));
    offsets = await clamp(new Map(planned.map((o) => [key(o.topic, o.partition), o.offset])));
  }
  else if (given.has('by-duration')) offsets = await byTime(BigInt(Date.now() - parseDuration(opts.byDuration!)));
  else if (given.has('to-current')) {
    const committed = await service.committedOffsets(groupId);
    const ends = await service.logOffsets(tps, () => LATEST_TIMESTAMP);
    offsets = new Map(tps.map(([t, p]) => [key(t, p), committed.get(key(t, p))?.offset ?? ends.get(key(t, p))!]));
  } else {
    throw new UsageError(`Option '[reset-offsets]' requires one of the following scenarios: [${SCENARIOS.map((s) => `[${s}]`).join(', ')}]`);
  }
  return tps.map(([topic, partition]) => ({ topic, partition, offset: offsets.get(key(topic, partition))! })).sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

async function resetOffsets(service: ConsumerGroupService, groupIds: readonly string[], opts: GroupsOptions, given: ReadonlySet<string>, io: ToolOutput, errors: string[]): Promise<void> {
  const plan = given.has('from-file') ? parseResetPlan(await readFile(opts.fromFile!, 'utf8'), opts.group ?? []) : null;
  const result = new Map<string, { topic: string; partition: number; offset: bigint }[]>();
  for (const groupId of groupIds) {
    const group = await service.describeGroup(groupId);
    if (group.state !== 'Empty' && group.state !== 'Dead') {
      const message = `Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${group.state}.`;
      errors.push(message);
      io.out(`\nError: ${message}\n`);
      result.set(groupId, []);
      continue;
    }
    if (plan !== null && !plan.has(groupId)) {
      const message = `No reset plan for group ${groupId} found.`;
      errors.push(message);
      io.out(`\nError: ${message}\n`);
      result.set(groupId, []);
      continue;
    }
    const offsets = await prepareOffsets(service, groupId, await partitionsToReset(service, groupId, opts, given), opts, given, io, plan);
    if (given.has('execute')) await service.alterOffsets(groupId, offsets);
    result.set(groupId, offsets);
  }
  io.out(formatOffsetsToReset(result));
}

async function deleteGroups(service: ConsumerGroupService, groupIds: readonly string[], io: ToolOutput, errors: string[]): Promise<void> {
  const results = await service.deleteGroups(groupIds);
  const quoted = (ids: string[]): string => ids.map((g) => `'${g}'`).join(', ');
  const success = [...results].filter(([, e]) => e === null).map(([g]) => g);
  const failed = [...results].filter(([, e]) => e !== null) as [string, AdminError][];
  if (failed.length === 0) {
    io.out(`Deletion of requested consumer groups (${quoted(success)}) was successful.\n`);
    return;
  }
  errors.push('Deletion of some consumer groups failed:');
  io.out('\nError: Deletion of some consumer groups failed:\n');
  for (const [g, e] of failed) io.out(`* Group '${g}' could not be deleted due to: org.apache.kafka.common.errors.${exceptionClass(e.code)}: ${e.message}\n`);
  if (success.length > 0) io.out(`\nThese consumer groups were deleted successfully: ${quoted(success)}\n`);
}

/** jopt-simple's Long conversion. @throws UsageError with its message. */
function parseLong(name: string, value: string): bigint {
  if (!/^[-+]?\d+$/.test(value.trim())) throw new UsageError(`Cannot parse argument '${value}' of option ${name}`);
  return BigInt(value.trim());
}

/** The `consumer-groups` command; `io` gets what Kafka's tool prints on stdout and stderr. */
export function consumerGroupsCommand(io: ToolOutput = PROCESS_OUTPUT): Command {
  const command = new Command('consumer-groups')
    .description('This tool helps to list, describe, delete and manage the offsets of consumer groups (kafka-consumer-groups).')
    .option('--bootstrap-server <server to connect to>', 'REQUIRED: The server(s) to connect to.')
    .option('--command-config <command config property file>', 'Property file containing configs to be passed to Admin Client and Consumer.')
    .option('--group <group id>', 'The consumer group id.', (v: string, acc: string[] = []) => [...acc, v])
    .option('--topic <topic>', 'The topic whose offset information should be reset. In `reset-offsets` case, partitions can be specified using this format: `topic:0,1,2`, where 0,1,2 are the partitions to be included. Reset-offsets also supports multiple topics.', (v: string, acc: string[] = []) => [...acc, v])
    .option('--all-topics', 'Apply to all topics.')
    .option('--list', 'List all consumer groups.')
    .option('--describe', 'Describe consumer group and list offset lag (number of messages not yet processed) related to given group.')
    .option('--all-groups', 'Apply to all consumer groups.')
    .option('--delete', 'Delete topic partition offsets and ownership information for one or more consumer groups.')
    .option('--timeout <timeout (ms)>', 'The timeout that can be set for some use cases. For example, it can be used when describing the group to specify the maximum amount of time in milliseconds to wait before the group stabilizes (when the group is just created, or is going through some changes).', '30000')
    .option('--reset-offsets', 'Reset offsets of consumer group. Supports one consumer group at a time, and instances should be inactive. Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets. You must choose one of the following reset specifications: --to-datetime, --by-duration, --to-earliest, --to-latest, --shift-by, --to-current, --to-offset. To define the scope, use --all-topics or --topic.')
    .option('--dry-run', 'Output offset reset information without executing the operation. Supported operation: reset-offsets.')
    .option('--execute', 'Execute the offset reset operation. Supported operation: reset-offsets.')
    .option('--to-offset <offset>', 'Reset offsets to a specific offset.')
    .option('--to-datetime <datetime>', "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDThh:mm:ss.sss'")
    .option('--by-duration <duration>', "Reset offsets by duration from current timestamp. Format: 'PnDTnHnMnS'")
    .option('--to-earliest', 'Reset offsets to earliest offset.')
    .option('--to-latest', 'Reset offsets to latest offset.')
    .option('--to-current', 'Reset offsets to current offset.')
    .option('--from-file <path to CSV file>', 'Reset offsets to values defined in CSV file.')
    .option('--delete-offsets', 'Delete offsets of consumer group. Supports one consumer group at a time, and multiple topics.')
    .option('--shift-by <number-of-offsets>', "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative.")
    .option('--members', 'Describe members of the group. This option may be used with the --describe option only.')
    .option('--offsets', 'Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action of and may be used with the --describe option only.')
    .option('--state [state]', 'When specified with --describe, it displays the state of the group. When specified with --list, it displays the states of the groups. It can also be used to list groups with specific states (e.g. --list --state stable,empty). This option may be used with --describe and --list options only.');
  command.action(async (opts: GroupsOptions) => {
    const errors: string[] = [];
    await runTool(command, io, (message) => ({ stream: 'out', text: `\nError: Executing consumer group command failed due to ${message}\n` }), async () => {
      const given = givenOptions(command);
      checkArgs(given, opts);
      const timeoutMs = Number(parseLong('timeout', opts.timeout));
      await withAdminClient(opts.bootstrapServer!, opts.commandConfig, 'kafka-consumer-groups', async (client) => {
        const service = new ConsumerGroupService(client);
        const groupIds = async (): Promise<string[]> => (given.has('all-groups') ? (await service.listGroups([])).map((g) => g.groupId) : opts.group!);
        if (given.has('list')) {
          if (!given.has('state')) {
            for (const g of await service.listGroups([])) io.out(`${g.groupId}\n`);
            return;
          }
          const states = opts.state === true || opts.state === undefined || opts.state === '' ? [] : parseStates(opts.state);
          io.out(formatGroupStates(await service.listGroups(states.map((s) => s.toLowerCase()))));
        } else if (given.has('describe')) {
          await describe(service, await groupIds(), given, io, errors);
        } else if (given.has('delete')) {
          await deleteGroups(service, await groupIds(), io, errors);
        } else if (given.has('delete-offsets')) {
          await deleteOffsets(client, opts.group![0]!, opts.topic!, io, errors);
        } else {
          if (!given.has('dry-run') && !given.has('execute')) io.err(NO_EXECUTE_WARNING);
          await resetOffsets(service, await groupIds(), opts, given, io, errors);
        }
      }, timeoutMs);
    });
    if (errors.length > 0) process.exitCode = 1;
  });
  return command;
}

/** Kafka's groupStatesFromString. @throws UsageError naming the valid states. */
function parseStates(input: string): string[] {
  const valid = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling'];
  const states = input.split(',').map((s) => s.trim());
  for (const s of states) {
    if (!valid.some((v) => v.toLowerCase() === s.toLowerCase())) throw new UsageError(`Invalid state list '${input}'. Valid states are: ${['Unknown', ...valid].join(', ')}`);
  }
  return states;
}
