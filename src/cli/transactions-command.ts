// `kafka-broker transactions`: Apache Kafka's kafka-transactions.sh (TransactionsCommand, Kafka 4.4) with its
// sub-commands and tables (ToolsUtils.prettyPrintTable: each column padded to its widest cell, a tab after each):
//   list [--duration-filter ms] [--transactional-id-pattern regex]   ListTransactions to every broker
//   describe --transactional-id id                                   DescribeTransactions at the coordinator
//   describe-producers --topic t --partition p [--broker-id b]      DescribeProducers at the leader (or broker b)
//   abort --topic t --partition p (--start-offset o | --producer-id --producer-epoch --coordinator-epoch)
//                                                                    WriteTxnMarkers ABORT at the leader
//   find-hanging (--topic t [--partition p] | --broker-id b) [--max-transaction-timeout min]
// The global --bootstrap-server and --command-config come before the sub-command, as in Kafka's script. Failures
// print "<what failed>: <error message>. Enable debug logging for additional detail." on stderr and exit with 1.
// Not done: forceTerminateTransaction (KIP-939 two-phase commit) is refused.

import { Command, InvalidArgumentError } from 'commander';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { DescribeProducersResponse } from '../protocol/generated/messages/describe-producers-response.ts';
import type { DescribeTransactionsResponse } from '../protocol/generated/messages/describe-transactions-response.ts';
import type { FindCoordinatorResponse } from '../protocol/generated/messages/find-coordinator-response.ts';
import type { ListTransactionsResponse } from '../protocol/generated/messages/list-transactions-response.ts';
import type { WriteTxnMarkersResponse } from '../protocol/generated/messages/write-txn-markers-response.ts';
import { AdminError, type AdminClient } from './admin-client.ts';
import { PROCESS_OUTPUT, runTool, UsageError, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { topicPartitionHash } from './java-format.ts';
import { javaHashMapOrder } from './java-hash-map-order.ts';

/** FindCoordinator's key type of a transactional id (KIP-98). */
const TRANSACTION_KEY_TYPE = 1;
const MINUTE_MS = 60_000;

/** A failure Kafka's tool reports as "<context>: <cause>. Enable debug logging for additional detail.". */
class CommandFailure extends Error {}

function failed(context: string, cause: unknown): CommandFailure {
  return new CommandFailure(`${context}: ${cause instanceof Error ? cause.message : String(cause)}. Enable debug logging for additional detail.`);
}

/** ToolsUtils.prettyPrintTable. */
export function prettyPrintTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (row: readonly string[]): string => `${row.map((cell, i) => `${cell.padEnd(widths[i]!)}\t`).join('')}\n`;
  return line(headers) + rows.map(line).join('');
}

/** One active producer of a partition (DescribeProducers). */
interface ProducerState {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly lastSequence: number;
  readonly lastTimestamp: bigint;
  readonly coordinatorEpoch: number;
  readonly currentTxnStartOffset: bigint;
}

/** The cluster's brokers by id, and the partitions (with replicas and leader) of `topics` (null: every topic). */
async function cluster(client: AdminClient, topics: readonly string[] | null) {
  const m = await client.metadata(topics);
  const brokers = new Map(m.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port }]));
  return { brokers, topics: m.topics };
}

/** The active producers of `topic`-`partition` on its leader, or on `brokerId`. @throws AdminError. */
async function describeProducers(client: AdminClient, topic: string, partitions: readonly number[], brokerId: number | undefined): Promise<Map<number, ProducerState[]>> {
  const { brokers, topics } = await cluster(client, [topic]);
  const t = topics.find((x) => x.name === topic);
  if (t === undefined || t.errorCode !== Errors.NONE) throw new AdminError(t?.errorCode ?? Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
  const byNode = new Map<number, number[]>();
  for (const partition of partitions) {
    const leader = brokerId ?? t.partitions.find((p) => p.partitionIndex === partition)?.leaderId ?? -1;
    if (leader < 0) throw new AdminError(t.partitions.some((p) => p.partitionIndex === partition) ? Errors.LEADER_NOT_AVAILABLE : Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
    byNode.set(leader, [...(byNode.get(leader) ?? []), partition]);
  }
  const out = new Map<number, ProducerState[]>();
  for (const [nodeId, indexes] of byNode) {
    const node = brokers.get(nodeId);
    if (node === undefined) throw new Error(`Broker ${nodeId} is not in the cluster`);
    const r = await client.send<DescribeProducersResponse>(ApiKeys.DescribeProducers, { topics: [{ name: topic, partitionIndexes: indexes }] }, { node });
    for (const p of r.topics.flatMap((x) => x.partitions)) {
      if (p.errorCode !== Errors.NONE) throw new AdminError(p.errorCode, p.errorMessage);
      out.set(p.partitionIndex, p.activeProducers);
    }
  }
  return out;
}

/** The coordinator of `transactionalId` (FindCoordinator v4, key type 1). @throws AdminError. */
async function transactionCoordinator(client: AdminClient, transactionalId: string) {
  const r = await client.send<FindCoordinatorResponse>(ApiKeys.FindCoordinator, { keyType: TRANSACTION_KEY_TYPE, coordinatorKeys: [transactionalId] }, { version: { min: 4 } });
  const c = r.coordinators[0]!;
  if (c.errorCode !== Errors.NONE) throw new AdminError(c.errorCode, c.errorMessage);
  return { nodeId: c.nodeId, host: c.host, port: c.port };
}

/** ListTransactions on every broker: [brokerId, listing][] in the order of Kafka's allByBrokerId HashMap. */
async function listTransactions(client: AdminClient, durationFilterMs: bigint, producerIds: readonly bigint[]): Promise<[number, ListTransactionsResponse['transactionStates']][]> {
  const { brokers } = await cluster(client, []);
  const ids = javaHashMapOrder([...brokers.keys()], (n) => n);
  return Promise.all(ids.map(async (id) => {
    const request = { stateFilters: [], producerIdFilters: [...producerIds], durationFilter: durationFilterMs };
    const r = await client.send<ListTransactionsResponse>(ApiKeys.ListTransactions, request, { node: brokers.get(id)!, version: { min: durationFilterMs >= 0n ? 1 : 0 } });
    if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, null);
    return [id, r.transactionStates] as [number, ListTransactionsResponse['transactionStates']];
  }));
}

async function list(client: AdminClient, opts: { durationFilter?: string; transactionalIdPattern?: string }, io: ToolOutput): Promise<void> {
  let pattern: RegExp | null = null;
  if (opts.transactionalIdPattern !== undefined) pattern = new RegExp(`^(?:${opts.transactionalIdPattern})$`);
  let listings: Awaited<ReturnType<typeof listTransactions>>;
  try {
    listings = await listTransactions(client, opts.durationFilter === undefined ? -1n : BigInt(opts.durationFilter), []);
  } catch (e) {
    throw failed('Failed to list transactions', e);
  }
  // ListTransactions v2 (the pattern on the broker, KIP-1152) is newer than our codecs: the same filter applies here.
  const rows = listings.flatMap(([id, states]) => states.filter((s) => pattern === null || pattern.test(s.transactionalId)).map((s) => [s.transactionalId, String(id), String(s.producerId), s.transactionState]));
  io.out(prettyPrintTable(['TransactionalId', 'Coordinator', 'ProducerId', 'TransactionState'], rows));
}

async function describe(client: AdminClient, transactionalId: string, io: ToolOutput): Promise<void> {
  let coordinatorId: number;
  let state: DescribeTransactionsResponse['transactionStates'][number];
  try {
    const coordinator = await transactionCoordinator(client, transactionalId);
    coordinatorId = coordinator.nodeId;
    const r = await client.send<DescribeTransactionsResponse>(ApiKeys.DescribeTransactions, { transactionalIds: [transactionalId] }, { node: coordinator });
    state = r.transactionStates.find((s) => s.transactionalId === transactionalId)!;
    // Kafka's DescribeTransactionsHandler words this one error itself.
    if (state.errorCode === Errors.TRANSACTIONAL_ID_NOT_FOUND) throw new Error(`DescribeTransactions request for transactionalId \`${transactionalId}\` failed because the ID could not be found`);
    if (state.errorCode !== Errors.NONE) throw new AdminError(state.errorCode, null);
  } catch (e) {
    throw failed(`Failed to describe transaction state of transactional-id \`${transactionalId}\``, e);
  }
  const started = state.transactionStartTimeMs >= 0n;
  const partitions = javaHashMapOrder(state.topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))), topicPartitionHash);
  io.out(prettyPrintTable(
    ['CoordinatorId', 'TransactionalId', 'ProducerId', 'ProducerEpoch', 'TransactionState', 'TransactionTimeoutMs', 'CurrentTransactionStartTimeMs', 'TransactionDurationMs', 'TopicPartitions'],
    [[String(coordinatorId), transactionalId, String(state.producerId), String(state.producerEpoch), state.transactionState, String(state.transactionTimeoutMs),
      started ? String(state.transactionStartTimeMs) : 'None', started ? String(BigInt(Date.now()) - state.transactionStartTimeMs) : 'None',
      partitions.map((p) => `${p.topic}-${p.partition}`).join(',')]],
  ));
}

async function describeProducersCommand(client: AdminClient, opts: { topic: string; partition: string; brokerId?: string }, io: ToolOutput): Promise<void> {
  const partition = Number(opts.partition);
  let producers: ProducerState[];
  try {
    producers = (await describeProducers(client, opts.topic, [partition], opts.brokerId === undefined ? undefined : Number(opts.brokerId))).get(partition) ?? [];
  } catch (e) {
    throw failed(`Failed to describe producers for partition ${opts.topic}-${partition} on ${opts.brokerId === undefined ? 'leader' : `broker ${opts.brokerId}`}`, e);
  }
  const rows = producers.map((p) => [String(p.producerId), String(p.producerEpoch), String(p.coordinatorEpoch), String(p.lastSequence), String(p.lastTimestamp), p.currentTxnStartOffset >= 0n ? String(p.currentTxnStartOffset) : 'None']);
  io.out(prettyPrintTable(['ProducerId', 'ProducerEpoch', 'LatestCoordinatorEpoch', 'LastSequence', 'LastTimestamp', 'CurrentTransactionStartOffset'], rows));
}

interface AbortOptions {
  topic: string;
  partition: string;
  startOffset?: string;
  producerId?: string;
  producerEpoch?: string;
  coordinatorEpoch?: string;
}

async function abort(client: AdminClient, opts: AbortOptions): Promise<void> {
  const partition = Number(opts.partition);
  const tp = `${opts.topic}-${partition}`;
  if (opts.startOffset === undefined && opts.producerId === undefined) {
    throw new CommandFailure('The transaction to abort must be identified either with --start-offset (for brokers on 3.0 or above) or with --producer-id, --producer-epoch, and --coordinator-epoch (for older brokers)');
  }
  let spec: { producerId: bigint; producerEpoch: number; coordinatorEpoch: number };
  if (opts.startOffset === undefined) {
    if (opts.producerEpoch === undefined) throw new CommandFailure('Missing required argument --producer-epoch');
    if (opts.coordinatorEpoch === undefined) throw new CommandFailure('Missing required argument --coordinator-epoch');
    spec = { producerId: BigInt(opts.producerId!), producerEpoch: Number(opts.producerEpoch), coordinatorEpoch: Math.max(Number(opts.coordinatorEpoch), 0) };
  } else {
    const startOffset = BigInt(opts.startOffset);
    let producers: ProducerState[];
    try {
      producers = (await describeProducers(client, opts.topic, [partition], undefined)).get(partition) ?? [];
    } catch (e) {
      throw failed(`Failed to validate producer state for partition ${tp}`, e);
    }
    const found = producers.find((p) => p.currentTxnStartOffset >= 0n && p.currentTxnStartOffset === startOffset);
    if (found === undefined) throw new CommandFailure(`Could not find any open transactions starting at offset ${startOffset} on partition ${tp}`);
    spec = { producerId: found.producerId, producerEpoch: found.producerEpoch, coordinatorEpoch: Math.max(found.coordinatorEpoch, 0) };
  }
  const described = `AbortTransactionSpec(topicPartition=${tp}, producerId=${spec.producerId}, producerEpoch=${spec.producerEpoch}, coordinatorEpoch=${spec.coordinatorEpoch})`;
  try {
    const { brokers, topics } = await cluster(client, [opts.topic]);
    const leader = topics.find((t) => t.name === opts.topic)?.partitions.find((p) => p.partitionIndex === partition)?.leaderId ?? -1;
    if (!brokers.has(leader)) throw new AdminError(Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
    const marker = { ...spec, transactionResult: false, topics: [{ name: opts.topic, partitionIndexes: [partition] }] };
    const r = await client.send<WriteTxnMarkersResponse>(ApiKeys.WriteTxnMarkers, { markers: [marker] }, { node: brokers.get(leader)! });
    const error = r.markers.flatMap((m) => m.topics.flatMap((t) => t.partitions)).find((p) => p.errorCode !== Errors.NONE);
    if (error !== undefined) throw new AdminError(error.errorCode, null);
  } catch (e) {
    throw failed(`Failed to abort transaction ${described}`, e);
  }
}

interface FindHangingOptions {
  brokerId?: string;
  maxTransactionTimeout: string;
  topic?: string;
  partition?: string;
}

/**
 * Kafka's FindHangingTransactionsCommand: open transactions (DescribeProducers) whose last write is older than
 * --max-transaction-timeout minutes, and whose producer's transaction (ListTransactions by producer id, then
 * DescribeTransactions) is gone or no longer includes the partition.
 */
async function findHanging(client: AdminClient, opts: FindHangingOptions, io: ToolOutput): Promise<void> {
  if (opts.topic === undefined && opts.brokerId === undefined) throw new CommandFailure('The `find-hanging` command requires either --topic or --broker-id to limit the scope of the search');
  if (opts.partition !== undefined && opts.topic === undefined) throw new CommandFailure('The --partition argument requires --topic to be provided');
  const brokerId = opts.brokerId === undefined ? undefined : Number(opts.brokerId);
  const maxTimeoutMs = Number(opts.maxTransactionTimeout) * MINUTE_MS;
  const { topics: described } = await cluster(client, opts.topic === undefined ? null : [opts.topic]);
  const topics = described.filter((t): t is typeof t & { name: string } => t.name !== null);
  const candidates: { topic: string; partition: number; state: ProducerState }[] = [];
  for (const t of topics) {
    if (t.errorCode !== Errors.NONE) throw failed(`Failed to describe 1 topics`, new AdminError(t.errorCode, null));
    const partitions = t.partitions.filter((p) => (opts.partition === undefined || p.partitionIndex === Number(opts.partition)) && (brokerId === undefined || p.replicaNodes.includes(brokerId))).map((p) => p.partitionIndex);
    if (partitions.length === 0) continue;
    let states: Map<number, ProducerState[]>;
    try {
      states = await describeProducers(client, t.name, partitions, brokerId);
    } catch (e) {
      throw failed(`Failed to describe producers for ${partitions.length} partitions on broker ${brokerId === undefined ? 'Optional.empty' : `Optional[${brokerId}]`}`, e);
    }
    const now = BigInt(Date.now());
    for (const [partition, producers] of states) {
      for (const state of producers) {
        if (state.currentTxnStartOffset >= 0n && now - state.lastTimestamp > BigInt(maxTimeoutMs)) candidates.push({ topic: t.name, partition, state });
      }
    }
  }
  const hanging: typeof candidates = [];
  if (candidates.length > 0) {
    const producerIds = [...new Set(candidates.map((c) => c.state.producerId))];
    const transactionalIds = new Map<bigint, string>();
    try {
      for (const [, states] of await listTransactions(client, -1n, producerIds)) for (const s of states) if (producerIds.includes(s.producerId)) transactionalIds.set(s.producerId, s.transactionalId);
    } catch (e) {
      throw failed(`Failed to list transactions for ${producerIds.length} producers`, e);
    }
    for (const c of candidates) {
      const id = transactionalIds.get(c.state.producerId);
      if (id === undefined) {
        hanging.push(c);
        continue;
      }
      const coordinator = await transactionCoordinator(client, id);
      const r = await client.send<DescribeTransactionsResponse>(ApiKeys.DescribeTransactions, { transactionalIds: [id] }, { node: coordinator });
      const state = r.transactionStates[0];
      if (state === undefined || state.errorCode === Errors.TRANSACTIONAL_ID_NOT_FOUND) hanging.push(c);
      else if (state.errorCode !== Errors.NONE) throw failed(`Failed to describe 1 transactions`, new AdminError(state.errorCode, null));
      else if (!state.topics.some((t) => t.topic === c.topic && t.partitions.includes(c.partition))) hanging.push(c);
    }
  }
  const now = Date.now();
  const rows = hanging.map((h) => [h.topic, String(h.partition), String(h.state.producerId), String(h.state.producerEpoch), String(h.state.coordinatorEpoch), String(h.state.currentTxnStartOffset), String(h.state.lastTimestamp), String(Math.floor((now - Number(h.state.lastTimestamp)) / MINUTE_MS))]);
  io.out(prettyPrintTable(['Topic', 'Partition', 'ProducerId', 'ProducerEpoch', 'CoordinatorEpoch', 'StartOffset', 'LastTimestamp', 'Duration(min)'], rows));
}

/** argparse4j's conversion of an Integer/Long/Short argument. @throws InvalidArgumentError with its message. */
function integer(name: string, type: 'Integer' | 'Long' | 'Short') {
  return (value: string): string => {
    const bits = type === 'Long' ? 63n : type === 'Integer' ? 31n : 15n;
    if (!/^[-+]?\d+$/.test(value) || BigInt(value) >= 2n ** bits || BigInt(value) < -(2n ** bits)) throw new InvalidArgumentError(`argument ${name}: could not convert '${value}' to ${type}`);
    return value;
  };
}

/** The `transactions` command; `io` gets what Kafka's tool prints on stdout and stderr. */
export function transactionsCommand(io: ToolOutput = PROCESS_OUTPUT): Command {
  const command = new Command('transactions')
    .description('This tool is used to analyze the transactional state of producers in the cluster. It can be used to detect and recover from hanging transactions (kafka-transactions).')
    .option('--command-config <FILE>', 'property file containing configs to be passed to admin client')
    .option('--bootstrap-server <host:port>', 'hostname and port for the broker to connect to, in the form `host:port`  (multiple comma-separated entries can be given)');
  // Each sub-command's action reads its own options (typed by the caller).
  const sub = (name: string, help: string, action: (client: AdminClient, opts: any) => Promise<void>): Command => {
    const c = command.command(name).description(help);
    c.action(async (opts: unknown) => {
      await runTool(c, io, (message) => ({ stream: 'err', text: `${message}\n` }), async () => {
        const global = command.opts() as { bootstrapServer?: string; commandConfig?: string };
        if (global.bootstrapServer === undefined) throw new UsageError('argument --bootstrap-server is required');
        await withAdminClient(global.bootstrapServer, global.commandConfig, 'kafka-transactions', (client) => action(client, opts));
      });
    });
    return c;
  };
  sub('list', 'list transactions', (client, opts: { durationFilter?: string; transactionalIdPattern?: string }) => list(client, opts, io))
    .option('--duration-filter <DURATION_FILTER>', 'Duration (in millis) to filter by: if < 0, all transactions will be returned; otherwise, only transactions running longer than this duration will be returned', integer('--duration-filter', 'Long'))
    .option('--transactional-id-pattern <TRANSACTIONAL_ID_PATTERN>', 'Transactional id regular expression pattern to filter by');
  sub('describe', 'describe the state of an active transactional-id', (client, opts: { transactionalId: string }) => describe(client, opts.transactionalId, io))
    .requiredOption('--transactional-id <TRANSACTIONAL_ID>', 'transactional id');
  sub('describe-producers', 'describe the states of active producers for a topic partition', (client, opts: { topic: string; partition: string; brokerId?: string }) => describeProducersCommand(client, opts, io))
    .option('--broker-id <BROKER_ID>', 'optional broker id to describe the producer state on a specific replica', integer('--broker-id', 'Integer'))
    .requiredOption('--topic <TOPIC>', 'topic name')
    .requiredOption('--partition <PARTITION>', 'partition number', integer('--partition', 'Integer'));
  sub('abort', 'abort a hanging transaction (requires administrative privileges)', (client, opts: AbortOptions) => abort(client, opts))
    .requiredOption('--topic <TOPIC>', 'topic name')
    .requiredOption('--partition <PARTITION>', 'partition number', integer('--partition', 'Integer'))
    .option('--start-offset <START_OFFSET>', 'start offset of the transaction to abort', integer('--start-offset', 'Long'))
    .option('--producer-id <PRODUCER_ID>', 'producer id', integer('--producer-id', 'Long'))
    .option('--producer-epoch <PRODUCER_EPOCH>', 'producer epoch', integer('--producer-epoch', 'Short'))
    .option('--coordinator-epoch <COORDINATOR_EPOCH>', 'coordinator epoch', integer('--coordinator-epoch', 'Integer'));
  sub('find-hanging', 'find hanging transactions', (client, opts: FindHangingOptions) => findHanging(client, opts, io))
    .option('--broker-id <BROKER_ID>', 'broker id to search for hanging transactions', integer('--broker-id', 'Integer'))
    .option('--max-transaction-timeout <MAX_TRANSACTION_TIMEOUT>', 'maximum transaction timeout in minutes to limit the scope of the search (15 minutes by default)', integer('--max-transaction-timeout', 'Integer'), '15')
    .option('--topic <TOPIC>', 'topic name to limit search to (required if --partition is specified)')
    .option('--partition <PARTITION>', 'partition number', integer('--partition', 'Integer'));
  sub('forceTerminateTransaction', 'Force abort an ongoing transaction on transactionalId (not supported: refused)', () => Promise.reject(new Error('forceTerminateTransaction is not supported by kafka-broker transactions (KIP-939 two-phase commit is not implemented)')))
    .option('--transactionalId <TRANSACTIONAL_ID>', 'transactional id');
  return command;
}
