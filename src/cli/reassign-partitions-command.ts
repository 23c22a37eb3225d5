// `kafka-broker reassign-partitions`: Apache Kafka's kafka-reassign-partitions.sh (ReassignPartitionsCommand, Kafka
// 4.4), over KIP-455's AlterPartitionReassignments and ListPartitionReassignments:
// - --generate proposes replicas for the topics of --topics-to-move-json-file on --broker-list (AdminUtils' random
//   placement, rack aware unless --disable-rack-aware) and prints the current and proposed assignments as JSON;
// - --execute starts the reassignment of --reassignment-json-file (refused while another is ongoing unless
//   --additional) after printing the current assignment for a rollback; --throttle sets
//   leader/follower.replication.throttled.rate on every broker the moves touch and the topics'
//   leader/follower.replication.throttled.replicas;
// - --verify prints each partition's state and, once no reassignment is ongoing, removes the throttles unless
//   --preserve-throttles; --cancel cancels the listed partitions' reassignments; --list lists the ongoing ones.
// Failures print "Error: <message>" on stdout (Kafka's tool adds a stack trace; we do not) and exit with 1; refusals
// Kafka raises as TerseException print their message alone.
// Log directories: --generate and --execute print each replica's current one (DescribeLogDirs), as Kafka 4.4;
// --verify reports the replicas given one. Refused: moving a replica to another log directory (a log_dirs entry
// other than "any" or its current directory) and --replica-alter-log-dirs-throttle, since the broker has no
// AlterReplicaLogDirs; --disallow-replication-factor-change (AlterPartitionReassignments v1, KIP-860, not in our
// codecs); --bootstrap-controller.

import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { AdminError } from './admin-client.ts';
import { checkRequiredArgs, givenOptions, PROCESS_OUTPUT, runTool, UsageError, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { topicPartitionHash } from './java-format.ts';
import { javaHashMapOrder, javaStringHash } from './java-hash-map-order.ts';
import { SystemRandom, type Random } from '../common/random.ts';
import { StripedReplicaPlacer } from '../controller/striped-replica-placer.ts';
import { checkExecutable, compareTopicPartitions, duplicates, followerThrottles, formatReassignmentJson, leaderThrottles, parseReassignment, parseTopicsToMove, proposedMoveMap, reassigningBrokers, tpName, type PartitionReplicas, type ReassignmentData } from './reassignment-json.ts';
import { javaExceptionText, ReassignmentService } from './reassignment-service.ts';

const HELP_TEXT = 'This tool helps to move topic partitions between replicas.';
const ACTIONS = ['generate', 'execute', 'verify', 'cancel', 'list'] as const;
type Action = (typeof ACTIONS)[number];
/** The options each action allows besides itself (Kafka's requiredArgs and permittedArgs). */
const PERMITTED: Record<Action, readonly string[]> = {
  verify: ['reassignment-json-file', 'bootstrap-server', 'command-config', 'preserve-throttles'],
  generate: ['topics-to-move-json-file', 'broker-list', 'bootstrap-server', 'command-config', 'disable-rack-aware'],
  execute: ['reassignment-json-file', 'additional', 'bootstrap-server', 'command-config', 'throttle', 'replica-alter-log-dirs-throttle', 'timeout', 'disallow-replication-factor-change'],
  cancel: ['reassignment-json-file', 'bootstrap-server', 'command-config', 'preserve-throttles', 'timeout'],
  list: ['bootstrap-server', 'command-config'],
};
const REQUIRED: Record<Action, readonly string[]> = {
  verify: ['reassignment-json-file'],
  generate: ['topics-to-move-json-file', 'broker-list'],
  execute: ['reassignment-json-file'],
  cancel: ['reassignment-json-file'],
  list: [],
};
const CANNOT_EXECUTE_BECAUSE_OF_EXISTING = 'Cannot execute because there is an existing partition assignment.  Use --additional to override this and create a new partition assignment in addition to the existing one. The --additional flag can also be used to change the throttle by resubmitting the current reassignment.';
const MUST_RUN_VERIFY = 'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.';
const NO_LOG_DIR_MOVES = 'moving replicas between log directories is not supported by this broker (it has no AlterReplicaLogDirs)';

/** A refusal that Kafka's tool prints without "Error: " (its TerseException). */
class TerseError extends Error {}

interface ReassignOptions {
  bootstrapServer?: string;
  commandConfig?: string;
  reassignmentJsonFile?: string;
  topicsToMoveJsonFile?: string;
  brokerList?: string;
  throttle?: string;
  timeout?: string;
}

/** jopt-simple's Long option. @throws Error "Cannot parse argument 'x' of option name". */
function parseLong(name: string, value: string | undefined, fallback: bigint): bigint {
  if (value === undefined) return fallback;
  if (!/^[-+]?\d+$/.test(value) || BigInt(value) > 2n ** 63n - 1n || BigInt(value) < -(2n ** 63n)) throw new Error(`Cannot parse argument '${value}' of option ${name}`);
  return BigInt(value);
}

/** Kafka's argument checks (validateAndParseArgs), in its order. @returns the action. @throws UsageError. */
function validate(given: ReadonlySet<string>): Action {
  if (given.size === 0) throw new UsageError(HELP_TEXT);
  const actions = ACTIONS.filter((a) => given.has(a));
  if (actions.length !== 1) throw new UsageError(`Command must include exactly one action: ${ACTIONS.map((a) => `--${a}`).join(', ')}`);
  const action = actions[0]!;
  if (given.has('bootstrap-controller')) throw new UsageError('--bootstrap-controller is not supported by kafka-broker reassign-partitions: use --bootstrap-server');
  if (!given.has('bootstrap-server')) throw new UsageError('Please specify either --bootstrap-server or --bootstrap-controller');
  checkRequiredArgs(given, ...REQUIRED[action]);
  const other = [...given].find((o) => o !== action && !PERMITTED[action].includes(o));
  if (other !== undefined) throw new UsageError(`Option "[${other}]" can't be used with action "[${action}]"`);
  return action;
}

/** Utils.readFileAsString. @throws Error "Unable to read file <path>". */
async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    throw new Error(`Unable to read file ${path}`);
  }
}

/** A --reassignment-json-file. */
async function readReassignment(path: string): Promise<ReassignmentData> {
  return parseReassignment(await readText(path));
}

/** The replicas of `data` given a log directory, one per replica, for ReassignmentService.replicaLogDirs. */
const logDirReplicas = (data: ReassignmentData): PartitionReplicas[] => data.logDirs.map(([topic, partition, broker]) => ({ topic, partition, replicas: [broker] }));

/** Java's "s" of a plural. */
const plural = (n: number): string => (n === 1 ? '' : 's');

/** The `reassign-partitions` command; `io` gets what Kafka's tool prints; `random` is --generate's randomness (the placer's). */
export function reassignPartitionsCommand(io: ToolOutput = PROCESS_OUTPUT, random: Random = SystemRandom): Command {
  const command = new Command('reassign-partitions')
    .description(`${HELP_TEXT} (kafka-reassign-partitions)`)
    .option('--additional', 'Execute this reassignment in addition to any other ongoing ones. This option can also be used to change the throttle of an ongoing reassignment.')
    .option('--bootstrap-controller <bootstrap controller to connect to>', 'Not supported by this broker\'s tool (Kafka: the controller to use for --cancel and --list); use --bootstrap-server.')
    .option('--bootstrap-server <Server(s) to use for bootstrapping>', 'the server(s) to use for bootstrapping.')
    .option('--broker-list <brokerlist>', 'The list of brokers to which the partitions need to be reassigned in the form "0,1,2". This is required if --topics-to-move-json-file is used to generate reassignment configuration')
    .option('--cancel', 'Cancel an active reassignment.')
    .option('--command-config <Admin client property file>', 'Property file containing configs to be passed to Admin Client.')
    .option('--disable-rack-aware', 'Disable rack aware replica assignment')
    .option('--disallow-replication-factor-change', 'Not supported (refused): the broker\'s AlterPartitionReassignments has no allowReplicationFactorChange (KIP-860).')
    .option('--execute', 'Kick off the reassignment as specified by the --reassignment-json-file option.')
    .option('--generate', 'Generate a candidate partition reassignment configuration. Note that this only generates a candidate assignment, it does not execute it.')
    .option('--list', 'List all active partition reassignments.')
    .option('--preserve-throttles', 'Do not modify broker or topic throttles.')
    .option('--reassignment-json-file <manual assignment json file path>', 'The JSON file with the partition reassignment configuration. The format to use is - \n{"partitions":\n\t[{"topic": "foo",\n\t  "partition": 1,\n\t  "replicas": [1,2,3],\n\t  "log_dirs": ["any","any","any"] }],\n"version":1\n}\nNote that "log_dirs" is optional. When it is specified, its length must equal the length of the replicas list; each value is "any" or the replica\'s current log directory (this broker does not move replicas between log directories).')
    .option('--replica-alter-log-dirs-throttle <replicaAlterLogDirsThrottle>', 'Not supported: this broker does not move replicas between log directories (refused).')
    .option('--throttle <throttle>', 'The movement of partitions between brokers will be throttled to this value (bytes/sec). This option can be included with --execute when a reassignment is started, and it can be altered by resubmitting the current reassignment along with the --additional flag. The throttle rate should be at least 1 KB/s.')
    .option('--timeout <timeout>', 'The maximum time in ms to wait for log directory replica assignment to begin (no effect: log directory moves are not supported).')
    .option('--topics-to-move-json-file <topics to reassign json file path>', 'Generate a reassignment configuration to move the partitions of the specified topics to the list of brokers specified by the --broker-list option. The format to use is - \n{"topics":\n\t[{"topic": "foo"},{"topic": "foo1"}],\n"version":1\n}')
    .option('--verify', 'Verify if the reassignment completed as specified by the --reassignment-json-file option. If there is a throttle engaged for the replicas specified, and the rebalance has completed, the throttle will be removed');
  command.action(async (opts: ReassignOptions) => {
    await runTool(command, io, (message) => ({ stream: 'out', text: `Error: ${message}\n` }), async () => {
      const given = givenOptions(command);
      const action = validate(given);
      try {
        await withAdminClient(opts.bootstrapServer!, opts.commandConfig, 'reassign-partitions-tool', async (client) => {
          const service = new ReassignmentService(client);
          const tool = new ReassignTool(service, io);
          if (action === 'list') await tool.list();
          else if (action === 'generate') await tool.generate(await readText(opts.topicsToMoveJsonFile!), opts.brokerList!, !given.has('disable-rack-aware'), random);
          else if (action === 'verify') await tool.verify(await readReassignment(opts.reassignmentJsonFile!), given.has('preserve-throttles'));
          else if (action === 'cancel') await tool.cancel(await readReassignment(opts.reassignmentJsonFile!), given.has('preserve-throttles'));
          else {
            const data = await readReassignment(opts.reassignmentJsonFile!);
            const throttle = parseLong('throttle', opts.throttle, -1n);
            parseLong('timeout', opts.timeout, 10_000n);
            if (given.has('replica-alter-log-dirs-throttle')) throw new Error(`--replica-alter-log-dirs-throttle: ${NO_LOG_DIR_MOVES}`);
            if (given.has('disallow-replication-factor-change')) throw new Error('--disallow-replication-factor-change is not supported: the broker\'s AlterPartitionReassignments (v0) cannot validate the replication factor (KIP-860)');
            await tool.execute(data, given.has('additional'), throttle);
          }
        });
      } catch (e) {
        // An error a broker answered reaches Kafka's tool wrapped in an ExecutionException, whose message names it.
        if (e instanceof AdminError) throw new Error(javaExceptionText(e));
        if (!(e instanceof TerseError)) throw e;
        io.out(`${e.message}\n`);
        process.exitCode = 1;
      }
    });
  });
  return command;
}

/** The actions of the tool over a ReassignmentService, printing what Kafka's prints. */
class ReassignTool {
  readonly #service: ReassignmentService;
  readonly #io: ToolOutput;

  constructor(service: ReassignmentService, io: ToolOutput) {
    this.#service = service;
    this.#io = io;
  }

  /** --list: "No partition reassignments found." or one line per ongoing reassignment. */
  async list(): Promise<void> {
    const ongoing = await this.#service.list();
    const lines = ongoing.sort(compareTopicPartitions).map((r) => `${tpName(r)}: replicas: ${r.replicas.join(',')}.${r.adding.length === 0 ? '' : ` adding: ${r.adding.join(',')}.`}${r.removing.length === 0 ? '' : ` removing: ${r.removing.join(',')}.`}`);
    this.#io.out(lines.length === 0 ? 'No partition reassignments found.\n' : `Current partition reassignments:\n${lines.join('\n')}\n`);
  }

  /** --generate: the current and proposed assignments of the topics on the brokers of `brokerList`. */
  async generate(topicsJson: string, brokerList: string, rackAware: boolean, random: Random): Promise<void> {
    const brokerIds = brokerList.split(',').map((b) => {
      if (!/^[-+]?\d+$/.test(b) || Math.abs(Number(b)) > 2 ** 31 - 1) throw new Error(`For input string: "${b}"`);
      return Number(b);
    });
    const repeatedBrokers = duplicates(brokerIds);
    if (repeatedBrokers.length > 0) throw new Error(`Broker list contains duplicate entries: [${javaHashMapOrder(repeatedBrokers, (n) => n).join(', ')}]`);
    const topics = parseTopicsToMove(topicsJson);
    const repeatedTopics = duplicates(topics);
    if (repeatedTopics.length > 0) throw new Error(`List of topics to reassign contains duplicate entries: [${javaHashMapOrder(repeatedTopics, javaStringHash).join(', ')}]`);
    const current = await this.#service.replicas(topics);
    const logDirs = await this.#service.replicaLogDirs(current);
    const brokers = (await this.#service.brokers()).filter((b) => brokerIds.includes(b.id)).map((b) => ({ id: b.id, rack: rackAware ? b.rack : null, fenced: false }));
    const rackless = brokers.filter((b) => b.rack === null).length;
    if (rackAware && rackless !== 0 && rackless !== brokers.length) throw new Error('Not all brokers have rack information. Add --disable-rack-aware in command line to make replica assignment without rack information.');
    // Kafka 4.4 proposes with the controller's placer (StripedReplicaPlacer), every broker taken as unfenced.
    const placer = new StripedReplicaPlacer(random);
    const proposed: PartitionReplicas[] = [];
    for (const topic of new Set(current.map((p) => p.topic))) {
      const partitions = current.filter((p) => p.topic === topic);
      placer.place(partitions.length, partitions[0]!.replicas.length, brokers).forEach((replicas, partition) => proposed.push({ topic, partition, replicas }));
    }
    this.#io.out(`Current partition replica assignment\n${formatReassignmentJson(current, logDirs)}\n\n`);
    this.#io.out(`Proposed partition reassignment configuration\n${formatReassignmentJson(proposed)}\n`);
  }

  /** --execute: prints the current assignment, sets the throttles, starts the reassignment. */
  async execute(data: ReassignmentData, additional: boolean, throttle: bigint): Promise<void> {
    checkExecutable(data);
    const ongoing = await this.#service.list();
    if (!additional && ongoing.length > 0) throw new TerseError(CANNOT_EXECUTE_BECAUSE_OF_EXISTING);
    await this.#refuseLogDirMoves(data);
    const clusterIds = new Set((await this.#service.brokers()).map((b) => b.id));
    const unknown = data.partitions.flatMap((p) => p.replicas).find((b) => !clusterIds.has(b));
    if (unknown !== undefined) throw new Error(`Unknown broker id ${unknown}`);
    const wanted = new Set(data.partitions.map(tpName));
    const current = (await this.#service.replicas(data.partitions.map((p) => p.topic))).filter((p) => wanted.has(tpName(p)));
    const found = new Set(current.map(tpName));
    const missing = javaHashMapOrder(data.partitions.filter((p) => !found.has(tpName(p))), topicPartitionHash);
    if (missing.length > 0) throw new Error(`org.apache.kafka.common.errors.UnknownTopicOrPartitionException: Unable to find partition: ${missing.map(tpName).join(', ')}`);
    const logDirs = await this.#service.replicaLogDirs(current);
    this.#io.out(`Current partition replica assignment\n\n${formatReassignmentJson(current, logDirs)}\n\nSave this to use as the --reassignment-json-file option during rollback\n`);
    if (throttle >= 0n) {
      this.#io.out(`${MUST_RUN_VERIFY}\n`);
      const moves = proposedMoveMap(ongoing, data.partitions, new Map(current.map((p) => [tpName(p), p.replicas])));
      await this.#service.setTopicThrottles(leaderThrottles(moves), followerThrottles(moves));
      await this.#service.setBrokerThrottle(reassigningBrokers(moves), throttle);
      this.#io.out(`The inter-broker throttle limit was set to ${throttle} B/s\n`);
    }
    const errors = await this.#service.alter(data.partitions);
    if (errors.size > 0) {
      const lines = data.partitions.filter((p) => errors.has(tpName(p))).sort(compareTopicPartitions).map((p) => `${tpName(p)}: ${errors.get(tpName(p))!.message}`);
      throw new TerseError(`Error reassigning partition(s):\n${lines.join('\n')}`);
    }
    this.#io.out(`Successfully started partition reassignment${plural(data.partitions.length)} for ${[...data.partitions].sort(compareTopicPartitions).map(tpName).join(',')}\n`);
  }

  /** --verify: each partition's state; the throttles removed once nothing is being reassigned. */
  async verify(data: ReassignmentData, preserveThrottles: boolean): Promise<void> {
    const ongoing = await this.#service.list();
    const ongoingByName = new Map(ongoing.map((r) => [tpName(r), r]));
    const notFoundTopics = [...new Set(data.partitions.filter((p) => !ongoingByName.has(tpName(p))).map((p) => p.topic))];
    const described = new Map<string, readonly number[]>();
    for (const topic of notFoundTopics) {
      try {
        for (const p of await this.#service.replicas([topic])) described.set(tpName(p), p.replicas);
      } catch (e) {
        // An unknown topic is reported as a partition with no replicas, as Kafka's tool does.
        if (!(e instanceof Error && e.message.includes('UnknownTopicOrPartitionException'))) throw e;
      }
    }
    const states = new Map<string, { p: PartitionReplicas; current: readonly number[]; done: boolean }>();
    for (const p of data.partitions) {
      const r = ongoingByName.get(tpName(p));
      states.set(tpName(p), r === undefined ? { p, current: described.get(tpName(p)) ?? [], done: true } : { p, current: r.replicas, done: false });
    }
    const lines = ['Status of partition reassignment:'];
    for (const { p, current, done } of [...states.values()].sort((a, b) => compareTopicPartitions(a.p, b.p))) {
      if (!done) lines.push(`Reassignment of partition ${tpName(p)} is still in progress.`);
      else if (current.join(',') === p.replicas.join(',')) lines.push(`Reassignment of partition ${tpName(p)} is completed.`);
      else lines.push(`There is no active reassignment of partition ${tpName(p)}, but replica set is ${current.join(',')} rather than ${p.replicas.join(',')}.`);
    }
    this.#io.out(`${lines.join('\n')}\n`);
    const movesDone = await this.#verifyLogDirs(data);
    if (ongoing.length === 0 && movesDone && !preserveThrottles) await this.#clearAllThrottles(data);
  }

  /** --cancel: cancels the listed partitions' reassignments, then removes the throttles unless preserved. */
  async cancel(data: ReassignmentData, preserveThrottles: boolean): Promise<void> {
    const ongoing = await this.#service.list(data.partitions);
    // A listed partition that adds or removes replicas.
    const cancelling = ongoing.filter((r) => r.adding.length > 0 || r.removing.length > 0).sort(compareTopicPartitions);
    if (cancelling.length > 0) {
      const errors = await this.#service.alter(cancelling.map((r) => ({ topic: r.topic, partition: r.partition, replicas: null })));
      if (errors.size > 0) {
        const lines = cancelling.filter((r) => errors.has(tpName(r))).map((r) => `${tpName(r)}: ${errors.get(tpName(r))!.message}`);
        throw new TerseError(`Error cancelling partition reassignment${plural(errors.size)} for:\n${lines.join('\n')}`);
      }
      this.#io.out(`Successfully cancelled partition reassignment${plural(cancelling.length)} for: ${cancelling.map(tpName).join(',')}\n`);
    } else {
      this.#io.out('None of the specified partition reassignments are active.\n');
    }
    // No replica of this broker ever has a future log directory (no AlterReplicaLogDirs): no move is active. Kafka
    // prints this line without a line break.
    this.#io.out('None of the specified partition moves are active.');
    if (!preserveThrottles) await this.#clearAllThrottles(data);
  }

  /**
   * Refuses a log directory other than "any" unless it is where the replica already is (a rollback file written by
   * --generate or --execute names the current directories): the broker has no AlterReplicaLogDirs to move one.
   */
  async #refuseLogDirMoves(data: ReassignmentData): Promise<void> {
    if (data.logDirs.length === 0) return;
    const current = await this.#service.replicaLogDirs(logDirReplicas(data));
    const move = data.logDirs.find(([topic, partition, broker, dir]) => current.get(`${topic}-${partition}-${broker}`) !== dir);
    if (move !== undefined) throw new Error(`Cannot move replica ${move[0]}-${move[1]}-${move[2]} to log dir ${move[3]}: ${NO_LOG_DIR_MOVES}; use "any" or its current log dir`);
  }

  /**
   * Prints the state of each replica given a log directory (Kafka's replicaMoveStatesToString, by broker, topic,
   * partition), an empty line when there is none. @returns whether every one is done (in place, or not moving).
   */
  async #verifyLogDirs(data: ReassignmentData): Promise<boolean> {
    const current = data.logDirs.length === 0 ? new Map<string, string>() : await this.#service.replicaLogDirs(logDirReplicas(data));
    const sorted = [...data.logDirs].sort((a, b) => a[2] - b[2] || compareTopicPartitions({ topic: a[0], partition: a[1] }, { topic: b[0], partition: b[1] }));
    let done = true;
    const lines = sorted.map(([topic, partition, broker, target]) => {
      const dir = current.get(`${topic}-${partition}-${broker}`);
      if (dir === undefined) {
        done = false;
        return `Partition ${topic}-${partition} cannot be found in any live log directory on broker ${broker}.`;
      }
      if (dir === target) return `Reassignment of replica ${topic}-${partition}-${broker} completed successfully.`;
      return `Partition ${topic}-${partition} on broker ${broker} is not being moved from log dir ${dir} to ${target}.`;
    });
    this.#io.out(`${lines.join('\n')}\n`);
    return done;
  }

  /** Kafka's clearAllThrottles: every broker of the cluster and of the targets, every topic of the targets. */
  async #clearAllThrottles(data: ReassignmentData): Promise<void> {
    const brokers = javaHashMapOrder([...new Set([...(await this.#service.brokers()).map((b) => b.id), ...data.partitions.flatMap((p) => p.replicas)])], (n) => n);
    this.#io.out(`Clearing broker-level throttles on broker${plural(brokers.length)} ${brokers.join(',')}\n`);
    const topics = javaHashMapOrder([...new Set(data.partitions.map((p) => p.topic))], javaStringHash);
    await this.#service.clearThrottles(brokers, []);
    this.#io.out(`Clearing topic-level throttles on topic${plural(topics.length)} ${topics.join(',')}\n`);
    await this.#service.clearThrottles([], topics);
  }
}
