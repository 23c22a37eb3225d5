// `kafka-broker topics`: Apache Kafka's kafka-topics.sh (TopicCommand, Kafka 4.4) with its flags, argument rules,
// messages and output: --create/--list/--describe/--alter/--delete, --under-replicated-partitions,
// --unavailable-partitions, --under-min-isr-partitions, --at-min-isr-partitions, --topics-with-overrides,
// --exclude-internal, --if-exists/--if-not-exists. Failures print "Error while executing topic command : <message>"
// on stdout and exit with 1, as Kafka's script.

import { Command } from 'commander';
import { uuidDecodeError } from '../config/cluster-id.ts';
import { checkInvalidArgs, checkRequiredArgs, givenOptions, parseIntOption, PROCESS_OUTPUT, runTool, UsageError, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { formatPartitionLine, formatTopicLine, replicationFactor, type PartitionInfo, type PartitionReassignment } from './topic-description-format.ts';
import { isInternalTopic, TopicService, type TopicDescription } from './topic-service.ts';
import { javaHashMapOrder, javaStringHash } from './java-hash-map-order.ts';
import { AdminError } from './admin-client.ts';
import { Errors } from '../protocol/generated/errors.ts';

/** A HashMap<String, ...> key's hash: its name's String.hashCode. */
const byName = (x: { readonly name: string }): number => javaStringHash(x.name);

const ACTIONS = ['create', 'list', 'alter', 'describe', 'delete'] as const;
/** Kafka's allTopicLevelOpts, in a fixed order for the messages. */
const TOPIC_LEVEL = ['alter', 'create', 'describe', 'list', 'delete'] as const;
const REPORTS = ['under-replicated-partitions', 'under-min-isr-partitions', 'at-min-isr-partitions', 'unavailable-partitions'] as const;
const CONFIGS_HINT = ' (To alter topic configurations, the kafka-configs tool can be used.)';

interface TopicsOptions {
  bootstrapServer?: string;
  commandConfig?: string;
  topic?: string;
  topicId?: string;
  config?: string[];
  partitions?: string;
  replicationFactor?: string;
  replicaAssignment?: string;
  partitionSizeLimitPerResponse?: string;
}

/** All topic-level options but `keep` (TopicCommandOptions.invalidOptions), plus `add`. */
function invalidOptions(keep: readonly string[], add: readonly string[] = []): string[] {
  return [...TOPIC_LEVEL.filter((o) => !keep.includes(o)), ...add];
}

/** TopicCommandOptions.checkArgs: one action, the options each needs, and the options none may combine. */
function checkArgs(given: ReadonlySet<string>): void {
  if (ACTIONS.filter((a) => given.has(a)).length !== 1) throw new UsageError('Command must include exactly one action: --list, --describe, --create, --alter or --delete');
  if (!given.has('bootstrap-server')) throw new Error('--bootstrap-server must be specified');
  if (given.has('describe') && given.has('if-exists') && !given.has('topic') && !given.has('topic-id')) throw new UsageError('--topic or --topic-id is required to describe a topic');
  if (!given.has('list') && !given.has('describe')) checkRequiredArgs(given, 'topic');
  if (given.has('alter')) {
    if (given.has('config')) throw new UsageError(`Option combination "[bootstrap-server, config]" can't be used with option "[alter]"${CONFIGS_HINT}`);
    checkRequiredArgs(given, 'partitions');
  }
  checkInvalidArgs(given, 'config', invalidOptions(['alter', 'create']));
  checkInvalidArgs(given, 'partitions', invalidOptions(['alter', 'create']));
  checkInvalidArgs(given, 'replication-factor', invalidOptions(['create']));
  checkInvalidArgs(given, 'replica-assignment', invalidOptions(['alter', 'create']));
  if (given.has('create')) checkInvalidArgs(given, 'replica-assignment', ['partitions', 'replication-factor']);
  for (const report of REPORTS) checkInvalidArgs(given, report, invalidOptions(['describe', report], ['topics-with-overrides']));
  checkInvalidArgs(given, 'topics-with-overrides', invalidOptions(['describe'], REPORTS));
  checkInvalidArgs(given, 'if-exists', invalidOptions(['alter', 'delete', 'describe']));
  checkInvalidArgs(given, 'if-not-exists', invalidOptions(['create']));
  checkInvalidArgs(given, 'exclude-internal', invalidOptions(['list', 'describe']));
}

/**
 * Kafka's parseReplicaAssignment: `1:2,3:4` is partition 0 on brokers 1,2 and partition 1 on 3,4.
 * @throws Error for duplicates in a partition, or partitions of different replication factors.
 */
export function parseReplicaAssignment(value: string): number[][] {
  return value.split(',').map((part, i, all) => {
    const brokers = part.split(':').map((s) => {
      const n = Number(s.trim());
      if (!/^[-+]?\d+$/.test(s.trim())) throw new Error(`For input string: "${s.trim()}"`);
      return n;
    });
    const duplicates = [...new Set(brokers.filter((b, j) => brokers.indexOf(b) !== j))];
    if (duplicates.length > 0) throw new Error(`Partition replica lists may not contain duplicate entries: ${duplicates.join(',')}`);
    const first = all[0]!.split(':').length;
    if (brokers.length !== first) throw new Error(`Partition ${i} has different replication factor: [${brokers.join(', ')}]`);
    return brokers;
  });
}

/** Kafka's parseTopicConfigsToBeAdded: each --config is key=value. @throws Error with Kafka's message otherwise. */
export function parseTopicConfigs(values: readonly string[]): Map<string, string> {
  const configs = new Map<string, string>();
  for (const value of values) {
    const pair = value.split(/\s*=\s*/);
    if (pair.length !== 2) throw new Error('requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".');
    configs.set(pair[0]!.trim(), pair[1]!.trim());
  }
  return configs;
}

/** TopicCommand.ensureTopicExists. */
function ensureTopicExists(found: readonly string[], requested: string | undefined, requireExists: boolean): void {
  if (requested !== undefined && requested !== '' && requireExists && found.length === 0) throw new Error(`Topic '${requested}' does not exist as expected`);
}

async function describe(service: TopicService, opts: TopicsOptions, given: ReadonlySet<string>, io: ToolOutput): Promise<void> {
  let names: string[];
  if (opts.topicId !== undefined && opts.topicId !== 'AAAAAAAAAAAAAAAAAAAAAA') {
    const invalid = uuidDecodeError(opts.topicId);
    if (invalid !== null) throw new Error(invalid);
    const ids = await service.topicIds();
    names = [...ids].filter(([name, id]) => id === opts.topicId && !(given.has('exclude-internal') && isInternalTopic(name))).map(([name]) => name);
    if (names.length === 0 && !given.has('if-exists')) throw new Error(`TopicId '${opts.topicId}' does not exist as expected`);
  } else {
    names = await service.topics(opts.topic, given.has('exclude-internal'));
    ensureTopicExists(names, opts.topic, !given.has('if-exists'));
  }
  if (names.length === 0) return;
  const limit = opts.partitionSizeLimitPerResponse === undefined ? 2000 : parseIntOption('partition-size-limit-per-response', opts.partitionSizeLimitPerResponse);
  // Kafka's tool prints the topics in the order of Admin.describeTopics' result: a HashMap sized for the names, filled
  // from a default-sized HashMap of futures keyed by the (sorted) names.
  const described = await service.describe(names, limit);
  const topics = javaHashMapOrder(javaHashMapOrder(described, byName), byName, described.length);
  const configs = await service.configs(topics.map((t) => t.name));
  const liveBrokers = await service.liveBrokers();
  const reassignments = await service.reassignments(topics);
  const reports = REPORTS.filter((r) => given.has(r));
  const overrides = given.has('topics-with-overrides');
  for (const topic of topics) {
    const entries = configs.get(topic.name) ?? [];
    // A Config keeps its entries in a HashMap: Kafka's tool lists them in its order.
    const nonDefault = javaHashMapOrder(entries, byName).filter((c) => !c.isDefault);
    if (reports.length === 0 && (!overrides || nonDefault.length > 0)) {
      const first = topic.partitions[0];
      const rf = first === undefined ? 0 : replicationFactor(first, reassignments.get(`${topic.name}-${first.partition}`));
      io.out(formatTopicLine({ name: topic.name, topicId: topic.topicId, partitionCount: topic.partitions.length, replicationFactor: rf, configs: nonDefault }));
    }
    if (overrides) continue;
    const minIsr = Number(entries.find((c) => c.name === 'min.insync.replicas')?.value ?? '1');
    for (const p of topic.partitions) {
      const reassignment = reassignments.get(`${topic.name}-${p.partition}`);
      if (reports.length === 0 || reports.some((r) => matchesReport(r, p, reassignment, minIsr, liveBrokers))) io.out(formatPartitionLine(topic.name, p, reassignment));
    }
  }
}

/** TopicCommand.PartitionDescription's isUnderReplicated, isUnderMinIsr, isAtMinIsrPartitions, hasUnavailablePartitions. */
function matchesReport(report: (typeof REPORTS)[number], p: PartitionInfo, reassignment: PartitionReassignment | undefined, minIsr: number, liveBrokers: ReadonlySet<number>): boolean {
  switch (report) {
    case 'under-replicated-partitions':
      return replicationFactor(p, reassignment) - p.isr.length > 0;
    case 'under-min-isr-partitions':
      return p.leader < 0 || p.isr.length < minIsr;
    case 'at-min-isr-partitions':
      return p.isr.length === minIsr;
    case 'unavailable-partitions':
      return p.leader < 0 || !liveBrokers.has(p.leader);
  }
}

async function create(service: TopicService, opts: TopicsOptions, given: ReadonlySet<string>, io: ToolOutput): Promise<void> {
  const name = opts.topic!;
  const configs = parseTopicConfigs(opts.config ?? []);
  const assignment = opts.replicaAssignment === undefined || opts.replicaAssignment === '' ? null : parseReplicaAssignment(opts.replicaAssignment);
  const partitions = opts.partitions === undefined ? -1 : parseIntOption('partitions', opts.partitions);
  const rf = opts.replicationFactor === undefined ? -1 : parseIntOption('replication-factor', opts.replicationFactor);
  if (name.includes('_') || name.includes('.')) {
    io.out("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\n");
  }
  if (opts.replicationFactor !== undefined && (rf > 32767 || rf < 1)) throw new Error('The replication factor must be between 1 and 32767 inclusive');
  if (opts.partitions !== undefined && partitions < 1) throw new Error('The partitions must be greater than 0');
  try {
    await service.create({ name, numPartitions: partitions, replicationFactor: rf, assignment, configs });
  } catch (e) {
    if (given.has('if-not-exists') && e instanceof AdminError && e.code === Errors.TOPIC_ALREADY_EXISTS) return;
    throw e;
  }
  io.out(`Created topic ${name}.\n`);
}

async function alter(service: TopicService, opts: TopicsOptions, given: ReadonlySet<string>): Promise<void> {
  const count = parseIntOption('partitions', opts.partitions!);
  const assignment = opts.replicaAssignment === undefined || opts.replicaAssignment === '' ? null : parseReplicaAssignment(opts.replicaAssignment);
  const names = await service.topics(opts.topic, given.has('exclude-internal'));
  ensureTopicExists(names, opts.topic, !given.has('if-exists'));
  if (names.length === 0) return;
  let current: TopicDescription[] = [];
  if (assignment !== null) current = await service.describe(names, 2000);
  // With --replica-assignment, the entries past the existing partitions are the new partitions' replicas.
  await service.createPartitions(new Map(names.map((name) => {
    const existing = current.find((t) => t.name === name)?.partitions.length ?? 0;
    return [name, { count, assignment: assignment === null ? null : assignment.slice(existing) }];
  })));
}

/** The `topics` command; `io` gets what Kafka's tool prints on stdout and stderr. */
export function topicsCommand(io: ToolOutput = PROCESS_OUTPUT): Command {
  const command = new Command('topics')
    .description('This tool helps to create, delete, describe, or change a topic (kafka-topics).')
    .option('--bootstrap-server <server to connect to>', 'REQUIRED: The Kafka server to connect to.')
    .option('--command-config <command config property file>', 'Property file containing configs to be passed to Admin Client.')
    .option('--list', 'List all available topics.')
    .option('--create', 'Create a new topic.')
    .option('--delete', 'Delete a topic.')
    .option('--alter', `Alter the number of partitions and replica assignment.${CONFIGS_HINT}`)
    .option('--describe', 'List details for the given topics.')
    .option('--topic <topic>', "The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option. Put topic name in double quotes and use the '\\' prefix to escape regular expression symbols; e.g. \"test\\.topic\".")
    .option('--topic-id <topic-id>', 'The topic-id to describe.')
    .option('--config <name=value>', `A topic configuration override for the topic being created. See the Kafka documentation for full details on the topic configs. It is supported only in combination with --create.${CONFIGS_HINT}`, (v: string, acc: string[] = []) => [...acc, v])
    .option('--partitions <# of partitions>', 'The number of partitions for the topic being created or altered. If not supplied with --create, the topic uses the cluster default. (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected).')
    .option('--replication-factor <replication factor>', 'The replication factor for each partition in the topic being created. If not supplied, the topic uses the cluster default.')
    .option('--replica-assignment <assignment>', 'A list of manual partition-to-broker assignments for the topic being created or altered: broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...')
    .option('--under-replicated-partitions', 'If set when describing topics, only show under-replicated partitions.')
    .option('--unavailable-partitions', 'If set when describing topics, only show partitions whose leader is not available.')
    .option('--under-min-isr-partitions', 'If set when describing topics, only show partitions whose isr count is less than the configured minimum.')
    .option('--at-min-isr-partitions', 'If set when describing topics, only show partitions whose isr count is equal to the configured minimum.')
    .option('--topics-with-overrides', 'If set when describing topics, only show topics that have overridden configs.')
    .option('--if-exists', 'If set when altering or deleting or describing topics, the action will only execute if the topic exists.')
    .option('--if-not-exists', 'If set when creating topics, the action will only execute if the topic does not already exist.')
    .option('--exclude-internal', 'Exclude internal topics when listing or describing topics. By default, the internal topics are included.')
    .option('--partition-size-limit-per-response <maximum number of partitions per response>', 'The maximum partition size to be included in one DescribeTopicPartitions response.');
  command.action(async (opts: TopicsOptions) => {
    await runTool(command, io, (message) => ({ stream: 'out', text: `Error while executing topic command : ${message}\n` }), async () => {
      const given = givenOptions(command);
      checkArgs(given);
      await withAdminClient(opts.bootstrapServer!, opts.commandConfig, 'kafka-topics', async (client) => {
        const service = new TopicService(client);
        if (given.has('create')) await create(service, opts, given, io);
        else if (given.has('list')) io.out(`${(await service.topics(opts.topic, given.has('exclude-internal'))).join('\n')}\n`);
        else if (given.has('describe')) await describe(service, opts, given, io);
        else if (given.has('alter')) await alter(service, opts, given);
        else {
          const names = await service.topics(opts.topic, given.has('exclude-internal'));
          ensureTopicExists(names, opts.topic, !given.has('if-exists'));
          await service.delete(names);
        }
      });
    });
  });
  return command;
}
