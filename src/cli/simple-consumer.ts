import type { NodeEndpoint } from '../network/network-client.ts';
import { ApiKeys } from '../protocol/generated/api-keys.ts';
import { Errors } from '../protocol/generated/errors.ts';
import type { FetchResponse } from '../protocol/generated/messages/fetch-response.ts';
import type { MetadataResponse } from '../protocol/generated/messages/metadata-response.ts';
import { iterateBatches } from '../protocol/records/batch-iterator.ts';
import { ControlRecordType, decodeControlRecordKey } from '../protocol/records/control-record.ts';
import { readRecords } from '../protocol/records/record-iterator.ts';
import { AdminError, isRetriable, type AdminClient } from './admin-client.ts';
import type { FormattedRecord } from './default-message-formatter.ts';

/** ListOffsets' special timestamps. */
export const EARLIEST = -2n;
export const LATEST = -1n;
/** Fetch limits of Kafka's consumer defaults (fetch.max.bytes, max.partition.fetch.bytes) and a short max wait. */
const FETCH_MAX_BYTES = 52_428_800;
const PARTITION_MAX_BYTES = 1_048_576;
const FETCH_MAX_WAIT_MS = 500;
const READ_COMMITTED = 1;

/** A consumed record with its topic. */
export interface ConsumedRecord extends FormattedRecord {
  readonly topic: string;
}

interface Position {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to fetch; null until resolved from `start`. */
  offset: bigint | null;
}

/**
 * A consumer of assigned partitions (Kafka's KafkaConsumer.assign without a group: nothing committed) over the admin
 * transport: positions start at a given offset, or at the earliest or latest offset (ListOffsets); Fetch goes to each
 * partition's leader; OFFSET_OUT_OF_RANGE resets the position with `resetTo` (auto.offset.reset); a leadership error
 * refreshes the metadata. read_committed (isolation level 1) drops the records of aborted transactions with the
 * response's aborted transaction list, as Kafka's Fetcher; control records are never returned.
 */
export class SimpleConsumer {
  readonly #client: AdminClient;
  readonly #positions: Position[];
  readonly #start: ReadonlyMap<string, bigint>;
  readonly #isolationLevel: number;
  readonly #resetTo: bigint;
  #leaders: Map<string, NodeEndpoint> | null = null;

  /**
   * @param partitions the assignment, each with its start: an offset, or EARLIEST/LATEST.
   * @param resetTo EARLIEST or LATEST, where an out-of-range position goes.
   */
  constructor(client: AdminClient, partitions: readonly { topic: string; partition: number; start: bigint }[], isolationLevel: 0 | 1, resetTo: bigint) {
    this.#client = client;
    this.#positions = partitions.map((p) => ({ topic: p.topic, partition: p.partition, offset: p.start >= 0n ? p.start : null }));
    this.#start = new Map(partitions.map((p) => [`${p.topic}-${p.partition}`, p.start]));
    this.#isolationLevel = isolationLevel;
    this.#resetTo = resetTo;
  }

  /** One round of fetches (waiting up to 500 ms for data); the records in offset order per partition. */
  async poll(): Promise<ConsumedRecord[]> {
    await this.#resolve(this.#positions.filter((p) => p.offset === null), (p) => this.#start.get(`${p.topic}-${p.partition}`)!);
    const leaders = await this.#metadata();
    const byLeader = new Map<number, Position[]>();
    for (const p of this.#positions) {
      const leader = leaders.get(`${p.topic}-${p.partition}`);
      // A partition without a leader (or a position) yet waits for the next round, with fresh metadata.
      if (leader === undefined || p.offset === null) this.#leaders = null;
      else byLeader.set(leader.nodeId, [...(byLeader.get(leader.nodeId) ?? []), p]);
    }
    if (byLeader.size === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    const results = await Promise.all([...byLeader.values()].map((positions) => this.#fetch(leaders.get(`${positions[0]!.topic}-${positions[0]!.partition}`)!, positions)));
    return results.flat();
  }

  async #fetch(node: NodeEndpoint, positions: Position[]): Promise<ConsumedRecord[]> {
    const topics = [...new Set(positions.map((p) => p.topic))].map((topic) => ({
      topic,
      topicId: '',
      partitions: positions.filter((p) => p.topic === topic).map((p) => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: p.offset!, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: PARTITION_MAX_BYTES, replicaDirectoryId: '' })),
    }));
    const request = { clusterId: null, replicaId: -1, replicaState: { replicaId: -1, replicaEpoch: -1n }, maxWaitMs: FETCH_MAX_WAIT_MS, minBytes: 1, maxBytes: FETCH_MAX_BYTES, isolationLevel: this.#isolationLevel, sessionId: 0, sessionEpoch: -1, topics, forgottenTopicsData: [], rackId: '' };
    const r = await this.#client.send<FetchResponse>(ApiKeys.Fetch, request, { node, version: { min: 4, max: 12 } });
    if (r.errorCode !== Errors.NONE) throw new AdminError(r.errorCode, null);
    const out: ConsumedRecord[] = [];
    const outOfRange: Position[] = [];
    for (const t of r.responses) {
      for (const p of t.partitions) {
        const position = positions.find((q) => q.topic === t.topic && q.partition === p.partitionIndex);
        if (position === undefined) continue;
        if (p.errorCode === Errors.OFFSET_OUT_OF_RANGE) outOfRange.push(position);
        else if (isRetriable(p.errorCode)) this.#leaders = null;
        else if (p.errorCode !== Errors.NONE) throw new AdminError(p.errorCode, null);
        else if (Buffer.isBuffer(p.records)) out.push(...await this.#records(position, p.records, p.abortedTransactions ?? []));
      }
    }
    await this.#resolve(outOfRange, () => this.#resetTo);
    return out;
  }

  /** The records of a fetched partition from its position on, advancing it past every batch read. */
  async #records(position: Position, bytes: Buffer, aborted: readonly { producerId: bigint; firstOffset: bigint }[]): Promise<ConsumedRecord[]> {
    const out: ConsumedRecord[] = [];
    const pendingAborts = [...aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
    const abortedProducers = new Set<bigint>();
    for (const batch of iterateBatches(bytes)) {
      if (batch.lastOffset < position.offset!) continue;
      if (this.#isolationLevel === READ_COMMITTED) {
        while (pendingAborts.length > 0 && pendingAborts[0]!.firstOffset <= batch.lastOffset) abortedProducers.add(pendingAborts.shift()!.producerId);
      }
      const records = await readRecords(batch);
      if (batch.isControl) {
        const type = decodeControlRecordKey(records[0]?.key ?? null).type;
        if (type === ControlRecordType.ABORT) abortedProducers.delete(batch.producerId);
      } else if (!(batch.isTransactional && abortedProducers.has(batch.producerId))) {
        for (const rec of records) {
          if (rec.offset < position.offset!) continue;
          out.push({
            topic: position.topic,
            partition: position.partition,
            offset: rec.offset,
            timestamp: rec.timestamp,
            timestampType: batch.isLogAppendTime ? 'LogAppendTime' : 'CreateTime',
            leaderEpoch: batch.partitionLeaderEpoch,
            key: rec.key === null ? null : Buffer.from(rec.key),
            value: rec.value === null ? null : Buffer.from(rec.value),
            headers: rec.headers.map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value) })),
          });
        }
      }
      position.offset = batch.nextOffset;
    }
    return out;
  }

  /** Sets the positions to the offsets ListOffsets answers for `timestamp(p)`. */
  async #resolve(positions: Position[], timestamp: (p: Position) => bigint): Promise<void> {
    if (positions.length === 0) return;
    const results = await this.#client.listOffsets(positions.map((p) => [p.topic, p.partition] as const), ([t, n]) => timestamp(positions.find((p) => p.topic === t && p.partition === n)!));
    for (const p of positions) {
      const result = results.get(`${p.topic}-${p.partition}`);
      if (result === undefined) continue;
      if (result.offset === null) {
        if (!isRetriable(result.errorCode)) throw new AdminError(result.errorCode, null);
        continue;
      }
      p.offset = result.offset;
    }
  }

  async #metadata(): Promise<Map<string, NodeEndpoint>> {
    if (this.#leaders !== null) return this.#leaders;
    const topics = [...new Set(this.#positions.map((p) => p.topic))];
    const r = await this.#client.send<MetadataResponse>(ApiKeys.Metadata, { topics: topics.map((name) => ({ name })), allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, { version: { min: 4 } });
    const brokers = new Map(r.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port }]));
    const leaders = new Map<string, NodeEndpoint>();
    for (const t of r.topics) for (const p of t.partitions) if (brokers.has(p.leaderId)) leaders.set(`${t.name}-${p.partitionIndex}`, brokers.get(p.leaderId)!);
    this.#leaders = leaders;
    return leaders;
  }
}
