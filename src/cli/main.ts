import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { parseProperties } from '../config/parse-properties.ts';
import { DEFAULT_SERVER_PROPERTIES } from '../config/default-server-properties.ts';
import { configFromEnv } from '../config/config-from-env.ts';
import { KafkaConfig } from '../config/kafka-config.ts';
import { ConfigException } from '../config/config-exception.ts';
import { ProcessTerminatingFaultHandler } from '../common/fault-handler.ts';
import { rootLogger, setLogLevel } from '../observability/logger.ts';
import { formatDirectories } from '../metadata/meta-properties.ts';
import { BrokerServer, randomClusterId } from '../server/broker-server.ts';

const pkg = createRequire(import.meta.url)('../../package.json') as { name: string; version: string };

/** Parses `key=value` (the value may contain '='). @throws Error naming the bad argument. */
function parseOverride(arg: string, acc: Record<string, string>): Record<string, string> {
  const eq = arg.indexOf('=');
  if (eq <= 0) throw new Error(`--override expects key=value, got '${arg}'`);
  acc[arg.slice(0, eq).trim()] = arg.slice(eq + 1);
  return acc;
}

/**
 * The configuration a command runs with: the file given by --config (else the embedded single-node default,
 * the same as config/server.properties), then KAFKA_* environment variables (as the Apache Kafka Docker image
 * maps them), then --override key=value arguments. Validated by KafkaConfig (unknown names and bad values stop
 * the command with every problem listed).
 */
export async function loadConfig(file: string | undefined, overrides: Record<string, string>, env: NodeJS.ProcessEnv): Promise<{ config: KafkaConfig; clusterId: string | undefined }> {
  const base = file === undefined ? { ...DEFAULT_SERVER_PROPERTIES } : parseProperties(await readFile(file, 'utf8'));
  const fromEnv = configFromEnv(env);
  const envProps = { ...fromEnv.props };
  // The image derives listeners from KAFKA_ADVERTISED_LISTENERS only for a config made from the environment
  // alone; listeners given by the file (or the embedded default) stay unless KAFKA_LISTENERS names others.
  if ((env.KAFKA_LISTENERS ?? '') === '' && base.listeners !== undefined) delete envProps.listeners;
  const props = { ...base, ...envProps, ...overrides };
  try {
    return { config: KafkaConfig.fromProps(props), clusterId: fromEnv.clusterId };
  } catch (e) {
    if (e instanceof ConfigException) throw new Error(`invalid configuration${file === undefined ? '' : ` in ${file}`}:\n  ${e.message.split('\n').join('\n  ')}`);
    throw e;
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
  const { config, clusterId } = await loadConfig(options.config, options.override, process.env);
  setLogLevel(config.getString('log.level') ?? 'info');
  const formatClusterId = clusterId ?? (isSingleNodeQuorum(config) ? randomClusterId() : undefined);
  const server = await BrokerServer.start(config, { formatClusterId });
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

async function format(options: { config?: string; override: Record<string, string>; clusterId: string; ignoreFormatted?: boolean }): Promise<void> {
  const { config } = await loadConfig(options.config, options.override, process.env);
  const dirs = [...new Set([...config.logDirs, config.metadataLogDir])];
  await formatDirectories(dirs, options.clusterId, config.nodeId, options.ignoreFormatted === true);
  console.log(`Formatted ${dirs.join(', ')} with cluster.id ${options.clusterId} and node.id ${config.nodeId}.`);
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
    .action(format);
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
