// `kafka-broker delete-records`: Apache Kafka's kafka-delete-records.sh (DeleteRecordsCommand, Kafka 4.4): deletes
// the records of each partition of --offset-json-file ({"partitions": [{"topic", "partition", "offset"}],
// "version": 1}) before its offset (DeleteRecords to each leader; offset -1 is the high watermark), then prints one
// "partition: <tp>\tlow_watermark: <n>" or "partition: <tp>\terror: <exception>" line per partition. A failure prints
// its message on stderr and exits with 1.

import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { DeleteRecordsResponse } from '../protocol/generated/messages/delete-records-response.ts';
import { AdminError, type AdminClient } from './admin-client.ts';
import { checkRequiredArgs, givenOptions, PROCESS_OUTPUT, runTool, UsageError, withAdminClient, type ToolOutput } from './admin-tool.ts';
import { exceptionClass, topicPartitionHash } from './java-format.ts';
import { javaHashMapOrder } from './java-hash-map-order.ts';

/** A partition of the JSON file with its offset. */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * DeleteRecordsCommand.parseOffsetJsonStringWithoutDedup and its duplicate check.
 * @throws Error with Kafka's messages: not JSON, unsupported version, missing partitions, duplicates.
 */
export function parseOffsetJson(text: string): PartitionOffset[] {
  let js: unknown;
  try {
    // Offsets are longs: read them as text so that no digit is lost.
    js = JSON.parse(text.replace(/("offset"\s*:\s*)(-?\d+)/g, '$1"$2"'));
  } catch {
    throw new Error('The input string is not a valid JSON');
  }
  if (typeof js !== 'object' || js === null || Array.isArray(js)) throw new Error('The input string is not a valid JSON');
  const version = (js as { version?: unknown }).version ?? 1;
  if (version !== 1) throw new Error(`Not supported version field value ${String(version)}`);
  const partitions = (js as { partitions?: unknown }).partitions;
  if (partitions === undefined) throw new Error('Missing partitions field');
  if (!Array.isArray(partitions)) throw new Error('Expected `partitions` to be a JSON array');
  const out = partitions.map((p: { topic?: unknown; partition?: unknown; offset?: unknown }) => {
    if (typeof p?.topic !== 'string' || !isInt(p.partition) || typeof p.offset !== 'string') throw new Error(`Each partition needs "topic" (string), "partition" (int) and "offset" (long): ${JSON.stringify(p)}`);
    return { topic: p.topic, partition: p.partition, offset: BigInt(p.offset) };
  });
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const p of out) {
    const key = `${p.topic}-${p.partition}`;
    if (seen.has(key)) duplicates.add(key);
    seen.add(key);
  }
  if (duplicates.size > 0) throw new Error(`Offset json file contains duplicate topic partitions: ${[...duplicates].join(',')}`);
  return out;
}

/** DeleteRecords of `partitions` at each leader; one result per partition: the low watermark or the error. */
async function deleteRecords(client: AdminClient, partitions: readonly PartitionOffset[]): Promise<Map<string, { lowWatermark: bigint } | { error: AdminError }>> {
  const metadata = await client.metadata([...new Set(partitions.map((p) => p.topic))]);
  const brokers = new Map(metadata.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port }]));
  const out = new Map<string, { lowWatermark: bigint } | { error: AdminError }>();
  const byLeader = new Map<number, PartitionOffset[]>();
  for (const p of partitions) {
    const topic = metadata.topics.find((t) => t.name === p.topic);
    const leader = topic?.partitions.find((q) => q.partitionIndex === p.partition)?.leaderId ?? -1;
    if (topic === undefined || topic.errorCode !== Errors.NONE || !brokers.has(leader)) {
      out.set(`${p.topic}-${p.partition}`, { error: new AdminError(topic?.errorCode || Errors.UNKNOWN_TOPIC_OR_PARTITION, null) });
    } else {
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), p]);
    }
  }
  for (const [leader, group] of byLeader) {
    const topics = [...new Set(group.map((p) => p.topic))].map((name) => ({ name, partitions: group.filter((p) => p.topic === name).map((p) => ({ partitionIndex: p.partition, offset: p.offset })) }));
    const r = await client.send<DeleteRecordsResponse>(ApiKeys.DeleteRecords, { topics, timeoutMs: client.timeoutMs }, { node: brokers.get(leader)! });
    for (const t of r.topics) {
      for (const p of t.partitions) out.set(`${t.name}-${p.partitionIndex}`, p.errorCode === Errors.NONE ? { lowWatermark: p.lowWatermark } : { error: new AdminError(p.errorCode, null) });
    }
  }
  return out;
}

/** The `delete-records` command; `io` gets what Kafka's tool prints on stdout and stderr. */
export function deleteRecordsCommand(io: ToolOutput = PROCESS_OUTPUT): Command {
  const command = new Command('delete-records')
    .description('This tool helps to delete records of the given partitions down to the specified offset (kafka-delete-records).')
    .option('--bootstrap-server <server(s) to use for bootstrapping>', 'REQUIRED: The server to connect to.')
    .option('--command-config <command config property file path>', 'A property file containing configs to be passed to Admin Client.')
    .option('--offset-json-file <Offset json file path>', 'REQUIRED: The JSON file with offset per partition. The format to use is:\n{"partitions":\n  [{"topic": "foo", "partition": 1, "offset": 1}],\n "version":1\n}');
  command.action(async (opts: { bootstrapServer?: string; commandConfig?: string; offsetJsonFile?: string }) => {
    await runTool(command, io, (message) => ({ stream: 'err', text: `${message}\n` }), async () => {
      const given = givenOptions(command);
      if (given.size === 0) throw new UsageError('This tool helps to delete records of the given partitions down to the specified offset.');
      checkRequiredArgs(given, 'bootstrap-server', 'offset-json-file');
      let text: string;
      try {
        text = await readFile(opts.offsetJsonFile!, 'utf8');
      } catch {
        throw new Error(`${opts.offsetJsonFile} (No such file or directory)`);
      }
      const partitions = parseOffsetJson(text);
      await withAdminClient(opts.bootstrapServer!, opts.commandConfig, 'adminclient-1', async (client) => {
        io.out('Executing records delete operation\n');
        const results = await deleteRecords(client, partitions);
        io.out('Records delete operation completed:\n');
        // Kafka prints them in the order of its HashMap of TopicPartition.
        const ordered = javaHashMapOrder(partitions.map((p) => [{ topic: p.topic, partition: p.partition }, results.get(`${p.topic}-${p.partition}`)!] as const), ([tp]) => topicPartitionHash(tp));
        for (const [tp, result] of ordered) {
          const name = `${tp.topic}-${tp.partition}`;
          io.out('error' in result
            ? `partition: ${name}\terror: org.apache.kafka.common.errors.${exceptionClass(result.error.code)}: ${result.error.message}\n`
            : `partition: ${name}\tlow_watermark: ${result.lowWatermark}\n`);
        }
      });
    });
  });
  return command;
}
