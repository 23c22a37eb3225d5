// `kafka-broker log-dirs`: Apache Kafka's kafka-log-dirs.sh (LogDirsCommand, Kafka 4.4): --describe asks each broker of
// --broker-list (default: every broker) for its log directories (DescribeLogDirs, every topic) and prints two lines
// and the JSON {"version":1,"brokers":[{"broker":..,"logDirs":[{"logDir","error","partitions":[{"partition","size",
// "offsetLag","isFuture"}]}]}]}, filtered by --topic-list, with its keys and lists in the order of the Java HashMaps
// Kafka's tool prints through Jackson. A broker of --broker-list that is not in the cluster prints Kafka's "ERROR:
// The given brokers do not exist ..." on stderr and exits with 1.

import { Command } from 'commander';
import type { NodeEndpoint } from '../network/network-client.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { DescribeLogDirsResponse } from '../protocol/generated/messages/describe-log-dirs-response.ts';
import { AdminError, type AdminClient } from './admin-client.ts';
import { checkRequiredArgs, givenOptions, PROCESS_OUTPUT, runTool, UsageError, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { exceptionClass, topicPartitionHash } from './java-format.ts';
import { javaHashMapOrder, javaStringHash } from './java-hash-map-order.ts';

/** A JSON object whose keys Jackson writes in the iteration order of a `new HashMap<>()` filled in this order. */
function javaObject(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  return Object.fromEntries(javaHashMapOrder(entries, ([key]) => javaStringHash(key)));
}

/** Kafka's exception class name (with its package) of a log directory error, as LogDirDescription.error. */
function errorClass(code: number): string | null {
  if (code === Errors.NONE) return null;
  return `org.apache.kafka.common.errors.${exceptionClass(code)}`;
}

/** The printable log directories of one broker's DescribeLogDirs answer, restricted to `topics` (all when empty). */
function logDirsJson(response: DescribeLogDirsResponse, topics: ReadonlySet<string>): Record<string, unknown>[] {
  const dirs = javaHashMapOrder(response.results, (r) => javaStringHash(r.logDir));
  return dirs.map((dir) => {
    const replicas = dir.topics.filter((t) => topics.size === 0 || topics.has(t.name)).flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, p })));
    const partitions = javaHashMapOrder(replicas, topicPartitionHash).map(({ topic, partition, p }) => javaObject([
      ['partition', `${topic}-${partition}`],
      ['size', Number(p.partitionSize)],
      ['offsetLag', Number(p.offsetLag)],
      ['isFuture', p.isFutureKey],
    ]));
    return javaObject([['logDir', dir.logDir], ['error', errorClass(dir.errorCode)], ['partitions', partitions]]);
  });
}

/** The cluster's brokers (Metadata), by id. */
async function clusterBrokers(client: AdminClient): Promise<Map<number, NodeEndpoint>> {
  const metadata = await client.metadata([]);
  return new Map(metadata.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port }]));
}

interface LogDirsOptions {
  bootstrapServer?: string;
  commandConfig?: string;
  topicList: string;
  brokerList: string;
}

/** The `log-dirs` command; `io` gets what Kafka's tool prints on stdout and stderr. */
export function logDirsCommand(io: ToolOutput = PROCESS_OUTPUT): Command {
  const command = new Command('log-dirs')
    .description('This tool helps to query log directory usage on the specified brokers (kafka-log-dirs).')
    .option('--bootstrap-server <The server(s) to use for bootstrapping>', 'REQUIRED: the server(s) to use for bootstrapping')
    .option('--command-config <Admin client property file>', 'Property file containing configs to be passed to Admin Client.')
    .option('--describe', 'Describe the specified log directories on the specified brokers.')
    .option('--topic-list <Topic list>', 'The list of topics to be queried in the form "topic1,topic2,topic3". All topics will be queried if no topic list is specified', '')
    .option('--broker-list <Broker list>', 'The list of brokers to be queried in the form "0,1,2". All brokers in the cluster will be queried if no broker list is specified', '');
  command.action(async (opts: LogDirsOptions) => {
    await runTool(command, io, (message) => ({ stream: 'err', text: `${message}\n` }), async () => {
      const given = givenOptions(command);
      if (given.size === 0) throw new UsageError('This tool helps to query log directory usage on the specified brokers.');
      checkRequiredArgs(given, 'bootstrap-server', 'describe');
      const topics = new Set(opts.topicList.split(',').filter((t) => t !== ''));
      const inputBrokers = [...new Set(opts.brokerList.split(',').filter((b) => b !== '').map((b) => {
        if (!/^[-+]?\d+$/.test(b) || Math.abs(Number(b)) > 2 ** 31 - 1) throw new Error(`For input string: "${b}"`);
        return Number(b);
      }))];
      await withAdminClient(opts.bootstrapServer!, opts.commandConfig, 'log-dirs-tool', async (client) => {
        const cluster = await clusterBrokers(client);
        const ids = (set: Iterable<number>): string => javaHashMapOrder([...set], (n) => n).join(',');
        const missing = inputBrokers.filter((b) => !cluster.has(b));
        if (missing.length > 0) throw new Error(`ERROR: The given brokers do not exist from --broker-list: ${ids(missing)}. Current existent brokers: ${ids(cluster.keys())}`);
        const queried = javaHashMapOrder(inputBrokers.length === 0 ? [...cluster.keys()] : inputBrokers, (n) => n);
        io.out('Querying brokers for log directories information\n');
        const answers = await Promise.all(queried.map(async (id) => {
          const r = await client.send<DescribeLogDirsResponse>(ApiKeys.DescribeLogDirs, { topics: null }, { node: cluster.get(id)! });
          if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, null);
          return javaObject([['broker', id], ['logDirs', logDirsJson(r, topics)]]);
        }));
        io.out(`Received log directory information from brokers ${ids(queried)}\n`);
        io.out(`${JSON.stringify(javaObject([['version', 1], ['brokers', answers]]))}\n`);
      });
    });
  });
  return command;
}
