// `kafka-broker consumer-perf-test`: Apache Kafka's kafka-consumer-perf-test.sh (ConsumerPerformance, Kafka 4.4) with
// its flags and CSV output: the header, a progress line every --reporting-interval ms with --show-detailed-stats, else
// one summary line "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
// rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec". The consumer is ours: every partition of the topic
// is fetched from its leader (one Fetch per leader at a time, as Kafka's fetcher), starting at the group's committed
// offsets, else at the earliest (or with --from-latest the latest) offset; the group's offsets are committed at the
// end (a standalone commit: the tool does not join the group, so rebalance.time.ms is 0).
//
// Throughput: the tool must not be what limits a benchmark (issue 19: >= 0.9x kcat). The next Fetch leaves as soon as
// an answer is in (its offsets come from the batch headers) and the answer is counted while it is in flight; answers
// are received into recycled memory (a FramePool: a fresh 16 MiB Buffer per Fetch cost a page fault per 4 KiB and
// GC work); the start-up round trips (committed offsets, reset offsets) run side by side.

import { Command } from 'commander';
import { FramePool } from '../network/frame-pool.ts';
import type { NodeEndpoint } from '../network/network-client.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { FetchResponse } from '../protocol/generated/messages/fetch-response.ts';
import type { OffsetCommitResponse } from '../protocol/generated/messages/offset-commit-response.ts';
import type { OffsetFetchResponse } from '../protocol/generated/messages/offset-fetch-response.ts';
import { AdminError, type AdminClient } from './admin-client.ts';
import { checkInvalidArgs, checkRequiredArgs, collect, givenOptions, PROCESS_OUTPUT, propertyPairs, propertiesFile, runTool, UsageError, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { formatJavaDate } from './java-date-format.ts';
import { countRecords, nextOffset } from './perf-record-counter.ts';

const MIB = 1024 * 1024;
const FETCH_MAX_BYTES = 52_428_800;
const FETCH_MAX_WAIT_MS = 500;
const HONOURED = new Set(['client.id', 'fetch.max.bytes', 'fetch.max.wait.ms', 'max.partition.fetch.bytes', 'security.protocol', 'key.deserializer', 'value.deserializer', 'bootstrap.servers', 'group.id', 'auto.offset.reset', 'enable.auto.commit']);

interface ConsumerPerfOptions {
  bootstrapServer?: string;
  topic?: string;
  include?: string;
  group: string;
  fetchSize: string;
  commandProperty?: string[];
  fromLatest?: boolean;
  consumerConfig?: string;
  commandConfig?: string;
  printMetrics?: boolean;
  showDetailedStats?: boolean;
  timeout: string;
  messages?: string;
  numRecords?: string;
  reportingInterval: string;
  dateFormat: string;
  hideHeader?: boolean;
}

interface Position {
  readonly partition: number;
  readonly leader: NodeEndpoint;
  /** The next offset to consume (what is committed at the end). */
  offset: bigint;
  /** The next offset to fetch: ahead of `offset` while a fetched answer waits to be counted. */
  fetchOffset: bigint;
}

function long(name: string, value: string): number {
  if (!/^[-+]?\d+$/.test(value.trim())) throw new UsageError(`Cannot parse argument '${value}' of option ${name}`);
  return Number(value);
}

/** The topic's partitions with their leaders and start offsets (committed, else earliest/latest). */
async function positions(client: AdminClient, topic: string, group: string, fromLatest: boolean): Promise<Position[]> {
  const metadata = await client.metadata([topic]);
  const t = metadata.topics.find((x) => x.name === topic);
  if (t === undefined || t.errorCode === Errors.UNKNOWN_TOPIC_OR_PARTITION) throw new Error(`Topic ${topic} not present in metadata`);
  if (t.errorCode !== Errors.NONE) throw new AdminError(t.errorCode, null);
  const brokers = new Map(metadata.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port }]));
  const partitions = t.partitions.map((p) => p.partitionIndex).sort((a, b) => a - b);
  // The committed offsets and the reset offsets are asked side by side (one round trip less before the first Fetch);
  // the reset offset of a partition with a commit is not used.
  const committedOffsets = async (): Promise<Map<number, bigint>> => {
    const coordinator = await client.groupCoordinator(group);
    const fetched = await client.send<OffsetFetchResponse>(ApiKeys.OffsetFetch, { groupId: group, topics: [{ name: topic, partitionIndexes: partitions }], groups: [], requireStable: false }, { node: coordinator, version: { min: 1, max: 7 } });
    if (fetched.errorCode !== Errors.NONE) throw new AdminError(fetched.errorCode, null);
    return new Map(fetched.topics.flatMap((x) => x.partitions).filter((p) => p.committedOffset >= 0n).map((p) => [p.partitionIndex, p.committedOffset]));
  };
  const [committed, reset] = await Promise.all([committedOffsets(), client.listOffsets(partitions.map((p) => [topic, p] as const), () => (fromLatest ? -1n : -2n))]);
  return t.partitions.map((p) => {
    const leader = brokers.get(p.leaderId);
    if (leader === undefined) throw new AdminError(Errors.LEADER_NOT_AVAILABLE, null);
    const offset = committed.get(p.partitionIndex) ?? reset.get(`${topic}-${p.partitionIndex}`)?.offset;
    if (offset === undefined || offset === null) throw new AdminError(reset.get(`${topic}-${p.partitionIndex}`)?.errorCode ?? Errors.UNKNOWN_SERVER_ERROR, null);
    return { partition: p.partitionIndex, leader, offset, fetchOffset: offset };
  });
}

async function run(command: Command, opts: ConsumerPerfOptions, io: ToolOutput): Promise<void> {
  const given = givenOptions(command);
  checkRequiredArgs(given, 'bootstrap-server');
  if (!given.has('topic') && !given.has('include')) throw new UsageError('Exactly one of the following arguments is required: [topic],[include]');
  if (given.has('topic') && given.has('include')) throw new UsageError('Exactly one of the following arguments is required: [topic],[include]');
  if (!given.has('messages') && !given.has('num-records')) throw new UsageError('Exactly one of the following arguments is required: [messages],[num-records]');
  if (given.has('messages') && given.has('num-records')) throw new UsageError('Exactly one of the following arguments is required: [messages],[num-records]');
  checkInvalidArgs(given, 'consumer.config', ['command-config']);
  if (given.has('include')) throw new Error('--include is not supported by kafka-broker consumer-perf-test: use --topic');
  if (given.has('print-metrics')) throw new Error('--print-metrics is not supported by kafka-broker consumer-perf-test');
  if (given.has('messages')) io.out('Warning: --messages is deprecated. Use --num-records instead.\n');
  if (given.has('consumer.config')) io.out('Warning: --consumer.config is deprecated. Use --command-config instead.\n');
  const numRecords = long('messages', opts.numRecords ?? opts.messages!);
  const timeoutMs = long('timeout', opts.timeout);
  const fetchSize = long('fetch-size', opts.fetchSize);
  if (!/^\d+$/.test(opts.reportingInterval)) throw new UsageError(`Value [${opts.reportingInterval}] did not match pattern [^\\d+$]`);
  const reportingIntervalMs = Number(opts.reportingInterval);
  if (reportingIntervalMs <= 0) throw new Error('Reporting interval must be greater than 0.');
  const props = { ...(await propertiesFile(opts.consumerConfig ?? opts.commandConfig)), ...propertyPairs(opts.commandProperty) };
  for (const name of Object.keys(props)) if (!HONOURED.has(name)) throw new Error(`Unsupported consumer config ${name}: kafka-broker consumer-perf-test honours ${[...HONOURED].join(', ')}`);
  if (props['enable.auto.commit'] === 'false') throw new Error('enable.auto.commit=false is not supported by kafka-broker consumer-perf-test (it commits the offsets consumed at the end)');
  const partitionMaxBytes = props['max.partition.fetch.bytes'] === undefined ? fetchSize : Number(props['max.partition.fetch.bytes']);
  const fetchMaxBytes = Number(props['fetch.max.bytes'] ?? FETCH_MAX_BYTES);
  const maxWaitMs = Number(props['fetch.max.wait.ms'] ?? FETCH_MAX_WAIT_MS);
  const format = (ms: number): string => formatJavaDate(opts.dateFormat, new Date(ms));
  if (opts.hideHeader !== true) {
    io.out(`${opts.showDetailedStats === true ? 'time, threadId' : 'start.time, end.time'}, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec\n`);
  }
  // Two answers are held at once (one being counted, the next being received), each in a buffer of the next power of
  // two above its size.
  const framePool = new FramePool({ maxPooledFrameBytes: fetchMaxBytes + MIB, maxIdleBytes: 4 * 2 ** Math.ceil(Math.log2(fetchMaxBytes + MIB)) });
  await withAdminClient(opts.bootstrapServer!, undefined, props['client.id'] ?? 'perf-consumer-client', async (client) => {
    const topic = opts.topic!;
    const startMs = Date.now();
    const assigned = await positions(client, topic, opts.group, opts.fromLatest === true);
    let recordsRead = 0;
    let bytesRead = 0;
    let lastRecords = 0;
    let lastBytes = 0;
    let lastReportMs = Date.now();
    let lastConsumedMs = lastReportMs;
    const byLeader = new Map<number, Position[]>();
    for (const p of assigned) byLeader.set(p.leader.nodeId, [...(byLeader.get(p.leader.nodeId) ?? []), p]);
    // One Fetch per leader at a time, as Kafka's fetcher; the next one leaves as soon as an answer is in (its offsets
    // come from the batch headers), and the records of the answer are counted while it is in flight.
    interface Answer {
      readonly parts: { position: Position; from: bigint; records: Buffer }[];
      /** Gives the answer's memory back to the pool: once its records are counted. */
      readonly release: () => void;
    }
    const fetchFrom = async (group: Position[]): Promise<Answer> => {
      const partitions = group.map((p) => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes, replicaDirectoryId: '' }));
      const request = { clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1n }, maxWaitMs, minBytes: 1, maxBytes: fetchMaxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1, topics: [{ topic, topicId: '', partitions }], forgottenTopicsData: [], rackId: '' };
      const response = await client.sendForResponse<FetchResponse>(ApiKeys.Fetch, request, { node: group[0]!.leader, version: { min: 4, max: 12 } });
      const r = response.body;
      const parts: Answer['parts'] = [];
      try {
        if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, null);
        for (const p of r.responses.flatMap((t) => t.partitions)) {
          if (p.errorCode !== Errors.NONE) throw new AdminError(p.errorCode, null);
          const position = group.find((g) => g.partition === p.partitionIndex);
          if (position === undefined || !Buffer.isBuffer(p.records)) continue;
          parts.push({ position, from: position.fetchOffset, records: p.records });
          position.fetchOffset = nextOffset(p.records, position.fetchOffset);
        }
      } catch (err) {
        response.releaseFrame();
        throw err;
      }
      return { parts, release: () => response.releaseFrame() };
    };
    const consumeFrom = async (group: Position[]): Promise<void> => {
      let inFlight = fetchFrom(group);
      while (recordsRead < numRecords && Date.now() - lastConsumedMs <= timeoutMs) {
        const answer = await inFlight;
        inFlight = fetchFrom(group);
        try {
          for (const { position, from, records } of answer.parts) {
            if (recordsRead >= numRecords) break;
            const counted = await countRecords(records, from, numRecords - recordsRead);
            recordsRead += counted.records;
            bytesRead += counted.bytes;
            position.offset = counted.nextOffset;
            if (counted.records > 0) lastConsumedMs = Date.now();
          }
        } finally {
          answer.release();
        }
        report();
      }
      // The fetch still in flight is not read; its answer is not waited for beyond the deadline of the request.
      inFlight.then((a) => a.release(), () => undefined);
    };
    const report = (): void => {
      const now = Date.now();
      if (now - lastReportMs < reportingIntervalMs) return;
      if (opts.showDetailedStats === true) {
        const elapsedMs = now - lastReportMs;
        const mbPerSec = (1000 * ((bytesRead - lastBytes) / MIB)) / elapsedMs;
        const recsPerSec = ((recordsRead - lastRecords) / elapsedMs) * 1000;
        io.out(`${format(now)}, 0, ${(bytesRead / MIB).toFixed(4)}, ${mbPerSec.toFixed(4)}, ${recordsRead}, ${recsPerSec.toFixed(4)}, 0, ${elapsedMs}, ${mbPerSec.toFixed(4)}, ${recsPerSec.toFixed(4)}\n`);
      }
      lastReportMs = now;
      lastRecords = recordsRead;
      lastBytes = bytesRead;
    };
    await Promise.all([...byLeader.values()].map(consumeFrom));
    if (recordsRead < numRecords) io.out(`WARNING: Exiting before consuming the expected number of records: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.\n`);
    const endMs = Date.now();
    await commit(client, opts.group, topic, assigned);
    if (opts.showDetailedStats !== true) {
      const elapsedSec = (endMs - startMs) / 1000;
      const mb = bytesRead / MIB;
      const fetchSec = (endMs - startMs) / 1000;
      io.out(`${format(startMs)}, ${format(endMs)}, ${mb.toFixed(4)}, ${(mb / elapsedSec).toFixed(4)}, ${recordsRead}, ${(recordsRead / elapsedSec).toFixed(4)}, 0, ${endMs - startMs}, ${(mb / fetchSec).toFixed(4)}, ${(recordsRead / fetchSec).toFixed(4)}\n`);
    }
  }, undefined, framePool);
}

/** Commits the positions as the group's offsets (OffsetCommit of a standalone consumer: generation -1). */
async function commit(client: AdminClient, group: string, topic: string, assigned: readonly Position[]): Promise<void> {
  const coordinator = await client.groupCoordinator(group);
  const partitions = assigned.map((p) => ({ partitionIndex: p.partition, committedOffset: p.offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' }));
  const request = { groupId: group, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: topic, partitions }] };
  const r = await client.send<OffsetCommitResponse>(ApiKeys.OffsetCommit, request, { node: coordinator, version: { min: 2, max: 9 } });
  const failed = r.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== Errors.NONE);
  if (failed !== undefined) throw new AdminError(failed.errorCode, null);
}

/** The `consumer-perf-test` command; `io` gets what Kafka's tool prints on stdout and stderr. */
export function consumerPerfTestCommand(io: ToolOutput = PROCESS_OUTPUT): Command {
  const command = new Command('consumer-perf-test')
    .description('This tool is used to verify the consumer performance (kafka-consumer-perf-test).')
    .option('--bootstrap-server <server to connect to>', 'REQUIRED: The server(s) to connect to.')
    .option('--topic <topic>', 'The topic to consume from.')
    .option('--include <Java regex (String)>', 'Regular expression specifying list of topics to include for consumption (not supported: refused).')
    .option('--group <gid>', 'The group id to consume on.', `perf-consumer-${Math.floor(Math.random() * 100_000)}`)
    .option('--fetch-size <size>', 'The maximum amount of data to fetch from a single partition per request.', '1048576')
    .option('--command-property <prop1=val1>', 'Kafka consumer related configuration properties like client.id. These configs take precedence over those passed via --command-config or --consumer.config.', collect)
    .option('--from-latest', 'If the consumer does not already have an established offset to consume from, start with the latest record present in the log rather than the earliest record.')
    .option('--socket-buffer-size <size>', 'The size of the tcp RECV size.', '2097152')
    .option('--consumer.config <config file>', '(DEPRECATED) Consumer config properties file. Use --command-config instead.')
    .option('--command-config <config file>', 'Config properties file.')
    .option('--print-metrics', 'Print out the metrics (not supported: refused).')
    .option('--show-detailed-stats', 'If set, stats are reported for each reporting interval as configured by reporting-interval.')
    .option('--timeout <milliseconds>', 'The maximum allowed time in milliseconds between returned records.', '10000')
    .option('--messages <count>', '(DEPRECATED) The number of records to consume. Use --num-records instead.')
    .option('--num-records <count>', 'REQUIRED: The number of records to consume.')
    .option('--reporting-interval <interval_ms>', 'Interval in milliseconds at which to print progress info.', '5000')
    .option('--date-format <date format>', 'The date format to use for formatting the time field. See java.text.SimpleDateFormat for options.', 'yyyy-MM-dd HH:mm:ss:SSS')
    .option('--hide-header', 'If set, skips printing the header for the stats.');
  command.action(async () => {
    const raw = command.opts() as ConsumerPerfOptions & { 'consumer.config'?: string };
    const opts = { ...raw, consumerConfig: raw['consumer.config'] };
    await runTool(command, io, (message) => ({ stream: 'err', text: `${message}\n` }), () => run(command, opts, io));
  });
  return command;
}
