// `kafka-broker console-producer`: Apache Kafka's kafka-console-producer.sh (ConsoleProducer, Kafka 4.4): reads
// standard input line by line with Kafka's LineMessageReader (--reader-property parse.key=true key.separator=...,
// parse.headers=true..., or the deprecated --property) and produces each line to --topic, with the producer options
// of Kafka's script (--request-required-acks, --batch-size, --timeout (linger.ms), --compression-codec, --sync...).
// Records the broker refuses are reported as Kafka's producer logs them and do not stop the tool (exit 0, as
// Kafka's); a line the reader cannot parse stops it after sending the lines before (exit 1). Refused: acks=0 (our
// client always waits for a response), --line-reader other than Kafka's LineMessageReader, producer properties this
// producer does not implement (idempotence, transactions, custom partitioners or serializers...).

import { createInterface } from 'node:readline';
import { Command } from 'commander';
import { AdminError } from './admin-client.ts';
import { checkRequiredArgs, collect, givenOptions, parseIntOption, PROCESS_OUTPUT, propertiesFile, propertyPairs, runTool, UsageError, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { exceptionClass } from './java-format.ts';
import { LineMessageReader, LineReaderError, type LineRecord } from './line-message-reader.ts';
import { SimpleProducer, type SimpleProducerOptions } from './simple-producer.ts';
import type { CompressionTypeName } from '../protocol/records/record-batch.ts';

const COMPRESSION = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
/** The producer properties this producer honours (others are refused); the rest of Kafka's are not implemented. */
const SUPPORTED_PRODUCER_PROPS = new Set(['bootstrap.servers', 'acks', 'batch.size', 'linger.ms', 'compression.type', 'request.timeout.ms', 'max.block.ms', 'buffer.memory', 'retries', 'retry.backoff.ms', 'client.id', 'security.protocol', 'default.api.timeout.ms', 'key.serializer', 'value.serializer']);
const BYTE_ARRAY_SERIALIZER = 'org.apache.kafka.common.serialization.ByteArraySerializer';
const LINE_READER = 'org.apache.kafka.tools.LineMessageReader';
const READER_HELP = 'A mechanism to pass user-defined properties in the form key=value to the message reader. This allows custom configuration for a user-defined message reader.\nDefault properties include:\n parse.key=false\n parse.headers=false\n ignore.error=false\n key.separator=\\t\n headers.delimiter=\\t\n headers.separator=,\n headers.key.separator=:\n null.marker=   When set, any fields (key, value and headers) equal to this will be replaced by null\nDefault parsing pattern when:\n parse.headers=true and parse.key=true:\n  "h1:v1,h2:v2...\\tkey\\tvalue"\n parse.key=true:\n  "key\\tvalue"\n parse.headers=true:\n  "h1:v1,h2:v2...\\tvalue"';

interface ProducerOptions {
  bootstrapServer?: string;
  topic?: string;
  commandConfig?: string;
  commandProperty?: string[];
  producerProperty?: string[];
  readerConfig?: string;
  readerProperty?: string[];
  property?: string[];
  compressionCodec?: string | true;
  lineReader?: string;
  batchSize?: string;
  maxPartitionMemoryBytes?: string;
  maxBlockMs?: string;
  maxMemoryBytes?: string;
  messageSendMaxRetries?: string;
  requestRequiredAcks?: string;
  requestTimeoutMs?: string;
  retryBackoffMs?: string;
  timeout?: string;
  sync?: boolean;
}

/** ConsoleProducerOptions.producerProps: the config file, the properties, then the explicit options given. */
async function producerSettings(opts: ProducerOptions, given: ReadonlySet<string>, legacyConfig: string | undefined): Promise<SimpleProducerOptions> {
  const props = { ...await propertiesFile(opts.commandConfig ?? legacyConfig), ...propertyPairs(opts.producerProperty), ...propertyPairs(opts.commandProperty) };
  for (const [k, v] of Object.entries(props)) {
    if (!SUPPORTED_PRODUCER_PROPS.has(k)) throw new Error(`Producer property ${k} is not supported by kafka-broker console-producer`);
    if ((k === 'key.serializer' || k === 'value.serializer') && v !== BYTE_ARRAY_SERIALIZER) throw new Error(`${k}=${v} is not supported by kafka-broker console-producer: records are the bytes of the lines`);
  }
  const int = (flag: string, value: string | undefined, prop: string, fallback: number): number => {
    if (given.has(flag)) return parseIntOption(flag, value!);
    if (props[prop] !== undefined) return parseIntOption(prop, props[prop]);
    return fallback;
  };
  const acks = given.has('request-required-acks') ? opts.requestRequiredAcks! : (props.acks ?? '-1');
  if (!['all', '-1', '1', '0'].includes(acks.trim())) throw new Error(`Invalid value ${acks} for configuration acks: String must be one of: all, -1, 0, 1`);
  if (acks.trim() === '0') throw new Error('acks=0 is not supported by kafka-broker console-producer: use 1 or all');
  let compression = given.has('compression-codec') ? (opts.compressionCodec === true ? 'gzip' : opts.compressionCodec!) : (props['compression.type'] ?? 'none');
  if (compression === 'uncompressed') compression = 'none';
  if (!COMPRESSION.includes(compression)) throw new Error(`Invalid value ${compression} for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd`);
  const batchFlag = given.has('batch-size') ? 'batch-size' : 'max-partition-memory-bytes';
  const settings = {
    acks: acks.trim() === '1' ? 1 as const : -1 as const,
    batchSize: int(batchFlag, opts.batchSize ?? opts.maxPartitionMemoryBytes, 'batch.size', 16384),
    lingerMs: int('timeout', opts.timeout, 'linger.ms', 1000),
    requestTimeoutMs: int('request-timeout-ms', opts.requestTimeoutMs, 'request.timeout.ms', 1500),
    maxBlockMs: int('max-block-ms', opts.maxBlockMs, 'max.block.ms', 60000),
    bufferMemory: int('max-memory-bytes', opts.maxMemoryBytes, 'buffer.memory', 33554432),
    retries: int('message-send-max-retries', opts.messageSendMaxRetries, 'retries', 3),
    retryBackoffMs: int('retry-backoff-ms', opts.retryBackoffMs, 'retry.backoff.ms', 100),
    compression: compression as CompressionTypeName,
  };
  if (settings.requestTimeoutMs <= 0) throw new UsageError('The value for request-timeout-ms must be non-negative and non-zero');
  return settings;
}

/** How Kafka's ErrorLoggingCallback names a key or value: "null" or "<n> bytes". */
const bytesOf = (b: Buffer | null): string => (b === null ? 'null' : `${b.length} bytes`);

/** The `console-producer` command; `io` gets what Kafka's tool prints on stdout and stderr. */
export function consoleProducerCommand(io: ToolOutput = PROCESS_OUTPUT, input: NodeJS.ReadableStream = process.stdin): Command {
  const command = new Command('console-producer')
    .description('This tool helps to read data from standard input and publish it to Kafka (kafka-console-producer).')
    .option('--batch-size <Integer: size>', 'The buffer size in bytes allocated for a partition. When records are received which are smaller than this size the producer will attempt to optimistically group them together until this size is reached. This is the option to control batch.size in producer configs. (default: 16384)')
    .option('--bootstrap-server <String: server to connect to>', 'REQUIRED: The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2.')
    .option('--command-config <String: config file>', 'Producer config properties file. Note that [command-property] takes precedence over this config.')
    .option('--command-property <String: producer_prop>', 'Producer config properties in the form key=value.', collect)
    .option('--compression-codec [String: compression-codec]', "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. If specified without value, then it defaults to 'gzip'")
    .option('--line-reader <String: reader_class>', `The class name of the class to use for reading lines from standard in. By default each line is read as a separate message. (default: ${LINE_READER})`)
    .option('--max-block-ms <Long: max block on send>', 'The max time that the producer will block for during a send request. (default: 60000)')
    .option('--max-memory-bytes <Long: total memory in bytes>', 'The total memory used by the producer to buffer records waiting to be sent to the server. This is the option to control `buffer.memory` in producer configs. (default: 33554432)')
    .option('--max-partition-memory-bytes <Integer: memory in bytes per partition>', '(Deprecated) The buffer size in bytes allocated for a partition. This option will be removed in Apache Kafka 5.0. Use --batch-size instead. (default: 16384)')
    .option('--message-send-max-retries <Integer>', 'Brokers can fail receiving the message for multiple reasons, and being unavailable transiently is just one of them. This property specifies the number of retries before the producer give up and drop this message. This is the option to control `retries` in producer configs. (default: 3)')
    .option('--producer-property <String: producer_prop>', '(DEPRECATED) Producer config properties in the form key=value. This option will be removed in a future version. Use --command-property instead.', collect)
    .option('--producer.config <String: config file>', '(DEPRECATED) Producer config properties file. Note that [command-property] takes precedence over this config. This option will be removed in a future version. Use --command-config instead.')
    .option('--property <String: prop>', `(DEPRECATED) ${READER_HELP}\nThis option will be removed in a future version. Use --reader-property instead.`, collect)
    .option('--reader-config <String: config file>', 'Config properties file for the message reader. Note that [reader-property] takes precedence over this config.')
    .option('--reader-property <String: prop>', READER_HELP, collect)
    .option('--request-required-acks <String: request required acks>', 'The required `acks` of the producer requests (default: -1)')
    .option('--request-timeout-ms <Integer: request timeout ms>', 'The ack timeout of the producer requests. Value must be non-negative and non-zero. (default: 1500)')
    .option('--retry-backoff-ms <Long>', 'Before each retry, the producer refreshes the metadata of relevant topics. This is the option to control `retry.backoff.ms` in producer configs. (default: 100)')
    .option('--sync', 'If set message send requests to the brokers are synchronously, one at a time as they arrive.')
    .option('--timeout <Long: timeout_ms>', 'If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms. This is the option to control `linger.ms` in producer configs. (default: 1000)')
    .option('--topic <String: topic>', 'REQUIRED: The topic name to produce messages to.');
  command.action(async (opts: ProducerOptions) => {
    await runTool(command, io, (message) => ({ stream: 'err', text: `${message}\n` }), async () => {
      const given = givenOptions(command);
      const legacyConfig = command.opts<Record<string, string | undefined>>()['producer.config'];
      if (given.size === 0) throw new UsageError('This tool helps to read data from standard input and publish it to Kafka.');
      for (const [old, replacement] of [['producer-property', 'command-property'], ['producer.config', 'command-config'], ['property', 'reader-property']]) {
        if (given.has(old)) io.err(`Warning: --${old} is deprecated and will be removed in a future version. Use --${replacement} instead.\n`);
      }
      checkRequiredArgs(given, 'topic', 'bootstrap-server');
      if (opts.lineReader !== undefined && opts.lineReader !== LINE_READER) throw new Error(`--line-reader ${opts.lineReader} is not supported by kafka-broker console-producer: only ${LINE_READER}`);
      const settings = await producerSettings(opts, given, legacyConfig);
      const readerProps = { ...await propertiesFile(opts.readerConfig), ...propertyPairs(opts.property), ...propertyPairs(opts.readerProperty) };
      const reader = new LineMessageReader(readerProps);
      const topic = opts.topic!;
      const onFailure = ({ record, error }: { record: LineRecord; error: Error }): void => {
        const line = error instanceof AdminError ? `org.apache.kafka.common.errors.${exceptionClass(error.code)}: ${error.message}` : `org.apache.kafka.common.errors.TimeoutException: ${error.message}`;
        io.err(`ERROR Error when sending message to topic ${topic} with key: ${bytesOf(record.key)}, value: ${bytesOf(record.value)} with error: (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)\n${line}\n`);
      };
      await withAdminClient(opts.bootstrapServer!, opts.commandConfig ?? legacyConfig, 'console-producer', async (client) => {
        const producer = new SimpleProducer(client, topic, settings, onFailure);
        const prompt = (input as NodeJS.ReadStream).isTTY === true;
        const lines = createInterface({ input, terminal: false, crlfDelay: Infinity });
        try {
          if (prompt) io.out('>');
          for await (const line of lines) {
            const record = reader.read(line);
            // As Kafka's producer, a record that cannot be sent (no metadata within max.block.ms) goes to the callback.
            await producer.send(record).catch((error: unknown) => onFailure({ record, error: error as Error }));
            if (given.has('sync')) await producer.flush();
            if (prompt) io.out('>');
          }
        } catch (e) {
          if (e instanceof LineReaderError) throw new Error(`org.apache.kafka.common.KafkaException: ${e.message}`);
          throw e;
        } finally {
          lines.close();
          await producer.flush();
        }
      });
    });
  });
  return command;
}
