// `kafka-broker metadata-quorum`: Apache Kafka's kafka-metadata-quorum.sh (MetadataQuorumCommand) with its flags,
// rules, messages and output: describe --status | --replication [--human-readable], add-controller [--dry-run]
// (with --command-config naming the new controller's server.properties), remove-controller --controller-id
// --controller-directory-id [--dry-run].

import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { uuidDecodeError } from '../config/cluster-id.ts';
import { parseEndpoints } from '../config/endpoint.ts';
import { parseProperties } from '../config/parse-properties.ts';
import { readMetaProperties } from '../metadata/meta-properties.ts';
import { QuorumAdminClient, type BootstrapAddress, type QuorumAdminTarget } from './quorum-admin-client.ts';
import { formatEndpoint, formatQuorumReplication, formatQuorumStatus, type QuorumEndpoint } from './quorum-describe-format.ts';

/** Kafka's Admin default.api.timeout.ms. */
const DEFAULT_API_TIMEOUT_MS = 60_000;

/** The controller an add-controller adds: what Kafka's tool reads from the controller's config file. */
export interface ControllerToAdd {
  readonly nodeId: number;
  readonly directoryId: string;
  readonly endpoints: readonly QuorumEndpoint[];
}

/** The options of `metadata-quorum` itself (before its subcommand). */
interface ConnectionOptions {
  bootstrapServer?: string;
  bootstrapController?: string;
  commandConfig?: string;
}

/**
 * Parses a `host:port,host:port` list (Kafka's --bootstrap-server / --bootstrap-controller).
 * @throws Error for an entry without a valid port.
 */
export function parseBootstrapAddresses(value: string): BootstrapAddress[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '').map((entry) => {
    const colon = entry.lastIndexOf(':');
    const host = entry.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    const port = Number(entry.slice(colon + 1));
    if (colon <= 0 || host === '' || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Invalid host:port '${entry}' (expected host1:9092,host2:9092)`);
    return { host, port };
  });
}

/**
 * The controller described by a controller's server.properties (Kafka's getControllerId, getMetadataDirectory,
 * getMetadataDirectoryId and getControllerAdvertisedListeners): node.id, the directory id of its metadata log
 * directory's meta.properties, and its endpoints on every controller listener (advertised.listeners over
 * listeners; an empty host is localhost).
 * @throws Error with Kafka's message when the file is not a controller's, or the directory is not formatted.
 */
export async function controllerToAdd(props: Readonly<Record<string, string>>): Promise<ControllerToAdd> {
  const hint = 'Is this a valid controller configuration file?';
  if (props['node.id'] === undefined) throw new Error(`node.id not found in configuration file. ${hint}`);
  const nodeId = Number.parseInt(props['node.id'], 10);
  if (!Number.isInteger(nodeId)) throw new Error(`node.id is not a number in configuration file. ${hint}`);
  if (nodeId < 0) throw new Error(`node.id was negative in configuration file. ${hint}`);
  if (!(props['process.roles'] ?? '').includes('controller')) throw new Error(`process.roles did not contain 'controller' in configuration file. ${hint}`);
  const metadataDir = props['metadata.log.dir'] ?? props['log.dirs']?.trim().split(',')[0];
  if (metadataDir === undefined) throw new Error(`Neither metadata.log.dir nor log.dirs were found. ${hint}`);
  const meta = await readMetaProperties(metadataDir).catch(() => null);
  if (meta === null) throw new Error(`Unable to read meta.properties from ${metadataDir}`);
  if (meta.directoryId === null) throw new Error(`No directory id found in ${metadataDir}`);
  const listeners = new Map<string, QuorumEndpoint>();
  for (const key of ['listeners', 'advertised.listeners']) {
    for (const e of parseEndpoints(props[key] ?? '', () => 'PLAINTEXT')) listeners.set(e.listenerName, { listener: e.listenerName, host: e.host ?? 'localhost', port: e.port });
  }
  if (props['controller.listener.names'] === undefined) throw new Error(`controller.listener.names was not found. ${hint}`);
  const endpoints: QuorumEndpoint[] = [];
  for (const raw of props['controller.listener.names'].split(',')) {
    const name = raw.trim().toUpperCase();
    const endpoint = listeners.get(name);
    if (endpoint === undefined) throw new Error(`Cannot find information about controller listener name: ${name}`);
    if (!endpoints.some((e) => e.listener === name)) endpoints.push(endpoint);
  }
  return { nodeId, directoryId: meta.directoryId, endpoints };
}

/** The --command-config properties ({} without one). @throws Error when the file is missing or asks for TLS/SASL. */
export async function commandConfig(file: string | undefined): Promise<Record<string, string>> {
  if (file === undefined) return {};
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`Properties file ${file} does not exist.`);
  }
  const props = parseProperties(text);
  const protocol = props['security.protocol'];
  // The admin connection is PLAINTEXT: a file asking for TLS or SASL is refused rather than ignored.
  if (protocol !== undefined && protocol.toUpperCase() !== 'PLAINTEXT') throw new Error(`security.protocol=${protocol} is not supported: kafka-broker connects with PLAINTEXT only`);
  return props;
}

/** The admin target of the connection options. @throws Error unless exactly one of the two is given. */
function targetOf(options: ConnectionOptions): QuorumAdminTarget {
  const { bootstrapServer, bootstrapController } = options;
  if (bootstrapServer !== undefined && bootstrapController !== undefined) throw new Error('argument --bootstrap-server: not allowed with argument --bootstrap-controller');
  if (bootstrapServer === undefined && bootstrapController === undefined) throw new Error('one of the arguments --bootstrap-server --bootstrap-controller is required');
  return bootstrapServer !== undefined
    ? { kind: 'brokers', addresses: parseBootstrapAddresses(bootstrapServer) }
    : { kind: 'controllers', addresses: parseBootstrapAddresses(bootstrapController!) };
}

async function withClient<T>(options: ConnectionOptions, props: Readonly<Record<string, string>>, run: (client: QuorumAdminClient) => Promise<T>): Promise<T> {
  const timeoutMs = props['default.api.timeout.ms'] === undefined ? DEFAULT_API_TIMEOUT_MS : Number(props['default.api.timeout.ms']);
  if (!(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new Error(`Invalid default.api.timeout.ms: ${props['default.api.timeout.ms']}`);
  const client = new QuorumAdminClient(targetOf(options), { timeoutMs });
  try {
    return await run(client);
  } finally {
    client.close();
  }
}

/** The `metadata-quorum` command and its subcommands; `out` gets what Kafka's tool prints on stdout. */
export function metadataQuorumCommand(out: (text: string) => void = (t) => process.stdout.write(t)): Command {
  const command = new Command('metadata-quorum')
    .description('describe and change the KRaft metadata quorum, like kafka-metadata-quorum')
    .option('--bootstrap-server <hosts>', 'a comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster')
    .option('--bootstrap-controller <hosts>', 'a comma-separated list of host:port pairs to use for establishing the connection to the Kafka controllers')
    .option('--command-config <file>', 'property file of admin client configs; for add-controller, the configuration of the controller to add');
  const connection = (sub: Command): ConnectionOptions => sub.parent!.opts<ConnectionOptions>();

  command
    .command('describe')
    .description('describe the metadata quorum info')
    .option('--status', 'a short summary of the quorum status')
    .option('--replication', 'detailed information about the status of replication')
    .option('--human-readable', 'human-readable times (with --replication)')
    .action(async (opts: { status?: boolean; replication?: boolean; humanReadable?: boolean }, sub: Command) => {
      if (opts.status === true && opts.replication === true) throw new Error('Only one of --status or --replication should be specified with describe sub-command');
      if (opts.replication !== true && opts.status !== true) throw new Error('One of --status or --replication must be specified with describe sub-command');
      if (opts.replication !== true && opts.humanReadable === true) throw new Error('The option --human-readable is only supported along with --replication');
      const options = connection(sub);
      const props = await commandConfig(options.commandConfig);
      await withClient(options, props, async (client) => {
        if (opts.replication === true) out(formatQuorumReplication(await client.describeQuorum(), opts.humanReadable === true, Date.now()));
        else out(formatQuorumStatus(await client.clusterId(), await client.describeQuorum()));
      });
    });

  command
    .command('add-controller')
    .description('add a controller to the KRaft controller cluster (--command-config is its server.properties)')
    .option('--dry-run', 'print what would be done, but do not do it')
    .action(async (opts: { dryRun?: boolean }, sub: Command) => {
      const options = connection(sub);
      if (options.commandConfig === undefined) throw new Error('You must supply the configuration file of the controller you are adding when using add-controller.');
      const props = await commandConfig(options.commandConfig);
      const controller = await controllerToAdd(props);
      if (opts.dryRun !== true) await withClient(options, props, (client) => client.addRaftVoter(controller.nodeId, controller.directoryId, controller.endpoints));
      out(`${opts.dryRun === true ? 'DRY RUN of adding' : 'Added'} controller ${controller.nodeId} with directory id ${controller.directoryId} and endpoints: ${controller.endpoints.map(formatEndpoint).join(', ')}\n`);
    });

  command
    .command('remove-controller')
    .description('remove a controller from the KRaft controller cluster')
    .requiredOption('-i, --controller-id <id>', 'the id of the controller to remove')
    .requiredOption('-d, --controller-directory-id <id>', 'the directory ID of the controller to remove')
    .option('--dry-run', 'print what would be done, but do not do it')
    .option('--unregister', 'also unregister the controller (UnregisterController: not supported by this broker)')
    .action(async (opts: { controllerId: string; controllerDirectoryId: string; dryRun?: boolean; unregister?: boolean }, sub: Command) => {
      if (opts.unregister === true) throw new Error('--unregister is not supported: this broker does not implement UnregisterController');
      const controllerId = Number(opts.controllerId);
      if (!Number.isInteger(controllerId)) throw new Error(`argument --controller-id/-i: could not convert '${opts.controllerId}' (not an integer)`);
      if (controllerId < 0) throw new Error(`Invalid negative --controller-id: ${controllerId}`);
      const invalid = uuidDecodeError(opts.controllerDirectoryId);
      if (invalid !== null) throw new Error(`Failed to parse --controller-directory-id: ${invalid}`);
      const options = connection(sub);
      const props = await commandConfig(options.commandConfig);
      if (opts.dryRun !== true) await withClient(options, props, (client) => client.removeRaftVoter(controllerId, opts.controllerDirectoryId));
      out(`${opts.dryRun === true ? 'DRY RUN of removing ' : 'Removed '}KRaft controller ${controllerId} with directory id ${opts.controllerDirectoryId}\n`);
    });
  return command;
}
