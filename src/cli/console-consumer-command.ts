// `kafka-broker console-consumer`: Apache Kafka's kafka-console-consumer.sh (ConsoleConsumer, Kafka 4.4) with its
// flags, argument rules and output: records of --topic (every partition, or --partition from --offset) or of the
// topics matching --include, from the latest offset or the earliest (--from-beginning), printed by Kafka's
// DefaultMessageFormatter (--formatter-property / --property print.key, print.timestamp, print.partition,
// print.offset, print.headers, key.separator...), --isolation-level, --max-messages, --timeout-ms; "Processed a total
// of N messages" on stderr at the end. The partitions are assigned, not subscribed: no consumer group is joined and
// nothing committed (Kafka's tool joins a random console-consumer-NNNNN group), so partitions added while it runs are
// not read. Refused: --group (group membership is not implemented here), another --formatter, deserializers other
// than the byte and string ones, consumer properties it does not implement.

import { Command } from 'commander';
import { checkRequiredArgs, collect, givenOptions, parseIntOption, PROCESS_OUTPUT, propertiesFile, propertyPairs, runTool, UsageError, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { DefaultMessageFormatter } from './default-message-formatter.ts';
import { EARLIEST, LATEST, SimpleConsumer } from './simple-consumer.ts';
import { includeListPattern, TopicService } from './topic-service.ts';

const FORMATTERS = new Set(['org.apache.kafka.tools.consumer.DefaultMessageFormatter', 'kafka.tools.DefaultMessageFormatter']);
const SUPPORTED_CONSUMER_PROPS = new Set(['bootstrap.servers', 'auto.offset.reset', 'isolation.level', 'client.id', 'security.protocol', 'default.api.timeout.ms', 'key.deserializer', 'value.deserializer']);
const FORMATTER_HELP = 'The properties to initialize the message formatter. Default properties include:\n print.timestamp=true|false\n print.key=true|false\n print.offset=true|false\n print.epoch=true|false\n print.partition=true|false\n print.headers=true|false\n print.value=true|false\n key.separator=<key.separator>\n line.separator=<line.separator>\n headers.separator=<headers.separator>\n null.literal=<null.literal>\n key.deserializer=<key.deserializer>\n value.deserializer=<value.deserializer>\n header.deserializer=<header.deserializer>';

interface ConsumerOptions {
  bootstrapServer?: string;
  topic?: string;
  include?: string;
  partition?: string;
  offset?: string;
  group?: string;
  isolationLevel: string;
  maxMessages?: string;
  timeoutMs?: string;
  formatter?: string;
  formatterConfig?: string;
  formatterProperty?: string[];
  property?: string[];
  commandConfig?: string;
  commandProperty?: string[];
  consumerProperty?: string[];
  keyDeserializer?: string;
  valueDeserializer?: string;
}

/** ConsoleConsumerOptions' checks and parseOffset. @throws UsageError with Kafka's messages. */
function startOffset(opts: ConsumerOptions, given: ReadonlySet<string>): bigint {
  if ([opts.topic, opts.include].filter((o) => o !== undefined).length !== 1) throw new UsageError('Exactly one of the following arguments is required: [topic], [include]');
  if (given.has('partition')) {
    if (!given.has('topic')) throw new UsageError('The topic is required when partition is specified.');
    if (given.has('from-beginning') && given.has('offset')) throw new UsageError('Options from-beginning and offset cannot be specified together.');
  } else if (given.has('offset')) {
    throw new UsageError('The partition is required when offset is specified.');
  }
  checkRequiredArgs(given, 'bootstrap-server');
  if (given.has('group')) throw new UsageError('--group is not supported by kafka-broker console-consumer: it reads assigned partitions without joining a group');
  if (opts.offset === undefined) return given.has('from-beginning') ? EARLIEST : LATEST;
  const lower = opts.offset.toLowerCase();
  if (lower === 'earliest') return EARLIEST;
  if (lower === 'latest') return LATEST;
  if (!/^[-+]?\d+$/.test(opts.offset) || BigInt(opts.offset) < 0n || BigInt(opts.offset) >= 2n ** 63n) {
    throw new UsageError(`The provided offset value '${opts.offset}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`);
  }
  return BigInt(opts.offset);
}

/** The `console-consumer` command; `io` gets what Kafka's tool prints on stderr (records go to stdout as bytes). */
export function consoleConsumerCommand(io: ToolOutput = PROCESS_OUTPUT): Command {
  const command = new Command('console-consumer')
    .description('This tool helps to read data from Kafka topics and outputs it to standard output (kafka-console-consumer).')
    .option('--bootstrap-server <String: server to connect to>', 'REQUIRED: The server(s) to connect to.')
    .option('--command-config <String: config file>', 'Consumer config properties file. Note that [command-property] takes precedence over this config.')
    .option('--command-property <String: consumer_prop>', 'Consumer config properties in the form key=value.', collect)
    .option('--consumer-property <String: consumer_prop>', '(DEPRECATED) Consumer config properties in the form key=value. This option will be removed in a future version. Use --command-property instead.', collect)
    .option('--consumer.config <String: config file>', '(DEPRECATED) Consumer config properties file. Note that [command-property] takes precedence over this config. This option will be removed in a future version. Use --command-config instead.')
    .option('--formatter <String: class>', 'The name of a class to use for formatting kafka messages for display. (default: org.apache.kafka.tools.consumer.DefaultMessageFormatter)')
    .option('--formatter-config <String: config file>', 'Config properties file to initialize the message formatter. Note that [formatter-property] takes precedence over this config.')
    .option('--formatter-property <String: prop>', FORMATTER_HELP, collect)
    .option('--from-beginning', 'If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message.')
    .option('--group <String: consumer group id>', 'The consumer group id of the consumer.')
    .option('--include <String: Java regex (String)>', 'Regular expression specifying list of topics to include for consumption.')
    .option('--isolation-level <String>', 'Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages. (default: read_uncommitted)', 'read_uncommitted')
    .option('--key-deserializer <String: deserializer for keys>', 'The name of the class to use for deserializing keys.')
    .option('--max-messages <Integer: num_messages>', 'The maximum number of messages to consume before exiting. If not set, consumption is continual.')
    .option('--offset <String: consume offset>', "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end (default: latest)")
    .option('--partition <Integer: partition>', "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified.")
    .option('--property <String: prop>', `(DEPRECATED) ${FORMATTER_HELP}\nThis option will be removed in a future version. Use --formatter-property instead.`, collect)
    .option('--skip-message-on-error', 'If there is an error when processing a message, skip it instead of halt.')
    .option('--timeout-ms <Long: timeout_ms>', 'If specified, exit if no message is available for consumption for the specified interval.')
    .option('--topic <String: topic>', 'The topic to consume from.')
    .option('--value-deserializer <String: deserializer for values>', 'The name of the class to use for deserializing values.');
  command.action(async (opts: ConsumerOptions) => {
    await runTool(command, io, (message) => ({ stream: 'err', text: `${message}\n` }), async () => {
      const given = givenOptions(command);
      const legacyConfig = command.opts<Record<string, string | undefined>>()['consumer.config'];
      for (const [old, replacement] of [['consumer-property', 'command-property'], ['consumer.config', 'command-config'], ['property', 'formatter-property']]) {
        if (given.has(old)) io.err(`Option --${old} is deprecated and will be removed in a future version. Use --${replacement} instead.\n`);
      }
      const start = startOffset(opts, given);
      const props = { ...await propertiesFile(opts.commandConfig ?? legacyConfig), ...propertyPairs(opts.consumerProperty), ...propertyPairs(opts.commandProperty) };
      for (const k of Object.keys(props)) if (!SUPPORTED_CONSUMER_PROPS.has(k)) throw new Error(`Consumer property ${k} is not supported by kafka-broker console-consumer`);
      const isolation = given.has('isolation-level') ? opts.isolationLevel : (props['isolation.level'] ?? 'read_uncommitted');
      if (isolation !== 'read_committed' && isolation !== 'read_uncommitted') throw new Error(`Invalid value ${isolation} for configuration isolation.level: String must be one of: read_committed, read_uncommitted`);
      const reset = props['auto.offset.reset'] ?? (given.has('from-beginning') ? 'earliest' : 'latest');
      if (given.has('from-beginning') && props['auto.offset.reset'] !== undefined && reset !== 'earliest') throw new UsageError(`Can't simultaneously specify --from-beginning and 'auto.offset.reset=${reset}', please remove one option`);
      if (reset !== 'earliest' && reset !== 'latest') throw new Error(`Invalid value ${reset} for configuration auto.offset.reset: String must be one of: latest, earliest, none`);
      if (opts.formatter !== undefined && !FORMATTERS.has(opts.formatter)) throw new Error(`--formatter ${opts.formatter} is not supported by kafka-broker console-consumer`);
      const formatterProps = { ...await propertiesFile(opts.formatterConfig), ...propertyPairs(opts.property), ...propertyPairs(opts.formatterProperty) };
      if (opts.keyDeserializer !== undefined) formatterProps['key.deserializer'] = opts.keyDeserializer;
      if (opts.valueDeserializer !== undefined) formatterProps['value.deserializer'] = opts.valueDeserializer;
      const formatter = new DefaultMessageFormatter(formatterProps);
      const maxMessages = opts.maxMessages === undefined ? -1 : parseIntOption('max-messages', opts.maxMessages);
      const timeoutMs = opts.timeoutMs === undefined ? null : parseIntOption('timeout-ms', opts.timeoutMs);
      const partition = opts.partition === undefined ? null : parseIntOption('partition', opts.partition);
      let count = 0;
      let stopped = false;
      const stop = (): void => {
        stopped = true;
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await withAdminClient(opts.bootstrapServer!, opts.commandConfig ?? legacyConfig, 'console-consumer', async (client) => {
          const service = new TopicService(client);
          const topics = opts.topic !== undefined ? [opts.topic] : (await service.topics(undefined, false)).filter((t) => includeListPattern(opts.include!).test(t));
          const described = await service.describe(topics, 2000).catch(() => []);
          const assignment = described.flatMap((t) => t.partitions.filter((p) => partition === null || p.partition === partition).map((p) => ({ topic: t.name, partition: p.partition, start: partition === null ? (given.has('from-beginning') ? EARLIEST : LATEST) : start })));
          const consumer = new SimpleConsumer(client, assignment, isolation === 'read_committed' ? 1 : 0, reset === 'earliest' ? EARLIEST : LATEST);
          let lastMessage = Date.now();
          while (!stopped && (maxMessages === -1 || count < maxMessages)) {
            if (timeoutMs !== null && Date.now() - lastMessage >= timeoutMs) {
              io.err('ERROR Error processing message, terminating consumer process:  (org.apache.kafka.tools.consumer.ConsoleConsumer)\norg.apache.kafka.common.errors.TimeoutException\n');
              return;
            }
            const records = assignment.length === 0 ? await new Promise<[]>((resolve) => setTimeout(() => resolve([]), 100)) : await consumer.poll();
            for (const record of records) {
              if (maxMessages !== -1 && count >= maxMessages) break;
              const bytes = formatter.format(record);
              if (io === PROCESS_OUTPUT) process.stdout.write(bytes);
              else io.out(bytes.toString('utf8'));
              count += 1;
              lastMessage = Date.now();
            }
          }
        });
      } finally {
        process.removeListener('SIGINT', stop);
        process.removeListener('SIGTERM', stop);
        io.err(`Processed a total of ${count} messages\n`);
      }
    });
  });
  return command;
}
