// `kafka-broker leader-election`: Apache Kafka's kafka-leader-election.sh (LeaderElectionCommand, Kafka 4.4):
// ElectLeaders of type PREFERRED or UNCLEAN for --all-topic-partitions, --topic with --partition, or the partitions
// of --path-to-json-file ({"partitions": [{"topic", "partition"}]}), then Kafka's lines: "Successfully completed leader
// election (<type>) for partitions ...", "Valid replica already elected for partitions ..." and one "Error completing
// leader election ..." per failed partition (then "<n> replica(s) could not be elected" on stderr, exit 1).

import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { ERROR_INFO, Errors } from '../protocol/generated/errors.ts';
import type { ElectLeadersResponse } from '../protocol/generated/messages/elect-leaders-response.ts';
import { AdminError } from './admin-client.ts';
import { givenOptions, parseIntOption, PROCESS_OUTPUT, runTool, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { exceptionClass, topicPartitionHash } from './java-format.ts';
import { javaHashMapOrder } from './java-hash-map-order.ts';

const ELECTION_TYPES = new Map([['PREFERRED', 0], ['UNCLEAN', 1]]);
/** Kafka's LeaderElectionCommand timeout (30 s). */
const TIMEOUT_MS = 30_000;

interface ElectionOptions {
  bootstrapServer?: string;
  electionType?: string;
  topic?: string;
  partition?: string;
  pathToJsonFile?: string;
}

type TopicPartition = { readonly topic: string; readonly partition: number };

/** LeaderElectionCommand.parseReplicaElectionData. @throws Error with Kafka's messages. */
export function parseElectionJson(text: string): TopicPartition[] {
  let js: unknown;
  try {
    js = JSON.parse(text);
  } catch {
    throw new Error('Replica election data is empty');
  }
  const partitions = (js as { partitions?: unknown } | null)?.partitions;
  if (partitions === undefined) throw new Error('Replica election data is missing "partitions" field');
  if (!Array.isArray(partitions)) throw new Error('Expected `partitions` to be a JSON array');
  const out = partitions.map((p: { topic?: unknown; partition?: unknown }) => {
    if (typeof p?.topic !== 'string' || typeof p.partition !== 'number' || !Number.isInteger(p.partition)) throw new Error(`Each partition needs "topic" (string) and "partition" (int): ${JSON.stringify(p)}`);
    return { topic: p.topic, partition: p.partition };
  });
  const names = out.map((p) => `${p.topic}-${p.partition}`);
  const duplicates = [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
  if (duplicates.length > 0) throw new Error(`Replica election data contains duplicate partitions: [${duplicates.join(', ')}]`);
  return out.filter((p, i) => names.indexOf(`${p.topic}-${p.partition}`) === i);
}

/** LeaderElectionCommandOptions.validate. @throws Error with Kafka's messages. */
function validate(given: ReadonlySet<string>): void {
  const missing = ['bootstrap-server', 'election-type'].filter((o) => !given.has(o));
  if (missing.length > 0) throw new Error(`Missing required option(s): ${missing.join(', ')}`);
  if (['topic', 'all-topic-partitions', 'path-to-json-file'].filter((o) => given.has(o)).length !== 1) throw new Error('One and only one of the following options is required: topic, all-topic-partitions, path-to-json-file');
  if (given.has('topic') && !given.has('partition')) throw new Error('Missing required option(s): partition');
  if (!given.has('topic') && given.has('partition')) throw new Error('Option partition is only allowed if topic is used');
}

/** Kafka's order of a HashSet of TopicPartition, as "topic-partition" joined by ", ". */
const joined = (tps: readonly TopicPartition[]): string => javaHashMapOrder(tps.map((tp) => [tp, null] as const), ([tp]) => topicPartitionHash(tp)).map(([tp]) => `${tp.topic}-${tp.partition}`).join(', ');

/** The `leader-election` command; `io` gets what Kafka's tool prints on stdout and stderr. */
export function leaderElectionCommand(io: ToolOutput = PROCESS_OUTPUT): Command {
  const command = new Command('leader-election')
    .description('This tool attempts to elect a new leader for a set of topic partitions (kafka-leader-election).')
    .option('--admin.config <config file>', 'Configuration properties files to pass to the admin client')
    .option('--all-topic-partitions', 'Perform election on all of the eligible topic partitions based on the type of election (see the --election-type flag). Not allowed if --topic or --path-to-json-file is specified.')
    .option('--bootstrap-server <host:port>', 'A hostname and port for the broker to connect to, in the form host:port. Multiple comma separated URLs can be given. REQUIRED.')
    .option('--election-type <[PREFERRED,UNCLEAN]: election type>', 'Type of election to attempt. Possible values are "preferred" for preferred leader election or "unclean" for unclean leader election. If preferred election is selection, the election is only performed if the current leader is not the preferred leader for the topic partition. If unclean election is selected, the election is only performed if there are no leader for the topic partition. REQUIRED.')
    .option('--partition <Integer: partition id>', 'Partition id for which to perform an election. REQUIRED if --topic is specified.')
    .option('--path-to-json-file <Path to JSON file>', 'The JSON file with the list  of partition for which leader elections should be performed. This is an example format. \n{"partitions":\n\t[{"topic": "foo", "partition": 1},\n\t {"topic": "foobar", "partition": 2}]\n}\nNot allowed if --all-topic-partitions or --topic flags are specified.')
    .option('--topic <topic name>', 'Name of topic for which to perform an election. Not allowed if --path-to-json-file or --all-topic-partitions is specified.');
  command.action(async (opts: ElectionOptions) => {
    await runTool(command, io, (message) => ({ stream: 'err', text: `${message}\n` }), async () => {
      const given = givenOptions(command);
      const type = given.has('election-type') ? opts.electionType!.toUpperCase() : undefined;
      if (type !== undefined && !ELECTION_TYPES.has(type)) throw new Error(`Cannot parse argument '${opts.electionType}' of option election-type`);
      validate(given);
      let partitions: TopicPartition[] | null = null;
      if (opts.pathToJsonFile !== undefined) {
        let text: string;
        try {
          text = await readFile(opts.pathToJsonFile, 'utf8');
        } catch {
          throw new Error(`java.nio.file.NoSuchFileException: ${opts.pathToJsonFile}`);
        }
        partitions = parseElectionJson(text);
      } else if (opts.topic !== undefined) {
        partitions = [{ topic: opts.topic, partition: parseIntOption('partition', opts.partition!) }];
      }
      const adminConfig = command.opts<Record<string, string | undefined>>()['admin.config'];
      await withAdminClient(opts.bootstrapServer!, adminConfig, 'adminclient-1', async (client) => {
        const topicPartitions = partitions === null ? null : [...new Set(partitions.map((p) => p.topic))].map((topic) => ({ topic, partitions: partitions.filter((p) => p.topic === topic).map((p) => p.partition) }));
        const r = await client.send<ElectLeadersResponse>(ApiKeys.ElectLeaders, { electionType: ELECTION_TYPES.get(type!)!, topicPartitions, timeoutMs: TIMEOUT_MS }, { version: { min: 1 } });
        if (r.errorCode === Errors.CLUSTER_AUTHORIZATION_FAILED) {
          io.out('Not authorized to perform leader election\n');
          throw new Error('Not authorized to perform leader election');
        }
        if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, null);
        const succeeded: TopicPartition[] = [];
        const noop: TopicPartition[] = [];
        const failed: [TopicPartition, number, string | null][] = [];
        for (const t of r.replicaElectionResults) {
          for (const p of t.partitionResult) {
            const tp = { topic: t.topic, partition: p.partitionId };
            if (p.errorCode === Errors.NONE) succeeded.push(tp);
            else if (p.errorCode === Errors.ELECTION_NOT_NEEDED) noop.push(tp);
            else failed.push([tp, p.errorCode, p.errorMessage]);
          }
        }
        if (succeeded.length > 0) io.out(`Successfully completed leader election (${type}) for partitions ${joined(succeeded)}\n`);
        if (noop.length > 0) io.out(`Valid replica already elected for partitions ${joined(noop)}\n`);
        if (failed.length === 0) return;
        for (const [tp, [code, message]] of javaHashMapOrder(failed.map(([tp, code, message]) => [tp, [code, message]] as const), ([tp]) => topicPartitionHash(tp))) {
          io.out(`Error completing leader election (${type}) for partition: ${tp.topic}-${tp.partition}: org.apache.kafka.common.errors.${exceptionClass(code)}: ${message ?? ERROR_INFO[code]?.message ?? ''}\n`);
        }
        throw new Error(`${failed.length} replica(s) could not be elected`);
      });
    });
  });
  return command;
}
