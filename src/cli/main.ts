import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { parseProperties } from '../config/parse-properties.ts';
import { DEFAULT_SERVER_PROPERTIES } from '../config/default-server-properties.ts';
import { configFromEnv } from '../config/config-from-env.ts';
import { KafkaConfig } from '../config/kafka-config.ts';
import { ConfigException } from '../config/config-exception.ts';
import { ProcessTerminatingFaultHandler } from '../common/fault-handler.ts';
import { checkClusterId } from '../config/cluster-id.ts';
import { levelFromEnv, rootLogger, setLogLevel } from '../observability/logger.ts';
import { formatDirectories, readMetaProperties } from '../metadata/meta-properties.ts';
import { KafkaRaftServer, randomClusterId } from '../server/kafka-raft-server.ts';
import { initialVoters, metadataDirectoryId, writeBootstrapSnapshot } from './dynamic-quorum-format.ts';
import { parseScramArguments } from './parse-scram-arguments.ts';
import { collect } from './admin-tool.ts';
import { BootstrapMetadata } from '../controller/bootstrap-metadata.ts';
import { METADATA_VERSION_LEVEL } from '../controller/quorum-controller.ts';
import { encodeMetadataRecord } from '../metadata/metadata-record-serde.ts';
import { formatDynamicVoter } from './dynamic-voters.ts';
import { metadataQuorumCommand } from './metadata-quorum-command.ts';
import { topicsCommand } from './topics-command.ts';
import { consumerGroupsCommand } from './consumer-groups-command.ts';
import { getOffsetsCommand } from './get-offsets-command.ts';
import { configsCommand } from './configs-command.ts';
import { consoleProducerCommand } from './console-producer-command.ts';
import { consoleConsumerCommand } from './console-consumer-command.ts';
import { aclsCommand } from './acls-command.ts';
import { deleteRecordsCommand } from './delete-records-command.ts';
import { leaderElectionCommand } from './leader-election-command.ts';
import { dumpLogCommand } from './dump-log-command.ts';
import { producerPerfTestCommand } from './producer-perf-test-command.ts';
import { consumerPerfTestCommand } from './consumer-perf-test-command.ts';
import { logDirsCommand } from './log-dirs-command.ts';
import { reassignPartitionsCommand } from './reassign-partitions-command.ts';
import { transactionsCommand } from './transactions-command.ts';

const pkg = createRequire(import.meta.url)('../../package.json') as { name: string; version: string };
/** Environment variable by which tests poison recycled frame memory ('1'); see start(). */
export const POISON_FRAMES_ENV = 'BROKER_TEST_POISON_FRAMES';

/** Parses `key=value` (the value may contain '='). @throws Error naming the bad argument. */
function parseOverride(arg: string, acc: Record<string, string>): Record<string, string> {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`--override expects key=value, got '${arg}'`);
  acc[arg.slice(0, eq).trim()] = arg.slice(eq + 1);
  return acc;
}

/** What {@link loadConfig} returns. */
export interface LoadedConfig {
  readonly config: KafkaConfig;
  /** CLUSTER_ID from the environment. */
  readonly clusterId: string | undefined;
  /** KAFKA_* variables ignored because they map to no broker config (Kubernetes service links...). */
  readonly unknownEnv: readonly string[];
}

/**
 * The configuration a command runs with: the file given by --config (else the embedded single-node default,
 * the same as config/server.properties), then KAFKA_* environment variables (as the Apache Kafka Docker image
 * maps them; those that name no config are ignored and returned in `unknownEnv`), then --override key=value
 * arguments. Validated by KafkaConfig: unknown names in the file or the overrides, bad values and refused settings
 * stop the command with every problem listed.
 */
export async function loadConfig(file: string | undefined, overrides: Record<string, string>, env: NodeJS.ProcessEnv): Promise<LoadedConfig> {
  const base = file === undefined ? { ...DEFAULT_SERVER_PROPERTIES } : parseProperties(await readFile(file, 'utf8'));
  const fromEnv = configFromEnv(env, base.listeners);
  const props = { ...base, ...fromEnv.props, ...overrides };
  // The embedded default advertises its own PLAINTEXT listener: when the environment or the overrides name other
  // listeners (a container of a cluster, a controller-only node), that advertisement is not theirs to keep.
  const listenersReplaced = props.listeners !== base.listeners;
  const advertisedNamed = fromEnv.props['advertised.listeners'] !== undefined || overrides['advertised.listeners'] !== undefined;
  if (file === undefined && listenersReplaced && !advertisedNamed) delete props['advertised.listeners'];
  try {
    return { config: KafkaConfig.fromProps(props), clusterId: fromEnv.clusterId, unknownEnv: fromEnv.unknown };
  } catch (e) {
    if (e instanceof ConfigException) throw new Error(`invalid configuration${file === undefined ? '' : ` in ${file}`}:\n  ${e.message.split('\n').join('\n  ')}`);
    throw e;
  }
}

/**
 * The log level a command runs with: log.level when set (file, KAFKA_LOG_LEVEL, --override), else LOG_LEVEL,
 * else info. An unusable LOG_LEVEL is reported once the logger runs.
 */
function applyLogLevel(loaded: LoadedConfig, env: NodeJS.ProcessEnv): void {
  const { config } = loaded;
  const fromEnv = levelFromEnv(env.LOG_LEVEL);
  setLogLevel(config.isSet('log.level') ? (config.getString('log.level') ?? 'info') : (fromEnv ?? 'info'));
  if (env.LOG_LEVEL !== undefined && fromEnv === undefined) {
    rootLogger.warn(`LOG_LEVEL=${env.LOG_LEVEL} names no level (trace, debug, info, warn, error, fatal, silent): ignored`);
  }
  if (loaded.unknownEnv.length > 0) {
    rootLogger.warn({ variables: loaded.unknownEnv }, `Ignored environment variables that name no broker config: ${loaded.unknownEnv.join(', ')}`);
  }
}

/** A one-voter quorum made of this node: the default single-node setup, which may format itself on first start. */
function isSingleNodeQuorum(config: KafkaConfig): boolean {
  const voters = config.quorumVoters;
  return voters.length === 1 && voters[0]!.id === config.nodeId && config.isController && config.isBroker;
}

/**
 * An error no code caught ends the broker deliberately, with one fatal log line carrying the error and exit code 1,
 * instead of running on in an unknown state. One listener sees both kinds: with no 'unhandledRejection' listener
 * Node raises an unhandled rejection as an uncaught exception whose origin says so.
 */
function haltOnUncaughtErrors(): void {
  const fault = new ProcessTerminatingFaultHandler(rootLogger);
  process.on('uncaughtException', (err, origin) => {
    fault.handleFault(origin === 'unhandledRejection' ? 'Unhandled promise rejection' : 'Uncaught exception', err);
  });
}

async function start(options: { config?: string; override: Record<string, string> }): Promise<void> {
  haltOnUncaughtErrors();
  const loaded = await loadConfig(options.config, options.override, process.env);
  const { config, clusterId } = loaded;
  applyLogLevel(loaded, process.env);
  const formatClusterId = clusterId ?? (isSingleNodeQuorum(config) ? randomClusterId() : undefined);
  // Tests of real processes (test/cluster/) set this: every frame (requests, and the replica fetchers' responses)
  // comes from the pool and recycled memory is filled with 0xEE, so that a path still reading a recycled frame
  // sees garbage (a CRC or decode failure) instead of plausible stale bytes. Not a broker setting.
  const poison = process.env[POISON_FRAMES_ENV] === '1';
  const server = await KafkaRaftServer.start(config, poison ? { formatClusterId, framePool: { poison: true, minPooledBytes: 1 } } : { formatClusterId });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    rootLogger.info({ signal }, 'Received signal, shutting down');
    server.shutdown().then(
      () => process.exit(0),
      (err: unknown) => {
        rootLogger.fatal({ err }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** The options of `kafka-broker format`. */
interface FormatOptions {
  config?: string;
  override: Record<string, string>;
  clusterId: string;
  ignoreFormatted?: boolean;
  standalone?: boolean;
  /** The voters of --initial-controllers, or false for --no-initial-controllers (commander's negated option). */
  initialControllers?: string | false;
  /** --add-scram, repeated: `SCRAM-SHA-256=[name=alice,password=alice-secret]`. */
  addScram?: string[];
}

/**
 * `kafka-broker format`, as `kafka-storage format`: writes meta.properties into every log directory. The cluster id
 * must be a Kafka Uuid (base64url, 16 bytes). A formatted directory stops the command unless --ignore-formatted,
 * which skips it and says so. A controller of a dynamic quorum (KIP-853: controller.quorum.voters empty) needs
 * --standalone (this node alone is the first voter), --initial-controllers id@host:port:directoryId,... or
 * --no-initial-controllers (it joins later, through controller.quorum.bootstrap.servers); the initial voters go
 * into the bootstrap checkpoint of its metadata log directory, whose directory.id is its voter's.
 *
 * A controller's bootstrap checkpoint also holds the bootstrap metadata records, as Kafka 4's Formatter writes
 * them: metadata.version, the other feature levels, and one UserScramCredentialRecord per --add-scram; the first
 * active controller of the cluster appends them to the metadata log (BootstrapMetadata.read). Every argument is
 * checked before anything is written. Controllers formatted with --no-initial-controllers get no checkpoint (they
 * join a cluster that has its metadata), nor do broker-only nodes (theirs would never be read).
 */
async function format(options: FormatOptions): Promise<void> {
  const loaded = await loadConfig(options.config, options.override, process.env);
  applyLogLevel(loaded, process.env);
  const { config } = loaded;
  const invalid = checkClusterId(options.clusterId);
  if (invalid !== null) throw new Error(invalid);
  const voters = initialVoters(config, {
    standalone: options.standalone,
    initialControllers: typeof options.initialControllers === 'string' ? options.initialControllers : undefined,
    noInitialControllers: options.initialControllers === false,
  });
  const bootstrap = BootstrapMetadata.fromVersions(METADATA_VERSION_LEVEL, 'format command');
  const scramRecords = parseScramArguments(options.addScram ?? []);
  const dirs = [...new Set([...config.logDirs, config.metadataLogDir])];
  const formatted = new Set<string>();
  for (const dir of dirs) if ((await readMetaProperties(dir)) !== null) formatted.add(dir);
  // The bootstrap checkpoint first, as Kafka's Formatter: a directory with meta.properties always has its voters.
  if (formatted.size > 0 && options.ignoreFormatted !== true) {
    throw new Error(`Log directory ${[...formatted][0]} is already formatted. Use --ignore-formatted to ignore this directory and format the others.`);
  }
  const metadataDir = config.metadataLogDir;
  const records = [...bootstrap.records, ...scramRecords].map(encodeMetadataRecord);
  const wroteCheckpoint = options.initialControllers !== false && !formatted.has(metadataDir) && (await writeBootstrapSnapshot(config, voters, records));
  const directoryId = metadataDirectoryId(config, voters);
  await formatDirectories(dirs, options.clusterId, config.nodeId, options.ignoreFormatted === true, directoryId === null ? undefined : new Map([[metadataDir, directoryId]]));
  for (const dir of dirs) {
    console.log(formatted.has(dir)
      ? `Skipped ${dir}: already formatted.`
      : `Formatted ${dir} with cluster.id ${options.clusterId} and node.id ${config.nodeId}.`);
  }
  if (wroteCheckpoint && voters !== null) console.log(`Wrote the initial controllers of the dynamic quorum (${voters.map(formatDynamicVoter).join(',')}) into the bootstrap checkpoint of ${metadataDir}.`);
  if (wroteCheckpoint && scramRecords.length > 0) console.log(`Wrote ${scramRecords.length} SCRAM credential(s) into the bootstrap checkpoint of ${metadataDir}.`);
  if (formatted.size === dirs.length) console.log('All of the log directories are already formatted.');
}

/** Runs the `kafka-broker` command line (argv as in process.argv). */
export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('kafka-broker').description('A Kafka-compatible broker (KRaft mode) on Node.js').version(pkg.version, '-V, --version');
  program
    .command('start')
    .description('start a broker (with no --config: a single-node broker+controller on localhost:9092, data in ./data)')
    .option('-c, --config <file>', 'server.properties file')
    .option('-o, --override <key=value>', 'override a config (repeatable)', parseOverride, {})
    .action(start);
  program
    .command('format')
    .description('format the log directories with a cluster id, like kafka-storage format')
    .option('-c, --config <file>', 'server.properties file')
    .option('-o, --override <key=value>', 'override a config (repeatable)', parseOverride, {})
    .requiredOption('-t, --cluster-id <id>', 'the cluster id (see random-uuid)')
    .option('-g, --ignore-formatted', 'skip directories that are already formatted')
    .option('-s, --standalone', 'initialize this controller as a single-node dynamic quorum (controller.quorum.voters must not be set)')
    .option('-I, --initial-controllers <voters>', 'initialize a dynamic quorum with these voters: id@host:port:directoryId,... (the same on every node)')
    .option('-N, --no-initial-controllers', 'initialize a node of a dynamic quorum without initial voters (it joins through controller.quorum.bootstrap.servers)')
    .option('-S, --add-scram <scram>', "a SCRAM credential for the bootstrap metadata, e.g. 'SCRAM-SHA-256=[name=alice,password=alice-secret]' (or salt=<base64>,iterations=<n>,saltedpassword=<base64>); repeatable", collect)
    .action(format);
  program.addCommand(metadataQuorumCommand());
  program.addCommand(topicsCommand());
  program.addCommand(consumerGroupsCommand());
  program.addCommand(getOffsetsCommand());
  program.addCommand(configsCommand());
  program.addCommand(consoleProducerCommand());
  program.addCommand(consoleConsumerCommand());
  program.addCommand(deleteRecordsCommand());
  program.addCommand(leaderElectionCommand());
  program.addCommand(aclsCommand());
  program.addCommand(dumpLogCommand());
  program.addCommand(producerPerfTestCommand());
  program.addCommand(consumerPerfTestCommand());
  program.addCommand(logDirsCommand());
  program.addCommand(transactionsCommand());
  program.addCommand(reassignPartitionsCommand());
  program
    .command('random-uuid')
    .description('print a new random cluster id')
    .action(() => console.log(randomClusterId()));
  program
    .command('version')
    .description('print the version')
    .action(() => console.log(`${pkg.name} ${pkg.version} (Kafka protocol of Apache Kafka 3.9/4.0, KRaft mode)`));
  await program.parseAsync(argv);
}
