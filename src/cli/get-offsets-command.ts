// `kafka-broker get-offsets`: Apache Kafka's kafka-get-offsets.sh (GetOffsetShell, Kafka 4.4) with its flags,
// messages and output: one `topic:partition:offset` line per partition, sorted by "topic-partition", for --time
// latest (-1), earliest (-2), max-timestamp (-3), earliest-local (-4), latest-tiered (-5), earliest-pending-upload
// (-6) or a timestamp in ms; partitions where the timestamp finds no record are left out. Failures print
// "Error occurred: <message>" on stderr and exit with 1.

import { Command } from 'commander';
import { ERROR_INFO } from '../protocol/generated/errors.ts';
import { givenOptions, PROCESS_OUTPUT, runTool, UsageError, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { includeListPattern, TopicService } from './topic-service.ts';

/** Kafka's TOPIC_PARTITION_PATTERN: `[topic regex][:partition | :lower-upper]`. */
const TOPIC_PARTITION_PATTERN = /^([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?$/;
const INT_MAX = 2 ** 31 - 1;
/** The special --time values: ListOffsets timestamp and the first version that carries it (KIP-734, KIP-1005...). */
const SPECIAL_TIMES = new Map<string, { timestamp: bigint; minVersion: number }>([
  ['latest', { timestamp: -1n, minVersion: 1 }],
  ['earliest', { timestamp: -2n, minVersion: 1 }],
  ['max-timestamp', { timestamp: -3n, minVersion: 7 }],
  ['earliest-local', { timestamp: -4n, minVersion: 8 }],
  ['latest-tiered', { timestamp: -5n, minVersion: 9 }],
  ['earliest-pending-upload', { timestamp: -6n, minVersion: 11 }],
]);
const SPECIAL_BY_NUMBER = new Map([...SPECIAL_TIMES.values()].map((v) => [v.timestamp, v]));

/** A topic filter and a partition filter (Kafka's TopicPartitionFilter). */
interface Rule {
  readonly topic: RegExp;
  partitionAllowed(partition: number): boolean;
}

/** GetOffsetShell.parseOffsetSpec. @throws Error with Kafka's message for a malformed --time. */
export function parseTime(value: string): { timestamp: bigint; minVersion: number } {
  const special = SPECIAL_TIMES.get(value);
  if (special !== undefined) return special;
  if (!/^[-+]?\d+$/.test(value)) throw new Error(`Malformed time argument ${value}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered / -6 or earliest-pending-upload, or a specified long format timestamp`);
  const timestamp = BigInt(value);
  return SPECIAL_BY_NUMBER.get(timestamp) ?? { timestamp, minVersion: 1 };
}

/** The rules of --topic-partitions (parseRuleSpec), or of --topic and --partitions. @throws Error with Kafka's messages. */
export function parseRules(opts: { topicPartitions?: string; topic?: string; partitions?: string }): Rule[] {
  if (opts.topicPartitions !== undefined) {
    return opts.topicPartitions.split(',').map((spec) => {
      const m = TOPIC_PARTITION_PATTERN.exec(spec);
      if (m === null) throw new Error(`Invalid rule specification: ${spec}`);
      const group = (i: number): string | null => (m[i] === undefined || m[i] === '' ? null : m[i]!);
      const topic = includeListPattern(group(1) ?? '.*');
      if (group(2) !== null) return { topic, partitionAllowed: (p: number) => p === Number(group(2)) };
      const lower = group(3) === null ? 0 : Number(group(3));
      const upper = group(4) === null ? INT_MAX : Number(group(4));
      return { topic, partitionAllowed: (p: number) => p >= lower && p < upper };
    });
  }
  let partitions: Set<number> | null = null;
  if (opts.partitions !== undefined && opts.partitions !== '') {
    const ids = opts.partitions.split(',');
    if (!ids.every((s) => /^[-+]?\d+$/.test(s))) throw new Error(`--partitions expects a comma separated list of numeric partition ids, but received: ${opts.partitions}`);
    partitions = new Set(ids.map(Number));
  }
  return [{ topic: includeListPattern(opts.topic ?? '.*'), partitionAllowed: (p: number) => partitions === null || partitions.has(p) }];
}

interface GetOffsetsOptions {
  bootstrapServer?: string;
  topicPartitions?: string;
  topic?: string;
  partitions?: string;
  time: string;
  commandConfig?: string;
}

/** The `get-offsets` command; `io` gets what Kafka's tool prints on stdout and stderr. */
export function getOffsetsCommand(io: ToolOutput = PROCESS_OUTPUT): Command {
  const command = new Command('get-offsets')
    .description('An interactive shell for getting topic-partition offsets (kafka-get-offsets).')
    .option('--bootstrap-server <HOST1:PORT1,...,HOST3:PORT3>', 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.')
    .option('--topic-partitions <topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3>', "Comma separated list of topic-partition patterns to get the offsets for, with the format of '([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?'. The first group is an optional regex for the topic name, if omitted, it matches any topic name. The section after ':' describes a 'partition' pattern, which can be: a number, a range in the format of 'NUMBER-NUMBER' (lower inclusive, upper exclusive), an inclusive lower bound in the format of 'NUMBER-', an exclusive upper bound in the format of '-NUMBER' or may be omitted to accept all partitions.")
    .option('--topic <topic>', 'The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized topics are queried. Cannot be used if --topic-partitions is present.')
    .option('--partitions <partition ids>', 'Comma separated list of partition ids to get the offsets for. If not present, all partitions of the authorized topics are queried. Cannot be used if --topic-partitions is present.')
    .option('--time <timestamp>', 'timestamp of the offsets before that: <timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered / -6 or earliest-pending-upload. [Note: No offset is returned, if the timestamp greater than recently committed record timestamp is given.]', 'latest')
    .option('--command-config <config file>', 'Property file containing configs to be passed to Admin Client.')
    .option('--exclude-internal-topics', 'By default, internal topics are included. If specified, internal topics are excluded.');
  command.action(async (opts: GetOffsetsOptions) => {
    await runTool(command, io, (message) => ({ stream: 'err', text: `Error occurred: ${message}\n` }), async () => {
      const given = givenOptions(command);
      if (given.size === 0) throw new UsageError('An interactive shell for getting topic-partition offsets.');
      if (!given.has('bootstrap-server')) throw new UsageError('Missing required argument "[bootstrap-server]"');
      if (given.has('topic-partitions') && (given.has('topic') || given.has('partitions'))) throw new Error('--topic-partitions cannot be used with --topic or --partitions');
      const time = parseTime(opts.time);
      const rules = parseRules(opts);
      await withAdminClient(opts.bootstrapServer!, opts.commandConfig, 'GetOffsetShell', async (client) => {
        const service = new TopicService(client);
        const topics = (await service.topics(undefined, given.has('exclude-internal-topics'))).filter((t) => rules.some((r) => r.topic.test(t)));
        const described = topics.length === 0 ? [] : await service.describe(topics, 2000);
        const partitions = described.flatMap((t) => t.partitions.filter((p) => rules.some((r) => r.topic.test(t.name) && r.partitionAllowed(p.partition))).map((p) => [t.name, p.partition] as const));
        if (partitions.length === 0) throw new Error('Could not match any topic-partitions with the specified filters');
        const results = await client.listOffsets(partitions, () => time.timestamp, time.minVersion);
        const lines: [string, string][] = [];
        for (const [topic, partition] of partitions) {
          const key = `${topic}-${partition}`;
          const result = results.get(key);
          if (result === undefined) continue;
          if (result.offset === null) {
            io.err(`Skip getting offsets for topic-partition ${key} due to error: ${ERROR_INFO[result.errorCode]?.message ?? `error ${result.errorCode}`}\n`);
            continue;
          }
          if (result.offset !== -1n) lines.push([key, `${topic}:${partition}:${result.offset}\n`]);
        }
        lines.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        for (const [, line] of lines) io.out(line);
      });
    });
  });
  return command;
}
