// `kafka-broker producer-perf-test`: Apache Kafka's kafka-producer-perf-test.sh (ProducerPerformance, Kafka 4.4) with
// its flags and output: a window line every --reporting-interval ms and the summary with the latency percentiles.
// The producer is ours (perf-producer.ts: our codecs, batching and pipelining), honouring the producer configs it
// implements and refusing the others. Argument errors print argparse4j's "kafka-producer-perf-test: error: ..." after
// the usage on stderr and exit with 1; a failure at run time prints its message on stderr and exits with 1.

import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { partitionForKey } from '../common/murmur2.ts';
import type { CompressionTypeName } from '../protocol/records/record-batch.ts';
import { AdminClient } from './admin-client.ts';
import { PROCESS_OUTPUT, propertiesFile, type ToolOutput } from './admin-tool.ts';
import { parseBootstrapAddresses } from './metadata-quorum-command.ts';
import { PerfProducer, type PerfProducerOptions } from './perf-producer.ts';
import { ProducerPerfStats } from './producer-perf-stats.ts';

const PROG = 'kafka-producer-perf-test';
const COMPRESSIONS: readonly CompressionTypeName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
/** Producer configs the tool sets itself (Kafka's ProducerPerformance.readProps) or that change nothing here. */
const ACCEPTED_AS_IS = new Set(['key.serializer', 'value.serializer', 'bootstrap.servers', 'client.id']);
const HONOURED = ['acks', 'batch.size', 'linger.ms', 'compression.type', 'max.in.flight.requests.per.connection', 'request.timeout.ms', 'max.block.ms', 'buffer.memory', 'max.request.size', 'enable.idempotence', 'security.protocol'];
/** A payload pool of random letters from which each record takes its bytes at a random offset. */
const POOL_BYTES = 1 << 20;

/** An argparse4j ArgumentParserException: the usage and "<prog>: error: <message>" on stderr, exit 1. */
class ArgumentError extends Error {}

interface ProducerPerfOptions {
  bootstrapServer?: string;
  topic?: string;
  numRecords?: string;
  recordSize?: string;
  payloadFile?: string;
  payloadMonotonic?: boolean;
  payloadDelimiter: string;
  throughput?: string;
  producerProps?: string[];
  commandProperty?: string[];
  producerConfig?: string;
  commandConfig?: string;
  printMetrics?: boolean;
  transactionalId?: string;
  transactionDurationMs?: string;
  warmupRecords: string;
  reportingInterval: string;
  recordKeyRange?: string;
  keyDistribution: string;
  randomSeed: string;
}

function number(name: string, value: string | undefined, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) throw new ArgumentError(`argument ${name}: could not convert '${value}' to ${integer ? 'Long' : 'Double'}`);
  return n;
}

/** Kafka's readProps: `name=value` pairs (exactly one '='). @throws Error "Invalid property: <p>". */
function pairs(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const prop of values) {
    const pieces = prop.split('=');
    if (pieces.length !== 2) throw new Error(`Invalid property: ${prop}`);
    out[pieces[0]!] = pieces[1]!;
  }
  return out;
}

function intConfig(props: Record<string, string>, name: string, fallback: number, min: number): number {
  const value = props[name];
  if (value === undefined) return fallback;
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n)) throw new Error(`Invalid value ${value} for configuration ${name}: Not a number of type ${name === 'linger.ms' || name === 'max.block.ms' || name === 'buffer.memory' ? 'LONG' : 'INT'}`);
  if (n < min) throw new Error(`Invalid value ${value} for configuration ${name}: Value must be at least ${min}`);
  return n;
}

/**
 * The perf producer's settings from the producer configs, with Kafka's defaults and checks (ProducerConfig): acks
 * all, batch.size 16384, linger.ms 5, idempotence on unless acks is not all and it was not asked for.
 * @throws Error for a config it does not implement (never ignored), a bad value, or a conflict Kafka refuses.
 */
export function perfProducerOptions(props: Record<string, string>): PerfProducerOptions & { readonly bootstrapServers: string } {
  for (const name of Object.keys(props)) {
    if (!ACCEPTED_AS_IS.has(name) && !HONOURED.includes(name)) throw new Error(`Unsupported producer config ${name}: kafka-broker producer-perf-test honours ${HONOURED.join(', ')}`);
  }
  const protocol = props['security.protocol'];
  if (protocol !== undefined && protocol.toUpperCase() !== 'PLAINTEXT') throw new Error(`security.protocol=${protocol} is not supported: kafka-broker producer-perf-test connects with PLAINTEXT only`);
  const bootstrapServers = props['bootstrap.servers'];
  if (bootstrapServers === undefined || bootstrapServers.trim() === '') throw new Error('No resolvable bootstrap urls given in bootstrap.servers');
  const acksValue = (props.acks ?? 'all').trim();
  if (acksValue === '0') throw new Error('acks=0 is not supported by kafka-broker producer-perf-test (it needs the answers to measure latency)');
  if (!['all', '-1', '1'].includes(acksValue)) throw new Error(`Invalid value ${acksValue} for configuration acks: String must be one of: all, -1, 0, 1`);
  const acks = acksValue === '1' ? 1 : -1;
  const compression = (props['compression.type'] ?? 'none').trim() as CompressionTypeName;
  if (!COMPRESSIONS.includes(compression)) throw new Error(`Invalid value ${compression} for configuration compression.type: String must be one of: ${COMPRESSIONS.join(', ')}`);
  const maxInFlight = intConfig(props, 'max.in.flight.requests.per.connection', 5, 1);
  const idempotenceAsked = props['enable.idempotence']?.trim().toLowerCase();
  if (idempotenceAsked !== undefined && idempotenceAsked !== 'true' && idempotenceAsked !== 'false') throw new Error(`Invalid value ${idempotenceAsked} for configuration enable.idempotence: Expected value to be either true or false`);
  // Kafka's ProducerConfig.postProcessAndValidateIdempotenceConfigs: idempotence asked for needs acks=all and at
  // most 5 requests in flight; when not asked for, a conflicting setting turns it off.
  if (idempotenceAsked === 'true' && acks !== -1) throw new Error('Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.');
  if (idempotenceAsked === 'true' && maxInFlight > 5) throw new Error('To use the idempotent producer, max.in.flight.requests.per.connection must be set to at most 5.');
  const idempotence = idempotenceAsked === undefined ? acks === -1 && maxInFlight <= 5 : idempotenceAsked === 'true';
  return {
    bootstrapServers,
    clientId: props['client.id'] ?? 'perf-producer-client',
    acks,
    batchSize: intConfig(props, 'batch.size', 16_384, 0),
    lingerMs: intConfig(props, 'linger.ms', 5, 0),
    compression,
    maxInFlight,
    requestTimeoutMs: intConfig(props, 'request.timeout.ms', 30_000, 0),
    maxBlockMs: intConfig(props, 'max.block.ms', 60_000, 0),
    bufferMemory: intConfig(props, 'buffer.memory', 33_554_432, 0),
    maxRequestSize: intConfig(props, 'max.request.size', 1_048_576, 0),
    idempotence,
  };
}

/** Kafka's readPayloadFile: the file split at the delimiter, with its two lines of output. */
async function readPayloads(file: string, delimiter: string, io: ToolOutput): Promise<Buffer[]> {
  const path = resolve(file);
  io.out(`Reading payloads from: ${path}\n`);
  const size = await stat(path).then((s) => s.size, () => 0);
  if (size === 0) throw new Error('File does not exist or empty file provided.');
  const payloads = (await readFile(path, 'utf8')).split(delimiter).filter((s) => s !== '').map((s) => Buffer.from(s, 'utf8'));
  io.out(`Number of records read: ${payloads.length}\n`);
  return payloads;
}

/** Checks the arguments as ProducerPerformance.ConfigPostProcessor does. @throws ArgumentError with Kafka's message. */
function checkArguments(opts: ProducerPerfOptions): void {
  for (const [name, value] of [['--topic', opts.topic], ['--num-records', opts.numRecords], ['--throughput', opts.throughput]] as const) {
    if (value === undefined) throw new ArgumentError(`argument ${name} is required`);
  }
  const payloads = [opts.recordSize, opts.payloadFile, opts.payloadMonotonic === true ? 'x' : undefined].filter((v) => v !== undefined).length;
  if (payloads === 0) throw new ArgumentError('one of the arguments --record-size --payload-file --payload-monotonic is required');
  if (payloads > 1) throw new ArgumentError('argument --record-size, --payload-file and --payload-monotonic are mutually exclusive');
  if (number('--num-records', opts.numRecords, true)! <= 0) throw new ArgumentError('--num-records should be greater than zero.');
  if ((number('--warmup-records', opts.warmupRecords, true) ?? 0) >= number('--num-records', opts.numRecords, true)!) {
    throw new ArgumentError('The value for --warmup-records must be strictly fewer than the number of records in the test, --num-records.');
  }
  if ((number('--record-size', opts.recordSize, true) ?? 1) <= 0) throw new ArgumentError('--record-size should be greater than zero.');
  if (opts.bootstrapServer === undefined && opts.commandProperty === undefined && opts.producerProps === undefined && opts.producerConfig === undefined && opts.commandConfig === undefined) {
    throw new ArgumentError('At least one of --bootstrap-server, --command-property, --producer-props, --producer.config or --command-config must be specified.');
  }
  if (opts.commandProperty !== undefined && opts.producerProps !== undefined) throw new ArgumentError('--command-property and --producer-props cannot be specified together.');
  if (opts.commandConfig !== undefined && opts.producerConfig !== undefined) throw new ArgumentError('--command-config and --producer.config cannot be specified together.');
  if ((number('--transaction-duration-ms', opts.transactionDurationMs, true) ?? 1) <= 0) throw new ArgumentError('--transaction-duration-ms should be greater than zero.');
  if (number('--reporting-interval', opts.reportingInterval, true)! <= 0) throw new ArgumentError('--reporting-interval should be greater than zero.');
  if ((number('--record-key-range', opts.recordKeyRange, true) ?? 1) <= 0) throw new ArgumentError('--record-key-range should be greater than zero.');
  if (!['none', 'range', 'random'].includes(opts.keyDistribution)) throw new ArgumentError(`argument --key-distribution: invalid choice: '${opts.keyDistribution}' (choose from {none,range,random})`);
  if (opts.keyDistribution !== 'none' && opts.recordKeyRange === undefined) throw new ArgumentError("--record-key-range is required when --key-distribution is 'range' or 'random'.");
  if (opts.keyDistribution === 'none' && opts.recordKeyRange !== undefined) throw new ArgumentError("--key-distribution must be 'range' or 'random' when --record-key-range is specified.");
  number('--throughput', opts.throughput, false);
  number('--random-seed', opts.randomSeed, true);
}

/** A seeded xorshift32 source (the run is reproducible for a --random-seed, as Kafka's SplittableRandom). */
function seededRandom(seed: number): (bound: number) => number {
  let s = (seed ^ 0x9e3779b9) >>> 0 || 1;
  return (bound) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s % bound;
  };
}

async function run(opts: ProducerPerfOptions, io: ToolOutput): Promise<void> {
  checkArguments(opts);
  const unsupported = opts.printMetrics === true ? '--print-metrics' : opts.transactionalId !== undefined ? '--transactional-id' : opts.transactionDurationMs !== undefined ? '--transaction-duration-ms' : Number(opts.warmupRecords) > 0 ? '--warmup-records' : null;
  if (unsupported !== null) throw new Error(`${unsupported} is not supported by kafka-broker producer-perf-test`);
  const numRecords = Number(opts.numRecords);
  const recordSize = opts.recordSize === undefined ? null : Number(opts.recordSize);
  const throughput = Number(opts.throughput);
  const delimiter = opts.payloadDelimiter === '\\n' ? '\n' : opts.payloadDelimiter;
  const payloads = opts.payloadFile === undefined ? [] : await readPayloads(opts.payloadFile, delimiter, io);
  if (opts.producerProps !== undefined) io.out('Option --producer-props has been deprecated and will be removed in a future version. Use --command-property instead.\n');
  if (opts.producerConfig !== undefined) io.out('Option --producer.config has been deprecated and will be removed in a future version. Use --command-config instead.\n');
  const props = { ...(await propertiesFile(opts.commandConfig ?? opts.producerConfig)), ...pairs(opts.commandProperty ?? opts.producerProps ?? []) };
  if (props['transactional.id'] !== undefined) throw new Error('transactional.id: transactions are not supported by kafka-broker producer-perf-test');
  if (opts.bootstrapServer !== undefined) props['bootstrap.servers'] = opts.bootstrapServer;
  const settings = perfProducerOptions(props);
  if (recordSize !== null && recordSize + 100 > settings.maxRequestSize) {
    throw new Error(`The message is ${recordSize + 100} bytes when serialized which is larger than ${settings.maxRequestSize}, which is the value of the max.request.size configuration.`);
  }
  const random = seededRandom(Number(opts.randomSeed));
  const pool = Buffer.allocUnsafe(POOL_BYTES + (recordSize ?? 0));
  for (let j = 0; j < pool.length; j++) pool[j] = 65 + random(26);
  const keyRange = opts.recordKeyRange === undefined ? 0 : Number(opts.recordKeyRange);
  const reportingIntervalMs = Number(opts.reportingInterval);
  const admin = new AdminClient(parseBootstrapAddresses(settings.bootstrapServers), { clientId: settings.clientId, timeoutMs: settings.maxBlockMs });
  const stats = new ProducerPerfStats(numRecords, reportingIntervalMs, false, (line) => io.out(line));
  let failures = 0;
  const producer = await PerfProducer.create(admin, opts.topic!, settings, (batch, nowMs, error) => {
    if (error !== null) {
      if (failures++ < 10) io.err(`${error.name}: ${error.message} (${batch.recordCount} records to ${opts.topic}-${batch.partition})\n`);
      return;
    }
    const bytes = batch.valueBytes / batch.recordCount;
    for (const sentMs of batch.sendTimesMs) stats.record(nowMs - sentMs, bytes, nowMs);
  }).catch((e: unknown) => {
    admin.close();
    throw e;
  });
  try {
    const startMs = Date.now();
    for (let i = 0; i < numRecords; i++) {
      const at = recordSize !== null ? random(POOL_BYTES) : 0;
      const value = recordSize !== null
        ? pool.subarray(at, at + recordSize)
        : payloads.length > 0 ? payloads[random(payloads.length)]! : Buffer.from(String(i));
      const key = opts.keyDistribution === 'range' ? Buffer.from(String(i % keyRange)) : opts.keyDistribution === 'random' ? Buffer.from(String(random(keyRange))) : null;
      const nowMs = Date.now();
      const wait = producer.send(key, value, key === null ? -1 : partitionForKey(key, producer.partitionCount), nowMs);
      if (wait !== undefined) await wait;
      // ThroughputThrottler: ahead of --throughput records/s, sleep until the schedule catches up (2 ms or more).
      if (throughput >= 0) {
        const aheadMs = ((i + 1) / throughput) * 1000 - (nowMs - startMs);
        if (aheadMs >= 2) await new Promise((r) => setTimeout(r, aheadMs));
      }
    }
    await producer.flush();
  } finally {
    producer.close();
    admin.close();
  }
  stats.printTotal();
  if (failures > 10) io.err(`... ${failures - 10} more failed batches\n`);
}

/** The `producer-perf-test` command; `io` gets what Kafka's tool prints on stdout and stderr. */
export function producerPerfTestCommand(io: ToolOutput = PROCESS_OUTPUT): Command {
  const command = new Command('producer-perf-test')
    .description('This tool is used to verify the producer performance (kafka-producer-perf-test).')
    .option('--bootstrap-server <BOOTSTRAP-SERVER>', 'The server(s) to connect to. This config takes precedence over bootstrap.servers specified via --command-property or --command-config.')
    .option('--topic <TOPIC>', 'Produce records to this topic.')
    .option('--num-records <NUM-RECORDS>', 'Number of records to produce.')
    .option('--record-size <RECORD-SIZE>', 'Record size in bytes. Note that you must provide exactly one of --record-size, --payload-file or --payload-monotonic.')
    .option('--payload-file <PAYLOAD-FILE>', 'File to read the record payloads from. This works only for UTF-8 encoded text files. Payloads will be read from this file and a payload will be randomly selected when sending records.')
    .option('--payload-monotonic', 'Payload is a monotonically increasing integer.')
    .option('--payload-delimiter <PAYLOAD-DELIMITER>', 'Provides the delimiter to be used when --payload-file is provided. Defaults to new line.', '\\n')
    .option('--throughput <THROUGHPUT>', 'Throttle maximum record throughput to *approximately* THROUGHPUT records/sec. Set this to -1 to disable throttling.')
    .option('--producer-props <PROP-NAME=PROP-VALUE...>', '(DEPRECATED) Kafka producer related configuration properties like client.id. Use --command-property instead.')
    .option('--command-property <PROP-NAME=PROP-VALUE...>', 'Kafka producer related configuration properties like client.id. These configs take precedence over those passed via --command-config or --producer.config.')
    .option('--producer.config <CONFIG-FILE>', '(DEPRECATED) Producer config properties file. Use --command-config instead.')
    .option('--command-config <CONFIG-FILE>', 'Producer config properties file.')
    .option('--print-metrics', 'Print out metrics at the end of the test (not supported: refused).')
    .option('--transactional-id <TRANSACTIONAL-ID>', 'The transactional id to use (not supported: refused).')
    .option('--transaction-duration-ms <TRANSACTION-DURATION>', 'The maximum duration of each transaction (not supported: refused).')
    .option('--warmup-records <WARMUP-RECORDS>', 'The number of records to treat as warmup (not supported: refused when above 0).', '0')
    .option('--reporting-interval <INTERVAL-MS>', 'Interval in milliseconds at which to print progress info.', '5000')
    .option('--record-key-range <KEY-RANGE>', "The range of keys to use when --key-distribution is 'range' or 'random'. Keys will be integers in [0, KEY-RANGE).")
    .option('--key-distribution <KEY-DISTRIBUTION>', "The key distribution to use: 'none' for null keys, 'range' for round-robin keys in [0, KEY-RANGE), or 'random' for random keys in [0, KEY-RANGE).", 'none')
    .option('--random-seed <RANDOM-SEED>', 'Seed for the pseudo-random number generator used by --key-distribution random and random payload generation.', '0');
  command.action(async () => {
    // commander names "--producer.config" producer.config; read it by its attribute name.
    const raw = command.opts() as ProducerPerfOptions & { 'producer.config'?: string };
    const opts = { ...raw, producerConfig: raw['producer.config'] };
    try {
      await run(opts, io);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      io.err(e instanceof ArgumentError ? `${command.helpInformation()}${PROG}: error: ${message}\n` : `${message}\n`);
      process.exitCode = 1;
    }
  });
  return command;
}
